"""Tests of ember.vision.models against torchvision's layout and a PyTorch reference."""

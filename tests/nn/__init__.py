"""Tests of ember.nn against PyTorch."""

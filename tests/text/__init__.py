"""Tests of ember.text against reference embeddings computed by sentence-transformers."""

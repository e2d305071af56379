"""Inference under no_grad keeps no graph: one forward's memory (traced by tracemalloc, which sees NumPy's
allocations) is well below the same forward with grad."""

from __future__ import annotations

import gc
import tracemalloc

import ember
import ember.nn as nn


def _forward_memory(model, x, grad: bool) -> tuple[int, int]:
    """(peak bytes during the forward, bytes still held while the output is alive)."""
    gc.collect()
    tracemalloc.start()
    try:
        with ember.set_grad_enabled(grad):
            out = model(x)
        held, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert (out.grad_fn is None) != grad
    return peak, held


def test_mlp_nograd_peak_below_grad():
    ember.manual_seed(0)
    model = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, 10))
    x = ember.randn(1024, 784)
    model(x[:2])
    peak_grad, held_grad = _forward_memory(model, x, True)
    peak_nograd, held_nograd = _forward_memory(model, x, False)
    # with grad the four 1024x512 activations stay alive for backward; without, at most two at a time
    assert peak_nograd < 0.75 * peak_grad
    assert held_nograd < 0.05 * held_grad


def test_cnn_nograd_keeps_no_activations():
    ember.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 8, 3), nn.ReLU(), nn.Conv2d(8, 16, 3), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Flatten(), nn.Linear(16 * 12 * 12, 10)).eval()
    x = ember.randn(32, 1, 28, 28)
    model(x[:2])
    peak_grad, held_grad = _forward_memory(model, x, True)
    peak_nograd, held_nograd = _forward_memory(model, x, False)
    assert peak_nograd <= peak_grad
    assert held_nograd < 0.05 * held_grad

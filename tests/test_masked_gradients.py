"""Gradients that pass through a mask (relu, hardtanh, clamp, where, max pooling) are 0 where the mask is
off, whatever the incoming gradient holds there (inf and NaN included), in every float dtype, as PyTorch's."""

from __future__ import annotations

import numpy as np
import pytest

import ember
from conftest import torch

CASES = {
    "relu": lambda lib, x: lib.relu(x),
    "hardtanh": lambda lib, x: lib.nn.functional.hardtanh(x, -0.5, 0.5),
    "clamp": lambda lib, x: x.clamp(-0.3, 0.7),
    "where": lambda lib, x: lib.where(x > 0, x * 2, x * 3),
    "max_pool": lambda lib, x: lib.nn.functional.max_pool2d(x, 2),
}


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
@pytest.mark.parametrize("name", list(CASES))
def test_masked_gradient_with_inf_and_nan(torch_mod, name, dtype):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, 8, 8)).astype(dtype)
    grads = []
    for lib in (ember, torch_mod):
        t = lib.tensor(x, requires_grad=True)
        y = CASES[name](lib, t)
        g = np.linspace(-2, 2, y.numel()).astype(dtype).reshape(tuple(y.shape))
        g.reshape(-1)[::5] = np.inf
        g.reshape(-1)[1::7] = np.nan
        y.backward(lib.tensor(g))
        grads.append(t.grad.numpy())
    np.testing.assert_array_equal(grads[0], grads[1])
    assert np.signbit(grads[0][grads[0] == 0]).sum() == np.signbit(grads[1][grads[1] == 0]).sum()


def test_select_falls_back_for_other_shapes_and_dtypes():
    from ember.ops.elementwise import _select
    keep = np.array([True, False, True])
    np.testing.assert_array_equal(_select(keep, np.array([[1, 2, 3]])), [[1, 0, 3]])  # broadcast
    np.testing.assert_array_equal(_select(keep, np.array([4, 5, 6])), [4, 0, 6])  # integers
    np.testing.assert_array_equal(_select(keep, np.array([1 + 1j, 2, np.inf])), [1 + 1j, 0, np.inf])


def test_large_relu_backward_matches_torch(torch_mod):
    x = np.random.default_rng(1).standard_normal((64, 32, 26, 26)).astype(np.float32)
    g = np.random.default_rng(2).standard_normal(x.shape).astype(np.float32)
    e = ember.tensor(x, requires_grad=True)
    t = torch.tensor(x, requires_grad=True)
    ember.relu(e).backward(ember.tensor(g))
    torch.relu(t).backward(torch.tensor(g))
    np.testing.assert_array_equal(e.grad.numpy(), t.grad.numpy())

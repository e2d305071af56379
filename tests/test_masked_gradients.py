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


SPECIAL = np.array([0.0, -0.0, 1e-30, -1e-30, 0.5, -0.5, 3.0, -3.0, 25.0, -25.0, 100.0, -100.0, np.inf, -np.inf,
                    np.nan])

SELECTING = {
    "leaky_relu": lambda lib, x: lib.nn.functional.leaky_relu(x, 0.01),
    "leaky_relu_0": lambda lib, x: lib.nn.functional.leaky_relu(x, 0.0),
    "leaky_relu_1.5": lambda lib, x: lib.nn.functional.leaky_relu(x, 1.5),
    "leaky_relu_neg": lambda lib, x: lib.nn.functional.leaky_relu(x, -0.2),
    "elu": lambda lib, x: lib.nn.functional.elu(x),
    "selu": lambda lib, x: lib.nn.functional.selu(x),
    "celu": lambda lib, x: lib.nn.functional.celu(x, 0.7),
    "softplus": lambda lib, x: lib.nn.functional.softplus(x),
    "softplus_beta": lambda lib, x: lib.nn.functional.softplus(x, beta=2.0, threshold=5.0),
    "silu": lambda lib, x: lib.nn.functional.silu(x),
    "mish": lambda lib, x: lib.nn.functional.mish(x),
    "logsigmoid": lambda lib, x: lib.nn.functional.logsigmoid(x),
}


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", list(SELECTING))
def test_branch_free_activations_on_special_values(torch_mod, name, dtype):
    """The activations that pick between two formulas without a branch per element: PyTorch's values and
    gradients on zeros of both signs, tiny, large, infinite and NaN inputs (exact where one formula passes
    the input through, e.g. softplus above its threshold)."""
    x = np.concatenate([SPECIAL, np.linspace(-8, 8, 33)]).astype(dtype)
    outs = []
    for lib in (ember, torch_mod):
        t = lib.tensor(x, requires_grad=True)
        y = SELECTING[name](lib, t)
        y.backward(lib.ones_like(y))
        outs.append((y.detach().numpy(), t.grad.numpy()))
    for a, b in zip(*outs):
        np.testing.assert_allclose(a, b, rtol=1e-6 if dtype == "float32" else 1e-12, atol=1e-7)
        np.testing.assert_array_equal(np.isnan(a), np.isnan(b))
    y_e, y_t = outs[0][0], outs[1][0]
    exact = {"softplus": x > 20, "softplus_beta": x > 2.5}.get(name, x > 0 if "relu" in name else None)
    if exact is not None:  # the pass-through side: bit for bit
        np.testing.assert_array_equal(y_e[exact], y_t[exact])


def test_choose_matches_where_bit_for_bit():
    from ember.ops.elementwise import _choose
    rng = np.random.default_rng(3)
    for dtype in (np.float16, np.float32, np.float64):
        a = np.concatenate([SPECIAL, rng.standard_normal(1000)]).astype(dtype)
        b = rng.permutation(a)
        keep = rng.random(a.size) < 0.5
        np.testing.assert_array_equal(_choose(keep, a, b).view(np.uint8), np.where(keep, a, b).view(np.uint8))
    np.testing.assert_array_equal(_choose(np.array([True, False]), np.array([1, 2]), np.array([3, 4])), [1, 4])


def test_hardswish_slope_on_special_values(torch_mod):
    x = np.concatenate([[-3, 3, -3.0001, 2.9999], SPECIAL, np.linspace(-5, 5, 101)]).astype(np.float32)
    grads = []
    for lib in (ember, torch_mod):
        t = lib.tensor(x, requires_grad=True)
        lib.nn.functional.hardswish(t).sum().backward()
        grads.append(t.grad.numpy())
    np.testing.assert_array_equal(grads[0], grads[1])


@pytest.mark.parametrize("lo,hi", [(-0.5, 0.5), (0.0, 0.0), (0.5, -0.5), (-0.0, 1.0), (np.nan, 1.0), (0.0, np.nan)])
def test_clamp_with_both_bounds_keeps_pytorchs_signed_zeros(torch_mod, lo, hi):
    x = np.array(SPECIAL, np.float32)
    e, t = ember.tensor(x).clamp(lo, hi).numpy(), torch_mod.tensor(x).clamp(lo, hi).numpy()
    np.testing.assert_array_equal(e, t)
    np.testing.assert_array_equal(np.signbit(e[~np.isnan(e)]), np.signbit(t[~np.isnan(t)]))

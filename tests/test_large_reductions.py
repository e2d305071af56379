"""Full sums and means of large arrays (the matrix-vector path of ops/reduce._total) against PyTorch:
values to float rounding, dtypes, keepdim, inf and NaN, odd lengths and non-contiguous inputs."""

from __future__ import annotations

import numpy as np
import pytest

import ember
from conftest import torch


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("n", [65536, 65536 * 3 + 17, 1_000_003])
def test_sum_and_mean(torch_mod, dtype, n):
    x = (np.random.default_rng(n).standard_normal(n) + 0.25).astype(dtype)
    exact = x.astype(np.float64).sum()
    rtol = 1e-6 if dtype == "float32" else 1e-13
    for op in ("sum", "mean"):
        e, t = getattr(ember.tensor(x), op)(), getattr(torch.tensor(x), op)()
        assert e.dtype == ember.float32 if dtype == "float32" else e.dtype == ember.float64
        assert e.shape == t.shape == ()
        np.testing.assert_allclose(float(e), float(t), rtol=rtol)
        np.testing.assert_allclose(float(e), exact / (n if op == "mean" else 1), rtol=rtol)


def test_keepdim_non_contiguous_and_grad(torch_mod):
    x = np.random.default_rng(0).standard_normal((300, 400))
    for lib in (ember, torch_mod):
        t = lib.tensor(x, requires_grad=True)
        s = t.sum(dim=None, keepdim=True)
        assert tuple(s.shape) == (1, 1)
        (t.t().sum() + t.mean()).backward()
        np.testing.assert_allclose(t.grad.numpy(), np.full(x.shape, 1 + 1 / x.size))
    np.testing.assert_allclose(float(ember.tensor(x).t().sum()), x.sum(), rtol=1e-13)


@pytest.mark.parametrize("special", [np.inf, -np.inf, np.nan])
def test_inf_and_nan(special):
    x = np.ones(200_000, np.float32)
    x[123_457] = special
    assert np.array_equal(float(ember.tensor(x).sum()), float(torch.tensor(x).sum()), equal_nan=True)
    y = x.copy()
    y[7] = -special
    assert np.array_equal(float(ember.tensor(y).sum()), float(torch.tensor(y).sum()), equal_nan=True)

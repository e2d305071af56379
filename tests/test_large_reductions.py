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


@pytest.mark.parametrize("largest", [True, False])
@pytest.mark.parametrize("kind", ["distinct", "ties", "nan"])
def test_topk_by_partition_equals_full_sort(torch_mod, largest, kind):
    """topk of a few among many (the partition path): the order a full stable sort gives, ties in index
    order, NaN largest; values and gradients as PyTorch where its order is defined (distinct values)."""
    from ember.ops.reduce import _argsort

    rng = np.random.default_rng(7)
    x = rng.standard_normal((6, 300, 5)).astype(np.float32)
    if kind != "distinct":
        x = np.round(x * 2) / 2
    if kind == "nan":
        x[rng.random(x.shape) < 0.1] = np.nan
    for dim, k in ((1, 7), (1, 1), (0, 1), (-1, 1), (1, 74)):
        e = ember.tensor(x).topk(k, dim, largest)
        full = np.take(_argsort(x, dim % 3, largest), np.arange(k), axis=dim % 3)
        np.testing.assert_array_equal(e.indices.numpy(), full)
        np.testing.assert_array_equal(e.values.numpy(), np.take_along_axis(x, full, axis=dim % 3))
        if kind == "distinct":
            t = torch_mod.tensor(x, requires_grad=True)
            te = ember.tensor(x, requires_grad=True)
            vt, it = t.topk(k, dim, largest)
            ve, ie = te.topk(k, dim, largest)
            np.testing.assert_array_equal(ie.numpy(), it.numpy())
            g = rng.standard_normal(tuple(vt.shape)).astype(np.float32)
            vt.backward(torch_mod.tensor(g))
            ve.backward(ember.tensor(g))
            np.testing.assert_array_equal(te.grad.numpy(), t.grad.numpy())


@pytest.mark.parametrize("shape,dims", [((256, 4096), (1,)), ((32, 16, 28, 28), (2, 3)), ((8, 40, 131), (-1,)),
                                        ((64, 7, 7, 9), (1, 2, 3)), ((2, 3, 1000), (2,))])
@pytest.mark.parametrize("keepdim", [False, True])
def test_sums_over_trailing_dims(torch_mod, shape, dims, keepdim):
    """Over trailing dims (the matrix-vector path; 131 has no divisor to chunk by and takes NumPy's sum):
    PyTorch's shapes, values within float32 rounding of the exact sum, gradients."""
    x = np.random.default_rng(2).standard_normal(shape).astype(np.float32)
    exact = x.astype(np.float64).sum(axis=tuple(d % x.ndim for d in dims), keepdims=keepdim)
    for op, ref in (("sum", exact), ("mean", exact / (x.size // exact.size))):
        e = getattr(ember.tensor(x, requires_grad=True), op)(dims, keepdim)
        t = getattr(torch_mod.tensor(x), op)(dims, keepdim)
        assert tuple(e.shape) == tuple(t.shape)
        np.testing.assert_allclose(e.detach().numpy(), ref, rtol=1e-5, atol=2e-5 * np.sqrt(x.size / exact.size))
        np.testing.assert_allclose(e.detach().numpy(), t.numpy(), rtol=1e-5, atol=2e-5 * np.sqrt(x.size / exact.size))

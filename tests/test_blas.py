"""backend.blas.axpy_for: y += a * x in place, fused through SciPy's BLAS when ember runs on one thread, two
ufunc passes otherwise; every array shape and dtype an optimizer hands it gets the right result either way."""

from __future__ import annotations

import numpy as np
import pytest

from ember import _parallel
from ember.backend import blas


def _reference(x, y, a):
    """y + a * x computed in float64 (complex128), then rounded to y's dtype once."""
    wide = np.complex128 if y.dtype.kind == "c" else np.float64
    return (y.astype(wide) + np.asarray(a, wide) * x.astype(wide)).astype(y.dtype)


def _check(x, y, a, **tol):
    expected = _reference(x, y, a)
    target = y
    blas.axpy_for(y)(x, y, a, np.empty_like(y))
    assert y is target
    np.testing.assert_allclose(y, expected, **tol)


@pytest.fixture
def one_thread(monkeypatch):
    monkeypatch.setattr(_parallel, "_num_threads", 1)


@pytest.fixture(params=["scipy", "ufuncs", "threads"])
def path(request, monkeypatch, one_thread):
    if request.param == "ufuncs":
        monkeypatch.setattr(blas, "_blas_axpy", dict)
    elif request.param == "threads":  # ember's worker threads: SciPy's wrappers would hold the GIL
        monkeypatch.setattr(_parallel, "_num_threads", 2)
    return request.param


@pytest.mark.parametrize("dtype", ["float32", "float64", "complex64", "complex128"])
@pytest.mark.parametrize("shape", [(1,), (1000,), (100_003,), (0,), (), (7, 9)])
def test_values(path, dtype, shape):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape).astype(dtype)
    y = rng.standard_normal(shape).astype(dtype)
    eps = 1e-6 if dtype in ("float32", "complex64") else 1e-14
    _check(x, y, -0.0123, rtol=eps, atol=eps)


def test_strided_and_offset_outputs_are_updated_in_place(path):
    rng = np.random.default_rng(1)
    base = rng.standard_normal(2001).astype(np.float32)
    y = base[1::2]  # strided: BLAS's wrapper works on a copy, which must come back
    x = rng.standard_normal(y.shape).astype(np.float32)
    expected = _reference(x, y, 0.5)
    blas.axpy_for(y)(x, y, 0.5, np.empty_like(y))
    np.testing.assert_allclose(base[1::2], expected, rtol=1e-6)
    unaligned = np.frombuffer(bytearray(4 * 1001 + 1), np.uint8)[1:].view(np.float32)
    unaligned[:] = 1.0
    blas.axpy_for(unaligned)(np.ones(1001, np.float32), unaligned, 2.0, np.empty_like(unaligned))
    assert np.all(unaligned == 3.0)


def test_constants_as_0d_arrays_and_strided_inputs(path):
    x = np.arange(20, dtype=np.float64)[::2]
    y = np.ones(10)
    blas.axpy_for(y)(x, y, np.array(-2.0), np.empty_like(y))
    np.testing.assert_array_equal(y, 1 - 2 * np.arange(0, 20, 2))


@pytest.mark.parametrize("dtype", ["float16", "int64"])
def test_dtypes_without_blas_use_ufuncs(dtype):
    y = np.ones(5, dtype)
    assert blas.axpy_for(y) is blas._two_pass
    blas.axpy_for(y)(np.full(5, 2, dtype), y, np.array(3, dtype), np.empty_like(y))
    np.testing.assert_array_equal(y, np.full(5, 7, dtype))


def test_scipy_path_is_taken_and_rounds_once_like_torch(torch_mod, one_thread):
    """With SciPy (the `fast` extra, in the test extra) float arrays take the fused BLAS pass on one thread,
    which rounds once as PyTorch's add_(x, alpha=a) does; two separate passes round twice and differ."""
    rng = np.random.default_rng(2)
    x, y0 = rng.standard_normal(4096), rng.standard_normal(4096)
    assert blas.axpy_for(y0) is not blas._two_pass
    y = y0.copy()
    blas.axpy_for(y)(x, y, -0.0123, None)
    expected = torch_mod.from_numpy(y0.copy()).add_(torch_mod.from_numpy(x), alpha=-0.0123).numpy()
    np.testing.assert_array_equal(y, expected)
    assert not np.array_equal(y0 + (-0.0123 * x), expected)


def test_several_threads_use_ufuncs(monkeypatch):
    monkeypatch.setattr(_parallel, "_num_threads", 2)
    assert blas.axpy_for(np.ones(3, np.float32)) is blas._two_pass

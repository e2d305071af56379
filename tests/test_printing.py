"""repr(tensor) character for character against PyTorch, and set_printoptions."""

from __future__ import annotations

import numpy as np
import pytest

import ember
from conftest import torch

pytestmark = pytest.mark.skipif(torch is None, reason="needs PyTorch")

set_printoptions = getattr(ember, "set_printoptions", None)
if set_printoptions is None:  # until ember/__init__ star-imports _printing
    from ember._printing import set_printoptions


def same_repr(arr: np.ndarray, **kw) -> None:
    e = ember.tensor(arr, **kw)
    t = torch.tensor(arr, **kw)
    assert repr(e) == repr(t), f"\nember: {e!r}\ntorch: {t!r}"
    assert str(e) == str(t)


@pytest.fixture
def options():
    """Restore the default print options after a test changes them."""
    yield
    set_printoptions(profile="default")
    torch.set_printoptions(profile="default")


def both_options(**kw) -> None:
    set_printoptions(**kw)
    torch.set_printoptions(**kw)


@pytest.mark.parametrize("data", [
    [1.0, 2.0, 3.0], [0.1234, -1.2345], [[0.1234, -1.2345], [10.5, 3.0]], 1.0, 0.5, -0.0, 0.0, 3, True,
    [True, False], [True, True], [1, -22, 333], [[1, 2], [3, 4]], [1e-5, 1.0], [1e8, 1.0], [1e9],
    [123456789.0], [1.5, 1e5],
    [0.0, 0.0], [float("inf"), 1.0], [float("nan"), 1.5], [float("-inf"), float("nan")], [float("inf")],
    [1.0, float("nan")], [-1.0, 2.0], [100.0, -0.001], [0.0001, 0.5], [0.00009, 0.5], [1e-10], [-1e-10, 1e10],
    [2.0 ** 70], [1.0, 1000.0], [1.0, 1001.0], [0.5, 500.0], [0.5, 501.0], [-0.0, 1.5], [[[1.5]]],
    [[[1, 2], [3, 4]]],
    [[[[1.0]]], [[[2.0]]]], [-0.0, 1.0], [0.0, -0.0], [1e308, -1e-308], [99999999.5, 1.0], [9.99999, 1.0],
    [0.99995, 0.1], [1e-4, 0.1], [1e100, 1.0], [1e-100, 1.0],
])
def test_small(data):
    same_repr(np.array(data) if not isinstance(data, (float, int, bool)) else data)
    if isinstance(data, list):
        same_repr(data)


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64", "int8", "int16", "int32", "int64",
                                   "uint8", "bool"])
def test_dtypes_suffix(dtype):
    rng = np.random.default_rng(0)
    vals = rng.normal(size=(3, 4)) * 50
    for data in (vals, vals[0], vals[0, 0], np.zeros((0,)), np.zeros((0, 3)), np.zeros((2, 0, 1))):
        arr = np.asarray(data).astype(dtype)
        e = ember.tensor(arr)
        t = torch.tensor(arr)
        assert repr(e) == repr(t), f"\nember: {e!r}\ntorch: {t!r}"


@pytest.mark.parametrize("seed", range(30))
def test_random_shapes_and_magnitudes(seed):
    rng = np.random.default_rng(seed)
    ndim = int(rng.integers(0, 4))
    shape = tuple(int(s) for s in rng.integers(1, 7, size=ndim))
    scale = 10.0 ** rng.integers(-6, 10)
    arr = rng.normal(size=shape) * scale
    if seed % 3 == 0:
        arr = np.round(arr)
    if seed % 5 == 0 and arr.size > 1:
        arr.ravel()[0] = 0.0
    same_repr(arr.astype(np.float32))
    same_repr(arr)
    same_repr(np.round(arr * 3).astype(np.int64) if np.all(np.abs(arr) < 1e15) else np.arange(3))


@pytest.mark.parametrize("shape", [(1001,), (2000,), (40, 30), (10, 10, 11), (5, 6, 7, 8), (1100, 1),
                                   (1, 1100), (7, 200)])
def test_summarised(shape):
    rng = np.random.default_rng(1)
    arr = rng.normal(size=shape).astype(np.float32)
    same_repr(arr)
    same_repr(np.round(arr * 100).astype(np.int64))
    same_repr(arr > 0)


def test_long_rows_wrap():
    same_repr(np.arange(100.0) / 7)
    same_repr(np.arange(60))
    same_repr(np.arange(30).reshape(2, 15) * 1000003)
    same_repr(np.linspace(-1, 1, 50).reshape(5, 10) * 123.4)
    same_repr(np.ones(100, dtype=bool))


def test_requires_grad_and_grad_fn():
    x = ember.tensor([1.0, 2.0, 3.0], requires_grad=True)
    tx = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    assert repr(x) == repr(tx)
    assert repr(x + 1) == repr(tx + 1)
    assert repr(x * 2) == repr(tx * 2)
    assert repr((x * 2).sum()) == repr((tx * 2).sum())
    big = ember.tensor(np.arange(24.0).reshape(4, 6) / 3, requires_grad=True)
    tbig = torch.tensor(np.arange(24.0).reshape(4, 6) / 3, requires_grad=True)
    assert repr(big * 1.5) == repr(tbig * 1.5)
    d = ember.tensor([1.0, 2.0], dtype=ember.float64, requires_grad=True)
    td = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)
    assert repr(d) == repr(td)
    assert repr(d + 1) == repr(td + 1)
    assert repr(ember.zeros(0, requires_grad=True)) == repr(torch.zeros(0, requires_grad=True))


def test_suffix_wraps_to_new_line():
    arr = np.arange(10.0) * 1.25
    e = ember.tensor(arr, dtype=ember.float64, requires_grad=True) * 3
    t = torch.tensor(arr, dtype=torch.float64, requires_grad=True) * 3
    assert repr(e) == repr(t)
    arr = np.arange(8.0) + 0.5
    assert repr(ember.tensor(arr, dtype=ember.float16)) == repr(torch.tensor(arr, dtype=torch.float16))


def test_default_dtype_changes_suffix():
    try:
        ember.set_default_dtype(ember.float64)
        torch.set_default_dtype(torch.float64)
        for arr in (np.array([1.0, 2.0]), np.array([1.0, 2.0], dtype=np.float32), np.zeros(0),
                    np.zeros(0, dtype=np.float32)):
            same_repr(arr)
    finally:
        ember.set_default_dtype(ember.float32)
        torch.set_default_dtype(torch.float32)


@pytest.mark.parametrize("kw", [
    {"precision": 2}, {"precision": 8}, {"precision": 0}, {"threshold": 5}, {"threshold": 5, "edgeitems": 1},
    {"edgeitems": 0, "threshold": 3}, {"linewidth": 40}, {"linewidth": 200}, {"sci_mode": True},
    {"sci_mode": False}, {"profile": "short"}, {"profile": "full"},
])
def test_set_printoptions(options, kw):
    both_options(**kw)
    rng = np.random.default_rng(2)
    for arr in (rng.normal(size=(4, 5)), rng.normal(size=30) * 1e6, np.arange(12.0), np.arange(20),
                rng.normal(size=(3, 4, 5)), np.array(1.5), np.array([1e-7, 1.0]), np.zeros(3),
                rng.normal(size=2000), rng.normal(size=10) > 0):
        same_repr(arr.astype(np.float32) if arr.dtype == np.float64 else arr)


def test_sci_mode_resets_unless_given(options):
    both_options(sci_mode=True)
    both_options(precision=3)
    same_repr(np.array([1.5, 2.5]))


def test_parameter_and_subclass_prefix():
    p = ember.nn.Parameter(ember.tensor([1.0, 2.5]))
    tp = torch.nn.Parameter(torch.tensor([1.0, 2.5]))
    assert repr(p) == repr(tp)
    assert repr(p * 2) == repr(tp * 2)


def test_zero_dim_and_single_element():
    for lib in (ember, torch):
        assert repr(lib.tensor(1.0, requires_grad=True)) == "tensor(1., requires_grad=True)"
    same_repr(np.array([7.25]))
    same_repr(np.array(-3))
    same_repr(np.array(2.5e-6))
    same_repr(np.array(np.nan))
    same_repr(np.array([[-128, 127]], dtype=np.int8))
    same_repr(np.array([0, 255], dtype=np.uint8))
    same_repr(np.array([2**62, -(2**62)]))

"""Shared fixtures and helpers: build the same inputs for ember and PyTorch and compare results."""

from __future__ import annotations

import numpy as np
import pytest

import ember

try:
    import torch
except ImportError:  # parity tests need PyTorch; the rest of the suite does not
    torch = None


def pytest_collection_modifyitems(config, items):
    if torch is None:
        for item in items:
            if "torch" in item.fixturenames:
                item.add_marker(pytest.mark.skip(reason="PyTorch (the parity reference) is not installed"))


@pytest.fixture
def torch_mod():
    return torch


@pytest.fixture(params=["cpu"] + (["cuda"] if ember.cuda.is_available() else []))
def device(request):
    return request.param


def to_np(x):
    """A tensor of either library (or a number) as a NumPy array."""
    if isinstance(x, ember.Tensor):
        return np.array(x.detach()._host())
    if torch is not None and isinstance(x, torch.Tensor):
        if x._is_zerotensor():  # PyTorch's lazily-zero gradients (e.g. double backward of abs)
            return np.zeros(tuple(x.shape), str(x.dtype).replace("torch.", ""))
        return x.detach().cpu().numpy()
    return np.asarray(x)


def assert_same(e, t, rtol=1e-5, atol=1e-5, check_dtype=True):
    """An ember result equals a PyTorch result: structure, shape, dtype and values (NaNs equal)."""
    if isinstance(t, (tuple, list)):
        assert isinstance(e, (tuple, list)) and len(e) == len(t), f"structure differs: {e!r} vs {t!r}"
        for a, b in zip(e, t):
            assert_same(a, b, rtol, atol, check_dtype)
        return
    if t is None:
        assert e is None, f"expected None, got {e!r}"
        return
    if torch is not None and isinstance(t, torch.Tensor):
        assert isinstance(e, ember.Tensor), f"expected a Tensor, got {type(e)}"
        assert tuple(e.shape) == tuple(t.shape), f"shape {tuple(e.shape)} != {tuple(t.shape)}"
        if check_dtype:
            assert str(e.dtype) == str(t.dtype), f"dtype {e.dtype} != {t.dtype}"
    ea, ta = to_np(e), to_np(t)
    if ta.dtype.kind in "fc" or ea.dtype.kind in "fc":
        np.testing.assert_allclose(ea.astype(np.float64), ta.astype(np.float64), rtol=rtol, atol=atol,
                                   equal_nan=True)
    else:
        np.testing.assert_array_equal(ea, ta)

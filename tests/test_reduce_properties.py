"""Property tests for reductions: any subset of dims (positive or negative), keepdim, any small shape.

Values agree with NumPy (and with PyTorch where it is installed), keepdim shapes are right, and the
gradients obey simple identities (sum: ones; mean, amax, logsumexp: each reduced slice's gradient sums
to its upstream gradient).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ember
from conftest import assert_same, torch

SETTINGS = settings(max_examples=40, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow])


@st.composite
def reduce_cases(draw, allow_empty: bool = True):
    """(values, dims as passed, normalized dims, keepdim): dims None, an int, or a tuple/list."""
    nd = draw(st.integers(0, 4))
    shape = tuple(draw(st.lists(st.integers(0 if allow_empty else 1, 4), min_size=nd, max_size=nd)))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    values = rng.standard_normal(shape).astype(draw(st.sampled_from(["float32", "float64"])))
    kind = draw(st.sampled_from(["none", "int", "seq"])) if nd else draw(st.sampled_from(["none", "int"]))
    if kind == "none":
        dims, norm = None, tuple(range(nd))
    elif kind == "int":
        d = draw(st.integers(-max(nd, 1), max(nd, 1) - 1))
        dims, norm = d, ((d % nd,) if nd else ())
    else:
        chosen = draw(st.lists(st.integers(0, nd - 1), unique=True, min_size=1, max_size=nd))
        dims = [d - nd if draw(st.booleans()) else d for d in chosen]
        dims = tuple(dims) if draw(st.booleans()) else dims
        norm = tuple(sorted(chosen))
    return values, dims, norm, draw(st.booleans())


def _kwargs(dims, keepdim):
    return {"dim": dims, "keepdim": keepdim}


def _expected_shape(shape, norm, keepdim):
    if keepdim:
        return tuple(1 if i in norm else n for i, n in enumerate(shape))
    return tuple(n for i, n in enumerate(shape) if i not in norm)


NUMPY_REFS = {
    "sum": lambda v, ax, kd: np.sum(v, axis=ax, keepdims=kd),
    "nansum": lambda v, ax, kd: np.nansum(v, axis=ax, keepdims=kd),
    "mean": lambda v, ax, kd: np.mean(v, axis=ax, keepdims=kd),
    "amax": lambda v, ax, kd: np.amax(v, axis=ax, keepdims=kd),
    "amin": lambda v, ax, kd: np.amin(v, axis=ax, keepdims=kd),
    "logsumexp": lambda v, ax, kd: np.log(np.sum(np.exp(v), axis=ax, keepdims=kd)),
    "var": lambda v, ax, kd: np.var(v, axis=ax, keepdims=kd, ddof=1),
    "std": lambda v, ax, kd: np.std(v, axis=ax, keepdims=kd, ddof=1),
    "norm": lambda v, ax, kd: np.sqrt(np.sum(v * v, axis=ax, keepdims=kd)),
    "all": lambda v, ax, kd: np.all(v > 0, axis=ax, keepdims=kd),
    "any": lambda v, ax, kd: np.any(v > 0, axis=ax, keepdims=kd),
}


def _call(lib, name, t, dims, keepdim):
    if name in ("all", "any"):
        t = t > 0
        # all/any read an empty dim sequence as "no dims"; pass the explicit tuple instead
        if dims is not None and not isinstance(dims, int) and not len(dims):
            dims = tuple(range(t.dim()))
    if name == "logsumexp" and dims is None:
        return t.logsumexp(tuple(range(t.dim())), keepdim)
    if name == "norm":
        return t.norm(2, dim=dims, keepdim=keepdim)
    return getattr(t, name)(**_kwargs(dims, keepdim))


@SETTINGS
@given(case=reduce_cases(), name=st.sampled_from(sorted(NUMPY_REFS)))
def test_reductions_agree_with_numpy_and_torch(case, name):
    values, dims, norm, keepdim = case
    if name in ("amax", "amin") and any(values.shape[d] == 0 for d in norm) and values.ndim:
        return  # no identity: an error, tested elsewhere
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = _call(ember, name, ember.tensor(values), dims, keepdim)
        ref = NUMPY_REFS[name](values, norm, keepdim)
    assert tuple(out.shape) == _expected_shape(values.shape, norm, keepdim)
    rtol = 1e-4 if values.dtype == np.float32 else 1e-10
    np.testing.assert_allclose(np.asarray(out._data, np.float64), np.asarray(ref, np.float64), rtol=rtol,
                               atol=rtol, equal_nan=True)
    if torch is not None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            expected = _call(torch, name, torch.tensor(values), dims, keepdim)
        assert_same(out, expected, rtol=rtol, atol=rtol)


@SETTINGS
@given(case=reduce_cases())
def test_sum_and_mean_gradients(case):
    values, dims, norm, keepdim = case
    x = ember.tensor(values, requires_grad=True)
    for fast in (True, False):
        (g,) = ember.autograd.grad(x.sum(**_kwargs(dims, keepdim)).sum(), x, create_graph=not fast)
        np.testing.assert_array_equal(g._data, np.ones_like(values))
        assert tuple(g.shape) == values.shape
        out = x.mean(**_kwargs(dims, keepdim))
        (g,) = ember.autograd.grad(out.sum(), x, create_graph=not fast)
        n = int(np.prod([values.shape[d] for d in norm]))
        if values.size:
            np.testing.assert_allclose(g._data, np.full(values.shape, 1.0 / n), rtol=1e-6)
            # each slice's gradient sums to 1: in all, one per output element
            np.testing.assert_allclose(g._data.sum(), out.numel(), rtol=1e-5)


@SETTINGS
@given(case=reduce_cases(allow_empty=False), name=st.sampled_from(["amax", "amin", "logsumexp", "max_all"]))
def test_gradient_per_slice_sums_to_upstream(case, name):
    values, dims, norm, keepdim = case
    # ties split the gradient: round to make them common
    values = np.round(values * 2) / 2 if name != "logsumexp" else values
    x = ember.tensor(values, requires_grad=True)
    if name == "max_all":
        out = x.max()
    else:
        out = _call(ember, name, x, dims, keepdim)
    up = np.random.default_rng(0).uniform(0.5, 2, tuple(out.shape)).astype(values.dtype)
    (g,) = ember.autograd.grad(out, x, ember.tensor(up))
    summed = g._data.sum(axis=norm if name != "max_all" else None, keepdims=True)
    expected = up.reshape(summed.shape) if up.size == summed.size else up.sum()
    np.testing.assert_allclose(summed, expected, rtol=1e-4)
    assert (g._data >= 0).all()


@SETTINGS
@given(case=reduce_cases(allow_empty=False),
       name=st.sampled_from(["prod", "cumsum", "cumprod", "sort", "max_dim", "median_dim", "var", "std"]))
def test_gradients_agree_with_torch(case, name):
    if torch is None:
        pytest.skip("PyTorch is not installed")
    values, dims, norm, keepdim = case
    dim = norm[0] if norm else 0
    calls = {
        "prod": lambda lib, a: a.prod(dim, keepdim),
        "cumsum": lambda lib, a: a.cumsum(dim),
        "cumprod": lambda lib, a: a.cumprod(dim),
        "sort": lambda lib, a: a.sort(dim, descending=keepdim)[0],
        "max_dim": lambda lib, a: a.max(dim, keepdim)[0],
        "median_dim": lambda lib, a: a.median(dim, keepdim)[0],
        "var": lambda lib, a: a.var(**_kwargs(dims, keepdim)),
        "std": lambda lib, a: a.std(**_kwargs(dims, keepdim)),
    }
    if name == "prod" or name == "cumprod":
        values = np.where(np.abs(values) < 0.3, 0, values).astype(values.dtype)  # zeros are the hard case
    grads = []
    for lib in (ember, torch):
        x = lib.tensor(values, requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = calls[name](lib, x)
            up = np.random.default_rng(1).standard_normal(tuple(out.shape)).astype(values.dtype)
            grads.append(lib.autograd.grad(out, x, lib.tensor(up))[0])
    tol = 1e-4 if values.dtype == np.float32 else 1e-9
    assert_same(grads[0], grads[1], rtol=tol, atol=tol)

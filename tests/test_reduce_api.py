"""Reductions beyond the spec table: errors, result types, grad_fn names, argument forms, edge cases."""

from __future__ import annotations

import pickle
import warnings

import numpy as np
import pytest

import ember
from conftest import assert_same, torch

pytestmark = pytest.mark.skipif(torch is None, reason="PyTorch (the parity reference) is not installed")

X = np.array([[1.0, 3.0, 3.0], [2.0, 0.0, 2.0]], np.float32)


def both(values=X, dtype=None, requires_grad=False):
    e = ember.tensor(values, dtype=getattr(ember, dtype) if dtype else None, requires_grad=requires_grad)
    t = torch.tensor(values, dtype=getattr(torch, dtype) if dtype else None, requires_grad=requires_grad)
    return e, t


def same_error(fn, values=X, dtype=None):
    """fn(lib, tensor) raises the same exception type and message in ember and PyTorch."""
    e, t = both(values, dtype)
    with pytest.raises(Exception) as te:
        fn(torch, t)
    with pytest.raises(type(te.value)) as ee:
        fn(ember, e)
    assert str(ee.value).splitlines()[0] == str(te.value).splitlines()[0]


@pytest.mark.parametrize("fn", [
    lambda lib, a: a.sum(5),
    lambda lib, a: a.mean((0, 5)),
    lambda lib, a: a.amax(-3),
    lambda lib, a: lib.max(a, 2),
    lambda lib, a: a.argmax(7),
    lambda lib, a: a.var(3),
    lambda lib, a: a.cumsum(2),
    lambda lib, a: a.sort(4),
    lambda lib, a: a.logsumexp(2),
    lambda lib, a: a.norm(dim=2),
    lambda lib, a: a.median(2),
    lambda lib, a: a.count_nonzero(2),
    lambda lib, a: a.all(2),
])
def test_dim_out_of_range(fn):
    same_error(fn)


def test_dim_out_of_range_message():
    msg = r"Dimension out of range \(expected to be in range of \[-2, 1\], but got 5\)"
    with pytest.raises(IndexError, match=msg):
        ember.tensor(X).sum(5)


@pytest.mark.parametrize("fn", [
    lambda lib, a: a.sum((0, 0)),
    lambda lib, a: a.mean((1, -1)),
    lambda lib, a: a.count_nonzero((0, -2)),
    lambda lib, a: lib.all(a, (0, -2)),
    lambda lib, a: a.amax((0, 0)),
])
def test_repeated_dims(fn):
    same_error(fn)


@pytest.mark.parametrize("fn,dtype", [
    (lambda lib, a: a.mean(), "int64"),
    (lambda lib, a: a.mean(1), "int32"),
    (lambda lib, a: lib.nanmean(a), "int64"),
    (lambda lib, a: a.var(), "int64"),
    (lambda lib, a: a.std(0), "int32"),
    (lambda lib, a: lib.norm(a), "int64"),
    (lambda lib, a: a.argmax(), "bool"),
    (lambda lib, a: a.topk(1), "bool"),
    (lambda lib, a: a.median(), "bool"),
    (lambda lib, a: lib.histc(a), "int64"),
    (lambda lib, a: lib.bincount(a.flatten()), "float32"),
])
def test_dtype_errors(fn, dtype):
    same_error(fn, X.astype(np.int64), dtype)


@pytest.mark.parametrize("fn,values", [
    (lambda lib, a: lib.max(a), np.zeros((0, 3), np.float32)),
    (lambda lib, a: lib.max(a, 0), np.zeros((0, 3), np.float32)),
    (lambda lib, a: a.min(0), np.zeros((0, 3), np.float32)),
    (lambda lib, a: a.amax(), np.zeros((0, 3), np.float32)),
    (lambda lib, a: a.amin(0), np.zeros((0, 3), np.float32)),
    (lambda lib, a: a.argmax(), np.zeros((0, 3), np.float32)),
    (lambda lib, a: a.argmin(0), np.zeros((0, 3), np.float32)),
    (lambda lib, a: lib.aminmax(a), np.zeros((0, 3), np.float32)),
    (lambda lib, a: lib.aminmax(a, dim=0), np.zeros((0, 3), np.float32)),
    (lambda lib, a: a.median(0), np.zeros((0, 3), np.float32)),
    (lambda lib, a: a.mode(0), np.zeros((0, 3), np.float32)),
    (lambda lib, a: a.norm(float("inf")), np.zeros((0, 3), np.float32)),
    (lambda lib, a: a.norm(float("inf"), dim=0), np.zeros((0, 3), np.float32)),
    (lambda lib, a: a.kthvalue(4), X),
    (lambda lib, a: a.kthvalue(0, 0), X),
    (lambda lib, a: a.topk(4), X),
    (lambda lib, a: a.topk(-1), X),
    (lambda lib, a: lib.histc(a, bins=0), X),
    (lambda lib, a: lib.histc(a, min=3, max=1), X),
    (lambda lib, a: lib.histc(a, min=0, max=float("inf")), X),
    (lambda lib, a: lib.bincount(a.long()), X),
    (lambda lib, a: lib.bincount(a.long().flatten() - 1), X),
    (lambda lib, a: lib.bincount(a.long().flatten(), minlength=-1), X),
    (lambda lib, a: lib.bincount(a.long().flatten(), weights=a[0]), X),
    (lambda lib, a: lib.max(a, keepdim=True), X),
    (lambda lib, a: a.prod((0, 1)), X),
    (lambda lib, a: a.argmax((0,)), X),
    (lambda lib, a: a.norm("abc"), X),
    (lambda lib, a: a.norm("nuc"), np.ones((2, 3, 4), np.float32)),
    (lambda lib, a: a.norm("nuc"), np.ones(3, np.float32)),
    (lambda lib, a: a.norm("nuc", dim=(0, 0)), X),
    (lambda lib, a: a.norm("fro", dim=(0, 1, 2)), np.ones((2, 3, 4), np.float32)),
    (lambda lib, a: lib.logsumexp(a), X),
    (lambda lib, a: lib.cumsum(a), X),
    (lambda lib, a: a.std(1, unbiased=False, correction=0), X),
])
def test_errors(fn, values):
    e, t = both(values)
    with pytest.raises(Exception) as te:
        fn(torch, t)
    with pytest.raises(type(te.value)) as ee:
        fn(ember, e)
    if not isinstance(te.value, TypeError):  # PyTorch's argument-parser texts are not reproduced
        assert str(ee.value).splitlines()[0] == str(te.value).splitlines()[0]


# -- result types ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("name,call", [
    ("max", lambda lib, a: lib.max(a, 1)), ("min", lambda lib, a: a.min(0)),
    ("sort", lambda lib, a: a.sort()),
    ("topk", lambda lib, a: a.topk(2)), ("median", lambda lib, a: a.median(1)),
    ("nanmedian", lambda lib, a: a.nanmedian(1)), ("mode", lambda lib, a: a.mode()),
    ("kthvalue", lambda lib, a: a.kthvalue(1)), ("cummax", lambda lib, a: a.cummax(1)),
    ("cummin", lambda lib, a: a.cummin(0)), ("aminmax", lambda lib, a: lib.aminmax(a, dim=1)),
])
def test_return_types(name, call):
    e, t = both()
    er, tr = call(ember, e), call(torch, t)
    assert type(er).__name__ == type(tr).__name__ == name
    assert isinstance(er, tuple) and len(er) == 2
    assert er._fields == tuple(tr._fields) if hasattr(tr, "_fields") else True
    for field in ("values", "indices") if name != "aminmax" else ("min", "max"):
        assert_same(getattr(er, field), getattr(tr, field))
    first, second = er
    assert first is er[0] and second is er[1]
    assert repr(er).startswith(f"torch.return_types.{name}(\n")
    assert type(er) is getattr(ember.return_types, name)


def test_return_type_repr_and_pickle():
    r = ember.max(ember.tensor(X), 1)
    fields = ("values", "indices")
    assert repr(r) == "torch.return_types.max(\n" + ",\n".join(f"{f}={getattr(r, f)!r}" for f in fields) + ")"
    back = pickle.loads(pickle.dumps(r))
    assert type(back) is type(r)
    assert back.indices.tolist() == r.indices.tolist()
    assert ember.return_types.max((1, 2)).indices == 2
    with pytest.raises(TypeError):
        ember.return_types.max((1, 2, 3))


@pytest.mark.parametrize("call", [
    lambda lib, a: lib.var_mean(a), lambda lib, a: lib.std_mean(a, 1),
    lambda lib, a: lib.unique(a, return_inverse=True),
    lambda lib, a: lib.unique_consecutive(a, return_counts=True),
])
def test_plain_tuples(call):
    e, t = both()
    er, tr = call(ember, e), call(torch, t)
    assert type(er) is tuple and type(tr) is tuple
    assert_same(er, tr)


# -- grad_fn names ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("call", [
    lambda lib, a: a.sum(), lambda lib, a: a.sum(1), lambda lib, a: a.sum(()), lambda lib, a: a.mean(),
    lambda lib, a: a.mean(0), lambda lib, a: a.nansum(), lambda lib, a: a.nanmean(1), lambda lib, a: a.prod(),
    lambda lib, a: a.prod(1), lambda lib, a: a.max(), lambda lib, a: a.max(1)[0], lambda lib, a: a.min(),
    lambda lib, a: a.min(0)[0], lambda lib, a: a.amax(), lambda lib, a: a.amin(1),
    lambda lib, a: lib.aminmax(a)[0], lambda lib, a: a.var(), lambda lib, a: a.std(1),
    lambda lib, a: lib.var_mean(a)[0], lambda lib, a: lib.std_mean(a)[0], lambda lib, a: a.norm(),
    lambda lib, a: a.norm(1, dim=1), lambda lib, a: a.logsumexp(1), lambda lib, a: a.cumsum(1),
    lambda lib, a: a.cumprod(0), lambda lib, a: a.cummax(1)[0], lambda lib, a: a.cummin(1)[0],
    lambda lib, a: a.topk(2)[0], lambda lib, a: a.sort()[0], lambda lib, a: lib.sort(a, stable=True)[0],
    lambda lib, a: a.msort(), lambda lib, a: a.median(), lambda lib, a: a.median(1)[0],
    lambda lib, a: a.nanmedian(), lambda lib, a: a.nanmedian(0)[0], lambda lib, a: a.mode()[0],
    lambda lib, a: a.kthvalue(1)[0], lambda lib, a: a.unique(),
])
def test_grad_fn_names(call):
    e, t = both(requires_grad=True)
    assert call(ember, e).grad_fn.name() == call(torch, t).grad_fn.name()


@pytest.mark.parametrize("call", [
    lambda lib, a: a.argmax(), lambda lib, a: a.max(1)[1], lambda lib, a: a.all(), lambda lib, a: a.any(1),
    lambda lib, a: a.count_nonzero(), lambda lib, a: a.argsort(), lambda lib, a: lib.histc(a, 4),
    lambda lib, a: a.unique(return_inverse=True)[1],
])
def test_not_differentiable_outputs(call):
    e, t = both(requires_grad=True)
    er, tr = call(ember, e), call(torch, t)
    assert er.requires_grad == tr.requires_grad is False
    assert er.grad_fn is None


def test_unique_backward_not_implemented():
    e = ember.tensor([2.0, 1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="the derivative for '_unique2' is not implemented"):
        e.unique().sum().backward()


# -- argument forms -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("call", [
    lambda lib, a: a.var(True), lambda lib, a: a.var(False), lambda lib, a: a.std(1, True),
    lambda lib, a: a.std(1, False, True), lambda lib, a: a.var(dim=1, unbiased=False, keepdim=True),
    lambda lib, a: a.var(1, correction=0), lambda lib, a: a.std(correction=2),
    lambda lib, a: lib.var_mean(a, 1, True),
    lambda lib, a: lib.std_mean(a, dim=0, correction=0, keepdim=True),
    lambda lib, a: a.sum(dim=[0, 1]), lambda lib, a: a.sum(lib.Size([1])), lambda lib, a: a.mean(dim=[]),
    lambda lib, a: a.amax(dim=[]), lambda lib, a: a.count_nonzero(dim=()), lambda lib, a: a.any(dim=()),
    lambda lib, a: lib.max(a, dim=1, keepdim=True), lambda lib, a: lib.min(a, 1, True),
    lambda lib, a: lib.argmax(a, dim=1, keepdim=True), lambda lib, a: lib.norm(a, p=1, dim=[0, 1]),
    lambda lib, a: lib.norm(a, "fro", 1, True), lambda lib, a: a.norm(p=None),
    lambda lib, a: lib.topk(a, k=2, dim=0, largest=False, sorted=True),
    lambda lib, a: lib.kthvalue(a, k=2, dim=0),
    lambda lib, a: lib.sort(a, dim=0, descending=True), lambda lib, a: lib.argsort(a, dim=0, descending=True),
    lambda lib, a: lib.cumsum(a, dim=1), lambda lib, a: lib.cumprod(a, dim=0, dtype=lib.float64),
    lambda lib, a: lib.logsumexp(a, dim=[0, 1], keepdim=True), lambda lib, a: lib.histc(a, 4, 0, 3),
    lambda lib, a: lib.sum(a, dtype=lib.int32), lambda lib, a: lib.mean(a.long(), dtype=lib.float64),
    lambda lib, a: lib.prod(a, 1, dtype=lib.float64), lambda lib, a: lib.nansum(a, dtype=lib.float64),
])
def test_argument_forms(call):
    e, t = both()
    assert_same(call(ember, e), call(torch, t))


def test_max_binary_form():
    a, ta = both()
    b, tb = both(X[::-1].copy())
    assert_same(ember.max(a, b), torch.max(ta, tb))
    assert_same(a.min(b), ta.min(tb))
    assert_same(ember.max(a, other=b), torch.max(ta, other=tb))


def test_var_degrees_of_freedom_warning():
    e, t = both(np.ones((1, 3), np.float32))
    with pytest.warns(UserWarning, match=r"var\(\): degrees of freedom is <= 0"):
        ev = e.var(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert_same(ev, t.var(0))
    with pytest.warns(UserWarning, match=r"std\(\): degrees of freedom is <= 0"):
        e.std(0)


def test_inplace_cumsum_cumprod():
    e, t = both()
    e.cumsum_(1)
    t.cumsum_(1)
    assert_same(e, t)
    e.cumprod_(0)
    t.cumprod_(0)
    assert_same(e, t)
    ei, ti = both(X.astype(np.int32), "int32")
    ei.cumsum_(0)
    ti.cumsum_(0)
    assert_same(ei, ti)


def test_inplace_cumsum_autograd():
    for lib in (ember, torch):
        a = lib.tensor(X, requires_grad=True)
        b = a * 2
        b.cumsum_(1)
        b.sum().backward()
        if lib is ember:
            eg = a.grad
        else:
            assert_same(eg, a.grad)


# -- dtypes ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "int32", "uint8", "int8", "bool"])
def test_result_dtypes(dtype):
    vals = np.array([[1, 0, 2], [3, 1, 0]])
    e, t = both(vals, dtype)
    calls = [lambda lib, a: a.sum(), lambda lib, a: a.sum(0), lambda lib, a: a.prod(),
             lambda lib, a: a.cumsum(0), lambda lib, a: a.cumprod(1), lambda lib, a: a.nansum(),
             lambda lib, a: a.max(), lambda lib, a: a.amax(0),
             lambda lib, a: a.all(), lambda lib, a: a.any(1), lambda lib, a: a.count_nonzero(0),
             lambda lib, a: a.logsumexp(1), lambda lib, a: a.sort(0), lambda lib, a: a.cummax(1),
             lambda lib, a: a.unique(), lambda lib, a: a.max(0), lambda lib, a: a.mode()]
    if dtype != "bool":
        calls += [lambda lib, a: a.argmax(), lambda lib, a: a.argmin(1), lambda lib, a: a.median(),
                  lambda lib, a: a.median(0), lambda lib, a: a.kthvalue(1), lambda lib, a: a.topk(1)]
    if dtype.startswith("float"):
        calls += [lambda lib, a: a.mean(), lambda lib, a: a.var(0), lambda lib, a: a.norm(),
                  lambda lib, a: a.histc(3), lambda lib, a: a.nanmean(1)]
    for call in calls:
        assert_same(call(ember, e), call(torch, t))


def test_bincount_weight_dtypes():
    idx = np.array([1, 3, 3, 0])
    for w in (np.array([1.0, 2, 3, 4], np.float32), np.array([1.0, 2, 3, 4]), np.array([1, 2, 3, 4])):
        assert_same(ember.bincount(ember.tensor(idx), ember.tensor(w)),
                    torch.bincount(torch.tensor(idx), torch.tensor(w)))


# -- gradients: ties, zeros, special values -----------------------------------------------------------------

@pytest.mark.parametrize("call,values", [
    (lambda lib, a: a.max(), [[1.0, 3, 3], [2, 3, 0]]),
    (lambda lib, a: a.amax(1), [[1.0, 3, 3], [2, 2, 2]]),
    (lambda lib, a: a.amin((0, 1)), [[1.0, 3, 1], [2, 1, 1]]),
    (lambda lib, a: a.median(), [[1.0, 2, 2], [2, 3, 0]]),
    (lambda lib, a: a.max(), [[1.0, np.nan, 3], [np.nan, 3, 0]]),
    (lambda lib, a: a.amax(), [[1.0, np.nan, 3], [np.nan, 3, 0]]),
    (lambda lib, a: a.norm(float("inf")), [[1.0, -3, 3], [2, 3, 0]]),
    (lambda lib, a: a.max(1)[0], [[1.0, 3, 3], [2, 2, 0]]),
    (lambda lib, a: a.prod(), [[1.0, 0, 3], [2, 3, 4]]),
    (lambda lib, a: a.prod(), [[1.0, 0, 3], [2, 0, 4]]),
    (lambda lib, a: a.prod(1), [[1.0, 0, 3], [0, 0, 4]]),
    (lambda lib, a: a.cumprod(1), [[1.0, 0, 3], [0, 2, 0]]),
    (lambda lib, a: a.norm(), [[0.0, 0, 0], [0, 0, 0]]),
    (lambda lib, a: a.norm(dim=1), [[0.0, 0, 0], [1, 2, 2]]),
    (lambda lib, a: a.norm(3, dim=1), [[0.0, 0, 0], [1, 2, 2]]),
    (lambda lib, a: a.norm(0.5, dim=1), [[0.0, 1, 0], [1, 2, 2]]),
    (lambda lib, a: a.std(1), [[1.0, 1, 1], [1, 2, 4]]),
    (lambda lib, a: a.logsumexp(1), [[-np.inf, -np.inf, -np.inf], [1, 2, 4]]),
    (lambda lib, a: a.logsumexp(1), [[1000.0, 1000, 999], [-1000, 2, 4]]),
    (lambda lib, a: a.nansum(), [[1.0, np.nan, 1], [1, 2, 4]]),
    (lambda lib, a: a.nanmean(1), [[np.nan, np.nan, 1], [np.nan, np.nan, np.nan]]),
    (lambda lib, a: a.cummax(1)[0], [[1.0, 3, 3], [2, np.nan, 5]]),
])
def test_special_gradients(call, values):
    vals = np.array(values, np.float64)
    for fast in (True, False):
        e, t = both(vals, requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            eo, to = call(ember, e), call(torch, t)
            up = np.arange(1, eo.numel() + 1, dtype=np.float64).reshape(tuple(eo.shape))
            (eg,) = ember.autograd.grad(eo, e, ember.tensor(up), create_graph=not fast)
            (tg,) = torch.autograd.grad(to, t, torch.tensor(up))
        assert_same(eg, tg)


def test_multiple_outputs_of_one_call():
    # both outputs of aminmax / var_mean as roots of one backward
    for call in (lambda lib, a: lib.aminmax(a, dim=1), lambda lib, a: lib.var_mean(a, 1),
                 lambda lib, a: lib.std_mean(a)):
        e, t = both(requires_grad=True)
        eo, to = call(ember, e), call(torch, t)
        eg = ember.autograd.grad(list(eo), e, [ember.ones_like(o) for o in eo])
        tg = torch.autograd.grad(list(to), t, [torch.ones_like(o) for o in to])
        assert_same(eg, tg)


# -- shapes ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("call", [
    lambda lib, a: a.argmax(keepdim=True), lambda lib, a: a.argmin(1, keepdim=True),
    lambda lib, a: lib.aminmax(a, keepdim=True), lambda lib, a: a.norm(keepdim=True),
    lambda lib, a: a.norm(3, keepdim=True), lambda lib, a: a.sum((), keepdim=True),
    lambda lib, a: a.mean((0, 1), keepdim=True), lambda lib, a: a.all(1, keepdim=True),
    lambda lib, a: a.any(keepdim=True), lambda lib, a: a.median(0, keepdim=True),
])
def test_keepdim_shapes(call):
    e, t = both(np.arange(24, dtype=np.float32).reshape(2, 3, 4))
    assert_same(call(ember, e), call(torch, t))


@pytest.mark.parametrize("call", [
    lambda lib, a: a.sum(0), lambda lib, a: a.max(0), lambda lib, a: a.argmax(0), lambda lib, a: a.cumsum(0),
    lambda lib, a: a.sort(), lambda lib, a: a.topk(1), lambda lib, a: a.median(0), lambda lib, a: a.mode(),
    lambda lib, a: a.kthvalue(1, 0), lambda lib, a: a.cummax(0), lambda lib, a: a.unique(return_inverse=True),
    lambda lib, a: lib.unique_consecutive(a, return_inverse=True, return_counts=True),
    lambda lib, a: a.var(0, correction=0), lambda lib, a: a.logsumexp(0), lambda lib, a: a.norm(dim=0),
    lambda lib, a: a.all(0), lambda lib, a: a.count_nonzero(0), lambda lib, a: a.amax(0),
])
def test_zero_dim_inputs(call):
    e, t = both(np.float32(2.5))
    assert_same(call(ember, e), call(torch, t))


def test_histc_edges():
    vals = np.array([0.0, 0.25, 0.5, 0.75, 1.0, 1.5, -0.1], np.float32)
    for kw in ({"bins": 4, "min": 0, "max": 1}, {"bins": 2}, {"bins": 3, "min": 0.5, "max": 0.5}):
        assert_same(ember.histc(ember.tensor(vals), **kw), torch.histc(torch.tensor(vals), **kw))


def test_unique_nan_and_unsorted():
    vals = np.array([2.0, np.nan, 1.0, np.nan, 2.0], np.float32)
    e, t = both(vals)
    assert_same(ember.unique(e, return_counts=True), torch.unique(t, return_counts=True))
    assert_same(ember.unique(e, sorted=False), torch.unique(t, sorted=False))

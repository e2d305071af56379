"""Linear, Bilinear, LazyLinear, Identity, Flatten, Unflatten and F.linear / F.bilinear against PyTorch."""

from __future__ import annotations

import math

import numpy as np
import pytest

import ember
import ember.nn as nn
import ember.nn.functional as F
from conftest import torch
from nn.helpers import copy_weights, err

RNG = np.random.default_rng(0)


def arr(*shape, dtype=np.float32):
    return RNG.standard_normal(shape).astype(dtype)


def run_linear(lib, x, w, b, upstream, create_graph=False, noncontig=False):
    xt = lib.tensor(x, requires_grad=True)
    wt = lib.tensor(w, requires_grad=True)
    bt = None if b is None else lib.tensor(b, requires_grad=True)
    xin = xt.transpose(0, 1) if noncontig else xt
    fn = lib.nn.functional.linear
    out = fn(xin, wt, bt)
    leaves = [xt, wt] + ([bt] if bt is not None else [])
    grads = lib.autograd.grad(out, leaves, lib.tensor(upstream), create_graph=create_graph)
    second = None
    if create_graph:
        total = sum((g * g).sum() for g in grads)
        second = lib.autograd.grad(total, leaves, allow_unused=True)
    return out, grads, second


CASES = [
    ((4, 3), (5, 3), (5,)),
    ((4, 3), (5, 3), None),
    ((3,), (5, 3), (5,)),
    ((3,), (5, 3), None),
    ((2, 4, 3), (5, 3), (5,)),
    ((2, 4, 3), (5, 3), None),
    ((2, 2, 4, 3), (5, 3), (5,)),
    ((4, 3), (5, 3), (1,)),
    ((4, 3), (5, 3), (4, 5)),
    ((0, 3), (5, 3), (5,)),
    ((4, 0), (5, 0), (5,)),
]


def _np(t):
    return None if t is None else t.detach().numpy()


@pytest.mark.parametrize("xs,ws,bs", CASES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("create_graph", [False, True])
def test_linear_values_and_grads(xs, ws, bs, dtype, create_graph):
    x, w = arr(*xs, dtype=dtype), arr(*ws, dtype=dtype)
    b = None if bs is None else arr(*bs, dtype=dtype)
    up = arr(*(xs[:-1] + ws[:1]), dtype=dtype)
    oe, ge, se = run_linear(ember, x, w, b, up, create_graph)
    ot, gt, st = run_linear(torch, x, w, b, up, create_graph)
    tol = dict(rtol=1e-5, atol=1e-5) if dtype == np.float32 else dict(rtol=1e-10, atol=1e-10)
    assert str(oe.dtype) == str(ot.dtype) and tuple(oe.shape) == tuple(ot.shape)
    np.testing.assert_allclose(_np(oe), _np(ot), **tol)
    for a, c in zip(ge, gt):
        np.testing.assert_allclose(_np(a), _np(c), **tol)
    if create_graph:
        for a, c in zip(se, st):
            assert (a is None) == (c is None)
            if a is not None:
                np.testing.assert_allclose(_np(a), _np(c), **tol)


@pytest.mark.parametrize("bias", [True, False])
def test_linear_noncontiguous_input(bias):
    x, w, b = arr(4, 2, 3), arr(5, 3), arr(5) if bias else None
    up = arr(2, 4, 5)
    oe, ge, _ = run_linear(ember, x, w, b, up, noncontig=True)
    ot, gt, _ = run_linear(torch, x, w, b, up, noncontig=True)
    np.testing.assert_allclose(_np(oe), _np(ot), rtol=1e-5, atol=1e-6)
    for a, c in zip(ge, gt):
        np.testing.assert_allclose(_np(a), _np(c), rtol=1e-5, atol=1e-6)
    assert oe.grad_fn.name() == ot.grad_fn.name()


def test_linear_backward_array_path_matches_tensor_path():
    x, w, b = arr(6, 3), arr(4, 3), arr(1, 4)
    xe, we, be = (ember.tensor(a, requires_grad=True) for a in (x, w, b))
    F.linear(xe, we, be).sum().backward()  # create_graph=False: backward_array
    fast = [t.grad.numpy().copy() for t in (xe, we, be)]
    xe2, we2, be2 = (ember.tensor(a, requires_grad=True) for a in (x, w, b))
    F.linear(xe2, we2, be2).sum().backward(create_graph=True)  # Tensor backward
    for a, t in zip(fast, (xe2, we2, be2)):
        np.testing.assert_allclose(a, t.grad.detach().numpy(), rtol=1e-6)


@pytest.mark.parametrize("xs,ws,bs", CASES[:8])
def test_linear_grad_fn_names(xs, ws, bs):
    def name(lib):
        x = lib.ones(*xs, requires_grad=True)
        b = None if bs is None else lib.ones(*bs)
        return lib.nn.functional.linear(x, lib.ones(*ws), b).grad_fn.name()
    assert name(ember) == name(torch)


@pytest.mark.parametrize("build", [
    lambda lib: (lib.randn(2, 3), lib.randn(4, 5)),
    lambda lib: (lib.randn(2, 5, 3), lib.randn(4, 5)),
    lambda lib: (lib.randn(3), lib.randn(4, 5)),
    lambda lib: (lib.randn(2, 3), lib.randn(4, 3, dtype=lib.float64)),
    lambda lib: (lib.randn(2, 5, 3), lib.randn(4, 3, dtype=lib.float64)),
    lambda lib: (lib.randn(2, 3), lib.randn(4, 3), lib.randn(5)),
    lambda lib: (lib.randn(2, 5, 3), lib.randn(4, 3), lib.randn(5)),
    lambda lib: (lib.randn(2, 3), lib.randn(4, 3), lib.randn(4, dtype=lib.float64)),
    lambda lib: (lib.randn(2, 3, dtype=lib.float64), lib.randn(4, 3)),
    lambda lib: (lib.randn(2, 3), lib.randn(4, 3, 1)),
    lambda lib: (lib.tensor(1.0), lib.randn(4, 3)),
])
def test_linear_errors(build):
    def run(lib):
        args = build(lib)
        return err(lambda: lib.nn.functional.linear(*args))
    res = run(ember)
    assert res is not None and res == run(torch)


def test_linear_integer_and_vector_weight():
    xe = ember.tensor([[1, 2, 3]])
    out = F.linear(xe, ember.tensor([[1, 0, 1], [2, 2, 2]]), ember.tensor([1, 1]))
    assert out.dtype == ember.int64 and out.tolist() == [[5, 13]]
    x, w = arr(2, 3), arr(3)
    expected = torch.nn.functional.linear(torch.tensor(x), torch.tensor(w)).numpy()
    np.testing.assert_allclose(F.linear(ember.tensor(x), ember.tensor(w)).numpy(), expected, rtol=1e-6)


def test_linear_module_matches():
    e, t = nn.Linear(3, 4), torch.nn.Linear(3, 4)
    copy_weights(e, t)
    x = arr(5, 3)
    xe, xt = ember.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ye, yt = e(xe), t(xt)
    np.testing.assert_allclose(_np(ye), _np(yt), rtol=1e-5, atol=1e-6)
    (ye * ye).sum().backward()
    (yt * yt).sum().backward()
    for pe, pt in zip([xe, e.weight, e.bias], [xt, t.weight, t.bias]):
        np.testing.assert_allclose(pe.grad.numpy(), pt.grad.numpy(), rtol=1e-5, atol=1e-5)
    assert repr(e) == repr(t) == "Linear(in_features=3, out_features=4, bias=True)"
    assert repr(nn.Linear(2, 1, bias=False)) == repr(torch.nn.Linear(2, 1, bias=False))
    assert e.bias is not None and nn.Linear(1, 1, bias=False).bias is None
    assert list(e.state_dict()) == list(t.state_dict())


def test_linear_factory_kwargs():
    m = nn.Linear(2, 3, dtype=ember.float64, device="cpu")
    assert m.weight.dtype == ember.float64 and m.bias.dtype == ember.float64
    assert str(m.weight.device) == "cpu"


def test_linear_default_init_bounds_and_spread():
    ember.manual_seed(0)
    fan_in = 400
    m = nn.Linear(fan_in, 300)
    bound = 1 / math.sqrt(fan_in)
    w, b = m.weight.detach().numpy(), m.bias.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(b).max() <= bound
    # U(-bound, bound): std bound/sqrt(3), mean 0
    assert abs(w.std() - bound / math.sqrt(3)) < 0.01 * bound
    assert abs(w.mean()) < 0.01 * bound
    assert np.abs(b).max() > 0.9 * bound
    t = torch.nn.Linear(fan_in, 300)
    assert abs(w.std() - t.weight.detach().numpy().std()) < 0.02 * bound


def test_linear_init_is_seeded():
    ember.manual_seed(3)
    a = nn.Linear(4, 4).weight.detach().numpy().copy()
    ember.manual_seed(3)
    b = nn.Linear(4, 4).weight.detach().numpy()
    np.testing.assert_array_equal(a, b)


def test_linear_zero_in_features_warns_like_pytorch():
    with pytest.warns(UserWarning, match="Initializing zero-element tensors is a no-op"):
        m = nn.Linear(0, 3)
    assert m(ember.ones(2, 0)).tolist() == [[0.0] * 3] * 2  # fan_in 0: the bias bound is 0 too


def test_bilinear_matches():
    e, t = nn.Bilinear(3, 4, 5), torch.nn.Bilinear(3, 4, 5)
    copy_weights(e, t)
    assert repr(e) == repr(t)
    for batch in [(6,), (2, 3), ()]:
        x1, x2 = arr(*batch, 3), arr(*batch, 4)
        ins_e = [ember.tensor(a, requires_grad=True) for a in (x1, x2)]
        ins_t = [torch.tensor(a, requires_grad=True) for a in (x1, x2)]
        ye, yt = e(*ins_e), t(*ins_t)
        np.testing.assert_allclose(_np(ye), _np(yt), rtol=1e-5, atol=1e-5)
        ye.pow(2).sum().backward()
        yt.pow(2).sum().backward()
        for a, c in zip(ins_e + [e.weight, e.bias], ins_t + [t.weight, t.bias]):
            np.testing.assert_allclose(a.grad.numpy(), c.grad.numpy(), rtol=1e-4, atol=1e-4)
        e.zero_grad()
        t.zero_grad()
    bound = 1 / math.sqrt(3)
    assert np.abs(nn.Bilinear(3, 2, 2).weight.detach().numpy()).max() <= bound


@pytest.mark.parametrize("build", [
    lambda lib: (lib.ones(2, 3), lib.ones(2, 3), lib.ones(4, 2, 3)),
    lambda lib: (lib.ones(2, 2), lib.ones(3, 3), lib.ones(4, 2, 3)),
    lambda lib: (lib.ones(2, 2), lib.ones(2, 2), lib.ones(4, 2, 3)),
])
def test_bilinear_errors(build):
    def run(lib):
        return err(lambda: lib.nn.functional.bilinear(*build(lib)))
    res = run(ember)
    assert res is not None and res == run(torch)


def test_lazy_linear():
    m = nn.LazyLinear(4)
    t = torch.nn.LazyLinear(4)
    assert repr(m) == repr(t)
    assert repr(m.weight) == "<UninitializedParameter>"
    assert list(m.state_dict()) == list(t.state_dict())
    assert m.has_uninitialized_params()
    out = m(ember.ones(2, 5))
    t(torch.ones(2, 5))
    assert type(m) is nn.Linear and tuple(out.shape) == (2, 4)
    assert repr(m) == repr(t)
    assert tuple(m.weight.shape) == (4, 5) and type(m.weight) is nn.Parameter
    bound = 1 / math.sqrt(5)
    assert np.abs(m.weight.detach().numpy()).max() <= bound
    assert not m._forward_pre_hooks and not m._load_state_dict_pre_hooks
    nb = nn.LazyLinear(3, bias=False)
    nb(ember.ones(1, 2))
    assert nb.bias is None and repr(nb) == "Linear(in_features=2, out_features=3, bias=False)"


def test_lazy_linear_loads_state_dict_before_first_call():
    src = nn.Linear(5, 4)
    m = nn.LazyLinear(4)
    m.load_state_dict(src.state_dict())
    np.testing.assert_array_equal(m.weight.detach().numpy(), src.weight.detach().numpy())
    x = ember.ones(2, 5)
    np.testing.assert_allclose(m(x).detach().numpy(), src(x).detach().numpy())
    assert type(m) is nn.Linear and m.in_features == 5


def test_identity_flatten_unflatten():
    x = arr(2, 3, 4, 5)
    assert repr(nn.Identity(3, a=4)) == repr(torch.nn.Identity(3, a=4))
    xe = ember.tensor(x)
    assert nn.Identity()(xe) is xe
    for args in [(), (0,), (1, 2), (-3, -2), (0, -1)]:
        ye, yt = nn.Flatten(*args)(xe), torch.nn.Flatten(*args)(torch.tensor(x))
        assert tuple(ye.shape) == tuple(yt.shape)
        np.testing.assert_array_equal(ye.numpy(), yt.numpy())
        assert repr(nn.Flatten(*args)) == repr(torch.nn.Flatten(*args))
    for dim, size in [(1, (3, 1)), (-1, [5, 1]), (2, (-1, 2)), (0, (2, 1))]:
        ye = nn.Unflatten(dim, size)(xe)
        yt = torch.nn.Unflatten(dim, size)(torch.tensor(x))
        assert tuple(ye.shape) == tuple(yt.shape)
        np.testing.assert_array_equal(ye.numpy(), yt.numpy())
        assert repr(nn.Unflatten(dim, size)) == repr(torch.nn.Unflatten(dim, size))


@pytest.mark.parametrize("build", [
    lambda lib: lib.nn.Unflatten(1, (2, 2))(lib.ones(2, 6)),
    lambda lib: lib.nn.Unflatten(1, (4, -1))(lib.ones(2, 6)),
    lambda lib: lib.nn.Unflatten(1, 3),
    lambda lib: lib.nn.Unflatten(1, (2, 2.0)),
    lambda lib: lib.nn.Flatten(2, 1)(lib.ones(2, 3, 4)),
])
def test_flatten_errors(build):
    res = err(lambda: build(ember))
    assert res is not None and res == err(lambda: build(torch))


def test_flatten_gradient():
    x = ember.ones(2, 3, 4, requires_grad=True)
    nn.Flatten()(x).sum().backward()
    assert tuple(x.grad.shape) == (2, 3, 4)

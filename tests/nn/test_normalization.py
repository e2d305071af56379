"""Normalisation layers and functions against PyTorch: values, input and parameter gradients through both
backward paths, double backward, running statistics over several training steps, eval mode, reprs,
state_dict, errors; finite-difference gradchecks of the fused primitives in float64."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import ember
import ember.nn as nn
import ember.nn.functional as F
from conftest import torch
from ember.autograd import gradcheck, gradgradcheck
from ember.ops import norm as norm_ops
from nn.grad_parity import check
from nn.helpers import copy_weights, err

RNG = np.random.default_rng(0)
DTYPES = [np.float64, np.float32]


def arr(*shape, dtype=np.float64, loc=0.0, scale=1.0):
    return (RNG.standard_normal(shape) * scale + loc).astype(dtype)


def pos(*shape, dtype=np.float64):
    return (RNG.random(shape) + 0.5).astype(dtype)


# -- functional forms: values, gradients (both paths), double backward ---------------------------------

BN_SHAPES = [(6, 3), (4, 3, 5), (2, 3, 4, 5), (2, 3, 2, 3, 2)]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", BN_SHAPES)
@pytest.mark.parametrize("affine", ["wb", "w", "none"])
def test_batch_norm_training(dtype, shape, affine):
    c = shape[1]
    x, w, b = arr(*shape, dtype=dtype, loc=1.5, scale=2.0), arr(c, dtype=dtype), arr(c, dtype=dtype)

    def fn(L, x, w, b):
        return L.nn.functional.batch_norm(x, None, None, w if affine != "none" else None,
                                          b if affine == "wb" else None, True)
    check(fn, [x, w, b], (0, 1, 2))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", BN_SHAPES[:3])
def test_batch_norm_eval(dtype, shape):
    c = shape[1]
    x, w, b = arr(*shape, dtype=dtype), arr(c, dtype=dtype), arr(c, dtype=dtype)
    rm, rv = arr(c, dtype=dtype), pos(c, dtype=dtype)
    check(lambda L, x, w, b: L.nn.functional.batch_norm(x, L.tensor(rm), L.tensor(rv), w, b, False, 0.1, 1e-3),
          [x, w, b], (0, 1, 2))
    check(lambda L, x: L.nn.functional.batch_norm(x, L.tensor(rm), L.tensor(rv)), [x], (0,))


def test_batch_norm_noncontiguous_and_broadcast_grad():
    x = arr(3, 5, 4).transpose(2, 0, 1)  # (4, 3, 5), not contiguous
    check(lambda L, x: L.nn.functional.batch_norm(x, None, None, training=True).sum(), [x], (0,))
    check(lambda L, x: L.nn.functional.batch_norm(x, None, None, training=True), [x], (0,))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape,norm", [((4, 30), (30,)), ((2, 3, 20), (20,)), ((2, 3, 4, 5), (4, 5)),
                                        ((3, 16), (3, 16))])
@pytest.mark.parametrize("affine", ["wb", "w", "b", "none"])
def test_layer_norm(dtype, shape, norm, affine):
    x, w, b = arr(*shape, dtype=dtype, loc=-2.0, scale=3.0), arr(*norm, dtype=dtype), arr(*norm, dtype=dtype)
    check(lambda L, x, w, b: L.nn.functional.layer_norm(x, norm, w if "w" in affine else None,
                                                        b if "b" in affine else None, 1e-4),
          [x, w, b], (0, 1, 2), double=affine != "b")  # PyTorch's double backward fails with bias only


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape,groups", [((2, 6, 5), 3), ((3, 4, 3, 2), 2), ((2, 4, 3, 2), 4), ((4, 6), 1),
                                          ((2, 4, 2, 2, 2), 2)])
@pytest.mark.parametrize("affine", [True, False])
def test_group_norm(dtype, shape, groups, affine):
    c = shape[1]
    x, w, b = arr(*shape, dtype=dtype, loc=1.0, scale=2.0), arr(c, dtype=dtype), arr(c, dtype=dtype)
    check(lambda L, x, w, b: L.nn.functional.group_norm(x, groups, w if affine else None, b if affine else None),
          [x, w, b], (0, 1, 2))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(2, 3, 5), (2, 3, 4, 3), (3, 2, 2, 3, 2)])
def test_instance_norm(dtype, shape):
    c = shape[1]
    x, w, b = arr(*shape, dtype=dtype), arr(c, dtype=dtype), arr(c, dtype=dtype)
    check(lambda L, x, w, b: L.nn.functional.instance_norm(x, weight=w, bias=b), [x, w, b], (0, 1, 2))
    check(lambda L, x: L.nn.functional.instance_norm(x), [x], (0,))
    rm, rv = arr(c, dtype=dtype), pos(c, dtype=dtype)
    check(lambda L, x, w: L.nn.functional.instance_norm(x, L.tensor(rm), L.tensor(rv), w, None, False),
          [x, w], (0, 1))


def test_instance_norm_running_stats():
    x = arr(4, 3, 6, dtype=np.float32, loc=2.0)
    res = []
    for L in (ember, torch):
        rm, rv = L.zeros(3), L.ones(3)
        out = L.nn.functional.instance_norm(L.tensor(x), rm, rv, momentum=0.3)
        res.append([out.numpy(), rm.numpy(), rv.numpy()])
    for a, b in zip(*res):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(2, 6, 4), (2, 5, 3, 2), (1, 4, 2, 2, 3)])
@pytest.mark.parametrize("size", [1, 2, 3, 5])
def test_local_response_norm(dtype, shape, size):
    x = arr(*shape, dtype=dtype, scale=3.0)
    check(lambda L, x: L.nn.functional.local_response_norm(x, size, 1e-2, 0.75, 2.0), [x], (0,))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("norm,eps", [((5,), None), ((4, 5), 1e-3)])
@pytest.mark.parametrize("weight", [True, False])
def test_rms_norm(dtype, norm, eps, weight):
    x, w = arr(3, 4, 5, dtype=dtype), arr(*norm, dtype=dtype)
    check(lambda L, x, w: L.nn.functional.rms_norm(x, norm, w if weight else None, eps), [x, w], (0, 1))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("p,dim", [(2.0, 1), (1.0, 0), (3.0, -1), (float("inf"), 1)])
def test_normalize(dtype, p, dim):
    x = arr(3, 4, 5, dtype=dtype)
    check(lambda L, x: L.nn.functional.normalize(x, p, dim), [x], (0,))
    if dtype == np.float64:  # norms below eps: the clamp (float32 would underflow p-th powers)
        check(lambda L, x: L.nn.functional.normalize(x * 1e-14, p, dim, eps=1e-12), [x], (0,))


def test_normalize_out():
    x = arr(3, 4)
    out_e, out_t = ember.empty(3, 4, dtype=ember.float64), torch.empty(3, 4, dtype=torch.float64)
    F.normalize(ember.tensor(x), out=out_e)
    torch.nn.functional.normalize(torch.tensor(x), out=out_t)
    np.testing.assert_allclose(out_e.numpy(), out_t.numpy(), rtol=1e-12)


def test_grad_fn_names():
    x = ember.randn(4, 3, 5, requires_grad=True)
    w = ember.ones(3, requires_grad=True)
    assert F.batch_norm(x, None, None, w, training=True).grad_fn.name() == "NativeBatchNormBackward0"
    assert F.layer_norm(x, (5,)).grad_fn.name() == "NativeLayerNormBackward0"
    assert F.group_norm(x, 3).grad_fn.name() == "NativeGroupNormBackward0"
    assert F.instance_norm(x).grad_fn.name() == "ViewBackward0"
    assert F.local_response_norm(x, 2).grad_fn.name() == "DivBackward0"
    assert F.normalize(x).grad_fn.name() == "DivBackward0"


def test_float16_input():
    x = arr(4, 3, 5, dtype=np.float16)
    for fn in (lambda L, x: L.nn.functional.batch_norm(x, None, None, L.ones(3), None, True),
               lambda L, x: L.nn.functional.layer_norm(x, (5,), L.ones(5, dtype=L.float16)),
               lambda L, x: L.nn.functional.group_norm(x, 3)):
        e, t = fn(ember, ember.tensor(x)), fn(torch, torch.tensor(x))
        assert str(e.dtype) == str(t.dtype)
        np.testing.assert_allclose(e.numpy().astype(np.float64), t.numpy().astype(np.float64), atol=2e-3)


# -- fused primitives against finite differences ----------------------------------------------------------

def _t(a):
    return ember.tensor(a, requires_grad=True)


@pytest.mark.parametrize("training", [True, False])
def test_gradcheck_batch_norm(training):
    x, w, b = _t(arr(4, 3, 2)), _t(arr(3)), _t(arr(3))
    running = (arr(3), pos(3))

    def fn(x, w, b):
        return norm_ops.BatchNorm.apply(x, w, b, running=(running[0].copy(), running[1].copy()),
                                        training=training, momentum=0.1, eps=1e-5)
    assert gradcheck(fn, (x, w, b))
    assert gradgradcheck(fn, (x, w, b))


def test_gradcheck_layer_norm():
    x, w, b = _t(arr(3, 2, 4)), _t(arr(2, 4)), _t(arr(2, 4))

    def fn(x, w, b):
        return norm_ops.LayerNorm.apply(x, w, b, ndim=2, eps=1e-5)
    assert gradcheck(fn, (x, w, b))
    assert gradgradcheck(fn, (x, w, b))


def test_gradcheck_group_norm():
    x, w, b = _t(arr(2, 4, 3)), _t(arr(4)), _t(arr(4))

    def fn(x, w, b):
        return norm_ops.GroupNorm.apply(x, w, b, groups=2, eps=1e-5)
    assert gradcheck(fn, (x, w, b))
    assert gradgradcheck(fn, (x, w, b))


# -- modules: same weights, several training steps, eval -----------------------------------------------------

def _randomize(module) -> None:
    with ember.no_grad():
        for p in module.parameters():
            p.copy_(ember.tensor(arr(*p.shape, dtype=np.float32)))


def _train_compare(e_mod, t_mod, shapes, steps=3, loc=1.0):
    """Run both modules on the same inputs for some steps: outputs, input/parameter gradients, buffers."""
    for shape in shapes[:steps]:
        x = arr(*shape, dtype=np.float32, loc=loc, scale=2.0)
        g = arr(*shape, dtype=np.float32)
        xe, xt = ember.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        ye, yt = e_mod(xe), t_mod(xt)
        np.testing.assert_allclose(ye.detach().numpy(), yt.detach().numpy(), rtol=2e-5, atol=2e-5)
        ye.backward(ember.tensor(g))
        yt.backward(torch.tensor(g))
        np.testing.assert_allclose(xe.grad.numpy(), xt.grad.numpy(), rtol=1e-4, atol=2e-5)
        for (name, pe), (_, pt) in zip(e_mod.named_parameters(), t_mod.named_parameters()):
            np.testing.assert_allclose(pe.grad.numpy(), pt.grad.numpy(), rtol=1e-4, atol=2e-5, err_msg=name)
            pe.grad = None
            pt.grad = None
    te = e_mod.state_dict()
    for k, v in t_mod.state_dict().items():
        np.testing.assert_allclose(te[k].numpy(), v.numpy(), rtol=1e-5, atol=1e-6, err_msg=k)


BN_MODULES = [("BatchNorm1d", [(8, 3), (5, 3), (6, 3)]), ("BatchNorm1d", [(4, 3, 5), (3, 3, 2), (2, 3, 4)]),
              ("BatchNorm2d", [(4, 3, 5, 2), (2, 3, 3, 3), (3, 3, 1, 2)]),
              ("BatchNorm3d", [(2, 3, 2, 3, 2), (3, 3, 1, 2, 2), (2, 3, 2, 2, 2)])]


@pytest.mark.parametrize("name,shapes", BN_MODULES)
@pytest.mark.parametrize("kw", [{}, {"momentum": None}, {"momentum": 0.5, "eps": 1e-3}, {"affine": False},
                                {"track_running_stats": False}, {"bias": False}])
def test_batch_norm_modules(name, shapes, kw):
    e_mod, t_mod = getattr(nn, name)(3, **kw), getattr(torch.nn, name)(3, **kw)
    _randomize(e_mod)
    copy_weights(e_mod, t_mod)
    _train_compare(e_mod, t_mod, shapes)
    e_mod.eval()
    t_mod.eval()
    _train_compare(e_mod, t_mod, shapes[:1])
    assert repr(e_mod) == repr(t_mod)
    assert list(e_mod.state_dict()) == list(t_mod.state_dict())


def test_batch_norm_buffers():
    bn = nn.BatchNorm2d(4)
    assert bn.num_batches_tracked.dtype == ember.int64 and bn.num_batches_tracked.dim() == 0
    assert bn.running_mean.tolist() == [0.0] * 4 and bn.running_var.tolist() == [1.0] * 4
    bn(ember.randn(2, 4, 3, 3))
    bn(ember.randn(2, 4, 3, 3))
    assert bn.num_batches_tracked.item() == 2
    bn.eval()
    bn(ember.randn(2, 4, 3, 3))
    assert bn.num_batches_tracked.item() == 2
    bn.reset_running_stats()
    assert bn.num_batches_tracked.item() == 0 and bn.running_var.tolist() == [1.0] * 4
    off = nn.BatchNorm1d(4, track_running_stats=False)
    assert off.running_mean is None and off.running_var is None and off.num_batches_tracked is None
    assert list(off.state_dict()) == ["weight", "bias"]
    # eval without running statistics normalises with the batch's
    off.eval()
    x = arr(5, 4, dtype=np.float32)
    t = torch.nn.BatchNorm1d(4, track_running_stats=False).eval()
    np.testing.assert_allclose(off(ember.tensor(x)).detach().numpy(), t(torch.tensor(x)).detach().numpy(),
                               rtol=1e-5, atol=1e-6)


def test_batch_norm_running_var_unbiased_and_functional_update():
    x = arr(5, 3, 4, loc=3.0)
    rm_e, rv_e = ember.zeros(3, dtype=ember.float64), ember.ones(3, dtype=ember.float64)
    rm_t, rv_t = torch.zeros(3, dtype=torch.float64), torch.ones(3, dtype=torch.float64)
    v0 = rm_e._vc[0]
    F.batch_norm(ember.tensor(x), rm_e, rv_e, training=True, momentum=0.25)
    torch.nn.functional.batch_norm(torch.tensor(x), rm_t, rv_t, training=True, momentum=0.25)
    np.testing.assert_allclose(rm_e.numpy(), rm_t.numpy(), rtol=1e-12)
    np.testing.assert_allclose(rv_e.numpy(), rv_t.numpy(), rtol=1e-12)
    assert rm_e._vc[0] == v0 + 1
    expected = 0.75 + 0.25 * x.transpose(1, 0, 2).reshape(3, -1).var(axis=1, ddof=1)
    np.testing.assert_allclose(rv_e.numpy(), expected, rtol=1e-12)


def test_batch_norm_load_old_state_dict():
    """Checkpoints from before num_batches_tracked existed (version < 2) load, the counter starting at 0."""
    bn = nn.BatchNorm1d(3)
    bn(ember.randn(4, 3))
    sd = bn.state_dict()
    del sd["num_batches_tracked"]
    sd._metadata[""]["version"] = 1
    res = bn.load_state_dict(sd)
    assert res.missing_keys == [] and res.unexpected_keys == []
    assert bn.num_batches_tracked.item() == 1
    fresh = nn.BatchNorm1d(3)
    assert fresh.load_state_dict(sd).missing_keys == []


@pytest.mark.parametrize("name,shapes", [("InstanceNorm1d", [(2, 3, 5), (3, 3, 4), (3, 5)]),
                                         ("InstanceNorm2d", [(2, 3, 3, 2), (1, 3, 2, 2), (3, 2, 3)]),
                                         ("InstanceNorm3d", [(2, 3, 2, 2, 2), (3, 2, 2, 2), (1, 3, 2, 3, 1)])])
@pytest.mark.parametrize("kw", [{}, {"affine": True}, {"track_running_stats": True},
                                {"affine": True, "track_running_stats": True, "momentum": 0.4}])
def test_instance_norm_modules(name, shapes, kw):
    e_mod, t_mod = getattr(nn, name)(3, **kw), getattr(torch.nn, name)(3, **kw)
    _randomize(e_mod)
    copy_weights(e_mod, t_mod)
    _train_compare(e_mod, t_mod, shapes)
    e_mod.eval()
    t_mod.eval()
    _train_compare(e_mod, t_mod, shapes[:1])
    assert repr(e_mod) == repr(t_mod)


@pytest.mark.parametrize("kw", [{}, {"elementwise_affine": False}, {"bias": False}, {"eps": 1e-3}])
@pytest.mark.parametrize("shape,norm", [((4, 6), 6), ((2, 3, 4, 5), (4, 5)), ((3, 8), [8])])
def test_layer_norm_module(kw, shape, norm):
    e_mod, t_mod = nn.LayerNorm(norm, **kw), torch.nn.LayerNorm(norm, **kw)
    _randomize(e_mod)
    copy_weights(e_mod, t_mod)
    _train_compare(e_mod, t_mod, [shape] * 2, loc=-1.0)
    assert repr(e_mod) == repr(t_mod)
    assert e_mod.normalized_shape == t_mod.normalized_shape


@pytest.mark.parametrize("kw", [{}, {"affine": False}, {"bias": False}, {"eps": 1e-2}])
@pytest.mark.parametrize("groups,shape", [(2, (3, 4, 5)), (4, (2, 4, 2, 3)), (1, (2, 4))])
def test_group_norm_module(kw, groups, shape):
    e_mod, t_mod = nn.GroupNorm(groups, 4, **kw), torch.nn.GroupNorm(groups, 4, **kw)
    _randomize(e_mod)
    copy_weights(e_mod, t_mod)
    _train_compare(e_mod, t_mod, [shape] * 2)
    assert repr(e_mod) == repr(t_mod)


@pytest.mark.parametrize("kw", [{}, {"eps": 1e-4}, {"elementwise_affine": False}])
def test_rms_norm_module(kw):
    e_mod, t_mod = nn.RMSNorm([3, 4], **kw), torch.nn.RMSNorm([3, 4], **kw)
    _randomize(e_mod)
    copy_weights(e_mod, t_mod)
    _train_compare(e_mod, t_mod, [(2, 3, 4)] * 2)
    assert repr(e_mod) == repr(t_mod)


def test_local_response_norm_module():
    e_mod, t_mod = nn.LocalResponseNorm(3, 1e-2, 0.5, 2.0), torch.nn.LocalResponseNorm(3, 1e-2, 0.5, 2.0)
    _train_compare(e_mod, t_mod, [(2, 5, 3, 3), (2, 4, 6)])
    assert repr(e_mod) == repr(t_mod)
    assert repr(nn.LocalResponseNorm(2)) == repr(torch.nn.LocalResponseNorm(2))


def test_default_initialisation():
    for name, args in [("BatchNorm2d", (5,)), ("LayerNorm", ((2, 3),)), ("GroupNorm", (1, 5)),
                       ("InstanceNorm1d", (5,)), ("RMSNorm", (4,))]:
        e_sd, t_sd = getattr(nn, name)(*args).state_dict(), getattr(torch.nn, name)(*args).state_dict()
        assert list(e_sd) == list(t_sd)
        for k in t_sd:
            np.testing.assert_array_equal(e_sd[k].numpy(), t_sd[k].numpy())


def test_empty_batch():
    for L in (ember, torch):
        rm, rv = L.zeros(3), L.ones(3)
        out = L.nn.functional.batch_norm(L.zeros(0, 3), rm, rv, training=True)
        assert tuple(out.shape) == (0, 3) and rm.tolist() == [0.0] * 3
        assert tuple(L.nn.functional.layer_norm(L.zeros(0, 4), (4,)).shape) == (0, 4)
        assert tuple(L.nn.functional.group_norm(L.zeros(0, 4, 2), 2).shape) == (0, 4, 2)
        assert tuple(L.nn.functional.local_response_norm(L.zeros(0, 4, 2), 2).shape) == (0, 4, 2)


# -- errors ----------------------------------------------------------------------------------------------

def _same_error(fn):
    e, t = err(lambda: fn(ember)), err(lambda: fn(torch))
    assert e == t, f"ember {e} != torch {t}"
    assert t is not None


@pytest.mark.parametrize("fn", [
    lambda L: L.nn.functional.batch_norm(L.randn(4, 3, 5), L.zeros(4), L.ones(3)),
    lambda L: L.nn.functional.batch_norm(L.randn(4, 3, 5), L.zeros(3), L.ones(4)),
    lambda L: L.nn.functional.batch_norm(L.randn(4, 3, 5), L.zeros(3), L.ones(3), L.ones(4)),
    lambda L: L.nn.functional.batch_norm(L.randn(4, 3, 5), L.zeros(3), L.ones(3), L.ones(3), L.ones(4)),
    lambda L: L.nn.functional.batch_norm(L.randn(1, 3, 1), None, None, training=True),
    lambda L: L.nn.functional.batch_norm(L.randn(1, 3), None, None, training=True),
    lambda L: L.nn.functional.batch_norm(L.randn(4, 3), None, None),
    lambda L: L.nn.functional.batch_norm(L.randn(4, 3), L.zeros(3), None),
    lambda L: L.nn.functional.batch_norm(L.randn(4, 3), L.zeros(3), None, training=True),
    lambda L: L.nn.functional.batch_norm(L.ones(4, 3, dtype=L.int64), None, None, training=True),
    lambda L: L.nn.functional.batch_norm(L.randn(4, 3), None, None, L.ones(3, dtype=L.float64), training=True),
    lambda L: L.nn.functional.batch_norm(L.randn(4, 3, dtype=L.float64), None, None, L.ones(3), training=True),
    lambda L: L.nn.functional.batch_norm(L.randn(4, 3), L.zeros(3, dtype=L.float64), L.ones(3, dtype=L.float64),
                                         L.ones(3), training=True),
    lambda L: L.nn.functional.layer_norm(L.randn(4, 3, 5), (4,)),
    lambda L: L.nn.functional.layer_norm(L.randn(4, 3, 5), (3, 4, 5, 6)),
    lambda L: L.nn.functional.layer_norm(L.randn(4, 3, 5), ()),
    lambda L: L.nn.functional.layer_norm(L.randn(4, 3, 5), 5),
    lambda L: L.nn.functional.layer_norm(L.randn(4, 3, 5), (5,), L.ones(4)),
    lambda L: L.nn.functional.layer_norm(L.randn(4, 3, 5), (5,), None, L.ones(4)),
    lambda L: L.nn.functional.layer_norm(L.ones(4, 5, dtype=L.int64), (5,)),
    lambda L: L.nn.functional.group_norm(L.randn(4, 3, 5), 2),
    lambda L: L.nn.functional.group_norm(L.randn(4, 3, 5), 3, L.ones(4)),
    lambda L: L.nn.functional.group_norm(L.randn(4, 3, 5), 3, None, L.ones(4)),
    lambda L: L.nn.functional.group_norm(L.randn(3), 1),
    lambda L: L.nn.functional.group_norm(L.randn(1, 3), 3),
    lambda L: L.nn.functional.instance_norm(L.randn(4, 3)),
    lambda L: L.nn.functional.instance_norm(L.randn(4, 3, 5), use_input_stats=False),
    lambda L: L.nn.functional.instance_norm(L.randn(4, 3, 5), L.zeros(3), None),
    lambda L: L.nn.functional.instance_norm(L.randn(4, 3, 5), weight=L.ones(4)),
    lambda L: L.nn.functional.rms_norm(L.randn(4, 3, 5), (4,)),
    lambda L: L.nn.functional.rms_norm(L.randn(4, 3, 5), (5,), L.ones(4)),
    lambda L: L.nn.functional.local_response_norm(L.randn(3, 4), 2),
    lambda L: L.nn.BatchNorm2d(3)(L.randn(4, 3)),
    lambda L: L.nn.BatchNorm1d(3)(L.randn(4, 3, 5, 6)),
    lambda L: L.nn.BatchNorm3d(3)(L.randn(4, 3, 5, 6)),
    lambda L: L.nn.BatchNorm2d(3)(L.randn(4, 4, 5, 6)),
    lambda L: L.nn.InstanceNorm1d(3)(L.randn(4, 3, 5, 6)),
    lambda L: L.nn.InstanceNorm2d(3)(L.randn(4, 3)),
    lambda L: L.nn.InstanceNorm1d(3, affine=True)(L.randn(4, 4, 5)),
    lambda L: L.nn.LayerNorm(5)(L.randn(4, 4)),
    lambda L: L.nn.GroupNorm(2, 3),
])
def test_errors(fn):
    _same_error(fn)


def test_instance_norm_channel_mismatch_warns():
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        nn.InstanceNorm1d(3)(ember.randn(2, 4, 5))
    assert "does not match num_features" in str(rec[0].message)


def test_pytorch_import_paths():
    from ember.nn.modules.batchnorm import BatchNorm2d, _BatchNorm, _NormBase
    from ember.nn.modules.instancenorm import InstanceNorm1d, _InstanceNorm

    assert isinstance(BatchNorm2d(3), _BatchNorm) and isinstance(InstanceNorm1d(3), _NormBase)
    assert isinstance(nn.InstanceNorm2d(3), _InstanceNorm) and not isinstance(nn.LayerNorm(3), _NormBase)

"""Pooling layers and functions against PyTorch: MaxPool, AvgPool, adaptive pools, MaxUnpool, LPPool (values,
indices, gradients, double backward, ties, NaN, integer inputs, reprs, errors)."""

from __future__ import annotations

import numpy as np
import pytest

import ember
import ember.nn as nn
import ember.nn.functional as F
from conftest import torch
from nn.layer_parity import check_fn, check_module, same_error, to_np

pytestmark = pytest.mark.skipif(torch is None, reason="PyTorch (the parity reference) is not installed")
TNN = torch.nn if torch is not None else None
TF = torch.nn.functional if torch is not None else None
RNG = np.random.default_rng(0)


def arr(*shape, dtype=np.float64):
    return RNG.standard_normal(shape).astype(dtype)


def pair(name, *args, **kw):
    return getattr(nn, name)(*args, **kw), getattr(TNN, name)(*args, **kw)


MAXPOOL2D = [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1), dict(kernel_size=(2, 3),
                                                                                 stride=(1, 2)),
             dict(kernel_size=3, stride=2, ceil_mode=True), dict(kernel_size=2, dilation=2, padding=1),
             dict(kernel_size=(3, 2), stride=(2, 3), padding=(1, 1), dilation=(2, 1), ceil_mode=True),
             dict(kernel_size=2, return_indices=True), dict(kernel_size=3, stride=1, return_indices=True)]


@pytest.mark.parametrize("kw", MAXPOOL2D, ids=str)
@pytest.mark.parametrize("shape", [(2, 3, 7, 8), (3, 6, 5)])
def test_maxpool2d(kw, shape):
    e, t = pair("MaxPool2d", **kw)
    check_module(e, t, arr(*shape))


@pytest.mark.parametrize("kw", [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True),
                                dict(kernel_size=2, dilation=3, return_indices=True)], ids=str)
def test_maxpool1d(kw):
    e, t = pair("MaxPool1d", **kw)
    check_module(e, t, arr(2, 3, 11))
    check_module(e, t, arr(3, 9))


@pytest.mark.parametrize("kw", [dict(kernel_size=2), dict(kernel_size=(1, 2, 3), stride=(1, 2, 1),
                                                          padding=(0, 1, 1),
                                                          return_indices=True, ceil_mode=True)], ids=str)
def test_maxpool3d(kw):
    e, t = pair("MaxPool3d", **kw)
    check_module(e, t, arr(2, 2, 4, 5, 6))
    check_module(e, t, arr(2, 4, 5, 6), second_order=False)


def test_maxpool_ties_pick_the_first_maximum():
    x = np.zeros((1, 1, 4, 6))
    x[0, 0, :, ::2] = 1.0
    check_fn(lambda t: F.max_pool2d(t, 2, return_indices=True), lambda t: TF.max_pool2d(t, 2,
                                                                                        return_indices=True), x)
    ints = RNG.integers(0, 3, (2, 2, 6, 6)).astype(np.float64)
    check_fn(lambda t: F.max_pool2d(t, 3, 1, 1, return_indices=True),
             lambda t: TF.max_pool2d(t, 3, 1, 1, return_indices=True), ints)


def test_maxpool_nan_and_inf():
    x = arr(1, 2, 4, 4)
    x[0, 0, 0, 1] = np.nan
    x[0, 0, 1, 0] = np.nan
    x[0, 1, 2, 2] = np.inf
    x[0, 1, 3, 3] = -np.inf
    for kw in (dict(kernel_size=2), dict(kernel_size=3, stride=1, padding=1)):
        e = F.max_pool2d(ember.tensor(x), return_indices=True, **kw)
        t = TF.max_pool2d(torch.tensor(x), return_indices=True, **kw)
        np.testing.assert_array_equal(to_np(e[0]), to_np(t[0]))
        np.testing.assert_array_equal(to_np(e[1]), to_np(t[1]))


def test_maxpool_all_negative_infinity_with_padding():
    x = np.full((1, 1, 3, 4), -np.inf)
    x[0, 0, 2, 3] = 1.0
    for kw in (dict(kernel_size=3, stride=1, padding=1), dict(kernel_size=2, stride=2, padding=1, dilation=2),
               dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)):
        check_fn(lambda t, kw=kw: F.max_pool2d(t, return_indices=True, **kw),
                 lambda t, kw=kw: TF.max_pool2d(t, return_indices=True, **kw), x, second_order=False)
    ints = np.full((1, 1, 3, 3), np.iinfo(np.int64).min)
    e = F.max_pool2d(ember.tensor(ints), 3, 1, 1, return_indices=True)
    t = TF.max_pool2d(torch.tensor(ints), 3, 1, 1, return_indices=True)
    np.testing.assert_array_equal(to_np(e[1]), to_np(t[1]))


@pytest.mark.parametrize("dtype", ["int64", "int32", "uint8"])
def test_maxpool_integer(dtype):
    x = RNG.integers(0, 50, (2, 3, 6, 5))
    e = F.max_pool2d(ember.tensor(x, dtype=getattr(ember, dtype)), 2, padding=1, return_indices=True)
    t = TF.max_pool2d(torch.tensor(x, dtype=getattr(torch, dtype)), 2, padding=1, return_indices=True)
    assert e[0].dtype == getattr(ember, dtype)
    np.testing.assert_array_equal(to_np(e[0]), to_np(t[0]))
    np.testing.assert_array_equal(to_np(e[1]), to_np(t[1]))


def test_maxpool_float32_and_grad_fn_name():
    x = arr(2, 3, 6, 6, dtype=np.float32)
    e, t = pair("MaxPool2d", 2)
    check_module(e, t, x)
    out = e(ember.tensor(x, requires_grad=True))
    assert out.grad_fn.name() == "MaxPool2DWithIndicesBackward0"
    assert out.dtype == ember.float32


AVGPOOL2D = [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1),
             dict(kernel_size=3, stride=2, padding=1, count_include_pad=False),
             dict(kernel_size=(3, 2), stride=2, padding=(1, 1), ceil_mode=True),
             dict(kernel_size=(3, 2), stride=2, padding=(1, 1), ceil_mode=True, count_include_pad=False),
             dict(kernel_size=2, stride=1, divisor_override=3), dict(kernel_size=3, ceil_mode=True)]


@pytest.mark.parametrize("kw", AVGPOOL2D, ids=str)
@pytest.mark.parametrize("shape", [(2, 3, 7, 8), (3, 6, 5)])
def test_avgpool2d(kw, shape):
    e, t = pair("AvgPool2d", **kw)
    check_module(e, t, arr(*shape))


@pytest.mark.parametrize("kw", [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True,
                                                          count_include_pad=False)], ids=str)
def test_avgpool1d_and_3d(kw):
    e, t = pair("AvgPool1d", **kw)
    check_module(e, t, arr(2, 3, 11))
    check_module(e, t, arr(3, 9))
    e, t = pair("AvgPool3d", **kw)
    check_module(e, t, arr(1, 2, 5, 6, 7))


@pytest.mark.parametrize("dtype", ["int64"])
def test_avgpool_integer_truncates(dtype):
    x = RNG.integers(-20, 20, (2, 2, 5, 5))
    for kw in (dict(kernel_size=3, stride=1), dict(kernel_size=3, stride=2, padding=1),
               dict(kernel_size=2, divisor_override=3)):
        e = F.avg_pool2d(ember.tensor(x, dtype=getattr(ember, dtype)), **kw)
        t = TF.avg_pool2d(torch.tensor(x, dtype=getattr(torch, dtype)), **kw)
        assert str(e.dtype) == str(t.dtype)
        np.testing.assert_array_equal(to_np(e), to_np(t))


@pytest.mark.parametrize("size", [3, (2, 4), (None, 3), 1, (7, 9), (5, 1)])
@pytest.mark.parametrize("shape", [(2, 3, 7, 8), (3, 6, 5)])
def test_adaptive_avg_pool2d(size, shape):
    e, t = pair("AdaptiveAvgPool2d", size)
    check_module(e, t, arr(*shape))


@pytest.mark.parametrize("size", [3, (2, 4), (None, 3), (7, 9)])
@pytest.mark.parametrize("shape", [(2, 3, 7, 8), (3, 6, 5)])
def test_adaptive_max_pool2d(size, shape):
    e, t = pair("AdaptiveMaxPool2d", size, return_indices=True)
    check_module(e, t, arr(*shape))
    e, t = pair("AdaptiveMaxPool2d", size)
    check_module(e, t, arr(*shape), second_order=False)


def test_adaptive_pools_1d_3d():
    for name, shapes, size in (("AdaptiveAvgPool1d", [(2, 3, 10), (3, 7)], 4),
                               ("AdaptiveMaxPool1d", [(2, 3, 10), (3, 7)], 3),
                               ("AdaptiveAvgPool3d", [(1, 2, 5, 6, 7)], (2, None, 3)),
                               ("AdaptiveMaxPool3d", [(1, 2, 5, 6, 7)], (2, 4, 3))):
        e, t = pair(name, size)
        for s in shapes:
            check_module(e, t, arr(*s))


def test_adaptive_avg_pool_global_is_a_mean():
    x = ember.tensor(arr(2, 3, 4, 5), requires_grad=True)
    out = F.adaptive_avg_pool2d(x, 1)
    t = TF.adaptive_avg_pool2d(torch.tensor(to_np(x), requires_grad=True), 1)
    assert out.grad_fn.name() == t.grad_fn.name() == "MeanBackward1"
    assert F.adaptive_avg_pool2d(x, 3).grad_fn.name() == "AdaptiveAvgPool2DBackward0"


def test_adaptive_pool_zero_output():
    for fe, ft in ((F.adaptive_max_pool2d, TF.adaptive_max_pool2d), (F.adaptive_avg_pool2d,
                                                                     TF.adaptive_avg_pool2d)):
        for size in (0, (0, 2)):
            e, t = fe(ember.tensor(arr(1, 3, 4, 4)), size), ft(torch.tensor(arr(1, 3, 4, 4)), size)
            assert tuple(e.shape) == tuple(t.shape)


@pytest.mark.parametrize("kw", [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1)], ids=str)
def test_max_unpool2d(kw):
    x = arr(2, 3, 6, 7)
    pe, pt = pair("MaxPool2d", return_indices=True, **kw)
    ue, ut = pair("MaxUnpool2d", **kw)
    check_fn(lambda t: ue(*pe(t), output_size=(6, 7)), lambda t: ut(*pt(t), output_size=(6, 7)), x)
    check_fn(lambda t: ue(*pe(t[0]), output_size=(6, 7)), lambda t: ut(*pt(t[0]), output_size=(6, 7)), x)
    if kw["kernel_size"] == 2:
        check_fn(lambda t: ue(*pe(t[..., :6])), lambda t: ut(*pt(t[..., :6])), x)


def test_max_unpool1d_3d():
    x = arr(2, 3, 9)
    pe, pt = pair("MaxPool1d", 2, return_indices=True)
    ue, ut = pair("MaxUnpool1d", 2)
    check_fn(lambda t: ue(*pe(t), output_size=[2, 3, 9]), lambda t: ut(*pt(t), output_size=[2, 3, 9]), x)
    x = arr(1, 2, 4, 4, 6)
    pe, pt = pair("MaxPool3d", 2, return_indices=True)
    ue, ut = pair("MaxUnpool3d", 2)
    check_fn(lambda t: ue(*pe(t)), lambda t: ut(*pt(t)), x)


def test_max_unpool_errors():
    x = arr(1, 1, 2, 2)
    idx = np.array([[[[0, 1], [2, 3]]]])
    cases = [(idx, 2, dict(output_size=(7, 7))), (idx, 2, dict(output_size=(5, 6))), (idx, 2,
                                                                                      dict(output_size=(1, 5,
                                                                                                        5))),
             (np.array([[[[0, 1], [2, 30]]]]), 2, {}), (np.array([[[[0, 1], [2, -1]]]]), 2, {}),
             (idx[0], 2, {})]
    for i, k, kw in cases:
        same_error(lambda i=i, k=k, kw=kw: F.max_unpool2d(ember.tensor(x), ember.tensor(i), k, **kw),
                   lambda i=i, k=k, kw=kw: TF.max_unpool2d(torch.tensor(x), torch.tensor(i), k, **kw))
    same_error(lambda: F.max_unpool2d(ember.tensor(x), ember.tensor(idx, dtype=ember.int32), 2),
               lambda: TF.max_unpool2d(torch.tensor(x), torch.tensor(idx, dtype=torch.int32), 2))
    same_error(lambda: F.max_unpool2d(ember.tensor(x[0, 0]), ember.tensor(idx[0, 0]), 2),
               lambda: TF.max_unpool2d(torch.tensor(x[0, 0]), torch.tensor(idx[0, 0]), 2))


def test_lp_pool():
    x = np.abs(arr(2, 3, 6, 6)) + 0.1
    for norm in (2, 3.0):
        e, t = pair("LPPool2d", norm, 2)
        check_module(e, t, x)
        e, t = pair("LPPool2d", norm, (3, 2), stride=(2, 1), ceil_mode=True)
        check_module(e, t, x)
    e, t = pair("LPPool1d", 2, 3, stride=2)
    check_module(e, t, np.abs(arr(2, 3, 9)) + 0.1)


REPRS = ["MaxPool2d(2)", "MaxPool2d((2, 3), stride=1, padding=1, dilation=2, ceil_mode=True)",
         "MaxPool1d(3, 2, 1)",
         "MaxPool3d(2, return_indices=True)", "AvgPool1d(3)", "AvgPool2d(2, 1, 1, divisor_override=3)",
         "AvgPool3d((1, 2, 2), count_include_pad=False)", "AdaptiveAvgPool2d((None, 3))", "AdaptiveMaxPool1d(3, True)",
         "AdaptiveAvgPool1d(4)", "AdaptiveMaxPool2d(2)", "AdaptiveMaxPool3d((1, 2, 3))", "AdaptiveAvgPool3d(1)",
         "MaxUnpool2d(2)", "MaxUnpool1d(2, 1)", "MaxUnpool3d(2, padding=1)", "LPPool2d(2, 3)",
         "LPPool1d(1.5, 2, stride=1, ceil_mode=True)"]


@pytest.mark.parametrize("expr", REPRS)
def test_repr(expr):
    assert repr(eval("nn." + expr)) == repr(eval("TNN." + expr))


X4 = (1, 3, 8, 8)
ERRORS = [
    ("max_pool2d", (3,), (2,), {}), ("max_pool2d", (3, 4), (2,), {}), ("max_pool2d", X4, (3,),
                                                                       dict(padding=2)),
    ("max_pool2d", X4, (0,), {}), ("max_pool2d", X4, (2,), dict(stride=0)), ("max_pool2d", X4, (-1,), {}),
    ("max_pool2d", X4, (2,), dict(stride=-1)), ("max_pool2d", (1, 1, 1, 1), (2,), {}),
    ("max_pool2d", X4, (2,), dict(dilation=0)), ("max_pool2d", X4, ((2, 2, 2),), {}),
    ("max_pool2d", X4, ((2, 2),), dict(stride=(1, 2, 3))), ("max_pool2d", X4, (2,), dict(padding=(1, 1, 1))),
    ("max_pool2d", X4, (2,), dict(padding=-1)), ("max_pool2d", (1, 0, 4, 4), (2,), {}),
    ("max_pool1d", (3,), (2,), {}), ("max_pool1d", (2, 3, 4, 5), (2,), {}), ("max_pool1d", (1, 1, 1), (2,),
                                                                             {}),
    ("max_pool1d", (1, 3, 8), (2,), dict(padding=2)), ("max_pool1d", (1, 3, 8), (0,), {}),
    ("max_pool1d", (1, 3, 8), (2,), dict(stride=0)), ("max_pool1d", (1, 3, 8), (2,), dict(dilation=0)),
    ("max_pool1d", (1, 3, 8), ((2, 2),), {}),
    ("max_pool3d", (3, 4), (2,), {}), ("max_pool3d", (1, 1, 1, 1, 1), (2,), {}),
    ("max_pool3d", (1, 1, 4, 4, 4), (3,), dict(padding=2)),
    ("avg_pool2d", X4, (3,), dict(padding=2)), ("avg_pool2d", X4, (0,), {}), ("avg_pool2d", X4, (2,),
                                                                              dict(stride=0)),
    ("avg_pool2d", X4, ((2, 2, 2),), {}), ("avg_pool2d", X4, (2,), dict(divisor_override=0)),
    ("avg_pool2d", (1, 1, 1, 1), (2,), {}), ("avg_pool2d", X4, (2,), dict(padding=-1)),
    ("avg_pool2d", (3,), (2,), {}), ("avg_pool2d", (3, 4), (2,), {}), ("avg_pool2d", (1, 0, 4, 4), (2,), {}),
    ("avg_pool1d", (3,), (2,), {}), ("avg_pool1d", (1, 3, 8), (2,), dict(padding=2)),
    ("avg_pool1d", (1, 1, 1), (2,), {}), ("avg_pool1d", (1, 3, 8), (0,), {}),
    ("avg_pool1d", (1, 3, 8), (2,), dict(stride=0)),
    ("adaptive_avg_pool2d", (3,), (2,), {}), ("adaptive_avg_pool2d", X4, ((2, 2, 2),), {}),
    ("adaptive_avg_pool2d", X4, (-1,), {}), ("adaptive_avg_pool2d", (1, 3, 0, 4), (2,), {}),
    ("adaptive_max_pool2d", (3,), (2,), {}), ("adaptive_max_pool2d", X4, ((2, 2, 2),), {}),
    ("adaptive_max_pool2d", (1, 3, 0, 4), (2,), {}), ("adaptive_avg_pool1d", (3,), (2,), {}),
    ("adaptive_max_pool1d", (3,), (2,), {}), ("adaptive_max_pool1d", (1, 3, 4), ((2, 2),), {}),
    ("adaptive_avg_pool1d", (1, 3, 4), ((2, 2),), {}), ("adaptive_avg_pool3d", (3,), (2,), {}),
]


@pytest.mark.parametrize("name,shape,args,kw", ERRORS, ids=[f"{e[0]}-{i}" for i, e in enumerate(ERRORS)])
def test_errors(name, shape, args, kw):
    x = np.zeros(shape)
    same_error(lambda: getattr(F, name)(ember.tensor(x), *args, **kw),
               lambda: getattr(TF, name)(torch.tensor(x), *args, **kw))


def test_avgpool_other_integers_not_implemented():
    for dt in ("int32", "int16", "int8", "uint8"):
        same_error(lambda d=dt: F.avg_pool2d(ember.zeros(1, 1, 4, 4, dtype=getattr(ember, d)), 2),
                   lambda d=dt: TF.avg_pool2d(torch.zeros(1, 1, 4, 4, dtype=getattr(torch, d)), 2))


def test_adaptive_integer_not_implemented():
    x = np.zeros((1, 2, 4, 4), dtype=np.int64)
    for name in ("adaptive_max_pool2d", "adaptive_avg_pool2d"):
        same_error(lambda n=name: getattr(F, n)(ember.tensor(x), 2), lambda n=name: getattr(TF,
                                                                                            n)(torch.tensor(x), 2))


def test_functional_with_indices_variants():
    x = arr(2, 3, 8, 6)
    for name, args in (("max_pool2d_with_indices", (2,)), ("max_pool1d_with_indices", (2,)),
                       ("adaptive_max_pool2d_with_indices", ((3, 2),))):
        xin = x if "2d" in name else x[0]
        e, t = getattr(F, name)(ember.tensor(xin), *args), getattr(TF, name)(torch.tensor(xin), *args)
        np.testing.assert_array_equal(to_np(e[0]), to_np(t[0]))
        np.testing.assert_array_equal(to_np(e[1]), to_np(t[1]))


def test_empty_batch():
    for fe, ft, a in ((F.max_pool2d, TF.max_pool2d, 2), (F.avg_pool2d, TF.avg_pool2d, 2)):
        e, t = fe(ember.zeros(0, 3, 4, 4), a), ft(torch.zeros(0, 3, 4, 4), a)
        assert tuple(e.shape) == tuple(t.shape)

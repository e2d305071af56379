"""Upsample / UpsamplingNearest2d / UpsamplingBilinear2d and F.interpolate against PyTorch: every mode, sizes and
scale factors (up and down,
               fractional), align_corners, recompute_scale_factor, gradients, reprs and errors."""

from __future__ import annotations

import warnings

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


SIZES = [dict(scale_factor=2), dict(scale_factor=0.5), dict(scale_factor=(1.5, 0.75)), dict(size=(7, 3)),
         dict(size=5), dict(scale_factor=1.7, recompute_scale_factor=True), dict(scale_factor=3),
         dict(size=(1, 1)), dict(scale_factor=(2.3, 1.0))]


@pytest.mark.parametrize("kw", SIZES, ids=str)
@pytest.mark.parametrize("mode", ["nearest", "nearest-exact", "bilinear", "bicubic", "area"])
def test_interpolate_2d(mode, kw):
    x = arr(2, 3, 5, 6)
    check_fn(lambda t: F.interpolate(t, mode=mode, **kw), lambda t: TF.interpolate(t, mode=mode, **kw), x)


@pytest.mark.parametrize("kw", SIZES, ids=str)
@pytest.mark.parametrize("mode", ["bilinear", "bicubic"])
def test_interpolate_align_corners(mode, kw):
    x = arr(2, 3, 5, 6)
    check_fn(lambda t: F.interpolate(t, mode=mode, align_corners=True, **kw),
             lambda t: TF.interpolate(t, mode=mode, align_corners=True, **kw), x)


@pytest.mark.parametrize("mode", ["nearest", "nearest-exact", "linear", "area"])
@pytest.mark.parametrize("kw", [dict(scale_factor=2), dict(scale_factor=0.6), dict(size=13), dict(size=1)],
                         ids=str)
def test_interpolate_1d(mode, kw):
    check_fn(lambda t: F.interpolate(t, mode=mode, **kw), lambda t: TF.interpolate(t, mode=mode, **kw),
             arr(2, 3, 7))
    if mode == "linear":
        check_fn(lambda t: F.interpolate(t, mode=mode, align_corners=True, **kw),
                 lambda t: TF.interpolate(t, mode=mode, align_corners=True, **kw), arr(2, 3, 7))


@pytest.mark.parametrize("mode", ["nearest", "nearest-exact", "trilinear", "area"])
@pytest.mark.parametrize("kw", [dict(scale_factor=(2, 1, 0.5)), dict(size=(3, 5, 2))], ids=str)
def test_interpolate_3d(mode, kw):
    check_fn(lambda t: F.interpolate(t, mode=mode, **kw), lambda t: TF.interpolate(t, mode=mode, **kw),
             arr(1, 2, 3, 4, 5))


def test_interpolate_float32_large():
    x = arr(2, 4, 28, 28, dtype=np.float32)
    for kw in (dict(scale_factor=2, mode="bilinear"), dict(scale_factor=2), dict(size=(20, 33),
                                                                                 mode="bicubic")):
        check_fn(lambda t, kw=kw: F.interpolate(t, **kw), lambda t, kw=kw: TF.interpolate(t, **kw), x,
                 second_order=False)


def test_interpolate_uint8_nearest():
    x = RNG.integers(0, 255, (1, 3, 5, 4)).astype(np.uint8)
    for kw in (dict(scale_factor=2), dict(size=(3, 7), mode="nearest-exact")):
        e, t = F.interpolate(ember.tensor(x), **kw), TF.interpolate(torch.tensor(x), **kw)
        assert e.dtype == ember.uint8
        np.testing.assert_array_equal(to_np(e), to_np(t))


def test_grad_fn_names():
    x = ember.tensor(arr(1, 2, 3, 4), requires_grad=True)
    assert F.interpolate(x, scale_factor=2).grad_fn.name() == "UpsampleNearest2DBackward0"
    assert F.interpolate(x, scale_factor=2, mode="bilinear").grad_fn.name() == "UpsampleBilinear2DBackward0"
    assert F.interpolate(x, size=2, mode="area").grad_fn.name() == "AdaptiveAvgPool2DBackward0"


MODULES = [("Upsample", dict(scale_factor=2)), ("Upsample", dict(size=(7, 9), mode="bilinear")),
           ("Upsample", dict(scale_factor=(2, 1.5), mode="bicubic", align_corners=True)),
           ("Upsample", dict(scale_factor=1.5, mode="bilinear", recompute_scale_factor=True)),
           ("UpsamplingNearest2d", dict(scale_factor=3)), ("UpsamplingNearest2d", dict(size=(4, 9))),
           ("UpsamplingBilinear2d", dict(scale_factor=2)), ("UpsamplingBilinear2d", dict(size=7))]


@pytest.mark.parametrize("name,kw", MODULES, ids=str)
def test_modules(name, kw):
    e, t = getattr(nn, name)(**kw), getattr(TNN, name)(**kw)
    assert repr(e) == repr(t)
    check_module(e, t, arr(2, 3, 4, 5))


def test_upsample_attributes():
    e, t = nn.Upsample(scale_factor=(2, 3), mode="bilinear"), TNN.Upsample(scale_factor=(2, 3),
                                                                           mode="bilinear")
    for a in ("name", "size", "scale_factor", "mode", "align_corners", "recompute_scale_factor"):
        assert getattr(e, a) == getattr(t, a), a


def test_deprecated_upsample_functions_warn():
    x = arr(1, 2, 3, 4)
    for name, kw in (("upsample", dict(scale_factor=2)), ("upsample_nearest", dict(scale_factor=2)),
                     ("upsample_bilinear", dict(size=(5, 6)))):
        with warnings.catch_warnings(record=True) as we:
            warnings.simplefilter("always")
            e = getattr(F, name)(ember.tensor(x), **kw)
        with warnings.catch_warnings(record=True) as wt:
            warnings.simplefilter("always")
            t = getattr(TF, name)(torch.tensor(x), **kw)
        assert [str(w.message) for w in we] == [str(w.message) for w in wt]
        np.testing.assert_allclose(to_np(e), to_np(t), rtol=1e-12)


X = (1, 2, 4, 4)
ERRORS = [
    (X, dict(size=4, scale_factor=2)), (X, {}), (X, dict(scale_factor=2, align_corners=True)),
    (X, dict(scale_factor=2, mode="area", align_corners=False)), (X, dict(scale_factor=2, mode="linear")),
    (X, dict(scale_factor=2, mode="foo")), (X, dict(size=(2, 2, 2))), (X, dict(scale_factor=(2, 2, 2))),
    (X, dict(scale_factor=0.1)), (X, dict(size=0)), ((2, 3), dict(size=2)), ((1, 2, 3, 4, 5, 6), dict(size=2)),
    (X, dict(size=(2, 2), recompute_scale_factor=True)), ((1, 2, 4), dict(scale_factor=2, mode="bilinear")),
    (X, dict(scale_factor=2, mode="trilinear")), ((1, 2, 4), dict(scale_factor=2, mode="bicubic")),
    (X, dict(scale_factor=2, antialias=True)), (X, dict(scale_factor=-1.0)), (X, dict(size=(2, -1))),
    ((1, 2, 3, 4, 5), dict(scale_factor=2, mode="bilinear")),
]


@pytest.mark.parametrize("shape,kw", ERRORS, ids=[str(i) for i in range(len(ERRORS))])
def test_errors(shape, kw):
    x = np.zeros(shape)
    same_error(lambda: F.interpolate(ember.tensor(x), **kw), lambda: TF.interpolate(torch.tensor(x), **kw))


def test_long_input_not_implemented():
    x = np.zeros((1, 2, 4, 4), dtype=np.int64)
    for kw in (dict(scale_factor=2), dict(scale_factor=2, mode="bilinear"), dict(size=3, mode="area")):
        same_error(lambda kw=kw: F.interpolate(ember.tensor(x), **kw),
                   lambda kw=kw: TF.interpolate(torch.tensor(x), **kw))

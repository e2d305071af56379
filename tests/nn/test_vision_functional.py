"""pixel_shuffle / pixel_unshuffle / channel_shuffle, unfold / fold and their layers, grid_sample and affine_grid
against PyTorch: values, gradients (input and grid / theta), reprs, warnings and error messages."""

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


def arr(*shape, dtype=np.float64, low=None, high=None):
    if low is not None:
        return RNG.uniform(low, high, shape).astype(dtype)
    return RNG.standard_normal(shape).astype(dtype)


# -- shuffles -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("shape,r", [((2, 8, 3, 4), 2), ((9, 2, 3), 3), ((2, 3, 4, 2, 2), 1), ((1, 2, 18, 1,
                                                                                                2), 3)])
def test_pixel_shuffle(shape, r):
    check_fn(lambda t: F.pixel_shuffle(t, r), lambda t: TF.pixel_shuffle(t, r), arr(*shape))
    e, t = nn.PixelShuffle(r), TNN.PixelShuffle(r)
    assert repr(e) == repr(t)
    check_module(e, t, arr(*shape))


@pytest.mark.parametrize("shape,r", [((2, 3, 4, 6), 2), ((2, 6, 9), 3), ((2, 1, 3, 4, 4), 2)])
def test_pixel_unshuffle(shape, r):
    check_fn(lambda t: F.pixel_unshuffle(t, r), lambda t: TF.pixel_unshuffle(t, r), arr(*shape))
    e, t = nn.PixelUnshuffle(r), TNN.PixelUnshuffle(r)
    assert repr(e) == repr(t)
    check_module(e, t, arr(*shape))


def test_pixel_shuffle_round_trip():
    x = ember.tensor(arr(2, 12, 3, 5))
    np.testing.assert_array_equal(to_np(F.pixel_unshuffle(F.pixel_shuffle(x, 2), 2)), to_np(x))


@pytest.mark.parametrize("shape,g", [((2, 6, 3, 2), 3), ((1, 6, 4), 2), ((2, 4, 2, 3, 2), 4), ((3, 5, 2), 1)])
def test_channel_shuffle(shape, g):
    check_fn(lambda t: F.channel_shuffle(t, g), lambda t: TF.channel_shuffle(t, g), arr(*shape))
    e, t = nn.ChannelShuffle(g), TNN.ChannelShuffle(g)
    assert repr(e) == repr(t)
    check_module(e, t, arr(*shape))


def test_shuffle_grad_fn_names():
    x = ember.tensor(arr(1, 4, 2, 2), requires_grad=True)
    assert F.pixel_shuffle(x, 2).grad_fn.name() == "PixelShuffleBackward0"
    assert F.pixel_unshuffle(x, 2).grad_fn.name() == "PixelUnshuffleBackward0"
    assert F.channel_shuffle(x, 2).grad_fn.name() == "ChannelShuffleBackward0"


@pytest.mark.parametrize("fn,shape,arg", [("pixel_shuffle", (1, 3, 2, 2), 2), ("pixel_shuffle", (3, 2), 2),
                                          ("pixel_unshuffle", (1, 3, 3, 3), 2), ("pixel_unshuffle", (1, 3, 4,
                                                                                                     3), 2),
                                          ("pixel_unshuffle", (3, 2), 2), ("channel_shuffle", (1, 3, 2, 2),
                                                                           2),
                                          ("channel_shuffle", (3,), 2), ("channel_shuffle", (1, 4, 2, 2), 0),
                                          ("channel_shuffle", (2, 4), 2)])
def test_shuffle_errors(fn, shape, arg):
    x = np.zeros(shape)
    same_error(lambda: getattr(F, fn)(ember.tensor(x), arg), lambda: getattr(TF, fn)(torch.tensor(x), arg))


# -- unfold / fold --------------------------------------------------------------------------------------

UNFOLD = [dict(kernel_size=2), dict(kernel_size=(2, 3), dilation=(2, 1), padding=1, stride=(1, 2)),
          dict(kernel_size=3, padding=(0, 2), stride=2), dict(kernel_size=1)]


@pytest.mark.parametrize("kw", UNFOLD, ids=str)
def test_unfold(kw):
    for shape in ((2, 3, 6, 7), (3, 5, 5)):
        check_fn(lambda t: F.unfold(t, **kw), lambda t: TF.unfold(t, **kw), arr(*shape))
    e, t = nn.Unfold(**kw), TNN.Unfold(**kw)
    assert repr(e) == repr(t)
    check_module(e, t, arr(2, 3, 6, 7))


@pytest.mark.parametrize("size,kw", [((4, 5), dict(kernel_size=2)),
                                     ((6, 7), dict(kernel_size=(2, 3), dilation=(2, 1), padding=1, stride=(1,
                                                                                                           2))),
                                     ((5, 5), dict(kernel_size=3, padding=1, stride=2))], ids=str)
def test_fold(size, kw):
    blocks = TF.unfold(torch.zeros((1, 1) + size), **kw).shape[-1]
    k = kw["kernel_size"]
    kprod = k * k if isinstance(k, int) else k[0] * k[1]
    for shape in ((2, 3 * kprod, blocks), (3 * kprod, blocks)):
        check_fn(lambda t: F.fold(t, size, **kw), lambda t: TF.fold(t, size, **kw), arr(*shape))
    e, t = nn.Fold(size, **kw), TNN.Fold(size, **kw)
    assert repr(e) == repr(t)
    check_module(e, t, arr(2, 2 * kprod, blocks))


def test_fold_of_unfold_counts_overlaps():
    x = ember.ones(1, 1, 4, 4)
    e = F.fold(F.unfold(x, 2), (4, 4), 2)
    t = TF.fold(TF.unfold(torch.ones(1, 1, 4, 4), 2), (4, 4), 2)
    np.testing.assert_array_equal(to_np(e), to_np(t))


@pytest.mark.parametrize("fn,shape,args", [("unfold", (1, 3, 8, 8), (9,)), ("unfold", (1, 3, 4, 4), (0,)),
                                           ("fold", (1, 12, 10), ((4, 4), 2)), ("fold", (1, 13, 9), ((4, 4),
                                                                                                     2)),
                                           ("fold", (1, 12, 9), ((1, 1), 2)), ("fold", (2, 3, 4, 5), ((4, 4),
                                                                                                      2))])
def test_fold_unfold_errors(fn, shape, args):
    x = np.zeros(shape)
    same_error(lambda: getattr(F, fn)(ember.tensor(x), *args), lambda: getattr(TF, fn)(torch.tensor(x),
                                                                                       *args))


# -- grid_sample / affine_grid ---------------------------------------------------------------------------

@pytest.mark.parametrize("mode", ["bilinear", "nearest"])
@pytest.mark.parametrize("padding_mode", ["zeros", "border", "reflection"])
@pytest.mark.parametrize("align_corners", [False, True])
def test_grid_sample_2d(mode, padding_mode, align_corners):
    x = arr(2, 3, 5, 6)
    grid = arr(2, 4, 7, 2, low=-1.4, high=1.4)
    kw = dict(mode=mode, padding_mode=padding_mode, align_corners=align_corners)
    eg, tg = ember.tensor(grid, requires_grad=True), torch.tensor(grid, requires_grad=True)
    check_fn(lambda t: F.grid_sample(t, eg, **kw), lambda t: TF.grid_sample(t, tg, **kw), x, [eg], [tg],
             second_order=False)


@pytest.mark.parametrize("padding_mode", ["zeros", "border", "reflection"])
def test_grid_sample_3d(padding_mode):
    x = arr(1, 2, 3, 4, 5)
    grid = arr(1, 2, 3, 4, 3, low=-1.3, high=1.3)
    for align in (False, True):
        kw = dict(padding_mode=padding_mode, align_corners=align)
        eg, tg = ember.tensor(grid, requires_grad=True), torch.tensor(grid, requires_grad=True)
        check_fn(lambda t, kw=kw, eg=eg: F.grid_sample(t, eg, **kw), lambda t, kw=kw,
                 tg=tg: TF.grid_sample(t, tg, **kw),
                 x, [eg], [tg], second_order=False)


def test_grid_sample_far_outside_reflects_many_times():
    x = arr(1, 2, 4, 5)
    grid = arr(1, 3, 3, 2, low=-7.0, high=7.0)
    for align in (False, True):
        kw = dict(padding_mode="reflection", align_corners=align)
        eg, tg = ember.tensor(grid, requires_grad=True), torch.tensor(grid, requires_grad=True)
        check_fn(lambda t, kw=kw, eg=eg: F.grid_sample(t, eg, **kw), lambda t, kw=kw,
                 tg=tg: TF.grid_sample(t, tg, **kw),
                 x, [eg], [tg], second_order=False)


def test_grid_sample_float32_and_name():
    x = arr(2, 3, 8, 8, dtype=np.float32)
    grid = arr(2, 5, 5, 2, dtype=np.float32, low=-1, high=1)
    out = F.grid_sample(ember.tensor(x, requires_grad=True), ember.tensor(grid), align_corners=False)
    ref = TF.grid_sample(torch.tensor(x), torch.tensor(grid), align_corners=False)
    np.testing.assert_allclose(to_np(out), to_np(ref), rtol=1e-5, atol=1e-6)
    assert out.dtype == ember.float32
    assert out.grad_fn.name() == "GridSampler2DBackward0"


def test_identity_affine_grid_samples_the_input():
    x = arr(2, 3, 5, 6)
    theta = np.tile(np.array([[1.0, 0, 0], [0, 1.0, 0]]), (2, 1, 1))
    grid = F.affine_grid(ember.tensor(theta), (2, 3, 5, 6), align_corners=False)
    np.testing.assert_allclose(to_np(F.grid_sample(ember.tensor(x), grid, align_corners=False)), x,
                               atol=1e-12)


@pytest.mark.parametrize("size", [(2, 3, 4, 5), (2, 1, 1, 3), (2, 3, 1, 1), (2, 2, 6, 2)])
@pytest.mark.parametrize("align_corners", [False, True])
def test_affine_grid_2d(size, align_corners):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check_fn(lambda t: F.affine_grid(t, size, align_corners=align_corners),
                 lambda t: TF.affine_grid(t, size, align_corners=align_corners), arr(2, 2, 3))


@pytest.mark.parametrize("align_corners", [False, True])
def test_affine_grid_3d(align_corners):
    check_fn(lambda t: F.affine_grid(t, (1, 2, 3, 2, 4), align_corners=align_corners),
             lambda t: TF.affine_grid(t, (1, 2, 3, 2, 4), align_corners=align_corners), arr(1, 3, 4))


def test_align_corners_none_warns_like_pytorch():
    x, grid, theta = arr(1, 1, 3, 3), arr(1, 2, 2, 2, low=-1, high=1), arr(1, 2, 3)
    for call in (lambda lib: lib.nn.functional.grid_sample(lib.tensor(x), lib.tensor(grid)),
                 lambda lib: lib.nn.functional.affine_grid(lib.tensor(theta), (1, 1, 3, 3)),
                 lambda lib: lib.nn.functional.affine_grid(lib.tensor(theta), (1, 1, 1, 3),
                                                           align_corners=True)):
        with warnings.catch_warnings(record=True) as we:
            warnings.simplefilter("always")
            call(ember)
        with warnings.catch_warnings(record=True) as wt:
            warnings.simplefilter("always")
            call(torch)
        assert [str(w.message) for w in we] == [str(w.message) for w in wt]


GRID_ERRORS = [((1, 3, 8, 8), (1, 4, 4, 3), {}), ((1, 3, 8, 8), (2, 4, 4, 2), {}),
               ((1, 3, 8, 8), (1, 4, 4, 2), dict(mode="foo")), ((1, 3, 8, 8), (1, 4, 4, 2),
                                                                dict(padding_mode="foo")),
               ((1, 3, 8), (1, 4, 2), {}), ((1, 3, 8, 8), (1, 4, 4, 4, 3), {})]


@pytest.mark.parametrize("xs,gs,kw", GRID_ERRORS, ids=[str(i) for i in range(len(GRID_ERRORS))])
def test_grid_sample_errors(xs, gs, kw):
    x, g = np.zeros(xs), np.zeros(gs)
    same_error(lambda: F.grid_sample(ember.tensor(x), ember.tensor(g), align_corners=False, **kw),
               lambda: TF.grid_sample(torch.tensor(x), torch.tensor(g), align_corners=False, **kw))


def test_grid_sample_dtype_mismatch():
    same_error(lambda: F.grid_sample(ember.zeros(1, 1, 3, 3), ember.zeros(1, 2, 2, 2, dtype=ember.float64),
                                     align_corners=False),
               lambda: TF.grid_sample(torch.zeros(1, 1, 3, 3), torch.zeros(1, 2, 2, 2, dtype=torch.float64),
                                      align_corners=False))


@pytest.mark.parametrize("theta,size", [((1, 2, 3), (1, 3, 4)), ((1, 3, 3), (1, 3, 4, 4)), ((2, 2, 3), (1, 3,
                                                                                                        4, 4)),
                                        ((1, 2, 3), (1, 3, 4, 4, 4)), ((1, 2, 3), (1, 3, 0, 4))])
def test_affine_grid_errors(theta, size):
    t = np.zeros(theta)
    same_error(lambda: F.affine_grid(ember.tensor(t), size, align_corners=False),
               lambda: TF.affine_grid(torch.tensor(t), size, align_corners=False))


def test_affine_grid_integer_theta():
    same_error(lambda: F.affine_grid(ember.zeros(1, 2, 3, dtype=ember.int64), (1, 1, 2, 2),
                                     align_corners=False),
               lambda: TF.affine_grid(torch.zeros(1, 2, 3, dtype=torch.int64), (1, 1, 2, 2),
                                      align_corners=False))

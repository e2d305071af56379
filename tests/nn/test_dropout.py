"""Dropout layers and functions: statistics of the masks, scaling, gradients equal to mask * scale, channel
masks, alpha dropout's values and moments, p = 0 / p = 1 / eval identities, in-place forms, seeding,
warnings, reprs and errors (compared with PyTorch where observable; the random masks themselves differ)."""

from __future__ import annotations

import warnings
from functools import partial

import numpy as np
import pytest

import ember
import ember.nn as nn
import ember.nn.functional as F
from conftest import torch
from nn.helpers import err

ALPHA = 1.7580993408473766  # SELU's -lambda * alpha


def _grad_and_out(fn, x):
    t = ember.tensor(x, requires_grad=True)
    y = fn(t)
    y.backward(ember.ones_like(y))
    return y.detach().numpy(), t.grad.numpy()


@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dropout_statistics_and_gradient(p, dtype):
    ember.manual_seed(1)
    x = np.random.default_rng(0).standard_normal((200, 300)).astype(dtype)
    out, grad = _grad_and_out(lambda t: F.dropout(t, p), x)
    assert out.dtype == dtype
    kept = out != 0
    # the kept fraction is 1 - p within 5 standard deviations of a binomial
    n = x.size
    assert abs(kept.mean() - (1 - p)) < 5 * np.sqrt(p * (1 - p) / n)
    scale = 1 / (1 - p)
    np.testing.assert_allclose(out[kept], x[kept] * scale, rtol=1e-6)
    np.testing.assert_allclose(grad, kept * np.asarray(scale, dtype), rtol=1e-6)
    # E[dropout(x)] = x: the mean over many elements of ones
    ones = F.dropout(ember.ones(100000, dtype=ember.float64), p)
    assert abs(ones.mean().item() - 1) < 5 * np.sqrt(p / (1 - p) / 100000)


def test_dropout_grad_matches_mask_in_double_backward():
    x = ember.randn(50, 40, dtype=ember.float64, requires_grad=True)
    y = F.dropout(x, 0.3)
    mask = (y.detach() != 0).double() / 0.7
    (g,) = ember.autograd.grad(y, x, ember.ones_like(y), create_graph=True)
    np.testing.assert_allclose(g.detach().numpy(), mask.numpy())
    assert y.grad_fn.name() == "MulBackward0"


def test_seeding_reproduces_masks():
    x = ember.ones(64, 64)
    ember.manual_seed(123)
    a = [F.dropout(x, 0.5), F.dropout2d(ember.ones(4, 8, 3, 3), 0.5), F.alpha_dropout(x, 0.3, True)]
    ember.manual_seed(123)
    b = [F.dropout(x, 0.5), F.dropout2d(ember.ones(4, 8, 3, 3), 0.5), F.alpha_dropout(x, 0.3, True)]
    for u, v in zip(a, b):
        np.testing.assert_array_equal(u.numpy(), v.numpy())
    assert not np.array_equal(F.dropout(x, 0.5).numpy(), a[0].numpy())


@pytest.mark.parametrize("fn,shape", [(F.dropout1d, (8, 20, 5)), (F.dropout1d, (20, 5)),
                                      (F.dropout2d, (8, 20, 3, 3)), (F.dropout3d, (4, 20, 2, 2, 2)),
                                      (F.dropout3d, (20, 2, 2, 2))])
def test_channel_dropout(fn, shape):
    x = np.random.default_rng(1).random(shape) + 1.0
    out, grad = _grad_and_out(lambda t: fn(t, 0.4), x)
    batched = len(shape) in (3, 4, 5) and not (fn is F.dropout1d and len(shape) == 2) and not (
        fn is F.dropout3d and len(shape) == 4)
    lead = 2 if batched else 1
    per_channel = out.reshape(shape[:lead] + (-1,))
    zero = (per_channel == 0).all(axis=-1)
    kept = (per_channel != 0).all(axis=-1)
    assert (zero | kept).all(), "a channel is either dropped or kept whole"
    assert 0 < zero.mean() < 1
    np.testing.assert_allclose(grad.reshape(per_channel.shape), kept[..., None] / 0.6 * np.ones_like(per_channel))
    np.testing.assert_allclose(out.reshape(per_channel.shape)[kept], (x.reshape(per_channel.shape) / 0.6)[kept])


def test_dropout2d_three_dims_is_channelwise_with_warning():
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        out = F.dropout2d(ember.ones(6, 30, 4), 0.5)
    assert "assuming that channel-wise 1D dropout" in str(rec[-1].message)
    per = out.numpy()
    assert ((per == 0).all(-1) | (per != 0).all(-1)).all()


def _warnings(fn):
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        try:
            fn()
        except Exception as e:  # compared separately
            return [type(e).__name__, str(e)]
    return [str(r.message) for r in rec]


@pytest.mark.parametrize("name,nd", [("dropout1d", 1), ("dropout1d", 4), ("dropout2d", 2), ("dropout2d", 3),
                                     ("dropout2d", 5), ("dropout3d", 3), ("dropout3d", 6), ("dropout2d", 1),
                                     ("feature_alpha_dropout", 1)])
def test_dimension_warnings_and_errors(name, nd):
    shape = (2,) * nd
    e = _warnings(lambda: getattr(F, name)(ember.ones(*shape), 0.5, True))
    t = _warnings(lambda: getattr(torch.nn.functional, name)(torch.ones(*shape), 0.5, True))
    assert e == t


@pytest.mark.parametrize("name", ["dropout", "alpha_dropout", "feature_alpha_dropout", "dropout1d", "dropout2d",
                                  "dropout3d"])
def test_edge_probabilities(name):
    shape = (4, 3, 4) if name == "dropout1d" else (4, 3, 2, 2)
    x = np.random.default_rng(2).standard_normal(shape)
    for L in (ember, torch):
        f = getattr(L.nn.functional, name)
        t = L.tensor(x, requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            y0 = f(t, 0.0, True)
            ye = f(t, 0.5, False)
            y1 = f(t, 1.0, True)
        if name != "dropout3d":  # dropout3d of 4-D input goes through a batch of one (unsqueeze/squeeze)
            assert y0 is t and ye is t
        np.testing.assert_array_equal(y0.detach().numpy(), x)
        np.testing.assert_array_equal(ye.detach().numpy(), x)
        np.testing.assert_array_equal(y1.detach().numpy(), np.zeros(shape))
        assert y1.grad_fn.name() == ("SqueezeBackward1" if name == "dropout3d" else "MulBackward0")
        (g,) = L.autograd.grad(y1.sum(), t)
        np.testing.assert_array_equal(g.numpy(), np.zeros(shape))


@pytest.mark.parametrize("p", [-0.1, 1.5])
def test_invalid_probability(p):
    for name in ["dropout", "alpha_dropout", "feature_alpha_dropout", "dropout1d", "dropout2d", "dropout3d"]:
        e, t = getattr(F, name), getattr(torch.nn.functional, name)
        assert err(partial(e, ember.ones(2, 2, 2), p)) == err(partial(t, torch.ones(2, 2, 2), p))
    for name in ["Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout", "FeatureAlphaDropout"]:
        e, t = getattr(nn, name), getattr(torch.nn, name)
        assert err(partial(e, p)) == err(partial(t, p))


@pytest.mark.parametrize("p", [0.2, 0.5])
def test_alpha_dropout_values_and_moments(p):
    ember.manual_seed(3)
    x = np.random.default_rng(3).standard_normal((300, 300))
    out, grad = _grad_and_out(lambda t: F.alpha_dropout(t, p, True), x)
    a = 1 / np.sqrt((ALPHA ** 2 * p + 1) * (1 - p))
    kept_val = a * x + ALPHA * a * p
    dropped_val = ALPHA * a * (p - 1)
    kept = np.isclose(out, kept_val, rtol=1e-12, atol=1e-12)
    dropped = np.isclose(out, dropped_val, rtol=1e-12, atol=1e-12)
    assert (kept | dropped).all()
    assert abs(dropped.mean() - p) < 5 * np.sqrt(p * (1 - p) / x.size)
    np.testing.assert_allclose(grad, kept * a)
    # zero mean and unit variance are preserved for standard normal input
    assert abs(out.mean()) < 0.02 and abs(out.std() - 1) < 0.02
    assert F.alpha_dropout(ember.tensor(x, requires_grad=True), p, True).grad_fn.name() == "AddBackward0"


def test_feature_alpha_dropout_channels():
    x = np.random.default_rng(4).standard_normal((10, 40, 6))
    out, grad = _grad_and_out(lambda t: F.feature_alpha_dropout(t, 0.3, True), x)
    p = 0.3
    a = 1 / np.sqrt((ALPHA ** 2 * p + 1) * (1 - p))
    dropped = np.isclose(out, ALPHA * a * (p - 1)).all(-1)
    kept = np.isclose(out, a * x + ALPHA * a * p).all(-1)
    assert (dropped ^ kept).all() and 0 < dropped.mean() < 1
    np.testing.assert_allclose(grad, np.broadcast_to(kept[..., None] * a, x.shape))


def test_inplace_forms():
    for name, shape in [("dropout", (20, 30)), ("dropout2d", (4, 10, 3, 3)), ("dropout1d", (10, 6)),
                        ("alpha_dropout", (20, 30)), ("feature_alpha_dropout", (4, 10, 3))]:
        x = ember.randn(*shape) + 5.0
        kw = {"training": True} if "alpha" in name else {}
        y = getattr(F, name)(x, 0.5, inplace=True, **kw)
        assert y is x
        assert (x.numpy() != (ember.randn(*shape) + 5).numpy()).any()
    # in place on a non-leaf: the gradient flows through the mask
    leaf = ember.randn(30, 40, dtype=ember.float64, requires_grad=True)
    h = leaf * 1.0
    v = h._vc[0]
    out = F.dropout(h, 0.25, inplace=True)
    assert out is h and h._vc[0] == v + 1
    out.sum().backward()
    np.testing.assert_allclose(leaf.grad.numpy(), (out.detach().numpy() != 0) / 0.75)


def test_modules_train_eval_and_repr():
    for name in ["Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout", "FeatureAlphaDropout"]:
        for kw in ({}, {"p": 0.2, "inplace": True}):
            e_mod, t_mod = getattr(nn, name)(**kw), getattr(torch.nn, name)(**kw)
            assert repr(e_mod) == repr(t_mod)
            x = ember.randn(4, 6, 2, 2, 2) if name == "Dropout3d" else ember.randn(4, 6, 5)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                e_mod.eval()
                assert e_mod(x) is x
                e_mod.train()
                y = e_mod(x.clone())
            assert (y.numpy() != x.numpy()).any()
    assert nn.Dropout().p == 0.5 and nn.Dropout().inplace is False


@pytest.mark.parametrize("fn", [lambda L: L.nn.functional.dropout(L.ones(3, dtype=L.int64), 0.5),
                                lambda L: L.nn.functional.dropout(L.ones(3, dtype=L.int64), 0.5, False),
                                lambda L: L.nn.functional.dropout(L.ones(3, dtype=L.int32), 1.0),
                                lambda L: L.nn.functional.alpha_dropout(L.ones(3, dtype=L.int64), 0.5, True),
                                lambda L: L.nn.functional.dropout1d(L.ones(3, 3, 1, dtype=L.uint8), 0.5)])
def test_integer_input(fn):
    """Integer tensors pass through p = 0, p = 1 and eval; the scaled mask cannot be written into them."""
    e, t = err(lambda: fn(ember)), err(lambda: fn(torch))
    assert e == t
    if t is None:
        np.testing.assert_array_equal(fn(ember).numpy(), fn(torch).numpy())


def test_empty_input():
    for L in (ember, torch):
        x = L.zeros(0, 3)
        assert L.nn.functional.dropout(x, 0.5) is x
        assert L.nn.functional.alpha_dropout(x, 0.5, True) is x

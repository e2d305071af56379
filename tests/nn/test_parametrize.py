"""nn.utils.parametrize, parametrizations.weight_norm/spectral_norm and the hook-based weight_norm /
spectral_norm, against PyTorch with the same weights."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import ember
import ember.nn as nn
from conftest import torch
from nn.helpers import copy_weights, pair

P = nn.utils.parametrize
RNG = np.random.default_rng(0)


def _np(t):
    return t.detach().numpy()


def _layers(lib, kind):
    if kind == "linear":
        return lib.nn.Linear(5, 4), RNG.standard_normal((3, 5)).astype(np.float32)
    if kind == "conv":
        return lib.nn.Conv2d(2, 3, 3), RNG.standard_normal((2, 2, 5, 5)).astype(np.float32)
    return lib.nn.ConvTranspose2d(2, 3, 3), RNG.standard_normal((2, 2, 4, 4)).astype(np.float32)


def _both(kind):
    e_mod, x = _layers(ember, kind)
    t_mod, _ = _layers(torch, kind)
    copy_weights(e_mod, t_mod)
    return e_mod, t_mod, x


def _check_step(e_mod, t_mod, x, atol=1e-5):
    """Same output, input gradient and gradients of every parameter (the originals)."""
    ex, tx = pair(x, requires_grad=True)
    eo, to = e_mod(ex), t_mod(tx)
    np.testing.assert_allclose(_np(eo), _np(to), rtol=1e-4, atol=atol)
    g = RNG.standard_normal(tuple(to.shape)).astype(np.float32)
    eo.backward(ember.tensor(g))
    to.backward(torch.tensor(g))
    np.testing.assert_allclose(_np(ex.grad), _np(tx.grad), rtol=1e-4, atol=atol)
    ep, tp = dict(e_mod.named_parameters()), dict(t_mod.named_parameters())
    assert list(ep) == list(tp)
    for k in tp:
        np.testing.assert_allclose(_np(ep[k].grad), _np(tp[k].grad), rtol=1e-4, atol=atol, err_msg=k)


def _check_state(e_mod, t_mod):
    es, ts = e_mod.state_dict(), t_mod.state_dict()
    assert list(es) == list(ts)
    for k in ts:
        np.testing.assert_allclose(_np(es[k]), _np(ts[k]), rtol=1e-5, atol=1e-6, err_msg=k)


class Symmetric(nn.Module):
    def forward(self, x):
        return x.triu() + x.triu(1).transpose(-1, -2)


class TSymmetric(torch.nn.Module if torch else object):
    def forward(self, x):
        return x.triu() + x.triu(1).transpose(-1, -2)


def test_register_and_remove_custom():
    e = nn.Linear(4, 4)
    t = torch.nn.Linear(4, 4)
    copy_weights(e, t)
    P.register_parametrization(e, "weight", Symmetric())
    torch.nn.utils.parametrize.register_parametrization(t, "weight", TSymmetric())
    assert P.is_parametrized(e) and P.is_parametrized(e, "weight") and not P.is_parametrized(e, "bias")
    assert type(e).__name__ == "ParametrizedLinear"
    assert P.type_before_parametrizations(e) is nn.Linear
    assert isinstance(e, nn.Linear)
    _check_state(e, t)
    assert list(e.state_dict()) == ["bias", "parametrizations.weight.original"]
    w = _np(e.weight)
    np.testing.assert_allclose(w, w.T)
    _check_step(e, t, RNG.standard_normal((2, 4)).astype(np.float32))
    P.remove_parametrizations(e, "weight")
    torch.nn.utils.parametrize.remove_parametrizations(t, "weight")
    assert type(e) is nn.Linear and not P.is_parametrized(e)
    assert isinstance(e.weight, nn.Parameter)
    _check_state(e, t)


def test_remove_leave_unparametrized_and_buffer():
    e = nn.Linear(3, 3)
    orig = _np(e.weight).copy()
    P.register_parametrization(e, "weight", Symmetric())
    P.remove_parametrizations(e, "weight", leave_parametrized=False)
    np.testing.assert_array_equal(_np(e.weight), orig)
    m = nn.BatchNorm1d(3)
    P.register_parametrization(m, "running_var", Symmetric(), unsafe=True)
    assert "parametrizations.running_var.original" in m.state_dict()
    assert not isinstance(m.parametrizations.running_var.original, nn.Parameter)


def test_errors():
    e = nn.Linear(3, 3)
    with pytest.raises(ValueError, match="does not have a parameter, a buffer, or a parametrized element"):
        P.register_parametrization(e, "nope", Symmetric())
    with pytest.raises(ValueError, match="does not have a parametrization on weight"):
        P.remove_parametrizations(e, "weight")

    class Shrink(nn.Module):
        def forward(self, x):
            return x[:1]
    with pytest.raises(ValueError, match="may not change the shape"):
        P.register_parametrization(e, "weight", Shrink())
    P.register_parametrization(e, "weight", Symmetric())
    with pytest.raises(RuntimeError, match="does not implement right_inverse"):
        e.weight = ember.zeros(3, 3)


def test_right_inverse_and_chain():
    class Scale(nn.Module):
        def forward(self, x):
            return 2 * x

        def right_inverse(self, x):
            return x / 2

    e = nn.Linear(3, 3)
    w = _np(e.weight).copy()
    P.register_parametrization(e, "weight", Scale())
    np.testing.assert_allclose(_np(e.parametrizations.weight.original), w / 2, rtol=1e-6)
    np.testing.assert_allclose(_np(e.weight), w, rtol=1e-6)
    P.register_parametrization(e, "weight", Scale())
    np.testing.assert_allclose(_np(e.weight), 2 * w, rtol=1e-6)
    e.weight = ember.ones(3, 3)
    np.testing.assert_allclose(_np(e.parametrizations.weight.original), np.full((3, 3), 0.25))
    assert len(e.parametrizations.weight) == 2


def test_cached():
    calls = []

    class Count(nn.Module):
        def forward(self, x):
            calls.append(1)
            return x

    e = nn.Linear(3, 3)
    P.register_parametrization(e, "weight", Count())
    calls.clear()
    with P.cached():
        a, b = e.weight, e.weight
        assert a is b
    assert len(calls) == 1
    e.weight  # noqa: B018 -- recomputed outside the context
    assert len(calls) == 2


@pytest.mark.parametrize("kind", ["linear", "conv"])
@pytest.mark.parametrize("dim", [0, 1, None, -2])
def test_weight_norm_parametrization(kind, dim):
    e, t, x = _both(kind)
    nn.utils.parametrizations.weight_norm(e, dim=dim)
    torch.nn.utils.parametrizations.weight_norm(t, dim=dim)
    assert "parametrizations.weight.original0" in e.state_dict()
    _check_state(e, t)
    _check_step(e, t, x)
    P.remove_parametrizations(e, "weight")
    torch.nn.utils.parametrize.remove_parametrizations(t, "weight")
    _check_state(e, t)


def test_weight_norm_loads_old_keys():
    e = nn.Linear(4, 3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        old = nn.utils.weight_norm(nn.Linear(4, 3))
    nn.utils.parametrizations.weight_norm(e)
    e.load_state_dict(old.state_dict())
    np.testing.assert_allclose(_np(e.weight), _np(old.weight), rtol=1e-6)


@pytest.mark.parametrize("kind", ["linear", "conv", "convT"])
@pytest.mark.parametrize("dim", [None, 1])
def test_spectral_norm_parametrization(kind, dim):
    e, t, x = _both(kind)
    nn.utils.parametrizations.spectral_norm(e, n_power_iterations=2, dim=dim)
    torch.nn.utils.parametrizations.spectral_norm(t, n_power_iterations=2, dim=dim)
    assert list(e.state_dict()) == list(t.state_dict())
    assert "parametrizations.weight.0._u" in e.state_dict()
    # u's random start differs: use PyTorch's
    e.load_state_dict({k: torch_to_ember(v) for k, v in t.state_dict().items()})
    _check_step(e, t, x)
    _check_state(e, t)  # the buffers advanced identically
    e.eval()
    t.eval()
    u = _np(e.parametrizations.weight[0]._u).copy()
    _check_step(e, t, x)
    np.testing.assert_array_equal(_np(e.parametrizations.weight[0]._u), u)
    _check_state(e, t)


def test_spectral_norm_sigma_and_errors():
    e = nn.Linear(6, 5)
    nn.utils.parametrizations.spectral_norm(e, n_power_iterations=30)
    assert abs(np.linalg.svd(_np(e.weight), compute_uv=False)[0] - 1) < 1e-3
    with pytest.raises(ValueError, match="n_power_iterations to be positive"):
        nn.utils.parametrizations.spectral_norm(nn.Linear(2, 2), n_power_iterations=0)
    with pytest.raises(IndexError, match="Dimension out of range"):
        nn.utils.parametrizations.spectral_norm(nn.Linear(2, 2), dim=2)
    with pytest.raises(ValueError, match="has no parameter or buffer with name 'w'"):
        nn.utils.parametrizations.spectral_norm(nn.Linear(2, 2), name="w")


def torch_to_ember(v):
    return ember.tensor(v.detach().numpy().copy())


@pytest.mark.parametrize("dim", [0, None])
def test_old_weight_norm(dim):
    e, t, x = _both("conv")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        nn.utils.weight_norm(e, dim=dim)
        torch.nn.utils.weight_norm(t, dim=dim)
    assert list(e.state_dict()) == ["bias", "weight_g", "weight_v"]
    _check_state(e, t)
    _check_step(e, t, x)
    with pytest.raises(RuntimeError, match="Cannot register two weight_norm hooks"), \
            warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        nn.utils.weight_norm(e, dim=dim)
    nn.utils.remove_weight_norm(e)
    torch.nn.utils.remove_weight_norm(t)
    _check_state(e, t)
    with pytest.raises(ValueError, match="weight_norm of 'weight' not found in"):
        nn.utils.remove_weight_norm(e)


@pytest.mark.parametrize("kind", ["linear", "convT"])
def test_old_spectral_norm(kind):
    e, t, x = _both(kind)
    nn.utils.spectral_norm(e)
    torch.nn.utils.spectral_norm(t)
    assert list(e.state_dict()) == list(t.state_dict()) == ["bias", "weight_orig", "weight_u", "weight_v"]
    e.load_state_dict({k: torch_to_ember(v) for k, v in t.state_dict().items()})
    _check_step(e, t, x)
    _check_state(e, t)
    e.eval()
    t.eval()
    _check_step(e, t, x)
    _check_state(e, t)
    nn.utils.remove_spectral_norm(e)
    torch.nn.utils.remove_spectral_norm(t)
    _check_state(e, t)
    with pytest.raises(ValueError, match="spectral_norm of 'weight' not found in"):
        nn.utils.remove_spectral_norm(e)

"""nn.utils: clip_grad_norm_, clip_grad_value_, get_total_norm, parameters_to_vector, vector_to_parameters."""

from __future__ import annotations

import math

import numpy as np
import pytest

import ember
import ember.nn as nn
from conftest import torch
from nn.helpers import err

RNG = np.random.default_rng(0)


def params_with_grads(lib, arrays, grads):
    ps = []
    for a, g in zip(arrays, grads):
        p = lib.nn.Parameter(lib.tensor(a))
        if g is not None:
            p.grad = lib.tensor(g)
        ps.append(p)
    return ps


def _data(dtype=np.float32, with_none=True):
    shapes = [(3, 4), (5,), (2, 2, 2)]
    arrays = [RNG.standard_normal(s).astype(dtype) for s in shapes]
    grads = [RNG.standard_normal(s).astype(dtype) * 3 for s in shapes]
    if with_none:
        arrays.append(np.zeros(2, dtype))
        grads.append(None)
    return arrays, grads


@pytest.mark.parametrize("norm_type", [2.0, 1.0, math.inf, 0.5, 3, -math.inf, 0])
@pytest.mark.parametrize("max_norm", [0.5, 1e6])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_clip_grad_norm_matches(norm_type, max_norm, dtype):
    arrays, grads = _data(dtype)
    pe, pt = params_with_grads(ember, arrays, grads), params_with_grads(torch, arrays, grads)
    te = nn.utils.clip_grad_norm_(pe, max_norm, norm_type)
    tt = torch.nn.utils.clip_grad_norm_(pt, max_norm, norm_type)
    assert isinstance(te, ember.Tensor) and te.dim() == 0 and str(te.dtype) == str(tt.dtype)
    np.testing.assert_allclose(te.item(), tt.item(), rtol=1e-5)
    for a, b in zip(pe, pt):
        assert (a.grad is None) == (b.grad is None)
        if a.grad is not None:
            np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-5, atol=1e-7)


def test_clip_grad_norm_single_tensor_generator_and_empty():
    p = nn.Parameter(ember.ones(4))
    p.grad = ember.full((4,), 2.0)
    total = nn.utils.clip_grad_norm_(p, 1.0)
    assert total.item() == pytest.approx(4.0)
    assert np.allclose(p.grad.numpy(), 0.5, rtol=1e-5)
    m = nn.Linear(2, 2)
    assert nn.utils.clip_grad_norm_(m.parameters(), 1.0).item() == 0.0  # no grads yet
    with pytest.warns(UserWarning, match="`parameters` is an empty generator, no gradient clipping"):
        nn.utils.clip_grad_norm_((q for q in []), 1.0)
    grad = p.grad
    nn.utils.clip_grad_norm_([p], 100.0)
    assert p.grad is grad  # clipped in place


@pytest.mark.parametrize("bad", [math.inf, math.nan])
def test_clip_grad_norm_nonfinite(bad):
    def run(lib):
        p = lib.nn.Parameter(lib.ones(3))
        p.grad = lib.tensor([1.0, bad, 2.0])
        return err(lambda: lib.nn.utils.clip_grad_norm_([p], 1.0, error_if_nonfinite=True))
    assert run(ember) == run(torch) is not None
    p = nn.Parameter(ember.ones(3))
    p.grad = ember.tensor([1.0, bad, 2.0])
    total = nn.utils.clip_grad_norm_([p], 1.0)
    assert not math.isfinite(total.item())


def test_get_total_norm_and_clip_grads_with_norm():
    arrays, grads = _data(with_none=False)
    ge = [ember.tensor(g) for g in grads]
    gt = [torch.tensor(g) for g in grads]
    for nt in (2.0, 1.0, math.inf):
        np.testing.assert_allclose(nn.utils.get_total_norm(ge, nt).item(),
                                   torch.nn.utils.get_total_norm(gt, nt).item(), rtol=1e-6)
    pe, pt = params_with_grads(ember, arrays, grads), params_with_grads(torch, arrays, grads)
    nn.utils.clip_grads_with_norm_(pe, 1.0, ember.tensor(10.0))
    torch.nn.utils.clip_grads_with_norm_(pt, 1.0, torch.tensor(10.0))
    for a, b in zip(pe, pt):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-6)


def test_clip_grad_norm_deprecated_alias():
    p = nn.Parameter(ember.ones(2))
    p.grad = ember.ones(2)
    with pytest.warns(FutureWarning):
        nn.utils.clip_grad_norm([p], 1.0)


@pytest.mark.parametrize("clip", [0.1, 1.0, 10])
def test_clip_grad_value_matches(clip):
    arrays, grads = _data()
    pe, pt = params_with_grads(ember, arrays, grads), params_with_grads(torch, arrays, grads)
    before = [p.grad for p in pe]
    assert nn.utils.clip_grad_value_(pe, clip) is None
    torch.nn.utils.clip_grad_value_(pt, clip)
    for a, b, g in zip(pe, pt, before):
        assert a.grad is g
        if a.grad is not None:
            np.testing.assert_array_equal(a.grad.numpy(), b.grad.numpy())
    single = nn.Parameter(ember.ones(2))
    single.grad = ember.tensor([5.0, -5.0])
    nn.utils.clip_grad_value_(single, 1.0)
    assert single.grad.tolist() == [1.0, -1.0]


def test_parameters_to_vector_and_back():
    e = nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 2))
    vec = nn.utils.parameters_to_vector(e.parameters())
    expected = np.concatenate([p.detach().numpy().ravel() for p in e.parameters()])
    np.testing.assert_array_equal(vec.detach().numpy(), expected)
    assert vec.requires_grad and vec.grad_fn.name() == "CatBackward0"
    weights = ember.arange(len(expected), dtype=ember.float32)
    (vec * weights).sum().backward()
    offset = 0
    for p in e.parameters():
        n = p.numel()
        np.testing.assert_array_equal(p.grad.numpy().ravel(), weights.numpy()[offset:offset + n])
        offset += n
    new = ember.arange(len(expected), dtype=ember.float32)
    nn.utils.vector_to_parameters(new, e.parameters())
    np.testing.assert_array_equal(nn.utils.parameters_to_vector(e.parameters()).detach().numpy(), new.numpy())
    first = next(e.parameters())
    assert type(first) is nn.Parameter and first.requires_grad
    assert err(lambda: nn.utils.vector_to_parameters([1.0], e.parameters())) == \
        err(lambda: torch.nn.utils.vector_to_parameters([1.0], torch.nn.Linear(1, 1).parameters()))

"""CosineSimilarity, PairwiseDistance, cosine_similarity, pairwise_distance and pdist against PyTorch:
values, gradients through both backward paths, double backward, broadcasting, near-zero vectors (eps),
dtypes, reprs and errors."""

from __future__ import annotations

import numpy as np
import pytest

import ember
import ember.nn as nn
from conftest import torch
from nn.grad_parity import check
from nn.helpers import err

RNG = np.random.default_rng(0)
DTYPES = [np.float64, np.float32]


def arr(*shape, dtype=np.float64):
    return RNG.standard_normal(shape).astype(dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("s1,s2,dim", [((3, 4, 5), (3, 4, 5), 1), ((3, 4, 5), (3, 4, 5), 0),
                                       ((3, 4, 5), (3, 4, 5), -1), ((3, 1, 5), (1, 4, 5), 2), ((6,), (6,), 0),
                                       ((2, 6), (6,), 1)])
def test_cosine_similarity(dtype, s1, s2, dim):
    check(lambda L, a, b: L.nn.functional.cosine_similarity(a, b, dim), [arr(*s1, dtype=dtype),
                                                                         arr(*s2, dtype=dtype)], (0, 1))


def test_cosine_similarity_eps():
    """Norms below eps are clamped outside autograd: the gradient is PyTorch's, huge but finite."""
    a, b = arr(3, 4), arr(3, 4)
    a[0] = 0.0
    a[1] *= 1e-9
    check(lambda L, a, b: L.nn.functional.cosine_similarity(a, b, 1, 1e-6), [a, b], (0, 1),
          tol=dict(rtol=1e-9, atol=1e-6), double=False)
    check(lambda L, a, b: L.nn.functional.cosine_similarity(a[2:], b[2:], 1, 0.5), [a, b], (0, 1))


def test_cosine_similarity_mixed_dtypes():
    a, b = np.ones((2, 3), np.int64), arr(2, 3, dtype=np.float32)
    e = ember.nn.functional.cosine_similarity(ember.tensor(a), ember.tensor(b))
    t = torch.nn.functional.cosine_similarity(torch.tensor(a), torch.tensor(b))
    assert str(e.dtype) == str(t.dtype)
    np.testing.assert_allclose(e.numpy(), t.numpy(), rtol=1e-6)
    e = ember.nn.functional.cosine_similarity(ember.tensor(b.astype(np.float64)), ember.tensor(b))
    assert e.dtype == ember.float64


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("p", [2.0, 1.0, 3.0, 0.5, float("inf"), 0.0])
@pytest.mark.parametrize("s1,s2", [((4, 5), (4, 5)), ((3, 4, 5), (5,)), ((5,), (5,)), ((2, 1, 5), (3, 5))])
@pytest.mark.parametrize("keepdim", [False, True])
def test_pairwise_distance(dtype, p, s1, s2, keepdim):
    check(lambda L, a, b: L.nn.functional.pairwise_distance(a, b, p, 1e-6, keepdim),
          [arr(*s1, dtype=dtype), arr(*s2, dtype=dtype)], (0, 1))


def test_pairwise_distance_scalars_and_ints():
    check(lambda L, a, b: L.nn.functional.pairwise_distance(a[0], b[0]), [arr(3), arr(3)], (0, 1))
    for L in (ember, torch):
        out = L.nn.functional.pairwise_distance(L.ones(3, 4, dtype=L.int64), L.zeros(3, 4, dtype=L.int64))
        assert str(out.dtype).endswith("float32")
        np.testing.assert_allclose(out.numpy(), np.full(3, 2.0), rtol=1e-5)
    e = ember.nn.functional.pairwise_distance(ember.ones(2, 3, requires_grad=True), ember.zeros(2, 3))
    assert e.grad_fn.name() == "NormBackward1"


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("p", [2.0, 1.0, 3.0, 0.5, float("inf"), 0.0])
def test_pdist(dtype, p):
    check(lambda L, a: L.nn.functional.pdist(a, p), [arr(5, 3, dtype=dtype)], (0,),
          double=False)  # PyTorch's pdist backward is not differentiable


@pytest.mark.parametrize("n", [1, 0])
def test_pdist_no_pairs(n):
    """Fewer than two rows: an empty result (PyTorch's backward of it crashes, so only ember's is run)."""
    for L in (ember, torch):
        assert tuple(L.nn.functional.pdist(L.ones(n, 3)).shape) == (0,)
    x = ember.ones(n, 3, requires_grad=True)
    ember.nn.functional.pdist(x).sum().backward()
    assert x.grad.numpy().tolist() == np.zeros((n, 3)).tolist()


def test_pdist_repeated_rows_have_zero_gradient():
    x = arr(4, 3)
    x[2] = x[0]
    check(lambda L, a: L.nn.functional.pdist(a), [x], (0,), double=False)
    out = ember.nn.functional.pdist(ember.tensor(x, requires_grad=True))
    assert out.grad_fn.name() == "PdistBackward0"


@pytest.mark.parametrize("kw", [{}, {"dim": 0, "eps": 1e-3}])
def test_cosine_similarity_module(kw):
    e, t = nn.CosineSimilarity(**kw), torch.nn.CosineSimilarity(**kw)
    assert repr(e) == repr(t)
    a, b = arr(4, 5, dtype=np.float32), arr(4, 5, dtype=np.float32)
    np.testing.assert_allclose(e(ember.tensor(a), ember.tensor(b)).numpy(),
                               t(torch.tensor(a), torch.tensor(b)).numpy(), rtol=1e-5)
    assert e.dim == t.dim and e.eps == t.eps


@pytest.mark.parametrize("kw", [{}, {"p": 1.0, "eps": 1e-3, "keepdim": True}])
def test_pairwise_distance_module(kw):
    e, t = nn.PairwiseDistance(**kw), torch.nn.PairwiseDistance(**kw)
    assert repr(e) == repr(t)
    assert (e.norm, e.eps, e.keepdim) == (t.norm, t.eps, t.keepdim)
    a, b = arr(4, 5, dtype=np.float32), arr(4, 5, dtype=np.float32)
    ye, yt = e(ember.tensor(a), ember.tensor(b)), t(torch.tensor(a), torch.tensor(b))
    assert tuple(ye.shape) == tuple(yt.shape)
    np.testing.assert_allclose(ye.numpy(), yt.numpy(), rtol=1e-5)


@pytest.mark.parametrize("fn", [
    lambda L: L.nn.functional.cosine_similarity(L.randn(3, 4), L.randn(3, 5)),
    lambda L: L.nn.functional.cosine_similarity(L.randn(3, 4), L.randn(3, 4), dim=2),
    lambda L: L.nn.functional.cosine_similarity(L.ones(3, 4, dtype=L.int64), L.ones(3, 4, dtype=L.int64)),
    lambda L: L.nn.functional.cosine_similarity(L.ones(4), L.ones(4)),
    lambda L: L.nn.functional.pairwise_distance(L.randn(3, 4), L.randn(3, 5)),
    lambda L: L.nn.functional.pdist(L.randn(4)),
    lambda L: L.nn.functional.pdist(L.randn(4, 3), p=-1),
    lambda L: L.nn.functional.pdist(L.ones(4, 3, dtype=L.int64)),
])
def test_errors(fn):
    e, t = err(lambda: fn(ember)), err(lambda: fn(torch))
    assert e == t, f"ember {e} != torch {t}"
    assert t is not None

"""Embedding, EmbeddingBag and one_hot against PyTorch: lookups, weight (and per-sample-weight) gradients
through both backward paths, double backward, padding_idx, scale_grad_by_freq, max_norm renormalisation,
bags with offsets, modules (initialisation, from_pretrained, reprs) and errors."""

from __future__ import annotations

import numpy as np
import pytest

import ember
import ember.nn as nn
import ember.nn.functional as F
from conftest import torch
from ember.ops.embedding import scatter_rows
from nn.grad_parity import check
from nn.helpers import err

RNG = np.random.default_rng(0)
DTYPES = [np.float64, np.float32]
IDX = np.array([[1, 2, 1, 7], [0, 9, 2, 2], [5, 2, 3, 1]])


def table(dtype=np.float64, rows=10, dim=4):
    return RNG.standard_normal((rows, dim)).astype(dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kw", [{}, {"padding_idx": 2}, {"padding_idx": -1}, {"padding_idx": 0},
                                {"scale_grad_by_freq": True}, {"padding_idx": 1, "scale_grad_by_freq": True}])
@pytest.mark.parametrize("index_dtype", [np.int64, np.int32])
def test_embedding(dtype, kw, index_dtype):
    idx = IDX.astype(index_dtype)
    check(lambda L, w: L.nn.functional.embedding(L.tensor(idx), w, **kw), [table(dtype)], (0,))


@pytest.mark.parametrize("idx", [np.array(3), np.array([4]), np.zeros((2, 0), np.int64),
                                 RNG.integers(0, 10, (2, 3, 4))])
def test_embedding_index_shapes(idx):
    check(lambda L, w: L.nn.functional.embedding(L.tensor(idx), w), [table()], (0,))


def test_embedding_grad_fn_and_backward_paths_agree():
    w = ember.tensor(table(), requires_grad=True)
    out = F.embedding(ember.tensor(IDX), w, padding_idx=2, scale_grad_by_freq=True)
    assert out.grad_fn.name() == "EmbeddingBackward0"
    g = ember.tensor(RNG.standard_normal(tuple(out.shape)))
    (fast,) = ember.autograd.grad(out, w, g, retain_graph=True)
    (slow,) = ember.autograd.grad(out, w, g, create_graph=True)
    np.testing.assert_allclose(fast.numpy(), slow.detach().numpy(), rtol=1e-12)


def test_scatter_rows_many_repeats():
    """Indices repeated more often than the layered writes handle fall back to np.add.at."""
    idx = np.concatenate([np.full(40, 3), RNG.integers(0, 50, 300), np.full(15, 7)])
    rows = RNG.standard_normal((idx.size, 5))
    expected = np.zeros((50, 5))
    np.add.at(expected, idx, rows)
    np.testing.assert_allclose(scatter_rows(idx, rows, 50), expected, rtol=1e-12, atol=1e-12)
    assert scatter_rows(np.zeros(0, np.int64), np.zeros((0, 5)), 4).shape == (4, 5)


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, float("inf")])
def test_max_norm_renormalises_used_rows(norm_type):
    w0 = table(np.float32) * 3
    idx = np.array([[1, 4, 1], [6, 6, 0]])
    we, wt = ember.tensor(w0.copy(), requires_grad=True), torch.tensor(w0.copy(), requires_grad=True)
    v = we._vc[0]
    ye = F.embedding(ember.tensor(idx), we, max_norm=1.5, norm_type=norm_type)
    yt = torch.nn.functional.embedding(torch.tensor(idx), wt, max_norm=1.5, norm_type=norm_type)
    np.testing.assert_allclose(we.detach().numpy(), wt.detach().numpy(), rtol=1e-6)
    np.testing.assert_allclose(ye.detach().numpy(), yt.detach().numpy(), rtol=1e-6)
    assert we._vc[0] == v + 1
    unused = [2, 3, 5, 7, 8, 9]
    np.testing.assert_array_equal(we.detach().numpy()[unused], w0[unused])
    g = RNG.standard_normal(tuple(ye.shape)).astype(np.float32)
    ye.backward(ember.tensor(g))
    yt.backward(torch.tensor(g))
    np.testing.assert_allclose(we.grad.numpy(), wt.grad.numpy(), rtol=1e-6)


def test_embedding_module():
    ember.manual_seed(0)
    big = nn.Embedding(2000, 50)
    w = big.weight.detach().numpy()
    assert abs(w.mean()) < 0.01 and abs(w.std() - 1) < 0.01
    e, t = nn.Embedding(10, 3, padding_idx=-2), torch.nn.Embedding(10, 3, padding_idx=-2)
    assert e.padding_idx == t.padding_idx == 8
    assert (e.weight.detach().numpy()[8] == 0).all()
    assert repr(e) == repr(t)
    for kw in [{}, {"max_norm": 1.0, "norm_type": 3.0, "scale_grad_by_freq": True, "sparse": True},
               {"padding_idx": 0, "max_norm": 2.0}]:
        assert repr(nn.Embedding(10, 3, **kw)) == repr(torch.nn.Embedding(10, 3, **kw))
    with ember.no_grad():
        e.weight.copy_(ember.tensor(table(np.float32, 10, 3)))
    t.load_state_dict({"weight": torch.tensor(e.weight.detach().numpy())})
    ye, yt = e(ember.tensor(IDX)), t(torch.tensor(IDX))
    np.testing.assert_allclose(ye.detach().numpy(), yt.detach().numpy())
    ye.sum().backward()
    yt.sum().backward()
    np.testing.assert_allclose(e.weight.grad.numpy(), t.weight.grad.numpy())


def test_embedding_sparse_flag_gives_the_dense_equivalent():
    w0 = table(np.float32)
    e = nn.Embedding.from_pretrained(ember.tensor(w0), freeze=False, padding_idx=2, sparse=True)
    t = torch.nn.Embedding.from_pretrained(torch.tensor(w0), freeze=False, padding_idx=2, sparse=True)
    e(ember.tensor(IDX)).sum().backward()
    t(torch.tensor(IDX)).sum().backward()
    dense = e.weight.grad.to_dense() if e.weight.grad.is_sparse else e.weight.grad
    np.testing.assert_allclose(dense.numpy(), t.weight.grad.to_dense().numpy())


def test_from_pretrained():
    w0 = table(np.float32)
    for freeze in (True, False):
        e = nn.Embedding.from_pretrained(ember.tensor(w0), freeze=freeze, padding_idx=1)
        t = torch.nn.Embedding.from_pretrained(torch.tensor(w0), freeze=freeze, padding_idx=1)
        assert e.weight.requires_grad == t.weight.requires_grad == (not freeze)
        np.testing.assert_array_equal(e.weight.detach().numpy(), w0)  # padding row kept as given
        assert repr(e) == repr(t)
        b = nn.EmbeddingBag.from_pretrained(ember.tensor(w0), freeze=freeze, mode="max")
        assert b.weight.requires_grad == (not freeze) and repr(b) == repr(
            torch.nn.EmbeddingBag.from_pretrained(torch.tensor(w0), freeze=freeze, mode="max"))


# -- embedding_bag ---------------------------------------------------------------------------------------

FLAT = np.array([1, 2, 4, 5, 4, 3, 2, 9, 1, 1])
OFFSETS = [np.array([0, 3, 3, 7]), np.array([0]), np.array([0, 5, 9])]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
@pytest.mark.parametrize("offsets", OFFSETS)
@pytest.mark.parametrize("padding_idx", [None, 4, 1])
def test_embedding_bag_offsets(dtype, mode, offsets, padding_idx):
    check(lambda L, w: L.nn.functional.embedding_bag(L.tensor(FLAT), w, L.tensor(offsets), mode=mode,
                                                     padding_idx=padding_idx),
          [table(dtype)], (0,), double=False)  # PyTorch's embedding_bag backward is not differentiable
    last = np.append(offsets, FLAT.size)
    check(lambda L, w: L.nn.functional.embedding_bag(L.tensor(FLAT), w, L.tensor(last), mode=mode,
                                                     padding_idx=padding_idx, include_last_offset=True),
          [table(dtype)], (0,), double=False)


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
@pytest.mark.parametrize("padding_idx", [None, 2])
def test_embedding_bag_2d_input(mode, padding_idx):
    check(lambda L, w: L.nn.functional.embedding_bag(L.tensor(IDX), w, mode=mode, padding_idx=padding_idx),
          [table()], (0,), double=False)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("padding_idx", [None, 4])
def test_embedding_bag_per_sample_weights(dtype, padding_idx):
    psw = RNG.standard_normal(FLAT.size).astype(dtype)
    check(lambda L, w, p: L.nn.functional.embedding_bag(L.tensor(FLAT), w, L.tensor(np.array([0, 3, 3, 7])),
                                                        mode="sum", per_sample_weights=p, padding_idx=padding_idx),
          [table(dtype), psw], (0, 1), double=False)
    check(lambda L, w, p: L.nn.functional.embedding_bag(L.tensor(IDX), w, mode="sum", per_sample_weights=p),
          [table(dtype), RNG.standard_normal((3, 4)).astype(dtype)], (0, 1), double=False)


@pytest.mark.parametrize("mode", ["sum", "mean"])
def test_embedding_bag_scale_grad_by_freq(mode):
    """Each index's gradient divided by its count in the batch, as F.embedding does. (PyTorch's CPU
    embedding_bag kernel looks the counts up at the wrong position when indices repeat, so the reference
    is the same computation through F.embedding.)"""
    w0 = table()
    g = RNG.standard_normal((3, 4))
    offsets = [0, 3, 3]
    we = ember.tensor(w0, requires_grad=True)
    F.embedding_bag(ember.tensor(FLAT), we, ember.tensor(offsets), mode=mode, scale_grad_by_freq=True,
                    padding_idx=4).backward(ember.tensor(g))
    wt = torch.tensor(w0, requires_grad=True)
    rows = torch.nn.functional.embedding(torch.tensor(FLAT), wt, padding_idx=4, scale_grad_by_freq=True)
    keep = torch.tensor(FLAT != 4, dtype=torch.float64)[:, None]
    bags = [(0, 3), (3, 3), (3, 10)]
    outs = []
    for a, b in bags:
        s = (rows[a:b] * keep[a:b]).sum(0)
        if mode == "mean":
            s = s / max(float(keep[a:b].sum()), 1.0)
        outs.append(s)
    torch.stack(outs).backward(torch.tensor(g))
    np.testing.assert_allclose(we.grad.numpy(), wt.grad.numpy(), rtol=1e-12)


def test_embedding_bag_backward_paths_agree():
    w = ember.tensor(table(), requires_grad=True)
    p = ember.tensor(RNG.standard_normal(FLAT.size), requires_grad=True)
    for mode, psw in (("sum", p), ("mean", None), ("max", None)):
        out = F.embedding_bag(ember.tensor(FLAT), w, ember.tensor([0, 3, 3, 7]), mode=mode, per_sample_weights=psw,
                              padding_idx=2)
        assert out.grad_fn.name() == "EmbeddingBagBackward0"
        g = ember.tensor(RNG.standard_normal(tuple(out.shape)))
        leaves = (w, p) if psw is not None else (w,)
        fast = ember.autograd.grad(out, leaves, g, retain_graph=True)
        slow = ember.autograd.grad(out, leaves, g, create_graph=True)
        for a, b in zip(fast, slow):
            np.testing.assert_allclose(a.numpy(), b.detach().numpy(), rtol=1e-12, atol=1e-15)


def test_embedding_bag_empty_and_padding_only_bags():
    for L in (ember, torch):
        w = L.tensor(table(), requires_grad=True)
        for mode in ("sum", "mean", "max"):
            out = L.nn.functional.embedding_bag(L.tensor([4, 4, 1]), w, L.tensor([0, 0, 2]), mode=mode,
                                                padding_idx=4)
            assert out[:2].abs().sum().item() == 0
        assert tuple(L.nn.functional.embedding_bag(L.tensor([], dtype=L.int64), w, L.tensor([0, 0])).shape) == (2, 4)
        assert tuple(L.nn.functional.embedding_bag(L.tensor([], dtype=L.int64), w,
                                                   L.tensor([], dtype=L.int64)).shape) == (0, 4)


def test_embedding_bag_max_norm():
    w0 = table(np.float32) * 3
    res = []
    for L in (ember, torch):
        w = L.tensor(w0.copy())
        out = L.nn.functional.embedding_bag(L.tensor(FLAT), w, L.tensor([0, 4]), max_norm=1.0, mode="sum")
        res.append((out.numpy(), w.numpy()))
    for a, b in zip(*res):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("kw", [{}, {"mode": "sum"}, {"mode": "max", "padding_idx": 3},
                                {"max_norm": 1.0, "norm_type": 1.0, "scale_grad_by_freq": True},
                                {"include_last_offset": True, "padding_idx": -1}])
def test_embedding_bag_module(kw):
    e, t = nn.EmbeddingBag(10, 4, **kw), torch.nn.EmbeddingBag(10, 4, **kw)
    assert repr(e) == repr(t)
    assert e.padding_idx == t.padding_idx
    with ember.no_grad():
        e.weight.copy_(ember.tensor(table(np.float32)))
    t.load_state_dict({"weight": torch.tensor(e.weight.detach().numpy())})
    offsets = [0, 3, 3, 10] if kw.get("include_last_offset") else [0, 3, 3]
    ye, yt = e(ember.tensor(FLAT), ember.tensor(offsets)), t(torch.tensor(FLAT), torch.tensor(offsets))
    np.testing.assert_allclose(ye.detach().numpy(), yt.detach().numpy(), rtol=1e-6)
    ye.sum().backward()
    yt.sum().backward()
    if not kw.get("scale_grad_by_freq"):  # see test_embedding_bag_scale_grad_by_freq
        np.testing.assert_allclose(e.weight.grad.numpy(), t.weight.grad.numpy(), rtol=1e-6)
    if kw.get("padding_idx") is not None:
        assert (nn.EmbeddingBag(10, 4, **kw).weight.detach().numpy()[e.padding_idx] == 0).all()


# -- one_hot ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("values,n", [([1, 2, 0], -1), ([[1, 4], [0, 0]], 6), (3, 5), ([], 3), ([0, 0], -1)])
def test_one_hot(values, n):
    e = F.one_hot(ember.tensor(values, dtype=ember.int64), n)
    t = torch.nn.functional.one_hot(torch.tensor(values, dtype=torch.int64), n)
    assert e.dtype == ember.int64 and tuple(e.shape) == tuple(t.shape)
    np.testing.assert_array_equal(e.numpy(), t.numpy())


# -- errors ----------------------------------------------------------------------------------------------

W = np.zeros((10, 3), np.float32)


@pytest.mark.parametrize("fn", [
    lambda L: L.nn.functional.embedding(L.tensor([1.0, 2.0]), L.tensor(W)),
    lambda L: L.nn.functional.embedding(L.tensor([1, 2], dtype=L.int16), L.tensor(W)),
    lambda L: L.nn.functional.embedding(L.tensor([1, 10]), L.tensor(W)),
    lambda L: L.nn.functional.embedding(L.tensor([1, -1]), L.tensor(W)),
    lambda L: L.nn.functional.embedding(L.tensor([1, 2]), L.zeros(10)),
    lambda L: L.nn.functional.embedding(L.tensor([1, 2]), L.tensor(W), padding_idx=10),
    lambda L: L.nn.functional.embedding(L.tensor([1, 2]), L.tensor(W), padding_idx=-11),
    lambda L: L.nn.Embedding(10, 3, padding_idx=10),
    lambda L: L.nn.Embedding(10, 3, padding_idx=-11),
    lambda L: L.nn.Embedding(10, 3, _weight=L.zeros(9, 3)),
    lambda L: L.nn.Embedding.from_pretrained(L.zeros(9)),
    lambda L: L.nn.EmbeddingBag(10, 3, padding_idx=10),
    lambda L: L.nn.functional.embedding_bag(L.tensor([1, 2]), L.tensor(W), L.tensor([1])),
    lambda L: L.nn.functional.embedding_bag(L.tensor([1, 2]), L.tensor(W), L.tensor([0, 3])),
    lambda L: L.nn.functional.embedding_bag(L.tensor([1, 2]), L.tensor(W)),
    lambda L: L.nn.functional.embedding_bag(L.tensor([1, 2]), L.tensor(W), L.tensor([[0]])),
    lambda L: L.nn.functional.embedding_bag(L.tensor([[1, 2]]), L.tensor(W), L.tensor([0])),
    lambda L: L.nn.functional.embedding_bag(L.tensor([[[1, 2]]]), L.tensor(W)),
    lambda L: L.nn.functional.embedding_bag(L.tensor([1, 2]), L.zeros(10), L.tensor([0])),
    lambda L: L.nn.functional.embedding_bag(L.tensor([1, 2]), L.tensor(W), L.tensor([0]), mode="min"),
    lambda L: L.nn.functional.embedding_bag(L.tensor([1, 2]), L.tensor(W), L.tensor([0]), mode="max",
                                            scale_grad_by_freq=True),
    lambda L: L.nn.functional.embedding_bag(L.tensor([1, 2]), L.tensor(W), L.tensor([0]), mode="max",
                                            sparse=True),
    lambda L: L.nn.functional.embedding_bag(L.tensor([1, 2]), L.tensor(W), L.tensor([0]),
                                            per_sample_weights=L.ones(2)),
    lambda L: L.nn.functional.embedding_bag(L.tensor([1, 2]), L.tensor(W), L.tensor([0]), mode="sum",
                                            per_sample_weights=L.ones(3)),
    lambda L: L.nn.functional.embedding_bag(L.tensor([1, 10]), L.tensor(W), L.tensor([0])),
    lambda L: L.nn.functional.embedding_bag(L.tensor([1, 2]), L.tensor(W), L.tensor([0]), padding_idx=10),
    lambda L: L.nn.functional.embedding_bag(L.tensor([1.0, 2.0]), L.tensor(W), L.tensor([0])),
    lambda L: L.nn.functional.one_hot(L.tensor([1, 2], dtype=L.int32)),
    lambda L: L.nn.functional.one_hot(L.tensor([1, -2])),
    lambda L: L.nn.functional.one_hot(L.tensor([1, 5]), 3),
    lambda L: L.nn.functional.one_hot(L.tensor([], dtype=L.int64)),
    lambda L: L.nn.functional.one_hot(L.tensor([1, 2]), 0),
    lambda L: L.nn.functional.one_hot(L.tensor([1, 2]), -2),
])
def test_errors(fn):
    e, t = err(lambda: fn(ember)), err(lambda: fn(torch))
    assert e == t, f"ember {e} != torch {t}"
    assert t is not None

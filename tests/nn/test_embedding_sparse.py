"""Row-sparse weight gradients of Embedding / EmbeddingBag(sparse=True) against PyTorch: layout, indices,
values, accumulation (sparse + sparse, dense + sparse), autograd.grad, SparseAdam on them."""

from __future__ import annotations

import numpy as np
import pytest

import ember
import ember.nn.functional as F
from conftest import torch

RNG = np.random.default_rng(0)
IDX = np.array([[1, 2, 1, 7], [0, 9, 2, 2]])


@pytest.mark.parametrize("padding_idx", [None, 2])
def test_embedding_sparse_grad(padding_idx):
    w0 = RNG.standard_normal((10, 3)).astype(np.float32)
    g = RNG.standard_normal((2, 4, 3)).astype(np.float32)
    we, wt = ember.tensor(w0, requires_grad=True), torch.tensor(w0, requires_grad=True)
    for step in range(2):  # the second backward accumulates sparse + sparse
        F.embedding(ember.tensor(IDX), we, padding_idx=padding_idx, sparse=True).backward(ember.tensor(g))
        torch.nn.functional.embedding(torch.tensor(IDX), wt, padding_idx=padding_idx, sparse=True).backward(
            torch.tensor(g))
        assert we.grad.is_sparse and we.grad.layout is ember.sparse_coo and str(we.grad.layout) == "torch.sparse_coo"
        e, t = (we.grad, wt.grad) if step == 0 else (we.grad.coalesce(), wt.grad.coalesce())
        np.testing.assert_array_equal(e._indices().numpy(), t._indices().numpy())
        np.testing.assert_allclose(e._values().numpy(), t._values().numpy(), rtol=1e-6)
        assert e.is_coalesced() == t.is_coalesced()
    (ge,) = ember.autograd.grad(F.embedding(ember.tensor(IDX), we, sparse=True).sum(), we)
    assert ge.is_sparse


def test_embedding_bag_sparse_grad():
    w0 = RNG.standard_normal((10, 3)).astype(np.float32)
    flat, off = np.array([1, 2, 4, 5, 4, 3, 2, 9]), np.array([0, 4])
    for mode in ("sum", "mean"):
        we, wt = ember.tensor(w0, requires_grad=True), torch.tensor(w0, requires_grad=True)
        F.embedding_bag(ember.tensor(flat), we, ember.tensor(off), mode=mode, sparse=True,
                        padding_idx=4).sum().backward()
        torch.nn.functional.embedding_bag(torch.tensor(flat), wt, torch.tensor(off), mode=mode, sparse=True,
                                          padding_idx=4).sum().backward()
        np.testing.assert_array_equal(we.grad._indices().numpy(), wt.grad._indices().numpy())
        np.testing.assert_allclose(we.grad._values().numpy(), wt.grad._values().numpy(), rtol=1e-6)


def test_dense_and_sparse_gradients_add():
    """A table used sparsely and densely (tied weights) gets a dense gradient, as in PyTorch."""
    w0 = RNG.standard_normal((10, 3)).astype(np.float32)
    res = []
    for L in (ember, torch):
        w = L.tensor(w0, requires_grad=True)
        (L.nn.functional.embedding(L.tensor(IDX), w, sparse=True).sum() + (w * 2).sum()).backward()
        res.append(w.grad.to_dense().numpy() if w.grad.is_sparse else w.grad.numpy())
    np.testing.assert_allclose(*res)


def test_sparse_adam_trains_sparse_embedding():
    e = ember.nn.Embedding(10, 3, sparse=True)
    t = torch.nn.Embedding(10, 3, sparse=True)
    t.load_state_dict({"weight": torch.tensor(e.weight.detach().numpy())})
    oe, ot = ember.optim.SparseAdam(e.parameters(), lr=0.1), torch.optim.SparseAdam(t.parameters(), lr=0.1)
    for _ in range(3):
        for opt, mod, L in ((oe, e, ember), (ot, t, torch)):
            opt.zero_grad()
            (mod(L.tensor(IDX)) ** 2).sum().backward()
            opt.step()
    np.testing.assert_allclose(e.weight.detach().numpy(), t.weight.detach().numpy(), rtol=1e-5, atol=1e-6)


def test_scale_grad_by_freq_with_sparse_errors():
    for L in (ember, torch):
        w = L.zeros(10, 3, requires_grad=True)
        out = L.nn.functional.embedding(L.tensor(IDX), w, sparse=True, scale_grad_by_freq=True).sum()
        with pytest.raises(RuntimeError, match="scale_grad_by_freq not supported with sparse gradients"):
            out.backward()

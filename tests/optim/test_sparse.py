"""Sparse COO tensors (ember.sparse_coo_tensor) and the optimizers that take row-sparse gradients
(SparseAdam, Adagrad, SGD) against PyTorch; the others' sparse-gradient errors."""

from __future__ import annotations

import numpy as np
import pytest

import ember
from conftest import torch
from ember.sparse import SparseTensor, sparse_coo_tensor
from optim.helpers import assert_state_equal, to_numpy

# PyTorch's own notice about skipped invariant checks
pytestmark = pytest.mark.filterwarnings("ignore:Sparse invariant checks are implicitly disabled")

# ember.sparse_coo_tensor once ember/__init__.py re-exports it; the module's function until then
coo = getattr(ember, "sparse_coo_tensor", sparse_coo_tensor)


def _pair(indices, values, size=None, **kw):
    sized = () if size is None else (size,)
    e = coo(indices, np.asarray(values), *sized, **kw)
    t = torch.sparse_coo_tensor(indices, torch.tensor(np.asarray(values)), *sized, **kw)
    return e, t


def _err(fn):
    try:
        fn()
    except Exception as e:  # compared across libraries
        return type(e).__name__, str(e)
    return None


# -- the tensor ---------------------------------------------------------------------------------------------

def test_metadata_matches(torch_mod):
    vals = np.arange(12, dtype=np.float32).reshape(3, 4)
    e, t = _pair([[4, 0, 4]], vals, (6, 4))
    assert isinstance(e, SparseTensor) and isinstance(e, ember.Tensor)
    assert e.is_sparse and str(e.layout) == str(t.layout) == "torch.sparse_coo"
    assert tuple(e.shape) == tuple(t.shape) and e.size() == e.shape and e.size(0) == 6
    assert (e.dim(), e.ndim, e.numel(), e.sparse_dim(), e.dense_dim(), e._nnz()) == \
        (t.dim(), t.ndim, t.numel(), t.sparse_dim(), t.dense_dim(), t._nnz())
    assert str(e.dtype) == str(t.dtype) and e.is_coalesced() == t.is_coalesced() is False
    np.testing.assert_array_equal(e._indices().numpy(), t._indices().numpy())
    np.testing.assert_array_equal(e._values().numpy(), t._values().numpy())
    np.testing.assert_array_equal(e.to_dense().numpy(), t.to_dense().numpy())
    assert repr(e) == repr(t)


def test_coalesce_sums_duplicates(torch_mod):
    rng = np.random.default_rng(0)
    idx = rng.integers(0, 5, size=(2, 12))
    vals = rng.standard_normal((12, 3))
    e, t = _pair(idx, vals, (5, 5, 3))
    ec, tc = e.coalesce(), t.coalesce()
    assert ec.is_coalesced() and ec.coalesce() is ec
    np.testing.assert_array_equal(ec.indices().numpy(), tc.indices().numpy())
    np.testing.assert_allclose(ec.values().numpy(), tc.values().numpy(), rtol=1e-14)
    np.testing.assert_allclose(e.to_dense().numpy(), t.to_dense().numpy(), rtol=1e-14)


def test_inferred_size_empty_and_single_entry(torch_mod):
    for args in [([[0, 2]], [[1.0, 2.0], [3.0, 4.0]]), ([[1]], [[5.0]]), ([[0, 3], [1, 1]], [1.0, 2.0])]:
        e, t = _pair(*args)
        assert tuple(e.shape) == tuple(t.shape) and e.is_coalesced() == t.is_coalesced()
    e = coo(np.zeros((1, 0), np.int64), np.zeros((0, 3), np.float32), (5, 3))
    t = torch.sparse_coo_tensor(torch.zeros(1, 0, dtype=torch.long), torch.zeros(0, 3), (5, 3))
    assert e.is_coalesced() and repr(e) == repr(t)


@pytest.mark.parametrize("args", [
    ([0, 2], np.ones((2, 3)), None, {}),
    ([[0, 1]], np.ones((3, 3)), (5, 3), {}),
    ([[0, 1]], np.ones((2, 4)), (5, 3), {}),
    ([[0, 1]], np.ones((2, 3)), (5,), {}),
    ([[0, 7]], np.ones((2, 3)), (5, 3), dict(check_invariants=True)),
    ([[0, -1]], np.ones((2, 3)), (5, 3), dict(check_invariants=True)),
])
def test_construction_errors(torch_mod, args):
    idx, vals, size, kw = args
    sized = () if size is None else (size,)
    assert _err(lambda: coo(idx, vals, *sized, **kw)) == \
        _err(lambda: torch.sparse_coo_tensor(idx, torch.tensor(vals), *sized, **kw))


def test_uncoalesced_accessors_and_numpy_raise(torch_mod):
    e, t = _pair([[0, 2]], np.ones((2, 3), np.float32), (5, 3))
    for name in ("indices", "values", "numpy"):
        assert _err(getattr(e, name)) == _err(getattr(t, name))


def test_dtype_conversion_keeps_the_layout(torch_mod):
    e, t = _pair([[0, 2]], np.ones((2, 3), np.float32), (5, 3))
    for conv in (lambda x: x.double(), lambda x: x.to(x.dtype), lambda x: x.cpu()):
        ce, ct = conv(e), conv(t)
        assert ce.is_sparse and str(ce.dtype) == str(ct.dtype) and tuple(ce.shape) == tuple(ct.shape)
        np.testing.assert_array_equal(to_numpy(ce), to_numpy(ct))
    assert e.to(e.dtype) is e


def test_arithmetic(torch_mod):
    rng = np.random.default_rng(1)
    a_e, a_t = _pair([[0, 2, 0]], rng.standard_normal((3, 2)), (4, 2))
    b_e, b_t = _pair([[3, 2]], rng.standard_normal((2, 2)), (4, 2))
    dense = rng.standard_normal((4, 2))
    d_e, d_t = ember.tensor(dense), torch.tensor(dense)
    pairs = [(-a_e, -a_t), (a_e * 2.5, a_t * 2.5), (3 * a_e, 3 * a_t), (a_e + b_e, a_t + b_t),
             (a_e.coalesce() + b_e.coalesce(), a_t.coalesce() + b_t.coalesce()), (d_e + a_e, d_t + a_t),
             (d_e - a_e, d_t - a_t), (a_e.clone(), a_t.clone())]
    for e, t in pairs:
        assert e.is_sparse == t.is_sparse
        if t.is_sparse:
            assert e.is_coalesced() == t.is_coalesced()
        np.testing.assert_allclose(to_numpy(e), to_numpy(t), rtol=1e-14)
    assert _err(lambda: a_e + d_e) == _err(lambda: a_t + d_t)


# -- optimizers ---------------------------------------------------------------------------------------------

def _sparse_grads(steps: int, rows: int, dim: int, dtype: str, seed: int = 0):
    """Embedding-style gradients: a few (repeated) rows per step, as nn.Embedding(sparse=True) gives."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(steps):
        idx = rng.integers(0, rows // 2, size=(1, 5))  # the upper half of the rows is never touched
        out.append((idx, rng.standard_normal((5, dim)).astype(dtype)))
    return out


def _run_sparse(name: str, kwargs: dict, dtype: str, steps: int = 20):
    rows, dim = 10, 4
    w0 = np.random.default_rng(1).standard_normal((rows, dim)).astype(dtype)
    pe = ember.tensor(w0, requires_grad=True)
    pt = torch.tensor(w0, requires_grad=True)
    oe = getattr(ember.optim, name)([pe], **kwargs)
    ot = getattr(torch.optim, name)([pt], **kwargs)
    for idx, vals in _sparse_grads(steps, rows, dim, dtype):
        # the Tensor.grad setter compares array shapes, which a sparse gradient's values do not have
        pe._grad = coo(idx, vals, (rows, dim))
        pt.grad = torch.sparse_coo_tensor(idx, torch.tensor(vals), (rows, dim))
        oe.step()
        ot.step()
        yield pe, pt, oe, ot, w0


SPARSE_GRID = [
    ("SparseAdam", dict()),
    ("SparseAdam", dict(lr=0.01, betas=(0.8, 0.9), eps=1e-6, maximize=True)),
    ("Adagrad", dict()),
    ("Adagrad", dict(lr=0.1, lr_decay=0.05, initial_accumulator_value=0.2, maximize=True)),
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.9)),
    ("SGD", dict(lr=0.05, momentum=0.5, dampening=0.2, maximize=True)),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True)),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name,kwargs", SPARSE_GRID, ids=[f"{n}-{i}" for i, (n, _) in enumerate(SPARSE_GRID)])
def test_sparse_gradient_trajectory(torch_mod, name, kwargs, dtype):
    tol = dict(rtol=1e-5, atol=1e-6) if dtype == "float32" else dict(rtol=1e-10, atol=1e-12)
    for pe, pt, oe, ot, _ in _run_sparse(name, kwargs, dtype):
        np.testing.assert_allclose(pe.detach().numpy(), pt.detach().numpy(), **tol)
        assert_state_equal(oe, ot, **tol)
    # rows no gradient touched keep their values, and (SparseAdam) their moments stay zero
    w0 = np.random.default_rng(1).standard_normal((10, 4)).astype(dtype)
    np.testing.assert_array_equal(pe.detach().numpy()[5:], w0[5:])
    if name == "SparseAdam":
        assert not oe.state[pe]["exp_avg"].numpy()[5:].any()
        assert not oe.state[pe]["exp_avg_sq"].numpy()[5:].any()
        assert oe.state[pe]["step"] == 20


def test_sparse_adam_needs_sparse_gradients_and_dense_params(torch_mod):
    for lib in (ember, torch):
        p = lib.randn(3, requires_grad=True)
        p.grad = lib.ones(3)
        with pytest.raises(RuntimeError, match="SparseAdam does not support dense gradients, please consider "
                                               "Adam instead"):
            lib.optim.SparseAdam([p]).step()
    e = _err(lambda: ember.optim.SparseAdam([coo([[0]], [1.0], (2,))]))
    t = _err(lambda: torch.optim.SparseAdam([torch.sparse_coo_tensor([[0]], [1.0], (2,))]))
    assert e == t and e[0] == "ValueError"


@pytest.mark.parametrize("name,kwargs", [("Adam", {}), ("AdamW", {}), ("Adadelta", {}), ("Adamax", {}),
                                         ("ASGD", {}), ("NAdam", {}), ("RAdam", {}), ("RMSprop", {}),
                                         ("Rprop", {}), ("Adagrad", dict(weight_decay=0.1)),
                                         ("SGD", dict(lr=0.1, weight_decay=0.1))])
def test_sparse_gradient_errors(torch_mod, name, kwargs):
    def attempt(lib):
        p = lib.randn(4, 2, requires_grad=True)
        grad = coo([[0, 3]], np.ones((2, 2), np.float32), (4, 2)) if lib is ember else \
            torch.sparse_coo_tensor([[0, 3]], torch.ones(2, 2), (4, 2))
        if lib is ember:
            p._grad = grad
        else:
            p.grad = grad
        getattr(lib.optim, name)([p], **kwargs).step()
    e, t = _err(lambda: attempt(ember)), _err(lambda: attempt(torch))
    assert e == t and e[0] == "RuntimeError"


def test_zero_grad_keeps_a_sparse_gradient_empty(torch_mod):
    p = ember.randn(4, 2, requires_grad=True)
    p._grad = coo([[0, 3]], np.ones((2, 2), np.float32), (4, 2))
    ember.optim.SparseAdam([p]).zero_grad(set_to_none=False)
    assert p.grad.is_sparse and p.grad._nnz() == 0 and not p.grad.to_dense().numpy().any()


def test_lbfgs_reads_sparse_gradients_densely():
    p = ember.zeros(3, 2, requires_grad=True)
    opt = ember.optim.LBFGS([p], max_iter=1)
    target = np.arange(6.0, dtype=np.float32).reshape(3, 2)

    def closure():
        opt.zero_grad()
        loss = ((p - ember.tensor(target)) ** 2).sum()
        loss.backward()
        p._grad = coo([[0, 1, 2]], p._grad.numpy(), (3, 2))
        return loss
    opt.step(closure)
    assert np.abs(p.detach().numpy()).sum() > 0

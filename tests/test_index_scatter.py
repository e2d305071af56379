"""The gradient of x[idx] for one integer index array (rows scattered as embedding does): repeated and
negative indices (-1 and n-1 are one row) accumulate as in PyTorch, for any row shape."""

from __future__ import annotations

import numpy as np
import pytest

import ember


@pytest.mark.parametrize("shape", [(10,), (10, 4), (10, 2, 3)])
@pytest.mark.parametrize("idx", [[1, 2, 2, -1, 9, -10, 0], [[3, 3], [-7, 3]], [], [5], list(range(10)) * 20])
def test_index_gradient_accumulates_as_pytorch(torch_mod, shape, idx):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape)
    grads = []
    for lib in (ember, torch_mod):
        t = lib.tensor(x, requires_grad=True)
        y = t[lib.tensor(idx, dtype=lib.int64)]
        y.backward(lib.tensor(np.arange(y.numel(), dtype=np.float64).reshape(tuple(y.shape))))
        grads.append(t.grad.numpy())
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-13)


@pytest.mark.parametrize("shape,dim", [((10, 4), 0), ((10, 4), 1), ((3, 5, 2), 1), ((6,), 0), ((4, 6), -1)])
@pytest.mark.parametrize("alpha", [1, 2.5])
def test_index_add_with_many_repeats_as_pytorch(torch_mod, shape, dim, alpha):
    """More repeats of an index than the row scatter's layers (np.add.at takes the rest)."""
    rng = np.random.default_rng(1)
    x = rng.standard_normal(shape)
    size = shape[dim]
    idx = np.concatenate([np.full(20, size - 1), rng.integers(0, size, 15)])
    src_shape = list(shape)
    src_shape[dim] = idx.size
    src = rng.standard_normal(src_shape)
    e = ember.tensor(x).index_add(dim, ember.tensor(idx), ember.tensor(src), alpha=alpha)
    t = torch_mod.tensor(x).index_add(dim, torch_mod.tensor(idx), torch_mod.tensor(src), alpha=alpha)
    np.testing.assert_allclose(e.numpy(), t.numpy(), rtol=1e-12, atol=1e-12)

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

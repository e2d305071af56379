"""x ** c for the exponents PyTorch's CPU kernel computes by products and roots (2, 3, -1, -2, -0.5): the
same bits as PyTorch, special values included, and gradients as PyTorch's."""

from __future__ import annotations

import numpy as np
import pytest

import ember

SPECIAL = [0.0, -0.0, 1e-30, -1e-30, 1e30, -1e30, np.inf, -np.inf, np.nan, 1.0, -1.0]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("exponent", [2, 3, -1, -2, -0.5, 2.0, 3.0])
def test_pow_forms_bit_for_bit(torch_mod, dtype, exponent):
    x = np.concatenate([SPECIAL, np.random.default_rng(0).standard_normal(4099) * 3]).astype(dtype)
    e = ember.tensor(x, requires_grad=True)
    t = torch_mod.tensor(x, requires_grad=True)
    ye, yt = e ** exponent, t ** exponent
    a, b = ye.detach().numpy(), yt.detach().numpy()
    np.testing.assert_array_equal(a, b)  # NaN where PyTorch has NaN, equal values elsewhere
    np.testing.assert_array_equal(np.signbit(a[~np.isnan(a)]), np.signbit(b[~np.isnan(b)]))
    ye.sum().backward()
    yt.sum().backward()
    finite = np.isfinite(t.grad.numpy())
    np.testing.assert_allclose(e.grad.numpy()[finite], t.grad.numpy()[finite], rtol=1e-6)

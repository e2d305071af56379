"""Whole optimisation trajectories against PyTorch: parameters and optimizer state after every step."""

from __future__ import annotations

import numpy as np
import pytest

from optim.helpers import assert_state_equal, run_both

TOL = {"float32": dict(rtol=1e-5, atol=1e-6), "float64": dict(rtol=1e-10, atol=1e-12)}

GRID = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.9)),
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01)),
    ("SGD", dict(lr=0.05, momentum=0.5, dampening=0.3, maximize=True)),
    ("Adam", dict(lr=0.01)),
    ("Adam", dict(lr=0.01, amsgrad=True, weight_decay=0.1)),
    ("Adam", dict(lr=0.01, betas=(0.8, 0.9), eps=1e-6, maximize=True)),
    ("Adam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)),
    ("AdamW", dict(lr=0.01)),
    ("AdamW", dict(lr=0.01, weight_decay=0.1, amsgrad=True)),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name,kwargs", GRID, ids=[f"{n}-{i}" for i, (n, _) in enumerate(GRID)])
def test_trajectory(torch_mod, name, kwargs, dtype):
    tol = TOL[dtype]
    for _, pe, pt, oe, ot in run_both(name, kwargs, steps=20, dtype=dtype):
        for a, b in zip(pe, pt):
            np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), **tol)
            np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), **tol)
        assert_state_equal(oe, ot, **tol)


@pytest.mark.parametrize("name,kwargs", [("SGD", dict(lr=0.1, momentum=0.9)), ("Adam", dict(lr=0.01))])
def test_param_groups(torch_mod, name, kwargs):
    groups = [dict(lr=0.3), dict(weight_decay=0.5)]
    for result in run_both(name, kwargs, steps=10, groups=groups):
        _, pe, pt, oe, _ = result
        for a, b in zip(pe, pt):
            np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-5, atol=1e-6)
    assert oe.param_groups[0]["lr"] == 0.3 and oe.param_groups[1]["lr"] == kwargs["lr"]

"""Whole optimisation trajectories against PyTorch: parameters, gradients and optimizer state after every
step, for every optimizer over a grid of its options, in float32 and float64."""

from __future__ import annotations

import numpy as np
import pytest

from ember import _parallel
from ember.backend import blas
from optim.helpers import assert_state_equal, ridge_loss, run_both

TOL = {"float32": dict(rtol=1e-5, atol=1e-6), "float64": dict(rtol=1e-10, atol=1e-12)}

GRID = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.9)),
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01)),
    ("SGD", dict(lr=0.05, momentum=0.5, dampening=0.3, maximize=True)),
    ("SGD", dict(lr=0.05, weight_decay=0.1, maximize=True)),
    ("Adam", dict(lr=0.01)),
    ("Adam", dict(lr=0.01, amsgrad=True, weight_decay=0.1)),
    ("Adam", dict(lr=0.01, betas=(0.8, 0.9), eps=1e-6, maximize=True)),
    ("Adam", dict(lr=0.01, betas=(0.3, 0.4))),
    ("Adam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)),
    ("AdamW", dict(lr=0.01)),
    ("AdamW", dict(lr=0.01, weight_decay=0.1, amsgrad=True, maximize=True)),
    ("Adadelta", dict()),
    ("Adadelta", dict(lr=0.5, rho=0.8, eps=1e-5, weight_decay=0.1, maximize=True)),
    ("Adagrad", dict()),
    ("Adagrad", dict(lr=0.1, lr_decay=0.01, weight_decay=0.1, initial_accumulator_value=0.1, eps=1e-8)),
    ("Adagrad", dict(lr=0.05, maximize=True)),
    ("Adamax", dict()),
    ("Adamax", dict(lr=0.01, betas=(0.6, 0.9), weight_decay=0.1, maximize=True)),
    ("ASGD", dict()),
    ("ASGD", dict(lr=0.05, lambd=1e-3, alpha=0.5, t0=5, weight_decay=0.1)),
    ("ASGD", dict(lr=0.05, t0=0, maximize=True)),
    ("NAdam", dict()),
    ("NAdam", dict(lr=0.01, weight_decay=0.1, momentum_decay=0.01)),
    ("NAdam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True, maximize=True)),
    ("RAdam", dict()),
    ("RAdam", dict(lr=0.01, weight_decay=0.1, betas=(0.8, 0.9))),
    ("RAdam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True, maximize=True)),
    ("RMSprop", dict()),
    ("RMSprop", dict(lr=0.01, centered=True, momentum=0.9, weight_decay=0.1)),
    ("RMSprop", dict(lr=0.01, alpha=0.9, centered=True, maximize=True)),
    ("RMSprop", dict(momentum=0.5, eps=1e-6)),
    ("Rprop", dict()),
    ("Rprop", dict(lr=0.05, etas=(0.3, 1.5), step_sizes=(1e-3, 0.1), maximize=True)),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name,kwargs", GRID, ids=[f"{n}-{i}" for i, (n, _) in enumerate(GRID)])
def test_trajectory(torch_mod, name, kwargs, dtype):
    tol = TOL[dtype]
    for _, pe, pt, oe, ot in run_both(name, kwargs, steps=25, dtype=dtype):
        for a, b in zip(pe, pt):
            np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), **tol)
            np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), **tol)
        assert_state_equal(oe, ot, **tol)


FUSED = [(i, n, k) for i, (n, k) in enumerate(GRID) if n in ("SGD", "Adam", "AdamW")]


@pytest.mark.parametrize("path", ["blas", "ufuncs"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name,kwargs", [(n, k) for _, n, k in FUSED], ids=[f"{n}-{i}" for i, n, _ in FUSED])
def test_trajectory_on_one_thread(torch_mod, monkeypatch, name, kwargs, dtype, path):
    """On one thread SGD and Adam(W) make their multiply-adds in one BLAS pass (SciPy, the `fast` extra), or
    in two NumPy passes without SciPy: the same trajectories either way."""
    monkeypatch.setattr(_parallel, "_num_threads", 1)
    if path == "ufuncs":
        monkeypatch.setattr(blas, "_blas_axpy", dict)
    assert (blas.axpy_for(np.empty(1, dtype)) is blas._two_pass) == (path == "ufuncs")
    test_trajectory(torch_mod, name, kwargs, dtype)


LBFGS_GRID = [
    ("float64", dict()),
    ("float64", dict(line_search_fn="strong_wolfe")),
    ("float64", dict(lr=0.5, max_iter=4, history_size=3)),
    ("float64", dict(max_iter=5, max_eval=7, line_search_fn="strong_wolfe", history_size=2)),
    ("float64", dict(tolerance_grad=1e-3, tolerance_change=1e-4)),
    ("float32", dict(lr=0.1, max_iter=2)),
    ("float32", dict(lr=0.05, max_iter=3, history_size=2)),
    ("float32", dict(lr=0.2, max_iter=2, line_search_fn="strong_wolfe")),
    ("float32", dict(max_iter=2, tolerance_change=1e-5, line_search_fn="strong_wolfe")),
]


@pytest.mark.parametrize("dtype,kwargs", LBFGS_GRID, ids=[f"LBFGS-{i}" for i in range(len(LBFGS_GRID))])
def test_lbfgs_trajectory(torch_mod, dtype, kwargs):
    """L-BFGS on a convex problem. In float32 its 1 / (y . s) magnifies last-bit differences between BLAS
    dot products (summation order), so parameters are compared relative to their overall scale."""
    for _, pe, pt, oe, ot in run_both("LBFGS", kwargs, steps=20, dtype=dtype, loss=ridge_loss):
        scale = max(float(np.abs(b.detach().numpy()).max()) for b in pt)
        tol = TOL[dtype] if dtype == "float64" else dict(rtol=1e-5, atol=1e-5 * scale)
        for a, b in zip(pe, pt):
            np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), **tol)
        # 'al' holds the last two-loop coefficients, some of them dot products of nearly orthogonal vectors
        state_tol = dict(rtol=1e-7, atol=1e-7) if dtype == "float64" else dict(rtol=1e-3, atol=1e-4 * scale)
        assert_state_equal(oe, ot, **state_tol)


@pytest.mark.parametrize("kwargs", [dict(max_iter=1), dict(max_iter=3, history_size=2, lr=0.5),
                                    dict(max_iter=2, history_size=3, lr=0.3),
                                    dict(max_iter=2, line_search_fn="strong_wolfe")])
def test_lbfgs_nonconvex_float64(torch_mod, kwargs):
    for _, pe, pt, oe, ot in run_both("LBFGS", kwargs, steps=20, dtype="float64"):
        for a, b in zip(pe, pt):
            np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-8, atol=1e-10)
        assert_state_equal(oe, ot, rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("name,kwargs", [("SGD", dict(lr=0.1, momentum=0.9)), ("Adam", dict(lr=0.01)),
                                         ("RMSprop", dict(lr=0.01, centered=True)),
                                         ("Adagrad", dict(lr=0.1))])
def test_param_groups(torch_mod, name, kwargs):
    groups = [dict(lr=kwargs["lr"] * 3), dict(weight_decay=0.5)]
    for _, pe, pt, oe, ot in run_both(name, kwargs, steps=10, groups=groups):
        for a, b in zip(pe, pt):
            np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-5, atol=1e-6)
        assert_state_equal(oe, ot, rtol=1e-5, atol=1e-6)
    assert oe.param_groups[0]["lr"] == kwargs["lr"] * 3 and oe.param_groups[1]["lr"] == kwargs["lr"]

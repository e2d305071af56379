"""Run the same differentiable computation in ember and PyTorch and compare values, first-order gradients
(random upstream gradient, both backward paths) and second-order gradients."""

from __future__ import annotations

import numpy as np

import ember
from conftest import torch


def _np(t):
    if t is None:
        return None
    return t.detach().numpy(force=True) if isinstance(t, torch.Tensor) else np.array(t.detach()._host())


def _close(e, t, tol, what):
    if e is None and t is None:
        return
    e = np.zeros_like(t) if e is None else e
    t = np.zeros_like(e) if t is None else t
    assert e.shape == t.shape, f"{what}: shape {e.shape} != {t.shape}"
    np.testing.assert_allclose(e.astype(np.float64), t.astype(np.float64), equal_nan=True, err_msg=what,
                               **tol)


def _tol(dtype):
    if dtype == np.float64:
        return dict(rtol=1e-9, atol=1e-11)
    return dict(rtol=2e-5, atol=2e-6)


def _run(lib, fn, inputs, grad_idx, create_graph, up_seed):
    ts = []
    for i, a in enumerate(inputs):
        if isinstance(a, np.ndarray):
            ts.append(lib.tensor(a, requires_grad=i in grad_idx))
        else:
            ts.append(a)
    out = fn(lib, *ts)
    if not isinstance(out, lib.Tensor):
        raise TypeError("fn must return one tensor")
    leaves = [ts[i] for i in grad_idx]
    if not leaves or not out.requires_grad:
        return out, None, None
    rng = np.random.default_rng(up_seed)
    up_np = rng.standard_normal(tuple(out.shape)).astype(_np(out).dtype)
    grads = lib.autograd.grad(out, leaves, lib.tensor(up_np), create_graph=create_graph, allow_unused=True)
    second = None
    if create_graph:
        total = None
        for j, g in enumerate(grads):
            if g is not None and g.requires_grad:
                v = np.random.default_rng(up_seed + 1 + j).standard_normal(tuple(g.shape))
                v = v.astype(_np(g).dtype)
                term = (g * lib.tensor(v)).sum()
                total = term if total is None else total + term
        if total is not None:
            try:
                second = lib.autograd.grad(total, leaves, allow_unused=True)
            except RuntimeError as e:  # no second derivative: both must refuse the same way
                second = ("error", str(e))
    return out, grads, second


def check(fn, inputs, grad_idx=(0,), *, double=True, dtype=None, tol=None, up_seed=7,
          check_dtype=True) -> None:
    """fn(lib, *tensors) -> tensor. Arrays in `inputs` become tensors (those at grad_idx require grad);
    other inputs pass through. Compares output, gradients with create_graph off and on, and (when
    `double`) the gradients of a random projection of the first-order gradients."""
    dtype = dtype or next((a.dtype for a in inputs if isinstance(a, np.ndarray) and a.dtype.kind == "f"),
                          np.float32)
    tol = tol or _tol(dtype)
    for create_graph in ((False, True) if double else (False,)):
        oe, ge, se = _run(ember, fn, inputs, grad_idx, create_graph, up_seed)
        ot, gt, st = _run(torch, fn, inputs, grad_idx, create_graph, up_seed)
        assert tuple(oe.shape) == tuple(ot.shape), f"output shape {tuple(oe.shape)} != {tuple(ot.shape)}"
        if check_dtype:
            assert str(oe.dtype) == str(ot.dtype), f"dtype {oe.dtype} != {ot.dtype}"
        _close(_np(oe), _np(ot), tol, "output")
        assert (ge is None) == (gt is None), f"requires_grad differs: ember {oe.requires_grad}"
        if gt is None:
            continue
        for i, (a, b) in enumerate(zip(ge, gt)):
            _close(_np(a), _np(b), tol, f"grad {i} (create_graph={create_graph})")
        if "error" in (se or (None,))[:1] + (st or (None,))[:1]:
            assert se == st, f"second order: ember {se}, torch {st}"
            continue
        if create_graph and (se is not None or st is not None):
            se = se or (None,) * len(gt)
            st = st or (None,) * len(gt)
            for i, (a, b) in enumerate(zip(se, st)):
                _close(_np(a), _np(b), tol, f"second-order grad {i}")

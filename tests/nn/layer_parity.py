"""Helpers for the conv / pooling / padding / resampling tests: run a layer (or a function) in ember and in
PyTorch on the same input and parameters, compare outputs, gradients w.r.t. the input and every parameter
(on both backward paths) and second-order gradients."""

from __future__ import annotations

import numpy as np

import ember
from conftest import torch
from nn.helpers import copy_weights, err

__all__ = ["same_module", "check_module", "check_fn", "err", "same_error", "to_np"]


def to_np(t):
    if t is None:
        return None
    if isinstance(t, torch.Tensor):
        return t.detach().numpy()
    return np.array(t.detach()._host())


def _tol(dtype):
    if dtype == np.float64:
        return dict(rtol=1e-7, atol=1e-9)
    return dict(rtol=2e-4, atol=2e-5)


def _close(e, t, tol, what):
    if t is None:
        assert e is None or not np.any(e), f"{what}: PyTorch gives no gradient, ember a non-zero one"
        return
    if e is None:
        assert not np.any(t), f"{what}: ember gives no gradient, PyTorch a non-zero one"
        return
    assert e.shape == t.shape, f"{what}: shape {e.shape} != {t.shape}"
    if t.dtype.kind in "fc":
        np.testing.assert_allclose(e.astype(np.float64), t.astype(np.float64), equal_nan=True, err_msg=what,
                                   **tol)
    else:
        assert e.dtype == t.dtype, f"{what}: dtype {e.dtype} != {t.dtype}"
        np.testing.assert_array_equal(e, t, err_msg=what)


def same_module(e_cls, t_cls, *args, dtype=np.float64, **kwargs):
    """The same layer in both libraries, PyTorch's holding ember's parameters."""
    e_mod = e_cls(*args, **kwargs)
    t_mod = t_cls(*args, **kwargs)
    if dtype == np.float64:
        e_mod = e_mod.double()
        t_mod = t_mod.double()
    copy_weights(e_mod, t_mod)
    return e_mod, t_mod


def _outputs(out):
    return list(out) if isinstance(out, (tuple, list)) else [out]


def _run(lib, fn, x, params, upstream, create_graph):
    xt = lib.tensor(x, requires_grad=x.dtype.kind == "f")
    out = fn(xt)
    outs = _outputs(out)
    leaves = ([xt] if xt.requires_grad else []) + list(params)
    first = outs[0]
    if not leaves or not first.requires_grad:
        return outs, None, None
    grads = lib.autograd.grad(first, leaves, lib.tensor(upstream), create_graph=create_graph,
                              allow_unused=True)
    second = None
    if create_graph:
        total = None
        for g in grads:
            if g is not None and g.requires_grad:
                term = (g * g).sum()
                total = term if total is None else total + term
        if total is not None:
            second = lib.autograd.grad(total, leaves, allow_unused=True)
    return outs, grads, second


def check_fn(e_fn, t_fn, x, e_params=(), t_params=(), second_order=True, tol=None, seed=0):
    """Compare fn(x) (its first output carries the gradient) in both libraries: values, first-order gradients
    on the array path and the graph path, and second-order gradients of sum(grad ** 2)."""
    x = np.asarray(x)
    tol = tol or _tol(x.dtype if x.dtype.kind == "f" else np.float64)
    t_first = _outputs(t_fn(torch.tensor(x)))[0]
    up = np.random.default_rng(seed).standard_normal(tuple(t_first.shape)).astype(to_np(t_first).dtype)
    t_outs, t_grads, t_second = _run(torch, t_fn, x, t_params, up, second_order)
    e_outs, e_grads, e_second = _run(ember, e_fn, x, e_params, up, second_order)
    assert len(e_outs) == len(t_outs)
    for i, (eo, to) in enumerate(zip(e_outs, t_outs)):
        assert tuple(eo.shape) == tuple(to.shape), f"output {i}: shape {tuple(eo.shape)} != {tuple(to.shape)}"
        assert str(eo.dtype) == str(to.dtype), f"output {i}: dtype {eo.dtype} != {to.dtype}"
        _close(to_np(eo), to_np(to), tol, f"output {i}")
    if t_grads is None:
        return e_outs, t_outs
    for i, (eg, tg) in enumerate(zip(e_grads, t_grads)):
        _close(to_np(eg), to_np(tg), tol, f"gradient {i}")
    if second_order:
        _, fast, _ = _run(ember, e_fn, x, e_params, up, False)
        for i, (eg, tg) in enumerate(zip(fast, t_grads)):
            _close(to_np(eg), to_np(tg), tol, f"gradient {i} (array path)")
        if t_second is not None:
            loose = {k: v * 10 for k, v in tol.items()}
            # PyTorch may mark a gradient as depending on inputs it does not depend on: zeros then
            for i, (eg, tg) in enumerate(zip(e_second or [None] * len(t_second), t_second)):
                _close(to_np(eg), to_np(tg), loose, f"second-order gradient {i}")
    return e_outs, t_outs


def check_module(e_mod, t_mod, x, second_order=True, tol=None, **call_kw):
    """check_fn for a pair of layers (see same_module), passing call_kw to both forwards."""
    return check_fn(lambda t: e_mod(t, **call_kw), lambda t: t_mod(t, **call_kw), x, list(e_mod.parameters()),
                    list(t_mod.parameters()), second_order, tol)


def same_error(e_fn, t_fn):
    """Both raise, with the same exception type and message."""
    t = err(t_fn)
    assert t is not None, "PyTorch raised nothing"
    e = err(e_fn)
    assert e == t, f"ember: {e}\nPyTorch: {t}"

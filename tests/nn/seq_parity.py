"""Compare a computation with nested outputs (tuples, PackedSequences) in ember and PyTorch: every output
tensor, and the gradients of a random projection of them w.r.t. the inputs and the module's parameters
(on the array path and the graph path), optionally second-order gradients."""

from __future__ import annotations

import numpy as np

import ember
from conftest import torch
from nn.helpers import copy_weights

__all__ = ["compare", "pair_modules", "flat", "np_of"]


def np_of(t):
    if t is None:
        return None
    if isinstance(t, torch.Tensor):
        return t.detach().numpy()
    return np.array(t.detach()._host())


def flat(out) -> list:
    """The tensors of a nested output, in order (PackedSequence: its data; None skipped)."""
    if out is None:
        return []
    if isinstance(out, (ember.Tensor, torch.Tensor)):
        return [out]
    if type(out).__name__ == "PackedSequence":
        return [out.data]
    res = []
    for o in out:
        res.extend(flat(o))
    return res


def pair_modules(e_cls, t_cls, *args, dtype=np.float64, **kwargs):
    """The same layer in both libraries (float64 by default), PyTorch's holding ember's parameters."""
    e_mod = e_cls(*args, **kwargs)
    t_mod = t_cls(*args, **kwargs)
    if dtype == np.float64:
        e_mod, t_mod = e_mod.double(), t_mod.double()
    copy_weights(e_mod, t_mod)
    return e_mod, t_mod


def _tol(dtype):
    if dtype == np.float64:
        return dict(rtol=1e-7, atol=1e-9)
    return dict(rtol=2e-4, atol=2e-5)


def _close(e, t, tol, what):
    if t is None or e is None:
        z = t if e is None else e
        assert z is None or not np.any(z), f"{what}: one library gives no gradient, the other a non-zero one"
        return
    assert e.shape == t.shape, f"{what}: shape {e.shape} != {t.shape}"
    np.testing.assert_allclose(e.astype(np.float64), t.astype(np.float64), equal_nan=True, err_msg=what, **tol)


def _run(lib, mod, call, arrays, grad_mask, create_graph, seed):
    leaves = [lib.tensor(a, requires_grad=g) for a, g in zip(arrays, grad_mask)]
    out = call(lib, mod, *leaves)
    outs = flat(out)
    params = [p for p in mod.parameters() if p.requires_grad] if mod is not None else []
    targets = [t for t in leaves if t.requires_grad] + params
    rng = np.random.default_rng(seed)
    loss = None
    for o in outs:
        if not o.requires_grad:
            continue
        up = rng.standard_normal(tuple(o.shape)).astype(np_of(o).dtype)
        term = (o * lib.tensor(up)).sum()
        loss = term if loss is None else loss + term
    if loss is None or not targets:
        return outs, None, None
    grads = lib.autograd.grad(loss, targets, allow_unused=True, create_graph=create_graph)
    second = None
    if create_graph:
        total = None
        for g in grads:
            if g is not None and g.requires_grad:
                term = (g * g).sum()
                total = term if total is None else total + term
        if total is not None:
            second = lib.autograd.grad(total, targets, allow_unused=True)
    return outs, grads, second


def compare(e_mod, t_mod, call, arrays, grad_mask=None, second_order=False, tol=None, seed=0):
    """call(lib, mod, *tensors) -> nested output; arrays become the tensors (requiring grad per grad_mask,
    default: the float ones). Asserts equal outputs, gradients (both backward paths) and, with
    second_order, gradients of the sum of squared first-order gradients. Returns (ember outs, torch outs)."""
    arrays = [np.asarray(a) for a in arrays]
    if grad_mask is None:
        grad_mask = [a.dtype.kind == "f" for a in arrays]
    dtype = next((a.dtype for a in arrays if a.dtype.kind == "f"), np.float64)
    tol = tol or _tol(dtype)
    t_outs, t_grads, t_second = _run(torch, t_mod, call, arrays, grad_mask, second_order, seed)
    e_outs, e_grads, e_second = _run(ember, e_mod, call, arrays, grad_mask, second_order, seed)
    assert len(e_outs) == len(t_outs), f"{len(e_outs)} outputs, PyTorch {len(t_outs)}"
    for i, (a, b) in enumerate(zip(e_outs, t_outs)):
        assert str(a.dtype) == str(b.dtype), f"output {i}: dtype {a.dtype} != {b.dtype}"
        _close(np_of(a), np_of(b), tol, f"output {i}")
    if t_grads is None:
        return e_outs, t_outs
    for i, (a, b) in enumerate(zip(e_grads, t_grads)):
        _close(np_of(a), np_of(b), tol, f"gradient {i}")
    if second_order:
        _, fast, _ = _run(ember, e_mod, call, arrays, grad_mask, False, seed)
        for i, (a, b) in enumerate(zip(fast, t_grads)):
            _close(np_of(a), np_of(b), tol, f"gradient {i} (array path)")
        if t_second is not None:
            loose = {k: v * 10 for k, v in tol.items()}
            for i, (a, b) in enumerate(zip(e_second or [None] * len(t_second), t_second)):
                _close(np_of(a), np_of(b), loose, f"second-order gradient {i}")
    return e_outs, t_outs

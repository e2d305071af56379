"""Scaled dot-product attention as one graph node.

    P = softmax(scale * Q K^T + bias),   out = (P * keep) V

over any leading batch dims (broadcast between Q, K and V), with an additive bias (the masks, already
turned into 0 / -inf or float offsets) and an optional dropout keep-mask (already scaled by 1 / (1 - p)).
`safe` makes rows whose scores are all -inf give zero probabilities (PyTorch's scaled_dot_product_attention)
instead of NaN (its MultiheadAttention weights path). With `weights`, the dropped-out probabilities are a
second, differentiable output.

Backward is the closed form:

    dV = (P * keep)^T dOut,  dP = (dOut V^T + dW) * keep,  dS = P * (dP - rowsum(dP * P)),
    dQ = scale * dS K,  dK = scale * dS^T Q,  dbias = dS

`backward_array` computes it on arrays from the saved probabilities; `backward` recomputes P from Q, K and
the bias with differentiable ops, so gradients of any order work.
"""

from __future__ import annotations

import numpy as np

from ._common import Op, Tensor
from .activation import quiet_op
from .fused import _exp_safe, _max_keep, _sum_keep, softmax

__all__: list = []

_make = Tensor._make


def _t(a):
    return np.swapaxes(a, -1, -2)


def _probs(s, safe: bool):
    """softmax of s (C-contiguous) along its last axis, in place; with `safe`, rows of -inf give 0 (and the
    mask of such rows, else None). Scores small enough skip the shift by the row max (see fused._exp_safe)."""
    if s.shape[-1] == 0:
        return s, None
    last = s.ndim - 1
    dead = None
    if _exp_safe(s, last):
        np.exp(s, out=s)
    else:
        m = _max_keep(s, last)
        if safe:
            dead = m == -np.inf
            if dead.any():
                m[dead] = 0
            else:
                dead = None
        s -= m
        np.exp(s, out=s)
    d = _sum_keep(s, last)
    if dead is not None:
        d[dead] = 1
    np.multiply(s, 1 / d, out=s)
    return s, dead


@quiet_op
class ScaledDotProductAttention(Op):
    """(q, k, v, bias or None, keep or None; scale, safe, weights) -> out[, weights]."""

    @staticmethod
    def forward(ctx, q, k, v, bias, keep, *, scale, safe=True, weights=False):
        s = np.matmul(q * q.dtype.type(scale), _t(k))
        if bias is not None:
            s += bias
        p, dead = _probs(s, safe)
        pd = p if keep is None else p * keep
        out = np.matmul(pd, v)
        ctx.scale, ctx.safe, ctx.weights = scale, safe, weights
        ctx.save_for_backward(q, k, v, bias, keep, p, dead)
        return (out, pd) if weights else out

    @staticmethod
    def backward_array(ctx, g, g_w=None):
        q, k, v, bias, keep, p, dead = (None if t is None else t._data for t in ctx.saved_tensors)
        need = ctx.needs_input_grad
        pd = p if keep is None else p * keep
        dv = np.matmul(_t(pd), g) if need[2] else None
        dp = np.matmul(g, _t(v))
        if g_w is not None:
            dp += g_w
        if keep is not None:
            dp *= keep
        ds = dp
        ds -= np.einsum("...i,...i->...", dp, p)[..., None]
        ds *= p
        scale = q.dtype.type(ctx.scale)
        dq = np.matmul(ds, k) * scale if need[0] else None
        dk = np.matmul(_t(ds), q) * scale if need[1] else None
        return dq, dk, dv, (ds if need[3] else None), None

    @staticmethod
    def backward(ctx, g, g_w=None):
        q, k, v, bias, keep, _, dead = ctx.saved_tensors
        need = ctx.needs_input_grad
        s = (q * ctx.scale).matmul(k.transpose(-2, -1))
        if bias is not None:
            s = s + bias
        if dead is not None:
            # rows with every score -inf: a finite softmax there, zeroed after (no NaN reaches the gradients)
            s = s.masked_fill(dead, 0.0)
        p = softmax(s, -1)
        if dead is not None:
            p = p.masked_fill(dead, 0.0)
        pd = p if keep is None else p * keep
        dv = pd.transpose(-2, -1).matmul(g) if need[2] else None
        dp = g.matmul(v.transpose(-2, -1))
        if g_w is not None:
            dp = dp + g_w
        if keep is not None:
            dp = dp * keep
        ds = p * (dp - (dp * p).sum(-1, keepdim=True))
        dq = ds.matmul(k) * ctx.scale if need[0] else None
        dk = ds.transpose(-2, -1).matmul(q) * ctx.scale if need[1] else None
        return dq, dk, dv, (ds if need[3] else None), None

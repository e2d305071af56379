"""Fused normalisation primitives: batch norm, layer norm and group norm, each one graph node.

Each forward computes the statistics (two-pass mean and biased variance, so that a large mean does not
cancel the variance away), the normalised values and the affine transform on arrays. Each backward is
the closed form of the normalisation's vector-Jacobian product:

    xhat = (x - mean) * invstd,  y = xhat * w + b
    dx   = w * invstd * (g - mean(g) - xhat * mean(g * xhat))      (statistics of the batch)
    dx   = w * invstd * g                                          (fixed statistics, eval mode)
    dw   = sum(g * xhat),  db = sum(g)

`backward` writes it with differentiable Tensor ops, recomputing the statistics from the saved input,
so gradients of any order work; `backward_array` is the first-order fast path on arrays.

Layouts: batch norm sees its input as (N, C, L) with statistics per channel over N and L; layer norm
as (R, L) with statistics per row; group norm as (N * G, K) rows for the statistics and (N, C, S) for
the per-channel affine. Sums over long contiguous rows are matrix-vector products (BLAS), which NumPy's
reductions over several axes are not.
"""

from __future__ import annotations

import numpy as np

from ._common import Op, Tensor
from .activation import quiet_op

__all__: list = []

_make = Tensor._make


def _compute_dtype(x):
    """float16 is normalised in float32 (as PyTorch accumulates it); other floats in their own dtype."""
    return np.dtype(np.float32) if x.dtype == np.float16 else x.dtype


def _ones(like, n: int):
    return np.ones_like(like, shape=(n,))


def _row_sum(a):
    """(R, L) -> (R,): sum of each row."""
    if a.shape[1] > 1 and a.dtype.kind == "f" and a.flags.c_contiguous:
        return a @ _ones(a, a.shape[1])
    return a.sum(axis=1)


def _row_dot(a, b):
    """(R, L), (R, L) -> (R,): sum of a * b along each row."""
    return np.einsum("ij,ij->i", a, b)


def _col_sum(a):
    """(R, L) -> (L,): sum of each column."""
    return a.sum(axis=0)


def _col_dot(a, b):
    """(R, L), (R, L) -> (L,): sum of a * b down each column."""
    return _ones(a, a.shape[0]) @ (a * b)


def _chan_sum(a):
    """(N, C, L) -> (C,): sum over N and L per channel."""
    n, c, l = a.shape
    if l == 1:
        return a[:, :, 0].sum(axis=0)
    if a.flags.c_contiguous:
        return _row_sum(a.reshape(n * c, l)).reshape(n, c).sum(axis=0)
    return a.sum(axis=(0, 2))


def _chan_dot(a, b):
    """(N, C, L), (N, C, L) -> (C,): sum of a * b over N and L per channel."""
    n, c, l = a.shape
    if l == 1:
        return np.einsum("nc,nc->c", a[:, :, 0], b[:, :, 0])
    if a.flags.c_contiguous and b.flags.c_contiguous:
        return _row_dot(a.reshape(n * c, l), b.reshape(n * c, l)).reshape(n, c).sum(axis=0)
    return np.einsum("ncl,ncl->c", a, b)


def _as(a, dt):
    return None if a is None else a.astype(dt, copy=False)


def _normalize_rows(x2, eps: float):
    """(xhat, invstd) for the rows of a (R, L) array; xhat is a new array."""
    n = x2.shape[1]
    xc = x2 - (_row_sum(x2) / n)[:, None]
    invstd = 1 / np.sqrt(_row_dot(xc, xc) / n + eps)
    xc *= invstd[:, None]
    return xc, invstd


def _rows_backward(gxh, xhat, invstd):
    """dx for rows normalised by _normalize_rows, given the gradient gxh w.r.t. xhat (not modified)."""
    n = xhat.shape[1]
    gx = xhat * (-_row_dot(gxh, xhat) / n)[:, None]
    gx += gxh
    gx -= (_row_sum(gxh) / n)[:, None]
    gx *= invstd[:, None]
    return gx


def _normalize_rows_t(x2: Tensor, eps: float):
    """Tensor form of _normalize_rows (differentiable w.r.t. x2)."""
    xc = x2 - x2.mean(1, keepdim=True)
    invstd = ((xc * xc).mean(1, keepdim=True) + eps).rsqrt()
    return xc * invstd, invstd


def _rows_backward_t(gxh: Tensor, xhat: Tensor, invstd: Tensor) -> Tensor:
    return invstd * (gxh - gxh.mean(1, keepdim=True) - xhat * (gxh * xhat).mean(1, keepdim=True))


def _data(t):
    return None if t is None else t._data


@quiet_op
class BatchNorm(Op):
    """Batch normalisation of (N, C, *) input per channel. With `training`, the statistics are the batch's
    (and `running`, a pair of arrays, is updated in place with `momentum`, the variance unbiased);
    otherwise they are `running`'s."""

    _name = "NativeBatchNormBackward0"

    @staticmethod
    def forward(ctx, x, w, b, *, running, training: bool, momentum: float, eps: float):
        dt = _compute_dtype(x)
        n, c = x.shape[0], x.shape[1]
        l = x.size // (n * c) if n * c else 0
        x3 = x.reshape(n, c, l).astype(dt, copy=False)
        w, b = _as(w, dt), _as(b, dt)
        ctx.training, ctx.eps = training, eps
        if training:
            m = n * l
            if m == 0:
                ctx.mean = ctx.invstd = np.zeros_like(x3, shape=(c,))
                ctx.save_for_backward(x, w)
                return x.copy()
            mean = _chan_sum(x3) / m
            y = x3 - mean[:, None]
            var = _chan_dot(y, y) / m
            invstd = 1 / np.sqrt(var + eps)
            y *= (invstd if w is None else invstd * w)[:, None]
            if b is not None:
                y += b[:, None]
            if running is not None:
                rm, rv = running
                rm *= 1 - momentum
                rm += (momentum * mean).astype(rm.dtype, copy=False)
                rv *= 1 - momentum
                rv += (momentum * m / max(m - 1, 1) * var).astype(rv.dtype, copy=False)
        else:
            rm, rv = running
            mean = rm.astype(dt, copy=False)
            invstd = 1 / np.sqrt(rv.astype(dt, copy=False) + eps)
            scale = invstd if w is None else invstd * w
            shift = -mean * scale
            if b is not None:
                shift += b
            y = x3 * scale[:, None]
            y += shift[:, None]
        ctx.mean, ctx.invstd = mean, invstd
        ctx.save_for_backward(x, w)
        return y.reshape(x.shape).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        need = ctx.needs_input_grad
        n, c = x.shape[0], x.shape[1]
        l = x.numel() // (n * c) if n * c else 0
        x3 = x.reshape(n, c, l)
        if x3.dtype != g.dtype:
            x3 = x3.to(g.dtype)
        if ctx.training:
            xc = x3 - x3.mean((0, 2), keepdim=True)
            invstd = ((xc * xc).mean((0, 2), keepdim=True) + ctx.eps).rsqrt()
        else:
            xc = x3 - _make(ctx.mean.reshape(1, c, 1))
            invstd = _make(ctx.invstd.reshape(1, c, 1))
        xhat = xc * invstd
        g3 = g.reshape(n, c, l)
        sum_g = g3.sum((0, 2))
        sum_gxhat = (g3 * xhat).sum((0, 2))
        gx = None
        if need[0]:
            a = invstd if w is None else invstd * w.reshape(1, c, 1)
            if ctx.training:
                m = n * l
                gx = a * (g3 - sum_g.reshape(1, c, 1) / m - xhat * sum_gxhat.reshape(1, c, 1) / m)
            else:
                gx = g3 * a
            gx = gx.reshape(x.shape)
        return gx, (sum_gxhat if need[1] else None), (sum_g if need[2] else None)

    @staticmethod
    def backward_array(ctx, g):
        x, w = ctx.saved_tensors
        x, w = x._data, _data(w)
        need = ctx.needs_input_grad
        mean, invstd = ctx.mean, ctx.invstd
        dt = mean.dtype
        n, c = x.shape[0], x.shape[1]
        l = x.size // (n * c) if n * c else 0
        m = n * l
        g3 = g.reshape(n, c, l).astype(dt, copy=False)
        sum_g = _chan_sum(g3) if (need[0] and ctx.training) or need[2] else None
        xc = sum_gxc = None
        if need[1] or (need[0] and ctx.training and m):
            xc = x.reshape(n, c, l).astype(dt, copy=False) - mean[:, None]
            sum_gxc = _chan_dot(g3, xc)
        gx = None
        if need[0]:
            a = invstd if w is None else invstd * w
            if ctx.training and m:
                # a * (g - mean(g) - xhat * mean(g * xhat)) with xhat = xc * invstd, built in xc's buffer
                xc *= (-invstd * invstd * sum_gxc / m)[:, None]
                xc += g3
                xc -= (sum_g / m)[:, None]
                xc *= a[:, None]
                gx = xc
            else:
                gx = g3 * a[:, None]
            gx = gx.reshape(x.shape)
        gw = sum_gxc * invstd if need[1] else None
        return gx, gw, (sum_g if need[2] else None)


@quiet_op
class LayerNorm(Op):
    """Normalisation over the last `ndim` dimensions of x, with elementwise affine w, b of those dims."""

    _name = "NativeLayerNormBackward0"

    @staticmethod
    def forward(ctx, x, w, b, *, ndim: int, eps: float, save: bool = True):
        dt = _compute_dtype(x)
        shape = x.shape[x.ndim - ndim:]
        l = 1
        for s in shape:
            l *= s
        r = x.size // l if l else 0
        ctx.eps, ctx.rl, ctx.norm_shape = eps, (r, l), shape
        ctx.save_for_backward(x, w)
        if x.size == 0:
            ctx.xhat = x.reshape(r, l).astype(dt)
            ctx.invstd = np.zeros_like(ctx.xhat, shape=(r,))
            return x.copy()
        xhat, invstd = _normalize_rows(x.reshape(r, l).astype(dt, copy=False), eps)
        # xhat is kept for backward when there is a graph; without one the affine transform runs in place
        y = xhat
        if save:
            ctx.xhat, ctx.invstd = xhat, invstd
            y = None
        if w is not None:
            w1 = w.reshape(l).astype(dt, copy=False)
            y = xhat * w1 if y is None else np.multiply(y, w1, out=y)
        if b is not None:
            b1 = b.reshape(l).astype(dt, copy=False)
            y = xhat + b1 if y is None else np.add(y, b1, out=y)
        if y is None:
            y = xhat.copy()
        return y.reshape(x.shape).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        need = ctx.needs_input_grad
        r, l = ctx.rl
        x2 = x.reshape(r, l)
        if x2.dtype != g.dtype:
            x2 = x2.to(g.dtype)
        xhat, invstd = _normalize_rows_t(x2, ctx.eps)
        g2 = g.reshape(r, l)
        gx = None
        if need[0]:
            gxh = g2 if w is None else g2 * w.reshape(l)
            gx = _rows_backward_t(gxh, xhat, invstd).reshape(x.shape)
        gw = (g2 * xhat).sum(0).reshape(ctx.norm_shape) if need[1] else None
        gb = g2.sum(0).reshape(ctx.norm_shape) if need[2] else None
        return gx, gw, gb

    @staticmethod
    def backward_array(ctx, g):
        x, w = ctx.saved_tensors
        x, w = x._data, _data(w)
        need = ctx.needs_input_grad
        r, l = ctx.rl
        xhat, invstd = ctx.xhat, ctx.invstd
        g2 = g.reshape(r, l).astype(xhat.dtype, copy=False)
        # every row sum below is a matrix-vector product, p = g * xhat the only full-size temporary
        p = g2 * xhat
        gw = _col_sum(p).reshape(ctx.norm_shape) if need[1] else None
        gb = _col_sum(g2).reshape(ctx.norm_shape) if need[2] else None
        gx = None
        if need[0]:
            if w is None:
                m1, m2 = _row_sum(g2), _row_sum(p)
                gx = g2 - (m1 / l)[:, None]
            else:
                w1 = w.reshape(l).astype(xhat.dtype, copy=False)
                m1, m2 = g2 @ w1, p @ w1
                gx = g2 * w1
                gx -= (m1 / l)[:, None]
            gx -= np.multiply(xhat, (m2 / l)[:, None], out=p)
            gx *= invstd[:, None]
            gx = gx.reshape(x.shape)
        return gx, gw, gb


@quiet_op
class GroupNorm(Op):
    """Normalisation of (N, C, *) input over groups of C / `groups` channels, per-channel affine."""

    _name = "NativeGroupNormBackward0"

    @staticmethod
    def forward(ctx, x, w, b, *, groups: int, eps: float, save: bool = True):
        dt = _compute_dtype(x)
        n, c = x.shape[0], x.shape[1]
        s = x.size // (n * c) if n * c else 0
        k = c // groups * s
        ctx.eps, ctx.dims = eps, (n, c, s, groups, k)
        ctx.save_for_backward(x, w)
        if x.size == 0:
            ctx.xhat = x.reshape(n * groups, k).astype(dt)
            ctx.invstd = np.zeros_like(ctx.xhat, shape=(n * groups,))
            return x.copy()
        xhat, invstd = _normalize_rows(x.reshape(n * groups, k).astype(dt, copy=False), eps)
        x3 = xhat.reshape(n, c, s)
        y = x3
        if save:  # as in LayerNorm: xhat kept with a graph, overwritten without one
            ctx.xhat, ctx.invstd = xhat, invstd
            y = None
        if w is not None:
            w1 = w.astype(dt, copy=False)[:, None]
            y = x3 * w1 if y is None else np.multiply(y, w1, out=y)
        if b is not None:
            b1 = b.astype(dt, copy=False)[:, None]
            y = x3 + b1 if y is None else np.add(y, b1, out=y)
        if y is None:
            y = x3.copy()
        return y.reshape(x.shape).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        need = ctx.needs_input_grad
        n, c, s, groups, k = ctx.dims
        x2 = x.reshape(n * groups, k)
        if x2.dtype != g.dtype:
            x2 = x2.to(g.dtype)
        xhat, invstd = _normalize_rows_t(x2, ctx.eps)
        g3 = g.reshape(n, c, s)
        gx = None
        if need[0]:
            gxh = g3 if w is None else g3 * w.reshape(1, c, 1)
            gx = _rows_backward_t(gxh.reshape(n * groups, k), xhat, invstd).reshape(x.shape)
        gw = (g3 * xhat.reshape(n, c, s)).sum((0, 2)) if need[1] else None
        gb = g3.sum((0, 2)) if need[2] else None
        return gx, gw, gb

    @staticmethod
    def backward_array(ctx, g):
        x, w = ctx.saved_tensors
        w = _data(w)
        need = ctx.needs_input_grad
        n, c, s, groups, k = ctx.dims
        xhat, invstd = ctx.xhat, ctx.invstd
        g3 = g.reshape(n, c, s).astype(xhat.dtype, copy=False)
        gx = None
        if need[0]:
            gxh = g3 if w is None else g3 * w[:, None]
            gx = _rows_backward(gxh.reshape(n * groups, k), xhat, invstd).reshape(x.shape)
        gw = _chan_dot(g3, xhat.reshape(n, c, s)) if need[1] else None
        gb = _chan_sum(g3) if need[2] else None
        return gx, gw, gb

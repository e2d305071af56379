"""Convolution primitives: N-d convolution, its transpose, its weight gradient, im2col (unfold) and
col2im (fold), on arrays laid out (batch, channels, *spatial).

Convolution is one GEMM over an im2col matrix: the padded input seen through a strided window view
(no copy) is copied once into a (groups, C/groups * prod(kernel), N * prod(out)) matrix, so every
group's whole batch is a single BLAS call. The gradient w.r.t. the weight is one GEMM against the
same matrix (kept from the forward); the gradient w.r.t. the input is one GEMM into column space
followed by col2im, which scatter-adds one strided slice per kernel position (a loop over kernel
positions, never over pixels).

The three ops are linear in each argument and each one's backward is written with the other two, so
gradients of any order come from the same kernels:
    y  = conv(x, w)                 dx = conv_transpose(g, w)    dw = weight_grad(x, g)
    y  = conv_transpose(x, w)       dx = conv(g, w)              dw = weight_grad(g, x)
    gw = weight_grad(x, g)          dx = conv_transpose(g, V)    dg = conv(x, V)
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from ..backend.device import xp_of
from ._common import Op

__all__: list = []


class Geometry(NamedTuple):
    """How a kernel walks the input: per spatial dim stride, (low, high) zero padding, dilation."""

    stride: tuple
    pad: tuple
    dilation: tuple
    groups: int = 1


def out_size(size: int, k: int, stride: int, lo: int, hi: int, dil: int) -> int:
    """Positions of a dilated kernel of k taps inside size + lo + hi, every stride."""
    return (size + lo + hi - dil * (k - 1) - 1) // stride + 1


def pad_array(x, pad: tuple, value=0):
    """x with its last len(pad) dims padded by (low, high) >= 0 amounts, filled with value."""
    if not any(lo or hi for lo, hi in pad):
        return x
    nd = len(pad)
    lead = x.ndim - nd
    shape = x.shape[:lead] + tuple(s + lo + hi for s, (lo, hi) in zip(x.shape[lead:], pad))
    out = np.full_like(x, value, shape=shape) if value else np.zeros_like(x, shape=shape)
    out[(slice(None),) * lead + tuple(slice(lo, lo + s) for s, (lo, _) in zip(x.shape[lead:], pad))] = x
    return out


def _slices(ksize: tuple, geom: Geometry, osize: tuple):
    """For each kernel position: its index tuple and the strided slice of padded space it reads."""
    for kpos in np.ndindex(*ksize):
        yield kpos, tuple(slice(k * d, k * d + (o - 1) * s + 1, s)
                          for k, d, o, s in zip(kpos, geom.dilation, osize, geom.stride))


def windows(xp, ksize: tuple, geom: Geometry, osize: tuple):
    """A read-only view (N, C, *out, *kernel) of every kernel window of the padded input."""
    nd = len(ksize)
    eff = tuple(d * (k - 1) + 1 for k, d in zip(ksize, geom.dilation))
    v = xp_of(xp).lib.stride_tricks.sliding_window_view(xp, eff, axis=tuple(range(2, 2 + nd)))
    sel = (tuple(slice(0, (o - 1) * s + 1, s) for o, s in zip(osize, geom.stride))
           + tuple(slice(None, None, d) for d in geom.dilation))
    return v[(slice(None), slice(None)) + sel]


def im2col(x, ksize: tuple, geom: Geometry, osize: tuple):
    """The conv GEMM's right operand: (groups, C/groups * prod(kernel), N * prod(out)), contiguous."""
    nd = len(ksize)
    n, c = x.shape[:2]
    v = windows(pad_array(x, geom.pad), ksize, geom, osize)
    perm = (1,) + tuple(range(2 + nd, 2 + 2 * nd)) + (0,) + tuple(range(2, 2 + nd))
    g = geom.groups
    return v.transpose(perm).reshape(g, c // g * math.prod(ksize), n * math.prod(osize))


def col2im(get, shape: tuple, ksize: tuple, geom: Geometry, osize: tuple, dtype):
    """The adjoint of the window view: an (N, C, *spatial) array where each kernel position's
    contribution `get(kpos)` (N, C, *out) is added at the input positions it read."""
    pad = geom.pad
    spatial = shape[2:]
    padded = shape[:2] + tuple(s + lo + hi for s, (lo, hi) in zip(spatial, pad))
    like = get(next(iter(np.ndindex(*ksize))))
    out = np.zeros_like(like, dtype=dtype, shape=padded)
    lead = (slice(None), slice(None))
    for kpos, sl in _slices(ksize, geom, osize):
        out[lead + sl] += get(kpos)
    if not any(lo or hi for lo, hi in pad):
        return out
    crop = out[lead + tuple(slice(lo, lo + s) for s, (lo, _) in zip(spatial, pad))]
    return np.ascontiguousarray(crop)


def conv_forward(x, w, geom: Geometry, osize: tuple, cols=None):
    """(conv(x, w) laid out (Cout, N, *out), the im2col matrix)."""
    n = x.shape[0]
    cout = w.shape[0]
    g = geom.groups
    if cols is None:
        cols = im2col(x, w.shape[2:], geom, osize)
    y = np.matmul(w.reshape(g, cout // g, -1), cols)
    return y.reshape((cout, n) + tuple(osize)), cols


def _batch_last(g):
    """(N, C, *s) as (C, N * prod(s)): the layout the GEMMs want for an output gradient."""
    if g.shape[0] == 1:
        return g.reshape(g.shape[1], -1)
    return np.ascontiguousarray(np.swapaxes(g, 0, 1)).reshape(g.shape[1], -1)


def conv_transpose_forward(g, w, geom: Geometry, shape: tuple, g_t=None):
    """The adjoint of conv w.r.t. its input: g (N, Cout, *out) to an (N, C, *spatial) array."""
    n, cout = g.shape[:2]
    osize = g.shape[2:]
    ksize = w.shape[2:]
    grp = geom.groups
    if g_t is None:
        g_t = _batch_last(g)
    wg = w.reshape(grp, cout // grp, -1)
    gcols = np.matmul(wg.transpose(0, 2, 1), g_t.reshape(grp, cout // grp, -1))
    c = shape[1]
    gcols = gcols.reshape((c,) + tuple(ksize) + (n,) + tuple(osize))
    return col2im(lambda k: np.swapaxes(gcols[(slice(None),) + k], 0, 1), shape, ksize, geom, osize,
                  np.result_type(g, w))


def conv_weight_forward(x, g, geom: Geometry, ksize: tuple, cols=None, g_t=None):
    """The adjoint of conv w.r.t. its weight: sum over batch and positions of g x window."""
    cout = g.shape[1]
    grp = geom.groups
    if cols is None:
        cols = im2col(x, ksize, geom, g.shape[2:])
    if g_t is None:
        g_t = _batch_last(g)
    gw = np.matmul(g_t.reshape(grp, cout // grp, -1), cols.transpose(0, 2, 1))
    return gw.reshape((cout, x.shape[1] // grp) + tuple(ksize))


def _nchw(y):
    """(Cout, N, *out) to a contiguous (N, Cout, *out)."""
    return np.ascontiguousarray(np.swapaxes(y, 0, 1))


def _bias_view(b, nd: int):
    return b.reshape(b.shape + (1,) * nd)


def _sum_bias(g):
    """The bias gradient: g summed over the batch and spatial dims."""
    return g.sum(axis=(0,) + tuple(range(2, g.ndim)))


class Convolution(Op):
    """conv(x, w) + b over N-d input (N, C, *spatial); osize is the output's spatial size."""

    _name = "ConvolutionBackward0"

    @staticmethod
    def forward(ctx, x, w, b, geom, osize):
        y, cols = conv_forward(x, w, geom, osize)
        if b is not None:
            y += _bias_view(b, len(osize) + 1)
        ctx.geom = geom
        ctx.cols = cols
        ctx.save_for_backward(x, w)
        return _nchw(y)

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        need = ctx.needs_input_grad
        geom = ctx.geom
        gx = ConvTranspose.apply(g, w, None, geom, tuple(x.shape[2:])) if need[0] else None
        gw = ConvWeight.apply(x, g, geom, tuple(w.shape[2:])) if need[1] else None
        gb = g.sum((0,) + tuple(range(2, g.dim()))) if need[2] else None
        return gx, gw, gb, None, None

    @staticmethod
    def backward_array(ctx, g):
        x, w = ctx.saved_tensors
        x, w = x._data, w._data
        need = ctx.needs_input_grad
        geom = ctx.geom
        g_t = _batch_last(g)
        gx = conv_transpose_forward(g, w, geom, x.shape, g_t) if need[0] else None
        gw = None
        if need[1]:
            gw = conv_weight_forward(x, g, geom, w.shape[2:], ctx.cols, g_t)
        ctx.cols = None  # a second backward (retain_graph) recomputes it
        gb = _sum_bias(g) if need[2] else None
        return gx, gw, gb, None, None


class ConvTranspose(Op):
    """conv_transpose(x, w) + b: the adjoint of Convolution w.r.t. its input, to spatial size `size`;
    w is laid out as for the convolution it transposes (x's channels first)."""

    _name = "ConvolutionBackward0"

    @staticmethod
    def forward(ctx, x, w, b, geom, size):
        shape = (x.shape[0], w.shape[1] * geom.groups) + tuple(size)
        y = conv_transpose_forward(x, w, geom, shape)
        if b is not None:
            y += _bias_view(b, len(size))
        ctx.geom = geom
        ctx.save_for_backward(x, w)
        return y

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        need = ctx.needs_input_grad
        geom = ctx.geom
        osize = tuple(x.shape[2:])
        gx = Convolution.apply(g, w, None, geom, osize) if need[0] else None
        gw = ConvWeight.apply(g, x, geom, tuple(w.shape[2:])) if need[1] else None
        gb = g.sum((0,) + tuple(range(2, g.dim()))) if need[2] else None
        return gx, gw, gb, None, None

    @staticmethod
    def backward_array(ctx, g):
        x, w = ctx.saved_tensors
        x, w = x._data, w._data
        need = ctx.needs_input_grad
        geom = ctx.geom
        osize = x.shape[2:]
        cols = im2col(g, w.shape[2:], geom, osize) if need[0] or need[1] else None
        gx = _nchw(conv_forward(g, w, geom, osize, cols)[0]) if need[0] else None
        gw = conv_weight_forward(g, x, geom, w.shape[2:], cols) if need[1] else None
        gb = _sum_bias(g) if need[2] else None
        return gx, gw, gb, None, None


class ConvWeight(Op):
    """The gradient of conv(x, .) w.r.t. its weight, as a function of x and the output gradient g."""

    _name = "ConvolutionBackwardBackward0"

    @staticmethod
    def forward(ctx, x, g, geom, ksize):
        ctx.geom = geom
        ctx.save_for_backward(x, g)
        return conv_weight_forward(x, g, geom, ksize)

    @staticmethod
    def backward(ctx, v):
        x, g = ctx.saved_tensors
        need = ctx.needs_input_grad
        geom = ctx.geom
        gx = ConvTranspose.apply(g, v, None, geom, tuple(x.shape[2:])) if need[0] else None
        gg = Convolution.apply(x, v, None, geom, tuple(g.shape[2:])) if need[1] else None
        return gx, gg, None, None


# -- unfold / fold ----------------------------------------------------------------------------------

def unfold_forward(x, ksize: tuple, geom: Geometry, osize: tuple):
    """(N, C, *spatial) to the (N, C * prod(kernel), prod(out)) matrix of its sliding blocks."""
    nd = len(ksize)
    n, c = x.shape[:2]
    v = windows(pad_array(x, geom.pad), ksize, geom, osize)
    perm = (0, 1) + tuple(range(2 + nd, 2 + 2 * nd)) + tuple(range(2, 2 + nd))
    return v.transpose(perm).reshape(n, c * math.prod(ksize), math.prod(osize))


def fold_forward(cols, shape: tuple, ksize: tuple, geom: Geometry, osize: tuple):
    """The adjoint of unfold: sum each block of cols (N, C * prod(kernel), L) back into `shape`."""
    n, c = shape[:2]
    blocks = cols.reshape((n, c) + tuple(ksize) + tuple(osize))
    return col2im(lambda k: blocks[(slice(None), slice(None)) + k], shape, ksize, geom, osize, cols.dtype)


class Im2Col(Op):
    """unfold: every sliding block of a (N, C, *spatial) input as a column."""

    @staticmethod
    def forward(ctx, x, ksize, geom, osize):
        ctx.args = (x.shape, ksize, geom, osize)
        return unfold_forward(x, ksize, geom, osize)

    @staticmethod
    def backward(ctx, g):
        return Col2Im.apply(g, *ctx.args), None, None, None

    @staticmethod
    def backward_array(ctx, g):
        return fold_forward(g, *ctx.args), None, None, None


class Col2Im(Op):
    """fold: sum sliding-block columns back into a (N, C, *spatial) array of the given shape."""

    @staticmethod
    def forward(ctx, cols, shape, ksize, geom, osize):
        ctx.args = (ksize, geom, osize)
        return fold_forward(cols, shape, ksize, geom, osize)

    @staticmethod
    def backward(ctx, g):
        return Im2Col.apply(g, *ctx.args), None, None, None, None

    @staticmethod
    def backward_array(ctx, g):
        return unfold_forward(g, *ctx.args), None, None, None, None

"""Pooling primitives on (N, C, *spatial) arrays: max pooling (fixed and adaptive windows) with the flat
indices PyTorch returns, average pooling, max unpooling, and the index scatter/gather pair behind their
gradients.

Fixed windows are read as strided slices of the padded input, one per kernel position: max pooling
keeps a running maximum and the kernel position that won (a few whole-array passes, no Python loop
over pixels); average pooling sums the slices and divides, and its adjoint adds the slices back (the
col2im loop of ember.ops.conv).
"""

from __future__ import annotations

import math

import numpy as np

from ._common import Op
from .conv import Geometry, _slices, col2im, pad_array
from .elementwise import _select
from .resample import window_bounds

__all__: list = []


def _lowest(dtype):
    if dtype.kind == "f":
        return -np.inf
    if dtype.kind == "b":
        return False
    return np.iinfo(dtype).min


def _spatial_strides(spatial: tuple) -> tuple:
    """Flat-index strides of a C-ordered spatial block."""
    out = []
    acc = 1
    for s in reversed(spatial):
        out.append(acc)
        acc *= s
    return tuple(reversed(out))


def _running_max(candidates, dtype, count: int):
    """The first maximum over `count` candidate arrays (a NaN wins and the last NaN is kept, as in PyTorch)
    and the position of the winning candidate. Masked writes (np.where, copyto) are slow on random masks,
    so the updates are branch-free arithmetic."""
    best = None
    which = None
    check_nan = dtype.kind == "f"
    small = np.int8 if count < 128 else np.int32
    for k, v in enumerate(candidates):
        if best is None:
            best = v.copy()
            which = np.zeros_like(best, dtype=small)
            continue
        m = v > best
        if check_nan:
            m |= np.isnan(v)
        np.maximum(best, v, out=best)
        # which = k where m, else unchanged
        which += m * (which.dtype.type(k) - which)
    return best, which


def max_pool_forward(x, ksize: tuple, geom: Geometry, osize: tuple):
    """(max over each window, which kernel position won: a small int array shaped like the output)."""
    low = _lowest(x.dtype)
    xp = pad_array(x, geom.pad, low)
    lead = (slice(None), slice(None))
    views = (xp[lead + sl] for _, sl in _slices(ksize, geom, osize))
    out, which = _running_max(views, x.dtype, math.prod(ksize))
    if any(lo or hi for lo, hi in geom.pad):
        floor = out == low
        if floor.any():
            # a window holding only the lowest value: PyTorch names its first position inside the input,
            # never the padding
            first = _like(_first_inside(x.shape[2:], ksize, geom, osize).astype(which.dtype), which)
            which = np.where(floor, first, which)
    return out, which


def _first_inside(spatial: tuple, ksize: tuple, geom: Geometry, osize: tuple):
    """Per output position, the flat kernel position of the first tap that falls inside the input."""
    nd = len(ksize)
    flat = 0
    for i in range(nd):
        start = np.arange(osize[i]) * geom.stride[i] - geom.pad[i][0]
        tap = -(np.minimum(start, 0) // geom.dilation[i])
        flat = flat * ksize[i] + tap.reshape((-1,) + (1,) * (nd - 1 - i))
    return np.asarray(flat)


def max_pool_indices(which, spatial: tuple, ksize: tuple, geom: Geometry, osize: tuple):
    """PyTorch's indices: the flat position of each window's maximum within its (n, c) plane."""
    nd = len(ksize)
    st = _spatial_strides(spatial)
    offs = np.array([sum(k * d * s for k, d, s in zip(kpos, geom.dilation,
                                                      st)) for kpos in np.ndindex(*ksize)],
                    np.int64)
    base = 0
    for i in range(nd):
        pos = np.arange(osize[i], dtype=np.int64) * geom.stride[i] - geom.pad[i][0]
        base = base + (pos * st[i]).reshape((-1,) + (1,) * (nd - 1 - i))
    flat = np.take(_like(offs, which), which)
    flat += _like(base, which)
    return flat


def max_pool_scatter(g, which, shape: tuple, ksize: tuple, geom: Geometry, osize: tuple):
    """The gradient of max pooling: each output's g added at the input position that won its window."""
    def part(kpos):
        return _select(which == which.dtype.type(np.ravel_multi_index(kpos, ksize)), g)

    return col2im(part, shape, ksize, geom, osize, g.dtype)


def max_pool_select(gg, which, ksize: tuple, geom: Geometry, osize: tuple):
    """The adjoint of max_pool_scatter: gg read at each window's winning position."""
    ggp = pad_array(gg, geom.pad)
    lead = (slice(None), slice(None))
    out = None
    for kpos, sl in _slices(ksize, geom, osize):
        hit = which == which.dtype.type(np.ravel_multi_index(kpos, ksize))
        v = np.where(hit, ggp[lead + sl], 0)
        out = v if out is None else np.add(out, v, out=out)
    return out


def _like(a, x):
    """A NumPy result on x's device."""
    if type(x) is np.ndarray:
        return a
    from ..backend.device import xp_of
    return xp_of(x).asarray(a)


def adaptive_max_forward(x, osize: tuple):
    """Adaptive max pooling: windows [floor(o*S/O), ceil((o+1)*S/O)) per axis; (values, flat indices)."""
    nd = len(osize)
    spatial = x.shape[2:]
    tabs = []
    for s, o in zip(spatial, osize):
        start, end = window_bounds(s, o)
        taps = int((end - start).max())
        tabs.append(np.minimum(start[:, None] + np.arange(taps)[None], end[:, None] - 1))
    counts = tuple(t.shape[1] for t in tabs)

    def grid(tpos):
        return tuple(_like(tabs[i][:, tpos[i]].reshape((-1,) + (1,) * (nd - 1 - i)), x) for i in range(nd))

    lead = (slice(None), slice(None))
    picks = (x[lead + grid(tpos)] for tpos in np.ndindex(*counts))
    out, which = _running_max(picks, x.dtype, math.prod(counts))
    st = _spatial_strides(spatial)
    flat = 0
    rem = which.astype(np.int64)
    for i in range(nd - 1, -1, -1):
        t = rem % counts[i]
        rem = rem // counts[i]
        o = _like(np.arange(osize[i]).reshape((-1,) + (1,) * (nd - 1 - i)), x)
        flat = flat + _like(tabs[i], x)[o, t] * st[i]
    return out, flat


def scatter_flat(g, idx, shape: tuple, unique: bool):
    """out (shape) with g added at the flat spatial index idx of each (n, c) plane; `unique` when no two
    entries of a plane share an index (plain assignment then)."""
    nc = shape[0] * shape[1]
    plane = math.prod(shape[2:])
    gf = g.reshape(nc, -1)
    fi = idx.reshape(nc, -1)
    if unique:
        out = np.zeros_like(g, shape=(nc, plane))
        np.put_along_axis(out, fi, gf, axis=1)
        return out.reshape(shape)
    glob = (fi + _like(np.arange(nc, dtype=np.int64) * plane, g)[:, None]).ravel()
    if g.dtype.kind == "f" and g.dtype.itemsize <= 8:
        out = np.bincount(glob, weights=gf.ravel(), minlength=nc * plane).astype(g.dtype, copy=False)
        return out.reshape(shape)
    out = np.zeros_like(g, shape=(nc * plane,))
    np.add.at(out, glob, gf.ravel())
    return out.reshape(shape)


def gather_flat(x, idx):
    """x[n, c].flat[idx[n, c, ...]] for every (n, c) plane."""
    n, c = x.shape[:2]
    v = np.take_along_axis(x.reshape(n, c, -1), idx.reshape(n, c, -1), axis=2)
    return v.reshape(idx.shape)


class MaxPool(Op):
    """Max pooling over fixed windows: the values, and with `indices` also PyTorch's flat indices.
    `_name` is set per rank by the caller."""

    @staticmethod
    def forward(ctx, x, ksize, geom, osize, indices):
        out, which = max_pool_forward(x, ksize, geom, osize)
        ctx.which = which
        ctx.args = (x.shape, ksize, geom, osize)
        if indices:
            return out, max_pool_indices(which, x.shape[2:], ksize, geom, osize)
        return out

    @staticmethod
    def backward(ctx, g, *_):
        return MaxPoolScatter.apply(g, ctx.which, *ctx.args), None, None, None, None

    @staticmethod
    def backward_array(ctx, g, *_):
        return max_pool_scatter(g, ctx.which, *ctx.args), None, None, None, None


class MaxPoolScatter(Op):
    """The gradient of MaxPool as a function of the output gradient (linear, for double backward)."""

    @staticmethod
    def forward(ctx, g, which, shape, ksize, geom, osize):
        ctx.args = (which, ksize, geom, osize)
        return max_pool_scatter(g, which, shape, ksize, geom, osize)

    @staticmethod
    def backward(ctx, gg):
        return MaxPoolSelect.apply(gg, *ctx.args), None, None, None, None, None

    @staticmethod
    def backward_array(ctx, gg):
        return max_pool_select(gg, *ctx.args), None, None, None, None, None


class MaxPoolSelect(Op):
    """gg read at each window's winning position (the transpose of MaxPoolScatter)."""

    @staticmethod
    def forward(ctx, gg, which, ksize, geom, osize):
        ctx.args = (which, gg.shape, ksize, geom, osize)
        return max_pool_select(gg, which, ksize, geom, osize)

    @staticmethod
    def backward(ctx, g):
        return MaxPoolScatter.apply(g, *ctx.args), None, None, None, None

    @staticmethod
    def backward_array(ctx, g):
        return max_pool_scatter(g, *ctx.args), None, None, None, None


class AdaptiveMaxPool(Op):
    """Adaptive max pooling; returns (values, flat indices)."""

    @staticmethod
    def forward(ctx, x, osize):
        out, idx = adaptive_max_forward(x, osize)
        ctx.idx = idx
        ctx.shape = x.shape
        return out, idx

    @staticmethod
    def backward(ctx, g, _):
        return FlatScatter.apply(g, ctx.idx, ctx.shape, False), None

    @staticmethod
    def backward_array(ctx, g, _):
        return scatter_flat(g, ctx.idx, ctx.shape, False), None


class FlatScatter(Op):
    """g added into zeros of `shape` at flat per-plane indices (the gradient of a max pool)."""

    @staticmethod
    def forward(ctx, g, idx, shape, unique):
        ctx.idx = idx
        return scatter_flat(g, idx, shape, unique)

    @staticmethod
    def backward(ctx, gg):
        return FlatGather.apply(gg, ctx.idx), None, None, None

    @staticmethod
    def backward_array(ctx, gg):
        return gather_flat(gg, ctx.idx), None, None, None


class FlatGather(Op):
    """x read at flat per-plane indices."""

    @staticmethod
    def forward(ctx, x, idx):
        ctx.idx = idx
        ctx.shape = x.shape
        return gather_flat(x, idx)

    @staticmethod
    def backward(ctx, g):
        return FlatScatter.apply(g, ctx.idx, ctx.shape, False), None

    @staticmethod
    def backward_array(ctx, g):
        return scatter_flat(g, ctx.idx, ctx.shape, False), None


class MaxUnpool(Op):
    """Values written at their flat per-plane indices into zeros of `shape` (max_pool's partial inverse)."""

    @staticmethod
    def forward(ctx, x, idx, shape):
        ctx.idx = idx
        return scatter_flat(x, idx, shape, True)

    @staticmethod
    def backward(ctx, g):
        return FlatGather.apply(g, ctx.idx), None, None

    @staticmethod
    def backward_array(ctx, g):
        return gather_flat(g, ctx.idx), None, None


# -- average pooling --------------------------------------------------------------------------------

def avg_divisor(spatial: tuple, ksize: tuple, stride: tuple, padding: tuple, osize: tuple,
                count_include_pad: bool, divisor_override):
    """The divisor of every output position (a product of per-axis window lengths, as PyTorch counts)."""
    if divisor_override:
        return None
    div = np.ones((), np.int64)
    for i, (s, k, st, p, o) in enumerate(zip(spatial, ksize, stride, padding, osize)):
        start = np.arange(o, dtype=np.int64) * st - p
        end = np.minimum(start + k, s + p)
        if count_include_pad:
            length = end - start
        else:
            length = np.minimum(end, s) - np.maximum(start, 0)
        div = div * length.reshape((-1,) + (1,) * (len(osize) - 1 - i))
    return div


def _divide(s, div, override):
    if s.dtype.kind in "iu":
        d = override if div is None else _like(div, s)
        q = np.abs(s) // d
        return np.where(s < 0, -q, q).astype(s.dtype, copy=False)
    if div is None:
        return s / np.asarray(override, s.dtype)
    return s / _like(div.astype(s.dtype), s)


def avg_pool_forward(x, ksize: tuple, geom: Geometry, osize: tuple, div, override):
    xp = pad_array(x, geom.pad)
    lead = (slice(None), slice(None))
    s = None
    for _, sl in _slices(ksize, geom, osize):
        v = xp[lead + sl]
        s = v.copy() if s is None else np.add(s, v, out=s)
    return _divide(s, div, override)


def avg_pool_adjoint(g, shape: tuple, ksize: tuple, geom: Geometry, osize: tuple, div, override):
    gd = _divide(g, div, override)
    return col2im(lambda k: gd, shape, ksize, geom, osize, g.dtype)


class AvgPool(Op):
    """Average pooling over fixed windows (`div`: per-position divisors, or `override` for all)."""

    @staticmethod
    def forward(ctx, x, ksize, geom, osize, div, override):
        ctx.args = (x.shape, ksize, geom, osize, div, override)
        return avg_pool_forward(x, ksize, geom, osize, div, override)

    @staticmethod
    def backward(ctx, g):
        return AvgPoolAdjoint.apply(g, *ctx.args), None, None, None, None, None

    @staticmethod
    def backward_array(ctx, g):
        return avg_pool_adjoint(g, *ctx.args), None, None, None, None, None


class AvgPoolAdjoint(Op):
    """The transpose of AvgPool: each output's share spread back over its window."""

    @staticmethod
    def forward(ctx, g, shape, ksize, geom, osize, div, override):
        ctx.args = (ksize, geom, osize, div, override)
        return avg_pool_adjoint(g, shape, ksize, geom, osize, div, override)

    @staticmethod
    def backward(ctx, gg):
        return AvgPool.apply(gg, *ctx.args), None, None, None, None, None, None

    @staticmethod
    def backward_array(ctx, gg):
        return avg_pool_forward(gg, *ctx.args), None, None, None, None, None, None

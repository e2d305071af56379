"""Linear resampling along trailing axes: constant padding, index padding (reflect, replicate,
circular), interpolation (nearest, linear, cubic) and variable-window averages.

All of them are "tap" maps applied one axis at a time: output position o of an axis reads input
positions idx[t, o] for a few taps t, scaled by weight[t, o]. Forward gathers with np.take (work in
proportion to the output). The adjoint of a tap map is again a tap map (each input position gathers
from the outputs that read it), so backward is the same gather with transposed taps; a map made of a
few contiguous runs (padding) is transposed with slice additions instead.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._common import Op

__all__: list = []


class Taps(NamedTuple):
    """How one axis of length `size` is resampled: idx (T, O) input positions per tap and output
    position; weight (T, O) or None (all ones); valid (T, O) bool or None (taps that read nothing:
    masked, so that an inf or NaN cannot leak in through a zero weight)."""

    idx: np.ndarray
    size: int
    weight: np.ndarray | None = None
    valid: np.ndarray | None = None


def transpose_taps(t: Taps) -> Taps:
    """The taps of the adjoint map: input position j gathers every output o with idx[k, o] == j,
    weighted by weight[k, o]."""
    count, out = t.idx.shape
    rows = t.idx.ravel()
    cols = np.tile(np.arange(out), count)
    vals = np.ones(rows.shape) if t.weight is None else t.weight.ravel()
    if t.valid is not None:
        keep = t.valid.ravel()
        rows, cols, vals = rows[keep], cols[keep], vals[keep]
    order = np.lexsort((cols, rows))
    rows, cols, vals = rows[order], cols[order], vals[order]
    per_row = np.bincount(rows, minlength=t.size)
    taps = max(int(per_row.max()) if per_row.size else 0, 1)
    rank = np.arange(rows.shape[0]) - (np.cumsum(per_row) - per_row)[rows]
    idx = np.zeros((taps, t.size), np.int64)
    weight = np.zeros((taps, t.size), vals.dtype if t.weight is not None else np.float64)
    valid = np.zeros((taps, t.size), bool)
    idx[rank, rows] = cols
    weight[rank, rows] = vals
    valid[rank, rows] = True
    all_valid = bool(valid.all())
    if t.weight is None and all_valid:
        return Taps(idx, out)
    return Taps(idx, out, weight, None if all_valid else valid)


def _along(a, axis: int, ndim: int):
    """A 1-D array shaped to broadcast along `axis` of an ndim array."""
    shape = [1] * ndim
    shape[axis] = a.shape[0]
    return a.reshape(shape)


def _on_device(a, like):
    """A small NumPy helper array moved to like's array module (a no-op for NumPy)."""
    if type(like) is np.ndarray:
        return a
    from ..backend.device import xp_of
    return xp_of(like).asarray(a)


def _apply_axis(x, t: Taps, axis: int):
    """One axis of apply_taps."""
    masked = t.valid is not None and not bool(t.valid.all())
    # a zero weight silences a skipped tap unless the data holds inf or NaN: select only then
    select = masked and x.dtype.kind in "fc" and not bool(np.isfinite(x).all())
    acc = None
    for j in range(t.idx.shape[0]):
        v = np.take(x, _on_device(t.idx[j], x), axis=axis)
        if t.weight is not None:
            w = t.weight[j] if t.valid is None else np.where(t.valid[j], t.weight[j], 0)
            v *= _on_device(_along(w.astype(x.dtype), axis, x.ndim), x)
        elif masked:
            v *= _on_device(_along(t.valid[j].astype(x.dtype), axis, x.ndim), x)
        if select:
            v = np.where(_on_device(_along(t.valid[j], axis, x.ndim), x), v, 0)
        acc = v if acc is None else np.add(acc, v, out=acc)
    return acc


def apply_taps(x, taps: tuple):
    """Resample the trailing len(taps) axes of x (None leaves an axis as it is)."""
    nd = len(taps)
    for i, t in enumerate(taps):
        if t is not None:
            x = _apply_axis(x, t, x.ndim - nd + i)
    return x


def _runs(idx: np.ndarray, limit: int) -> list | None:
    """idx split into maximal runs stepping by +1 or -1: (start in idx, length, first value, step);
    None when there are more than `limit` runs."""
    n = idx.shape[0]
    d = np.diff(idx)
    out = []
    i = 0
    while i < n:
        if len(out) == limit:
            return None
        if i + 1 < n and abs(int(d[i])) == 1:
            step = int(d[i])
            j = i + 1
            bad = np.flatnonzero(d[j:] != step)
            end = j + (int(bad[0]) if bad.size else n - 1 - j) + 1
        else:
            step, end = 1, i + 1
        out.append((i, end - i, int(idx[i]), step))
        i = end
    return out


def _add_runs(g, runs: list, axis: int, size: int):
    """The adjoint of a gather made of contiguous runs: one slice addition per run."""
    out = np.zeros_like(g, shape=g.shape[:axis] + (size,) + g.shape[axis + 1:])
    lead = (slice(None),) * axis
    for start, n, first, step in runs:
        src = g[lead + (slice(start, start + n),)]
        if step == 1:
            out[lead + (slice(first, first + n),)] += src
        else:
            out[lead + (slice(first - n + 1, first + 1),)] += np.flip(src, axis)
    return out


def adjoint_taps(g, taps: tuple, transposed: tuple | None = None):
    """The adjoint of apply_taps: g shaped like its output, back to its input's shape. `transposed` may
    hold transpose_taps of each axis (computed here when missing)."""
    nd = len(taps)
    for i in range(nd - 1, -1, -1):
        t = taps[i]
        if t is None:
            continue
        axis = g.ndim - nd + i
        runs = _runs(t.idx[0], 16) if t.idx.shape[0] == 1 and t.weight is None and t.valid is None else None
        if runs is not None:
            g = _add_runs(g, runs, axis, t.size)
        else:
            tt = transposed[i] if transposed is not None else transpose_taps(t)
            g = _apply_axis(g, tt, axis)
    return g


def _transposed(ctx) -> tuple:
    """The transposed taps of ctx.taps, computed once per node."""
    tt = getattr(ctx, "transposed", None)
    if tt is None:
        tt = ctx.transposed = tuple(None if t is None else transpose_taps(t) for t in ctx.taps)
    return tt


class Resample(Op):
    """x resampled along its trailing axes by per-axis taps (linear in x)."""

    @staticmethod
    def forward(ctx, x, taps):
        ctx.taps = taps
        return apply_taps(x, taps)

    @staticmethod
    def backward(ctx, g):
        return ResampleAdjoint.apply(g, ctx.taps), None

    @staticmethod
    def backward_array(ctx, g):
        return adjoint_taps(g, ctx.taps, _transposed(ctx)), None


class ResampleAdjoint(Op):
    """The transpose of Resample: spreads each output back over the positions it read."""

    @staticmethod
    def forward(ctx, g, taps):
        ctx.taps = taps
        return adjoint_taps(g, taps, _transposed(ctx))

    @staticmethod
    def backward(ctx, gg):
        return Resample.apply(gg, ctx.taps), None

    @staticmethod
    def backward_array(ctx, gg):
        return apply_taps(gg, ctx.taps), None


# -- constant padding -------------------------------------------------------------------------------

def constant_pad(x, pad: tuple, value=0):
    """x with its trailing len(pad) dims padded by (low, high) amounts filled with value; negative amounts
    crop."""
    nd = len(pad)
    lead = x.ndim - nd
    crop = tuple(slice(max(-lo, 0), s - max(-hi, 0)) for s, (lo, hi) in zip(x.shape[lead:], pad))
    x = x[(slice(None),) * lead + crop]
    if all(lo <= 0 and hi <= 0 for lo, hi in pad):
        return x.copy()
    shape = x.shape[:lead] + tuple(s + max(lo, 0) + max(hi, 0) for s, (lo, hi) in zip(x.shape[lead:], pad))
    out = np.full_like(x, value, shape=shape)
    out[(slice(None),) * lead + tuple(slice(max(lo, 0), max(lo, 0) + s)
                                      for s, (lo, _) in zip(x.shape[lead:], pad))] = x
    return out


class ConstantPad(Op):
    """Constant padding (negative amounts crop); its adjoint is the opposite padding with zeros."""

    _name = "ConstantPadNdBackward0"

    @staticmethod
    def forward(ctx, x, pad, value):
        ctx.pad = pad
        return constant_pad(x, pad, value)

    @staticmethod
    def backward(ctx, g):
        return ConstantPad.apply(g, tuple((-lo, -hi) for lo, hi in ctx.pad), 0), None, None

    @staticmethod
    def backward_array(ctx, g):
        return constant_pad(g, tuple((-lo, -hi) for lo, hi in ctx.pad), 0), None, None


# -- taps for the usual maps ------------------------------------------------------------------------

def pad_taps(size: int, lo: int, hi: int, mode: str) -> Taps:
    """Index padding of one axis: reflect (mirror without repeating the edge), replicate (repeat the
    edge), circular (wrap around). Negative amounts crop."""
    pos = np.arange(-lo, size + hi)
    if mode == "reflect":
        period = 2 * (size - 1) if size > 1 else 1
        m = np.mod(pos, period)
        idx = np.where(m >= size, period - m, m)
    elif mode == "replicate":
        idx = np.clip(pos, 0, size - 1)
    else:
        # cropping comes first: the padding wraps around what is left
        first = max(-lo, 0)
        kept = size - first - max(-hi, 0)
        idx = first + np.mod(np.arange(-max(lo, 0), kept + max(hi, 0)), max(kept, 1))
    return Taps(idx[None].astype(np.int64), size)


def _opmath(dtype) -> type:
    return np.float64 if np.dtype(dtype) == np.float64 else np.float32


def nearest_taps(size: int, out: int, scale, exact: bool) -> Taps:
    """Nearest neighbour (floor of dst / scale) or nearest-exact (floor of (dst + 0.5) / scale); scale is
    the user's scale factor (None: size / out)."""
    s = np.float32(1.0 / scale) if scale is not None and scale > 0 else np.float32(size) / np.float32(out)
    dst = np.arange(out, dtype=np.float32)
    src = np.floor(((dst + np.float32(0.5)) if exact else dst) * s)
    idx = np.minimum(src.astype(np.int64), size - 1)
    return Taps(idx[None], size)


def _linear_scale(size: int, out: int, align_corners: bool, scale, ft):
    if align_corners:
        return ft(size - 1) / ft(out - 1) if out > 1 else ft(0)
    if scale is not None and scale > 0:
        return ft(1.0 / scale)
    return ft(size) / ft(out)


def linear_taps(size: int, out: int, align_corners: bool, scale, dtype) -> Taps:
    """Two-tap linear interpolation as PyTorch computes the source coordinate."""
    ft = _opmath(dtype)
    s = _linear_scale(size, out, align_corners, scale, ft)
    dst = np.arange(out, dtype=ft)
    if align_corners:
        src = s * dst
    else:
        src = np.maximum(s * (dst + ft(0.5)) - ft(0.5), ft(0))
    i0 = np.minimum(src.astype(np.int64), size - 1)
    i1 = i0 + (i0 < size - 1)
    l1 = src - i0.astype(ft)
    l0 = ft(1) - l1
    return Taps(np.stack([i0, i1]), size, np.stack([l0, l1]))


def cubic_taps(size: int, out: int, align_corners: bool, scale, dtype) -> Taps:
    """Four-tap cubic convolution (A = -0.75) with the edge index repeated outside the input."""
    ft = _opmath(dtype)
    s = _linear_scale(size, out, align_corners, scale, ft)
    dst = np.arange(out, dtype=ft)
    src = s * dst if align_corners else s * (dst + ft(0.5)) - ft(0.5)
    base = np.floor(src)
    t = src - base
    a = ft(-0.75)

    def near(u):
        return ((a + 2) * u - (a + 3)) * u * u + 1

    def far(u):
        return ((a * u - 5 * a) * u + 8 * a) * u - 4 * a

    w = np.stack([far(t + 1), near(t), near(1 - t), far(2 - t)])
    b = base.astype(np.int64)
    idx = np.stack([np.clip(b + k, 0, size - 1) for k in (-1, 0, 1, 2)])
    return Taps(idx, size, w)


def window_bounds(size: int, out: int) -> tuple:
    """Adaptive pooling windows: [floor(o * size / out), ceil((o + 1) * size / out))."""
    o = np.arange(out)
    start = (o * size) // out
    end = -((-(o + 1) * size) // out)
    return start, end


def average_taps(size: int, out: int, dtype) -> Taps:
    """Adaptive average along one axis: each output averages its window."""
    start, end = window_bounds(size, out)
    length = end - start
    taps = int(length.max()) if out else 0
    k = np.arange(taps)[:, None]
    idx = np.minimum(start[None] + k, end[None] - 1)
    valid = k < length[None]
    weight = np.where(valid, 1.0 / length[None], 0.0).astype(_opmath(dtype))
    return Taps(idx, size, weight, valid)


# -- block shuffles ---------------------------------------------------------------------------------

class Shuffle(Op):
    """x read as shape `split`, axes permuted by `perm`, written as shape `out` (a copy): pixel_shuffle,
    pixel_unshuffle and channel_shuffle. The backward is the inverse shuffle."""

    @staticmethod
    def forward(ctx, x, split, perm, out):
        ctx.args = (x.shape, split, perm)
        return np.ascontiguousarray(x.reshape(split).transpose(perm)).reshape(out)

    @staticmethod
    def backward(ctx, g):
        shape, split, perm = ctx.args
        inv = tuple(int(i) for i in np.argsort(perm))
        return Shuffle.apply(g, tuple(split[p] for p in perm), inv, shape), None, None, None

    @staticmethod
    def backward_array(ctx, g):
        shape, split, perm = ctx.args
        inv = tuple(int(i) for i in np.argsort(perm))
        permuted = tuple(split[p] for p in perm)
        return np.ascontiguousarray(g.reshape(permuted).transpose(inv)).reshape(shape), None, None, None

"""Embedding primitives: row lookup (embedding) and per-bag reductions of looked-up rows (embedding_bag).

The weight gradient is a scatter-add of gradient rows into a zero table. NumPy's `np.add.at` is slow for
rows, so `add_rows` (and `scatter_rows` into zeros) sorts the indices once and writes each "layer" of
repeated indices with one fancy-indexed assignment (first occurrences, then second ones, ...), falling back
to `np.add.at` only for indices repeated more than a few times (index_add and x[idx]'s gradient use it
too). The Tensor `backward`s use index_add / index_select, so they are differentiable w.r.t. the incoming
gradient (double backward).
"""

from __future__ import annotations

import numpy as np

from ..backend.device import xp_of
from ._common import Op, Tensor

__all__: list = []

_make = Tensor._make
# layers of repeated indices written by fancy indexing before np.add.at takes the rest
_LAYERS = 8


def _group_starts(s):
    """Boolean mask of the positions of a sorted array where a new value starts."""
    first = np.empty(s.shape, bool)
    if s.size:
        first[0] = True
        np.not_equal(s[1:], s[:-1], out=first[1:])
    return first


def scatter_rows(idx, rows, n_rows: int):
    """A (n_rows, *rows.shape[1:]) array of zeros with rows[i] added at row idx[i] (idx may repeat)."""
    # zeros, not zeros_like: the table's untouched rows then cost no memory traffic
    out = xp_of(rows).zeros((n_rows,) + rows.shape[1:], rows.dtype)
    return add_rows(out, idx, rows, fresh=True)


def add_rows(out, idx, rows, fresh: bool = False):
    """out[idx[i]] += rows[i] for every i, in place (idx non-negative, may repeat); returns out. `fresh`:
    out is all zeros, so the first occurrences may be assigned instead of added."""
    if idx.size == 0:
        return out
    order = np.argsort(idx)
    s = idx[order]
    first = _group_starts(s)
    if first.all():  # no index repeats: one scatter
        if fresh:
            out[idx] = rows
        else:
            out[idx] += rows
        return out
    if fresh:
        out[s[first]] = rows[order[first]]
    else:
        out[s[first]] += rows[order[first]]
    pos = np.flatnonzero(~first)
    for _ in range(_LAYERS):
        if not pos.size:
            return out
        sub = s[pos]
        lead = _group_starts(sub)
        out[sub[lead]] += rows[order[pos[lead]]]
        pos = pos[~lead]
    if pos.size:
        np.add.at(out, s[pos], rows[order[pos]])
    return out


def _index_add_rows(n_rows: int, idx, rows: Tensor) -> Tensor:
    """Tensor form of scatter_rows (differentiable w.r.t. rows)."""
    zeros = _make(np.zeros_like(rows._data, shape=(n_rows,) + tuple(rows.shape[1:])))
    return zeros.index_add(0, _make(idx), rows)


def _sparse_grad(idx, values, size):
    """The row-sparse gradient (indices (1, nnz), values (nnz, dim)) of an embedding table."""
    from ..sparse import SparseTensor

    return SparseTensor._new(idx.reshape(1, -1).astype(np.int64, copy=False), values, size, False)


class Embedding(Op):
    """weight[indices]: one row of weight per index. The gradient skips padding_idx and, with
    scale_grad_by_freq, divides each row's gradient by how often its index occurs."""

    @staticmethod
    def forward(ctx, weight, *, indices, padding_idx: int | None, scale_grad_by_freq: bool, sparse: bool = False):
        ctx.indices = indices.reshape(-1)
        ctx.table = weight.shape
        ctx.padding_idx, ctx.freq, ctx.sparse = padding_idx, scale_grad_by_freq, sparse
        return np.take(weight, indices, axis=0)

    @staticmethod
    def _coef(ctx, dtype):
        """Per-index factor of the gradient rows (None when all are 1)."""
        idx = ctx.indices
        coef = None
        if ctx.freq and idx.size:
            counts = np.bincount(idx, minlength=ctx.table[0])
            coef = (1 / counts[idx]).astype(dtype)
        if ctx.padding_idx is not None:
            pad = idx == ctx.padding_idx
            if pad.any():
                coef = (np.ones(idx.shape, dtype) if coef is None else coef) * ~pad
        return coef

    @staticmethod
    def _sparse(ctx, g2):
        """The row-sparse weight gradient: one entry per index that is not padding_idx."""
        if ctx.freq:
            raise RuntimeError("embedding_backward: scale_grad_by_freq not supported with sparse gradients")
        idx = ctx.indices
        if ctx.padding_idx is not None:
            keep = idx != ctx.padding_idx
            idx, g2 = idx[keep], g2[keep]
        return _sparse_grad(idx, g2, ctx.table)

    @staticmethod
    def backward(ctx, g):
        d = ctx.table[1]
        g2 = g.reshape(-1, d)
        if ctx.sparse:
            return Embedding._sparse(ctx, g2._data)
        coef = Embedding._coef(ctx, g._data.dtype)
        if coef is not None:
            g2 = g2 * _make(coef[:, None])
        return _index_add_rows(ctx.table[0], ctx.indices, g2)

    @staticmethod
    def backward_array(ctx, g):
        d = ctx.table[1]
        g2 = g.reshape(-1, d)
        if ctx.sparse:
            return Embedding._sparse(ctx, g2)
        coef = Embedding._coef(ctx, g.dtype)
        if coef is not None:
            g2 = g2 * coef[:, None]
        return scatter_rows(ctx.indices, g2, ctx.table[0])


class EmbeddingBag(Op):
    """Per bag (a run indices[bounds[b]:bounds[b + 1]]), the sum, mean or max of its rows of weight
    (sum optionally weighted per index); entries equal to padding_idx are left out, empty bags give 0."""

    @staticmethod
    def forward(ctx, weight, psw, *, indices, bounds, mode: str, padding_idx: int | None,
                scale_grad_by_freq: bool, sparse: bool = False):
        n_bags = bounds.size - 1
        d = weight.shape[1]
        sizes = np.diff(bounds)
        idx = indices[:bounds[-1]]
        bag = np.repeat(np.arange(n_bags), sizes)
        valid = None if padding_idx is None else idx != padding_idx
        ctx.idx, ctx.bag, ctx.valid, ctx.mode, ctx.table = idx, bag, valid, mode, weight.shape
        ctx.freq, ctx.sparse = scale_grad_by_freq, sparse
        out = np.zeros_like(weight, shape=(n_bags, d))
        rows = np.take(weight, idx, axis=0)
        starts = bounds[:-1][sizes > 0]
        if mode == "max":
            if valid is not None:
                rows[~valid] = -np.inf
            full = np.flatnonzero(sizes > 0)
            arg = np.zeros_like(idx, shape=(0, d))
            if full.size:
                best = np.maximum.reduceat(rows, starts, axis=0)
                # per bag and column, the first position holding the maximum
                hit = rows == np.repeat(best, sizes[full], axis=0)
                arg = np.minimum.reduceat(np.where(hit, np.arange(idx.size)[:, None], idx.size), starts, axis=0)
                found = np.isfinite(best)  # a bag of padding only has no maximum: 0, no gradient
                out[full] = np.where(found, best, 0)
                arg = np.where(found, arg, -1)
            ctx.arg, ctx.full = arg, full
            return out
        if psw is not None:
            rows *= psw[:, None]
        if valid is not None:
            rows[~valid] = 0
        if starts.size:
            out[sizes > 0] = np.add.reduceat(rows, starts, axis=0)
        if mode == "mean":
            counts = np.bincount(bag[valid] if valid is not None else bag, minlength=n_bags)
            ctx.counts = counts
            out /= np.maximum(counts, 1)[:, None].astype(out.dtype)
        # the weight is needed only for the per-sample weights' gradient
        ctx.save_for_backward(None if psw is None else weight, psw)
        return out

    @staticmethod
    def _sparse(ctx, rows):
        """The row-sparse weight gradient: one entry per looked-up index that is not padding."""
        idx = ctx.idx
        if ctx.valid is not None:
            idx, rows = idx[ctx.valid], rows[ctx.valid]
        return _sparse_grad(idx, rows, ctx.table)

    @staticmethod
    def _max_targets(ctx):
        """For max mode: the flat weight positions receiving gradient, and which entries of the flattened
        (non-empty bags, columns) gradient they receive."""
        arg = ctx.arg
        d = arg.shape[1]
        pick = np.flatnonzero(arg.reshape(-1) >= 0)
        flat = ctx.idx[arg.reshape(-1)[pick]] * d + pick % d
        return flat, pick

    @staticmethod
    def _coef(ctx, dtype, psw):
        """Per-index factor of the weight gradient rows, as an array; psw (an array or Tensor) multiplies it."""
        idx, bag, valid = ctx.idx, ctx.bag, ctx.valid
        coef = np.ones(idx.shape, dtype)
        if valid is not None:
            coef *= valid
        if ctx.mode == "mean":
            coef /= np.maximum(ctx.counts, 1)[bag]
        if ctx.freq and idx.size:
            coef /= np.bincount(idx, minlength=ctx.table[0])[idx]
        return coef if psw is None else psw * coef

    @staticmethod
    def backward(ctx, g):
        v, d = ctx.table
        if ctx.mode == "max":
            flat, pick = EmbeddingBag._max_targets(ctx)
            gsel = g.index_select(0, _make(ctx.full)).reshape(-1).index_select(0, _make(pick))
            return _index_add_rows(v * d, flat, gsel).reshape(v, d), None
        weight, psw = ctx.saved_tensors
        need = ctx.needs_input_grad
        gb = g.index_select(0, _make(ctx.bag))
        gw = gpsw = None
        if need[0]:
            coef = EmbeddingBag._coef(ctx, g._data.dtype, None)
            c = _make(coef[:, None]) if psw is None else (psw * _make(coef)).unsqueeze(1)
            gw = EmbeddingBag._sparse(ctx, (gb * c)._data) if ctx.sparse else _index_add_rows(v, ctx.idx, gb * c)
        if need[1]:
            rows = weight.index_select(0, _make(ctx.idx))
            gpsw = (gb * rows).sum(1)
            if ctx.valid is not None:
                gpsw = gpsw * _make(ctx.valid.astype(g._data.dtype))
        return gw, gpsw

    @staticmethod
    def backward_array(ctx, g):
        v, d = ctx.table
        if ctx.mode == "max":
            flat, pick = EmbeddingBag._max_targets(ctx)
            return scatter_rows(flat, g[ctx.full].reshape(-1)[pick], v * d).reshape(v, d), None
        weight, psw = ctx.saved_tensors
        need = ctx.needs_input_grad
        gb = g[ctx.bag]
        gw = gpsw = None
        if need[0]:
            coef = EmbeddingBag._coef(ctx, g.dtype, None if psw is None else psw._data)
            rows = gb * coef[:, None]
            gw = EmbeddingBag._sparse(ctx, rows) if ctx.sparse else scatter_rows(ctx.idx, rows, v)
        if need[1]:
            gpsw = np.einsum("ij,ij->i", gb, np.take(weight._data, ctx.idx, axis=0))
            if ctx.valid is not None:
                gpsw *= ctx.valid
        return gw, gpsw

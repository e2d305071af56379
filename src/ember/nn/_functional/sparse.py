"""Lookup tables: embedding, embedding_bag and one_hot, with PyTorch's argument checks and messages; the
differentiable work is in ember.ops.embedding."""

from __future__ import annotations

import warnings

import numpy as np

from ... import _tensor
from ...backend import dtypes as _dt
from ...ops import embedding as _emb

Tensor = _tensor.Tensor

__all__ = ["embedding", "embedding_bag", "one_hot"]

_TENSOR_TYPE = {"float32": "FloatTensor", "float64": "DoubleTensor", "float16": "HalfTensor",
                "bfloat16": "BFloat16Tensor", "int64": "LongTensor", "int32": "IntTensor", "int16": "ShortTensor",
                "int8": "CharTensor", "uint8": "ByteTensor", "bool": "BoolTensor"}


def _index_array(input: Tensor, fn: str):
    """input's indices as an int64 array; only int64 and int32 tensors are accepted, as in PyTorch."""
    arr = input._data
    if arr.dtype not in (np.int64, np.int32):
        name = _TENSOR_TYPE.get(_dt._FROM_NP[arr.dtype].name, str(arr.dtype))
        raise RuntimeError("Expected tensor for argument #1 'indices' to have one of the following scalar types: "
                           f"Long, Int; but got torch.{name} instead (while checking arguments for {fn})")
    return arr.astype(np.int64, copy=False)


def _renorm_(weight: Tensor, idx, max_norm: float, norm_type: float) -> None:
    """Rescale, in place and outside autograd, the rows of weight that idx uses whose norm_type-norm
    exceeds max_norm, to norm max_norm (the rows are kept a hair below it, as PyTorch does)."""
    rows = np.unique(idx)
    if not rows.size:
        return
    w = weight._data
    sub = w[rows]
    p = float(norm_type)
    if p == np.inf:
        norms = np.abs(sub).max(axis=1)
    elif p == 0:
        norms = (sub != 0).sum(axis=1).astype(w.dtype)
    else:
        norms = (np.abs(sub) ** p).sum(axis=1) ** (1 / p)
    over = norms > max_norm
    if over.any():
        scale = max_norm / (norms[over] + 1e-7)
        w[rows[over]] = sub[over] * scale[:, None].astype(w.dtype)
        weight._vc[0] += 1


def _padding_index(padding_idx, n: int) -> int | None:
    if padding_idx is None:
        return None
    if padding_idx > 0:
        if padding_idx >= n:
            raise AssertionError("Padding_idx must be within num_embeddings")
    elif padding_idx < 0:
        if padding_idx < -n:
            raise AssertionError("Padding_idx must be within num_embeddings")
        padding_idx = n + padding_idx
    return int(padding_idx)


def embedding(input: Tensor, weight: Tensor, padding_idx: int | None = None, max_norm: float | None = None,
              norm_type: float = 2.0, scale_grad_by_freq: bool = False, sparse: bool = False) -> Tensor:
    """Rows of weight (num_embeddings, dim) picked by the integer tensor input: shape input.shape + (dim,).
    padding_idx's row gets no gradient; max_norm renormalises the used rows of weight in place."""
    pad = _padding_index(padding_idx, weight.size(0))
    idx = _index_array(input, "embedding")
    if weight.dim() != 2:
        raise RuntimeError("'weight' must be 2-D")
    n = weight._data.shape[0]
    if idx.size and (int(idx.min()) < 0 or int(idx.max()) >= n):
        raise IndexError("index out of range in self")
    if max_norm is not None:
        _renorm_(weight, idx, max_norm, norm_type)
    return _emb.Embedding.apply(weight, indices=idx, padding_idx=pad, scale_grad_by_freq=bool(scale_grad_by_freq),
                                sparse=bool(sparse))


def _check_offsets(offsets, n: int, include_last: bool):
    """The bag boundaries (n_bags + 1 of them) from PyTorch's offsets argument."""
    if offsets.size and int(offsets[0]) != 0:
        raise RuntimeError("offsets[0] has to be 0, i.e., the first sequence in the mini-batch has to start from "
                           f"position 0. However, got {int(offsets[0])}\n[ torch.LongTensor{{}} ]")
    if offsets.size and int(offsets[-1]) > n:
        raise RuntimeError(f"offsets[-1] can not be greater than input's length {n} but got offsets[-1] of "
                           f"{int(offsets[-1])}")
    if offsets.size > 1 and bool((np.diff(offsets) < 0).any()):
        raise RuntimeError("Expected i < index_size to be true, but got false.  (Could this error message be "
                           "improved?  If so, please report an enhancement request to PyTorch.)")
    # with include_last_offset the last offset ends the last bag (as documented; PyTorch's CPU kernels
    # disagree among themselves when it is not the input's length)
    if include_last:
        return offsets if offsets.size else np.zeros(1, np.int64)
    return np.append(offsets, n) if offsets.size else np.zeros(1, np.int64)


def embedding_bag(input: Tensor, weight: Tensor, offsets: Tensor | None = None, max_norm: float | None = None,
                  norm_type: float = 2, scale_grad_by_freq: bool = False, mode: str = "mean", sparse: bool = False,
                  per_sample_weights: Tensor | None = None, include_last_offset: bool = False,
                  padding_idx: int | None = None) -> Tensor:
    """Sum, mean or max of the embedding rows in each bag: the rows of a 2-D input, or the runs of a 1-D input
    starting at `offsets`. padding_idx entries are left out; empty bags give zeros."""
    if weight._data.dtype.kind in "iu" and input._data.dtype.kind == "f":
        warnings.warn("Argument order of nn.functional.embedding_bag was changed. Usage `embedding_bag(weight, "
                      "input, ...)` is deprecated, and should now be `embedding_bag(input, weight, ...)`.",
                      stacklevel=2)
        weight, input = input, weight
    if per_sample_weights is not None and tuple(input.shape) != tuple(per_sample_weights.shape):
        raise ValueError(f"embedding_bag: If per_sample_weights ({per_sample_weights.shape}) is not None, then it "
                         f"must have the same shape as the input ({input.shape})")
    if weight.dim() != 2:
        raise ValueError(f"weight has to be a 2D Tensor, but got Tensor of dimension {weight.dim()}")
    if input.dim() == 2:
        if offsets is not None:
            kind = "<class 'torch.Tensor'>" if type(offsets) is Tensor else str(type(offsets))
            raise ValueError("if input is 2D, then offsets has to be None, as input is treated is a mini-batch of "
                             f"fixed length sequences. However, found offsets of type {kind}")
        b, length = input._data.shape
        off = np.arange(0, b * length, length, dtype=np.int64) if length else np.zeros(b, np.int64)
        include_last_offset = False
        input = input.reshape(-1)
        if per_sample_weights is not None:
            per_sample_weights = per_sample_weights.reshape(-1)
    elif input.dim() == 1:
        if offsets is None:
            raise ValueError("offsets has to be a 1D Tensor but got None")
        if offsets.dim() != 1:
            raise ValueError("offsets has to be a 1D Tensor")
        off = None
    else:
        raise ValueError(f"input has to be 1D or 2D Tensor, but got Tensor of dimension {input.dim()}")
    if mode == "max":
        if scale_grad_by_freq:
            raise ValueError("max mode does not support scaling the gradient by the frequency")
        if sparse:
            raise ValueError("max mode does not support sparse weights")
    elif mode not in ("sum", "mean"):
        raise ValueError("mode has to be one of sum, mean or max")
    idx = _index_array(input, "embedding_bag")
    if off is None:
        off = _index_array(offsets, "embedding_bag")
    if max_norm is not None:
        _renorm_(weight, idx, max_norm, norm_type)
    if per_sample_weights is not None and mode != "sum":
        raise NotImplementedError("embedding_bag: per_sample_weights was not None. per_sample_weights is only "
                                  f"supported for mode='sum' (got mode='{mode}'). Please open a feature request "
                                  "on GitHub.")
    n = weight._data.shape[0]
    if padding_idx is not None:
        if not -n <= padding_idx < n:
            raise RuntimeError(f"padding_idx must be within the number of embeddings, -{n} through {n - 1}, but got "
                               f"{padding_idx}")
        padding_idx = int(padding_idx) % n
    bad = np.flatnonzero((idx < 0) | (idx >= n))
    if bad.size:
        raise RuntimeError(f"Index {int(bad[0])} of input takes value {int(idx[bad[0]])} which is not in the valid "
                           f"range [0, {n})")
    bounds = _check_offsets(off, idx.size, include_last_offset)
    return _emb.EmbeddingBag.apply(weight, per_sample_weights, indices=idx, bounds=bounds, mode=mode,
                                   padding_idx=padding_idx, scale_grad_by_freq=bool(scale_grad_by_freq),
                                   sparse=bool(sparse))


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """int64 tensor of shape tensor.shape + (num_classes,) with a 1 at each value's class (num_classes=-1:
    one more than the largest value)."""
    arr = tensor._data
    if arr.dtype != np.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    if num_classes == -1:
        if arr.size == 0:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        num_classes = int(arr.max()) + 1
    if arr.size:
        if int(arr.min()) < 0:
            raise RuntimeError("Class values must be non-negative.")
        if int(arr.max()) >= num_classes:
            raise RuntimeError("Class values must be smaller than num_classes.")
    elif num_classes < 0:
        raise RuntimeError("Class values must be smaller than num_classes.")
    out = np.zeros_like(arr, shape=arr.shape + (num_classes,))
    np.put_along_axis(out, arr[..., None], 1, axis=-1)
    return Tensor._make(out)

"""Shape ops. Most return views that share memory (and the version counter) with their input."""

from __future__ import annotations

import numpy as np

from .. import _tensor
from ._common import Op, Tensor, make_view, wrap_dim

__all__ = ["reshape", "transpose", "swapaxes", "swapdims", "permute", "squeeze", "unsqueeze", "flatten",
           "t"]
METHODS = ("view", "view_as", "reshape", "reshape_as", "transpose", "swapaxes", "swapdims", "permute",
           "expand", "expand_as", "squeeze", "unsqueeze", "flatten", "t")
INPLACE = ()

_size = _tensor._normalize_size


def _infer_shape(shape: tuple, numel: int) -> tuple:
    """Resolve one -1 in `shape`, with PyTorch's errors."""
    neg = [i for i, s in enumerate(shape) if s == -1]
    if len(neg) > 1:
        raise RuntimeError("only one dimension can be inferred")
    for s in shape:
        if s < -1:
            raise RuntimeError(f"invalid shape dimension {s}")
    known = 1
    for s in shape:
        if s != -1:
            known *= s
    if neg:
        if known == 0 or numel % known:
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
        shape = shape[:neg[0]] + (numel // known,) + shape[neg[0] + 1:]
    elif known != numel:
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
    return shape


def _try_view(x, shape):
    """A view of x with `shape`, or None when the strides do not allow one (PyTorch's view rule)."""
    try:
        return x.reshape(shape, copy=False)
    except (ValueError, AttributeError):
        return None


class View(Op):
    @staticmethod
    def forward(ctx, x, shape):
        ctx.in_shape = x.shape
        out = _try_view(x, shape)
        if out is None:
            raise RuntimeError("view size is not compatible with input tensor's size and stride (at least one "
                               "dimension spans across two contiguous subspaces). Use .reshape(...) instead.")
        return out

    @staticmethod
    def backward(ctx, g):
        return g.reshape(ctx.in_shape), None


class Reshape(Op):
    """The copying reshape, when no view is possible."""

    _name = "UnsafeViewBackward0"

    @staticmethod
    def forward(ctx, x, shape):
        ctx.in_shape = x.shape
        return np.reshape(x, shape).copy()

    @staticmethod
    def backward(ctx, g):
        return g.reshape(ctx.in_shape), None


def view(self: Tensor, *shape) -> Tensor:
    """The same data with another shape (-1 inferred); needs compatible strides, else use reshape."""
    if len(shape) == 1 and not isinstance(shape[0], (int, np.integer, tuple, list, _tensor.Size)):
        return self.to(shape[0])  # view(dtype) is not supported as a reinterpretation; cast instead
    shape = _infer_shape(_size(shape), self._data.size)
    return make_view(View.apply(self, shape), self, lambda b: view(b, shape))


def view_as(self: Tensor, other: Tensor) -> Tensor:
    return view(self, other.shape)


def reshape(input: Tensor, *shape) -> Tensor:
    """A view when the strides allow it, else a copy."""
    shape = _infer_shape(_size(shape), input._data.size)
    if _try_view(input._data, shape) is not None:
        return make_view(View.apply(input, shape), input, lambda b: reshape(b, shape))
    return Reshape.apply(input, shape)


def reshape_as(self: Tensor, other: Tensor) -> Tensor:
    return reshape(self, other.shape)


class Transpose(Op):
    @staticmethod
    def forward(ctx, x, d0, d1):
        ctx.dims = (d0, d1)
        return np.swapaxes(x, d0, d1) if x.ndim else x.view()

    @staticmethod
    def backward(ctx, g):
        return g.transpose(*ctx.dims), None, None


def transpose(input: Tensor, dim0: int, dim1: int) -> Tensor:
    n = input._data.ndim
    d0, d1 = wrap_dim(dim0, n), wrap_dim(dim1, n)
    return make_view(Transpose.apply(input, d0, d1), input, lambda b: transpose(b, d0, d1))


swapaxes = swapdims = transpose


def t(input: Tensor) -> Tensor:
    """Transpose of a tensor with at most 2 dims."""
    n = input._data.ndim
    if n > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {n}D")
    if n < 2:
        return make_view(View.apply(input, input._data.shape), input, t)
    out = Transpose.apply(input, 0, 1)
    if out.grad_fn is not None:
        out.grad_fn._name = "TBackward0"
    return make_view(out, input, t)


class Permute(Op):
    @staticmethod
    def forward(ctx, x, dims):
        ctx.dims = dims
        return np.transpose(x, dims)

    @staticmethod
    def backward(ctx, g):
        return g.permute(tuple(np.argsort(ctx.dims).tolist())), None


def permute(input: Tensor, *dims) -> Tensor:
    n = input._data.ndim
    dims = _size(dims) if dims else ()
    if len(dims) != n:
        raise RuntimeError(f"permute(sparse_coo): number of dimensions in the tensor input does not match "
                           f"the length of the desired ordering of dimensions i.e. input.dim() = {n} is not "
                           f"equal to len(dims) = {len(dims)}")
    dims = tuple(wrap_dim(d, n) for d in dims)
    if len(set(dims)) != n:
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    return make_view(Permute.apply(input, dims), input, lambda b: permute(b, dims))


class Expand(Op):
    @staticmethod
    def forward(ctx, x, shape):
        return np.broadcast_to(x, shape)

    @staticmethod
    def backward(ctx, g):
        return g, None  # the engine sums the broadcast gradient back to the input's shape


def expand(self: Tensor, *sizes) -> Tensor:
    sizes = _size(sizes)
    shape = self._data.shape
    if len(sizes) < len(shape):
        raise RuntimeError(f"expand(torch.FloatTensor{{{list(shape)}}}, size={list(sizes)}): the number of "
                           f"sizes provided ({len(sizes)}) must be greater or equal to the number of "
                           f"dimensions in the tensor ({len(shape)})")
    lead = len(sizes) - len(shape)
    target = []
    for i, s in enumerate(sizes):
        if i < lead:
            if s < 0:
                raise RuntimeError(f"The expanded size of the tensor ({s}) isn't allowed in a leading, "
                                   "non-existing dimension 0")
            target.append(s)
        else:
            cur = shape[i - lead]
            if s == -1:
                target.append(cur)
            elif cur != s and cur != 1:
                raise RuntimeError(f"The expanded size of the tensor ({s}) must match the existing size "
                                   f"({cur}) at non-singleton dimension {i}.  Target sizes: {list(sizes)}.  "
                                   f"Tensor sizes: {list(shape)}")
            else:
                target.append(s)
    target = tuple(target)
    return make_view(Expand.apply(self, target), self, lambda b: expand(b, target))


def expand_as(self: Tensor, other: Tensor) -> Tensor:
    return expand(self, other.shape)


class Squeeze(Op):
    @staticmethod
    def forward(ctx, x, axes):
        ctx.in_shape = x.shape
        return np.squeeze(x, axis=axes) if axes else x.view()

    @staticmethod
    def backward(ctx, g):
        return g.reshape(ctx.in_shape), None


def squeeze(input: Tensor, dim=None) -> Tensor:
    """Remove size-1 dims (all, or those in `dim`; others named in `dim` are left alone)."""
    shape = input._data.shape
    if dim is None:
        axes = tuple(i for i, s in enumerate(shape) if s == 1)
    else:
        dims = (dim,) if isinstance(dim, (int, np.integer)) else tuple(dim)
        axes = tuple(sorted({wrap_dim(int(d), len(shape)) for d in dims} if shape else ()))
        axes = tuple(a for a in axes if shape[a] == 1)
    out = Squeeze.apply(input, axes)
    if dim is not None and out.grad_fn is not None:
        out.grad_fn._name = "SqueezeBackward1"
    return make_view(out, input, lambda b: squeeze(b, dim))


class Unsqueeze(Op):
    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        return np.expand_dims(x, dim)

    @staticmethod
    def backward(ctx, g):
        return g.squeeze(ctx.dim), None


def unsqueeze(input: Tensor, dim: int) -> Tensor:
    d = wrap_dim(dim, input._data.ndim + 1)
    return make_view(Unsqueeze.apply(input, d), input, lambda b: unsqueeze(b, d))


def flatten(input: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    shape = input._data.shape
    if not shape:
        return reshape(input, (1,))
    s, e = wrap_dim(start_dim, len(shape)), wrap_dim(end_dim, len(shape))
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    n = 1
    for k in shape[s:e + 1]:
        n *= k
    return reshape(input, shape[:s] + (n,) + shape[e + 1:])

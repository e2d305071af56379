"""Shape ops. The ones PyTorch implements as views (view, reshape when possible, transpose, permute,
expand, squeeze, narrow, split, diagonal, unfold, ...) return arrays sharing the input's memory, wrapped
with `make_view`; the others (cat, flip, roll, repeat, tril, ...) return new memory."""

from __future__ import annotations

import math

import numpy as np

from .. import _tensor
from ..backend import dtypes as _dt
from ..backend.device import xp_of
from ._common import Op, Tensor, make_view, result_dtype, wrap_dim
from .indexing import basic_view, index_select

__all__ = ["reshape", "flatten", "unflatten", "ravel", "squeeze", "unsqueeze", "transpose", "swapaxes",
           "swapdims", "t", "permute", "movedim", "moveaxis", "broadcast_to", "broadcast_tensors",
           "broadcast_shapes", "repeat_interleave", "tile", "flip", "fliplr", "flipud", "roll", "rot90",
           "narrow", "select", "cat", "concat", "concatenate", "stack", "hstack", "vstack", "dstack",
           "row_stack", "column_stack", "split", "tensor_split", "hsplit", "vsplit", "dsplit", "chunk",
           "unbind", "tril", "triu", "diag", "diagonal", "diag_embed", "as_strided", "atleast_1d",
           "atleast_2d", "atleast_3d"]
METHODS = ("view", "view_as", "reshape", "reshape_as", "flatten", "unflatten", "ravel", "squeeze",
           "unsqueeze", "transpose", "swapaxes", "swapdims", "t", "permute", "movedim", "moveaxis", "expand",
           "expand_as", "broadcast_to", "repeat", "repeat_interleave", "tile", "flip", "fliplr", "flipud",
           "roll", "rot90", "narrow", "select", "split", "tensor_split", "hsplit", "vsplit", "dsplit",
           "chunk", "unbind", "tril", "triu", "diag", "diagonal", "diag_embed", "unfold", "as_strided")
INPLACE = ("tril", "triu")

_size = _tensor._normalize_size


def _sizes(args: tuple, kwargs: dict, name: str, fn: str) -> tuple:
    """Sizes given as `*args` or as PyTorch's one keyword `name=` (view(size=...), permute(dims=...))."""
    if not kwargs:
        return args
    extra = [k for k in kwargs if k != name]
    if extra:
        raise TypeError(f"{fn}() got an unexpected keyword argument '{extra[0]}'")
    if args:
        raise TypeError(f"{fn}() got multiple values for argument '{name}'")
    return (kwargs[name],)


def _as_strided(x, shape, strides):
    """A view of x's memory with byte strides (writable when x is; CuPy has the same helper)."""
    return xp_of(x).lib.stride_tricks.as_strided(x, shape, strides)


def _dims(dims, ndim: int) -> tuple:
    """Wrapped dims in the given order, rejecting repeats with PyTorch's message."""
    out = []
    for d in dims:
        w = wrap_dim(int(d), ndim)
        if w in out:
            raise RuntimeError(f"dim {w} appears multiple times in the list of dims")
        out.append(w)
    return tuple(out)


def _int_list(x) -> tuple:
    if isinstance(x, (int, np.integer)):
        return (int(x),)
    return tuple(int(v) for v in x)


# -- view, reshape ---------------------------------------------------------------------------------

def _infer_shape(shape: tuple, numel: int) -> tuple:
    """Resolve one -1 in `shape`, with PyTorch's errors."""
    neg = [i for i, s in enumerate(shape) if s == -1]
    if len(neg) > 1:
        raise RuntimeError("only one dimension can be inferred")
    for i, s in enumerate(shape):
        if s < -1:
            raise RuntimeError(f"invalid shape dimension {s} at index {i} of shape {list(shape)}")
    known = 1
    for s in shape:
        if s != -1:
            known *= s
    if neg:
        if known == 0 and numel == 0:
            raise RuntimeError(f"cannot reshape tensor of 0 elements into shape {list(shape)} because the "
                               "unspecified dimension size -1 can be any value and is ambiguous")
        if known == 0 or numel % known:
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
        shape = shape[:neg[0]] + (numel // known,) + shape[neg[0] + 1:]
    elif known != numel:
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
    return shape


def _viewable(shape: tuple, strides: tuple, new_shape: tuple) -> bool:
    """Whether memory laid out as (shape, strides) can be read as new_shape without a copy.

    Going from the innermost dim outwards, input dims that are contiguous with each other form chunks;
    every chunk must be covered exactly by a run of output dims (size-1 dims fit anywhere)."""
    if math.prod(shape) <= 1:
        return True
    out_d = len(new_shape) - 1
    base = strides[-1]
    chunk = out = 1
    for d in range(len(shape) - 1, -1, -1):
        chunk *= shape[d]
        if d == 0 or (shape[d - 1] != 1 and strides[d - 1] != chunk * base):
            while out_d >= 0 and (out < chunk or new_shape[out_d] == 1):
                out *= new_shape[out_d]
                out_d -= 1
            if out != chunk:
                return False
            if d > 0:
                base = strides[d - 1]
                chunk = out = 1
    return out_d == -1


def _try_view(x, shape):
    """A view of x with `shape`, or None when the strides do not allow one (PyTorch's view rule)."""
    if _viewable(x.shape, x.strides, shape):
        return x.reshape(shape)
    return None


class View(Op):
    @staticmethod
    def forward(ctx, x, shape):
        ctx.in_shape = x.shape
        out = _try_view(x, shape)
        if out is None:
            raise RuntimeError("view size is not compatible with input tensor's size and stride (at least "
                               "one dimension spans across two contiguous subspaces). Use .reshape(...) "
                               "instead.")
        return out

    @staticmethod
    def backward(ctx, g):
        return g.reshape(ctx.in_shape), None

    @staticmethod
    def backward_array(ctx, g):
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

    @staticmethod
    def backward_array(ctx, g):
        return g.reshape(ctx.in_shape), None


def _view_shape(self: Tensor, shape: tuple) -> Tensor:
    return make_view(View.apply(self, shape), self, lambda b: _view_shape(b, shape))


def _view_dtype(self: Tensor, dtype: _dt.dtype) -> Tensor:
    """Reinterpret the bytes as another dtype (the last dim rescales when item sizes differ)."""
    x = self._data
    if dtype.np == x.dtype:
        return _view_shape(self, x.shape)
    src, dst = _type_name(x.dtype), _type_name(dtype.np)
    old, new = x.itemsize, dtype.itemsize
    if old != new:
        if x.ndim == 0:
            raise RuntimeError(f"self.dim() cannot be 0 to view {src} as {dst} (different element sizes)")
        if x.shape[-1] != 1 and x.strides[-1] != old:
            raise RuntimeError(f"self.stride(-1) must be 1 to view {src} as {dst} (different element sizes), "
                               f"but got {x.strides[-1] // old}")
        if new > old and x.shape[-1] % (new // old):
            raise RuntimeError(f"self.size(-1) must be divisible by {new // old} to view {src} as {dst} "
                               f"(different element sizes), but got {x.shape[-1]}")
        if x.shape[-1] == 1 and x.strides[-1] != old:
            x = _as_strided(x, x.shape, x.strides[:-1] + (old,))
    out = Tensor._make(x.view(dtype.np))
    return make_view(out, self, lambda b: _view_dtype(b, dtype))


_TYPE_NAMES = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long", "int32": "Int",
               "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}


def _type_name(np_dtype) -> str:
    return _TYPE_NAMES.get(np_dtype.name, np_dtype.name)


def view(self: Tensor, *shape, **kwargs) -> Tensor:
    """The same memory with another shape (one -1 inferred), or `view(dtype)` reinterpreting the bytes.
    Raises when the strides allow no such view (use reshape)."""
    shape = _sizes(shape, kwargs, "size", "view")
    if len(shape) == 1 and isinstance(shape[0], _dt.dtype):
        return _view_dtype(self, shape[0])
    return _view_shape(self, _infer_shape(_size(shape), self._data.size))


def view_as(self: Tensor, other: Tensor) -> Tensor:
    """view with other's shape."""
    return view(self, other.shape)


def reshape(input: Tensor, *shape, **kwargs) -> Tensor:
    """A view when the strides allow it, else a copy."""
    shape = _sizes(shape, kwargs, "shape", "reshape")
    shape = _infer_shape(_size(shape), input._data.size)
    if _viewable(input._data.shape, input._data.strides, shape):
        return _view_shape(input, shape)
    return Reshape.apply(input, shape)


def reshape_as(self: Tensor, other: Tensor) -> Tensor:
    """reshape to other's shape."""
    return reshape(self, other.shape)


def flatten(input: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge dims start_dim..end_dim into one (a view when possible)."""
    shape = input._data.shape
    if not shape:
        return reshape(input, (1,))
    s, e = wrap_dim(start_dim, len(shape)), wrap_dim(end_dim, len(shape))
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if s == e:
        return input
    return reshape(input, shape[:s] + (math.prod(shape[s:e + 1]),) + shape[e + 1:])


def ravel(input: Tensor) -> Tensor:
    """The tensor as 1-D (a view when possible)."""
    return reshape(input, (-1,))


def unflatten(input: Tensor, dim: int, sizes) -> Tensor:
    """Split dim into `sizes` (one -1 inferred); always a view."""
    shape = input._data.shape
    dim = wrap_dim(dim, len(shape))
    sizes = _size((sizes,)) if not isinstance(sizes, (int, np.integer)) else (int(sizes),)
    if not sizes:
        raise RuntimeError("unflatten: sizes must be non-empty")
    n = shape[dim]
    if -1 in sizes:
        known = math.prod(s for s in sizes if s != -1)
        if sizes.count(-1) > 1:
            raise RuntimeError("only one dimension can be inferred")
        if known == 0 or n % known:
            raise RuntimeError(f"unflatten: Provided sizes {list(sizes)} don't multiply up to the size of "
                               f"dim {dim} ({n}) in the input tensor")
        sizes = tuple(n // known if s == -1 else s for s in sizes)
    if math.prod(sizes) != n:
        raise RuntimeError(f"unflatten: Provided sizes {list(sizes)} don't multiply up to the size of dim "
                           f"{dim} ({n}) in the input tensor")
    return view(input, shape[:dim] + sizes + shape[dim + 1:])


# -- dims: squeeze, transpose, permute -------------------------------------------------------------

class Squeeze(Op):
    @staticmethod
    def forward(ctx, x, axes):
        ctx.in_shape = x.shape
        return np.squeeze(x, axis=axes) if axes else x.view()

    @staticmethod
    def backward(ctx, g):
        return g.reshape(ctx.in_shape), None


def squeeze(input: Tensor, dim=None) -> Tensor:
    """Remove size-1 dims (all, or those in `dim`; other dims named in `dim` are left alone)."""
    shape = input._data.shape
    if dim is None:
        axes = tuple(i for i, s in enumerate(shape) if s == 1)
        name = "SqueezeBackward0"
    else:
        many = not isinstance(dim, (int, np.integer))
        dims = _dims(dim if many else (dim,), len(shape))
        axes = tuple(sorted(a for a in dims if shape and shape[a] == 1))
        name = "SqueezeBackward2" if many else "SqueezeBackward1"
    out = Squeeze.apply(input, axes)
    if out.grad_fn is not None:
        out.grad_fn._name = name
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
    """A view with a size-1 dim inserted at dim."""
    d = wrap_dim(dim, input._data.ndim + 1)
    return make_view(Unsqueeze.apply(input, d), input, lambda b: unsqueeze(b, d))


class Transpose(Op):
    @staticmethod
    def forward(ctx, x, d0, d1):
        ctx.dims = (d0, d1)
        return np.swapaxes(x, d0, d1) if x.ndim else x.view()

    @staticmethod
    def backward(ctx, g):
        return g.transpose(*ctx.dims), None, None

    @staticmethod
    def backward_array(ctx, g):
        return (np.swapaxes(g, *ctx.dims) if g.ndim else g), None, None


def transpose(input: Tensor, dim0: int, dim1: int) -> Tensor:
    """Swap two dims (a view)."""
    n = input._data.ndim
    d0, d1 = wrap_dim(dim0, n), wrap_dim(dim1, n)
    return make_view(Transpose.apply(input, d0, d1), input, lambda b: transpose(b, d0, d1))


swapaxes = swapdims = transpose


def t(input: Tensor) -> Tensor:
    """Transpose of a tensor with at most 2 dims."""
    n = input._data.ndim
    if n > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {n}D")
    out = Transpose.apply(input, 0, n - 1 if n else 0)
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

    @staticmethod
    def backward_array(ctx, g):
        return np.transpose(g, np.argsort(ctx.dims)), None


def permute(input: Tensor, *dims, **kwargs) -> Tensor:
    """Reorder the dims (a view)."""
    dims = _sizes(dims, kwargs, "dims", "permute")
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


def movedim(input: Tensor, source, destination) -> Tensor:
    """Move the dims in source to the positions in destination; the others keep their order."""
    n = input._data.ndim
    src, dst = _int_list(source), _int_list(destination)
    if len(src) != len(dst):
        raise RuntimeError(f"movedim: Invalid source or destination dims: source ({list(src)} dims) should "
                           f"contain the same number of dims as destination ({list(dst)} dims)")
    src = tuple(wrap_dim(d, n) for d in src)
    dst = tuple(wrap_dim(d, n) for d in dst)
    if len(set(src)) != len(src):
        raise RuntimeError(f"movedim: repeated dim in `source` ({list(_int_list(source))})")
    if len(set(dst)) != len(dst):
        raise RuntimeError(f"movedim: repeated dim in `destination` ({list(_int_list(destination))})")
    order = [None] * n
    for s, d in zip(src, dst):
        order[d] = s
    rest = iter(d for d in range(n) if d not in src)
    order = [next(rest) if o is None else o for o in order]
    return permute(input, order)


moveaxis = movedim


# -- broadcasting ----------------------------------------------------------------------------------

class Expand(Op):
    @staticmethod
    def forward(ctx, x, shape):
        lead = len(shape) - x.ndim
        strides = (0,) * lead + tuple(0 if n == 1 and s != 1 else st
                                      for n, s, st in zip(x.shape, shape[lead:], x.strides))
        return _as_strided(x, shape, strides)

    @staticmethod
    def backward(ctx, g):
        return g, None  # the engine sums the broadcast gradient back to the input's shape

    @staticmethod
    def backward_array(ctx, g):
        return g, None


def expand(self: Tensor, *sizes, **kwargs) -> Tensor:
    """A broadcast view to `sizes` (-1 keeps a dim); new dims are prepended."""
    sizes = _sizes(sizes, kwargs, "size", "expand")
    sizes = _size(sizes)
    shape = self._data.shape
    if len(sizes) < len(shape):
        raise RuntimeError(f"expand({self.type()}{{{list(shape)}}}, size={list(sizes)}): the number of "
                           f"sizes provided ({len(sizes)}) must be greater or equal to the number of "
                           f"dimensions in the tensor ({len(shape)})")
    lead = len(sizes) - len(shape)
    target = []
    for i, s in enumerate(sizes):
        if i < lead:
            if s < 0:
                raise RuntimeError(f"The expanded size of the tensor ({s}) isn't allowed in a leading, "
                                   f"non-existing dimension {i}")
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
    """expand to other's shape."""
    return expand(self, other.shape)


def broadcast_to(input: Tensor, size) -> Tensor:
    """expand to size (a broadcast view)."""
    return expand(input, _size((size,)))


def broadcast_shapes(*shapes) -> _tensor.Size:
    """The shape that all `shapes` broadcast to (each a sequence of ints or an int)."""
    out: list = []
    for k, s in enumerate(shapes):
        s = _int_list(s)
        if any(n < 0 for n in s):
            raise ValueError("Attempting to broadcast a dimension with negative length!")
        if len(s) > len(out):
            out = [1] * (len(s) - len(out)) + out
        for i in range(1, len(s) + 1):
            n, cur = s[-i], out[-i]
            if cur == 1 or n == cur:
                out[-i] = n if cur == 1 else cur
            elif n != 1:
                raise RuntimeError(f"Attempting to broadcast a dimension of length {n} at {-i}! Mismatching "
                                   f"argument at index {k} had {tuple(s)}; but expected shape should be "
                                   f"broadcastable to {out}")
    return _tensor.Size(out)


def _infer_size(a: tuple, b: tuple) -> tuple:
    n = max(len(a), len(b))
    out = [0] * n
    for i in range(n - 1, -1, -1):  # from the last dim, so the reported mismatch is PyTorch's
        da = a[i - n + len(a)] if i - n + len(a) >= 0 else 1
        db = b[i - n + len(b)] if i - n + len(b) >= 0 else 1
        if da != db and da != 1 and db != 1:
            raise RuntimeError(f"The size of tensor a ({da}) must match the size of tensor b ({db}) at "
                               f"non-singleton dimension {i}")
        out[i] = db if da == 1 else da
    return tuple(out)


def broadcast_tensors(*tensors) -> tuple:
    """Expand every tensor to their common broadcast shape (tensors already of that shape are returned)."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    shape: tuple = ()
    for t_ in tensors:
        shape = _infer_size(shape, t_._data.shape)
    return tuple(t_ if t_._data.shape == shape else expand(t_, shape) for t_ in tensors)


# -- repetition ------------------------------------------------------------------------------------

class Repeat(Op):
    @staticmethod
    def forward(ctx, x, reps):
        ctx.orig = x.shape
        x = x.reshape((1,) * (len(reps) - x.ndim) + x.shape)
        ctx.in_shape, ctx.reps = x.shape, reps
        return np.tile(x, reps)

    @staticmethod
    def backward(ctx, g):
        if not ctx.reps:
            return g, None
        inter = []
        for r, s in zip(ctx.reps, ctx.in_shape):
            inter += [r, s]
        return g.reshape(inter).sum(tuple(range(0, 2 * len(ctx.reps), 2))).reshape(ctx.orig), None


def repeat(self: Tensor, *sizes, **kwargs) -> Tensor:
    """Tile the tensor `sizes[i]` times along each dim (new leading dims allowed); copies."""
    sizes = _sizes(sizes, kwargs, "repeats", "repeat")
    reps = _size(sizes)
    shape = self._data.shape
    if len(reps) < len(shape):
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number of dimensions "
                           "of tensor")
    padded = (1,) * (len(reps) - len(shape)) + shape
    out_shape = [r * s for r, s in zip(reps, padded)]
    for n in out_shape:
        if n < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {n}: {out_shape}")
    return Repeat.apply(self, reps)


def tile(input: Tensor, *dims, **kwargs) -> Tensor:
    """repeat, with `dims` padded with leading ones to the tensor's rank."""
    dims = _sizes(dims, kwargs, "dims", "tile")
    reps = _size(dims)
    reps = (1,) * (input._data.ndim - len(reps)) + reps
    return repeat(input, reps)


def repeat_interleave(input: Tensor, repeats=None, dim: int | None = None, *, output_size=None) -> Tensor:
    """Repeat each element (or each slice along dim) `repeats` times (an int or one count per element).
    With only a tensor of counts, returns the indices repeated by those counts."""
    if repeats is None:
        counts = input._data
        if counts.ndim > 1:
            raise RuntimeError("repeat_interleave only accept 1D vector as repeat")
        if counts.size and counts.min() < 0:
            raise RuntimeError("repeats can not be negative")
        return Tensor._make(np.repeat(np.arange(counts.size, dtype=np.int64), counts.reshape(-1)))
    if dim is None:
        input = flatten(input)
        dim = 0
    dim = wrap_dim(dim, input._data.ndim)
    n = input._data.shape[dim] if input._data.ndim else 1
    if isinstance(repeats, Tensor):
        r = repeats._data
        if r.ndim > 1:
            raise RuntimeError("repeat_interleave only accept 1D vector as repeat")
        if r.size != 1 and r.size != n:
            raise RuntimeError(f"repeats must have the same size as input along dim, but got "
                               f"repeats.size(0) = {r.size} and input.size({dim}) = {n}")
        reps = r.reshape(-1) if r.size != 1 else int(r.reshape(()))
        if r.size and r.min() < 0:
            raise RuntimeError("repeats can not be negative")
    else:
        reps = int(repeats)
        if reps < 0:
            raise RuntimeError("Repeats must be non-negative")
    idx = np.repeat(np.arange(n, dtype=np.int64), reps)
    return index_select(input, dim, Tensor._make(idx))


# -- reordering ------------------------------------------------------------------------------------

class Flip(Op):
    @staticmethod
    def forward(ctx, x, dims):
        ctx.dims = dims
        return np.flip(x, dims).copy() if dims else x.copy()

    @staticmethod
    def backward(ctx, g):
        return flip(g, ctx.dims), None


def flip(input: Tensor, *dims, **kwargs) -> Tensor:
    """Reverse the order along dims (a copy, as in PyTorch)."""
    dims = _sizes(dims, kwargs, "dims", "flip")
    dims = _dims(_size(dims), input._data.ndim)
    return Flip.apply(input, dims)


def fliplr(input: Tensor) -> Tensor:
    """Reverse dim 1 (needs at least 2 dims)."""
    if input._data.ndim < 2:
        raise RuntimeError("Input must be >= 2-d.")
    return flip(input, (1,))


def flipud(input: Tensor) -> Tensor:
    """Reverse dim 0 (needs at least 1 dim)."""
    if input._data.ndim < 1:
        raise RuntimeError("Input must be >= 1-d.")
    return flip(input, (0,))


class Roll(Op):
    @staticmethod
    def forward(ctx, x, shifts, dims):
        ctx.shifts, ctx.dims = shifts, dims
        if dims is None:
            return np.roll(x.reshape(-1), shifts[0]).reshape(x.shape)
        return np.roll(x, shifts, dims)

    @staticmethod
    def backward(ctx, g):
        return roll(g, tuple(-s for s in ctx.shifts), ctx.dims), None, None


def roll(input: Tensor, shifts, dims=None) -> Tensor:
    """Rotate elements along dims by shifts (the flattened tensor when dims is None)."""
    shifts = _int_list(shifts)
    if not shifts:
        raise RuntimeError("`shifts` required")
    if dims is None:
        if len(shifts) != 1:
            raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, dims:0")
        return Roll.apply(input, shifts, None)
    dims = _int_list(dims)
    if len(shifts) != len(dims):
        raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, dims:{len(dims)}")
    dims = tuple(wrap_dim(d, input._data.ndim) for d in dims)
    return Roll.apply(input, shifts, dims)


class Rot90(Op):
    @staticmethod
    def forward(ctx, x, k, dims):
        ctx.k, ctx.dims = k, dims
        return np.rot90(x, k, dims).copy()

    @staticmethod
    def backward(ctx, g):
        return rot90(g, -ctx.k, ctx.dims), None, None


def rot90(input: Tensor, k: int = 1, dims=(0, 1)) -> Tensor:
    """Rotate by 90 degrees k times in the plane of dims (from the first towards the second)."""
    dims = _int_list(dims)
    n = input._data.ndim
    if len(dims) != 2:
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    if n < 2:
        raise RuntimeError(f"expected total dims >= 2, but got total dims = {n}")
    a, b = wrap_dim(dims[0], n), wrap_dim(dims[1], n)
    if a == b:
        raise RuntimeError(f"expected rotation dims to be different, but got dim0 = {dims[0]} and dim1 = "
                           f"{dims[1]}")
    return Rot90.apply(input, k % 4, (a, b))


# -- slicing views ---------------------------------------------------------------------------------

def narrow(input: Tensor, dim: int, start, length: int) -> Tensor:
    """The view of `length` entries along dim from start (start may be negative or a 0-d tensor)."""
    n = input._data.ndim
    if n == 0:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
    dim = wrap_dim(dim, n)
    start, length = int(start), int(length)
    size = input._data.shape[dim]
    if length < 0:
        raise RuntimeError("narrow(): length must be non-negative.")
    if not -size <= start <= size:
        raise IndexError(f"start out of range (expected to be in range of [{-size}, {size}], but got "
                         f"{start})")
    if start < 0:
        start += size
    if start + length > size:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({size}).")
    where = (slice(None),) * dim + (slice(start, start + length), Ellipsis)
    return basic_view(input, where, "SliceBackward0")


def select(input: Tensor, dim: int, index: int) -> Tensor:
    """The view at `index` along dim (that dim removed)."""
    n = input._data.ndim
    if n == 0:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    dim = wrap_dim(dim, n)
    index = int(index)
    size = input._data.shape[dim]
    if not -size <= index < size:
        raise IndexError(f"select(): index {index} out of range for tensor of size {list(input.shape)} at "
                         f"dimension {dim}")
    return basic_view(input, (slice(None),) * dim + (index, Ellipsis), "SelectBackward0")


class Split(Op):
    """Views of consecutive pieces along dim; the gradient is the pieces' gradients concatenated."""

    @staticmethod
    def forward(ctx, x, dim, bounds, name):
        ctx.dim = dim
        ctx._name = name
        pre = (slice(None),) * dim
        return tuple(x[pre + (slice(a, b),)] for a, b in bounds)

    @staticmethod
    def backward(ctx, *grads):
        return cat(grads, ctx.dim), None, None, None

    @staticmethod
    def backward_array(ctx, *grads):
        return np.concatenate(grads, axis=ctx.dim), None, None, None


def _split_views(input: Tensor, dim: int, sizes, name: str) -> tuple:
    bounds = []
    start = 0
    for s in sizes:
        bounds.append((start, start + s))
        start += s
    outs = Split.apply(input, dim, tuple(bounds), name)
    for o, (a, b) in zip(outs, bounds):
        make_view(o, input, _narrow_fn(dim, a, b - a))
        o.__dict__["_multi_view"] = name[:-len("Backward0")]
    return outs


def _narrow_fn(dim, start, length):
    return lambda b: narrow(b, dim, start, length)


def split(tensor: Tensor, split_size_or_sections=None, dim: int = 0, *, split_size=None) -> tuple:
    """Views of pieces of split_size along dim (the last may be smaller), or of the given sizes.
    (`split_size=` is Tensor.split's name for the argument.)"""
    if split_size is not None:
        split_size_or_sections = split_size
    if tensor._data.ndim == 0:
        raise RuntimeError("split expects at least a 1-dimensional tensor")
    dim = wrap_dim(dim, tensor._data.ndim)
    n = tensor._data.shape[dim]
    if isinstance(split_size_or_sections, (int, np.integer)):
        s = int(split_size_or_sections)
        if s < 0:
            raise RuntimeError(f"split expects split_size be non-negative, but got split_size={s}")
        if s == 0 and n != 0:
            raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got dimension size of "
                               f"{n}")
        sizes = [min(s, n - a) for a in range(0, n, s)] if s else [0]
        return _split_views(tensor, dim, sizes or [0], "SplitBackward0")
    sizes = _int_list(split_size_or_sections)
    if sum(sizes) != n or any(s < 0 for s in sizes):
        raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {n} (input tensor's size "
                           f"at dimension {dim}), but got split_sizes={list(sizes)}")
    return _split_views(tensor, dim, sizes, "SplitWithSizesBackward0")


def chunk(input: Tensor, chunks: int, dim: int = 0) -> tuple:
    """Split into `chunks` pieces of equal size (ceil), fewer when the size does not allow."""
    if input._data.ndim == 0:
        raise RuntimeError("chunk expects at least a 1-dimensional tensor")
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    dim = wrap_dim(dim, input._data.ndim)
    n = input._data.shape[dim]
    if n == 0:
        return _split_views(input, dim, [0] * chunks, "SplitBackward0")
    return split(input, -(-n // chunks), dim)


def tensor_split(input: Tensor, indices_or_sections, dim: int = 0) -> tuple:
    """Views: `sections` nearly equal pieces (the first n % sections one longer) or pieces between
    the given indices."""
    if input._data.ndim == 0:
        raise RuntimeError("tensor_split expected at least a 1-dimensional tensor, but got a tensor with 0 "
                           "dims")
    dim = wrap_dim(dim, input._data.ndim)
    n = input._data.shape[dim]
    ios = indices_or_sections
    if isinstance(ios, Tensor):
        if ios._data.dtype != np.int64:
            raise RuntimeError(f"tensor_split expected tensor_indices_or_sections to have dtype of long, but "
                               f"got {_type_name(ios._data.dtype)}")
        if ios._data.ndim > 1:
            raise RuntimeError("tensor_split expected tensor_indices_or_sections to be a zero-dimensional or "
                               f"one-dimensional tensor, but got a tensor with {ios._data.ndim} dims")
        ios = int(ios._data) if ios._data.ndim == 0 else ios._data.tolist()
    pre = (slice(None),) * dim
    if isinstance(ios, (int, np.integer)):
        k = int(ios)
        if k <= 0:
            raise RuntimeError(f"number of sections must be larger than 0, got {k}")
        q, r = divmod(n, k)
        cuts, a = [], 0
        for i in range(k):
            b = a + q + (1 if i < r else 0)
            cuts.append((a, b))
            a = b
    else:
        pts = [min(max(int(p) + (n if p < 0 else 0), 0), n) for p in ios]
        starts = [0] + pts
        ends = pts + [n]
        cuts = [(a, max(a, b)) for a, b in zip(starts, ends)]
    return tuple(basic_view(input, pre + (slice(a, b), Ellipsis), "SliceBackward0") for a, b in cuts)


def _split_nd(input: Tensor, ios, dim: int, name: str, need: int) -> tuple:
    if input._data.ndim < need:
        raise RuntimeError(f"torch.{name} requires a tensor with at least {need} dimension, but got a tensor "
                           f"with {input._data.ndim} dimensions!")
    if isinstance(ios, (int, np.integer)):
        n = input._data.shape[dim]
        if ios == 0 or n % ios:
            raise RuntimeError(f"torch.{name} attempted to split along dimension {dim}, but the size of the "
                               f"dimension {n} is not divisible by the split_size {ios}!")
    return tensor_split(input, ios, dim)


def hsplit(input: Tensor, indices_or_sections) -> tuple:
    """tensor_split along dim 1 (dim 0 for 1-D tensors); sections must divide the size."""
    return _split_nd(input, indices_or_sections, 1 if input._data.ndim > 1 else 0, "hsplit", 1)


def vsplit(input: Tensor, indices_or_sections) -> tuple:
    """tensor_split along dim 0 of a tensor with at least 2 dims."""
    return _split_nd(input, indices_or_sections, 0, "vsplit", 2)


def dsplit(input: Tensor, indices_or_sections) -> tuple:
    """tensor_split along dim 2 of a tensor with at least 3 dims."""
    return _split_nd(input, indices_or_sections, 2, "dsplit", 3)


class Unbind(Op):
    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        pre = (slice(None),) * dim
        return tuple(x[pre + (i, Ellipsis)] for i in range(x.shape[dim]))

    @staticmethod
    def backward(ctx, *grads):
        return stack(grads, ctx.dim), None

    @staticmethod
    def backward_array(ctx, *grads):
        return np.stack(grads, axis=ctx.dim), None


def unbind(input: Tensor, dim: int = 0) -> tuple:
    """Views of every slice along dim (that dim removed)."""
    if input._data.ndim == 0:
        raise IndexError("Dimension specified as 0 but tensor has no dimensions")
    dim = wrap_dim(dim, input._data.ndim)
    outs = Unbind.apply(input, dim)
    if type(outs) is not tuple:
        outs = (outs,)
    for i, o in enumerate(outs):
        make_view(o, input, _select_fn(dim, i))
        o.__dict__["_multi_view"] = "Unbind"
    return outs


def _select_fn(dim, i):
    return lambda b: select(b, dim, i)


# -- joining ---------------------------------------------------------------------------------------

def _tensor_list(tensors, op: str) -> list:
    if isinstance(tensors, Tensor) or not isinstance(tensors, (list, tuple)):
        raise TypeError(f"{op}(): argument 'tensors' (position 1) must be tuple of Tensors, not "
                        f"{type(tensors).__name__}")
    for i, t_ in enumerate(tensors):
        if not isinstance(t_, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got {type(t_).__name__}")
    return list(tensors)


def _common_dtype(arrays) -> np.dtype:
    dt = arrays[0].dtype
    for a in arrays[1:]:
        if a.dtype != dt:
            dt = result_dtype(np.empty(1, dt), a if a.ndim else a.reshape(1))
    return dt


class Cat(Op):
    @staticmethod
    def forward(ctx, dim, dtype, skip, *xs):
        ctx.dim, ctx.skip = dim, skip
        ctx.sizes = [x.shape[dim] if not s else 0 for x, s in zip(xs, skip)]
        kept = [x for x, s in zip(xs, skip) if not s]
        if not kept:
            return np.zeros_like(xs[0], dtype=dtype, shape=(0,))
        return np.concatenate(kept, axis=dim, dtype=dtype, casting="unsafe")

    @staticmethod
    def backward(ctx, g):
        out, start = [], 0
        for n, s in zip(ctx.sizes, ctx.skip):
            if s:
                out.append(Tensor._make(np.zeros_like(g._data, shape=(0,))))
            else:
                out.append(narrow(g, ctx.dim, start, n))
            start += n
        return (None, None, None, *out)

    @staticmethod
    def backward_array(ctx, g):
        out, start = [], 0
        pre = (slice(None),) * ctx.dim
        for n, s in zip(ctx.sizes, ctx.skip):
            out.append(np.zeros_like(g, shape=(0,)) if s else g[pre + (slice(start, start + n),)])
            start += n
        return (None, None, None, *out)


def cat(tensors, dim: int = 0, *, out=None) -> Tensor:
    """Concatenate along dim with type promotion; 1-D empty tensors are skipped (as in PyTorch)."""
    tensors = _tensor_list(tensors, "cat")
    if not tensors:
        raise ValueError("torch.cat(): expected a non-empty list of Tensors")
    for i, t_ in enumerate(tensors):
        if t_._data.ndim == 0:
            raise RuntimeError(f"zero-dimensional tensor (at position {i}) cannot be concatenated")
    skip = tuple(t_._data.shape == (0,) for t_ in tensors)
    arrays = [t_._data for t_ in tensors]
    dtype = _common_dtype(arrays)
    kept = [(i, a) for i, a in enumerate(arrays) if not skip[i]]
    if kept:
        ref = kept[0][1]
        dim = wrap_dim(dim, ref.ndim)
        for i, a in kept[1:]:
            if a.ndim != ref.ndim:
                raise RuntimeError(f"Tensors must have same number of dimensions: got {ref.ndim} and "
                                   f"{a.ndim}")
            for d in range(ref.ndim):
                if d != dim and a.shape[d] != ref.shape[d]:
                    raise RuntimeError(f"Sizes of tensors must match except in dimension {dim}. Expected "
                                       f"size {ref.shape[d]} but got size {a.shape[d]} for tensor number {i} "
                                       "in the list.")
    else:
        dim = wrap_dim(dim, 1)
    return _to_out(Cat.apply(dim, dtype, skip, *tensors), out)


def _to_out(res: Tensor, out: Tensor | None) -> Tensor:
    """Store a result into an `out=` tensor (resized when its shape differs, cast to its dtype)."""
    if out is None:
        return res
    if out._data.shape != res._data.shape:
        out._data = res._data.astype(out._data.dtype)
    else:
        out._data[...] = res._data
    out._vc[0] += 1
    return out


concat = cat


def concatenate(tensors, axis: int = 0, out=None) -> Tensor:
    """cat, with NumPy's argument name."""
    return cat(tensors, axis, out=out)


class Stack(Op):
    @staticmethod
    def forward(ctx, dim, dtype, *xs):
        ctx.dim = dim
        return np.stack(xs, axis=dim).astype(dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        return (None, None, *(select(g, ctx.dim, i) for i in range(g._data.shape[ctx.dim])))

    @staticmethod
    def backward_array(ctx, g):
        pre = (slice(None),) * ctx.dim
        return (None, None, *(g[pre + (i,)] for i in range(g.shape[ctx.dim])))


def stack(tensors, dim: int = 0, *, out=None) -> Tensor:
    """Join equally shaped tensors along a new dim (with type promotion)."""
    tensors = _tensor_list(tensors, "stack")
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    shape = tensors[0]._data.shape
    for i, t_ in enumerate(tensors[1:], 1):
        if t_._data.shape != shape:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got {list(shape)} at entry "
                               f"0 and {list(t_._data.shape)} at entry {i}")
    dim = wrap_dim(dim, len(shape) + 1)
    return _to_out(Stack.apply(dim, _common_dtype([t_._data for t_ in tensors]), *tensors), out)


def _atleast(n: int, tensors):
    one = len(tensors) == 1
    if one and isinstance(tensors[0], (list, tuple)):
        tensors, one = tuple(tensors[0]), False
    out = []
    for x in tensors:
        nd = x._data.ndim
        if nd >= n:
            out.append(x)
        elif n == 1 or nd == 0:
            out.append(reshape(x, (1,) * n))
        elif n == 2:
            out.append(unsqueeze(x, 0))
        else:
            out.append(unsqueeze(unsqueeze(x, 0), 2) if nd == 1 else unsqueeze(x, 2))
    return out[0] if one else tuple(out)


def atleast_1d(*tensors) -> Tensor | tuple:
    """Each tensor with at least 1 dims (views); one tensor in, one out."""
    return _atleast(1, tensors)


def atleast_2d(*tensors) -> Tensor | tuple:
    """Each tensor with at least 2 dims (views); one tensor in, one out."""
    return _atleast(2, tensors)


def atleast_3d(*tensors) -> Tensor | tuple:
    """Each tensor with at least 3 dims (views); one tensor in, one out."""
    return _atleast(3, tensors)


def hstack(tensors, *, out=None) -> Tensor:
    """Concatenate along dim 1 (dim 0 for 1-D tensors)."""
    ts = [atleast_1d(x) for x in _tensor_list(tensors, "hstack")]
    return cat(ts, 0 if ts and ts[0].dim() == 1 else 1, out=out)


def vstack(tensors, *, out=None) -> Tensor:
    """Concatenate along dim 0, 1-D tensors as rows."""
    return cat([atleast_2d(x) for x in _tensor_list(tensors, "vstack")], 0, out=out)


row_stack = vstack


def dstack(tensors, *, out=None) -> Tensor:
    """Concatenate along dim 2 (tensors made at least 3-D)."""
    return cat([atleast_3d(x) for x in _tensor_list(tensors, "dstack")], 2, out=out)


def column_stack(tensors, *, out=None) -> Tensor:
    """Concatenate along dim 1, 0-D and 1-D tensors as columns."""
    ts = [reshape(x, (x.numel(), 1)) if x.dim() <= 1 else x for x in _tensor_list(tensors, "column_stack")]
    return cat(ts, 1, out=out)


# -- triangles and diagonals -------------------------------------------------------------------------

class Tril(Op):
    @staticmethod
    def forward(ctx, x, k):
        ctx.k = k
        return np.tril(x, k)

    @staticmethod
    def backward(ctx, g):
        return tril(g, ctx.k), None


class Triu(Op):
    @staticmethod
    def forward(ctx, x, k):
        ctx.k = k
        return np.triu(x, k)

    @staticmethod
    def backward(ctx, g):
        return triu(g, ctx.k), None


def tril(input: Tensor, diagonal: int = 0) -> Tensor:
    """The lower triangle (of the last two dims) on and below the given diagonal; zeros elsewhere."""
    if input._data.ndim < 2:
        raise RuntimeError("tril: input tensor must have at least 2 dimensions")
    return Tril.apply(input, int(diagonal))


def triu(input: Tensor, diagonal: int = 0) -> Tensor:
    """The upper triangle (of the last two dims) on and above the given diagonal; zeros elsewhere."""
    if input._data.ndim < 2:
        raise RuntimeError("triu: input tensor must have at least 2 dimensions")
    return Triu.apply(input, int(diagonal))


def _diag_view(x, offset: int, d1: int, d2: int):
    """np.diagonal, writable when x is (NumPy hands out a read-only view)."""
    out = np.diagonal(x, offset, d1, d2)
    if isinstance(out, np.ndarray) and not out.flags.writeable and x.flags.writeable:
        out.flags.writeable = True
    return out


class Diagonal(Op):
    @staticmethod
    def forward(ctx, x, offset, d1, d2):
        ctx.shape, ctx.args = x.shape, (offset, d1, d2)
        return _diag_view(x, offset, d1, d2)

    @staticmethod
    def backward(ctx, g):
        return DiagonalBackward.apply(g, ctx.shape, *ctx.args), None, None, None


class DiagonalCopy(Diagonal):
    _name = "DiagonalBackward0_copy"

    @staticmethod
    def forward(ctx, x, offset, d1, d2):
        ctx.shape, ctx.args = x.shape, (offset, d1, d2)
        return np.diagonal(x, offset, d1, d2).copy()


class DiagonalBackward(Op):
    """Zeros of the input's shape with g written on the diagonal."""

    @staticmethod
    def forward(ctx, g, shape, offset, d1, d2):
        ctx.args = (offset, d1, d2)
        out = np.zeros_like(g, shape=shape)
        _diag_view(out, offset, d1, d2)[...] = g
        return out

    @staticmethod
    def backward(ctx, gg):
        return diagonal(gg, *ctx.args), None, None, None, None


def diagonal(input: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """The view of the diagonal (offset above it when positive) in the plane dim1, dim2, appended as the
    last dim."""
    n = input._data.ndim
    d1, d2 = wrap_dim(dim1, n), wrap_dim(dim2, n)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    offset = int(offset)
    out = Diagonal.apply(input, offset, d1, d2)
    return make_view(out, input, lambda b: diagonal(b, offset, d1, d2))


class DiagEmbed(Op):
    @staticmethod
    def forward(ctx, x, offset, d1, d2):
        ctx.args = (offset, d1, d2)
        m = x.shape[-1] + abs(offset)
        nd = x.ndim + 1
        out = np.zeros_like(x, shape=x.shape[:-1] + (m, m))
        _diag_view(out, offset, nd - 2, nd - 1)[...] = x
        return np.moveaxis(out, (nd - 2, nd - 1), (d1, d2))

    @staticmethod
    def backward(ctx, g):
        return diagonal(g, *ctx.args), None, None, None


def diag_embed(input: Tensor, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """Matrices (in dims dim1, dim2 of the result) with input's last dim on their offset diagonal."""
    n = input._data.ndim + 1
    d1, d2 = wrap_dim(dim1, n), wrap_dim(dim2, n)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return DiagEmbed.apply(input, int(offset), d1, d2)


def diag(input: Tensor, diagonal: int = 0) -> Tensor:
    """1-D input: a square matrix with it on the given diagonal; 2-D input: that diagonal (a copy)."""
    n = input._data.ndim
    if n == 1:
        return DiagEmbed.apply(input, int(diagonal), 0, 1)
    if n == 2:
        return DiagonalCopy.apply(input, int(diagonal), 0, 1)
    raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {n}D")


# -- windows and raw strides ---------------------------------------------------------------------------

class Unfold(Op):
    @staticmethod
    def forward(ctx, x, dim, size, step):
        ctx.shape, ctx.args = x.shape, (dim, size, step)
        if x.ndim == 0:
            return x.reshape(1)
        count = (x.shape[dim] - size) // step + 1
        shape = x.shape[:dim] + (count,) + x.shape[dim + 1:] + (size,)
        st = x.strides
        return _as_strided(x, shape, st[:dim] + (st[dim] * step,) + st[dim + 1:] + (st[dim],))

    @staticmethod
    def backward(ctx, g):
        return UnfoldBackward.apply(g, ctx.shape, *ctx.args), None, None, None


class UnfoldBackward(Op):
    """Sum every window's gradient back into the positions it covers."""

    @staticmethod
    def forward(ctx, g, shape, dim, size, step):
        ctx.args = (dim, size, step)
        if len(shape) == 0:
            return g.reshape(())
        out = np.zeros_like(g, shape=shape)
        count = g.shape[dim]
        pre = (slice(None),) * dim
        for k in range(size):
            out[pre + (slice(k, k + step * (count - 1) + 1, step),)] += g[..., k]
        return out

    @staticmethod
    def backward(ctx, gg):
        return unfold(gg, *ctx.args), None, None, None, None


def unfold(self: Tensor, dimension: int, size: int, step: int) -> Tensor:
    """A view of all windows of `size` along dimension, `step` apart, as a new last dim."""
    n = self._data.ndim
    dim = wrap_dim(dimension, n)
    length = self._data.shape[dim] if n else 1
    if size > length:
        raise RuntimeError(f"maximum size for tensor at dimension {dim} is {length} but size is {size}")
    if size < 0:
        raise RuntimeError(f"size is {size} but must be >= 0")
    if step <= 0:
        raise RuntimeError(f"step is {step} but must be > 0")
    out = Unfold.apply(self, dim, int(size), int(step))
    return make_view(out, self, lambda b: unfold(b, dim, size, step))


def _storage(x):
    """The array owning x's memory, and x's offset in it (in elements)."""
    root = x
    while True:
        b = getattr(root, "base", None)
        if b is not None and not isinstance(b, np.ndarray):
            b = getattr(b, "base", None)  # the wrapper object that as_strided views hang on
        if not isinstance(b, np.ndarray):
            break
        root = b
    off = (x.__array_interface__["data"][0] - root.__array_interface__["data"][0]) if root is not x else 0
    return root, off // x.itemsize


def _flat_positions(shape, strides, offset):
    pos = np.full(shape, offset, dtype=np.int64)
    for d, (n, s) in enumerate(zip(shape, strides)):
        pos += (np.arange(n, dtype=np.int64) * s).reshape((-1,) + (1,) * (len(shape) - 1 - d))
    return pos


class AsStrided(Op):
    @staticmethod
    def forward(ctx, x, size, stride, offset):
        root, x_off = _storage(x)
        item = x.itemsize
        ctx.shape = x.shape
        ctx.n = root.nbytes // item
        ctx.src = _flat_positions(x.shape, tuple(s // item for s in x.strides), x_off)
        ctx.dst = _flat_positions(size, stride, offset)
        return np.ndarray(size, x.dtype, buffer=root, offset=offset * item,
                          strides=tuple(s * item for s in stride))

    @staticmethod
    def backward(ctx, g):
        return Restride.apply(g, ctx.dst, ctx.src, ctx.n), None, None, None


class Restride(Op):
    """Move a gradient between two layouts of one storage: add g at positions `frm`, read at `to`."""

    @staticmethod
    def forward(ctx, g, frm, to, n):
        ctx.args = (to, frm, n)
        store = np.zeros_like(g, shape=(n,))
        np.add.at(store, frm.reshape(-1), g.reshape(-1))
        return store[to]

    @staticmethod
    def backward(ctx, gg):
        return Restride.apply(gg, *ctx.args), None, None, None


def as_strided(input: Tensor, size, stride, storage_offset: int | None = None) -> Tensor:
    """A view of input's storage with the given sizes and (element) strides."""
    x = input._data
    size, stride = _size((size,)), _size((stride,))
    if len(size) != len(stride):
        raise RuntimeError("mismatch in length of strides and shape")
    root, off = _storage(x)
    offset = off if storage_offset is None else int(storage_offset)
    item = x.itemsize
    need = (offset + sum((n - 1) * s for n, s in zip(size, stride)) + 1) * item if all(size) else 0
    if need > root.nbytes:
        raise RuntimeError(f"setStorage: sizes {list(size)}, strides {list(stride)}, storage offset "
                           f"{offset}, and itemsize {item} requiring a storage size of {need} are out of "
                           f"bounds for storage of size {root.nbytes}")
    out = AsStrided.apply(input, size, stride, offset)
    return make_view(out, input, lambda b: as_strided(b, size, stride, storage_offset))


def _inplace_view(fn, name: str):
    """`x.t_()` and kin: the view op's result becomes x itself (new shape and strides, same memory)."""
    def method(self: Tensor, *args, **kwargs) -> Tensor:
        self._check_inplace()
        res = fn(self, *args, **kwargs)
        self._data = res._data
        self._vc[0] += 1
        node = res.grad_fn
        if node is not None:
            # PyTorch numbers the in-place overloads after the out-of-place ones (SqueezeBackward0 -> 3)
            base = node.name().rstrip("0123456789")
            node._name = f"{base}{int(node.name()[len(base):]) + (3 if base == 'SqueezeBackward' else 1)}"
            self.grad_fn, self._output_nr = node, res._output_nr
        return self
    method.__name__ = name
    method.__qualname__ = "Tensor." + name
    method.__doc__ = f"In-place version of {fn.__name__} (changes this tensor's shape)."
    return method


DUNDERS = {name + "_": _inplace_view(fn, name + "_") for name, fn in (
    ("squeeze", squeeze), ("unsqueeze", unsqueeze), ("t", t), ("transpose", transpose), ("swapaxes", transpose),
    ("swapdims", transpose))}

"""Indexing: `t[...]` (basic indices give views, advanced ones copies), `t[...] = v`, and the
gather/scatter/index_*/masked_* family with their gradients.

An index is split once into a basic part (ints, slices, None: a NumPy view) and an advanced part (int
arrays, masks turned into their nonzero coordinates) applied to that view, which is how PyTorch orders
them: `x[:, 0, :, [0, 1]]` selects dim 1 first, then indexes the remaining dims.
"""

from __future__ import annotations

import operator
import warnings

import numpy as np

from .. import _tensor
from ..autograd.grad_mode import state
from ..backend import dtypes as _dt
from ._common import Op, Tensor, make_view, wrap_dim
from .embedding import add_rows, scatter_rows

__all__ = ["index_select", "gather", "scatter", "scatter_add", "scatter_reduce", "index_add", "index_copy",
           "index_fill", "index_put", "index_put_", "masked_fill", "masked_scatter", "masked_select", "take",
           "take_along_dim", "nonzero", "argwhere", "put"]
METHODS = ("index_select", "gather", "scatter", "scatter_add", "scatter_reduce", "index_add", "index_copy",
           "index_fill", "index_put", "index_put_", "masked_fill", "masked_fill_", "masked_scatter",
           "masked_select", "take", "take_along_dim", "nonzero", "argwhere", "put")
INPLACE = ("scatter", "scatter_add", "scatter_reduce", "index_add", "index_copy", "index_fill",
           "masked_scatter", "put")

_SCALAR_NAMES = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long", "int32": "Int",
                 "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}
_C_NAMES = {"float32": "float", "float64": "double", "float16": "c10::Half", "int64": "long int",
            "int32": "int", "int16": "short int", "int8": "signed char", "uint8": "unsigned char",
            "bool": "bool"}
_OVERLAP = ("unsupported operation: more than one element of the written-to tensor refers to a single "
            "memory location. Please clone() the tensor before performing the operation.")


def _sname(arr) -> str:
    """PyTorch's ScalarType name of an array's dtype (`Float`, `Long`, ...)."""
    return _SCALAR_NAMES.get(arr.dtype.name, arr.dtype.name)


def _zeros(like, shape, dtype=None):
    """Zeros on like's device (np.zeros_like dispatches to CuPy for device arrays)."""
    return np.zeros_like(like, dtype=dtype, shape=shape)


def _const(arr) -> Tensor:
    return Tensor._make(arr)


# -- parsing an index -------------------------------------------------------------------------------

def _type_label(obj) -> str:
    t = type(obj)
    return t.__name__ if t.__module__ == "builtins" else f"{t.__module__}.{t.__qualname__}"


def _index_array(arr):
    """An index given as an array: returns an int array, a bool mask, a Python int or a Python bool."""
    kind = arr.dtype.kind
    if kind == "b" or arr.dtype == np.uint8:
        if kind != "b":
            warnings.warn("indexing with dtype torch.uint8 is now deprecated, please use a dtype torch.bool "
                          "instead.", UserWarning, stacklevel=5)
            arr = arr.astype(bool)
        return bool(arr) if arr.ndim == 0 else arr
    if arr.dtype not in (np.int64, np.int32):
        raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
    return int(arr) if arr.ndim == 0 else arr


def _seq_is_tuple(seq: list) -> bool:
    """PyTorch (deprecated, still current) reads a list holding slices, None, ... or sequences as a tuple."""
    return any(isinstance(i, (list, tuple, slice, Tensor, np.ndarray)) or i is None or i is Ellipsis
               for i in seq)


def _normalize_item(i):
    t = type(i)
    if t is int or t is slice or i is None or i is Ellipsis or t is bool:
        return i
    if isinstance(i, Tensor):
        return _index_array(i._data)
    if isinstance(i, np.ndarray):
        return _index_array(i)
    if isinstance(i, (bool, np.bool_)):
        return bool(i)
    if isinstance(i, (int, np.integer)):
        return int(i)
    if isinstance(i, range):
        return np.arange(i.start, i.stop, i.step, dtype=np.int64)
    if isinstance(i, (list, tuple)):
        if len(i) == 0:
            return np.zeros(0, np.int64)
        return _index_array(_tensor.tensor(i)._data)
    raise IndexError("only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are "
                     f"valid indices (got {_type_label(i)})")


def _check_slice(s: slice) -> slice:
    if s.step is not None:
        step = operator.index(s.step)
        if step == 0:
            raise ValueError("slice step cannot be zero")
        if step < 0:
            raise ValueError("step must be greater than zero")
    if any(isinstance(v, Tensor) for v in (s.start, s.stop, s.step)):
        s = slice(*(None if v is None else operator.index(v) for v in (s.start, s.stop, s.step)))
    return s


def _check_int_index(arr, size: int, dim: int) -> None:
    if arr.size and (arr.min() < -size or arr.max() >= size):
        bad = arr.ravel()[np.argmax(((arr < -size) | (arr >= size)).ravel())]
        raise IndexError(f"index {int(bad)} is out of bounds for dimension {dim} with size {size}")


def parse_index(shape: tuple, idx) -> tuple:
    """Split an index into (basic, adv, name): `x[basic]` is a NumPy view, `adv` None or a tuple of
    full slices and int arrays for that view; `name` is the grad_fn name of a basic-only index."""
    single_slice = type(idx) is slice
    if type(idx) is not tuple:
        if isinstance(idx, list) and _seq_is_tuple(idx):
            warnings.warn("Using a non-tuple sequence for multidimensional indexing is deprecated and will "
                          "be changed in pytorch 2.9; use x[tuple(seq)] instead of x[seq]. In pytorch 2.9 "
                          "this will be interpreted as tensor index, x[torch.tensor(seq)], which will result "
                          "either in an error or a different result", UserWarning, stacklevel=3)
            idx = tuple(idx)
        else:
            idx = (idx,)
    items = []
    consumed = 0
    has_int = False
    for i in idx:
        i = _normalize_item(i)
        if type(i) is int:
            consumed += 1
            has_int = True
        elif type(i) is slice:
            i = _check_slice(i)
            consumed += 1
        elif isinstance(i, np.ndarray):
            consumed += i.ndim if i.dtype.kind == "b" else 1
        items.append(i)
    ndim = len(shape)
    if consumed > ndim:
        if ndim == 0 and has_int:
            raise IndexError("invalid index of a 0-dim tensor. Use `tensor.item()` in Python or "
                             "`tensor.item<T>()` in C++ to convert a 0-dim tensor to a number")
        raise IndexError(f"too many indices for tensor of dimension {ndim}")
    basic = []
    adv = {}
    name = "AliasBackward0"
    d = od = 0       # position in the input and in the basic view
    n_adv = 0        # advanced dims so far (PyTorch's out-of-bounds message counts those)
    ellipsis_done = False
    for i in items:
        t = type(i)
        if t is int:
            size = shape[d]
            if not -size <= i < size:
                raise IndexError(f"index {i} is out of bounds for dimension {d} with size {size}")
            basic.append(i)
            d += 1
            name = "SelectBackward0"
        elif t is slice:
            if single_slice or i.indices(shape[d]) != (0, shape[d], 1):
                name = "SliceBackward0"
            basic.append(i)
            d += 1
            od += 1
        elif i is None:
            basic.append(None)
            od += 1
            name = "UnsqueezeBackward0"
        elif i is Ellipsis:
            n = 0 if ellipsis_done else ndim - consumed
            ellipsis_done = True
            basic.extend([slice(None)] * n)
            d += n
            od += n
        elif t is bool:
            basic.append(None)
            adv[od] = np.zeros(1 if i else 0, np.int64)
            od += 1
            n_adv += 1
        elif i.dtype.kind == "b":
            k = i.ndim
            for j in range(k):
                if i.shape[j] != shape[d + j]:
                    raise IndexError(f"The shape of the mask {list(i.shape)} at index {j} does not match the "
                                     f"shape of the indexed tensor {list(shape)} at index {d + j}")
            for j, nz in enumerate(np.nonzero(i)):
                adv[od + j] = nz
            basic.extend([slice(None)] * k)
            d += k
            od += k
            n_adv += k
        else:
            _check_int_index(i, shape[d], n_adv)
            basic.append(slice(None))
            adv[od] = i
            d += 1
            od += 1
            n_adv += 1
    basic.append(Ellipsis)  # keeps an all-int index a 0-d view rather than a NumPy scalar
    if not adv:
        return tuple(basic), None, name
    arrays = list(adv.values())
    if len(arrays) > 1:
        try:
            np.broadcast_shapes(*[a.shape for a in arrays])
        except ValueError:
            shapes = ", ".join(str(list(a.shape)) for a in arrays)
            raise IndexError(f"shape mismatch: indexing tensors could not be broadcast together with shapes "
                             f"{shapes}") from None
    last = max(adv)
    return tuple(basic), tuple(adv.get(k, slice(None)) for k in range(last + 1)), "IndexBackward0"


def _is_trivial(basic: tuple) -> bool:
    return all(type(b) is slice and b == slice(None) for b in basic[:-1])


def adv_shape(shape: tuple, adv: tuple) -> tuple:
    """The shape of `view[adv]` for a view of `shape` (NumPy's rule, which PyTorch shares)."""
    pos = [k for k, a in enumerate(adv) if type(a) is not slice]
    b = np.broadcast_shapes(*[adv[k].shape for k in pos])
    if pos == list(range(pos[0], pos[-1] + 1)):
        return shape[:pos[0]] + b + shape[pos[-1] + 1:]
    return b + tuple(n for k, n in enumerate(shape) if k not in pos)


# -- the index ops ---------------------------------------------------------------------------------

class Index(Op):
    """x[basic][adv]: a view for a basic index, a gather for an advanced one."""

    @staticmethod
    def forward(ctx, x, basic, adv):
        ctx.shape, ctx.basic, ctx.adv = x.shape, basic, adv
        v = x[basic]
        return v if adv is None else v[adv]

    @staticmethod
    def backward(ctx, g):
        return IndexBackward.apply(g, ctx.shape, ctx.basic, ctx.adv), None, None

    @staticmethod
    def backward_array(ctx, g):
        return _index_backward(g, ctx.shape, ctx.basic, ctx.adv), None, None


def _index_backward(g, shape, basic, adv):
    out = _zeros(g, shape)
    region = out[basic]
    if adv is None:
        region[...] = g
    elif (len(adv) == 1 and type(adv[0]) is np.ndarray and adv[0].dtype.kind in "iu" and region.ndim
          and type(g) is np.ndarray):
        # x[idx] (rows picked by one integer array): embedding's row scatter, several times faster than
        # np.add.at; negative indices are made positive first so that repeats are seen as repeats
        idx = adv[0].reshape(-1)
        n = region.shape[0]
        if idx.dtype.kind == "i":
            idx = np.where(idx < 0, idx + n, idx)
        region[...] = scatter_rows(idx, g.reshape((idx.size,) + region.shape[1:]), n)
    else:
        np.add.at(region, adv, g)  # repeated indices accumulate
    return out


class IndexBackward(Op):
    """Scatter-add a gradient into zeros of the indexed tensor's shape."""

    _name = "IndexPutBackward0"

    @staticmethod
    def forward(ctx, g, shape, basic, adv):
        ctx.basic, ctx.adv = basic, adv
        return _index_backward(g, shape, basic, adv)

    @staticmethod
    def backward(ctx, gg):
        return Index.apply(gg, ctx.basic, ctx.adv), None, None, None


class ZeroAt(Op):
    """A copy of x with `x[basic][adv]` set to zero (the gradient of overwritten positions)."""

    @staticmethod
    def forward(ctx, x, basic, adv):
        ctx.basic, ctx.adv = basic, adv
        out = x.copy()
        region = out[basic]
        if adv is None:
            region[...] = 0
        else:
            region[adv] = 0
        return out

    @staticmethod
    def backward(ctx, g):
        return ZeroAt.apply(g, ctx.basic, ctx.adv), None, None


class IndexPut(Op):
    """A copy of x with `x[adv] = v` (or `+= v`, accumulating repeated indices)."""

    @staticmethod
    def forward(ctx, x, v, adv, accumulate):
        ctx.adv, ctx.acc = adv, accumulate
        out = x.copy()
        if accumulate:
            np.add.at(out, adv, v.astype(out.dtype, copy=False) if hasattr(v, "dtype") else v)
        else:
            out[adv] = v
        return out

    @staticmethod
    def backward(ctx, g):
        need = ctx.needs_input_grad
        gx = (g if ctx.acc else ZeroAt.apply(g, (Ellipsis,), ctx.adv)) if need[0] else None
        gv = Index.apply(g, (Ellipsis,), ctx.adv) if need[1] else None
        return gx, gv, None, None


def basic_view(x: Tensor, basic: tuple, name: str) -> Tensor:
    """The view `x[basic]` as a Tensor (shares memory and the version counter with x)."""
    out = Index.apply(x, basic, None)
    if out.grad_fn is not None:
        out.grad_fn._name = name
    return make_view(out, x, lambda b: basic_view(b, basic, name))


def getitem(self: Tensor, idx) -> Tensor:
    """`self[idx]`: ints, slices (positive steps), None, Ellipsis, int/bool tensors, lists, masks."""
    basic, adv, name = parse_index(self._data.shape, idx)
    if adv is None:
        return basic_view(self, basic, name)
    return Index.apply(self, basic, adv)


def _internal_overlap(arr) -> bool:
    # NumPy gives zero-size arrays zero strides: nothing to write, so no overlap
    return arr.size > 0 and any(s == 0 and n > 1 for s, n in zip(arr.strides, arr.shape))


def _warn_expanded(arr, op: str, example: str) -> None:
    """PyTorch still allows (with a deprecation warning) advanced-index writes into expanded tensors."""
    if _internal_overlap(arr):
        warnings.warn(f"Use of {op} on expanded tensors is deprecated. Please clone() the tensor before "
                      f"performing this operation. This also applies to advanced indexing e.g. {example}",
                      UserWarning, stacklevel=3)


def _strip_leading_ones(shape: tuple, ndim: int) -> tuple:
    while len(shape) > ndim and shape[0] == 1:
        shape = shape[1:]
    return shape


def setitem(self: Tensor, idx, value) -> None:
    """`self[idx] = value`: value (tensor or number) is broadcast to the indexed region and cast to
    self's dtype; differentiable w.r.t. self (overwritten positions get zero grad) and value."""
    if not isinstance(value, (Tensor, int, float, bool, complex, np.number, np.bool_)):
        raise TypeError(f"can't assign a {_type_label(value)} to a {self.type()}")
    basic, adv, _ = parse_index(self._data.shape, idx)
    x = self._data
    region = x[basic]
    target = region.shape if adv is None else adv_shape(region.shape, adv)
    is_t = isinstance(value, Tensor)
    if is_t:
        v = value._data
        single_mask = isinstance(idx, Tensor) and idx._data.dtype.kind == "b"
        if adv is not None and v.dtype != x.dtype and not (single_mask and v.size == 1):
            raise RuntimeError(f"Index put requires the source and destination dtypes match, got {_sname(x)} "
                               f"for the destination and {_sname(v)} for the source.")
        vshape = _strip_leading_ones(v.shape, len(target))
        if vshape != v.shape:
            value = value.reshape(vshape)
            v = value._data
        try:
            ok = np.broadcast_shapes(vshape, target) == target
        except ValueError:
            ok = False
        if not ok:
            if adv is not None:
                raise RuntimeError(f"shape mismatch: value tensor of shape {list(vshape)} cannot be "
                                   f"broadcast to indexing result of shape {list(target)}")
            value.expand(target)  # raises PyTorch's expand error
    if adv is None:
        if _internal_overlap(region):
            raise RuntimeError(_OVERLAP)
    elif isinstance(idx, Tensor) and idx._data.dtype.kind == "b" and (not is_t or value._data.size == 1):
        _warn_expanded(region, "masked_fill_", "tensor[mask] = scalar")
    else:
        _warn_expanded(region, "index_put_", "tensor[indices] = tensor")
    if not (state.enabled and (self._rg or (is_t and value._rg))):
        if is_t and v.dtype != x.dtype:
            v = v.astype(x.dtype)
        if adv is None:
            region[...] = v if is_t else value
        else:
            region[adv] = v if is_t else value
        self._vc[0] += 1
        return
    view = self if _is_trivial(basic) else basic_view(self, basic, "SliceBackward0")
    if adv is None:
        if is_t:
            view.copy_(value)
        else:
            view.fill_(value)
        return
    view._inplace(_index_put_value, adv, value.to(self.dtype) if is_t else value, False)


def _index_put_value(x: Tensor, adv: tuple, value, accumulate: bool) -> Tensor:
    return IndexPut.apply(x, value, adv, accumulate)


def _indices_index(input: Tensor, indices) -> tuple:
    """The advanced index of index_put: a sequence of index tensors applied to the leading dims."""
    if isinstance(indices, Tensor) or not isinstance(indices, (tuple, list)):
        raise TypeError(f"index_put(): argument 'indices' (position 1) must be tuple of Tensors, not "
                        f"{_type_label(indices)}")
    for k, t in enumerate(indices):
        if not isinstance(t, Tensor):
            raise TypeError(f"expected Tensor as element {k} in argument 0, but got {_type_label(t)}")
    consumed = sum(t.ndim if t.dtype is _dt.bool else 1 for t in indices)
    if consumed > input.ndim:
        raise IndexError(f"too many indices for tensor of dimension {input.ndim} (got {consumed})")
    basic, adv, _ = parse_index(input._data.shape, tuple(indices))
    return adv


def index_put(input: Tensor, indices, values: Tensor, accumulate: bool = False) -> Tensor:
    """A copy of input with `input[indices] = values` (`+=` with accumulate, repeated indices summed)."""
    adv = _indices_index(input, indices)
    values = _values_for_put(input, adv, values)
    if adv is None:
        return input.clone()
    return IndexPut.apply(input, values, adv, accumulate)


def _values_for_put(input: Tensor, adv, values):
    if not isinstance(values, Tensor):
        raise TypeError(f"index_put_(): argument 'values' (position 2) must be Tensor, not "
                        f"{_type_label(values)}")
    if values.dtype is not input.dtype:
        raise RuntimeError(f"Index put requires the source and destination dtypes match, got "
                           f"{_sname(input._data)} for the destination and {_sname(values._data)} for the "
                           "source.")
    if adv is not None:
        target = adv_shape(input._data.shape, adv)
        vshape = _strip_leading_ones(values._data.shape, len(target))
        try:
            ok = np.broadcast_shapes(vshape, target) == target
        except ValueError:
            ok = False
        if not ok:
            raise RuntimeError(f"shape mismatch: value tensor of shape {list(vshape)} cannot be broadcast to "
                               f"indexing result of shape {list(target)}")
        if vshape != values._data.shape:
            values = values.reshape(vshape)
    return values


def index_put_(input: Tensor, indices, values: Tensor, accumulate: bool = False) -> Tensor:
    """In-place index_put."""
    adv = _indices_index(input, indices)
    values = _values_for_put(input, adv, values)
    if adv is None:
        return input
    _warn_expanded(input._data, "index_put_", "tensor[indices] = tensor")
    if not (state.enabled and (input._rg or values._rg)):
        if accumulate:
            np.add.at(input._data, adv, values._data)
        else:
            input._data[adv] = values._data
        input._vc[0] += 1
        return input
    return input._inplace(_index_put_value, adv, values, accumulate)


# -- gather / scatter ---------------------------------------------------------------------------------

def _along(index, dim: int) -> tuple:
    """The advanced index addressing `out[..., index[i], ...]` at every position i of index along dim."""
    n = index.ndim
    return tuple(index if k == dim else np.arange(s).reshape((-1,) + (1,) * (n - 1 - k))
                 for k, s in enumerate(index.shape))


def _as_1d(a):
    return a if a.ndim else a.reshape(1)


def _check_index_dtype(index: Tensor, msg: str) -> None:
    if index._data.dtype not in (np.int64, np.int32):
        raise RuntimeError(msg)


def _check_bounds(idx, size: int, dim: int) -> None:
    if idx.size and (idx.min() < 0 or idx.max() >= size):
        bad = idx.ravel()[np.argmax(((idx < 0) | (idx >= size)).ravel())]
        raise RuntimeError(f"index {int(bad)} is out of bounds for dimension {dim} with size {size}")


class Gather(Op):
    @staticmethod
    def forward(ctx, x, dim, index):
        ctx.shape, ctx.dim = x.shape, dim
        ctx.save_for_backward(index)
        return _gather_array(x, dim, index)

    @staticmethod
    def backward(ctx, g):
        (index,) = ctx.saved_tensors
        zeros = _const(_zeros(g._data, ctx.shape))
        return scatter_add(zeros, ctx.dim, index, g), None, None

    @staticmethod
    def backward_array(ctx, g):
        (index,) = ctx.saved_tensors
        idx = _as_1d(index._data)
        out = _zeros(g, ctx.shape)
        if idx.size:
            np.add.at(_region(_as_1d(out), idx, ctx.dim), _along(idx, ctx.dim), g.reshape(idx.shape))
        return out, None, None


def gather(input: Tensor, dim: int, index: Tensor, *, sparse_grad: bool = False) -> Tensor:
    """out[i][j] = input[index[i][j]][j] (for dim 0): values along dim picked by index."""
    _check_index_dtype(index, "gather(): Expected dtype int32/int64 for index")
    x, idx = _as_1d(input._data), _as_1d(index._data)
    dim = wrap_dim(dim, input.ndim)
    if idx.ndim != x.ndim:
        raise RuntimeError("Index tensor must have the same number of dimensions as input tensor")
    for k in range(x.ndim):
        if k != dim and idx.shape[k] > x.shape[k]:
            raise RuntimeError(f"Size does not match at dimension {k} expected index {list(index.shape)} to "
                               f"be no larger than self {list(input.shape)} apart from dimension {dim}")
    _check_bounds(idx, x.shape[dim], dim)
    return Gather.apply(input, dim, index)


def _scatter_checks(op: str, input: Tensor, dim: int, index: Tensor, src) -> int:
    _check_index_dtype(index, f"{op}(): Expected dtype int32/int64 for index")
    x, idx = _as_1d(input._data), _as_1d(index._data)
    dim = wrap_dim(dim, input.ndim)
    if idx.ndim != x.ndim:
        raise RuntimeError("Index tensor must have the same number of dimensions as self tensor")
    if isinstance(src, Tensor):
        if src._data.dtype != input._data.dtype:
            raise RuntimeError("scatter(): Expected self.dtype to be equal to src.dtype")
        s = _as_1d(src._data)
        if s.ndim != x.ndim:
            raise RuntimeError("Index tensor must have the same number of dimensions as src tensor")
        bad = any(idx.shape[k] > s.shape[k] or (k != dim and idx.shape[k] > x.shape[k])
                  for k in range(x.ndim))
        if bad:
            raise RuntimeError(f"Expected index {list(index.shape)} to be no larger than self "
                               f"{list(input.shape)} apart from dimension {dim} and to be no larger size "
                               f"than src {list(src.shape)}")
    else:
        for k in range(x.ndim):
            if k != dim and idx.shape[k] > x.shape[k]:
                raise RuntimeError(f"Expected index {list(index.shape)} to be no larger than self "
                                   f"{list(input.shape)} apart from dimension {dim}")
    _check_bounds(idx, x.shape[dim], dim)
    return dim


def _region(out, idx, dim):
    """The part of out that an index of idx's shape addresses (all of dim, the leading part elsewhere)."""
    return out[tuple(slice(0, s) if k != dim else slice(None) for k, s in enumerate(idx.shape))]


def _src_part(src, idx):
    """The leading part of src that an index of idx's shape reads."""
    if src.ndim == 0:
        return src
    return src[tuple(slice(0, s) for s in idx.shape)]


def _gather_array(x, dim, index):
    if index.size == 0:
        return _zeros(x, index.shape)
    xv, iv = _as_1d(x), _as_1d(index)
    return _region(xv, iv, dim)[_along(iv, dim)].reshape(index.shape)


_UFUNC = {"sum": np.add, "add": np.add, "prod": np.multiply, "multiply": np.multiply, "amax": np.maximum,
          "amin": np.minimum}


def _identity(op: str, dtype):
    if op in ("sum", "mean"):
        return 0
    if op == "prod":
        return 1
    if dtype.kind == "f":
        return -np.inf if op == "amax" else np.inf
    if dtype.kind == "b":
        return op != "amax"
    info = np.iinfo(dtype)
    return info.min if op == "amax" else info.max


def _scatter_array(x, dim, index, src, reduce=None, include_self=True):
    """The scatter family on arrays: src an array (or a scalar value), reduce None (overwrite) or a name."""
    out = x.copy()
    if index.size == 0:
        return out
    o, idx = _as_1d(out), _as_1d(index)
    region = _region(o, idx, dim)
    where = _along(idx, dim)
    vals = _src_part(src, index).reshape(idx.shape) if hasattr(src, "ndim") else src
    if reduce is None:
        region[where] = vals
        return out
    if not include_self:
        region[where] = _identity(reduce, out.dtype)
    if reduce == "mean":
        np.add.at(region, where, vals)
        count = _zeros(region, region.shape, np.int64)
        np.add.at(count, where, 1)
        if include_self:
            count += 1
        hit = count > 0
        if out.dtype.kind == "f":
            np.divide(region, count, out=region, where=hit)
        else:
            np.floor_divide(region, count, out=region, where=hit)
        return out
    _UFUNC[reduce].at(region, where, vals)
    return out


class Scatter(Op):
    """scatter with a src tensor (ScatterBackward0) or a scalar value (ScatterBackward1)."""

    @staticmethod
    def forward(ctx, x, dim, index, src, reduce):
        ctx.dim, ctx.reduce = dim, reduce
        ctx.save_for_backward(index)
        if hasattr(src, "ndim"):
            ctx.src_shape = src.shape
        else:
            ctx._name = "ScatterBackward1"
        return _scatter_array(x, dim, index, src, reduce)

    @staticmethod
    def backward(ctx, g):
        if ctx.reduce is not None:
            raise RuntimeError("derivative for aten::scatter is not implemented")
        (index,) = ctx.saved_tensors
        need = ctx.needs_input_grad
        gx = scatter(g, ctx.dim, index, 0) if need[0] else None
        gs = _to_src(gather(g, ctx.dim, index), ctx.src_shape) if need[3] else None
        return gx, None, None, gs, None


def scatter(input: Tensor, dim: int, index: Tensor, src=None, value=None, *,
            reduce: str | None = None) -> Tensor:
    """A copy of input with values from src (or the scalar value) written at index along dim."""
    if src is None:
        src = value
    if src is None:
        raise TypeError("scatter() missing required argument 'src' or 'value'")
    if isinstance(src, Tensor) and src.dim() == 0 and index.dim() != 0:
        raise RuntimeError("Index tensor must have the same number of dimensions as src tensor")
    if reduce is not None:
        if reduce not in ("add", "multiply"):
            raise RuntimeError("reduce argument must be either add or multiply.")
        if isinstance(src, Tensor):
            warnings.warn("The reduce argument of torch.scatter with Tensor src is deprecated and will be "
                          "removed in a future PyTorch release. Use torch.scatter_reduce instead for more "
                          "reduction options.", UserWarning, stacklevel=2)
    dim = _scatter_checks("scatter", input, dim, index, src)
    if not isinstance(src, Tensor):
        src = src.item() if isinstance(src, np.generic) else src
    return Scatter.apply(input, dim, index, src, reduce)


class ScatterAdd(Op):
    @staticmethod
    def forward(ctx, x, dim, index, src):
        ctx.dim, ctx.src_shape = dim, src.shape
        ctx.save_for_backward(index)
        return _scatter_array(x, dim, index, src, "sum")

    @staticmethod
    def backward(ctx, g):
        (index,) = ctx.saved_tensors
        gs = _to_src(gather(g, ctx.dim, index), ctx.src_shape) if ctx.needs_input_grad[3] else None
        return g, None, None, gs


def _to_src(g: Tensor, shape: tuple) -> Tensor:
    """A gradient of the part of src that an index read, padded with zeros to src's shape."""
    if g._data.shape == shape:
        return g
    if not shape:
        return g.reshape(())
    return IndexBackward.apply(g, shape, tuple(slice(0, n) for n in g._data.shape) + (Ellipsis,), None)


def scatter_add(input: Tensor, dim: int, index: Tensor, src: Tensor) -> Tensor:
    """A copy of input with src added at index along dim (repeated indices accumulate)."""
    if not isinstance(src, Tensor):
        raise TypeError(f"scatter_add(): argument 'src' (position 3) must be Tensor, not {_type_label(src)}")
    dim = _scatter_checks("scatter_add", input, dim, index, src)
    return ScatterAdd.apply(input, dim, index, src)


class ScatterReduce(Op):
    @staticmethod
    def forward(ctx, x, dim, index, src, reduce, include_self):
        ctx.dim, ctx.reduce, ctx.include_self = dim, reduce, include_self
        out = _scatter_array(x, dim, index, src, reduce, include_self)
        ctx.save_for_backward(x, index, src, out)
        return out

    @staticmethod
    def backward(ctx, g):
        x, index, src, out = ctx.saved_tensors
        dim, reduce, incl = ctx.dim, ctx.reduce, ctx.include_self
        idx = index._data
        if reduce == "sum":
            gx, gs = g, gather(g, dim, index)
        elif reduce == "mean":
            count = _scatter_array(np.full_like(g._data, 1 if incl else 0), dim, idx, 1, "sum")
            count[count == 0] = 1
            gn = g / _const(count)
            gx, gs = gn, gather(gn, dim, index)
        elif reduce == "prod":
            gx, gs = _prod_grads(g, x, index, src, out, dim, incl)
        else:
            # amax/amin: the gradient is shared evenly among the values equal to the result (self's value
            # counts when it equals the result even with include_self=False, as in PyTorch)
            self_hit = (x._data == out._data).astype(g._data.dtype)
            src_hit = (_src_part(src._data, idx) == _gather_array(out._data, dim, idx)).astype(g._data.dtype)
            share = g / _const(_scatter_array(self_hit, dim, idx, src_hit, "sum"))
            gx = share * _const(self_hit)
            gs = gather(share, dim, index) * _const(src_hit)
        if not incl:
            gx = scatter(gx, dim, index, 0)
        return gx, None, None, _to_src(gs, src._data.shape), None, None


def _prod_grads(g, x, index, src, out, dim, incl):
    """Gradients of a scatter product: each factor's gradient is the product of the other factors,
    computed without dividing by a zero factor."""
    idx = index._data
    ones = _const(np.ones_like(x._data))
    gx = g * scatter_reduce(ones, dim, index, src, "prod", include_self=False)
    part = src[tuple(slice(0, s) for s in idx.shape)] if src.ndim else src
    zero = _src_part(src._data, idx) == 0
    zeros_at = _scatter_array(np.zeros_like(x._data, dtype=np.int64), dim, idx, zero.astype(np.int64), "sum")
    lone = _const(zero & (_gather_array(zeros_at, dim, idx) == 1))
    # a lone zero factor's gradient: the product with that factor replaced by one
    without = scatter_reduce(x if incl else ones, dim, index, part.masked_fill(lone, 1), "prod")
    gs = (gather(g * out, dim, index) / part.masked_fill(_const(zero), 1)).masked_fill(lone, 0)
    gs = gs + gather(g * without, dim, index).masked_fill(_const(~lone._data), 0)
    return gx, gs


def scatter_reduce(input: Tensor, dim: int, index: Tensor, src: Tensor, reduce: str, *,
                   include_self: bool = True) -> Tensor:
    """Reduce src into input at index along dim with 'sum', 'prod', 'mean', 'amax' or 'amin'."""
    if reduce not in ("sum", "prod", "mean", "amax", "amin"):
        raise RuntimeError(f"reduce argument must be either sum, prod, mean, amax or amin, got {reduce}")
    dim = _scatter_checks("scatter_reduce", input, dim, index, src)
    out = ScatterReduce.apply(input, dim, index, src, reduce, include_self)
    return out


# -- index_* along one dim ---------------------------------------------------------------------------

def _vector_index(index: Tensor, op: str):
    if index.dim() > 1:
        raise IndexError(f"{op}(): Index is supposed to be a vector")
    return index._data.reshape(-1)


def _at_dim(dim: int, idx) -> tuple:
    return (slice(None),) * dim + (idx,)


class IndexSelect(Op):
    @staticmethod
    def forward(ctx, x, dim, index):
        ctx.shape, ctx.dim, ctx.index = x.shape, dim, index
        return np.take(_as_1d(x), index, axis=dim)

    @staticmethod
    def backward(ctx, g):
        zeros = _const(_zeros(g._data, ctx.shape))
        return index_add(zeros, ctx.dim, _const(ctx.index), g), None, None

    @staticmethod
    def backward_array(ctx, g):
        out = _zeros(g, ctx.shape)
        np.add.at(_as_1d(out), _at_dim(ctx.dim, ctx.index), g)
        return out, None, None


def index_select(input: Tensor, dim: int, index: Tensor) -> Tensor:
    """The entries of input at positions index (a vector) along dim."""
    if index.dim() > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")
    _check_index_dtype(index, "index_select(): Expected dtype int32 or int64 for index")
    dim = wrap_dim(dim, input.ndim)
    idx = index._data.reshape(-1)
    x = _as_1d(input._data)
    if input.ndim == 0 and idx.size != 1:
        raise RuntimeError(f"index_select(): Index to scalar can have only 1 value, got {idx.size} value(s)")
    if idx.size and (idx.min() < 0 or idx.max() >= x.shape[dim]):
        raise IndexError("index out of range in self")
    out = IndexSelect.apply(input, dim, idx)
    return out if input.ndim else out.reshape(())


class IndexAdd(Op):
    @staticmethod
    def forward(ctx, x, dim, index, src, alpha):
        ctx.dim, ctx.index, ctx.alpha = dim, index, alpha
        out = x.copy()
        s = _as_1d(src if alpha == 1 else src * alpha).astype(out.dtype, copy=False)
        target = _as_1d(out)
        if type(target) is np.ndarray and target.ndim:
            add_rows(np.moveaxis(target, dim, 0), index.reshape(-1), np.moveaxis(s, dim, 0))
        else:
            np.add.at(target, _at_dim(dim, index), s)
        return out

    @staticmethod
    def backward(ctx, g):
        gs = None
        if ctx.needs_input_grad[3]:
            gs = index_select(g, ctx.dim, _const(ctx.index))
            if ctx.alpha != 1:
                gs = gs * ctx.alpha
        return g, None, None, gs, None


def _index_source_checks(input: Tensor, dim: int, source: Tensor) -> None:
    x, s = _as_1d(input._data), _as_1d(source._data)
    if s.ndim != x.ndim or any(a != b for k, (a, b) in enumerate(zip(x.shape, s.shape)) if k != dim):
        raise RuntimeError(f"source tensor shape must match self tensor shape, excluding the specified "
                           f"dimension. Got self.shape = {list(input.shape)} source.shape = "
                           f"{list(source.shape)}")


def index_add(input: Tensor, dim: int, index: Tensor, source: Tensor, *, alpha=1) -> Tensor:
    """A copy of input with alpha * source added at positions index along dim (repeats accumulate)."""
    dim = wrap_dim(dim, input.ndim)
    idx = _vector_index(index, "index_add_")
    _check_index_dtype(index, "index_add_(): Expected dtype int32/int64 for index")
    if source._data.dtype != input._data.dtype:
        raise RuntimeError(f"index_add_(): self ({_sname(input._data)}) and source ({_sname(source._data)}) "
                           "must have the same scalar type")
    n = _as_1d(source._data).shape[dim] if source.ndim or input.ndim else 1
    if idx.size != n:
        raise RuntimeError(f"index_add_(): Number of indices ({idx.size}) should be equal to "
                           f"source.size(dim): ({n}), for dim: {dim}")
    _index_source_checks(input, dim, source)
    size = _as_1d(input._data).shape[dim]
    if idx.size and (idx.min() < 0 or idx.max() >= size):
        if input.ndim <= 1:
            raise IndexError("index out of range in self")
        bad = idx[np.argmax((idx < 0) | (idx >= size))]
        raise RuntimeError(f"index {int(bad)} is out of bounds for dimension {dim} with size {size}")
    return IndexAdd.apply(input, dim, idx, source, alpha)


class IndexCopy(Op):
    @staticmethod
    def forward(ctx, x, dim, index, src):
        ctx.dim, ctx.index = dim, index
        out = x.copy()
        _as_1d(out)[_at_dim(dim, index)] = _as_1d(src)
        return out

    @staticmethod
    def backward(ctx, g):
        need = ctx.needs_input_grad
        idx = _const(ctx.index)
        gx = index_fill(g, ctx.dim, idx, 0) if need[0] else None
        gs = index_select(g, ctx.dim, idx) if need[3] else None
        return gx, None, None, gs


def index_copy(input: Tensor, dim: int, index: Tensor, source: Tensor) -> Tensor:
    """A copy of input with the slices at positions index along dim replaced by source's."""
    dim = wrap_dim(dim, input.ndim)
    idx = _vector_index(index, "index_copy_")
    if index._data.dtype != np.int64:
        raise RuntimeError(f"index_copy_(): Expected a long tensor for index, but got {_sname(index._data)}")
    if source._data.dtype != input._data.dtype:
        raise RuntimeError(f"index_copy_(): self and source expected to have the same dtype, but got (self) "
                           f"{_sname(input._data)} and (source) {_sname(source._data)}")
    n = _as_1d(source._data).shape[dim] if source.ndim or input.ndim else 1
    if idx.size != n:
        raise IndexError(f"index_copy_(): Number of indices ({idx.size}) should be equal to source.size(dim) "
                         f"({n})")
    _index_source_checks(input, dim, source)
    size = _as_1d(input._data).shape[dim]
    if idx.size and (idx.min() < 0 or idx.max() >= size):
        bad = idx[np.argmax((idx < 0) | (idx >= size))]
        raise IndexError(f"index_copy_(): index {int(bad)} is out of bounds for dimension {dim} with size "
                         f"{size}")
    return IndexCopy.apply(input, dim, idx, source)


class IndexFill(Op):
    @staticmethod
    def forward(ctx, x, dim, index, value):
        ctx.dim, ctx.index = dim, index
        if hasattr(value, "ndim"):
            ctx._name = "IndexFillBackward1"
        out = x.copy()
        _as_1d(out)[_at_dim(dim, index)] = value
        return out

    @staticmethod
    def backward(ctx, g):
        need = ctx.needs_input_grad
        idx = _const(ctx.index)
        gx = index_fill(g, ctx.dim, idx, 0) if need[0] else None
        gv = None
        if need[3]:
            size = _as_1d(g._data).shape[ctx.dim]
            gv = index_select(g, ctx.dim, _const(np.unique(ctx.index % max(size, 1)))).sum()
        return gx, None, None, gv


def index_fill(input: Tensor, dim: int, index: Tensor, value) -> Tensor:
    """A copy of input with the slices at positions index along dim filled with value."""
    dim = wrap_dim(dim, input.ndim)
    if index.dim() > 1:
        raise RuntimeError("Index has to be a vector/scalar")
    if index._data.dtype != np.int64:
        raise IndexError("index_fill_(): Expected dtype int64 for index.")
    if isinstance(value, Tensor):
        _check_0d_value(value, "index_fill_")
    idx = index._data.reshape(-1)
    size = _as_1d(input._data).shape[dim]
    if idx.size and (idx.min() < -size or idx.max() >= size):
        bad = idx[np.argmax((idx < -size) | (idx >= size))]
        raise IndexError(f"index {int(bad)} is out of bounds for dimension {dim} with size {size}")
    if isinstance(value, Tensor):
        if not value._rg:
            value = value.item()
        else:
            value = value.to(input.dtype)
    return IndexFill.apply(input, dim, idx, value)


# -- masks ---------------------------------------------------------------------------------------------

def _check_0d_value(value: Tensor, op: str) -> None:
    if value.dim() != 0:
        raise RuntimeError(f"{op} only supports a 0-dimensional value tensor, but got tensor with "
                           f"{value.dim()} dimension(s).")


def _bool_mask(mask: Tensor, op: str, names: dict = _C_NAMES):
    if not isinstance(mask, Tensor):
        raise TypeError(f"{op}(): argument 'mask' must be Tensor, not {_type_label(mask)}")
    if mask._data.dtype != np.bool_:
        raise RuntimeError(f"{op} only supports boolean masks, but got mask with dtype "
                           f"{names.get(mask._data.dtype.name, mask._data.dtype.name)}")
    return mask._data


class MaskedFill(Op):
    @staticmethod
    def forward(ctx, x, mask, value):
        ctx.mask = mask
        if hasattr(value, "ndim"):
            ctx._name = "MaskedFillBackward1"
            value = value.astype(x.dtype)
        return np.where(mask, value, x).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        need = ctx.needs_input_grad
        mask = ctx.mask
        gx = g.masked_fill(_const(mask), 0) if need[0] else None
        gv = None
        if need[2]:
            gv = g.masked_fill(_const(~np.broadcast_to(mask, g._data.shape)), 0).sum()
        return gx, None, gv


def masked_fill(input: Tensor, mask: Tensor, value) -> Tensor:
    """A copy of input with value (a number or 0-d tensor) where mask (broadcast) is True."""
    m = _bool_mask(mask, "masked_fill_")
    if isinstance(value, Tensor):
        _check_0d_value(value, "masked_fill_")
        if not value._rg:
            value = value.item()
    elif isinstance(value, np.generic):
        value = value.item()
    return MaskedFill.apply(input, m, value)


def masked_fill_(self: Tensor, mask: Tensor, value) -> Tensor:
    """In-place masked_fill (mask must broadcast to self's shape)."""
    m = _bool_mask(mask, "masked_fill_")
    rg = isinstance(value, Tensor) and value._rg
    if state.enabled and (self._rg or rg):
        return self._inplace(masked_fill, mask, value)
    if isinstance(value, Tensor):
        _check_0d_value(value, "masked_fill_")
        value = value.item()
    x = self._data
    try:
        ok = np.broadcast_shapes(m.shape, x.shape) == x.shape
    except ValueError:
        ok = False
    if not ok:
        try:
            b = list(np.broadcast_shapes(m.shape, x.shape))
        except ValueError:
            b = list(m.shape)
        raise RuntimeError(f"output with shape {list(x.shape)} doesn't match the broadcast shape {b}")
    _warn_expanded(x, "masked_fill_", "tensor[mask] = scalar")
    np.copyto(x, np.asarray(value).astype(x.dtype), where=m)
    self._vc[0] += 1
    return self


class MaskedSelect(Op):
    @staticmethod
    def forward(ctx, x, mask):
        xb, mb = np.broadcast_arrays(x, mask)
        ctx.shape, ctx.mask = xb.shape, mb
        return xb[mb]

    @staticmethod
    def backward(ctx, g):
        return MaskedSelectBackward.apply(g, ctx.shape, ctx.mask), None


class MaskedSelectBackward(Op):
    @staticmethod
    def forward(ctx, g, shape, mask):
        ctx.mask = mask
        out = _zeros(g, shape)
        out[mask] = g
        return out

    @staticmethod
    def backward(ctx, gg):
        return MaskedSelect.apply(gg, ctx.mask), None, None


def masked_select(input: Tensor, mask: Tensor) -> Tensor:
    """The entries of input (broadcast with mask) where mask is True, as a 1-D tensor."""
    if mask._data.dtype != np.bool_:
        raise RuntimeError("masked_select: expected BoolTensor for mask")
    return MaskedSelect.apply(input, mask._data)


class MaskedScatter(Op):
    @staticmethod
    def forward(ctx, x, mask, src):
        xb, mb = np.broadcast_arrays(x, mask)
        out = xb.copy()
        k = int(mb.sum())
        ctx.mask, ctx.k, ctx.src_shape = mb, k, src.shape
        out[mb] = src.reshape(-1)[:k]
        return out

    @staticmethod
    def backward(ctx, g):
        need = ctx.needs_input_grad
        mask = _const(ctx.mask)
        gx = g.masked_fill(mask, 0) if need[0] else None
        gs = None
        if need[2]:
            from .shape import cat

            picked = g.masked_select(mask)
            n = int(np.prod(ctx.src_shape))
            gs = cat([picked, _const(_zeros(g._data, (n - ctx.k,)))]).reshape(ctx.src_shape)
        return gx, None, gs


def masked_scatter(input: Tensor, mask: Tensor, source: Tensor) -> Tensor:
    """A copy of input (broadcast with mask) with source's leading values written where mask is True."""
    m = _bool_mask(mask, "masked_scatter_", _SCALAR_NAMES)
    if source._data.dtype != input._data.dtype:
        raise RuntimeError(f"masked_scatter: expected self and source to have same dtypes but got"
                           f"{_sname(input._data)} and {_sname(source._data)}")
    shape = np.broadcast_shapes(m.shape, input._data.shape)
    if np.count_nonzero(np.broadcast_to(m, shape)) > source._data.size:
        raise RuntimeError("Number of elements of source < number of ones in mask")
    return MaskedScatter.apply(input, m, source)


# -- flat and along-dim picks --------------------------------------------------------------------------

class Take(Op):
    @staticmethod
    def forward(ctx, x, index):
        ctx.shape, ctx.index = x.shape, index
        return np.take(x, index)

    @staticmethod
    def backward(ctx, g):
        return TakeBackward.apply(g, ctx.shape, ctx.index), None


class TakeBackward(Op):
    @staticmethod
    def forward(ctx, g, shape, index):
        ctx.index = index
        out = _zeros(g, (int(np.prod(shape)),))
        np.add.at(out, index.reshape(-1), g.reshape(-1))
        return out.reshape(shape)

    @staticmethod
    def backward(ctx, gg):
        return Take.apply(gg, ctx.index), None, None


def _flat_index(input: Tensor, index: Tensor, op: str):
    if index._data.dtype != np.int64:
        raise RuntimeError(f"{op}(): Expected a long tensor for index, but got {_sname(index._data)}")
    n = input._data.size
    idx = index._data
    if idx.size and (idx.min() < -n or idx.max() >= n):
        bad = idx.ravel()[np.argmax(((idx < -n) | (idx >= n)).ravel())]
        raise IndexError(f"out of range: tried to access index {int(bad)} on a tensor of {n} elements.")
    return idx % max(n, 1)


def take(input: Tensor, index: Tensor) -> Tensor:
    """input treated as 1-D, read at index (negative indices count from the end); index's shape."""
    return Take.apply(input, _flat_index(input, index, "take"))


class Put(Op):
    @staticmethod
    def forward(ctx, x, index, src, accumulate):
        ctx.index, ctx.acc, ctx.src_shape = index, accumulate, src.shape
        out = x.copy()
        flat = out.reshape(-1)
        if accumulate:
            np.add.at(flat, index.reshape(-1), src.reshape(-1))
        else:
            flat[index.reshape(-1)] = src.reshape(-1)
        return out

    @staticmethod
    def backward(ctx, g):
        need = ctx.needs_input_grad
        idx = ctx.index
        gx = None
        if need[0]:
            gx = g if ctx.acc else ZeroAt.apply(g.reshape(-1), (Ellipsis,), (idx.reshape(-1),)).view(g.shape)
        gs = Take.apply(g, idx).reshape(ctx.src_shape) if need[2] else None
        return gx, None, gs, None


def put(input: Tensor, index: Tensor, source: Tensor, accumulate: bool = False) -> Tensor:
    """A copy of input (seen as 1-D) with source written (or added) at index."""
    if source._data.dtype != input._data.dtype:
        raise RuntimeError(f"put_(): self and source expected to have the same dtype, but got self.dtype = "
                           f"{_sname(input._data)} and source.dtype = {_sname(source._data)}")
    if index._data.size != source._data.size:
        raise IndexError(f"put_(): Expected source and index to have the same number of elements, but got "
                           f"source.numel() = {source._data.size}, index.numel() = {index._data.size}")
    return Put.apply(input, _flat_index(input, index, "put_"), source, accumulate)


def take_along_dim(input: Tensor, indices: Tensor, dim: int | None = None) -> Tensor:
    """Values of input at indices along dim (input and indices broadcast apart from dim); dim=None:
    on the flattened input."""
    if indices._data.dtype != np.int64:
        raise RuntimeError(f"torch.take_along_dim(): dtype of indices should be Long but got "
                           f"{_sname(indices._data)}")
    if dim is None:
        return gather(input.reshape(-1), 0, indices.reshape(-1))
    if input.ndim != indices.ndim:
        raise RuntimeError(f"torch.take_along_dim(): input and indices should have the same number of "
                           f"dimensions, but got {input.ndim} dimensions for input, and {indices.ndim} "
                           "dimensions for indices")
    dim = wrap_dim(dim, input.ndim)
    s_in, s_idx = list(input.shape), list(indices.shape)
    s_in[dim] = s_idx[dim] = 1
    b = list(np.broadcast_shapes(tuple(s_in), tuple(s_idx)))
    b_in, b_idx = b.copy(), b.copy()
    b_in[dim], b_idx[dim] = input.shape[dim], indices.shape[dim]
    n = input.shape[dim]
    idx = indices._data
    if idx.size and idx.min() < 0:
        indices = _const(np.where(idx < 0, idx + n, idx))
    return gather(input.expand(b_in), dim, indices.expand(b_idx))


def nonzero(input: Tensor, *, out=None, as_tuple: bool = False) -> Tensor | tuple:
    """Coordinates of the nonzero entries: an (n, ndim) int64 tensor, or a tuple of 1-D tensors."""
    x = input._data
    if as_tuple:
        return tuple(Tensor._make(a.astype(np.int64, copy=False)) for a in np.nonzero(_as_1d(x)))
    return Tensor._make(np.argwhere(x).astype(np.int64, copy=False))


def argwhere(input: Tensor) -> Tensor:
    """The (n, ndim) coordinates of the nonzero entries (same as nonzero)."""
    return nonzero(input)


def _where_single(condition: Tensor) -> tuple:
    """`where(condition)`: the same as `nonzero(condition, as_tuple=True)`."""
    return nonzero(condition, as_tuple=True)


DUNDERS = {"__getitem__": getitem, "__setitem__": setitem}

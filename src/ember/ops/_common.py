"""What every op module shares: the op base class, PyTorch's type promotion on arrays, dim handling."""

from __future__ import annotations

import numpy as np

from .. import _tensor
from ..autograd.function import Function
from ..backend import dtypes as _dt

Tensor = _tensor.Tensor
_FROM_NP = _dt._FROM_NP


class Op(Function):
    """Base of ember's own ops: forward takes and returns arrays (Tensor arguments arrive unwrapped)."""

    __slots__ = ()
    _internal = True


def _key(x):
    if isinstance(x, np.ndarray) or hasattr(x, "__cuda_array_interface__"):
        return (x.dtype, x.ndim == 0)
    if isinstance(x, bool):
        return 0
    if isinstance(x, (int, np.integer)):
        return 1
    return 2


_RESULT_CACHE: dict = {}


def result_dtype(a, b) -> np.dtype:
    """The NumPy dtype PyTorch's promotion gives for two operands (arrays, 0-d arrays or Python scalars)."""
    ka, kb = _key(a), _key(b)
    key = (ka, kb, _dt.get_default_dtype())
    res = _RESULT_CACHE.get(key)
    if res is None:
        dims, zeros, scalars = [], [], []
        for k in (ka, kb):
            if type(k) is tuple:
                (zeros if k[1] else dims).append(_FROM_NP[k[0]])
            else:
                scalars.append((False, 0, 0.0)[k])
        res = _dt.result_type_of(dims, zeros, scalars).np
        _RESULT_CACHE[key] = res
    return res


def promote(a, b):
    """Cast array operands to their PyTorch result dtype; Python scalars stay scalars."""
    dt = result_dtype(a, b)
    if isinstance(a, np.ndarray) or hasattr(a, "__cuda_array_interface__"):
        if a.dtype != dt:
            a = a.astype(dt)
    if isinstance(b, np.ndarray) or hasattr(b, "__cuda_array_interface__"):
        if b.dtype != dt:
            b = b.astype(dt)
    return a, b, dt


def floating(x):
    """Integer and bool arrays become the default float dtype (as for torch.exp on an int tensor)."""
    if x.dtype.kind in "iub":
        return x.astype(_dt.get_default_dtype().np)
    return x


def is_array(x) -> bool:
    return isinstance(x, np.ndarray) or hasattr(x, "__cuda_array_interface__")


def wrap_dim(dim: int, ndim: int) -> int:
    return _tensor._wrap_dim(dim, ndim)


def dims_tuple(dim, ndim: int) -> tuple:
    """Normalise `dim` (None, int, or sequence) to a sorted tuple of non-negative axes."""
    if dim is None:
        return tuple(range(ndim))
    if isinstance(dim, (int, np.integer)):
        return (wrap_dim(int(dim), ndim),)
    dims = tuple(wrap_dim(int(d), ndim) for d in dim)
    if len(set(dims)) != len(dims):
        dup = next(d for d in dims if dims.count(d) > 1)
        raise RuntimeError(f"dim {dup} appears multiple times in the list of dims")
    return tuple(sorted(dims))


def as_tensor_arg(x, like: Tensor) -> Tensor:
    """A Python scalar or sequence argument as a tensor on like's device."""
    if isinstance(x, Tensor):
        return x
    return _tensor.tensor(x, device=like.device)


def make_view(out: Tensor, src: Tensor, fn) -> Tensor:
    """Mark `out` as a view of `src`: it shares src's version counter, and `fn(src)` re-derives it
    (used to rewire the graph when a view is modified in place)."""
    out._vc = src._vc
    out._view_src = (src, fn)
    out._view_ver = src._vc[0]
    if src._inference:  # a view of an inference tensor is one too
        out._inference = True
    return out

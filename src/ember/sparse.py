"""Sparse COO tensors, as `torch.sparse_coo_tensor` builds them.

The one producer that matters is `nn.Embedding(sparse=True)`: its weight gradient is row-sparse (indices of
shape (1, nnz), values of shape (nnz, embedding_dim)). Optimizers consume it (SparseAdam, Adagrad, SGD).

`SparseTensor` is a `Tensor` whose `_data` is the *values* array (so dtype, device and the autograd flags
read from it) and whose indices live beside it. The dense tensor is never built implicitly: metadata that
depends on the shape (`shape`, `size()`, `dim()`, `numel()`) is overridden here, and `to_dense()` is the
only way to materialise it. Dense ember ops do not understand this layout: apart from the arithmetic
defined below (negation, scaling, sparse + sparse, dense + sparse), use `to_dense()` first.
"""

from __future__ import annotations

import numpy as np

from . import _tensor
from .backend import dtypes as _dt

Tensor = _tensor.Tensor

__all__ = ["sparse_coo_tensor", "sparse_coo"]

sparse_coo = _tensor.sparse_coo


class SparseTensor(Tensor):
    """A COO tensor: `_indices` (sparse_dim, nnz) int64, `_data` the values (nnz, *dense_shape)."""

    __slots__ = ("_idx", "_size", "_coalesced")

    @staticmethod
    def _new(indices, values, size: tuple, coalesced: bool) -> SparseTensor:
        self = object.__new__(SparseTensor)
        Tensor._init(self, values)
        self._idx = indices
        self._size = tuple(int(s) for s in size)
        self._coalesced = coalesced
        return self

    # -- metadata --------------------------------------------------------------------------------------
    @property
    def is_sparse(self) -> bool:
        return True

    @property
    def layout(self) -> _tensor.layout:
        return sparse_coo

    @property
    def shape(self) -> _tensor.Size:
        return _tensor.Size(self._size)

    def size(self, dim: int | None = None):
        if dim is None:
            return _tensor.Size(self._size)
        return self._size[_tensor._wrap_dim(dim, len(self._size))]

    def dim(self) -> int:
        return len(self._size)

    ndimension = dim

    @property
    def ndim(self) -> int:
        return len(self._size)

    def numel(self) -> int:
        return int(np.prod(self._size, dtype=np.int64))

    def __len__(self) -> int:
        if not self._size:
            raise TypeError("len() of a 0-d tensor")
        return self._size[0]

    nelement = numel

    def is_contiguous(self, memory_format=None) -> bool:
        return False

    def stride(self, dim: int | None = None):
        zeros = (0,) * len(self._size)
        return zeros if dim is None else 0

    def sparse_dim(self) -> int:
        return self._idx.shape[0]

    def dense_dim(self) -> int:
        return self._data.ndim - 1

    def _nnz(self) -> int:
        return self._idx.shape[1]

    def is_coalesced(self) -> bool:
        return self._coalesced

    def _indices(self) -> Tensor:
        """The indices as stored (possibly uncoalesced), sharing memory."""
        return Tensor._make(self._idx)

    def _values(self) -> Tensor:
        """The values as stored (possibly uncoalesced), sharing memory and version counter."""
        return Tensor._make(self._data, version=self._vc)

    def indices(self) -> Tensor:
        if not self._coalesced:
            raise RuntimeError("Cannot get indices on an uncoalesced tensor, please call .coalesce() first")
        return self._indices()

    def values(self) -> Tensor:
        if not self._coalesced:
            raise RuntimeError("Cannot get values on an uncoalesced tensor, please call .coalesce() first")
        return self._values()

    # -- conversions -----------------------------------------------------------------------------------
    def _linear_indices(self):
        """One integer per stored entry: its row in the (prod(sparse sizes), *dense) view."""
        if self._idx.shape[0] == 1:
            return self._idx[0]
        return np.ravel_multi_index(tuple(self._idx), self._size[:self._idx.shape[0]])

    def coalesce(self) -> SparseTensor:
        """Sorted, unique indices with duplicate entries summed (self when already coalesced)."""
        if self._coalesced:
            return self
        lin = self._linear_indices()
        order = np.argsort(lin, kind="stable")
        lin_sorted = lin[order]
        starts = np.flatnonzero(np.concatenate(([True], lin_sorted[1:] != lin_sorted[:-1])))
        values = self._data[order]
        if starts.size != lin_sorted.size:
            values = np.add.reduceat(values, starts, axis=0)
        indices = self._idx[:, order[starts]]
        return SparseTensor._new(indices, values, self._size, True)

    def to_dense(self, dtype=None, *, masked_grad: bool | None = None) -> Tensor:
        """The dense tensor: zeros with every stored entry added at its index."""
        out = np.zeros(self._size, self._data.dtype if dtype is None else dtype.np)
        idx = tuple(self._idx)
        if self._coalesced:
            out[idx] = self._data
        else:
            np.add.at(out, idx, self._data)
        return Tensor._make(out)

    def to(self, *args, **kwargs) -> SparseTensor:
        """A dtype conversion (of the values); moving to another device is not supported yet."""
        from .ops.conversion import _parse_to

        dev, dtype, copy = _parse_to(args, dict(kwargs))
        if dev is not None and not (dev == self.device or (dev.type == self.device.type and dev.index is None)):
            raise NotImplementedError("ember: moving a sparse tensor to another device is not supported")
        values = self._data if dtype is None else self._data.astype(dtype.np, copy=False)
        if values is self._data:
            if not copy:
                return self
            values = values.copy()
        return SparseTensor._new(self._idx, values, self._size, self._coalesced)

    def numpy(self, *, force: bool = False):
        raise TypeError("can't convert Sparse layout tensor to numpy. Use Tensor.to_dense() first.")

    def detach(self) -> SparseTensor:
        t = SparseTensor._new(self._idx, self._data, self._size, self._coalesced)
        t._vc = self._vc
        return t

    def clone(self, *, memory_format=None) -> SparseTensor:
        return SparseTensor._new(self._idx.copy(), self._data.copy(), self._size, self._coalesced)

    def __deepcopy__(self, memo):
        new = self.clone()
        new._rg = self._rg
        memo[id(self)] = new
        return new

    def __reduce_ex__(self, protocol):
        return (_rebuild, (np.asarray(self._idx), self._host(), self._size, self._coalesced, self._rg))

    def __repr__(self, *, tensor_contents=None) -> str:
        pad = " " * len("tensor(")
        # indices are always int64: PyTorch never names their dtype, even when empty
        ind = repr(Tensor._make(self._idx)) if self._idx.size else f"tensor([], size={self._idx.shape})"
        ind = ind.replace("\n", "\n" + pad + " " * len("indices="))
        val = repr(Tensor._make(self._data)).replace("\n", "\n" + pad + " " * len("values="))
        tail = f"size={self._size}, nnz={self._nnz()}"
        if self.dtype is not _dt.get_default_dtype():
            tail += f", dtype={self.dtype}"
        tail += f", layout={sparse_coo}"
        if self._rg:
            tail += ", requires_grad=True"
        return f"tensor(indices={ind},\n{pad}values={val},\n{pad}{tail})"

    # -- arithmetic (what optimizers and gradient accumulation need) ----------------------------------
    def neg(self) -> SparseTensor:
        return SparseTensor._new(self._idx, -self._data, self._size, self._coalesced)

    __neg__ = neg

    def mul(self, other) -> SparseTensor:
        if isinstance(other, Tensor):
            if other.dim() != 0:
                raise RuntimeError("mul(sparse, dense) is only supported for a scalar (0-d) dense tensor")
            other = other.item()
        return SparseTensor._new(self._idx, self._data * other, self._size, self._coalesced)

    __mul__ = __rmul__ = mul

    def add(self, other, *, alpha=1):
        """sparse + sparse -> sparse (entries concatenated, or merged when both are coalesced)."""
        if not isinstance(other, SparseTensor):
            raise RuntimeError("add(sparse, dense) is not supported. Use add(dense, sparse) instead.")
        if other._size != self._size:
            raise RuntimeError(_size_mismatch(self._size, other._size))
        values = other._data if alpha == 1 else other._data * alpha
        out = SparseTensor._new(np.concatenate([self._idx, other._idx], axis=1),
                                np.concatenate([self._data, values.astype(self._data.dtype, copy=False)]),
                                self._size, False)
        return out.coalesce() if self._coalesced and other._coalesced else out

    __add__ = add

    def __radd__(self, other):
        """dense + sparse -> dense (the sparse entries scattered onto a copy of the dense tensor)."""
        if not isinstance(other, Tensor) or isinstance(other, SparseTensor):
            return NotImplemented
        if tuple(other.shape) != self._size:
            raise RuntimeError(_size_mismatch(tuple(other.shape), self._size))
        out = other._data.astype(np.result_type(other._data, self._data), copy=True)
        scatter_add_(out, self, 1)
        return Tensor._make(out)

    def __sub__(self, other):
        return self.add(other, alpha=-1)

    def __rsub__(self, other):
        return self.neg().__radd__(other)


def _size_mismatch(a: tuple, b: tuple) -> str:
    return (f"add: expected 'self' and 'other' to have same size, but self has size {list(a)} while other "
            f"has size {list(b)} (FYI: dense-sparse addition does not currently support broadcasting)")


def scatter_add_(dense, sparse: SparseTensor, alpha: float = 1) -> None:
    """dense[idx] += alpha * values for every stored entry (duplicates accumulate), in place on an array."""
    values = sparse._data if alpha == 1 else sparse._data * alpha
    idx = tuple(sparse._idx)
    if sparse._coalesced:
        dense[idx] += values
    else:
        np.add.at(dense, idx, values)


def _rebuild(indices, values, size, coalesced, requires_grad) -> SparseTensor:
    t = SparseTensor._new(np.array(indices), np.array(values), size, coalesced)
    t._rg = requires_grad
    return t


def _as_array(data):
    return data._data if isinstance(data, Tensor) else np.asarray(data)


def sparse_coo_tensor(indices, values, size=None, *, dtype=None, device=None, pin_memory: bool = False,
                      requires_grad: bool = False, check_invariants: bool | None = None,
                      is_coalesced: bool | None = None) -> SparseTensor:
    """A sparse COO tensor from `indices` (sparse_dim, nnz) and `values` (nnz, *dense_shape)."""
    from . import _creation

    idx = _as_array(indices)
    if idx.ndim != 2:
        raise RuntimeError(f"indices must be sparse_dim x nnz, but got: {list(idx.shape)}")
    idx = idx.astype(np.int64, copy=False)
    if isinstance(values, Tensor):
        vals = values._data if dtype is None else values._data.astype(dtype.np, copy=False)
    else:
        vals = _creation.to_array(values, dtype, device)
    sparse_dim, nnz = idx.shape
    if vals.ndim == 0:
        vals = vals.reshape(1)
    if vals.shape[0] != nnz:
        raise RuntimeError(f"indices and values must have same nnz, but got nnz from indices: {nnz}, "
                           f"nnz from values: {vals.shape[0]}")
    dense_dim = vals.ndim - 1
    if size is None:
        size = tuple(int(m) + 1 for m in idx.max(axis=1)) if nnz else (0,) * sparse_dim
        size = size + tuple(vals.shape[1:])
    size = tuple(int(s) for s in size)
    if len(size) != sparse_dim + dense_dim:
        raise RuntimeError("'len(size) == sparse_dim + dense_dim' is not satisfied: "
                           f"len(size) = {len(size)}, sparse_dim = {sparse_dim}, dense_dim = {dense_dim}")
    if tuple(vals.shape[1:]) != size[sparse_dim:]:
        raise RuntimeError(f"values has incorrect size, expected {[nnz, *size[sparse_dim:]]}, got "
                           f"{list(vals.shape)}")
    if check_invariants and nnz:
        for d in range(sparse_dim):
            lo, hi = int(idx[d].min()), int(idx[d].max())
            if lo < 0:
                raise RuntimeError(f"found negative index {lo} for dim {d}")
            if hi >= size[d]:
                raise RuntimeError(f"size is inconsistent with indices: for dim {d}, size is {size[d]} but "
                                   f"found index {hi}")
    out = SparseTensor._new(idx, vals, size, bool(is_coalesced) or nnz <= 1)
    if requires_grad:
        out.requires_grad_(True)
    return out

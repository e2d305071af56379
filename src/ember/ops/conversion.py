"""Copies and casts (clone, contiguous, to), fills, and the machinery behind every in-place op."""

from __future__ import annotations

import numpy as np

from .. import _tensor
from ..autograd.grad_mode import state
from ..backend import dtypes as _dt
from ..backend.device import device as Device
from ..backend.device import device_of
from ._common import Op, Tensor

__all__ = ["clone"]
METHODS = ("clone", "contiguous", "to", "copy_", "fill_", "zero_", "new_tensor", "new_zeros",
           "new_ones", "new_full", "new_empty")


class Clone(Op):
    @staticmethod
    def forward(ctx, x, order="K"):
        return x.copy(order=order)  # clone keeps dense strides as PyTorch does; contiguous asks for "C"

    @staticmethod
    def backward(ctx, g):
        return g, None


class ToCopy(Op):
    """A change of dtype and/or device."""

    _name = "ToCopyBackward0"

    @staticmethod
    def forward(ctx, x, np_dtype, dev, copy):
        ctx.src = (x.dtype, device_of(x))
        if dev is not None and dev != ctx.src[1]:
            if dev.type == "cpu":
                x = x.get()
            else:
                _tensor.mark_cuda_in_use()
                with dev.xp.cuda.Device(dev.index or 0):
                    x = dev.xp.asarray(x)
        return x.astype(np_dtype, copy=True) if x.dtype != np_dtype else x.copy() if copy else x

    @staticmethod
    def backward(ctx, g):
        dt, dev = ctx.src
        return g.to(device=dev, dtype=_dt._FROM_NP[dt]), None, None, None


class Fill(Op):
    @staticmethod
    def forward(ctx, x, value):
        return np.full_like(x, value)

    @staticmethod
    def backward(ctx, g):
        return g * 0, (g.sum() if ctx.needs_input_grad[1] else None)


def clone(input: Tensor, *, memory_format=None) -> Tensor:
    """A copy of input that stays in the graph (gradient flows back unchanged)."""
    return Clone.apply(input)


def contiguous(self: Tensor, memory_format=None) -> Tensor:
    if self._data.flags.c_contiguous:
        return self
    return Clone.apply(self, "C")


def _parse_to(args, kwargs):
    dev = kwargs.pop("device", None)
    dtype = kwargs.pop("dtype", None)
    copy = kwargs.pop("copy", False)
    kwargs.pop("non_blocking", None)
    kwargs.pop("memory_format", None)
    if kwargs:
        raise TypeError(f"to() got an unexpected keyword argument '{next(iter(kwargs))}'")
    for a in args:
        if isinstance(a, _dt.dtype):
            dtype = a
        elif isinstance(a, Tensor):
            dtype, dev = a.dtype, a.device
        elif isinstance(a, (str, Device, int)) and not isinstance(a, bool):
            dev = a
        elif isinstance(a, bool):
            copy = copy or a
        elif a is not None:
            raise TypeError(f"to() received an invalid combination of arguments - got {type(a).__name__}")
    return (Device(dev) if dev is not None else None), dtype, copy


def to(self: Tensor, *args, **kwargs) -> Tensor:
    """`to(dtype)`, `to(device)`, `to(device, dtype)`, `to(other)`; returns self when nothing changes."""
    dev, dtype, copy = _parse_to(args, dict(kwargs))
    np_dtype = self._data.dtype if dtype is None else dtype.np
    same_dev = dev is None or dev == self.device or (dev.type == self.device.type and dev.index is None)
    if same_dev:
        dev = None
    if not copy and dev is None and np_dtype == self._data.dtype:
        return self
    if dev is not None and dev.type == "cuda":
        _ = dev.xp  # raises when CUDA is unavailable
    return ToCopy.apply(self, np_dtype, dev, copy)


def _write(self: Tensor, res: Tensor) -> None:
    """Store an op's result into self's memory, with PyTorch's checks for in-place results."""
    out = self._data
    r = res._data
    if r.dtype != out.dtype:
        src, dst = _dt._FROM_NP[r.dtype], _dt._FROM_NP[out.dtype]
        if src.category > dst.category:
            raise RuntimeError(f"result type {_type_name(src)} can't be cast to the desired output type "
                               f"{_type_name(dst)}")
    if r.shape != out.shape:
        try:
            bshape = np.broadcast_shapes(r.shape, out.shape)
        except ValueError:
            bshape = None
        if bshape != out.shape:
            raise RuntimeError(f"output with shape {list(out.shape)} doesn't match the broadcast shape "
                               f"{list(bshape) if bshape is not None else list(r.shape)}")
    if out.size > 1 and any(st == 0 and n > 1 for st, n in zip(out.strides, out.shape)):
        raise RuntimeError("unsupported operation: more than one element of the written-to tensor refers to a "
                           "single memory location. Please clone() the tensor before performing the operation.")
    if r is not out:
        out[...] = r


def _type_name(d: _dt.dtype) -> str:
    return {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long", "int32": "Int",
            "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}[d.name]


def _view_chain(t: Tensor):
    """The root base of a view and a function re-deriving the view from that base."""
    fns = []
    while t._view_src is not None:
        t, fn = t._view_src
        fns.append(fn)
    fns.reverse()

    def rederive(base):
        for fn in fns:
            base = fn(base)
        return base
    return t, rederive


class CopySlices(Op):
    """The base's new node after one of its views was modified in place."""

    _name = "torch::autograd::CopySlices"

    @staticmethod
    def forward(ctx, base, value, rederive):
        ctx.rederive = rederive
        return base  # the memory was already written through the view

    @staticmethod
    def backward(ctx, g):
        mask = Tensor._make(np.ones_like(g._data))
        prev = state.enabled
        state.enabled = False
        try:
            ctx.rederive(mask)._data[...] = 0
        finally:
            state.enabled = prev
        return g * mask, ctx.rederive(g), None


def commit_inplace(self: Tensor, fn, args, kwargs) -> Tensor:
    """In-place op: compute `fn(self_before, *args)` out of place, write it into self, rewire autograd."""
    if self._inference and not state.inference:
        raise RuntimeError("Inplace update to inference tensor outside InferenceMode is not allowed.You can make a "
                           "clone to get a normal tensor before doing inplace update.See "
                           "https://github.com/pytorch/rfcs/pull/17 for more details.")
    record = state.enabled and (self._rg or any(isinstance(a, Tensor) and a._rg for a in args)
                                or any(isinstance(a, Tensor) and a._rg for a in kwargs.values()))
    if state.enabled and self._rg:
        multi = self.__dict__.get("_multi_view")
        if multi is not None:
            raise RuntimeError(f"Output {self._output_nr} of {multi} is a view and is being modified "
                               "inplace. This view is the output of a function that returns multiple views. Such "
                               "functions do not allow the output views to be modified inplace. You should replace "
                               "the inplace operation by an out-of-place one.")
        if self.grad_fn is None and self._view_src is None:
            raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
        if self._view_src is not None:
            base, _ = _view_chain(self)
            if base.grad_fn is None and base._rg:
                raise RuntimeError("a view of a leaf Variable that requires grad is being used in an "
                                   "in-place operation.")
    if not record:
        _write(self, fn(self, *args, **kwargs))
        self._vc[0] += 1
        return self
    # the value before the write, for ops that save their input (its memory is about to change)
    before = Tensor._make(self._data, self._rg, self.grad_fn, self._output_nr)
    res = fn(before, *args, **kwargs)
    node = res.grad_fn
    if node is not None and node._saved and any(type(e) is tuple and e[0] is before for e in node._saved):
        before._data = before._data.copy()
    _write(self, res)
    self._vc[0] += 1
    if not res._rg:
        return self
    if self._view_src is not None:
        base, rederive = _view_chain(self)
        new_base = CopySlices.apply(base, res, rederive)
        base.grad_fn, base._output_nr, base._rg = new_base.grad_fn, 0, True
        prev = state.enabled
        state.enabled = True
        view = rederive(base)
        state.enabled = prev
        self.grad_fn, self._output_nr, self._rg = view.grad_fn, view._output_nr, True
        self._view_ver = self._vc[0]
    else:
        self.grad_fn, self._output_nr, self._rg = node, res._output_nr, True
    return self


def rederive_view(view: Tensor) -> None:
    """A view whose base changed in place since its grad_fn was made: take a fresh one from the base."""
    view._view_ver = view._vc[0]
    base, rederive = _view_chain(view)
    if not base._rg:
        return
    prev = state.enabled
    state.enabled = True
    try:
        fresh = rederive(base)
    finally:
        state.enabled = prev
    view.grad_fn, view._output_nr, view._rg = fresh.grad_fn, fresh._output_nr, True


def copy_(self: Tensor, src, non_blocking: bool = False) -> Tensor:
    """Copy src (broadcast, cast, moved across devices) into self; differentiable w.r.t. src."""
    if not isinstance(src, Tensor):
        src = _tensor.tensor(src)
    return self._inplace(_copy_value, src)


def _copy_value(dst: Tensor, src: Tensor) -> Tensor:
    if dst._rg:
        # dst's old values are overwritten: their gradient is zero
        return Fill.apply(dst, 0) + src.to(device=dst.device, dtype=dst.dtype).expand(dst.shape)
    return src.to(device=dst.device, dtype=dst.dtype).expand(dst.shape)


def fill_(self: Tensor, value) -> Tensor:
    if isinstance(value, Tensor):
        if value.dim() != 0:
            raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor with "
                               f"{value.dim()} dimensions.")
        if value._rg:
            return self._inplace(_copy_value, value)
        value = value.item()
    return self._inplace(Fill.apply, value)


def zero_(self: Tensor) -> Tensor:
    return self._inplace(Fill.apply, 0)


def new_tensor(self: Tensor, data, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    return _tensor.tensor(data, dtype=dtype or self.dtype, device=device or self.device,
                          requires_grad=requires_grad)


def _new(fill):
    def method(self: Tensor, *size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
        from .. import _creation

        shape = _tensor._normalize_size(size)
        t = _creation.full(shape, fill if fill is not None else 0, dtype=dtype or self.dtype,
                           device=device or self.device)
        return t.requires_grad_(requires_grad) if requires_grad else t
    return method


new_zeros = _new(0)
new_ones = _new(1)
new_empty = _new(None)


def new_full(self: Tensor, size, fill_value, *, dtype=None, device=None, requires_grad: bool = False):
    from .. import _creation

    return _creation.full(size, fill_value, dtype=dtype or self.dtype, device=device or self.device,
                          requires_grad=requires_grad)

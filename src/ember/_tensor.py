"""class Tensor: an array of its device plus the autograd state; methods dispatch to ember.ops."""

from __future__ import annotations

import copy
import warnings
import weakref
from typing import Any

import numpy as np

from .autograd.grad_mode import state as _grad_state
from .backend import dtypes as _dt
from .backend.device import cpu as _cpu
from .backend.device import device as Device
from .backend.device import device_of, get_cupy

__all__ = ["Tensor", "Size", "tensor", "is_tensor"]

# set once the first CUDA array is made; until then every array is NumPy and device checks are skipped
cuda_in_use = False

_FROM_NP = _dt._FROM_NP
_ndarray = np.ndarray


def dtype_of_np(np_dtype) -> _dt.dtype:
    return _FROM_NP[np_dtype]


class layout:  # noqa: N801 - PyTorch's spelling
    """How a tensor's elements are stored: `ember.strided` (dense) or `ember.sparse_coo`."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return "torch." + self.name

    def __reduce__(self):
        return (_layout_by_name, (self.name,))


strided = layout("strided")
sparse_coo = layout("sparse_coo")


def _layout_by_name(name: str) -> layout:
    return {"strided": strided, "sparse_coo": sparse_coo}[name]


class Size(tuple):
    """The shape of a tensor: a tuple that prints as `torch.Size([2, 3])`."""

    __slots__ = ()

    def numel(self) -> int:
        n = 1
        for s in self:
            n *= s
        return n

    def __repr__(self) -> str:
        return f"torch.Size({list(self)})"

    def __getitem__(self, item):
        res = tuple.__getitem__(self, item)
        return Size(res) if isinstance(item, slice) else res

    def __add__(self, other):
        return Size(tuple.__add__(self, tuple(other)))

    def __radd__(self, other):
        return Size(tuple(other) + tuple(self))


def _normalize_size(size) -> tuple:
    """Accept `f(2, 3)`, `f((2, 3))`, `f([2, 3])` and `f(torch.Size(...))`, as PyTorch does."""
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = size[0]
    out = []
    for s in size:
        if isinstance(s, Tensor):
            s = s.item()
        if not isinstance(s, (int, np.integer)) or isinstance(s, bool):
            raise TypeError(f"size must be a sequence of ints, but got {type(s).__name__}")
        out.append(int(s))
    return tuple(out)


class Tensor:
    """A multi-dimensional array with autograd. `Tensor(data)` / `Tensor(*sizes)` as in PyTorch."""

    __slots__ = ("_data", "_rg", "grad_fn", "_output_nr", "_vc", "__dict__", "__weakref__")
    # rarely set per tensor: class-level defaults (an instance sets its own in __dict__) keep creation cheap
    _grad = None
    _view_src = None  # (parent, fn re-deriving this view from parent) for views
    _view_ver = 0  # the shared version when this view's grad_fn was last derived
    _accum = None  # weakref to the leaf's AccumulateGrad node
    _retains = False
    _hooks_acc = None
    _inference = False
    __array_priority__ = 1000
    __array_ufunc__ = None  # make NumPy defer to our reflected operators (ndarray * Tensor -> Tensor)
    _default_dtype = None  # FloatTensor & co. pin one

    def __new__(cls, *args, device=None):
        from . import _creation

        return _creation.legacy_new(cls, args, device)

    @staticmethod
    def _init(self, arr, rg=False, fn=None, nr=0, version=None) -> None:
        self._data = arr
        self._rg = rg
        self.grad_fn = fn
        self._output_nr = nr
        self._vc = [0] if version is None else version

    @staticmethod
    def _make(arr, rg=False, fn=None, nr=0, version=None) -> Tensor:
        if type(arr) is not _ndarray and isinstance(arr, np.generic):
            arr = np.asarray(arr)  # ufuncs on 0-d arrays return NumPy scalars
        self = object.__new__(Tensor)
        self._data = arr
        self._rg = rg
        self.grad_fn = fn
        self._output_nr = nr
        self._vc = [0] if version is None else version
        if _grad_state.inference:
            self._inference = True
        return self

    # -- metadata ------------------------------------------------------------------------------------
    @property
    def shape(self) -> Size:
        return Size(self._data.shape)

    def size(self, dim: int | None = None):
        if dim is None:
            return Size(self._data.shape)
        return self._data.shape[_wrap_dim(dim, self._data.ndim)]

    def dim(self) -> int:
        return self._data.ndim

    ndimension = dim

    @property
    def ndim(self) -> int:
        return self._data.ndim

    def numel(self) -> int:
        return self._data.size

    nelement = numel

    @property
    def dtype(self) -> _dt.dtype:
        return _FROM_NP[self._data.dtype]

    @property
    def device(self) -> Device:
        return _cpu if type(self._data) is np.ndarray else device_of(self._data)

    @property
    def is_cuda(self) -> bool:
        return self.device.type == "cuda"

    @property
    def is_cpu(self) -> bool:
        return self.device.type == "cpu"

    @property
    def layout(self) -> layout:
        return strided

    @property
    def is_sparse(self) -> bool:
        return False

    def is_floating_point(self) -> bool:
        return self._data.dtype.kind == "f"

    def is_complex(self) -> bool:
        return False

    def is_signed(self) -> bool:
        return self.dtype.is_signed

    def element_size(self) -> int:
        return self._data.itemsize

    def stride(self, dim: int | None = None):
        st = tuple(s // self._data.itemsize for s in self._data.strides)
        return st if dim is None else st[_wrap_dim(dim, self._data.ndim)]

    def is_contiguous(self, memory_format=None) -> bool:
        return bool(self._data.flags.c_contiguous)

    def storage_offset(self) -> int:
        base = self._data
        while base.base is not None and hasattr(base.base, "__array_interface__"):
            base = base.base
        if base is self._data:
            return 0
        return (self.data_ptr() - _ptr(base)) // self._data.itemsize

    def data_ptr(self) -> int:
        return _ptr(self._data)

    def untyped_storage(self):
        return self._data

    @property
    def T(self) -> Tensor:  # noqa: N802
        if self._data.ndim > 2:
            warnings.warn("The use of `x.T` on tensors of dimension other than 2 to reverse their shape is "
                          "deprecated and it will throw an error in a future release. Consider `x.mT` to "
                          "transpose batches of matrices or `x.permute(*torch.arange(x.ndim - 1, -1, -1))` "
                          "to reverse the dimensions of a tensor.", UserWarning, stacklevel=2)
        return self.permute(*range(self._data.ndim - 1, -1, -1))

    @property
    def mT(self) -> Tensor:  # noqa: N802
        return self._matrix_transpose("mT")

    @property
    def mH(self) -> Tensor:  # noqa: N802
        return self._matrix_transpose("mH")

    def _matrix_transpose(self, name: str) -> Tensor:
        if self._data.ndim < 2:
            raise RuntimeError(f"tensor.{name} is only supported on matrices or batches of matrices. Got "
                               f"{self._data.ndim}-D tensor.")
        return self.transpose(-2, -1)

    @property
    def H(self) -> Tensor:  # noqa: N802
        n = self._data.ndim
        if n == 2 or n == 0:
            return self.permute(*range(n - 1, -1, -1))
        hint = " For batches of matrices, consider using tensor.mH" if n > 2 else ""
        raise RuntimeError(f"tensor.H is only supported on matrices (2-D tensors). Got {n}-D tensor.{hint}")

    @property
    def itemsize(self) -> int:
        return self._data.itemsize

    @property
    def nbytes(self) -> int:
        return self._data.nbytes

    def get_device(self) -> int:
        return -1 if type(self._data) is np.ndarray else self.device.index or 0

    def is_shared(self) -> bool:
        return False

    def is_pinned(self) -> bool:
        return False

    is_meta = is_quantized = is_nested = is_mkldnn = False

    def dim_order(self) -> tuple:
        """Dims from outermost to innermost in memory (strides descending)."""
        st = self._data.strides
        return tuple(sorted(range(self._data.ndim), key=lambda d: -st[d]))

    # -- autograd state ---------------------------------------------------------------------------
    @property
    def requires_grad(self) -> bool:
        return self._rg

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        self.requires_grad_(value)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        if self.grad_fn is not None:
            if not requires_grad:
                raise RuntimeError(
                    "you can only change requires_grad flags of leaf variables. If you want to use a "
                    "computed variable in a subgraph that doesn't require differentiation use "
                    "var_no_grad = var.detach().")
            return self
        if requires_grad and self._data.dtype.kind not in "fc":
            raise RuntimeError("only Tensors of floating point dtype can require gradients")
        self._rg = bool(requires_grad)
        return self

    def is_inference(self) -> bool:
        """Whether this tensor was made under `inference_mode`."""
        return self._inference

    @property
    def is_leaf(self) -> bool:
        return self.grad_fn is None

    @property
    def grad(self) -> Tensor | None:
        if self.grad_fn is not None and not self._retains:
            import warnings

            warnings.warn(
                "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad "
                "attribute won't be populated during autograd.backward(). If you indeed want the .grad "
                "field to be populated for a non-leaf Tensor, use .retain_grad() on the non-leaf Tensor. "
                "If you access the non-leaf Tensor by mistake, make sure you access the leaf Tensor instead. "
                "See github.com/pytorch/pytorch/pull/30531 for more information.", UserWarning, stacklevel=2)
        return self._grad

    @grad.setter
    def grad(self, value) -> None:
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(f"assigned grad expected to be a Tensor or None but got grad of type "
                                f"{type(value).__name__}")
            if tuple(value.shape) != self._data.shape:
                raise RuntimeError(f"attempting to assign a gradient of size '{list(value.shape)}' to a "
                                   f"tensor of size '{list(self.shape)}'. Please ensure that the gradient "
                                   "and the tensor are the same size")
            if value.dtype is not self.dtype:
                raise RuntimeError(
                    f"attempting to assign a gradient with dtype '{_C_NAMES[value.dtype.name]}' to a "
                    f"tensor with grad_dtype '{_TYPE_NAMES[self.dtype][6:-6]}'. The gradient must match the "
                    "tensor's grad_dtype (defaults to the tensor's dtype). You can set the tensor's "
                    "grad_dtype attribute with a specific dtype, or None to allow any dtype. Set grad_dtype "
                    "with caution. Diverging the dtypes of a tensor and its gradient may break downstream "
                    "systems that assume they match.")
        self._grad = value

    @property
    def retains_grad(self) -> bool:
        return self._retains

    @property
    def output_nr(self) -> int:
        return self._output_nr

    @property
    def _version(self) -> int:
        """How many times this tensor's memory was modified in place (shared with its views)."""
        return self._vc[0]

    _version_count = _version

    def _grad_accumulator(self):
        acc = self._accum() if self._accum is not None else None
        if acc is None:
            from .autograd.engine import AccumulateGrad

            acc = AccumulateGrad(self)
            self._accum = weakref.ref(acc)
        return acc

    def retain_grad(self) -> None:
        if self.grad_fn is None:
            if not self._rg:
                raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
            return
        if self._retains:
            return
        self._retains = True
        ref = weakref.ref(self)

        def keep(g):
            t = ref()
            if t is not None:
                g = g.detach() if not _grad_state.enabled else g
                t._grad = g.clone() if t._grad is None else t._grad + g
            return None

        self.grad_fn._add_pre_hook(self._output_nr, keep)
        self.__dict__["_retain_entry"] = (self._output_nr, keep)

    def register_hook(self, hook):
        """hook(grad) runs when this tensor's gradient is computed; it may return a replacement."""
        if not self._rg:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        node = self.grad_fn if self.grad_fn is not None else self._grad_accumulator()
        if self.grad_fn is None:
            # the graph keeps the accumulator alive only while it is in use; hooks must outlive that
            self.__dict__["_acc_strong"] = node
        handle = node._add_pre_hook(self._output_nr, hook)
        entry = self.__dict__.get("_retain_entry")
        if entry is not None and entry in node._pre_hooks:
            # .grad of a retained tensor is what reaches it after all of its hooks, as in PyTorch
            node._pre_hooks.remove(entry)
            node._pre_hooks.append(entry)
        return handle

    def register_post_accumulate_grad_hook(self, hook):
        if self.grad_fn is not None:
            raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf tensors")
        from .autograd.function import _RemovableHandle

        if self._hooks_acc is None:
            self._hooks_acc = []
        self._hooks_acc.append(hook)
        return _RemovableHandle(self._hooks_acc, hook)

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None) -> None:
        """Accumulate the gradient of this tensor into the leaves' `.grad` (see autograd.backward)."""
        _engine.backward(self, gradient, retain_graph, create_graph, inputs)

    def detach(self) -> Tensor:
        t = Tensor._make(self._data, version=self._vc)
        return t

    def detach_(self) -> Tensor:
        if self._view_src is not None and self._rg:
            raise RuntimeError("Can't detach views in-place. Use detach() instead.")
        self.grad_fn = None
        self._rg = False
        self._output_nr = 0
        return self

    @property
    def data(self) -> Tensor:
        return Tensor._make(self._data)

    @data.setter
    def data(self, value: Tensor) -> None:
        if not isinstance(value, Tensor):
            raise TypeError("data must be a Tensor")
        self._data = value._data

    # -- Python protocol -----------------------------------------------------------------------------
    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return iter(self.unbind(0))

    def item(self) -> Any:
        if self._data.size != 1:
            raise RuntimeError(f"a Tensor with {self._data.size} elements cannot be converted to Scalar")
        return self._data.reshape(()).item()

    def _scalar(self, what: str):
        if self._data.size != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        return self._data.reshape(()).item()

    def __bool__(self) -> bool:
        if self._data.size != 1:
            many = "no values" if self._data.size == 0 else "more than one value"
            raise RuntimeError(f"Boolean value of Tensor with {many} is ambiguous")
        return bool(self._data.reshape(()).item())

    def __float__(self) -> float:
        return float(self._scalar("float"))

    def __int__(self) -> int:
        return int(self._scalar("int"))

    def __index__(self) -> int:
        if self._data.dtype.kind not in "iub" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self._data.reshape(()).item())

    def __complex__(self) -> complex:
        return complex(self._scalar("complex"))

    def tolist(self):
        return self._host().tolist()

    def numpy(self, *, force: bool = False) -> np.ndarray:
        if self._rg and not force:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() "
                               "instead.")
        if type(self._data) is not np.ndarray:
            if not force:
                raise TypeError(f"can't convert {self.device} device type tensor to numpy. Use Tensor.cpu() "
                                "to copy the tensor to host memory first.")
            return self._host()
        return self._data

    def _host(self) -> np.ndarray:
        return self._data if type(self._data) is np.ndarray else self._data.get()

    def __array__(self, dtype=None, copy=None):
        if self._rg:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() "
                               "instead.")
        arr = self._host()
        return arr if dtype is None else arr.astype(dtype)

    def __hash__(self) -> int:
        return id(self)

    def __repr__(self, *, tensor_contents=None) -> str:
        from ._printing import tensor_repr

        return tensor_repr(self, tensor_contents)

    def __format__(self, spec: str) -> str:
        if self._data.ndim == 0:
            return self.item().__format__(spec)
        return object.__format__(self, spec)

    def __reduce_ex__(self, protocol):
        return (_rebuild, (self._host(), self._rg))

    def __deepcopy__(self, memo):
        if self.grad_fn is not None:
            raise RuntimeError("Only Tensors created explicitly by the user (graph leaves) support the "
                               "deepcopy protocol at the moment.")
        new = Tensor._make(self._data.copy()) if type(self) is Tensor else \
            type(self).__new__(type(self), self._data.copy())
        memo[id(self)] = new
        # user attributes only: autograd internals (grad, hooks, accumulator, view links) are not copied
        new.__dict__.update({k: copy.deepcopy(v, memo) for k, v in self.__dict__.items()
                             if k not in Tensor.__dict__ and k != "_acc_strong"})
        if type(self) is Tensor:
            new._rg = self._rg
        if self._grad is not None:
            new._grad = self._grad.__deepcopy__(memo)
        return new

    # -- conversions ---------------------------------------------------------------------------------
    def type(self, dtype=None, non_blocking: bool = False):
        if dtype is None:
            return _TYPE_NAMES[self.dtype]
        if isinstance(dtype, str):
            cuda = dtype.startswith("torch.cuda.")
            by_name = {v: k for k, v in _TYPE_NAMES.items()}
            key = dtype.replace("torch.cuda.", "torch.")
            if key not in by_name:
                raise ValueError(f"invalid type: '{dtype}'")
            return self.to(by_name[key], device="cuda") if cuda else self.to(by_name[key])
        elif isinstance(dtype, type) and issubclass(dtype, Tensor):
            dtype = dtype._default_dtype
        return self.to(dtype)

    def type_as(self, other: Tensor) -> Tensor:
        return self.to(other.dtype)

    def float(self) -> Tensor:
        return self.to(_dt.float32)

    def double(self) -> Tensor:
        return self.to(_dt.float64)

    def half(self) -> Tensor:
        return self.to(_dt.float16)

    def long(self) -> Tensor:
        return self.to(_dt.int64)

    def int(self) -> Tensor:
        return self.to(_dt.int32)

    def short(self) -> Tensor:
        return self.to(_dt.int16)

    def char(self) -> Tensor:
        return self.to(_dt.int8)

    def byte(self) -> Tensor:
        return self.to(_dt.uint8)

    def bool(self) -> Tensor:
        return self.to(_dt.bool)

    def cpu(self) -> Tensor:
        return self.to(_cpu)

    def cuda(self, device=None, non_blocking: bool = False) -> Tensor:
        return self.to(Device("cuda") if device is None else Device("cuda", device)
                       if isinstance(device, int) else Device(device))

    # -- in-place machinery ----------------------------------------------------------------------------
    def _check_inplace(self) -> None:
        if self._rg and self.grad_fn is None and _grad_state.enabled:
            raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")

    def _inplace(self, fn, *args, **kwargs) -> Tensor:
        """Run the out-of-place `fn(self, ...)` and write its result into self, rewiring the graph."""
        from .ops.conversion import commit_inplace

        return commit_inplace(self, fn, args, kwargs)


def refresh_view(view: Tensor) -> None:
    """Re-derive a view's grad_fn from its base after the base (or a sibling view) changed in place."""
    from .ops.conversion import rederive_view

    rederive_view(view)


def _bind_autograd() -> None:
    global _engine
    from .autograd import engine, function

    _engine = engine
    function.Tensor = Tensor
    function._make = Tensor._make


_bind_autograd()


def _ptr(arr) -> int:
    if type(arr) is np.ndarray:
        return arr.__array_interface__["data"][0]
    return int(arr.data.ptr)


def _rebuild(arr, rg):
    t = Tensor._make(np.array(arr))
    t._rg = rg
    return t


def _wrap_dim(dim: int, ndim: int) -> int:
    n = max(ndim, 1)
    if not -n <= dim < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got "
                         f"{dim})")
    return dim % n


# the C++ scalar type names PyTorch prints in some messages
_C_NAMES = {"float16": "c10::Half", "float32": "float", "float64": "double", "int8": "signed char",
            "int16": "short int", "int32": "int", "int64": "long int", "uint8": "unsigned char",
            "bool": "bool"}

_TYPE_NAMES = {
    _dt.float16: "torch.HalfTensor", _dt.float32: "torch.FloatTensor", _dt.float64: "torch.DoubleTensor",
    _dt.int8: "torch.CharTensor", _dt.int16: "torch.ShortTensor", _dt.int32: "torch.IntTensor",
    _dt.int64: "torch.LongTensor", _dt.uint8: "torch.ByteTensor", _dt.bool: "torch.BoolTensor",
}


def is_tensor(obj) -> bool:
    return isinstance(obj, Tensor)


def tensor(data, dtype=None, device=None, requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """Copy data (scalars, nested lists, ndarrays, tensors) into a new leaf tensor."""
    from . import _creation

    return _creation.tensor(data, dtype=dtype, device=device, requires_grad=requires_grad)


def check_same_device(args) -> None:
    devs = {a.device for a in args if isinstance(a, Tensor) and a._data.ndim > 0 or
            isinstance(a, Tensor) and a.device.type == "cuda"}
    if len(devs) > 1:
        names = sorted(str(d) for d in devs)
        raise RuntimeError("Expected all tensors to be on the same device, but found at least two devices, "
                           f"{names[0]} and {names[1]}!")


def mark_cuda_in_use() -> None:
    global cuda_in_use
    cuda_in_use = get_cupy() is not None


def _bind_methods() -> None:
    """Attach each ops module's functions listed in METHODS as Tensor methods, and INPLACE ones as `name_`."""
    from . import _dlpack, ops

    Tensor.__dlpack__, Tensor.__dlpack_device__ = _dlpack.__dlpack__, _dlpack.__dlpack_device__
    for mod in ops.MODULES:
        for name in getattr(mod, "METHODS", ()):
            if name not in Tensor.__dict__:
                setattr(Tensor, name, getattr(mod, name))
        for name in getattr(mod, "INPLACE", ()):
            fn = getattr(mod, name)
            setattr(Tensor, name + "_", _make_inplace(fn, name + "_"))
        for name, fn in getattr(mod, "DUNDERS", {}).items():
            setattr(Tensor, name, fn)
        for name, target in getattr(mod, "INPLACE_DUNDERS", {}).items():
            setattr(Tensor, name, getattr(Tensor, target + "_"))


def _make_inplace(fn, name):
    def method(self, *args, **kwargs):
        return self._inplace(fn, *args, **kwargs)
    method.__name__ = name
    method.__qualname__ = "Tensor." + name
    method.__doc__ = f"In-place version of {fn.__name__}."
    return method


class _TypedTensorMeta(type):
    def __instancecheck__(cls, obj) -> bool:
        return isinstance(obj, Tensor) and obj.dtype is cls._default_dtype


def _typed(name: str, dt: _dt.dtype):
    return _TypedTensorMeta(name, (Tensor,), {"_default_dtype": dt, "__slots__": ()})


FloatTensor = _typed("FloatTensor", _dt.float32)
DoubleTensor = _typed("DoubleTensor", _dt.float64)
HalfTensor = _typed("HalfTensor", _dt.float16)
LongTensor = _typed("LongTensor", _dt.int64)
IntTensor = _typed("IntTensor", _dt.int32)
ShortTensor = _typed("ShortTensor", _dt.int16)
CharTensor = _typed("CharTensor", _dt.int8)
ByteTensor = _typed("ByteTensor", _dt.uint8)
BoolTensor = _typed("BoolTensor", _dt.bool)

"""Parameter (a leaf Tensor that modules register), Buffer, and the uninitialized kinds lazy modules use."""

from __future__ import annotations

from .. import _creation, _tensor

Tensor = _tensor.Tensor

__all__ = ["Parameter", "Buffer", "UninitializedParameter", "UninitializedBuffer", "is_lazy"]


def _alias(t: Tensor, cls, requires_grad: bool) -> Tensor:
    """A new leaf of class cls sharing t's memory and version counter."""
    new = object.__new__(cls)
    Tensor._init(new, t._data, version=t._vc)
    if requires_grad:
        if t._data.dtype.kind not in "fc":
            raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")
        new._rg = True
    return new


class Parameter(Tensor):
    """A Tensor that is a module parameter: assigning it as a Module attribute registers it.

    `Parameter(t)` shares t's memory and is a leaf; results of ops on a Parameter are plain Tensors.
    """

    def __new__(cls, data: Tensor | None = None, requires_grad: bool = True):
        if data is None:
            data = _creation.empty(0)
        if not isinstance(data, Tensor):
            raise TypeError(f"Parameter(): argument 'data' must be Tensor, not {type(data).__name__}")
        return _alias(data, cls, requires_grad)

    def __init__(self, data: Tensor | None = None, requires_grad: bool = True) -> None:
        pass

    def __repr__(self) -> str:
        return "Parameter containing:\n" + Tensor.__repr__(self)

    def __deepcopy__(self, memo: dict) -> Parameter:
        # like PyTorch: a fresh leaf with copied values; .grad and extra attributes are not carried over
        found = memo.get(id(self))
        if found is not None:
            return found
        result = type(self)(Tensor._make(self._data.copy()), self._rg)
        memo[id(self)] = result
        return result

    def __reduce_ex__(self, protocol):
        # only attributes a user set: Tensor's own per-instance state (grad, graph links) is not pickled
        state = {k: v for k, v in self.__dict__.items() if k not in Tensor.__dict__ and k != "_acc_strong"}
        return (_rebuild_parameter, (type(self), Tensor._make(self._data), self._rg, state))


def _rebuild_parameter(cls, data: Tensor, requires_grad: bool, state: dict) -> Parameter:
    p = cls(data, requires_grad)
    p.__dict__.update(state)
    return p


class _BufferMeta(type):
    # a Buffer is a plain Tensor flagged as one, so that ops and type() checks see an ordinary Tensor
    def __instancecheck__(cls, obj) -> bool:
        return isinstance(obj, Tensor) and bool(obj.__dict__.get("_is_buffer", False))


class Buffer(metaclass=_BufferMeta):
    """Marks a Tensor as a buffer: `module.x = nn.Buffer(t, persistent=False)` registers it as one."""

    def __new__(cls, data: Tensor | None = None, *, persistent: bool = True) -> Tensor:
        if data is None:
            data = _creation.empty(0)
        t = _alias(data, Tensor, data._rg)
        t.__dict__["persistent"] = persistent
        t.__dict__["_is_buffer"] = True
        return t


class UninitializedTensorMixin:
    """Behaviour shared by tensors whose shape is not known yet (they hold no data until materialized)."""

    __slots__ = ()
    cls_to_become: type = Tensor

    def materialize(self, shape, device=None, dtype=None) -> None:
        """Give the tensor memory of `shape` (uninitialized values) and turn it into cls_to_become."""
        if device is None:
            device = self.device
        if dtype is None:
            dtype = self.dtype
        self._data = _creation.empty(shape, device=device, dtype=dtype)._data
        self.__class__ = self.cls_to_become

    @property
    def shape(self):
        raise RuntimeError(
            "Can't access the shape of an uninitialized parameter or buffer. This error usually happens in "
            "`load_state_dict` when trying to load an uninitialized parameter into an initialized one. Call "
            "`forward` to initialize the parameters before accessing their attributes.")

    def share_memory_(self):
        raise RuntimeError(
            "Can't share memory on an uninitialized parameter or buffer. Call `forward` to initialize the "
            "parameters before calling `module.share_memory()`.")

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"

    def __reduce_ex__(self, protocol):
        return (type(self), (self._rg,))

    def __deepcopy__(self, memo: dict):
        found = memo.get(id(self))
        if found is None:
            found = memo[id(self)] = type(self)(self._rg, self.device, self.dtype)
        return found


class UninitializedParameter(UninitializedTensorMixin, Parameter):
    """A parameter of a lazy module before its first forward call."""

    cls_to_become = Parameter

    def __new__(cls, requires_grad: bool = True, device=None, dtype=None):
        return _alias(_creation.empty(0, device=device, dtype=dtype), cls, requires_grad)

    def __init__(self, requires_grad: bool = True, device=None, dtype=None) -> None:
        pass


class UninitializedBuffer(UninitializedTensorMixin, Tensor):
    """A buffer of a lazy module before its first forward call."""

    cls_to_become = Tensor

    def __new__(cls, requires_grad: bool = False, device=None, dtype=None, persistent: bool = True):
        t = _alias(_creation.empty(0, device=device, dtype=dtype), cls, requires_grad)
        t.__dict__["persistent"] = persistent
        return t

    def __init__(self, requires_grad: bool = False, device=None, dtype=None, persistent: bool = True) -> None:
        pass


def is_lazy(param) -> bool:
    """Whether param is a not yet materialized parameter or buffer."""
    return isinstance(param, UninitializedTensorMixin)


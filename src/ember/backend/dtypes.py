"""ember's dtypes and PyTorch's type-promotion rules (which differ from NumPy's)."""

from __future__ import annotations

import builtins as _b

import numpy as np

__all__ = [
    "dtype", "float16", "half", "float32", "float", "float64", "double", "int8", "int16", "short",
    "int32", "int", "int64", "long", "uint8", "bool", "get_default_dtype", "set_default_dtype",
    "promote_types", "result_type", "can_cast", "is_floating_point", "is_complex", "finfo", "iinfo",
]

_BOOL, _INT, _FLOAT = 0, 1, 2


class dtype:  # noqa: N801 - PyTorch's spelling
    """A tensor element type; wraps the NumPy dtype that stores it."""

    __slots__ = ("name", "np", "category", "itemsize", "is_signed", "abbr")

    def __init__(self, name: str, np_dtype: np.dtype, category: int) -> None:
        self.name = name
        self.np = np.dtype(np_dtype)
        self.category = category
        self.itemsize = self.np.itemsize
        self.is_signed = category == _FLOAT or (category == _INT and self.np.kind == "i")
        self.abbr = "b8" if category == _BOOL else f"{self.np.kind}{self.itemsize * 8}"

    @property
    def is_floating_point(self) -> bool:
        return self.category == _FLOAT

    @property
    def is_complex(self) -> bool:
        return False

    def to_real(self) -> dtype:
        return self

    def __repr__(self) -> str:
        return "torch." + self.name

    def __reduce__(self):
        return (_by_name, (self.name,))


def _by_name(name: str) -> dtype:
    return _NAMES[name]


float16 = half = dtype("float16", np.float16, _FLOAT)
float32 = float = dtype("float32", np.float32, _FLOAT)  # noqa: A001
float64 = double = dtype("float64", np.float64, _FLOAT)
int8 = dtype("int8", np.int8, _INT)
int16 = short = dtype("int16", np.int16, _INT)
int32 = int = dtype("int32", np.int32, _INT)  # noqa: A001
int64 = long = dtype("int64", np.int64, _INT)
uint8 = dtype("uint8", np.uint8, _INT)
bool = dtype("bool", np.bool_, _BOOL)  # noqa: A001

ALL = (float16, float32, float64, int8, int16, int32, int64, uint8, bool)
_NAMES = {d.name: d for d in ALL}
# numpy dtype -> ember dtype; looked up on every `.dtype` access, so keyed by the np.dtype itself
_FROM_NP = {d.np: d for d in ALL}

_default = float32


def from_numpy_dtype(np_dtype) -> dtype:
    try:
        return _FROM_NP[np_dtype]
    except KeyError:
        raise TypeError(
            f"can't convert np.ndarray of type {np.dtype(np_dtype)}. The only supported types are: "
            "float64, float32, float16, int64, int32, int16, int8, uint8, and bool."
        ) from None


def get_default_dtype() -> dtype:
    return _default


def set_default_dtype(d: dtype) -> None:
    """Make `d` the dtype of Python floats in tensor(), of zeros() & co. and of float promotion."""
    global _default
    if not isinstance(d, dtype):
        raise TypeError(f"set_default_dtype(): argument 'd' (position 1) must be torch.dtype, not "
                        f"{type(d).__name__}")
    if d.category != _FLOAT:
        raise TypeError("only floating-point types are supported as the default type")
    _default = d


def _check_dtype(fn: str, arg: str, pos: int, d) -> None:
    if not isinstance(d, dtype):
        raise TypeError(f"{fn}(): argument '{arg}' (position {pos}) must be torch.dtype, "
                        f"not {type(d).__name__}")


def promote_types(type1: dtype, type2: dtype) -> dtype:
    """PyTorch's promotion of two dtypes: a higher category wins outright (int64 + float16 -> float16)."""
    _check_dtype("promote_types", "type1", 1, type1)
    _check_dtype("promote_types", "type2", 2, type2)
    if type1 is type2:
        return type1
    if type1.category != type2.category:
        return type1 if type1.category > type2.category else type2
    return _FROM_NP[np.promote_types(type1.np, type2.np)]


def can_cast(from_: dtype, to: dtype) -> bool:
    """Whether an in-place op may write a `from_` result into a `to` tensor (no category down-cast)."""
    _check_dtype("can_cast", "from_", 1, from_)
    _check_dtype("can_cast", "to", 2, to)
    return from_.category <= to.category


# Priority of an operand in result_type: tensors with dims beat 0-dim tensors, which beat Python scalars;
# a lower-priority operand only matters when its category is higher.
def result_type_of(dims: list, zerodims: list, scalars: list) -> dtype:
    """dims/zerodims: ember dtypes of n-d and 0-d tensor operands; scalars: Python numbers."""
    res = None
    for d in dims:
        res = d if res is None else promote_types(res, d)
    zres = None
    for d in zerodims:
        zres = d if zres is None else promote_types(zres, d)
    if res is None:
        res = zres
    elif zres is not None and zres.category > res.category:
        res = zres
    if scalars:
        cat = max(scalar_category(s) for s in scalars)
        if res is None or cat > res.category:
            res = (bool, int64, _default)[cat]
    return res


def scalar_category(s) -> int:
    # a NumPy bool scalar counts as a float number in PyTorch's promotion (np.bool_ is not a Python bool)
    if isinstance(s, _b.bool):
        return _BOOL
    if isinstance(s, (_b.int, np.integer)):
        return _INT
    return _FLOAT


def _is_tensor(x) -> _b.bool:
    from .._tensor import Tensor

    return isinstance(x, Tensor)


def result_type(tensor, other) -> dtype:
    """The dtype an arithmetic op on `tensor` and `other` (tensors or numbers) computes in."""
    dims, zerodims, scalars = [], [], []
    for name, pos, x in (("tensor", 1, tensor), ("other", 2, other)):
        if _is_tensor(x):
            (dims if x.ndim else zerodims).append(x.dtype)
        elif isinstance(x, (_b.bool, _b.int, _b.float, np.bool_, np.integer, np.floating)):
            scalars.append(x)
        else:
            raise TypeError(f"result_type(): argument '{name}' (position {pos}) must be Tensor or Number, "
                            f"not {type(x).__name__}")
    return result_type_of(dims, zerodims, scalars)


def is_floating_point(input) -> _b.bool:  # noqa: A002
    """Whether a tensor's dtype is a floating-point type."""
    if not _is_tensor(input):
        raise TypeError(f"is_floating_point(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(input).__name__}")
    return input.dtype.category == _FLOAT


def is_complex(input) -> _b.bool:  # noqa: A002
    """Whether a tensor's dtype is complex (never, for ember's dtypes)."""
    if not _is_tensor(input):
        raise TypeError(f"is_complex(): argument 'input' (position 1) must be Tensor, "
                        f"not {type(input).__name__}")
    return False


class finfo:  # noqa: N801
    """Machine limits of a floating dtype (bits, eps, max, min, tiny, smallest_normal, resolution)."""

    def __init__(self, type: dtype | None = None) -> None:  # noqa: A002
        type = type or _default
        if not isinstance(type, dtype):
            raise TypeError(f"finfo(): argument 'type' (position 1) must be torch.dtype, "
                            f"not {_b.type(type).__name__}")
        if type.category != _FLOAT:
            raise TypeError("torch.finfo() requires a floating point input type. Use torch.iinfo to handle "
                            "'torch.finfo'")
        info = np.finfo(type.np)
        self.dtype = type.name
        self.bits = _b.int(info.bits)
        self.eps = _b.float(info.eps)
        self.max = _b.float(info.max)
        self.min = _b.float(info.min)
        self.tiny = self.smallest_normal = _b.float(info.smallest_normal)
        self.resolution = 10.0 ** -_b.int(info.precision)

    def __eq__(self, other) -> _b.bool:
        return isinstance(other, finfo) and other.dtype == self.dtype

    def __hash__(self) -> _b.int:
        return hash(("finfo", self.dtype))

    def __repr__(self) -> str:
        return (f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, "
                f"eps={self.eps:g}, smallest_normal={self.tiny:g}, tiny={self.tiny:g}, dtype={self.dtype})")


class iinfo:  # noqa: N801
    """Machine limits of an integer dtype (bits, max, min)."""

    def __init__(self, type: dtype) -> None:  # noqa: A002
        if not isinstance(type, dtype):
            raise TypeError(f"iinfo(): argument 'type' (position 1) must be torch.dtype, "
                            f"not {_b.type(type).__name__}")
        if type is bool:
            raise TypeError("torch.bool is not supported by torch.iinfo")
        if type.category != _INT:
            raise TypeError("torch.iinfo() requires an integer input type. Use torch.finfo to handle "
                            "'torch.iinfo'")
        info = np.iinfo(type.np)
        self.dtype = type.name
        self.bits = _b.int(info.bits)
        self.max = _b.int(info.max)
        self.min = _b.int(info.min)

    def __eq__(self, other) -> _b.bool:
        return isinstance(other, iinfo) and other.dtype == self.dtype

    def __hash__(self) -> _b.int:
        return hash(("iinfo", self.dtype))

    def __repr__(self) -> str:
        return f"iinfo(min={self.min:g}, max={self.max:g}, dtype={self.dtype})"


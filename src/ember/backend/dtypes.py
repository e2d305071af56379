"""ember's dtypes and PyTorch's type-promotion rules (which differ from NumPy's)."""

from __future__ import annotations

import numpy as np

__all__ = [
    "dtype", "float16", "half", "float32", "float", "float64", "double", "int8", "int16", "short",
    "int32", "int", "int64", "long", "uint8", "bool", "get_default_dtype", "set_default_dtype",
    "promote_types", "finfo", "iinfo",
]

_BOOL, _INT, _FLOAT = 0, 1, 2


class dtype:  # noqa: N801 - PyTorch's spelling
    """A tensor element type; wraps the NumPy dtype that stores it."""

    __slots__ = ("name", "np", "category", "itemsize", "is_signed")

    def __init__(self, name: str, np_dtype: np.dtype, category: int) -> None:
        self.name = name
        self.np = np.dtype(np_dtype)
        self.category = category
        self.itemsize = self.np.itemsize
        self.is_signed = category == _FLOAT or (category == _INT and self.np.kind == "i")

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
    global _default
    if not isinstance(d, dtype) or d not in (float16, float32, float64):
        raise TypeError(f"only floating-point types are supported as the default type, got {d}")
    _default = d


def promote_types(a: dtype, b: dtype) -> dtype:
    """PyTorch's promotion of two dtypes: a higher category wins outright (int64 + float16 -> float16)."""
    if a is b:
        return a
    if a.category != b.category:
        return a if a.category > b.category else b
    return _FROM_NP[np.promote_types(a.np, b.np)]


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
    if isinstance(s, (builtin_bool, np.bool_)):
        return _BOOL
    if isinstance(s, (builtin_int, np.integer)):
        return _INT
    return _FLOAT


builtin_bool = type(True)
builtin_int = type(1)


class finfo:  # noqa: N801
    """Machine limits of a floating dtype (bits, eps, max, min, tiny, resolution)."""

    def __init__(self, type: dtype | None = None) -> None:  # noqa: A002
        type = type or _default
        if not type.is_floating_point:
            raise TypeError(f"torch.finfo() requires a floating point input type, got {type}")
        info = np.finfo(type.np)
        self.dtype = type.name
        self.bits = info.bits
        self.eps = builtins_float(info.eps)
        self.max = builtins_float(info.max)
        self.min = builtins_float(info.min)
        self.tiny = self.smallest_normal = builtins_float(info.tiny)
        self.resolution = builtins_float(info.resolution)

    def __repr__(self) -> str:
        return (f"finfo(resolution={self.resolution}, min={self.min}, max={self.max}, eps={self.eps}, "
                f"smallest_normal={self.tiny}, tiny={self.tiny}, dtype={self.dtype})")


class iinfo:  # noqa: N801
    """Machine limits of an integer dtype (bits, max, min)."""

    def __init__(self, type: dtype) -> None:  # noqa: A002
        if type.is_floating_point:
            raise TypeError(f"torch.iinfo() requires an integer input type, got {type}")
        info = np.iinfo(np.uint8 if type is bool else type.np)
        self.dtype = type.name
        self.bits = info.bits
        self.max = builtin_int(info.max) if type is not bool else 1
        self.min = builtin_int(info.min)

    def __repr__(self) -> str:
        return f"iinfo(min={self.min}, max={self.max}, dtype={self.dtype})"


builtins_float = type(1.0)

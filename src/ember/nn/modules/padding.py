"""Padding layers: constant, zero, reflection, replication and circular padding (1d, 2d, 3d)."""

from __future__ import annotations

from ... import _tensor
from .. import functional as F
from ..module import Module

Tensor = _tensor.Tensor

__all__ = ["ConstantPad1d", "ConstantPad2d", "ConstantPad3d", "ZeroPad1d", "ZeroPad2d", "ZeroPad3d",
           "ReflectionPad1d", "ReflectionPad2d", "ReflectionPad3d", "ReplicationPad1d", "ReplicationPad2d",
           "ReplicationPad3d", "CircularPad1d", "CircularPad2d", "CircularPad3d"]


def _amounts(padding, n: int) -> tuple:
    if isinstance(padding, (list, tuple)):
        return tuple(padding)
    return (padding,) * (2 * n)


class _ConstantPadNd(Module):
    __constants__ = ["padding", "value"]
    _dims = 1

    def __init__(self, padding, value: float) -> None:
        super().__init__()
        self.padding = _amounts(padding, self._dims)
        self.value = value

    def forward(self, input: Tensor) -> Tensor:
        return F.pad(input, self.padding, "constant", self.value)

    def extra_repr(self) -> str:
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPadNd):
    """Pad the last dim with a constant: padding is (left, right) or one int for both."""

    _dims = 1


class ConstantPad2d(_ConstantPadNd):
    """Pad the last two dims with a constant: (left, right, top, bottom) or one int."""

    _dims = 2


class ConstantPad3d(_ConstantPadNd):
    """Pad the last three dims with a constant: (left, right, top, bottom, front, back) or one int."""

    _dims = 3


class _ZeroPadNd(_ConstantPadNd):
    def __init__(self, padding) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ZeroPad1d(_ZeroPadNd):
    """Pad the last dim with zeros."""

    _dims = 1


class ZeroPad2d(_ZeroPadNd):
    """Pad the last two dims with zeros: (left, right, top, bottom) or one int."""

    _dims = 2


class ZeroPad3d(_ZeroPadNd):
    """Pad the last three dims with zeros."""

    _dims = 3


class _IndexPadNd(Module):
    __constants__ = ["padding"]
    _dims = 1
    _mode = "reflect"

    def __init__(self, padding) -> None:
        super().__init__()
        self.padding = _amounts(padding, self._dims)

    def forward(self, input: Tensor) -> Tensor:
        return F.pad(input, self.padding, self._mode)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ReflectionPad1d(_IndexPadNd):
    """Mirror the last dim at its edges (without repeating the edge)."""

    _dims, _mode = 1, "reflect"


class ReflectionPad2d(_IndexPadNd):
    """Mirror the last two dims at their edges."""

    _dims, _mode = 2, "reflect"


class ReflectionPad3d(_IndexPadNd):
    """Mirror the last three dims at their edges."""

    _dims, _mode = 3, "reflect"


class ReplicationPad1d(_IndexPadNd):
    """Repeat the edge values of the last dim."""

    _dims, _mode = 1, "replicate"


class ReplicationPad2d(_IndexPadNd):
    """Repeat the edge values of the last two dims."""

    _dims, _mode = 2, "replicate"


class ReplicationPad3d(_IndexPadNd):
    """Repeat the edge values of the last three dims."""

    _dims, _mode = 3, "replicate"


class _CircularPadNd(_IndexPadNd):
    _mode = "circular"

    def forward(self, input: Tensor) -> Tensor:
        self._check_input_dim(input)
        return F.pad(input, self.padding, "circular")

    def _check_input_dim(self, input: Tensor) -> None:
        n = self._dims
        if input.dim() not in (n + 1, n + 2):
            raise ValueError(f"expected {n + 1}D or {n + 2}D input (got {input.dim()}D input)")


class CircularPad1d(_CircularPadNd):
    """Wrap the last dim around."""

    _dims = 1


class CircularPad2d(_CircularPadNd):
    """Wrap the last two dims around."""

    _dims = 2


class CircularPad3d(_CircularPadNd):
    """Wrap the last three dims around."""

    _dims = 3

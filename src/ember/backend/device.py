"""Devices: a name plus the array module that computes on it (NumPy for cpu, CuPy for cuda)."""

from __future__ import annotations

import numpy as np

__all__ = ["device", "cpu", "cuda_available", "device_of", "xp_of", "get_cupy"]

_cupy = None
_cupy_checked = False


def get_cupy():
    """Import CuPy on first CUDA use; None when it is missing or sees no GPU."""
    global _cupy, _cupy_checked
    if not _cupy_checked:
        _cupy_checked = True
        try:
            import cupy

            if cupy.cuda.runtime.getDeviceCount() > 0:
                _cupy = cupy
        except Exception:  # no CuPy, no driver, or no device: CUDA is simply unavailable
            _cupy = None
    return _cupy


def cuda_available() -> bool:
    return get_cupy() is not None


class device:  # noqa: N801 - PyTorch's spelling
    """`ember.device('cpu')`, `device('cuda')`, `device('cuda:1')`, `device('cuda', 0)`."""

    __slots__ = ("type", "index")

    def __new__(cls, type: str | device, index: int | None = None):  # noqa: A002
        if isinstance(type, device):
            return type
        if isinstance(type, int) and not isinstance(type, bool):
            type, index = "cuda", type
        if not isinstance(type, str):
            raise TypeError(f"device() received an invalid combination of arguments - got ({type!r})")
        name = type
        if ":" in name:
            if index is not None:
                raise RuntimeError(f"type (string) must not include an index because index was passed "
                                   f"explicitly: {name}")
            name, idx = name.split(":", 1)
            if not idx.isdigit():
                raise RuntimeError(f"Invalid device string: '{type}'")
            index = int(idx)
        if name not in ("cpu", "cuda"):
            raise RuntimeError(
                "Expected one of cpu, cuda device type at start of device string: " + type)
        if name == "cpu" and index not in (None, 0):
            raise RuntimeError(f"CPU device index must be -1 or zero, got {index}")
        key = (name, index)
        cached = _CACHE.get(key)
        if cached is None:
            cached = object.__new__(cls)
            cached.type = name
            cached.index = index
            _CACHE[key] = cached
        return cached

    @property
    def xp(self):
        """The array module of this device."""
        if self.type == "cpu":
            return np
        cp = get_cupy()
        if cp is None:
            raise AssertionError("Torch not compiled with CUDA enabled")
        return cp

    def __eq__(self, other) -> bool:
        if isinstance(other, str):
            other = device(other)
        if not isinstance(other, device):
            return NotImplemented
        return self.type == other.type and self.index == other.index

    def __hash__(self) -> int:
        return hash((self.type, self.index))

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __repr__(self) -> str:
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"

    def __reduce__(self):
        return (device, (self.type, self.index))


_CACHE: dict = {}
cpu = device("cpu")


def device_of(arr) -> device:
    """The device an array lives on."""
    if type(arr) is np.ndarray:
        return cpu
    dev = getattr(arr, "device", None)
    if dev is not None and hasattr(dev, "id"):
        return device("cuda", dev.id)
    return cpu


def xp_of(arr):
    """NumPy for host arrays, CuPy for device arrays."""
    if type(arr) is np.ndarray:
        return np
    return get_cupy() or np

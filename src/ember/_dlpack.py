"""DLPack exchange without copies: `ember.from_dlpack(obj)` and `Tensor.__dlpack__` / `__dlpack_device__`.

Both sides go through the array library's own DLPack support (NumPy on the CPU, CuPy on CUDA), so an
ember tensor and a PyTorch / NumPy / CuPy / JAX array made from it share memory.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["from_dlpack"]

_CPU, _CUDA, _CUDA_HOST, _ROCM = 1, 2, 3, 10  # DLPack device types


def __dlpack__(self, *, stream: Any = None, max_version: tuple | None = None, dl_device: tuple | None = None,
               copy: bool | None = None):
    """Export this tensor as a DLPack capsule sharing its memory (`copy=True` exports a copy)."""
    if self._rg:
        raise BufferError("Can't export tensors that require gradient, use tensor.detach()")
    arr = self._data
    if any(s < 0 for s in arr.strides):
        # NumPy can hold negative strides but consumers such as PyTorch cannot: hand them a copy
        if copy is False:
            raise BufferError("Can't export a tensor with negative strides without a copy (copy=False)")
        arr = arr.copy()
    kwargs = {}
    if max_version is not None:
        kwargs["max_version"] = max_version
    if dl_device is not None:
        kwargs["dl_device"] = dl_device
    if copy is not None:
        kwargs["copy"] = copy
    return arr.__dlpack__(stream=stream, **kwargs)


def __dlpack_device__(self) -> tuple:
    """(DLPack device type, device index) of this tensor: (1, 0) on the CPU, (2, i) on cuda:i."""
    return self._data.__dlpack_device__()


DUNDERS = {"__dlpack__": __dlpack__, "__dlpack_device__": __dlpack_device__}


class _Capsule:
    """A bare DLPack capsule offered through the protocol (assumed on the CPU, as capsules don't say)."""

    def __init__(self, capsule) -> None:
        self.capsule = capsule

    def __dlpack__(self, stream=None, **kwargs):
        return self.capsule

    def __dlpack_device__(self) -> tuple:
        return (_CPU, 0)


def from_dlpack(ext_tensor: Any, *, device: Any = None, copy: bool | None = None):
    """A tensor sharing memory with `ext_tensor`, any object with `__dlpack__` (a NumPy / CuPy / JAX array,
    a PyTorch tensor...) or a DLPack capsule. `copy=True` copies; `device` moves (a copy)."""
    from ._tensor import Tensor
    from .backend import dtypes as _dt
    from .backend.device import device as Device

    if not hasattr(ext_tensor, "__dlpack__"):
        if type(ext_tensor).__name__ != "PyCapsule":
            raise TypeError(f"from_dlpack(): expected an object with __dlpack__ or a DLPack capsule, got "
                            f"{type(ext_tensor).__name__}")
        ext_tensor = _Capsule(ext_tensor)
    dev_type, dev_id = ext_tensor.__dlpack_device__()
    kwargs = {} if copy is None else {"copy": copy}
    if dev_type in (_CPU, _CUDA_HOST):
        arr = np.from_dlpack(ext_tensor, **kwargs)
    elif dev_type in (_CUDA, _ROCM):
        arr = Device("cuda", int(dev_id)).xp.from_dlpack(ext_tensor, **kwargs)
    else:
        raise BufferError(f"from_dlpack(): unsupported DLPack device type {int(dev_type)} (ember has cpu and "
                          "cuda devices)")
    if arr.dtype not in _dt._FROM_NP:
        raise TypeError(f"from_dlpack(): ember has no dtype for {arr.dtype}; the supported types are float64, "
                        "float32, float16, int64, int32, int16, int8, uint8 and bool")
    t = Tensor._make(arr)
    if device is not None:
        target = Device(device)
        if target != t.device and not (target.type == t.device.type and target.index is None):
            if copy is False:
                raise BufferError(f"from_dlpack(): moving the data to {target} needs a copy (copy=False)")
            t = t.to(target)
    return t

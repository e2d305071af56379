"""ember.cuda: is CUDA usable here (CuPy importable and a GPU visible)?"""

from __future__ import annotations

from .backend.device import cuda_available, get_cupy


def is_available() -> bool:
    return cuda_available()


def device_count() -> int:
    cp = get_cupy()
    return cp.cuda.runtime.getDeviceCount() if cp is not None else 0


def current_device() -> int:
    cp = get_cupy()
    if cp is None:
        raise AssertionError("Torch not compiled with CUDA enabled")
    return cp.cuda.runtime.getDevice()


def synchronize(device=None) -> None:
    cp = get_cupy()
    if cp is not None:
        cp.cuda.runtime.deviceSynchronize()


def manual_seed(seed: int) -> None:
    cp = get_cupy()
    if cp is not None:
        cp.random.seed(seed)


def manual_seed_all(seed: int) -> None:
    manual_seed(seed)

"""Activations of a conv-sized tensor, forward and backward: the ops where NumPy's masked selections
(np.where, where=) once cost ember 5-40x PyTorch's time."""

from __future__ import annotations

from typing import Any

from . import Workload

SHAPE = (64, 64, 24, 24)  # 2.4M float32, the second conv layer's output of the LeNet-style workload
NAMES = ("relu", "leaky_relu", "elu", "silu", "gelu", "softplus", "mish", "hardswish")


def _setup(lib: Any) -> tuple:
    x = lib.randn(*SHAPE, requires_grad=True)
    return x, lib.ones(*SHAPE)


def _step(lib: Any, state: tuple) -> None:
    x, g = state
    for name in NAMES:
        getattr(lib.nn.functional, name)(x).backward(g)
    x.grad = None


WORKLOADS = [
    Workload(
        name="activations_2m",
        description=f"forward + backward of {', '.join(NAMES)} on a {SHAPE} float32 tensor; mean time per op",
        setup=_setup,
        step=_step,
        warmup=1,
        inner=3,
        unit="ms/op",
        per_step=len(NAMES),
    ),
]

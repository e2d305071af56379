"""Large elementwise ops: memory bandwidth and the cost of the ufunc underneath, without autograd."""

from __future__ import annotations

from typing import Any

from . import Workload

N = 1_000_000


def _setup(lib: Any) -> tuple:
    return lib.randn(N), lib.randn(N)


def _step(lib: Any, state: tuple) -> None:
    a, b = state
    lib.add(a, b)
    lib.mul(a, b)
    lib.exp(a)
    lib.tanh(a)


WORKLOADS = [
    Workload(
        name="elementwise_1m",
        description=f"add, mul, exp, tanh on {N:,}-element float32 tensors; mean time per op",
        setup=_setup,
        step=_step,
        inner=20,
        unit="ms/op",
        per_step=4,
    ),
]

"""Full reductions over a large tensor, without autograd."""

from __future__ import annotations

from typing import Any

from . import Workload

N = 1_000_000


def _setup(lib: Any) -> Any:
    return lib.randn(N)


def _step(lib: Any, x: Any) -> None:
    lib.sum(x)
    lib.mean(x)
    lib.max(x)


WORKLOADS = [
    Workload(
        name="reduction_1m",
        description=f"sum, mean, max over a {N:,}-element float32 tensor; mean time per op",
        setup=_setup,
        step=_step,
        inner=20,
        unit="ms/op",
        per_step=3,
    ),
]

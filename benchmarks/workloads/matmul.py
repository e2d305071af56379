"""Dense float32 matrix multiplication (forward only): mostly a measure of the BLAS underneath."""

from __future__ import annotations

from typing import Any

from . import Workload


def _workload(n: int, inner: int) -> Workload:
    def setup(lib: Any) -> tuple:
        return lib.randn(n, n), lib.randn(n, n)

    def step(lib: Any, state: tuple) -> None:
        lib.matmul(*state)

    return Workload(
        name=f"matmul_{n}",
        description=f"matmul of two {n}x{n} float32 matrices",
        setup=setup,
        step=step,
        warmup=1,
        inner=inner,
        unit="ms",
    )


WORKLOADS = [_workload(512, 20), _workload(1024, 5), _workload(2048, 2)]

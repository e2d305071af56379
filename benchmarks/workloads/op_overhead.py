"""Per-op Python overhead: a long chain of tiny differentiable ops, then backward through all of them."""

from __future__ import annotations

from typing import Any

from . import Workload

N_OPS = 200
SIZE = 16


def _setup(lib: Any) -> tuple:
    x = lib.ones(SIZE, requires_grad=True)
    # factors near 1 keep the chain's values finite over 100 multiplications
    w = lib.full((SIZE,), 0.999)
    b = lib.full((SIZE,), 0.001)
    return x, w, b


def _step(lib: Any, state: tuple) -> None:
    x, w, b = state
    y = x
    for _ in range(N_OPS // 2):
        y = y * w
        y = y + b
    y.sum().backward()
    x.grad = None


WORKLOADS = [
    Workload(
        name="op_overhead",
        description=f"{N_OPS} alternating mul/add on {SIZE}-element tensors (requires_grad), then backward; "
        "time per op, forward and backward together",
        setup=_setup,
        step=_step,
        warmup=5,
        inner=50,
        unit="µs/op",
        scale=1e6,
        per_step=N_OPS,
    ),
]

"""One optimizer step over a 10-million-parameter model in 100 tensors (gradients already there)."""

from __future__ import annotations

from typing import Any

from . import Workload

N_TENSORS = 100
SIZE = 100_000  # 100 x 100,000 = 10M float32 parameters, 40 MB per array (params, grads, each state)


def _workload(name: str, make: str, **kwargs: Any) -> Workload:
    def setup(lib: Any) -> Any:
        params = [lib.randn(SIZE, requires_grad=True) for _ in range(N_TENSORS)]
        for p in params:
            p.grad = lib.randn(SIZE) * 1e-3
        return getattr(lib.optim, make)(params, **kwargs)

    def step(lib: Any, opt: Any) -> None:
        opt.step()

    args = ", ".join(f"{k}={v}" for k, v in kwargs.items())
    return Workload(
        name=name,
        description=f"optim.{make}({args}).step() over {N_TENSORS} float32 tensors of {SIZE:,} (10M parameters)",
        setup=setup,
        step=step,
        warmup=2,
        inner=10,
        unit="ms",
    )


WORKLOADS = [
    _workload("sgd_momentum_10m", "SGD", lr=0.01, momentum=0.9),
    _workload("adam_10m", "Adam", lr=0.001),
    _workload("adamw_10m", "AdamW", lr=0.001),
]

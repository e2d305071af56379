"""One optimizer step over a model-sized set of parameters whose gradients are already there."""

from __future__ import annotations

from typing import Any

from . import Workload

N_PARAMS = 16
SHAPE = (256, 256)  # 16 x 65,536 = about 1M parameters


def _workload(name: str, make: str, **kwargs: Any) -> Workload:
    def setup(lib: Any) -> Any:
        params = [lib.randn(*SHAPE, requires_grad=True) for _ in range(N_PARAMS)]
        for p in params:
            p.grad = lib.randn(*SHAPE) * 1e-3
        return getattr(lib.optim, make)(params, **kwargs)

    def step(lib: Any, opt: Any) -> None:
        opt.step()

    args = ", ".join(f"{k}={v}" for k, v in kwargs.items())
    return Workload(
        name=name,
        description=f"optim.{make}({args}).step() over {N_PARAMS} float32 {SHAPE[0]}x{SHAPE[1]} parameters",
        setup=setup,
        step=step,
        inner=20,
        unit="ms",
    )


WORKLOADS = [
    _workload("sgd_step", "SGD", lr=0.01, momentum=0.9),
    _workload("adam_step", "Adam", lr=0.001),
]

"""Benchmark workloads, each written once against the PyTorch API and run on `ember` and on `torch`.

A workload file in this folder declares `WORKLOADS = [Workload(...), ...]`. `setup(lib)` builds the inputs
outside the timed region; `step(lib, state)` is the timed region, called `warmup` times untimed and then
`inner` times under the clock. The driver reports the time of one step divided by `per_step`, in `unit`.

This package must not import NumPy, ember or torch: `import_time` measures those imports in a fresh child.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["Workload", "all_workloads"]


@dataclass(frozen=True)
class Workload:
    """One named thing to time: how to prepare it, what to time, and how to report it."""

    name: str
    description: str
    step: Callable[[Any, Any], Any]
    setup: Callable[[Any], Any] = lambda lib: None
    warmup: int = 3
    inner: int = 10
    # the step's seconds are multiplied by `scale` and divided by `per_step` (e.g. ops in the step)
    unit: str = "ms"
    scale: float = 1e3
    per_step: int = 1
    # False: `lib` is handed to setup/step as its module name, not imported (import_time imports it)
    import_lib: bool = True


def all_workloads() -> dict[str, Workload]:
    """Every workload declared by the modules of this package, by name, in file then declaration order."""
    found: dict[str, Workload] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        for w in getattr(module, "WORKLOADS", ()):
            if w.name in found:
                raise ValueError(f"workload {w.name!r} is declared twice")
            found[w.name] = w
    return found

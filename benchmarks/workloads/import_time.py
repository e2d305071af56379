"""Cold import of the library in a fresh interpreter (the driver starts one per repetition)."""

from __future__ import annotations

import importlib

from . import Workload


def _step(lib_name: str, state: None) -> None:
    importlib.import_module(lib_name)


WORKLOADS = [
    Workload(
        name="import_time",
        description="`import ember` vs `import torch` in a fresh process",
        step=_step,
        warmup=0,
        inner=1,
        unit="s",
        scale=1.0,
        import_lib=False,
    ),
]

"""The op spec table: one entry per op, grouped by family (one module each, so families grow apart).

Each OpSpec names a callable `fn(lib, *args)` written once against the PyTorch API and run with
`lib=ember` and `lib=torch`, and the argument cases to run it on. tests/test_op_parity.py compares
values, dtypes, gradients (random upstream gradient) and double backward against PyTorch;
tests/test_op_gradcheck.py checks gradients by finite differences in float64 without PyTorch.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Arg:
    """A tensor argument: its shape, and how to draw its values."""

    shape: tuple
    dtype: str | None = None      # None: the case's dtype
    low: float = -2.0
    high: float = 2.0
    grad: bool = True             # ask for its gradient (float tensors only)
    integer: bool = False         # draw integers in [low, high)
    values: Any = None            # explicit values instead of random ones
    away_from: tuple = ()         # keep values at least 0.05 away from these points (kinks)


@dataclass
class OpSpec:
    name: str
    fn: Callable
    cases: list
    dtypes: tuple = ("float32", "float64")
    grad: bool = True             # differentiable: compare gradients
    gradgrad: bool = True         # compare double backward too
    gradcheck: bool = True        # finite differences in float64
    noncontig: bool = True        # also run with non-contiguous inputs
    rtol: float = 1e-5
    atol: float = 1e-5
    extra: dict = field(default_factory=dict)


def all_specs() -> list:
    import importlib
    import pkgutil

    specs = []
    for mod in pkgutil.iter_modules(__path__):
        specs.extend(importlib.import_module(f"{__name__}.{mod.name}").SPECS)
    names = [s.name for s in specs]
    dup = {n for n in names if names.count(n) > 1}
    assert not dup, f"duplicate op spec names: {dup}"
    return specs

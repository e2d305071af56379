"""Every differentiable op of the spec table against finite differences in float64 (no PyTorch needed).

gradcheck runs on the first cases of each spec with `grad` and `gradcheck` set; gradgradcheck (fast
mode, one random projection per input/output pair) on the first case of those with `gradgrad` too.
A spec may pass gradcheck keyword arguments (eps, atol, rtol, ...) as `extra={"gradcheck": {...}}`.
"""

from __future__ import annotations

import zlib

import numpy as np
import pytest

import ember
from ember.autograd import gradcheck, gradgradcheck
from opspec import Arg, all_specs
from test_op_parity import build, make_arrays

SPECS = all_specs()
CASES_PER_SPEC = 2
# above this many input elements the full Jacobian gets slow: compare random projections instead
SLOW_MODE_MAX_NUMEL = 256


def _float_spec(spec) -> bool:
    return spec.grad and spec.gradcheck and any(np.dtype(d).kind == "f" for d in spec.dtypes)


def _generic_case(case) -> bool:
    """A case with random values and a float64 argument to differentiate. Cases with explicit values
    sit on purpose where the op is not differentiable (ties, NaN, inf, kinks): the parity test checks
    PyTorch's conventions there, finite differences mean nothing."""
    args = [Arg(a) if isinstance(a, tuple) else a for a in case]
    args = [a for a in args if isinstance(a, Arg)]
    if any(a.values is not None and a.grad for a in args):
        return False
    return any(a.grad and not a.integer and (a.dtype or "float64") == "float64" and 0 not in a.shape
               for a in args)


def _params(second_order: bool):
    for spec in SPECS:
        if not _float_spec(spec) or (second_order and not spec.gradgrad):
            continue
        cases = [ci for ci, case in enumerate(spec.cases) if _generic_case(case)]
        for ci in cases[:1 if second_order else CASES_PER_SPEC]:
            yield pytest.param(spec, ci, id=f"{spec.name}-{ci}")


def _inputs(spec, ci):
    case = spec.cases[ci]
    seed = zlib.crc32(f"{spec.name}-{ci}-float64".encode())
    arrays = make_arrays(spec, case, "float64", seed)
    args, _ = build(ember, case, arrays, "float64", False)
    # only float64 leaves are perturbed: a float32 argument of a mixed-dtype case stays constant
    return [a.detach() if isinstance(a, ember.Tensor) and a.dtype is not ember.float64 else a for a in args]


def _func(spec):
    return lambda *args: spec.fn(ember, *args)


@pytest.mark.parametrize("spec,ci", list(_params(False)))
def test_gradcheck(spec, ci):
    inputs = _inputs(spec, ci)
    numel = sum(a.numel() for a in inputs if isinstance(a, ember.Tensor) and a.requires_grad)
    kwargs = {"fast_mode": numel > SLOW_MODE_MAX_NUMEL, **spec.extra.get("gradcheck", {})}
    assert gradcheck(_func(spec), inputs, **kwargs)


@pytest.mark.parametrize("spec,ci", list(_params(True)))
def test_gradgradcheck(spec, ci):
    kwargs = {"fast_mode": True, **spec.extra.get("gradcheck", {})}
    assert gradgradcheck(_func(spec), _inputs(spec, ci), **kwargs)

"""Run one expression with ember and with PyTorch and compare outcomes (values or exceptions)."""

from __future__ import annotations

import warnings

import numpy as np

import ember
from conftest import assert_same, torch


def both(expr: str, **env):
    """Evaluate `expr` with `lib` bound to ember and to torch; return (ember result, torch result), where a
    raised exception is returned in place of a result."""
    out = []
    for lib in (ember, torch):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                out.append(eval(expr, {"lib": lib, "np": np, **env}))
            except Exception as e:  # noqa: BLE001 - compared by the caller
                out.append(e)
    return out


def check(expr: str, check_values: bool = True, **env):
    """ember and PyTorch agree: the same exception type and message, or the same shape, dtype,
    requires_grad (and values)."""
    e, t = both(expr, **env)
    if isinstance(t, Exception):
        assert isinstance(e, Exception), f"{expr}: torch raised {t!r}, ember returned {e!r}"
        assert type(e) is type(t), f"{expr}: {type(e).__name__} != {type(t).__name__} ({e} / {t})"
        if "invalid combination of arguments" not in str(t):  # the argument parser's long listing
            assert str(e) == str(t), f"{expr}: message {str(e)!r} != {str(t)!r}"
        return e, t
    assert not isinstance(e, Exception), f"{expr}: ember raised {e!r}, torch gave {t!r}"
    if isinstance(t, torch.Tensor):
        assert e.requires_grad == t.requires_grad, expr
        if not check_values:
            assert tuple(e.shape) == tuple(t.shape) and str(e.dtype) == str(t.dtype), expr
            return e, t
    assert_same(e, t, rtol=1e-6, atol=1e-7)
    return e, t

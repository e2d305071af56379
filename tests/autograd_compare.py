"""Helpers for the autograd tests: run the same code with ember and PyTorch and compare what happens."""

from __future__ import annotations

import re
import warnings

import numpy as np

import ember
from conftest import torch


def outcome(fn, lib):
    """fn(lib)'s result as plain data (nested tuples; a tensor becomes its shape, dtype, requires_grad
    and values), or its exception as (type name, message); plus the messages of the warnings raised."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            res = plain(fn(lib))
        except Exception as e:  # the type and message are what is compared
            res = (type(e).__name__, str(e))
    # PyTorch's own deprecation notices (e.g. from its vmap internals) are not part of the behaviour, and
    # a warning PyTorch gives once per process cannot be compared call by call
    return res, [_TRIGGERED.sub("", str(w.message)) for w in caught
                 if not issubclass(w.category, (DeprecationWarning, FutureWarning))
                 and not str(w.message).startswith(_ONCE)]


_TRIGGERED = re.compile(r" \(Triggered internally at [^)]*\.\)$")
_ONCE = ("Using backward() with create_graph=True will create a reference cycle",)


def plain(r):
    if isinstance(r, (tuple, list)):
        return type(r).__name__, tuple(plain(e) for e in r)
    if isinstance(r, ember.Tensor):
        return "Tensor", tuple(r.shape), str(r.dtype), r.requires_grad, np.array(r.detach()._host())
    if torch is not None and isinstance(r, torch.Tensor):
        return "Tensor", tuple(r.shape), str(r.dtype), r.requires_grad, r.detach().cpu().numpy().copy()
    return r


def equal(a, b) -> bool:
    """Structural equality with a tolerance for arrays."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        if not (isinstance(a, np.ndarray) and isinstance(b, np.ndarray)) or a.shape != b.shape:
            return False
        if a.dtype.kind == "f" or b.dtype.kind == "f":
            return bool(np.allclose(a.astype(np.float64), b.astype(np.float64), rtol=1e-6, atol=1e-9,
                                    equal_nan=True))
        return bool(np.array_equal(a, b))
    if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
        return len(a) == len(b) and all(equal(x, y) for x, y in zip(a, b))
    if isinstance(a, float) and isinstance(b, float):
        return bool(np.isclose(a, b, rtol=1e-6, atol=1e-9))
    return a == b


def same_outcome(fn, first_line_only: bool = False) -> None:
    """fn(ember) and fn(torch) return the same values, or raise the same error type and message, and
    warn the same way."""
    e, t = outcome(fn, ember), outcome(fn, torch)
    if first_line_only:
        e, t = _first_line(e), _first_line(t)
    assert equal(e, t), f"\nember: {e}\ntorch: {t}"


def _first_line(o):
    res, warns = o
    if isinstance(res, tuple) and len(res) == 2 and isinstance(res[1], str):
        res = (res[0], res[1].split("\n")[0])
    return res, warns

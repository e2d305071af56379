"""Finite-difference gradient checks (float64)."""

from __future__ import annotations


def gradcheck(func, inputs, **kwargs) -> bool:
    raise NotImplementedError("gradcheck is being written")


def gradgradcheck(func, inputs, **kwargs) -> bool:
    raise NotImplementedError("gradgradcheck is being written")

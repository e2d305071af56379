"""Tensor repr in PyTorch's format."""

from __future__ import annotations


def tensor_repr(t) -> str:
    return f"tensor({t._host().tolist()})"

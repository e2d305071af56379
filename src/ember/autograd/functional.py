"""Higher-level autograd: jacobian, hessian, vjp, jvp, hvp, vhp."""

from __future__ import annotations

__all__: list = []

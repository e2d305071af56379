"""SparseAdam: Adam for row-sparse gradients, updating only the touched entries and their moments."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable

import numpy as np

from .optimizer import Optimizer, Tensor, _scalar

__all__ = ["SparseAdam"]


class SparseAdam(Optimizer):
    """PyTorch's SparseAdam: the Adam update restricted to the entries present in the sparse gradient."""

    def __init__(self, params: Iterable, lr: float | Tensor = 1e-3, betas: tuple = (0.9, 0.999),
                 eps: float = 1e-8, maximize: bool = False) -> None:
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not 0.0 < lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 < eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= betas[0] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
        if not 0.0 <= betas[1] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
        defaults = dict(lr=lr, betas=betas, eps=eps, maximize=maximize)
        super().__init__(params, defaults)
        sparse, complex_ = [], []
        for i, group in enumerate(self.param_groups):
            for j, p in enumerate(group["params"]):
                if p.is_sparse:
                    sparse.append([i, j])
                if p.is_complex():
                    complex_.append([i, j])
        if sparse:
            raise ValueError(f"Sparse params at indices {sparse}: SparseAdam requires dense parameter "
                             "tensors")
        if complex_:
            raise ValueError(f"Complex params at indices {complex_}: SparseAdam does not support complex "
                             "parameters")

    def step(self, closure: Callable | None = None):
        """One update of the entries each parameter's sparse gradient touches."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            lr, eps = _scalar(group["lr"]), _scalar(group["eps"])
            beta1, beta2 = (_scalar(b) for b in group["betas"])
            maximize = group.get("maximize", False)
            for p in group["params"]:
                if p._grad is None:
                    continue
                if not p._grad.is_sparse:
                    raise RuntimeError("SparseAdam does not support dense gradients, please consider Adam "
                                       "instead")
                state = self.state[p]
                if not state:
                    state["step"] = 0
                    state["exp_avg"] = Tensor._make(np.zeros_like(p._data))
                    state["exp_avg_sq"] = Tensor._make(np.zeros_like(p._data))
                state["step"] += 1
                grad = (-p._grad if maximize else p._grad).coalesce()
                if grad._data.size == 0:
                    continue
                idx = tuple(grad._idx)
                values = grad._data
                m, v = state["exp_avg"]._data, state["exp_avg_sq"]._data
                old_m = m[idx]
                new_m = values - old_m
                new_m *= 1 - beta1
                m[idx] += new_m
                old_v = v[idx]
                new_v = values * values
                new_v -= old_v
                new_v *= 1 - beta2
                v[idx] += new_v
                new_m += old_m
                new_v += old_v
                denom = np.sqrt(new_v, out=new_v)
                denom += eps
                step = state["step"]
                step_size = lr * math.sqrt(1 - beta2 ** step) / (1 - beta1 ** step)
                new_m /= denom
                new_m *= -step_size
                p._data[idx] += new_m
                p._vc[0] += 1
        return loss

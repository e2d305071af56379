"""Rprop: resilient backpropagation, per-element step sizes driven by the sign of the gradient."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np

from .optimizer import Optimizer, Tensor, _bump, _check_lr, _dense_grad, _scalar, _zero_step

__all__ = ["Rprop"]


class Rprop(Optimizer):
    """PyTorch's Rprop: step sizes grow by etaplus while the gradient keeps its sign, shrink by etaminus."""

    def __init__(self, params: Iterable, lr: float | Tensor = 1e-2, etas: tuple = (0.5, 1.2),
                 step_sizes: tuple = (1e-6, 50), *, capturable: bool = False, foreach: bool | None = None,
                 maximize: bool = False, differentiable: bool = False) -> None:
        _check_lr(lr)
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Invalid eta values: {etas[0]}, {etas[1]}")
        defaults = dict(lr=lr, etas=etas, step_sizes=step_sizes, foreach=foreach, maximize=maximize,
                        differentiable=differentiable, capturable=capturable)
        super().__init__(params, defaults)

    def step(self, closure: Callable | None = None):
        """One Rprop update of every parameter with a gradient."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            etaminus, etaplus = (_scalar(e) for e in group["etas"])
            lo, hi = (_scalar(s) for s in group["step_sizes"])
            maximize = group["maximize"]
            for p in group["params"]:
                if p._grad is None:
                    continue
                g = _dense_grad(p, "Rprop does not support sparse gradients")
                state = self.state[p]
                if not state:
                    state["step"] = _zero_step()
                    state["prev"] = Tensor._make(np.zeros_like(p._data))
                    state["step_size"] = Tensor._make(np.full_like(g, _scalar(group["lr"])))
                _bump(state)

                arrays = [p._data, g, state["prev"]._data, state["step_size"]._data]
                self._blocked(_kernel(etaminus, etaplus, lo, hi, maximize), arrays, 3)
                p._vc[0] += 1
        return loss


def _kernel(etaminus: float, etaplus: float, lo: float, hi: float, maximize: bool) -> Callable:
    def kernel(x, g, prev, size, t, u, w):
        d = np.negative(g, out=w) if maximize else g
        np.multiply(d, prev, out=t)
        np.sign(t, out=t)
        t[t > 0] = etaplus
        t[t < 0] = etaminus
        t[t == 0] = 1
        size *= t
        np.clip(size, lo, hi, out=size)
        # where the sign flipped, this step does not move and the next one starts afresh
        np.copyto(prev, d)
        prev[t == etaminus] = 0
        np.sign(prev, out=u)
        u *= size
        x -= u
    return kernel

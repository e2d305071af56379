"""Adamax: Adam with the infinity norm of past gradients in place of the second moment."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np

from .optimizer import (
    Optimizer,
    Tensor,
    _bump,
    _check_betas_eps_wd,
    _check_lr,
    _dense_grad,
    _effective_grad,
    _lerp_,
    _scalar,
    _zero_step,
)

__all__ = ["Adamax"]


class Adamax(Optimizer):
    """PyTorch's Adamax: u = max(beta2 * u, |g| + eps); p -= lr / (1 - beta1^t) * m / u."""

    def __init__(self, params: Iterable, lr: float | Tensor = 2e-3, betas: tuple = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, foreach: bool | None = None, *,
                 maximize: bool = False, differentiable: bool = False, capturable: bool = False) -> None:
        _check_lr(lr)
        _check_betas_eps_wd(betas, eps, weight_decay)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, foreach=foreach,
                        maximize=maximize, differentiable=differentiable, capturable=capturable)
        super().__init__(params, defaults)

    def step(self, closure: Callable | None = None):
        """One Adamax update of every parameter with a gradient."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            lr, eps = _scalar(group["lr"]), _scalar(group["eps"])
            beta1, beta2 = (_scalar(b) for b in group["betas"])
            wd, maximize = _scalar(group["weight_decay"]), group["maximize"]
            for p in group["params"]:
                if p._grad is None:
                    continue
                g = _dense_grad(p, "Adamax does not support sparse gradients")
                state = self.state[p]
                if not state:
                    state["step"] = _zero_step()
                    state["exp_avg"] = Tensor._make(np.zeros_like(p._data))
                    state["exp_inf"] = Tensor._make(np.zeros_like(p._data))
                clr = lr / (1 - beta1 ** _bump(state))

                arrays = [p._data, g, state["exp_avg"]._data, state["exp_inf"]._data]
                self._blocked(_kernel(clr, beta1, beta2, eps, wd, maximize), arrays, 2)
                p._vc[0] += 1
        return loss


def _kernel(clr: float, beta1: float, beta2: float, eps: float, wd: float, maximize: bool) -> Callable:
    def kernel(x, g, m, e, t, u):
        d = _effective_grad(x, g, wd, maximize, u)
        _lerp_(m, d, 1 - beta1, t)
        e *= beta2
        np.abs(d, out=t)
        t += eps
        np.maximum(e, t, out=e)
        np.divide(m, e, out=t)
        t *= -clr
        x += t
    return kernel

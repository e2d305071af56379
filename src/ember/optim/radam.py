"""RAdam: Adam with the variance of the adaptive learning rate rectified in early steps."""

from __future__ import annotations

import math
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

__all__ = ["RAdam"]


class RAdam(Optimizer):
    """PyTorch's RAdam: an SGD-with-momentum step while rho_t <= 5, a rectified Adam step after."""

    def __init__(self, params: Iterable, lr: float | Tensor = 1e-3, betas: tuple = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, decoupled_weight_decay: bool = False, *,
                 foreach: bool | None = None, maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False) -> None:
        _check_lr(lr)
        _check_betas_eps_wd(betas, eps, weight_decay)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, maximize=maximize,
                        foreach=foreach, capturable=capturable, decoupled_weight_decay=decoupled_weight_decay,
                        differentiable=differentiable)
        super().__init__(params, defaults)

    def step(self, closure: Callable | None = None):
        """One RAdam update of every parameter with a gradient."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            lr, eps = _scalar(group["lr"]), _scalar(group["eps"])
            beta1, beta2 = (_scalar(b) for b in group["betas"])
            wd, maximize, decoupled = _scalar(group["weight_decay"]), group["maximize"], \
                group["decoupled_weight_decay"]
            rho_inf = 2 / (1 - beta2) - 1
            for p in group["params"]:
                if p._grad is None:
                    continue
                g = _dense_grad(p, "RAdam does not support sparse gradients")
                state = self.state[p]
                if not state:
                    state["step"] = _zero_step()
                    state["exp_avg"] = Tensor._make(np.zeros_like(p._data))
                    state["exp_avg_sq"] = Tensor._make(np.zeros_like(p._data))
                step = _bump(state)
                bias1 = 1 - beta1 ** step
                bias2 = 1 - beta2 ** step
                rho_t = rho_inf - 2 * step * (beta2 ** step) / bias2
                rect = None
                if rho_t > 5.0:
                    rect = math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf
                                     / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
                decay = 1 - lr * wd if decoupled and wd != 0 else None
                l2 = 0.0 if decoupled else wd

                arrays = [p._data, g, state["exp_avg"]._data, state["exp_avg_sq"]._data]
                kernel = _kernel(lr, beta1, beta2, eps, bias1, bias2, rect, decay, l2, maximize)
                self._blocked(kernel, arrays, 3)
                p._vc[0] += 1
        return loss


def _kernel(lr: float, beta1: float, beta2: float, eps: float, bias1: float, bias2: float, rect: float | None,
            decay: float | None, l2: float, maximize: bool) -> Callable:
    def kernel(x, g, m, v, t, u, w):
        if decay is not None:
            x *= decay
        d = _effective_grad(x, g, l2, maximize, w)
        _lerp_(m, d, 1 - beta1, t)
        v *= beta2
        np.multiply(d, d, out=t)
        t *= 1 - beta2
        v += t
        np.divide(m, bias1, out=t)
        t *= lr
        if rect is not None:
            np.sqrt(v, out=u)
            u += eps
            np.divide(bias2 ** 0.5, u, out=u)
            t *= u
            t *= rect
        x -= t
    return kernel

"""Adam (optionally AMSGrad, decoupled weight decay) and the shared update used by AdamW."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable

import numpy as np

from .optimizer import Optimizer, Tensor, _check_dense

__all__ = ["Adam"]


def _check_adam_args(lr, betas, eps, weight_decay) -> None:
    if not 0.0 <= lr:
        raise ValueError(f"Invalid learning rate: {lr}")
    if not 0.0 <= eps:
        raise ValueError(f"Invalid epsilon value: {eps}")
    if not 0.0 <= betas[0] < 1.0:
        raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
    if not 0.0 <= betas[1] < 1.0:
        raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
    if not 0.0 <= weight_decay:
        raise ValueError(f"Invalid weight_decay value: {weight_decay}")


class Adam(Optimizer):
    def __init__(self, params: Iterable, lr: float = 1e-3, betas: tuple = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, amsgrad: bool = False, *, foreach: bool | None = None,
                 maximize: bool = False, capturable: bool = False, differentiable: bool = False,
                 fused: bool | None = None, decoupled_weight_decay: bool = False) -> None:
        _check_adam_args(lr, betas, eps, weight_decay)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                        maximize=maximize, foreach=foreach, capturable=capturable,
                        differentiable=differentiable, fused=fused,
                        decoupled_weight_decay=decoupled_weight_decay)
        super().__init__(params, defaults)

    def step(self, closure: Callable | None = None):
        """One Adam update, in place on each parameter's array with as few temporaries as possible."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            lr, (beta1, beta2), eps = group["lr"], group["betas"], group["eps"]
            wd, amsgrad, maximize = group["weight_decay"], group["amsgrad"], group["maximize"]
            decoupled = group.get("decoupled_weight_decay", False)
            for p in group["params"]:
                if p._grad is None:
                    continue
                _check_dense(p, "Adam")
                g = p._grad._data
                x = p._data
                state = self.state[p]
                if not state:
                    state["step"] = Tensor._make(np.zeros((), np.float32))
                    state["exp_avg"] = Tensor._make(np.zeros_like(x))
                    state["exp_avg_sq"] = Tensor._make(np.zeros_like(x))
                    if amsgrad:
                        state["max_exp_avg_sq"] = Tensor._make(np.zeros_like(x))
                if maximize:
                    g = -g
                if wd != 0:
                    if decoupled:
                        x *= 1 - lr * wd
                    else:
                        g = g + wd * x
                step_t = state["step"]._data
                step_t += 1
                step = float(step_t)
                m = state["exp_avg"]._data
                v = state["exp_avg_sq"]._data
                # exp_avg.lerp_(grad, 1 - beta1), exp_avg_sq = beta2 * v + (1 - beta2) * g * g
                t = g - m
                t *= 1 - beta1
                m += t
                v *= beta2
                np.multiply(g, g, out=t)
                t *= 1 - beta2
                v += t
                bias1 = 1 - beta1 ** step
                bias2_sqrt = math.sqrt(1 - beta2 ** step)
                if amsgrad:
                    vmax = state["max_exp_avg_sq"]._data
                    np.maximum(vmax, v, out=vmax)
                    np.sqrt(vmax, out=t)
                else:
                    np.sqrt(v, out=t)
                t /= bias2_sqrt
                t += eps
                np.divide(m, t, out=t)
                t *= -lr / bias1
                x += t
                p._version[0] += 1
        return loss

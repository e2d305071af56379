"""Adadelta: step sizes from the ratio of running RMS of past updates and of gradients."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np

from .optimizer import Optimizer, Tensor, _bump, _check_lr, _dense_grad, _effective_grad, _scalar, _zero_step

__all__ = ["Adadelta"]


class Adadelta(Optimizer):
    """PyTorch's Adadelta: delta = sqrt(acc_delta + eps) / sqrt(square_avg + eps) * g; p -= lr * delta."""

    def __init__(self, params: Iterable, lr: float | Tensor = 1.0, rho: float = 0.9, eps: float = 1e-6,
                 weight_decay: float = 0, foreach: bool | None = None, *, capturable: bool = False,
                 maximize: bool = False, differentiable: bool = False) -> None:
        _check_lr(lr)
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize,
                        capturable=capturable, foreach=foreach, differentiable=differentiable)
        super().__init__(params, defaults)

    def step(self, closure: Callable | None = None):
        """One Adadelta update of every parameter with a gradient."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            lr, rho, eps = _scalar(group["lr"]), _scalar(group["rho"]), _scalar(group["eps"])
            wd, maximize = _scalar(group["weight_decay"]), group["maximize"]
            for p in group["params"]:
                if p._grad is None:
                    continue
                g = _dense_grad(p, "Adadelta does not support sparse gradients")
                state = self.state[p]
                if not state:
                    state["step"] = _zero_step()
                    state["square_avg"] = Tensor._make(np.zeros_like(p._data))
                    state["acc_delta"] = Tensor._make(np.zeros_like(p._data))
                _bump(state)

                arrays = [p._data, g, state["square_avg"]._data, state["acc_delta"]._data]
                self._blocked(_kernel(lr, rho, eps, wd, maximize), arrays, 3)
                p._vc[0] += 1
        return loss


def _kernel(lr: float, rho: float, eps: float, wd: float, maximize: bool) -> Callable:
    def kernel(x, g, sq, acc, t, u, w):
        d = _effective_grad(x, g, wd, maximize, w)
        sq *= rho
        np.multiply(d, d, out=t)
        t *= 1 - rho
        sq += t
        np.add(sq, eps, out=t)
        np.sqrt(t, out=t)
        np.add(acc, eps, out=u)
        np.sqrt(u, out=u)
        u /= t
        u *= d
        acc *= rho
        np.multiply(u, u, out=t)
        t *= 1 - rho
        acc += t
        u *= -lr
        x += u
    return kernel

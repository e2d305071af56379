"""RMSprop, optionally centered and with momentum."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np

from .optimizer import (
    Optimizer,
    Tensor,
    _bump,
    _check_lr,
    _dense_grad,
    _effective_grad,
    _lerp_,
    _scalar,
    _zero_step,
)

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    """PyTorch's RMSprop: v = alpha * v + (1 - alpha) * g^2; p -= lr * g / (sqrt(v [- mean(g)^2]) + eps)."""

    def __init__(self, params: Iterable, lr: float | Tensor = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0, momentum: float = 0, centered: bool = False,
                 capturable: bool = False, foreach: bool | None = None, maximize: bool = False,
                 differentiable: bool = False) -> None:
        _check_lr(lr)
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= momentum:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= alpha:
            raise ValueError(f"Invalid alpha value: {alpha}")
        defaults = dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered,
                        weight_decay=weight_decay, capturable=capturable, foreach=foreach, maximize=maximize,
                        differentiable=differentiable)
        super().__init__(params, defaults)

    def step(self, closure: Callable | None = None):
        """One RMSprop update of every parameter with a gradient."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            lr, alpha, eps = _scalar(group["lr"]), _scalar(group["alpha"]), _scalar(group["eps"])
            wd, momentum = _scalar(group["weight_decay"]), _scalar(group["momentum"])
            centered, maximize = group["centered"], group["maximize"]
            for p in group["params"]:
                if p._grad is None:
                    continue
                g = _dense_grad(p, "RMSprop does not support sparse gradients")
                state = self.state[p]
                if not state:
                    state["step"] = _zero_step()
                    state["square_avg"] = Tensor._make(np.zeros_like(p._data))
                    if momentum > 0:
                        state["momentum_buffer"] = Tensor._make(np.zeros_like(p._data))
                    if centered:
                        state["grad_avg"] = Tensor._make(np.zeros_like(p._data))
                _bump(state)
                arrays = [p._data, g, state["square_avg"]._data]
                if momentum > 0:
                    arrays.append(state["momentum_buffer"]._data)
                if centered:
                    arrays.append(state["grad_avg"]._data)

                self._blocked(_kernel(lr, alpha, eps, wd, momentum, centered, maximize), arrays, 3)
                p._vc[0] += 1
        return loss


def _kernel(lr: float, alpha: float, eps: float, wd: float, momentum: float, centered: bool,
            maximize: bool) -> Callable:
    def kernel(x, g, sq, *rest):
        buf = rest[0] if momentum > 0 else None
        ga = rest[-4] if centered else None
        t, u, w = rest[-3:]
        d = _effective_grad(x, g, wd, maximize, w)
        sq *= alpha
        np.multiply(d, d, out=t)
        t *= 1 - alpha
        sq += t
        if centered:
            _lerp_(ga, d, 1 - alpha, t)
            _minus_square(sq, ga, t)
            np.sqrt(t, out=t)
        else:
            np.sqrt(sq, out=t)
        t += eps
        np.divide(d, t, out=t)
        if buf is not None:
            buf *= momentum
            buf += t
            np.multiply(buf, -lr, out=t)
        else:
            t *= -lr
        x += t
    return kernel


def _minus_square(sq, ga, out) -> None:
    """out = sq - ga * ga rounded once, as PyTorch's fused multiply-add computes it.

    The difference cancels (sq is about ga ** 2), so a second rounding would be magnified by the sqrt;
    float32 goes through float64, where the product is exact.
    """
    if out.dtype == np.float32:
        wide = ga.astype(np.float64)
        wide *= wide
        np.subtract(sq, wide, out=wide)
        np.copyto(out, wide)
    else:
        np.multiply(ga, ga, out=out)
        np.subtract(sq, out, out=out)

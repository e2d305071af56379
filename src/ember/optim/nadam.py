"""NAdam: Adam with Nesterov momentum (momentum_decay schedule), optionally decoupled weight decay."""

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
    _scalar_dtype,
    _zero_step,
)

__all__ = ["NAdam"]


class NAdam(Optimizer):
    """PyTorch's NAdam: mu_t = beta1 * (1 - 0.5 * 0.96^(t * momentum_decay)); a Nesterov-style update."""

    def __init__(self, params: Iterable, lr: float | Tensor = 2e-3, betas: tuple = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, momentum_decay: float = 4e-3,
                 decoupled_weight_decay: bool = False, *, foreach: bool | None = None, maximize: bool = False,
                 capturable: bool = False, differentiable: bool = False) -> None:
        _check_lr(lr)
        _check_betas_eps_wd(betas, eps, weight_decay)
        if not 0.0 <= momentum_decay:
            raise ValueError(f"Invalid momentum_decay value: {momentum_decay}")
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, momentum_decay=momentum_decay,
                        decoupled_weight_decay=decoupled_weight_decay, maximize=maximize, foreach=foreach,
                        capturable=capturable, differentiable=differentiable)
        super().__init__(params, defaults)

    def step(self, closure: Callable | None = None):
        """One NAdam update of every parameter with a gradient."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            lr, eps = _scalar(group["lr"]), _scalar(group["eps"])
            beta1, beta2 = (_scalar(b) for b in group["betas"])
            wd, maximize = _scalar(group["weight_decay"]), group["maximize"]
            psi, decoupled = _scalar(group["momentum_decay"]), group["decoupled_weight_decay"]
            for p in group["params"]:
                if p._grad is None:
                    continue
                g = _dense_grad(p, "NAdam does not support sparse gradients")
                state = self.state[p]
                if not state:
                    state["step"] = _zero_step()
                    state["mu_product"] = Tensor._make(np.ones((), _scalar_dtype()))
                    state["exp_avg"] = Tensor._make(np.zeros_like(p._data))
                    state["exp_avg_sq"] = Tensor._make(np.zeros_like(p._data))
                step = _bump(state)
                bias2 = 1 - beta2 ** step
                mu = beta1 * (1.0 - 0.5 * (0.96 ** (step * psi)))
                mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * psi)))
                # the running product lives in a (float32) tensor and is rounded there, as in PyTorch
                prod = state["mu_product"]._data
                prod *= mu
                prod_value = float(prod)
                c_grad = -lr * (1.0 - mu) / (1.0 - prod_value)
                c_avg = (-lr * mu_next) / (1.0 - prod_value * mu_next)
                decay = 1 - lr * wd if decoupled and wd != 0 else None
                l2 = 0.0 if decoupled else wd

                arrays = [p._data, g, state["exp_avg"]._data, state["exp_avg_sq"]._data]
                kernel = _kernel(beta1, beta2, eps, bias2, c_grad, c_avg, decay, l2, maximize)
                self._blocked(kernel, arrays, 3)
                p._vc[0] += 1
        return loss


def _kernel(beta1: float, beta2: float, eps: float, bias2: float, c_grad: float, c_avg: float,
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
        np.divide(v, bias2, out=t)
        np.sqrt(t, out=t)
        t += eps
        np.divide(d, t, out=u)
        u *= c_grad
        x += u
        np.divide(m, t, out=u)
        u *= c_avg
        x += u
    return kernel

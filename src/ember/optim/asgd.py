"""ASGD: averaged stochastic gradient descent (the average is kept in state['ax'])."""

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
    _scalar,
    _scalar_dtype,
    _zero_step,
)

__all__ = ["ASGD"]


class ASGD(Optimizer):
    """PyTorch's ASGD: p = p * (1 - lambd * eta) - eta * g; ax averages p once step > t0."""

    def __init__(self, params: Iterable, lr: float | Tensor = 1e-2, lambd: float = 1e-4, alpha: float = 0.75,
                 t0: float = 1e6, weight_decay: float = 0, foreach: bool | None = None,
                 maximize: bool = False, differentiable: bool = False, capturable: bool = False) -> None:
        _check_lr(lr)
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = dict(lr=lr, lambd=lambd, alpha=alpha, t0=t0, weight_decay=weight_decay, foreach=foreach,
                        maximize=maximize, differentiable=differentiable, capturable=capturable)
        super().__init__(params, defaults)

    def step(self, closure: Callable | None = None):
        """One ASGD update of every parameter with a gradient."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            lr, lambd, alpha = _scalar(group["lr"]), _scalar(group["lambd"]), _scalar(group["alpha"])
            t0, wd, maximize = _scalar(group["t0"]), _scalar(group["weight_decay"]), group["maximize"]
            for p in group["params"]:
                if p._grad is None:
                    continue
                g = _dense_grad(p, "ASGD does not support sparse gradients")
                state = self.state[p]
                if not state:
                    state["step"] = _zero_step()
                    state["eta"] = Tensor._make(np.array(lr, _scalar_dtype()))
                    state["mu"] = Tensor._make(np.ones((), _scalar_dtype()))
                    state["ax"] = Tensor._make(np.zeros_like(p._data))
                step = _bump(state)
                # eta and mu are read back from their (float32) tensors, so they carry its rounding
                eta, mu = float(state["eta"]._data), float(state["mu"]._data)

                self._blocked(_kernel(eta, mu, lambd, wd, maximize), [p._data, g, state["ax"]._data], 2)
                # new values are rounded to the default dtype first (PyTorch builds them with as_tensor),
                # whatever dtype the state tensors have after a load_state_dict
                state["eta"]._data[...] = np.array(lr / ((1 + lambd * lr * step) ** alpha), _scalar_dtype())
                state["mu"]._data[...] = np.array(1 / max(1, step - t0), _scalar_dtype())
                p._vc[0] += 1
        return loss


def _kernel(eta: float, mu: float, lambd: float, wd: float, maximize: bool) -> Callable:
    def kernel(x, g, ax, t, u):
        d = _effective_grad(x, g, wd, maximize, u)
        x *= 1 - lambd * eta
        np.multiply(d, -eta, out=t)
        x += t
        if mu != 1:
            np.subtract(x, ax, out=t)
            t *= mu
            ax += t
        else:
            np.copyto(ax, x)
    return kernel

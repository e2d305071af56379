"""Adagrad: per-element step sizes shrinking with the sum of squared gradients; sparse gradients too."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np

from .optimizer import Optimizer, Tensor, _check_lr, _effective_grad, _scalar, _zero_step

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    """PyTorch's Adagrad: sum += g * g; p -= lr / (1 + (step - 1) * lr_decay) * g / (sqrt(sum) + eps)."""

    def __init__(self, params: Iterable, lr: float | Tensor = 1e-2, lr_decay: float = 0,
                 weight_decay: float = 0, initial_accumulator_value: float = 0, eps: float = 1e-10,
                 foreach: bool | None = None, *, maximize: bool = False, differentiable: bool = False,
                 fused: bool | None = None) -> None:
        _check_lr(lr)
        if not 0.0 <= lr_decay:
            raise ValueError(f"Invalid lr_decay value: {lr_decay}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= initial_accumulator_value:
            raise ValueError(f"Invalid initial_accumulator_value value: {initial_accumulator_value}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        defaults = dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, foreach=foreach,
                        maximize=maximize, differentiable=differentiable, fused=fused)
        super().__init__(params, defaults)
        if fused:
            if differentiable:
                raise RuntimeError("`fused` does not support `differentiable`")
            if foreach:
                raise RuntimeError("`fused` and `foreach` cannot be `True` together.")
        # unlike the other optimizers, Adagrad's state exists from the start
        for group in self.param_groups:
            for p in group["params"]:
                self._init_state(p, initial_accumulator_value)

    def _init_state(self, p: Tensor, initial: float) -> dict:
        state = self.state[p]
        state["step"] = _zero_step()
        state["sum"] = Tensor._make(np.full_like(p._data, initial))
        return state

    def share_memory(self) -> None:
        """A no-op here: ember has no inter-process shared tensors."""

    def step(self, closure: Callable | None = None):
        """One Adagrad update of every parameter with a gradient (dense or sparse)."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            lr, lr_decay, eps = _scalar(group["lr"]), _scalar(group["lr_decay"]), _scalar(group["eps"])
            wd, maximize = _scalar(group["weight_decay"]), group["maximize"]
            for p in group["params"]:
                if p._grad is None:
                    continue
                state = self.state[p]
                if not state:
                    state = self._init_state(p, self.defaults["initial_accumulator_value"])
                step_t = state["step"]._data
                step_t += 1
                clr = lr / (1 + (float(step_t) - 1) * lr_decay)
                if p._grad.is_sparse:
                    _sparse_update(p, state["sum"]._data, clr, eps, wd, maximize)
                    p._vc[0] += 1
                    continue
                g = p._grad._data

                self._blocked(_kernel(clr, eps, wd, maximize), [p._data, g, state["sum"]._data], 2)
                p._vc[0] += 1
        return loss


def _sparse_update(p: Tensor, acc, clr: float, eps: float, wd: float, maximize: bool) -> None:
    """Only the rows (entries) present in the coalesced sparse gradient change, with their sums."""
    grad = -p._grad if maximize else p._grad
    if wd != 0:
        raise RuntimeError("weight_decay option is not compatible with sparse gradients")
    grad = grad.coalesce()
    idx = tuple(grad._idx)
    values = grad._data
    acc[idx] += values * values
    std = np.sqrt(acc[idx])
    std += eps
    p._data[idx] += -clr * (values / std)


def _kernel(clr: float, eps: float, wd: float, maximize: bool) -> Callable:
    def kernel(x, g, s, t, u):
        d = _effective_grad(x, g, wd, maximize, u)
        np.multiply(d, d, out=t)
        s += t
        np.sqrt(s, out=t)
        t += eps
        np.divide(d, t, out=t)
        t *= -clr
        x += t
    return kernel

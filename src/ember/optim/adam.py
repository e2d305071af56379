"""Adam (optionally AMSGrad, L2 or decoupled weight decay, maximize); AdamW is Adam with decoupled decay."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np

from ..backend.blas import axpy_for
from .optimizer import (
    Optimizer,
    Tensor,
    _bump,
    _check_betas_eps_wd,
    _check_lr,
    _consts,
    _dense_grad,
    _effective_grad,
    _scalar,
    _zero_step,
)

__all__ = ["Adam"]


class Adam(Optimizer):
    """PyTorch's Adam: m, v moving averages of g and g*g; p -= lr/bc1 * m / (sqrt(v)/sqrt(bc2) + eps)."""

    def __init__(self, params: Iterable, lr: float | Tensor = 1e-3, betas: tuple = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, amsgrad: bool = False, *,
                 foreach: bool | None = None, maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False, fused: bool | None = None,
                 decoupled_weight_decay: bool = False) -> None:
        if isinstance(lr, Tensor):
            if foreach and not capturable:
                raise ValueError("lr as a Tensor is not supported for capturable=False and foreach=True")
        _check_lr(lr)
        _check_betas_eps_wd(betas, eps, weight_decay)
        if not ((isinstance(betas[0], float) and isinstance(betas[1], float))
                or (isinstance(betas[0], Tensor) and isinstance(betas[1], Tensor))):
            raise ValueError("betas must be either both floats or both Tensors")
        for i in (0, 1):
            if isinstance(betas[i], Tensor):
                if not capturable and foreach:
                    raise ValueError(f"betas[{i}] as a Tensor is not supported for capturable=False and "
                                     "foreach=True")
                if betas[i].numel() != 1:
                    raise ValueError(f"Tensor betas[{i}] must be 1-element")
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                        maximize=maximize, foreach=foreach, capturable=capturable,
                        differentiable=differentiable, fused=fused,
                        decoupled_weight_decay=decoupled_weight_decay)
        super().__init__(params, defaults)
        if fused:
            if differentiable:
                raise RuntimeError("`fused` does not support `differentiable`")
            if foreach:
                raise RuntimeError("`fused` and `foreach` cannot be `True` together.")

    def step(self, closure: Callable | None = None):
        """One Adam update of every parameter with a gradient, in place, cache block by cache block."""
        loss = self._closure_loss(closure)
        message = "Adam does not support sparse gradients, please consider SparseAdam instead"
        for group in self.param_groups:
            lr, eps = _scalar(group["lr"]), _scalar(group["eps"])
            beta1, beta2 = (_scalar(b) for b in group["betas"])
            wd, amsgrad, maximize = _scalar(group["weight_decay"]), group["amsgrad"], group["maximize"]
            decoupled = group.get("decoupled_weight_decay", False)
            kernels = {}  # by step, array type and dtype (a group's parameters usually share all three)
            for p in group["params"]:
                if p._grad is None:
                    continue
                g = _dense_grad(p, message)
                state = self.state[p]
                if not state:
                    state["step"] = _zero_step()
                    state["exp_avg"] = Tensor._make(np.zeros_like(p._data))
                    state["exp_avg_sq"] = Tensor._make(np.zeros_like(p._data))
                    if amsgrad:
                        state["max_exp_avg_sq"] = Tensor._make(np.zeros_like(p._data))
                step = _bump(state)
                x = p._data
                key = (step, type(x), x.dtype)
                kernel = kernels.get(key)
                if kernel is None:
                    bias1 = 1 - beta1 ** step
                    bias2_sqrt = (1 - beta2 ** step) ** 0.5
                    kernel = kernels[key] = _adam_kernel(lr, beta1, beta2, eps, wd, decoupled, maximize,
                                                         amsgrad, lr / bias1, bias2_sqrt, x)
                arrays = [x, g, state["exp_avg"]._data, state["exp_avg_sq"]._data]
                if amsgrad:
                    arrays.append(state["max_exp_avg_sq"]._data)
                self._blocked(kernel, arrays, 2)
                p._vc[0] += 1
        return loss


def _adam_kernel(lr: float, beta1: float, beta2: float, eps: float, wd: float, decoupled: bool,
                 maximize: bool, amsgrad: bool, step_size: float, bias2_sqrt: float, like) -> Callable:
    """The update of one block, in PyTorch's order of operations, on preallocated arrays.

    PyTorch adds -step_size * m / (sqrt(v) / bias2_sqrt + eps); here the same quantity is added as
    -step_size * bias2_sqrt * (m / (sqrt(v) + eps * bias2_sqrt)), which saves a pass over the block.
    Decoupled decay scales the parameter just before the update is added, while the block is in cache.
    Constants are 0-d arrays of `like`'s dtype where that is cheaper (see _consts); the multiply-adds are
    one fused pass where SciPy's BLAS is there (see backend.blas).
    """
    l2 = 0.0 if decoupled else wd
    decay = 1 - lr * wd if decoupled and wd != 0 else None
    w1 = 1 - beta1
    c_w1, c_beta2, c_w2, c_eps, c_factor = _consts(like, w1 if w1 < 0.5 else 1 - w1, beta2, 1 - beta2,
                                                   eps * bias2_sqrt, -step_size * bias2_sqrt)
    if decay is not None:
        (c_decay,) = _consts(like, decay)
    multiply, subtract, add, divide, sqrt = np.multiply, np.subtract, np.add, np.divide, np.sqrt
    axpy = axpy_for(like)

    def kernel(x, g, m, v, *rest):
        vmax, t, u = rest if amsgrad else (None, *rest)
        g = _effective_grad(x, g, l2, maximize, u)
        # m = lerp(m, g, 1 - beta1) with the formula PyTorch picks for the weight, as _lerp_
        if w1 < 0.5:
            subtract(g, m, out=t)
        else:
            subtract(m, g, out=t)
            np.copyto(m, g)
        axpy(t, m, c_w1, t)
        multiply(v, c_beta2, out=v)
        multiply(g, g, out=t)
        axpy(t, v, c_w2, t)
        if amsgrad:
            np.maximum(vmax, v, out=vmax)
            v = vmax
        sqrt(v, out=t)
        add(t, c_eps, out=t)
        divide(m, t, out=t)
        if decay is not None:
            multiply(x, c_decay, out=x)
        axpy(t, x, c_factor, t)
    return kernel

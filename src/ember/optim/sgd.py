"""Stochastic gradient descent with momentum, dampening, Nesterov, weight decay and maximize.

Sparse gradients (nn.Embedding(sparse=True)) are supported as in PyTorch: the momentum buffer is then
sparse too, and weight decay raises PyTorch's add(sparse, dense) error.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np

from ..backend.blas import axpy_for
from .optimizer import Optimizer, Tensor, _consts, _effective_grad, _scalar

__all__ = ["SGD"]


class SGD(Optimizer):
    """PyTorch's SGD: buf = momentum * buf + (1 - dampening) * g; p -= lr * (g + momentum * buf or buf)."""

    def __init__(self, params: Iterable, lr: float | Tensor = 1e-3, momentum: float = 0, dampening: float = 0,
                 weight_decay: float | Tensor = 0, nesterov: bool = False, *, maximize: bool = False,
                 foreach: bool | None = None, differentiable: bool = False,
                 fused: bool | None = None) -> None:
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                        nesterov=nesterov, maximize=maximize, foreach=foreach, differentiable=differentiable,
                        fused=fused)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, defaults)
        if fused:
            if differentiable:
                raise RuntimeError("`fused` does not support `differentiable`")
            if foreach:
                raise RuntimeError("`fused` and `foreach` cannot be `True` together.")

    def step(self, closure: Callable | None = None):
        """One update of every parameter that has a gradient; returns the closure's loss if given."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            lr, momentum, dampening = _scalar(group["lr"]), _scalar(group["momentum"]), group["dampening"]
            wd, nesterov, maximize = _scalar(group["weight_decay"]), group["nesterov"], group["maximize"]
            kernels = {}  # by array type and dtype: their constants are 0-d arrays of the dtype
            for p in group["params"]:
                grad = p._grad
                if grad is None:
                    continue
                if grad.is_sparse:
                    self._sparse_update(p, lr, momentum, dampening, wd, nesterov, maximize)
                    p._vc[0] += 1
                    continue
                x = p._data
                key = (type(x), x.dtype)
                kernel = kernels.get(key)
                if kernel is None:
                    if momentum == 0:
                        kernel = _plain_kernel(lr, wd, maximize, x)
                    else:
                        kernel = _momentum_kernel(lr, momentum, dampening, wd, nesterov, maximize, x)
                    kernels[key] = kernel
                if momentum == 0:
                    self._blocked(kernel, [x, grad._data], 1)
                else:
                    state = self.state[p]
                    buf = state.get("momentum_buffer")
                    if buf is None:
                        self._first_step(state, p, grad._data, lr, momentum, wd, nesterov, maximize)
                    else:
                        self._blocked(kernel, [x, grad._data, buf._data], 2)
                p._vc[0] += 1
        return loss

    def _first_step(self, state: dict, p: Tensor, g, lr: float, momentum: float, wd: float, nesterov: bool,
                    maximize: bool) -> None:
        """The first step's buffer is the (decayed, signed) gradient itself."""
        if wd != 0 or maximize:
            first = _effective_grad(p._data, g, wd, maximize, np.empty_like(g))
        else:
            first = g.copy()
        state["momentum_buffer"] = Tensor._make(first)
        self._blocked(_first_kernel(lr, momentum, nesterov, first), [p._data, first], 2)

    def _sparse_update(self, p: Tensor, lr: float, momentum: float, dampening: float, wd: float,
                       nesterov: bool, maximize: bool) -> None:
        from ..sparse import scatter_add_

        d = -p._grad if maximize else p._grad
        if wd != 0:
            raise RuntimeError("add(sparse, dense) is not supported. Use add(dense, sparse) instead.")
        if momentum != 0:
            state = self.state[p]
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = d.clone()
            else:
                # keep the buffer coalesced so that it does not grow by nnz every step
                buf = (buf * momentum).add(d, alpha=1 - dampening).coalesce()
            state["momentum_buffer"] = buf
            d = d.add(buf, alpha=momentum) if nesterov else buf
        scatter_add_(p._data, d, -lr)


def _plain_kernel(lr: float, wd: float, maximize: bool, like) -> Callable:
    (neg_lr,) = _consts(like, -lr)
    axpy = axpy_for(like)

    def kernel(x, g, t):
        axpy(_effective_grad(x, g, wd, maximize, t), x, neg_lr, t)
    return kernel


def _first_kernel(lr: float, momentum: float, nesterov: bool, like) -> Callable:
    neg_lr, mom = _consts(like, -lr, momentum)
    axpy = axpy_for(like)

    def kernel(x, buf, t, u):
        if nesterov:  # d = g + momentum * buf, where buf is g itself on the first step
            np.copyto(u, buf)
            axpy(buf, u, mom, t)
            axpy(u, x, neg_lr, t)
        else:
            axpy(buf, x, neg_lr, t)
    return kernel


def _momentum_kernel(lr: float, momentum: float, dampening: float, wd: float, nesterov: bool,
                     maximize: bool, like) -> Callable:
    """The update of one block; `like` (an array of the parameters' type and dtype) types the constants.

    The parameter update x += -lr * buf (and the nesterov and dampening terms) are one fused BLAS pass
    where SciPy is installed, rounded once as PyTorch's add_(..., alpha=) is (see backend.blas).
    """
    mom, neg_lr, damp = _consts(like, momentum, -lr, 1 - dampening)
    axpy = axpy_for(like)
    if wd == 0 and not maximize and dampening == 0 and not nesterov:
        multiply = np.multiply

        def plain(x, g, buf, t, u):  # the common case, without the general kernel's branches
            multiply(buf, mom, out=buf)
            buf += g
            axpy(buf, x, neg_lr, t)
        return plain

    def kernel(x, g, buf, t, u):
        d = _effective_grad(x, g, wd, maximize, u)
        buf *= mom
        if dampening == 0:
            buf += d
        else:
            axpy(d, buf, damp, t)
        if nesterov:  # d + momentum * buf; d may be g itself, which must not change
            if d is not u:
                np.copyto(u, d)
            axpy(buf, u, mom, t)
            d = u
        else:
            d = buf
        axpy(d, x, neg_lr, t)
    return kernel

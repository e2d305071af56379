"""ember.nn.functional: stateless versions of the layers (more functions are added by their owners)."""

from __future__ import annotations

import math

from .. import _tensor
from ..backend import dtypes as _dt
from ..ops._common import Op

Tensor = _tensor.Tensor

__all__ = ["linear", "bilinear"]

# the C type names PyTorch's matmul dtype errors use
_C_NAMES = {"float32": "float", "float64": "double", "float16": "c10::Half", "bfloat16": "c10::BFloat16",
            "int64": "long int", "int32": "int", "int16": "short int", "int8": "signed char",
            "uint8": "unsigned char", "bool": "bool"}
_SCALAR_NAMES = {"float32": "Float", "float64": "Double", "float16": "Half", "bfloat16": "BFloat16",
                 "int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
                 "bool": "Bool"}


def _dname(arr, names: dict) -> str:
    return names.get(_dt._FROM_NP[arr.dtype].name, str(arr.dtype))


def _check_bias(b, rows: int, out_features: int) -> None:
    """PyTorch's expand error when the bias does not broadcast to the (rows, out_features) result."""
    target = (rows, out_features)
    if b.ndim > 2:
        raise RuntimeError(f"The expand of the tensor must have at least as many dimensions as the tensor: "
                           f"target sizes {list(target)}, tensor sizes {list(b.shape)}")
    for i in range(1, b.ndim + 1):
        have, want = b.shape[-i], target[-i]
        if have != want and have != 1:
            raise RuntimeError(f"The expanded size of the tensor ({want}) must match the existing size "
                               f"({have}) at non-singleton dimension {2 - i}.  Target sizes: "
                               f"{list(target)}.  Tensor sizes: {list(b.shape)}")


class Linear(Op):
    """y = x @ W.T + b over the last dim of x, as one node (one GEMM forward, two backward)."""

    @staticmethod
    def forward(ctx, x, w, b):
        in_f = x.shape[-1]
        out_f = w.shape[0]
        flat = x.ndim == 2
        rows = x.shape[0] if flat else math.prod(x.shape[:-1])
        if w.shape[1] != in_f:
            raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({rows}x{in_f} and "
                               f"{w.shape[1]}x{out_f})")
        if x.dtype != w.dtype:
            raise RuntimeError("expected m1 and m2 to have the same dtype, but got: "
                               f"{_dname(x, _C_NAMES)} != {_dname(w, _C_NAMES)}")
        out = (x if flat else x.reshape(rows, in_f)) @ w.T
        if b is not None:
            if b.dtype != x.dtype:
                raise RuntimeError("self and mat2 must have the same dtype, but got "
                                   f"{_dname(b, _SCALAR_NAMES)} and {_dname(x, _SCALAR_NAMES)}")
            if b.shape != (out_f,):
                _check_bias(b, rows, out_f)
            out += b
            ctx.bias_shape = b.shape
        ctx.rows = rows
        ctx.save_for_backward(x, w)
        return out if flat else out.reshape(x.shape[:-1] + (out_f,))

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        need = ctx.needs_input_grad
        out_f, in_f = w.shape
        g2 = g.reshape(ctx.rows, out_f)
        gx = g.matmul(w) if need[0] else None
        gw = g2.t().matmul(x.reshape(ctx.rows, in_f)) if need[1] else None
        return gx, gw, (g2 if need[2] else None)

    @staticmethod
    def backward_array(ctx, g):
        x, w = ctx.saved_tensors
        x, w = x._data, w._data
        need = ctx.needs_input_grad
        out_f, in_f = w.shape
        g2 = g.reshape(ctx.rows, out_f)
        gx = (g2 @ w).reshape(x.shape) if need[0] else None
        gw = g2.T @ x.reshape(ctx.rows, in_f) if need[1] else None
        gb = None
        if need[2]:
            gb = g2.sum(0) if ctx.bias_shape == (out_f,) else g2
        return gx, gw, gb


def _grad_fn_name(x: Tensor, has_bias: bool) -> str:
    """The name PyTorch's linear gives its output's grad_fn for this input layout."""
    nd = x._data.ndim
    if nd == 2:
        return "AddmmBackward0" if has_bias else "MmBackward0"
    if nd == 1:
        return "ViewBackward0" if has_bias else "SqueezeBackward4"
    if not has_bias:
        return "UnsafeViewBackward0"
    return "ViewBackward0" if x._data.flags.c_contiguous else "AddBackward0"


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y = input @ weight.T + bias, applied over the last dimension of input."""
    xd, wd = input._data.ndim, weight._data.ndim
    if xd == 0 or wd == 0:
        raise RuntimeError(f"both arguments to linear need to be at least 1D, but they are {xd}D and {wd}D")
    if wd > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {wd}D")
    if wd == 1:
        out = input.matmul(weight)
        return out if bias is None else out + bias
    out = Linear.apply(input, weight, bias)
    if out.grad_fn is not None:
        out.grad_fn._name = _grad_fn_name(input, bias is not None)
    return out


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y[..., o] = sum_ij input1[..., i] * weight[o, i, j] * input2[..., j] + bias[o]."""
    s1, s2, sw = input1._data.shape, input2._data.shape, weight._data.shape
    if len(s1) != len(s2):
        raise RuntimeError(f"bilinear(): input dimensions do not match: got {len(s1)} and {len(s2)}")
    for i, (a, b) in enumerate(zip(s1[:-1], s2[:-1])):
        if a != b:
            raise RuntimeError(f"bilinear(): input batch dimensions do not match at dim {i}: got {a} and {b}")
    if len(sw) != 3:
        raise RuntimeError(f"bilinear(): weight must be three-dimensional, but got {len(sw)}D")
    if s1[-1] != sw[1]:
        raise RuntimeError(f"bilinear(): input1 size does not match weight size: got {s1[-1]} but expected "
                           f"{sw[1]}")
    if s2[-1] != sw[2]:
        raise RuntimeError(f"bilinear(): input2 size does not match weight size: got {s2[-1]} but expected "
                           f"{sw[2]}")
    out_f, in1, in2 = sw
    # one GEMM: input1 (.., i) @ W as (i, o*j), then contract j with input2
    w2 = weight.permute(1, 0, 2).reshape(in1, out_f * in2)
    t = input1.matmul(w2).reshape(*s1[:-1], out_f, in2)
    out = (t * input2.unsqueeze(-2)).sum(-1)
    return out if bias is None else out + bias


# the other families (activations, losses, conv, pooling, normalization ...) live in nn/_functional/
from ._functional import *  # noqa: E402,F403

"""Matrix products (matmul and its family, einsum, tensordot, kron, trace, cross, cdist).

The decompositions, solves and norms live in `linalg_decomp.py`; their PyTorch top-level aliases and
methods (`torch.inverse`, `Tensor.det`, ...) are re-exported from here. Products check shapes and dtypes
in Python before the op runs, so that the op's forward is a bare BLAS call.
"""

from __future__ import annotations

import numpy as np

from ..backend.device import xp_of
from ._common import Op, Tensor, make_view, wrap_dim
from .linalg_decomp import (
    _cpp_name,
    _to_out,
    cholesky,
    det,
    inverse,
    logdet,
    matrix_power,
    out_arg,
    pinverse,
    slogdet,
    svd,
    vector_norm,
)
from .linalg_decomp import _sname as scalar_name
from .linalg_decomp import _torch_qr as qr

__all__ = [
    "matmul", "mm", "mv", "bmm", "dot", "vdot", "inner", "outer", "ger", "addmm", "addmv", "addbmm",
    "baddbmm", "einsum", "tensordot", "kron", "trace", "cross", "cdist", "chain_matmul", "inverse", "det",
    "logdet", "slogdet", "pinverse", "matrix_power", "cholesky", "svd", "qr",
]
METHODS = ("matmul", "mm", "mv", "bmm", "dot", "vdot", "inner", "outer", "ger", "addmm", "addmv", "addbmm",
           "baddbmm", "addmm_", "addmv_", "addbmm_", "baddbmm_", "kron", "trace", "cross", "inverse", "det",
           "logdet", "slogdet", "pinverse", "matrix_power", "cholesky", "svd", "qr")
INPLACE = ()

def _tensor_arg(x, fname: str, argname: str, pos: int) -> Tensor:
    if isinstance(x, Tensor):
        return x
    raise TypeError(f"{fname}(): argument '{argname}' (position {pos}) must be Tensor, not "
                    f"{type(x).__name__}")


def _not_bool(arr, kernel: str) -> None:
    if arr.dtype.kind == "b":
        raise NotImplementedError(f'"{kernel}" not implemented for \'Bool\'')


def _rows(shape: tuple) -> int:
    """The number of rows of a stack of matrices (or of a vector) flattened into one matrix."""
    n = 1
    for s in shape[:-1]:
        n *= s
    return n


def _mmul(a, b):
    """np.matmul (BLAS for any strides, transposed views included); a contiguous stack of matrices
    times one matrix is a single GEMM."""
    if a.ndim > 2 and b.ndim == 2 and a.flags.c_contiguous:
        return np.matmul(a.reshape(_rows(a.shape), a.shape[-1]), b).reshape(a.shape[:-1] + (b.shape[-1],))
    return np.matmul(a, b)


def _broadcast_batch(sa: tuple, sb: tuple) -> tuple:
    """Broadcast two batch shapes with PyTorch's error message."""
    n = max(len(sa), len(sb))
    sa = (1,) * (n - len(sa)) + tuple(sa)
    sb = (1,) * (n - len(sb)) + tuple(sb)
    out = []
    for i, (x, y) in enumerate(zip(sa, sb)):
        if x != y and x != 1 and y != 1:
            raise RuntimeError(f"The size of tensor a ({x}) must match the size of tensor b ({y}) at "
                               f"non-singleton dimension {i}")
        out.append(y if x == 1 else x)
    return tuple(out)


def _check_expand(t: Tensor, target: tuple) -> None:
    """The error Tensor.expand gives when `t` does not broadcast to `target` (addmm's `input`)."""
    shape = t._data.shape
    if len(target) < len(shape):
        raise RuntimeError(f"expand({t.type()}{{{list(shape)}}}, size={list(target)}): the number of sizes "
                           f"provided ({len(target)}) must be greater or equal to the number of dimensions "
                           f"in the tensor ({len(shape)})")
    lead = len(target) - len(shape)
    for i, s in enumerate(shape):
        if s != 1 and s != target[lead + i]:
            raise RuntimeError(f"The expanded size of the tensor ({target[lead + i]}) must match the "
                               f"existing size ({s}) at non-singleton dimension {lead + i}.  Target sizes: "
                               f"{list(target)}.  Tensor sizes: {list(shape)}")


# -- the product kernels -------------------------------------------------------------------------------

class Dot(Op):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return np.dot(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        need = ctx.needs_input_grad
        return (g * b if need[0] else None), (g * a if need[1] else None)

    @staticmethod
    def backward_array(ctx, g):
        a, b = ctx.saved_tensors
        need = ctx.needs_input_grad
        return (g * b._data if need[0] else None), (g * a._data if need[1] else None)


class Vdot(Dot):
    pass


class Mv(Op):
    @staticmethod
    def forward(ctx, m, v):
        ctx.save_for_backward(m, v)
        return np.matmul(m, v)

    @staticmethod
    def backward(ctx, g):
        m, v = ctx.saved_tensors
        need = ctx.needs_input_grad
        gm = g.unsqueeze(-1) * v if need[0] else None
        gv = mv(m.mT, g) if need[1] else None
        return gm, gv


class Mm(Op):
    """2-D @ 2-D: the GEMM under every Linear layer."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return np.matmul(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        need = ctx.needs_input_grad
        return (mm(g, b.mT) if need[0] else None), (mm(a.mT, g) if need[1] else None)

    @staticmethod
    def backward_array(ctx, g):
        a, b = ctx.saved_tensors
        need = ctx.needs_input_grad
        g = g
        ga = np.matmul(g, b._data.T) if need[0] else None
        gb = np.matmul(a._data.T, g) if need[1] else None
        return ga, gb


class Bmm(Op):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return np.matmul(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        need = ctx.needs_input_grad
        return (bmm(g, b.mT) if need[0] else None), (bmm(a.mT, g) if need[1] else None)


class Matmul(Op):
    """np.matmul semantics for the batched cases: 1-D operands are promoted then squeezed, batch dims
    broadcast. Gradients come back at the broadcast shape; the engine sums them to each input's."""

    _name = "UnsafeViewBackward0"

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return _mmul(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        return _matmul_grads(a, b, g, ctx.needs_input_grad, _TensorOps)

    @staticmethod
    def backward_array(ctx, g):
        a, b = ctx.saved_tensors
        return _matmul_grads(a._data, b._data, g, ctx.needs_input_grad, _ArrayOps)


class _TensorOps:
    @staticmethod
    def mt(x):
        return x.mT

    matmul = staticmethod(lambda a, b: Matmul.apply(a, b))
    unsqueeze = staticmethod(lambda x, d: x.unsqueeze(d))
    squeeze = staticmethod(lambda x, d: x.squeeze(d))
    reshape = staticmethod(lambda x, s: x.reshape(s))
    shape = staticmethod(lambda x: x._data.shape)


class _ArrayOps:
    @staticmethod
    def mt(x):
        return np.swapaxes(x, -1, -2)

    matmul = staticmethod(_mmul)
    unsqueeze = staticmethod(np.expand_dims)
    squeeze = staticmethod(np.squeeze)
    reshape = staticmethod(np.reshape)
    shape = staticmethod(lambda x: x.shape)


def _matmul_grads(a, b, g, need, ops):
    """Gradients of a @ b, for Tensors or arrays (ops gives the primitives)."""
    a1, b1 = len(ops.shape(a)) == 1, len(ops.shape(b)) == 1
    a2 = ops.unsqueeze(a, 0) if a1 else a
    b2 = ops.unsqueeze(b, -1) if b1 else b
    g2 = ops.unsqueeze(g, -2) if a1 else g
    g2 = ops.unsqueeze(g2, -1) if b1 else g2
    ga = gb = None
    if need[0]:
        ga = ops.matmul(g2, ops.mt(b2))
        if a1:
            ga = ops.squeeze(ga, -2)
    if need[1]:
        sa = ops.shape(a2)
        if len(ops.shape(b2)) == 2 and len(sa) > 2:
            # a stack times one matrix: the batch sum is part of one GEMM
            rows = _rows(sa)
            flat_a = ops.reshape(a2, (rows, sa[-1]))
            gb = ops.matmul(ops.mt(flat_a), ops.reshape(g2, (rows, ops.shape(g2)[-1])))
        else:
            gb = ops.matmul(ops.mt(a2), g2)
        if b1:
            gb = ops.squeeze(gb, -1)
    return ga, gb


class Addmm(Op):
    """beta * input + alpha * (mat1 @ mat2)."""

    @staticmethod
    def forward(ctx, inp, m1, m2, beta, alpha):
        ctx.save_for_backward(m1, m2)
        ctx.beta, ctx.alpha = beta, alpha
        out = np.matmul(m1, m2)
        return _scale_add(out, inp, beta, alpha)

    @staticmethod
    def backward(ctx, g):
        m1, m2 = ctx.saved_tensors
        need = ctx.needs_input_grad
        alpha = ctx.alpha
        gi = _scaled(g, ctx.beta) if need[0] else None
        g1 = _scaled(mm(g, m2.mT), alpha) if need[1] else None
        g2 = _scaled(mm(m1.mT, g), alpha) if need[2] else None
        return gi, g1, g2, None, None

    @staticmethod
    def backward_array(ctx, g):
        m1, m2 = ctx.saved_tensors
        need = ctx.needs_input_grad
        alpha = ctx.alpha
        g = g
        gi = _scaled(g, ctx.beta) if need[0] else None
        g1 = _scaled(np.matmul(g, m2._data.T), alpha) if need[1] else None
        g2 = _scaled(np.matmul(m1._data.T, g), alpha) if need[2] else None
        return gi, g1, g2, None, None


def _scaled(x, s):
    return x if s == 1 else x * s


def _scale_add(prod, inp, beta, alpha):
    """beta * inp + alpha * prod in prod's dtype, reusing prod's fresh buffer; beta == 0 ignores inp
    (NaNs in it do not propagate), as in PyTorch."""
    dt = prod.dtype
    if alpha != 1:
        prod = np.multiply(prod, alpha, out=prod, casting="unsafe") if prod.dtype.kind == "f" else \
            (prod * alpha).astype(dt)
    if beta == 0:
        return prod
    term = inp if beta == 1 else inp * beta
    if prod.shape == np.broadcast_shapes(prod.shape, term.shape) and prod.dtype.kind == "f":
        return np.add(prod, term, out=prod, casting="unsafe")
    return (prod + term).astype(dt, copy=False)


class Addmv(Op):
    @staticmethod
    def forward(ctx, inp, m, v, beta, alpha):
        ctx.save_for_backward(m, v)
        ctx.beta, ctx.alpha = beta, alpha
        return _scale_add(np.matmul(m, v), inp, beta, alpha)

    @staticmethod
    def backward(ctx, g):
        m, v = ctx.saved_tensors
        need = ctx.needs_input_grad
        gi = _scaled(g, ctx.beta) if need[0] else None
        gm = _scaled(g.unsqueeze(-1) * v, ctx.alpha) if need[1] else None
        gv = _scaled(mv(m.mT, g), ctx.alpha) if need[2] else None
        return gi, gm, gv, None, None


class Addbmm(Op):
    """beta * input + alpha * sum_b batch1[b] @ batch2[b]."""

    @staticmethod
    def forward(ctx, inp, b1, b2, beta, alpha):
        ctx.save_for_backward(b1, b2)
        ctx.beta, ctx.alpha = beta, alpha
        # the batch sum is a single GEMM: [A_1 .. A_B] @ [B_1; ..; B_B]
        nb, n, m = b1.shape
        lhs = np.transpose(b1, (1, 0, 2)).reshape(n, nb * m)
        rhs = b2.reshape(nb * m, b2.shape[2])
        return _scale_add(np.matmul(lhs, rhs), inp, beta, alpha)

    @staticmethod
    def backward(ctx, g):
        b1, b2 = ctx.saved_tensors
        need = ctx.needs_input_grad
        gi = _scaled(g, ctx.beta) if need[0] else None
        gb = g.unsqueeze(0)
        g1 = _scaled(matmul(gb, b2.mT), ctx.alpha) if need[1] else None
        g2 = _scaled(matmul(b1.mT, gb), ctx.alpha) if need[2] else None
        return gi, g1, g2, None, None


class Baddbmm(Op):
    @staticmethod
    def forward(ctx, inp, b1, b2, beta, alpha):
        ctx.save_for_backward(b1, b2)
        ctx.beta, ctx.alpha = beta, alpha
        return _scale_add(np.matmul(b1, b2), inp, beta, alpha)

    @staticmethod
    def backward(ctx, g):
        b1, b2 = ctx.saved_tensors
        need = ctx.needs_input_grad
        gi = _scaled(g, ctx.beta) if need[0] else None
        g1 = _scaled(bmm(g, b2.mT), ctx.alpha) if need[1] else None
        g2 = _scaled(bmm(b1.mT, g), ctx.alpha) if need[2] else None
        return gi, g1, g2, None, None


# -- the product functions -----------------------------------------------------------------------------

def _dot_checks(a, b, fname: str = "dot") -> None:
    if a.ndim != 1 or b.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {a.ndim}D and {b.ndim}D tensors")
    if a.dtype != b.dtype:
        raise RuntimeError(f"{fname} : expected both vectors to have same dtype, but found "
                           f"{scalar_name(a.dtype)} and {scalar_name(b.dtype)}")
    if a.shape[0] != b.shape[0]:
        raise RuntimeError(f"inconsistent tensor size, expected tensor [{a.shape[0]}] and src [{b.shape[0]}] "
                           f"to have the same number of elements, but got {a.shape[0]} and {b.shape[0]} "
                           "elements respectively")
    _not_bool(a, "dot")


def _mm_checks(a, b) -> None:
    if a.shape[1] != b.shape[0]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({a.shape[0]}x{a.shape[1]} and "
                           f"{b.shape[0]}x{b.shape[1]})")
    if a.dtype != b.dtype:
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: {_cpp_name(a.dtype)} != "
                           f"{_cpp_name(b.dtype)}")
    _not_bool(a, "addmm_impl_cpu_")


def _mv_checks(m, v) -> None:
    if m.shape[1] != v.shape[0]:
        raise RuntimeError(f"size mismatch, got input ({m.shape[0]}), mat ({m.shape[0]}x{m.shape[1]}), "
                           f"vec ({v.shape[0]})")
    if m.dtype != v.dtype:
        raise RuntimeError(f"addmv input tensors must have the same dtype, but got {scalar_name(v.dtype)}, "
                           f"{scalar_name(m.dtype)}, and {scalar_name(v.dtype)}")
    _not_bool(m, "addmv_impl_cpu")


def matmul(input: Tensor, other: Tensor, *, out=None) -> Tensor:
    """Matrix product with broadcasting over batch dims; 1-D operands are promoted and squeezed."""
    if out is not None:
        return _to_out(matmul(input, other), out, "matmul")
    _tensor_arg(input, "matmul", "input", 1)
    _tensor_arg(other, "matmul", "other", 2)
    a, b = input._data, other._data
    na, nb = a.ndim, b.ndim
    if na == 2 and nb == 2:
        _mm_checks(a, b)
        return Mm.apply(input, other)
    if na == 0 or nb == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are {na}D and {nb}D")
    if na == 1 and nb == 1:
        _dot_checks(a, b)
        return Dot.apply(input, other)
    if nb == 1:
        # a stack of matrices times a vector is one matrix-vector product in PyTorch's view
        _mv_checks(a.reshape(_rows(a.shape), a.shape[-1]) if na > 2 else a, b)
        if na == 2:
            return Mv.apply(input, other)
        return Matmul.apply(input, other)
    if nb == 2:
        # 1-D @ 2-D, and a stack of matrices @ a matrix (folded into one mm)
        _mm_checks(a.reshape(_rows(a.shape), a.shape[-1]), b)
        out = Matmul.apply(input, other)
        if na == 1 and out.grad_fn is not None:
            out.grad_fn._name = "SqueezeBackward4"
        return out
    batch = _broadcast_batch(a.shape[:-2], b.shape[:-2])
    nbatch = int(np.prod(batch))
    if a.shape[-1] != b.shape[-2]:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{nbatch}, {a.shape[-1]}] but got: [{nbatch}, {b.shape[-2]}].")
    if a.dtype != b.dtype:
        raise RuntimeError(f"expected scalar type {scalar_name(a.dtype)} but found {scalar_name(b.dtype)}")
    _not_bool(a, "bmm")
    return Matmul.apply(input, other)


def mm(input: Tensor, mat2: Tensor, *, out=None) -> Tensor:
    """2-D matrix product (no broadcasting)."""
    if out is not None:
        return _to_out(mm(input, mat2), out, "mm")
    _tensor_arg(input, "mm", "input", 1)
    _tensor_arg(mat2, "mm", "mat2", 2)
    if input._data.ndim != 2:
        raise RuntimeError("self must be a matrix")
    if mat2._data.ndim != 2:
        raise RuntimeError("mat2 must be a matrix")
    _mm_checks(input._data, mat2._data)
    return Mm.apply(input, mat2)


@out_arg("mv")
def mv(input: Tensor, vec: Tensor) -> Tensor:
    """Matrix-vector product."""
    m, v = input._data, vec._data
    if m.ndim != 2 or v.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got 1, {m.ndim}, {v.ndim}")
    _mv_checks(m, v)
    return Mv.apply(input, vec)


@out_arg("bmm")
def bmm(input: Tensor, mat2: Tensor) -> Tensor:
    """Batched matrix product of two 3-D tensors with the same batch size."""
    a, b = input._data, mat2._data
    if a.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if b.ndim != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    if b.shape[0] != a.shape[0] or b.shape[1] != a.shape[2]:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{a.shape[0]}, {a.shape[2]}] but got: [{b.shape[0]}, {b.shape[1]}].")
    if a.dtype != b.dtype:
        raise RuntimeError(f"expected scalar type {scalar_name(a.dtype)} but found {scalar_name(b.dtype)}")
    _not_bool(a, "bmm")
    return Bmm.apply(input, mat2)


@out_arg("dot")
def dot(input: Tensor, tensor: Tensor) -> Tensor:
    """Inner product of two 1-D tensors of the same dtype."""
    _dot_checks(input._data, tensor._data)
    return Dot.apply(input, tensor)


@out_arg("vdot")
def vdot(input: Tensor, other: Tensor) -> Tensor:
    """Inner product of two 1-D tensors, conjugating the first (a plain dot for real tensors)."""
    _dot_checks(input._data, other._data)
    return Vdot.apply(input, other)


@out_arg("inner")
def inner(input: Tensor, other: Tensor) -> Tensor:
    """Sum of products over the last dims (a scalar operand multiplies)."""
    a, b = input._data, other._data
    if a.ndim == 0 or b.ndim == 0:
        return input * other
    if a.shape[-1] != b.shape[-1]:
        raise RuntimeError(f"inner() the last dimension must match on both input tensors but got shapes "
                           f"{list(a.shape)} and {list(b.shape)}")
    if a.dtype != b.dtype:
        raise RuntimeError("both inputs should have same dtype")
    return tensordot(input, other, ([-1], [-1]))


@out_arg("outer")
def outer(input: Tensor, vec2: Tensor) -> Tensor:
    """Outer product of two 1-D tensors (promoting dtypes)."""
    for name, t in (("self", input), ("vec2", vec2)):
        if t._data.ndim != 1:
            raise RuntimeError(f"outer: Expected 1-D argument {name}, but got {t._data.ndim}-D")
    return input.reshape(-1, 1) * vec2


ger = outer


def _addmm_checks(inp, m1, m2) -> None:
    for name, m in (("mat1", m1), ("mat2", m2)):
        if m._data.ndim != 2:
            raise RuntimeError(f"{name} must be a matrix, got {m._data.ndim}-D tensor")
    if inp._data.dtype != m2._data.dtype:
        raise RuntimeError(f"self and mat2 must have the same dtype, but got {scalar_name(inp._data.dtype)} "
                           f"and {scalar_name(m2._data.dtype)}")
    if m1._data.dtype != m2._data.dtype:
        raise RuntimeError(f"mat1 and mat2 must have the same dtype, but got {scalar_name(m1._data.dtype)} "
                           f"and {scalar_name(m2._data.dtype)}")
    _mm_checks(m1._data, m2._data)
    _check_expand(inp, (m1._data.shape[0], m2._data.shape[1]))


def addmm(input: Tensor, mat1: Tensor, mat2: Tensor, *, beta=1, alpha=1, out=None) -> Tensor:
    """beta * input + alpha * (mat1 @ mat2); input broadcasts to the product's shape."""
    _addmm_checks(input, mat1, mat2)
    res = Addmm.apply(input, mat1, mat2, beta, alpha)
    return res if out is None else _to_out(res, out, "addmm")


@out_arg("addmv")
def addmv(input: Tensor, mat: Tensor, vec: Tensor, *, beta=1, alpha=1) -> Tensor:
    """beta * input + alpha * (mat @ vec)."""
    i, m, v = input._data, mat._data, vec._data
    if i.ndim > 1 or m.ndim != 2 or v.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got {i.ndim}, {m.ndim}, {v.ndim}")
    if not i.dtype == m.dtype == v.dtype:
        raise RuntimeError(f"addmv input tensors must have the same dtype, but got {scalar_name(i.dtype)}, "
                           f"{scalar_name(m.dtype)}, and {scalar_name(v.dtype)}")
    n_in = i.shape[0] if i.ndim else 1
    if m.shape[1] != v.shape[0] or (n_in != m.shape[0] and n_in != 1):
        raise RuntimeError(f"size mismatch, got input ({n_in}), mat ({m.shape[0]}x{m.shape[1]}), "
                           f"vec ({v.shape[0]})")
    _not_bool(m, "addmv_impl_cpu")
    return Addmv.apply(input, mat, vec, beta, alpha)


def _inplace_size(self: Tensor, shape: tuple) -> None:
    if self._data.shape != shape:
        raise RuntimeError(f"Bad in-place call: input tensor size {list(self._data.shape)} and output tensor "
                           f"size {list(shape)} should match")


def addmm_(self: Tensor, mat1: Tensor, mat2: Tensor, *, beta=1, alpha=1) -> Tensor:
    """In-place addmm: self = beta * self + alpha * (mat1 @ mat2)."""
    _addmm_checks(self, mat1, mat2)
    _inplace_size(self, (mat1._data.shape[0], mat2._data.shape[1]))
    return self._inplace(addmm, mat1, mat2, beta=beta, alpha=alpha)


def addmv_(self: Tensor, mat: Tensor, vec: Tensor, *, beta=1, alpha=1) -> Tensor:
    """In-place addmv."""
    if mat._data.ndim == 2:
        _inplace_size(self, (mat._data.shape[0],))
    return self._inplace(addmv, mat, vec, beta=beta, alpha=alpha)


def addbmm_(self: Tensor, batch1: Tensor, batch2: Tensor, *, beta=1, alpha=1) -> Tensor:
    """In-place addbmm."""
    return self._inplace(addbmm, batch1, batch2, beta=beta, alpha=alpha)


def baddbmm_(self: Tensor, batch1: Tensor, batch2: Tensor, *, beta=1, alpha=1) -> Tensor:
    """In-place baddbmm."""
    _batch_checks(batch1, batch2)
    _inplace_size(self, (batch1._data.shape[0], batch1._data.shape[1], batch2._data.shape[2]))
    return self._inplace(baddbmm, batch1, batch2, beta=beta, alpha=alpha)


def _batch_checks(b1, b2) -> None:
    for name, b in (("batch1", b1), ("batch2", b2)):
        if b._data.ndim != 3:
            raise RuntimeError(f"{name} must be a 3D tensor")


@out_arg("addbmm")
def addbmm(input: Tensor, batch1: Tensor, batch2: Tensor, *, beta=1, alpha=1) -> Tensor:
    """beta * input + alpha * (sum over the batch of batch1[i] @ batch2[i])."""
    _batch_checks(batch1, batch2)
    a, b = batch1._data, batch2._data
    if input._data.dtype != b.dtype:
        raise RuntimeError("self and mat2 must have the same dtype, but got "
                           f"{scalar_name(input._data.dtype)} "
                           f"and {scalar_name(b.dtype)}")
    if a.dtype != b.dtype:
        raise RuntimeError(f"mat1 and mat2 must have the same dtype, but got {scalar_name(a.dtype)} and "
                           f"{scalar_name(b.dtype)}")
    if a.shape[0] != b.shape[0]:
        raise RuntimeError(f"batch1 and batch2 must have same number of batches, got {a.shape[0]} and "
                           f"{b.shape[0]}")
    if a.shape[2] != b.shape[1]:
        raise RuntimeError(f"Incompatible matrix sizes for bmm ({a.shape[1]}x{a.shape[2]} and "
                           f"{b.shape[1]}x{b.shape[2]})")
    _not_bool(a, "addbmm")
    _check_expand(input, (a.shape[1], b.shape[2]))
    return Addbmm.apply(input, batch1, batch2, beta, alpha)


@out_arg("baddbmm")
def baddbmm(input: Tensor, batch1: Tensor, batch2: Tensor, *, beta=1, alpha=1) -> Tensor:
    """beta * input + alpha * bmm(batch1, batch2)."""
    _batch_checks(batch1, batch2)
    i, a, b = input._data, batch1._data, batch2._data
    if i.dtype != a.dtype:
        raise RuntimeError(f"Input dtypes must be the same, got: input {_cpp_name(i.dtype)}, batch1: "
                           f"{_cpp_name(a.dtype)}, batch2: {_cpp_name(b.dtype)}")
    if b.shape[0] != a.shape[0] or b.shape[1] != a.shape[2]:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{a.shape[0]}, {a.shape[2]}] but got: [{b.shape[0]}, {b.shape[1]}].")
    if a.dtype != b.dtype:
        raise RuntimeError(f"expected scalar type {scalar_name(a.dtype)} but found {scalar_name(b.dtype)}")
    _not_bool(a, "baddbmm")
    _check_expand(input, (a.shape[0], a.shape[1], b.shape[2]))
    return Baddbmm.apply(input, batch1, batch2, beta, alpha)


def chain_matmul(*matrices) -> Tensor:
    """Deprecated product of 2-D matrices (linalg.multi_dot)."""
    import warnings

    from ..linalg import multi_dot

    warnings.warn("torch.chain_matmul is deprecated and will be removed in a future PyTorch release. Use "
                  "torch.linalg.multi_dot instead, which accepts a list of two or more tensors rather than "
                  "multiple parameters.", UserWarning, stacklevel=2)
    if len(matrices) == 1:
        return matrices[0].clone()
    return multi_dot(matrices)


# -- einsum --------------------------------------------------------------------------------------------

_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def _parse_einsum(eq: str, shapes: list) -> tuple:
    """Parse an einsum equation against the operands' shapes, with PyTorch's errors.

    Returns (terms, out): each a list of labels, the ellipsis spelled out as fresh letters."""
    arrow = eq.find("->")
    lhs = eq if arrow < 0 else eq[:arrow]
    rhs = None if arrow < 0 else eq[arrow + 2:]
    # each term as a list of labels, None marking the ellipsis position
    terms: list = [[]]
    dots = 0
    for i, c in enumerate(lhs):
        if c == " ":
            continue
        if c == ",":
            if dots:
                raise RuntimeError(f"einsum(): found '.' for operand {len(terms) - 1} that is not part of "
                                   "any ellipsis")
            terms.append([])
            continue
        if c == ".":
            if None in terms[-1]:
                raise RuntimeError(f"einsum(): found '.' for operand {len(terms) - 1} for which an ellipsis "
                                   "was already found")
            dots += 1
            if dots == 3:
                terms[-1].append(None)
                dots = 0
            continue
        if dots:
            raise RuntimeError(f"einsum(): found '.' for operand {len(terms) - 1} that is not part of any "
                               "ellipsis")
        if c not in _LETTERS:
            raise RuntimeError(f"einsum(): invalid subscript given at index {i} in the equation string, "
                               "subscripts must be in [a-zA-Z]")
        terms[-1].append(c)
    if dots:
        raise RuntimeError(f"einsum(): found '.' for operand {len(terms) - 1} that is not part of any "
                           "ellipsis")
    if len(terms) > len(shapes):
        raise RuntimeError("einsum(): fewer operands were provided than specified in the equation")
    if len(terms) < len(shapes):
        raise RuntimeError("einsum(): more operands were provided than specified in the equation")
    ell = 0
    for k, (t, shape) in enumerate(zip(terms, shapes)):
        named = len(t) - (None in t)
        if None in t:
            if named > len(shape):
                raise RuntimeError(f"einsum(): the number of subscripts in the equation ({named}) is more "
                                   f"than the number of dimensions ({len(shape)}) for operand {k}")
            ell = max(ell, len(shape) - named)
        elif named != len(shape):
            raise RuntimeError(f"einsum(): the number of subscripts in the equation ({named}) does not match "
                               f"the number of dimensions ({len(shape)}) for operand {k} and no ellipsis was "
                               "given")
    used = {c for t in terms for c in t if c is not None}
    if rhs is not None:
        used |= {c for c in rhs if c in _LETTERS}
    fresh = [c for c in _LETTERS if c not in used]
    if ell > len(fresh):
        raise RuntimeError("einsum(): too many subscripts in the equation")
    ell_labels = fresh[:ell]
    out_terms = []
    for t, shape in zip(terms, shapes):
        if None in t:
            n = len(shape) - (len(t) - 1)
            p = t.index(None)
            t = t[:p] + ell_labels[ell - n:] + t[p + 1:]
        out_terms.append(t)
    if rhs is None:
        counts: dict = {}
        for t in terms:
            for c in t:
                if c is not None:
                    counts[c] = counts.get(c, 0) + 1
        out = ell_labels + sorted(c for c, n in counts.items() if n == 1)
    else:
        out = []
        dots = 0
        seen_ell = False
        for i, c in enumerate(rhs):
            if c == " ":
                continue
            if c == ".":
                if seen_ell:
                    raise RuntimeError("einsum(): found '.' for output for which an ellipsis was already "
                                       "found")
                dots += 1
                if dots == 3:
                    out.extend(ell_labels)
                    seen_ell = True
                    dots = 0
                continue
            if dots:
                raise RuntimeError("einsum(): found '.' for output that is not part of any ellipsis (...)")
            if c not in _LETTERS:
                raise RuntimeError(f"einsum(): invalid subscript given at index {len(lhs) + 2 + i} in the "
                                   "equation string, subscripts must be in [a-zA-Z]")
            if c in out:
                raise RuntimeError(f"einsum(): output subscript {c} appears more than once in the output")
            if not any(c in t for t in terms):
                raise RuntimeError(f"einsum(): output subscript {c} does not appear in the equation for any "
                                   "input operand")
            out.append(c)
        if dots:
            raise RuntimeError("einsum(): found '.' for output that is not part of any ellipsis (...)")
    return out_terms, out, set(ell_labels)


def _einsum_sizes(terms, shapes, ell_set) -> dict:
    """The size of every label, broadcasting size 1 against the others, with PyTorch's errors."""
    sizes: dict = {}
    for k, (t, shape) in enumerate(zip(terms, shapes)):
        mine: dict = {}
        for c, n in zip(t, shape):
            if c in mine:
                if mine[c] != n:
                    raise RuntimeError(f"einsum(): subscript {c} is repeated for operand {k} but the sizes "
                                       f"don't match, {n} != {mine[c]}")
                continue
            dim = len(mine)  # PyTorch counts dims after taking the diagonals of repeated subscripts
            mine[c] = n
            prev = sizes.get(c)
            if prev is None or prev == 1:
                sizes[c] = n
            elif n != 1 and n != prev:
                if c in ell_set:
                    raise RuntimeError(f"einsum(): dimension {dim} covered by ellipsis in operand {k}has "
                                       f"size {n} which does not broadcast with previously seen ellipsis "
                                       f"with size {prev} for the respective dimension")
                raise RuntimeError(f"einsum(): subscript {c} has size {n} for operand {k} which does not "
                                   f"broadcast with previously seen size {prev}")
    return sizes


class Einsum(Op):
    """An explicit einsum ("ab,bc->ac": letters only, no broadcasting of labelled dims).

    The gradient of each operand is itself an einsum of the output gradient with the other operands;
    repeated letters in an operand (diagonals) and letters summed out of that operand alone are handled
    with identity matrices and ones vectors as extra constant operands."""

    @staticmethod
    def forward(ctx, spec, *arrays):
        terms, out = spec
        ctx.spec = spec
        ctx.shapes = [a.shape for a in arrays]
        if len(arrays) > 1:  # an operand's gradient needs the other operands only
            ctx.save_for_backward(*arrays)
        eq = ",".join(terms) + "->" + out
        if len(arrays) == 1:
            res = np.einsum(eq, arrays[0])
            if res.dtype.kind in "bui" and set(terms[0]) - set(out):
                res = np.einsum(eq, arrays[0], dtype=np.int64)  # integer sums are int64, as sum()
        else:
            res = np.einsum(eq, *arrays, optimize=len(arrays) > 2 or max(a.size for a in arrays) > 64)
        return res

    @staticmethod
    def backward(ctx, g):
        terms, out = ctx.spec
        ops = ctx.saved_tensors if len(ctx.shapes) > 1 else (None,)
        grads = [None]
        for k in range(len(ops)):
            if not ctx.needs_input_grad[k + 1]:
                grads.append(None)
                continue
            grads.append(_einsum_operand_grad(k, terms, out, ops, ctx.shapes[k], g))
        return tuple(grads)


def _einsum_operand_grad(k, terms, out, ops, shape, g):
    target = terms[k]
    sizes = dict(zip(target, shape))
    used = set("".join(terms)) | set(out)
    fresh = iter(c for c in _LETTERS if c not in used)
    in_terms = [out] + [t for j, t in enumerate(terms) if j != k]
    operands = [g] + [o for j, o in enumerate(ops) if j != k]
    available = set("".join(in_terms))
    arr = g._data
    xp = xp_of(arr)
    seen: set = set()
    res_labels = []
    for c in target:
        if c in seen:
            # a repeated letter: a fresh letter tied to c by an identity matrix puts values on the diagonal
            f = next(fresh)
            res_labels.append(f)
            in_terms.append(c + f)
            operands.append(Tensor._make(xp.eye(sizes[c], dtype=arr.dtype)))
            continue
        seen.add(c)
        res_labels.append(c)
        if c not in available:
            # summed out of this operand only: its gradient is constant along c
            in_terms.append(c)
            operands.append(Tensor._make(xp.ones(sizes[c], dtype=arr.dtype)))
            available.add(c)
    return einsum(",".join(in_terms) + "->" + "".join(res_labels), *operands)


def _sublist_equation(args) -> tuple:
    """einsum(op1, sublist1, op2, sublist2, ..., [sublist_out]) as an equation and operands."""
    def labels(sub) -> str:
        s = []
        for v in sub:
            if v is Ellipsis:
                s.append("...")
                continue
            v = int(v)
            if not 0 <= v < 52:
                raise ValueError("einsum(): subscript in subscript list is not within the valid range [0, "
                                 "52)")
            s.append(_LETTERS[v])
        return "".join(s)

    ops = list(args[0::2])
    subs = list(args[1::2])
    out = None
    if len(args) % 2 == 1 and len(args) > 1:
        out = ops.pop()
    if len(subs) < len(ops):
        subs.append(None)
    eq = ",".join(labels(s) for s in subs if s is not None)
    if out is not None:
        eq += "->" + labels(out)
    return eq, ops


def einsum(*args) -> Tensor:
    """Einstein summation: `einsum("ij,jk->ik", a, b)`, `einsum(eq, [a, b])` or the sublist form
    `einsum(a, [0, 1], b, [1, 2], [0, 2])`; supports `...`, repeated subscripts and broadcasting."""
    if len(args) < 2:
        raise ValueError("einsum(): must specify the equation string and at least one operand, or at least "
                         "one operand and its subscripts list")
    if isinstance(args[0], str):
        eq, ops = args[0], list(args[1:])
        if len(ops) == 1 and isinstance(ops[0], (list, tuple)):
            ops = list(ops[0])
    else:
        eq, ops = _sublist_equation(args)
    for i, o in enumerate(ops):
        if not isinstance(o, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 1, but got {type(o).__name__}")
    shapes = [o._data.shape for o in ops]
    terms, out, ell_set = _parse_einsum(eq, shapes)
    sizes = _einsum_sizes(terms, shapes, ell_set)
    dt = ops[0]._data.dtype
    for o in ops[1:]:
        if o._data.dtype != dt:
            raise RuntimeError(f"expected scalar type {scalar_name(dt)} but found "
                               f"{scalar_name(o._data.dtype)}")
    # drop the size-1 dims that broadcast against a larger size elsewhere
    src = ops
    for k, (t, o) in enumerate(zip(terms, ops)):
        drop = [i for i, c in enumerate(t) if o._data.shape[i] == 1 and sizes[c] != 1]
        if drop:
            terms[k] = [c for i, c in enumerate(t) if i not in drop]
            ops[k] = o.reshape(tuple(n for i, n in enumerate(o._data.shape) if i not in drop))
    spec = (tuple("".join(t) for t in terms), "".join(out))
    res = Einsum.apply(spec, *ops)
    if len(ops) == 1 and set(spec[0][0]) == set(spec[1]):
        # no summation: NumPy returned a view of the operand, as PyTorch does
        return make_view(res, src[0], lambda b: einsum(eq, b))
    return res


# -- tensordot, kron, trace, cross ---------------------------------------------------------------------

def _dims_list(d, name: str) -> list:
    if isinstance(d, Tensor):
        d = d.tolist()
    if isinstance(d, (int, np.integer)):
        raise TypeError(f"tensordot(): argument '{name}' (position 3) must be tuple of ints, not int")
    return [int(x) for x in d]


@out_arg("tensordot")
def tensordot(a: Tensor, b: Tensor, dims=2) -> Tensor:
    """Contract dims of a with dims of b: `dims` an int (last n of a with first n of b) or two lists."""
    na, nb = a._data.ndim, b._data.ndim
    if isinstance(dims, Tensor):
        dims = dims.tolist()
    if isinstance(dims, (int, np.integer)) and not isinstance(dims, bool):
        d = int(dims)
        if d < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={d}")
        if d > na or d > nb:
            raise RuntimeError(f"tensordot expects dims < ndim_a or ndim_b, but got dims={d}")
        da, db = list(range(-d, 0)), list(range(d))
    elif isinstance(dims, (list, tuple)):
        if len(dims) != 2:
            raise ValueError("too many values to unpack (expected 2)" if len(dims) > 2 else
                             f"not enough values to unpack (expected 2, got {len(dims)})")
        da, db = _dims_list(dims[0], "dims_self"), _dims_list(dims[1], "dims_other")
    else:
        raise RuntimeError("tensordot expects dims to be int or tuple[list[int], list[int]] or "
                           "list[list[int]] "
                           f"containing two lists, but got dims={dims}")
    if len(da) != len(db):
        raise RuntimeError("both dimension lists should have same length")
    if a._data.dtype != b._data.dtype:
        raise RuntimeError("both inputs should have same dtype")
    ca = [wrap_dim(x, na) for x in da]
    cb = [wrap_dim(x, nb) for x in db]
    for x, y, pa, pb in zip(da, db, ca, cb):
        sa, sb = a._data.shape[pa], b._data.shape[pb]
        if sa != sb:
            raise RuntimeError(f"contracted dimensions need to match, but first has size {sa} in dim {x} and "
                               f"second has size {sb} in dim {y}")
    free_a = [i for i in range(na) if i not in ca]
    free_b = [i for i in range(nb) if i not in cb]
    sa, sb = a._data.shape, b._data.shape
    m = int(np.prod([sa[i] for i in free_a]))
    k = int(np.prod([sa[i] for i in ca]))
    n = int(np.prod([sb[i] for i in free_b]))
    pa = a if free_a + ca == list(range(na)) else a.permute(free_a + ca)
    pb = b if cb + free_b == list(range(nb)) else b.permute(cb + free_b)
    res = mm(pa.reshape(m, k), pb.reshape(k, n))
    return res.reshape(tuple(sa[i] for i in free_a) + tuple(sb[i] for i in free_b))


@out_arg("kron")
def kron(input: Tensor, other: Tensor) -> Tensor:
    """Kronecker product (dtypes promote; the shorter shape is padded with leading 1s)."""
    sa, sb = input._data.shape, other._data.shape
    n = max(len(sa), len(sb))
    sa = (1,) * (n - len(sa)) + sa
    sb = (1,) * (n - len(sb)) + sb
    a = input.reshape(tuple(x for s in sa for x in (s, 1)))
    b = other.reshape(tuple(x for s in sb for x in (1, s)))
    return (a * b).reshape(tuple(x * y for x, y in zip(sa, sb)))


class Trace(Op):
    @staticmethod
    def forward(ctx, x):
        ctx.shape = x.shape
        dt = np.int64 if x.dtype.kind in "iu" else x.dtype
        return np.trace(x, dtype=dt)

    @staticmethod
    def backward(ctx, g):
        eye = Tensor._make(xp_of(g._data).eye(*ctx.shape, dtype=g._data.dtype))
        return g * eye


def trace(input: Tensor) -> Tensor:
    """Sum of the main diagonal of a 2-D tensor (integers sum to int64)."""
    if input._data.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {input._data.ndim}")
    _not_bool(input._data, "trace")
    return Trace.apply(input)


class LinalgCross(Op):
    @staticmethod
    def forward(ctx, a, b, dim):
        ctx.save_for_backward(a, b)
        ctx.dim = dim
        return np.cross(a, b, axis=dim)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        need = ctx.needs_input_grad
        ga = LinalgCross.apply(b, g, ctx.dim) if need[0] else None
        gb = LinalgCross.apply(g, a, ctx.dim) if need[1] else None
        return ga, gb, None


def _cross(input: Tensor, other: Tensor, dim: int) -> Tensor:
    a, b = input._data, other._data
    if a.ndim != b.ndim:
        raise RuntimeError("linalg.cross: inputs must have the same number of dimensions.")
    d = wrap_dim(dim, a.ndim)
    if a.shape[d] != 3 or b.shape[d] != 3:
        raise RuntimeError(f"linalg.cross: inputs dimension {dim} must have length 3. Got {a.shape[d]} and "
                           f"{b.shape[d]}")
    _broadcast_batch(a.shape, b.shape)
    if a.dtype != b.dtype:
        raise RuntimeError(f"expected scalar type {scalar_name(a.dtype)} but found {scalar_name(b.dtype)}")
    _not_bool(a, "cross")
    return LinalgCross.apply(input, other, d)


@out_arg("linalg_cross")
def linalg_cross(input: Tensor, other: Tensor, *, dim: int = -1) -> Tensor:
    """Cross product of 3-vectors along `dim` (batch dims broadcast)."""
    return _cross(input, other, dim)


@out_arg("cross")
def cross(input: Tensor, other: Tensor, dim: int | None = None) -> Tensor:
    """torch.cross: like linalg.cross, but dim=None picks the first dim of size 3."""
    if dim is None:
        import warnings

        warnings.warn("Using torch.cross without specifying the dim arg is deprecated.\nPlease either "
                      "pass the dim explicitly or simply use torch.linalg.cross.\nThe default value of dim "
                      "will change to agree with that of linalg.cross in a future release.", UserWarning,
                      stacklevel=3)
        shape = np.broadcast_shapes(input._data.shape, other._data.shape) \
            if input._data.ndim == other._data.ndim else input._data.shape
        for i, n in enumerate(shape):
            if n == 3:
                dim = i
                break
        else:
            raise RuntimeError("no dimension of size 3 in input")
    return _cross(input, other, dim)


# -- cdist ---------------------------------------------------------------------------------------------

class Cdist(Op):
    """Euclidean distances between the rows of two (batches of) matrices."""

    @staticmethod
    def forward(ctx, x1, x2, use_mm):
        if use_mm:
            # |a|^2 + |b|^2 - 2 a.b: one GEMM; clamped at 0 against rounding
            sq = (x1 * x1).sum(-1)[..., :, None] + (x2 * x2).sum(-1)[..., None, :]
            d2 = sq - 2 * np.matmul(x1, np.swapaxes(x2, -1, -2))
            out = np.sqrt(np.maximum(d2, 0))
        else:
            diff = x1[..., :, None, :] - x2[..., None, :, :]
            out = np.sqrt((diff * diff).sum(-1))
        out = out.astype(x1.dtype, copy=False)
        ctx.save_for_backward(x1, x2, out)
        return out

    @staticmethod
    def backward(ctx, g):
        x1, x2, d = ctx.saved_tensors
        need = ctx.needs_input_grad
        zero = d._data == 0
        # g / d, with 0 where the distance is 0 (PyTorch's subgradient there)
        safe = d + Tensor._make(zero.astype(d._data.dtype))
        r = g / safe * Tensor._make((~zero).astype(d._data.dtype))
        g1 = x1 * r.sum(-1).unsqueeze(-1) - r @ x2 if need[0] else None
        g2 = x2 * r.sum(-2).unsqueeze(-1) - r.mT @ x1 if need[1] else None
        return g1, g2, None


def cdist(x1: Tensor, x2: Tensor, p: float = 2.0, compute_mode: str = "use_mm_for_euclid_dist_if_necessary"
          ) -> Tensor:
    """p-norm distances between each row of x1 and each row of x2 (batch dims broadcast)."""
    a, b = x1._data, x2._data
    for name, t in (("X1", a), ("X2", b)):
        if t.ndim < 2:
            raise RuntimeError(f"cdist only supports at least 2D tensors, {name} got: {t.ndim}D")
    if a.shape[-1] != b.shape[-1]:
        raise RuntimeError(f"X1 and X2 must have the same number of columns. X1: {a.shape[-1]} X2: "
                           f"{b.shape[-1]}")
    for name, t in (("X1", a), ("X2", b)):
        if t.dtype.kind != "f":
            raise RuntimeError(f"cdist only supports floating-point dtypes, {name} got: "
                               f"{scalar_name(t.dtype)}")
    if a.dtype != b.dtype:
        raise RuntimeError(f"expected scalar type {scalar_name(a.dtype)} but found {scalar_name(b.dtype)}")
    if p < 0:
        raise RuntimeError("cdist only supports non-negative p values")
    _broadcast_batch(a.shape[:-2], b.shape[:-2])
    if p == 2:
        r1, r2 = a.shape[-2], b.shape[-2]
        use_mm = compute_mode == "use_mm_for_euclid_dist" or (
            compute_mode == "use_mm_for_euclid_dist_if_necessary" and (r1 > 25 or r2 > 25))
        return Cdist.apply(x1, x2, use_mm)
    return vector_norm(x1.unsqueeze(-2) - x2.unsqueeze(-3), p, dim=-1)


# -- Tensor operators ----------------------------------------------------------------------------------

def _matmul_op(self: Tensor, other):
    """`self @ other`: like PyTorch, a non-tensor operand leaves Python to raise its TypeError."""
    return matmul(self, other) if isinstance(other, Tensor) else NotImplemented


def _rmatmul_op(self: Tensor, other):
    return matmul(other, self) if isinstance(other, Tensor) else NotImplemented


DUNDERS = {"__matmul__": _matmul_op, "__rmatmul__": _rmatmul_op}

"""Inverses, determinants, solves, decompositions and norms (torch.linalg), on NumPy's LAPACK.

Every op takes batches of matrices (`(*, m, n)`). Gradients are written with differentiable ember ops
(matmul, solve, inverse, elementwise arithmetic with constant masks), so double backward works.
"""

from __future__ import annotations

import functools
import math
import warnings

import numpy as np

from ..autograd.grad_mode import state as grad_state
from ..backend import dtypes as _dt
from ..backend.device import xp_of
from ._common import Op, Tensor, wrap_dim
from .reduce import _return_type, return_types

__all__ = [
    "LinAlgError", "inv", "inv_ex", "inverse", "det", "logdet", "slogdet", "solve", "pinv", "pinverse", "qr",
    "eigh", "eigvalsh", "svd", "linalg_svd", "svdvals", "cholesky", "linalg_cholesky", "cholesky_ex",
    "matrix_power", "multi_dot", "lstsq", "linalg_norm", "vector_norm", "matrix_norm",
    "matrix_rank", "vecdot", "solve_triangular",
]


class LinAlgError(RuntimeError):
    """A linear algebra routine failed on its input (singular or not positive-definite matrices)."""


def _result_type(name: str, fields: tuple):
    """A torch.return_types.<name> tuple type, registered in ember.return_types."""
    cls = _return_type(name, fields)
    setattr(return_types, name, cls)
    return cls


linalg_slogdet_t = _result_type("linalg_slogdet", ("sign", "logabsdet"))
slogdet_t = _result_type("slogdet", ("sign", "logabsdet"))
linalg_qr_t = _result_type("linalg_qr", ("Q", "R"))
qr_t = _result_type("qr", ("Q", "R"))
linalg_eigh_t = _result_type("linalg_eigh", ("eigenvalues", "eigenvectors"))
linalg_svd_t = _result_type("linalg_svd", ("U", "S", "Vh"))
svd_t = _result_type("svd", ("U", "S", "V"))
linalg_lstsq_t = _result_type("linalg_lstsq", ("solution", "residuals", "rank", "singular_values"))
linalg_inv_ex_t = _result_type("linalg_inv_ex", ("inverse", "info"))
linalg_cholesky_ex_t = _result_type("linalg_cholesky_ex", ("L", "info"))

# PyTorch names dtypes two ways in its messages: ScalarType names and the C++ type names
_SCALAR_NAMES = {
    "float32": "Float", "float64": "Double", "float16": "Half", "bfloat16": "BFloat16", "int64": "Long",
    "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool",
    "complex64": "ComplexFloat", "complex128": "ComplexDouble",
}
_CPP_NAMES = {
    "float32": "float", "float64": "double", "float16": "c10::Half", "bfloat16": "c10::BFloat16",
    "int64": "long int", "int32": "int", "int16": "short int", "int8": "signed char",
    "uint8": "unsigned char", "bool": "bool",
}


def _sname(np_dtype) -> str:
    """PyTorch's ScalarType name of an array dtype ('Float', 'Long', ...)."""
    name = _dt._FROM_NP[np_dtype].name
    return _SCALAR_NAMES.get(name, name)


def _cpp_name(np_dtype) -> str:
    """PyTorch's C++ type name of an array dtype ('float', 'long int', ...)."""
    name = _dt._FROM_NP[np_dtype].name
    return _CPP_NAMES.get(name, name)


def _to_out(res, out, name: str):
    """Write a result into `out=` (a tuple of tensors for several results), with PyTorch's checks: no
    autograd, the same dtype; a tensor of another shape is resized (with a warning unless empty)."""
    if isinstance(res, tuple):
        if not isinstance(out, (tuple, list)) or len(out) != len(res):
            raise TypeError(f"{name}(): argument 'out' must be tuple of {len(res)} Tensors")
        return type(res)([_to_out(r, o, name) for r, o in zip(res, out)])
    if not isinstance(out, Tensor):
        raise TypeError(f"{name}(): argument 'out' must be Tensor, not {type(out).__name__}")
    if grad_state.enabled and (res._rg or out._rg):
        raise RuntimeError(f"{name}(): functions with out=... arguments don't support automatic "
                           "differentiation, but one of the arguments requires grad.")
    if out._data.dtype != res._data.dtype:
        raise RuntimeError(f"Expected out tensor to have dtype {_cpp_name(res._data.dtype)}, but got "
                           f"{_cpp_name(out._data.dtype)} instead")
    if out._data.shape != res._data.shape:
        if out._data.size:
            warnings.warn(f"An output with one or more elements was resized since it had shape "
                          f"{list(out._data.shape)}, which does not match the required output shape "
                          f"{list(res._data.shape)}. This behavior is deprecated, and in a future PyTorch "
                          "release outputs will not be resized unless they have zero elements. You can "
                          "explicitly reuse an out tensor t by resizing it, inplace, to zero elements with "
                          "t.resize_(0).", UserWarning, stacklevel=3)
        out._data = res._data.copy()
    else:
        out._data[...] = res._data
    out._vc[0] += 1
    return out


def out_arg(name: str):
    """Decorator: the function also takes `out=`, written by `_to_out` under PyTorch's op `name`."""
    def deco(fn):
        @functools.wraps(fn)
        def with_out(*args, out=None, **kwargs):
            res = fn(*args, **kwargs)
            return res if out is None else _to_out(res, out, name)
        return with_out
    return deco


def _check(A: Tensor, fname: str, square: bool = True, what: str = "A") -> None:
    """PyTorch's argument checks for a linalg function taking a batch of matrices."""
    a = A._data
    if a.ndim < 2:
        raise RuntimeError(f"{fname}: The input tensor {what} must have at least 2 dimensions.")
    if a.dtype.kind != "f":
        raise RuntimeError(f"{fname}: Expected a floating point or complex tensor as input. Got "
                           f"{_sname(a.dtype)}")
    if a.dtype == np.float16:
        raise RuntimeError(f"{fname}: Low precision dtypes not supported. Got Half")
    if square and a.shape[-1] != a.shape[-2]:
        raise RuntimeError(f"{fname}: {what} must be batches of square matrices, but they are "
                           f"{a.shape[-2]} by {a.shape[-1]} matrices")


def _host(arr) -> np.ndarray:
    return Tensor._make(arr)._host()


def _eye(n: int, like, dtype=None) -> Tensor:
    """A constant identity matrix on `like`'s device."""
    return Tensor._make(xp_of(like).eye(n, dtype=dtype or like.dtype))


def _const(arr) -> Tensor:
    return Tensor._make(arr)


def _batches(a: np.ndarray):
    """The matrices of a batch, flattened, as host arrays."""
    h = _host(a)
    return h.reshape((-1,) + h.shape[-2:])


def _zero_pivot(m: np.ndarray) -> int:
    """1-based index of the first exactly-zero pivot of LU with partial pivoting (LAPACK getrf's
    `info`), or 0 when there is none."""
    a = np.array(m, copy=True)
    n = a.shape[0]
    for k in range(n):
        p = k + int(np.argmax(np.abs(a[k:, k])))
        if a[p, k] == 0:
            return k + 1
        if p != k:
            a[[k, p]] = a[[p, k]]
        a[k + 1:, k] /= a[k, k]
        a[k + 1:, k + 1:] -= np.outer(a[k + 1:, k], a[k, k + 1:])
    return 0


def _singular_error(a: np.ndarray, fname: str, fmt: str) -> LinAlgError:
    """The LinAlgError PyTorch raises for the first singular matrix of a batch."""
    i, k = next(((i, k) for i, k in enumerate(map(_zero_pivot, _batches(a))) if k), (0, a.shape[-1]))
    prefix = f"{fname}: (Batch element {i}): " if a.ndim > 2 else f"{fname}: "
    return LinAlgError(prefix + fmt.format(k))


_INV_MSG = ("The diagonal element {} is zero, the inversion could not be completed because the input matrix "
            "is singular.")


# -- inverse, determinants ---------------------------------------------------------------------------

class Inv(Op):
    _name = "LinalgInvExBackward0"

    @staticmethod
    def forward(ctx, a):
        try:
            out = np.linalg.inv(a)
        except np.linalg.LinAlgError:
            raise _singular_error(a, "linalg.inv", _INV_MSG) from None
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        xt = x.mT
        return -(xt @ g @ xt)


@out_arg("linalg_inv")
def inv(A: Tensor) -> Tensor:
    """Inverse of a (batch of) square matrices; singular input raises LinAlgError."""
    _check(A, "linalg.inv")
    return Inv.apply(A)


inverse = inv


@out_arg("linalg_inv_ex")
def inv_ex(A: Tensor, *, check_errors: bool = False):
    """(inverse, info): info is 0, or the 1-based index of the zero pivot of a singular matrix."""
    _check(A, "linalg.inv_ex")
    a = A._data
    infos = np.array([_zero_pivot(m) for m in _batches(a)], dtype=np.int32).reshape(a.shape[:-2])
    if infos.any():
        if check_errors:
            raise _singular_error(a, "linalg.inv_ex", _INV_MSG)
        with np.errstate(all="ignore"):
            res = Tensor._make(np.full_like(a, np.nan))
    else:
        res = Inv.apply(A)
    return linalg_inv_ex_t((res, Tensor._make(xp_of(a).asarray(infos))))


def _cofactor_grad(A: Tensor, scale: Tensor) -> Tensor:
    """scale * A^{-T} per matrix; zero where scale's matrix is singular (as PyTorch gives for det)."""
    d = np.linalg.det(A._data)
    bad = d == 0
    if bad.any():
        n = A._data.shape[-1]
        keep = _const((~bad).astype(A._data.dtype)[..., None, None])
        A = A * keep + _eye(n, A._data) * (1 - keep)
    return scale.unsqueeze(-1).unsqueeze(-1) * inv(A).mT


class Det(Op):
    _name = "LinalgDetBackward0"

    @staticmethod
    def forward(ctx, a):
        out = np.linalg.det(a).astype(a.dtype, copy=False)
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, g):
        a, d = ctx.saved_tensors
        return _cofactor_grad(a, g * d)


@out_arg("linalg_det")
def det(A: Tensor) -> Tensor:
    """Determinant of a (batch of) square matrices."""
    _check(A, "linalg.det")
    return Det.apply(A)


class Slogdet(Op):
    _name = "LinalgSlogdetBackward0"

    @staticmethod
    def forward(ctx, a):
        sign, logabs = np.linalg.slogdet(a)
        sign = sign.astype(a.dtype, copy=False)
        logabs = logabs.astype(a.dtype, copy=False)
        ctx.save_for_backward(a)
        ctx.set_materialize_grads(False)
        return sign, logabs

    @staticmethod
    def backward(ctx, g_sign, g_logabs):
        if g_logabs is None:  # the sign is piecewise constant
            return None
        (a,) = ctx.saved_tensors
        return g_logabs.unsqueeze(-1).unsqueeze(-1) * inv(a).mT


@out_arg("slogdet")
def slogdet(A: Tensor):
    """(sign, log|det|) of a (batch of) square matrices."""
    _check(A, "linalg.slogdet")
    return slogdet_t(Slogdet.apply(A))


@out_arg("linalg_slogdet")
def _linalg_slogdet(A: Tensor):
    _check(A, "linalg.slogdet")
    return linalg_slogdet_t(Slogdet.apply(A))


def logdet(input: Tensor) -> Tensor:
    """log(det(A)): NaN for a negative determinant, -inf for a singular matrix."""
    _check(input, "logdet")
    sign, logabs = Slogdet.apply(input)
    s = sign._data
    if (s < 0).any():
        logabs = logabs + _const(np.where(s < 0, np.nan, 0).astype(s.dtype))
    return logabs


# -- solve ---------------------------------------------------------------------------------------------

class Solve(Op):
    """X with A X = B (B a batch of matrices, or of vectors when `vector`)."""

    _name = "LinalgSolveExBackward0"

    @staticmethod
    def forward(ctx, a, b, vector):
        ctx.vector = vector
        try:
            out = np.linalg.solve(a, b[..., None])[..., 0] if vector else np.linalg.solve(a, b)
        except np.linalg.LinAlgError:
            batch = np.broadcast_shapes(a.shape[:-2], (b.shape[:-1] if vector else b.shape[:-2]))
            full = np.broadcast_to(a, batch + a.shape[-2:])
            raise _singular_error(full, "torch.linalg.solve",
                                  "The solver failed because the input matrix is singular.") from None
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, g):
        a, x = ctx.saved_tensors
        gb = Solve.apply(a.mT, g, ctx.vector)
        if not ctx.needs_input_grad[0]:
            return None, gb, None
        ga = -(gb.unsqueeze(-1) * x.unsqueeze(-2)) if ctx.vector else -(gb @ x.mT)
        return ga, (gb if ctx.needs_input_grad[1] else None), None


@out_arg("linalg_solve")
def solve(A: Tensor, B: Tensor, *, left: bool = True) -> Tensor:
    """The solution X of A X = B (or X A = B when left=False); A's and B's batch dims broadcast."""
    _check(A, "linalg.solve")
    a, b = A._data, B._data
    if a.dtype != b.dtype:
        raise RuntimeError(f"linalg.solve: Expected A and B to have the same dtype, but found A of type "
                           f"{_sname(a.dtype)} and B of type {_sname(b.dtype)} instead")
    vector = b.ndim == 1 or (b.ndim == a.ndim - 1 and b.shape == a.shape[:-1])
    if not vector and b.ndim < 2:
        raise RuntimeError("linalg.solve: The input tensor B must have at least 2 dimensions.")
    n = a.shape[-1]
    # a vector B is a column, so it only fits A X = B
    bshape = (b.shape[-1], 1) if vector else b.shape[-2:]
    if bshape[0 if left else 1] != n:
        eq = "AX = B" if left else "XA = B"
        bshape = f"{bshape[0]}x{bshape[1]}"
        raise RuntimeError(f"linalg.solve: Incompatible shapes of A and B for the equation {eq} "
                           f"({a.shape[-2]}x{n} and {bshape})")
    if not vector:
        _batch_broadcast(b.shape[:-2], a.shape[:-2])
    if left:
        return Solve.apply(A, B, vector)
    if vector:
        raise RuntimeError("linalg.solve: Vector broadcasting of the left hand side is not supported for "
                           "left=False. In this case linalg.solve is equivalent to B / A.squeeze(-1)")
    return Solve.apply(A.mT, B.mT, False).mT


def _batch_broadcast(sa, sb) -> tuple:
    n = max(len(sa), len(sb))
    sa = (1,) * (n - len(sa)) + tuple(sa)
    sb = (1,) * (n - len(sb)) + tuple(sb)
    for i, (x, y) in enumerate(zip(sa, sb)):
        if x != y and x != 1 and y != 1:
            raise RuntimeError(f"The size of tensor a ({x}) must match the size of tensor b ({y}) at "
                               f"non-singleton dimension {i}")
    return tuple(max(x, y) if min(x, y) != 0 else 0 for x, y in zip(sa, sb))


def _substitute(t, b, upper: bool):
    """Forward/back substitution for a (batch of) triangular systems T X = B, any diagonal: a zero on it
    gives inf/NaN, as LAPACK's trtrs does, rather than an error."""
    shape = np.broadcast_shapes(t.shape[:-2], b.shape[:-2]) + b.shape[-2:]
    x = np.zeros_like(b, shape=shape)
    n = t.shape[-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        for i in (range(n - 1, -1, -1) if upper else range(n)):
            done = slice(i + 1, n) if upper else slice(0, i)
            acc = b[..., i, :] - np.einsum("...j,...jk->...k", t[..., i, done], x[..., done, :])
            x[..., i, :] = acc / t[..., i, i:i + 1]
    return x


class LinalgSolveTriangular(Op):
    """X with T X = B (left) or X T = B, T triangular (already masked to its triangle)."""

    @staticmethod
    def forward(ctx, t, b, upper, left):
        ctx.upper, ctx.left = upper, left
        tt, bb = (t, b) if left else (np.swapaxes(t, -1, -2), np.swapaxes(b, -1, -2))
        try:
            x = np.linalg.solve(tt, bb)
        except np.linalg.LinAlgError:
            x = _substitute(tt, bb, upper == left)
        x = x if left else np.swapaxes(x, -1, -2)
        ctx.save_for_backward(t, x)
        return x

    @staticmethod
    def backward(ctx, g):
        t, x = ctx.saved_tensors
        if ctx.left:  # X = T^-1 B: gB = T^-T g, gT = -gB X^T
            gb = LinalgSolveTriangular.apply(t.mT, g, not ctx.upper, True)
            gt = -(gb @ x.mT) if ctx.needs_input_grad[0] else None
        else:  # X = B T^-1: gB = g T^-T, gT = -X^T gB
            gb = LinalgSolveTriangular.apply(t.mT, g, not ctx.upper, False)
            gt = -(x.mT @ gb) if ctx.needs_input_grad[0] else None
        return gt, (gb if ctx.needs_input_grad[1] else None), None, None


@out_arg("linalg_solve_triangular")
def solve_triangular(A: Tensor, B: Tensor, *, upper: bool, left: bool = True,
                     unitriangular: bool = False) -> Tensor:
    """Solve A X = B (or X A = B) reading only A's upper or lower triangle (and a unit diagonal when
    unitriangular); a zero on the diagonal gives inf/NaN instead of an error."""
    fname = "linalg.solve_triangular"
    a, b = A._data, B._data
    if a.ndim >= 2 and a.dtype.kind in "biu":
        raise NotImplementedError(f'"triangular_solve_cpu" not implemented for \'{_sname(a.dtype)}\'')
    _check(A, fname)
    if b.ndim < 2:
        raise RuntimeError(f"{fname}: The input tensor B must have at least 2 dimensions.")
    n = a.shape[-1]
    if (b.shape[-2] if left else b.shape[-1]) != n:
        raise RuntimeError(f"{fname}: Incompatible shapes of A and B for the equation "
                           f"{'AX = B' if left else 'XA = B'} ({n}x{n} and {b.shape[-2]}x{b.shape[-1]})")
    _batch_broadcast(b.shape[:-2], a.shape[:-2])
    if a.dtype != b.dtype:
        dt = _dt.promote_types(A.dtype, B.dtype)
        A, B = A.to(dt), B.to(dt)
    xp = xp_of(a)
    mask = xp.triu(xp.ones((n, n), dtype=A._data.dtype)) if upper else xp.tril(xp.ones((n, n), A._data.dtype))
    if unitriangular:
        eye = xp.eye(n, dtype=mask.dtype)
        t = A * _const(mask - eye) + _const(eye)
    else:
        t = A * _const(mask)
    return LinalgSolveTriangular.apply(t, B, upper, left)


# -- pinv, lstsq, matrix_rank ------------------------------------------------------------------------

def _tolerance(s_max, m: int, n: int, atol, rtol, dtype):
    """PyTorch's cutoff: max(atol, rtol * s_max), with rtol = eps * max(m, n) when neither is given."""
    if isinstance(atol, Tensor):
        atol = atol._data
    if isinstance(rtol, Tensor):
        rtol = rtol._data
    if rtol is None:
        rtol = 0.0 if atol is not None and np.any(np.asarray(atol) > 0) else np.finfo(dtype).eps * max(m, n)
    if atol is None:
        atol = 0.0
    return np.maximum(atol, rtol * s_max)


class Pinv(Op):
    _name = "LinalgPinvBackward0"

    @staticmethod
    def forward(ctx, a, atol, rtol, hermitian):
        m, n = a.shape[-2:]
        if hermitian:
            w, v = np.linalg.eigh(a)
            absw = np.abs(w)
            cut = _tolerance(absw.max(-1, initial=0)[..., None], m, n, atol, rtol, a.dtype)
            winv = np.where(absw > cut, 1 / np.where(w == 0, 1, w), 0).astype(a.dtype)
            out = np.matmul(v * winv[..., None, :], np.swapaxes(v, -1, -2))
        else:
            u, s, vh = np.linalg.svd(a, full_matrices=False)
            cut = _tolerance(s.max(-1, initial=0)[..., None], m, n, atol, rtol, a.dtype)
            sinv = np.where(s > cut, 1 / np.where(s == 0, 1, s), 0).astype(a.dtype)
            out = np.matmul(np.swapaxes(vh, -1, -2) * sinv[..., None, :], np.swapaxes(u, -1, -2))
        out = out.astype(a.dtype, copy=False)
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, g):
        a, p = ctx.saved_tensors
        pt, gt = p.mT, g.mT
        # d(pinv) for a fixed rank: -P dA P + P P^T dA^T (I - A P) + (I - P A) dA^T P^T P
        left = gt @ (p @ pt)
        right = (pt @ p) @ gt
        return (-(pt @ g @ pt) + left - a @ (p @ left) + right - (right @ p) @ a), None, None, None


@out_arg("linalg_pinv")
def pinv(A: Tensor, rcond=None, hermitian: bool = False, *, atol=None, rtol=None) -> Tensor:
    """Moore-Penrose pseudo-inverse, singular values under max(atol, rtol * s_max) treated as zero."""
    a = A._data
    if a.ndim < 2 or a.dtype.kind != "f":
        raise RuntimeError(f"linalg.pinv({_sname(a.dtype)}{{{list(a.shape)}}}): expected a tensor with 2 or "
                           "more dimensions of float, double, cfloat or cdouble types")
    if rcond is not None:
        rtol = rcond
    return Pinv.apply(A, atol, rtol, hermitian)


def pinverse(input: Tensor, rcond: float = 1e-15) -> Tensor:
    """torch.pinverse: pinv with rtol=rcond."""
    return pinv(input, rtol=rcond)


def lstsq(A: Tensor, B: Tensor, rcond=None, *, driver=None):
    """Least-squares solution of A X = B (the minimum-norm one, via the pseudo-inverse).

    Returns (solution, residuals, rank, singular_values) as PyTorch's default CPU driver 'gelsy' does:
    residuals and singular_values are empty."""
    a, b = A._data, B._data
    if a.ndim < 2:
        raise RuntimeError("torch.linalg.lstsq: input must have at least 2 dimensions.")
    if a.dtype != b.dtype:
        raise RuntimeError(f"torch.linalg.lstsq: Expected input and other to have the same dtype, but got "
                           f"input's dtype {_dt._FROM_NP[a.dtype]} and other's dtype {_dt._FROM_NP[b.dtype]}")
    vector = b.ndim == a.ndim - 1
    if (b.shape[-1] if vector else b.shape[-2]) != a.shape[-2]:
        raise RuntimeError("torch.linalg.lstsq: input.size(-2) should match other.size(-2)")
    if driver not in (None, "gels", "gelsy", "gelsd", "gelss"):
        raise RuntimeError("torch.linalg.lstsq: parameter `driver` should be one of (gels, gelsy, gelsd, "
                           f"gelss), but got {driver}")
    p = pinv(A, rtol=rcond)
    x = (p @ B.unsqueeze(-1)).squeeze(-1) if vector else p @ B
    xp = xp_of(a)
    s = np.linalg.svd(a, compute_uv=False)
    m, n = a.shape[-2:]
    tol = (rcond if rcond is not None else np.finfo(a.dtype).eps * max(m, n)) * s.max(-1, initial=0)
    rank = Tensor._make(xp.asarray((s > tol[..., None]).sum(-1), dtype=np.int64))
    # gelsy computes no residuals; PyTorch still links the empty tensor to the graph
    residuals = x.reshape(-1)[:0]
    return linalg_lstsq_t((x, residuals, rank, Tensor._make(xp.zeros((0,), a.dtype))))


@out_arg("linalg_matrix_rank")
def matrix_rank(A: Tensor, *, atol=None, rtol=None, hermitian: bool = False) -> Tensor:
    """Number of singular values above max(atol, rtol * s_max)."""
    _check(A, "torch.linalg.matrix_rank", square=False)
    a = A._data
    s = np.abs(np.linalg.eigvalsh(a)) if hermitian else np.linalg.svd(a, compute_uv=False)
    cut = _tolerance(s.max(-1, initial=0)[..., None], a.shape[-2], a.shape[-1], atol, rtol, a.dtype)
    return Tensor._make((s > cut).sum(-1).astype(np.int64))


# -- decompositions ------------------------------------------------------------------------------------

def _tril_mask(n: int, like, diag: float = 1.0) -> Tensor:
    """Constant lower-triangular ones (the diagonal set to `diag`)."""
    xp = xp_of(like)
    m = xp.tril(xp.ones((n, n), dtype=like.dtype))
    if diag != 1.0:
        m = m - (1 - diag) * xp.eye(n, dtype=like.dtype)
    return Tensor._make(m)


def _first_not_pd(m: np.ndarray) -> int:
    """1-based order of the first leading minor that is not positive-definite (LAPACK potrf's info)."""
    n = m.shape[0]
    low = np.zeros_like(m)
    for k in range(n):
        d = m[k, k] - np.dot(low[k, :k], low[k, :k])
        if not d > 0:
            return k + 1
        low[k, k] = np.sqrt(d)
        low[k + 1:, k] = (m[k + 1:, k] - low[k + 1:, :k] @ low[k, :k]) / low[k, k]
    return n


def _pd_info(m: np.ndarray) -> int:
    """0 for a positive-definite matrix, else the order of its first non-positive-definite minor."""
    try:
        np.linalg.cholesky(m)
        return 0
    except np.linalg.LinAlgError:
        return _first_not_pd(m)


def _not_pd_error(a, fname: str) -> LinAlgError:
    i, k = next(((i, k) for i, k in enumerate(map(_pd_info, _batches(a))) if k), (0, a.shape[-1]))
    prefix = f"{fname}: (Batch element {i}): " if a.ndim > 2 else f"{fname}: "
    return LinAlgError(prefix + "The factorization could not be completed because the input is not "
                       f"positive-definite (the leading minor of order {k} is not positive-definite).")


class Cholesky(Op):
    _name = "LinalgCholeskyExBackward0"

    @staticmethod
    def forward(ctx, a, upper):
        try:
            low = np.linalg.cholesky(a)
        except np.linalg.LinAlgError:
            raise _not_pd_error(a, "linalg.cholesky") from None
        ctx.upper = upper
        out = np.ascontiguousarray(np.swapaxes(low, -1, -2)) if upper else low
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        low, gl = (out.mT, g.mT) if ctx.upper else (out, g)
        n = out._data.shape[-1]
        # S = L^{-T} Phi(L^T gL) L^{-1}, Phi: the lower triangle with its diagonal halved; then symmetrise
        phi = (low.mT @ gl) * _tril_mask(n, out._data, 0.5)
        lt = low.mT
        y = solve(lt, phi)
        s = solve(lt, y.mT).mT
        return (s + s.mT) * 0.5, None


@out_arg("linalg_cholesky")
def linalg_cholesky(A: Tensor, *, upper: bool = False) -> Tensor:
    """Cholesky factor L (A = L L^T) of a symmetric positive-definite matrix; U = L^T when upper."""
    _check(A, "linalg.cholesky")
    return Cholesky.apply(A, upper)


@out_arg("cholesky")
def cholesky(input: Tensor, upper: bool = False) -> Tensor:
    """torch.cholesky (deprecated in PyTorch in favour of linalg.cholesky)."""
    import warnings

    warnings.warn("torch.cholesky is deprecated in favor of torch.linalg.cholesky and will be removed in a "
                  "future PyTorch release.", UserWarning, stacklevel=3)
    return linalg_cholesky(input, upper=upper)


@out_arg("linalg_cholesky_ex")
def cholesky_ex(A: Tensor, *, upper: bool = False, check_errors: bool = False):
    """(L, info): info is 0, or the order of the leading minor that is not positive-definite."""
    _check(A, "linalg.cholesky_ex")
    a = A._data
    try:
        low = Cholesky.apply(A, upper)
        return linalg_cholesky_ex_t((low, Tensor._make(xp_of(a).zeros(a.shape[:-2], np.int32))))
    except LinAlgError:
        if check_errors:
            raise
    info = np.array([_pd_info(m) for m in _batches(a)], dtype=np.int32).reshape(a.shape[:-2])
    return linalg_cholesky_ex_t((Tensor._make(np.zeros_like(a)), Tensor._make(xp_of(a).asarray(info))))


class Qr(Op):
    _name = "LinalgQrBackward0"

    @staticmethod
    def forward(ctx, a, mode):
        ctx.mode = mode
        ctx.m, ctx.n = a.shape[-2:]
        if mode == "r":
            return xp_of(a).zeros((0,), a.dtype), np.linalg.qr(a, mode="r")
        q, r = np.linalg.qr(a, mode=mode)
        ctx.save_for_backward(q, r)
        ctx.set_materialize_grads(False)
        return q, r

    @staticmethod
    def backward(ctx, gq, gr):
        if ctx.mode == "r":
            raise RuntimeError("The derivative of linalg.qr depends on Q, which is not computed when "
                               "mode='r'. Please use linalg.qr(A, mode='reduced') if you are going to "
                               "differentiate through linalg.qr.")
        m, n = ctx.m, ctx.n
        if ctx.mode == "complete" and m > n:
            raise RuntimeError("The QR decomposition is not differentiable when mode='complete' and "
                               "nrows > ncols.")
        q, r = ctx.saved_tensors
        if m >= n:
            return _qr_grad_tall(q, r, gq, gr), None
        # wide: A = [X | Y] with X = Q U square, Y = Q V; V = Q^T Y adds Y gV^T to Q's gradient
        u = r[..., :, :m]
        xp = xp_of(q._data)
        sel_x = Tensor._make(xp.eye(m, n, dtype=q._data.dtype))
        if gr is None:
            return _qr_grad_tall(q, u, gq, None) @ sel_x, None
        gu, gv = gr[..., :, :m], gr[..., :, m:]
        y = q @ r[..., :, m:]
        gq_all = y @ gv.mT if gq is None else gq + y @ gv.mT
        sel_y = Tensor._make(xp.eye(n - m, n, k=m, dtype=q._data.dtype))
        return _qr_grad_tall(q, u, gq_all, gu) @ sel_x + (q @ gv) @ sel_y, None


def _qr_grad_tall(q, r, gq, gr):
    """Gradient of A = Q R (m >= n, reduced): (gQ + Q copyltu(M)) R^{-T}, M = R gR^T - gQ^T Q.

    A missing gradient (None) counts as zero."""
    n = r._data.shape[-1]
    if gq is None:
        mm_ = r @ gr.mT
    else:
        mm_ = -(gq.mT @ q) if gr is None else r @ gr.mT - gq.mT @ q
    low = _tril_mask(n, r._data)
    strict = _tril_mask(n, r._data, 0.0)
    sym = mm_ * low + (mm_ * strict).mT
    b = q @ sym if gq is None else gq + q @ sym
    return solve(r, b.mT).mT


@out_arg("linalg_qr")
def qr(A: Tensor, mode: str = "reduced"):
    """(Q, R) with A = Q R; mode 'reduced', 'complete' or 'r' (Q empty)."""
    if mode not in ("reduced", "complete", "r"):
        raise RuntimeError(f"qr received unrecognized mode '{mode}' but expected one of 'reduced' (default), "
                           "'r', or 'complete'")
    _check(A, "linalg.qr", square=False)
    return linalg_qr_t(Qr.apply(A, mode))


@out_arg("qr")
def _torch_qr(input: Tensor, some: bool = True):
    _check(input, "linalg.qr", square=False)
    return qr_t(Qr.apply(input, "reduced" if some else "complete"))


class Eigh(Op):
    _name = "LinalgEighBackward0"

    @staticmethod
    def forward(ctx, a, uplo):
        w, v = np.linalg.eigh(a, UPLO=uplo)
        ctx.save_for_backward(w, v)
        ctx.set_materialize_grads(False)
        return w, v

    @staticmethod
    def backward(ctx, gw, gv):
        w, v = ctx.saved_tensors
        n = w._data.shape[-1]
        eye = _eye(n, w._data)
        inner = None
        if gv is not None:
            # F_ij = 1 / (w_j - w_i) off the diagonal; the skew part of V^T gV keeps the gradient symmetric
            f = (1 - eye) / (w.unsqueeze(-2) - w.unsqueeze(-1) + eye)
            vg = v.mT @ gv
            inner = f * ((vg - vg.mT) * 0.5)
        if gw is not None:
            diag = gw.unsqueeze(-2) * eye
            inner = diag if inner is None else inner + diag
        return v @ inner @ v.mT, None


@out_arg("linalg_eigh")
def eigh(A: Tensor, UPLO: str = "L"):  # noqa: N803 - PyTorch's spelling
    """Eigenvalues (ascending) and eigenvectors of a symmetric matrix, reading its UPLO triangle."""
    if A._data.ndim >= 2 and A._data.dtype.kind in "biu":
        raise NotImplementedError(f'"linalg_eigh_cpu" not implemented for \'{_sname(A._data.dtype)}\'')
    _check(A, "linalg.eigh")
    if UPLO not in ("L", "U"):
        raise RuntimeError(f"Expected UPLO argument to be 'L' or 'U', but got {UPLO}")
    return linalg_eigh_t(Eigh.apply(A, UPLO))


@out_arg("linalg_eigvalsh")
def eigvalsh(A: Tensor, UPLO: str = "L") -> Tensor:  # noqa: N803
    """Eigenvalues (ascending) of a symmetric matrix."""
    _check(A, "linalg.eigvalsh")
    if UPLO not in ("L", "U"):
        raise RuntimeError(f"Expected UPLO argument to be 'L' or 'U', but got {UPLO}")
    if not A.requires_grad:
        return Tensor._make(np.linalg.eigvalsh(A._data, UPLO=UPLO))
    return Eigh.apply(A, UPLO)[0]


class Svd(Op):
    _name = "LinalgSvdBackward0"

    @staticmethod
    def forward(ctx, a, full_matrices):
        u, s, vh = np.linalg.svd(a, full_matrices=full_matrices)
        ctx.save_for_backward(u, s, vh)
        ctx.set_materialize_grads(False)
        return u, s, vh

    @staticmethod
    def backward(ctx, gu, gs, gvh):
        u, s, vh = ctx.saved_tensors
        m, n = u._data.shape[-2], vh._data.shape[-1]
        k = s._data.shape[-1]
        # with full_matrices, the extra columns of U (rows of Vh) are not unique: only the first k count
        if u._data.shape[-1] != k:
            u = u[..., :, :k]
            gu = None if gu is None else gu[..., :, :k]
        if vh._data.shape[-2] != k:
            vh = vh[..., :k, :]
            gvh = None if gvh is None else gvh[..., :k, :]
        eye = _eye(k, s._data)
        inner = None if gs is None else gs.unsqueeze(-2) * eye
        if gu is not None or gvh is not None:
            s2 = s * s
            f = (1 - eye) / (s2.unsqueeze(-2) - s2.unsqueeze(-1) + eye)
            sinv = 1 / s
        ga = None
        if gu is not None:
            j = f * (u.mT @ gu - gu.mT @ u) * s.unsqueeze(-2)
            inner = j if inner is None else inner + j
            if m > k:
                ga = ((gu - u @ (u.mT @ gu)) * sinv.unsqueeze(-2)) @ vh
        if gvh is not None:
            v, gv = vh.mT, gvh.mT
            kk = s.unsqueeze(-1) * (f * (v.mT @ gv - gv.mT @ v))
            inner = kk if inner is None else inner + kk
            if n > k:
                extra = u @ (sinv.unsqueeze(-1) * (gvh - (gvh @ v) @ vh))
                ga = extra if ga is None else ga + extra
        core = u @ inner @ vh
        return (core if ga is None else core + ga), None


@out_arg("linalg_svd")
def linalg_svd(A: Tensor, full_matrices: bool = True, *, driver=None):
    """(U, S, Vh) with A = U diag(S) Vh, singular values descending."""
    _check(A, "linalg.svd", square=False)
    return linalg_svd_t(Svd.apply(A, full_matrices))


@out_arg("svd")
def svd(input: Tensor, some: bool = True, compute_uv: bool = True):
    """torch.svd: (U, S, V) with A = U diag(S) V^T (V, not Vh); zero U and V when not compute_uv."""
    _check(input, "linalg.svd", square=False)
    if not compute_uv:
        s = svdvals(input)
        m, n = input._data.shape[-2:]
        batch = input._data.shape[:-2]
        z = np.zeros_like
        a = input._data
        return svd_t((Tensor._make(z(a, shape=batch + (m, m))), s, Tensor._make(z(a, shape=batch + (n, n)))))
    u, s, vh = Svd.apply(input, not some)
    return svd_t((u, s, vh.mT))


@out_arg("linalg_svdvals")
def svdvals(A: Tensor, *, driver=None) -> Tensor:
    """Singular values, descending."""
    _check(A, "linalg.svd", square=False)
    if not A.requires_grad:
        return Tensor._make(np.linalg.svd(A._data, compute_uv=False))
    return Svd.apply(A, False)[1]


# -- matrix_power, multi_dot -------------------------------------------------------------------------

class _EyeLike(Op):
    """A^0: identity matrices shaped like A, with a zero gradient (PyTorch keeps it in the graph)."""

    _name = "CopyBackwards"

    @staticmethod
    def forward(ctx, a):
        xp = xp_of(a)
        return xp.broadcast_to(xp.eye(a.shape[-1], dtype=a.dtype), a.shape).copy()

    @staticmethod
    def backward(ctx, g):
        return g * 0


def matrix_power(input: Tensor, n: int) -> Tensor:
    """A^n for an integer n (negative n inverts first), by repeated squaring."""
    a = input._data
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise TypeError("linalg_matrix_power(): argument 'n' (position 2) must be int, not "
                        f"{type(n).__name__}")
    if a.ndim < 2:
        raise RuntimeError("linalg.matrix_power: The input tensor A must have at least 2 dimensions.")
    if a.shape[-1] != a.shape[-2]:
        raise RuntimeError(f"linalg.matrix_power: A must be batches of square matrices, but they are "
                           f"{a.shape[-2]} by {a.shape[-1]} matrices")
    n = int(n)
    if n == 0:
        return _EyeLike.apply(input)
    if n < 0:
        input = inv(input)
        n = -n
    result = None
    base = input
    while True:
        if n & 1:
            result = base if result is None else result @ base
        n >>= 1
        if not n:
            return result.clone() if result is input else result
        base = base @ base


@out_arg("linalg_multi_dot")
def multi_dot(tensors) -> Tensor:
    """The product of a chain of matrices in the cheapest order; the first and last may be 1-D."""
    tensors = list(tensors)
    k = len(tensors)
    if k < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {k}")
    first, last = tensors[0]._data, tensors[-1]._data
    if first.ndim not in (1, 2):
        raise RuntimeError(f"multi_dot(): the first tensor must be 1D or 2D but got {first.ndim}D")
    if last.ndim not in (1, 2):
        raise RuntimeError(f"multi_dot(): the last tensor must be 1D or 2D but got {last.ndim}D")
    for i, t in enumerate(tensors[1:-1], 1):
        if t._data.ndim != 2:
            raise RuntimeError(f"multi_dot(): tensor {i} must be 2D but got {t._data.ndim}D")
    dt = first.dtype
    for i, t in enumerate(tensors[1:], 1):
        if t._data.dtype != dt:
            raise RuntimeError(f"multi_dot(): all tensors must have be the same dtype but tensor 0 is "
                               f"{_cpp_name(dt)} and tensor {i} {_cpp_name(t._data.dtype)}")
    mats = list(tensors)
    if first.ndim == 1:
        mats[0] = mats[0].unsqueeze(0)
    if last.ndim == 1:
        mats[-1] = mats[-1].unsqueeze(-1)
    for i in range(k - 1):
        a, b = mats[i]._data.shape, mats[i + 1]._data.shape
        if a[1] != b[0]:
            raise RuntimeError(f"multi_dot(): tensors {i} and {i + 1} with shapes "
                               f"{list(tensors[i].shape)} and "
                               f"{list(tensors[i + 1].shape)} cannot be multiplied")
    res = _chain(mats)
    if first.ndim == 1 and last.ndim == 1:
        return res.reshape(())
    if first.ndim == 1:
        return res.squeeze(0)
    if last.ndim == 1:
        return res.squeeze(-1)
    return res


def _chain(mats: list) -> Tensor:
    """Multiply 2-D tensors in the order that minimises scalar multiplications (dynamic programming)."""
    k = len(mats)
    if k == 2:
        return mats[0] @ mats[1]
    dims = [mats[0]._data.shape[0]] + [m._data.shape[1] for m in mats]
    cost = [[0] * k for _ in range(k)]
    split = [[0] * k for _ in range(k)]
    for length in range(1, k):
        for i in range(k - length):
            j = i + length
            cost[i][j] = math.inf
            for s in range(i, j):
                c = cost[i][s] + cost[s + 1][j] + dims[i] * dims[s + 1] * dims[j + 1]
                if c < cost[i][j]:
                    cost[i][j], split[i][j] = c, s

    def build(i, j):
        if i == j:
            return mats[i]
        s = split[i][j]
        return build(i, s) @ build(s + 1, j)

    return build(0, k - 1)


# -- norms ---------------------------------------------------------------------------------------------

def _ord_str(o) -> str:
    f = float(o)
    if math.isinf(f):
        return "inf" if f > 0 else "-inf"
    return str(int(f)) if f.is_integer() else str(f)


class LinalgVectorNorm(Op):
    @staticmethod
    def forward(ctx, x, ord, dims, keepdim):
        ctx.ord, ctx.dims, ctx.keepdim, ctx.shape = ord, dims, keepdim, x.shape
        ax = dims
        if ord == 2:
            out = np.sqrt(np.sum(x * x, axis=ax, keepdims=keepdim))
        elif ord == math.inf:
            out = np.max(np.abs(x), axis=ax, keepdims=keepdim, initial=0)
        elif ord == -math.inf:
            out = np.min(np.abs(x), axis=ax, keepdims=keepdim)
        elif ord == 0:
            out = np.sum(x != 0, axis=ax, keepdims=keepdim)
        elif ord == 1:
            out = np.sum(np.abs(x), axis=ax, keepdims=keepdim)
        else:
            with np.errstate(divide="ignore"):
                out = np.sum(np.abs(x) ** ord, axis=ax, keepdims=keepdim) ** (1.0 / ord)
        out = out.astype(x.dtype, copy=False)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, g):
        x, n = ctx.saved_tensors
        p = ctx.ord
        if not ctx.keepdim:
            kept = tuple(1 if i in ctx.dims else s for i, s in enumerate(ctx.shape))
            g, n = g.reshape(kept), n.reshape(kept)
        xa = x._data
        if p == 0:
            return g * _const(np.zeros_like(xa)), None, None, None
        sign = _const(np.sign(xa))
        if p == 1:
            return g * sign, None, None, None
        zero = n._data == 0
        if p == 2:
            safe = n + _const(zero.astype(xa.dtype))
            return x * (g / safe), None, None, None
        if math.isinf(p):
            mask = (np.abs(xa) == n._data).astype(xa.dtype)
            count = mask.sum(axis=ctx.dims, keepdims=True)
            return g * _const(sign._data * mask / count), None, None, None
        # sign(x) |x|^(p-1) / n^(p-1); 0 where x (or the whole norm) is 0
        ax = x * sign
        nz = _const((xa != 0).astype(xa.dtype))
        safe_x = ax + (1 - nz)
        safe_n = n + _const(zero.astype(xa.dtype))
        return g * sign * nz * (safe_x / safe_n).pow(p - 1), None, None, None


def _dims(dim, ndim: int) -> tuple:
    if dim is None:
        return tuple(range(ndim))
    if isinstance(dim, (int, np.integer)):
        return (wrap_dim(int(dim), ndim),)
    dims = tuple(wrap_dim(int(d), ndim) for d in dim)
    if len(set(dims)) != len(dims):
        raise RuntimeError(f"dim {dims[next(i for i, d in enumerate(dims) if dims.index(d) != i)]} appears "
                           "multiple times in the list of dims")
    return dims if dims else tuple(range(ndim))


def _with_dtype(x: Tensor, dtype, fname: str) -> Tensor:
    a = x._data
    if a.dtype.kind != "f":
        raise RuntimeError(f"{fname}: Expected a floating point or complex tensor as input. Got "
                           f"{_sname(a.dtype)}")
    if dtype is None:
        return x
    if not dtype.is_floating_point:
        raise RuntimeError(f"{fname}: dtype should be floating point or complex, but got {_sname(dtype.np)}")
    if dtype.np.itemsize < a.dtype.itemsize:
        raise RuntimeError(f"{fname}: the dtype of the input ({_sname(a.dtype)}) should be convertible "
                           f"without narrowing to the specified dtype ({_sname(dtype.np)})")
    return x.to(dtype) if dtype.np != a.dtype else x


@out_arg("linalg_vector_norm")
def vector_norm(x: Tensor, ord=2, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """The `ord`-norm of x over `dim` (all elements when None), treating x as a vector."""
    if isinstance(ord, str) or isinstance(ord, bool):
        raise TypeError(f"linalg_vector_norm(): argument 'ord' must be Number, not {type(ord).__name__}")
    x = _with_dtype(x, dtype, "linalg.vector_norm")
    a = x._data
    dims = _dims(dim, a.ndim)
    p = float(ord)
    if (p < 0 or p == math.inf) and any(a.shape[d] == 0 for d in dims if a.ndim):
        raise RuntimeError(f"linalg.vector_norm cannot compute the {_ord_str(ord)} norm on an empty tensor "
                           "because the operation does not have an identity")
    if a.ndim == 0:
        dims = ()
    return LinalgVectorNorm.apply(x, p, dims, keepdim)


def _restore(t: Tensor, dims: tuple, ndim: int, keepdim: bool) -> Tensor:
    """A result computed with two dims moved to the end (and reduced): put them back as size 1, or drop."""
    if not keepdim:
        return t
    for d in sorted(dims):
        t = t.unsqueeze(d)
    return t


@out_arg("linalg_matrix_norm")
def matrix_norm(A: Tensor, ord="fro", dim=(-2, -1), keepdim: bool = False, *, dtype=None) -> Tensor:
    """Matrix norms over the two dims `dim`: 'fro', 'nuc', inf, -inf, 1, -1, 2, -2."""
    a = A._data
    if a.ndim < 2:
        raise RuntimeError("linalg.matrix_norm: The input tensor A must have at least 2 dimensions.")
    A = _with_dtype(A, dtype, "linalg.matrix_norm")
    if isinstance(dim, (int, np.integer)) or len(dim) != 2:
        shown = dim if isinstance(dim, (int, np.integer)) else ", ".join(str(d) for d in dim)
        raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got {shown}")
    d0, d1 = wrap_dim(dim[0], a.ndim), wrap_dim(dim[1], a.ndim)
    if d0 == d1:
        raise RuntimeError(f"linalg.matrix_norm: dims must be different. Got ({dim[0]}, {dim[1]})")
    if isinstance(ord, str):
        if ord == "fro":
            return LinalgVectorNorm.apply(A, 2.0, (d0, d1), keepdim)
        if ord != "nuc":
            raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")
        return _restore(_svdvals_last(A, d0, d1).sum(-1), (d0, d1), a.ndim, keepdim)
    o = float(ord)
    if o in (2.0, -2.0):
        s = _svdvals_last(A, d0, d1)
        return _restore(vector_norm(s, math.inf if o > 0 else -math.inf, -1), (d0, d1), a.ndim, keepdim)
    if o in (1.0, -1.0, math.inf, -math.inf):
        inner, outer = (d0, d1) if abs(o) == 1 else (d1, d0)
        sums = LinalgVectorNorm.apply(A, 1.0, (inner,), True)
        res = vector_norm(sums, math.inf if o > 0 else -math.inf, outer, True)
        if keepdim:
            return res
        return res.reshape(tuple(s for i, s in enumerate(res._data.shape) if i not in (d0, d1)))
    raise RuntimeError(f"linalg.matrix_norm: Order {_ord_str(ord)} not supported.")


def _svdvals_last(A: Tensor, d0: int, d1: int) -> Tensor:
    n = A._data.ndim
    if (d0, d1) != (n - 2, n - 1):
        A = A.permute([i for i in range(n) if i not in (d0, d1)] + [d0, d1])
    return svdvals(A)


@out_arg("linalg_norm")
def linalg_norm(A: Tensor, ord=None, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """torch.linalg.norm: a vector norm for one dim (or a flattened tensor), a matrix norm for two."""
    a = A._data
    if dim is not None:
        dims = (dim,) if isinstance(dim, (int, np.integer)) else tuple(dim)
        if len(dims) not in (1, 2):
            raise RuntimeError("linalg.norm: If dim is specified, it must be of length 1 or 2. Got "
                               f"{list(dims)}")
    else:
        dims = None
        if ord is not None and a.ndim not in (1, 2):
            raise RuntimeError("linalg.norm: If dim is not specified but ord is, the input must be 1D or "
                               f"2D. Got {a.ndim}D.")
    if ord is None:
        return vector_norm(A, 2, dims, keepdim, dtype=dtype)
    if dims is None:
        dims = tuple(range(a.ndim))
    if len(dims) == 2 or isinstance(ord, str):
        return matrix_norm(A, ord, dims if len(dims) == 2 else (-2, -1), keepdim, dtype=dtype)
    return vector_norm(A, ord, dims, keepdim, dtype=dtype)


@out_arg("linalg_vecdot")
def vecdot(x: Tensor, y: Tensor, *, dim: int = -1) -> Tensor:
    """Dot product of vectors along `dim` (batch dims broadcast)."""
    return (x * y).sum(dim)

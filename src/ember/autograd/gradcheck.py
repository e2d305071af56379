"""Finite-difference gradient checks: compare the Jacobian autograd computes with central differences.

`gradcheck` perturbs each input element in place by +-eps and compares the resulting Jacobian with the
one assembled from backward passes (one per output element). `fast_mode=True` compares a single random
projection v^T J u per input/output pair instead. `gradgradcheck` runs gradcheck on the function that
maps (inputs, grad_outputs) to the gradients, so it checks the double backward.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from .. import _tensor
from .function import Function

if TYPE_CHECKING:
    from .._tensor import Tensor

__all__ = ["gradcheck", "gradgradcheck", "GradcheckError"]


class GradcheckError(RuntimeError):
    """Raised by gradcheck and gradgradcheck when a check fails (a RuntimeError, as in PyTorch)."""


_NONDET_HINT = (
    "\n\nNOTE: If your op relies on non-deterministic operations, this failure might be expected. Pass "
    "`nondet_tol=<tol>` to gradcheck/gradgradcheck to allow for it.\n")

_FAST_NOTE = (
    "\nThe above quantities relating the numerical and analytical jacobians are computed \nin fast "
    "mode. See: https://github.com/pytorch/pytorch/issues/53876 for more background \nabout fast mode. "
    "Below, we recompute numerical and analytical jacobians in slow mode:\n\n")

_UNDEF_HINT = ("Please look at \"Notes about undefined output gradients\" in "
               "\"tools/autograd/derivatives.yaml\"")


class _UndefinedGrad(Function):
    """Identity whose backward hands back no gradient: simulates an output whose gradient is undefined."""

    _internal = True
    _name = "UndefinedGradBackward"

    @staticmethod
    def forward(ctx, x):
        return x

    @staticmethod
    def backward(ctx, g):
        return None


def _as_tuple(x) -> tuple:
    if isinstance(x, tuple):
        return x
    if isinstance(x, list):
        return tuple(x)
    return (x,)


def _tensors(outs) -> list:
    """The tensor outputs, in order; nested tuples and lists of outputs are flattened."""
    res = []
    for o in outs:
        if isinstance(o, _tensor.Tensor):
            res.append(o)
        elif isinstance(o, (tuple, list)):
            res.extend(_tensors(o))
    return res


def _diff_outputs(outs) -> list:
    return [o for o in _tensors(outs) if o.requires_grad]


def _diff_inputs(inputs) -> list:
    return [(i, t) for i, t in enumerate(inputs) if isinstance(t, _tensor.Tensor) and t.requires_grad]


def _check_inputs(inputs) -> None:
    """PyTorch's input checks: something must require grad, no stride-0 (overlapping) inputs."""
    diff = _diff_inputs(inputs)
    if not diff:
        raise ValueError("gradcheck expects at least one input tensor to require gradient, but none of "
                         "them have requires_grad=True.")
    for idx, t in diff:
        if t.dtype.name != "float64":
            warnings.warn(
                f"Input #{idx} requires gradient and is not a double precision floating point or complex. "
                "This check will likely fail if all the inputs are not of double precision floating "
                "point or complex. ", UserWarning, stacklevel=3)
    for idx, t in enumerate(inputs):
        if isinstance(t, _tensor.Tensor) and t.requires_grad:
            arr = t._data
            if arr.size and any(s == 0 and n > 1 for s, n in zip(arr.strides, arr.shape)):
                raise RuntimeError(
                    f"The {idx}th input has a dimension with stride 0. gradcheck only supports inputs that "
                    "are non-overlapping to be able to compute the numerical gradients correctly. You "
                    "should call .contiguous on the input before passing it to gradcheck.")


def _host(arr) -> np.ndarray:
    return arr if isinstance(arr, np.ndarray) else arr.get()


def _snapshot(func, inputs) -> list:
    """Evaluate func and copy every tensor output (outputs may alias the inputs being perturbed)."""
    return [np.array(_host(o._data), copy=True) for o in _tensors(_as_tuple(func(*inputs)))]


def _central_diff(func, inputs, arr, index, delta, eps) -> list:
    """(f(x + delta) - f(x - delta)) / (2 eps) for each tensor output, perturbing arr[index] in place."""
    orig = arr[index].copy()
    try:
        arr[index] = orig - delta
        lo = _snapshot(func, inputs)
        arr[index] = orig + delta
        hi = _snapshot(func, inputs)
    finally:
        arr[index] = orig
    # integer and bool outputs are compared as float64 (their difference is 0 unless they jump)
    return [((h - low) / (2 * eps)).ravel() if h.dtype.kind == "f" else
            ((h.astype(np.float64) - low) / (2 * eps)).ravel() for h, low in zip(hi, lo)]


def _numerical_jacobian(func, inputs, eps) -> list:
    """jac[i][o]: (numel of input i, numel of output o) from central differences, for every tensor output."""
    outs = _snapshot(func, inputs)
    jacs = []
    for _, t in _diff_inputs(inputs):
        arr = t._data
        cols = [np.zeros((arr.size, o.size), o.dtype if o.dtype.kind == "f" else np.float64) for o in outs]
        for k in range(arr.size):
            index = np.unravel_index(k, arr.shape) if arr.ndim else ()
            for m, c in zip(cols, _central_diff(func, inputs, arr, index, eps, eps)):
                m[k] = c
        jacs.append(cols)
    return jacs


def _grads(outputs, inputs, grad_outputs) -> tuple:
    from .engine import grad

    return grad(outputs, inputs, grad_outputs, retain_graph=True, allow_unused=True)


def _check_grad_attrs(g, t, check_grad_dtypes: bool) -> None:
    if tuple(g.shape) != tuple(t.shape):
        raise GradcheckError("Analytical gradient has incorrect size")
    if check_grad_dtypes and g.dtype is not t.dtype:
        raise GradcheckError("Gradient has dtype mismatch")


def _analytical_jacobian(output, inputs, check_grad_dtypes) -> list:
    """jac[i]: (numel of input i, numel of output), one backward pass per output element."""
    diff = [t for _, t in _diff_inputs(inputs)]
    n_out = output.numel()
    jacs = [np.zeros((t.numel(), n_out), output._data.dtype) for t in diff]
    base = np.zeros(n_out, output._data.dtype)
    for j in range(n_out):
        base[j] = 1
        go = _tensor.tensor(base.reshape(output.shape), dtype=output.dtype, device=output.device)
        base[j] = 0
        for jac, g, t in zip(jacs, _grads(output, diff, go), diff):
            if g is not None:
                _check_grad_attrs(g, t, check_grad_dtypes)
                jac[:, j] = _host(g._data).ravel()
    return jacs


def _checked_analytical(output, inputs, nondet_tol, check_grad_dtypes) -> list:
    """The analytical Jacobian, computed twice to check that backward is deterministic (reentrant)."""
    first = _analytical_jacobian(output, inputs, check_grad_dtypes)
    second = _analytical_jacobian(output, inputs, check_grad_dtypes)
    for a, b in zip(first, second):
        if a.size and float(np.max(np.abs(a - b))) > nondet_tol:
            raise GradcheckError(
                "Backward is not reentrant, i.e., running backward with same input and grad_output multiple "
                "times gives different values, although analytical gradient matches numerical gradient."
                f"The tolerance for nondeterminism was {nondet_tol}." + _NONDET_HINT)
    return first


def _close(analytical, numerical, rtol, atol) -> bool:
    a = np.asarray(analytical, np.float64)
    n = np.asarray(numerical, np.float64)
    return bool(np.all(np.abs(a - n) <= atol + rtol * np.abs(n)))


def _show(arr) -> str:
    return repr(_tensor.Tensor._make(np.asarray(arr)))


def _mismatch(o: int, i: int, numerical: str, analytical: str) -> str:
    return (f"Jacobian mismatch for output {o} with respect to input {i},\n"
            f"numerical:{numerical}\nanalytical:{analytical}\n")


def _check_no_differentiable_outputs(func, inputs, eps) -> bool:
    for per_input in _numerical_jacobian(func, inputs, eps):
        for jac in per_input:
            if np.any(jac != 0):
                raise GradcheckError("Numerical gradient for function expected to be zero")
    return True


def _slow_check(func, inputs, outputs, pos, eps, atol, rtol, nondet_tol, check_grad_dtypes) -> None:
    """Full Jacobians; `pos[o]` is the place of differentiable output o among all tensor outputs."""
    numerical = _numerical_jacobian(func, inputs, eps)
    input_idx = [i for i, _ in _diff_inputs(inputs)]
    for o_idx, out in enumerate(outputs):
        analytical = _checked_analytical(out, inputs, nondet_tol, check_grad_dtypes)
        for n, (a, per_input) in enumerate(zip(analytical, numerical)):
            num = per_input[pos[o_idx]]
            if not _close(a, num, rtol, atol):
                raise GradcheckError(_mismatch(o_idx, input_idx[n], _show(num), _show(a)))


def _unit_vector(rng, t: Tensor) -> np.ndarray:
    v = rng.random(t.numel())
    norm = np.linalg.norm(v)
    return (v / norm if norm > 0 else v).astype(t._data.dtype)


def _fast_check(func, inputs, outputs, pos, eps, atol, rtol, nondet_tol, check_grad_dtypes) -> None:
    """Compare v^T J u with random unit vectors u (per input) and v (per output)."""
    rng = np.random.default_rng(42)
    diff = _diff_inputs(inputs)
    us = [_unit_vector(rng, t) for _, t in diff]
    vs = [_unit_vector(rng, o) for o in outputs]
    # numerical[i][o] = v_o . (J_oi u_i), from one central difference along u_i
    numerical = []
    for (_, t), u in zip(diff, us):
        arr = t._data
        delta = _tensor.tensor(u.reshape(arr.shape), device=t.device)._data * eps
        ju = _central_diff(func, inputs, arr, ..., delta, eps)
        numerical.append([float(np.dot(vs[o], ju[pos[o]].astype(np.float64))) for o in range(len(outputs))])
    for o_idx, (out, v) in enumerate(zip(outputs, vs)):
        go = _tensor.tensor(v.reshape(out.shape), dtype=out.dtype, device=out.device)
        runs = []
        for _ in range(2):
            grads = _grads(out, [t for _, t in diff], go)
            vals = []
            for (_, t), g, u in zip(diff, grads, us):
                if g is None:
                    vals.append(0.0)
                else:
                    _check_grad_attrs(g, t, check_grad_dtypes)
                    vals.append(float(np.dot(_host(g._data).ravel().astype(np.float64), u)))
            runs.append(vals)
        if any(abs(a - b) > nondet_tol for a, b in zip(*runs)):
            raise GradcheckError(
                "Backward is not reentrant, i.e., running backward with same input and grad_output multiple "
                "times gives different values, although analytical gradient matches numerical gradient."
                f"The tolerance for nondeterminism was {nondet_tol}." + _NONDET_HINT)
        for n, ((i_idx, _), u) in enumerate(zip(diff, us)):
            a, num = runs[0][n], numerical[n][o_idx]
            # each entry of J may be off by atol: the projection may be off by atol * sum(u) * sum(v)
            tol = atol * float(u.sum()) * float(v.sum())
            if not _close(a, num, rtol, tol):
                raise GradcheckError(_mismatch(o_idx, i_idx, repr(num), repr(a)) + _slow_report(
                    func, inputs, out, o_idx, n, pos[o_idx], eps, atol, rtol, check_grad_dtypes))


def _slow_report(func, inputs, out, o_idx, n, pos, eps, atol, rtol, check_grad_dtypes) -> str:
    """After a fast-mode failure, the full Jacobians of the failing pair, as PyTorch reports them."""
    num = _numerical_jacobian(func, inputs, eps)[n][pos]
    ana = _analytical_jacobian(out, inputs, check_grad_dtypes)[n]
    diff = float(np.max(np.abs(num.astype(np.float64) - ana))) if num.size else 0.0
    msg = (_FAST_NOTE + f"Numerical:\n {_show(num)}\nAnalytical:\n{_show(ana)}\n\n"
           f"The max per-element difference (slow mode) is: {diff}.\n")
    if _close(ana, num, rtol, atol):
        msg += ("\nFast gradcheck failed but element-wise differences are small. This means that the test "
                "might've passed in slow_mode!\n")
    return msg


def _check_backward_mul_by_grad_output(func, inputs) -> None:
    """A zero upstream gradient must give zero input gradients of the right dtype, device and size."""
    outputs = _diff_outputs(_as_tuple(func(*inputs)))
    diff = [t for _, t in _diff_inputs(inputs)]
    grads = _grads(outputs, diff, [_tensor.Tensor._make(np.zeros_like(o._data)) for o in outputs])
    for g, t in zip(grads, diff):
        if g is None:
            continue
        if np.any(_host(g._data) != 0):
            raise GradcheckError("backward not multiplied by grad_output")
        if g.dtype is not t.dtype:
            raise GradcheckError("grad is incorrect type")
        if g.device != t.device:
            raise GradcheckError("grad is incorrect device")
        if tuple(g.shape) != tuple(t.shape):
            raise GradcheckError("grad is incorrect size")


def _check_undefined_grad(func, inputs) -> None:
    """Backward must cope with undefined (None) output gradients: all of them, and one at a time."""
    diff = [t for _, t in _diff_inputs(inputs)]
    cases = [[_UndefinedGrad.apply(o) for o in _diff_outputs(_as_tuple(func(*inputs)))]]
    if len(cases[0]) > 1:
        for k in range(len(cases[0])):
            outs = _diff_outputs(_as_tuple(func(*inputs)))
            cases.append([_UndefinedGrad.apply(o) if m == k else o for m, o in enumerate(outs)])
    for outs in cases:
        zeros = [_tensor.Tensor._make(np.zeros_like(o._data)) for o in outs]
        try:
            grads = _grads(outs, diff, zeros)
        except RuntimeError as e:
            _warn_new_check()
            raise GradcheckError("Expected backward function to handle undefined output grads. "
                                 + _UNDEF_HINT) from e
        for g in grads:
            if g is not None and np.any(_host(g._data) != 0):
                _warn_new_check()
                raise GradcheckError("Expected all input grads to be undefined or zero when all output "
                                     "grads are undefined or zero. " + _UNDEF_HINT)


def _warn_new_check() -> None:
    warnings.warn("Backwards compatibility: New undefined gradient support checking feature is enabled by "
                  "default, but it may break existing callers of this function. If this is true for you, you "
                  "can call this function with \"check_undefined_grad=False\" to disable the feature",
                  UserWarning, stacklevel=4)


def gradcheck(func: Callable, inputs: Tensor | Sequence, *, eps: float = 1e-6, atol: float = 1e-5,
              rtol: float = 1e-3, raise_exception: bool = True, nondet_tol: float = 0.0,
              check_undefined_grad: bool = True, check_grad_dtypes: bool = False,
              check_batched_grad: bool = False, check_batched_forward_grad: bool = False,
              check_forward_ad: bool = False, check_backward_ad: bool = True, fast_mode: bool = False,
              masked: bool | None = None) -> bool:
    """Check the gradients of `func` at `inputs` against central finite differences.

    Returns True when they agree; otherwise raises GradcheckError (or returns False when
    raise_exception=False). Inputs should be float64. ember has no forward-mode AD and no vmap, so
    check_forward_ad / check_batched_forward_grad are not supported and check_batched_grad checks nothing
    beyond the ordinary backward.
    """
    if check_forward_ad or check_batched_forward_grad:
        raise NotImplementedError("gradcheck: ember has no forward-mode AD (check_forward_ad and "
                                  "check_batched_forward_grad are not supported)")
    inputs = _as_tuple(inputs)
    try:
        _check_inputs(inputs)
        all_outs = _tensors(_as_tuple(func(*inputs)))
        outputs = [o for o in all_outs if o.requires_grad]
        if not outputs:
            return _check_no_differentiable_outputs(func, inputs, eps)
        if not check_backward_ad:
            return True
        pos = [k for k, o in enumerate(all_outs) if o.requires_grad]
        check = _fast_check if fast_mode else _slow_check
        check(func, inputs, outputs, pos, eps, atol, rtol, nondet_tol, check_grad_dtypes)
        _check_backward_mul_by_grad_output(func, inputs)
        if check_undefined_grad:
            _check_undefined_grad(func, inputs)
    except GradcheckError:
        if raise_exception:
            raise
        return False
    return True


def gradgradcheck(func: Callable, inputs: Tensor | Sequence, grad_outputs=None, *, eps: float = 1e-6,
                  atol: float = 1e-5, rtol: float = 1e-3, gen_non_contig_grad_outputs: bool = False,
                  raise_exception: bool = True, nondet_tol: float = 0.0, check_undefined_grad: bool = True,
                  check_grad_dtypes: bool = False, check_batched_grad: bool = False,
                  check_fwd_over_rev: bool = False, check_rev_over_rev: bool = True,
                  fast_mode: bool = False, masked: bool = False) -> bool:
    """Check second derivatives: gradcheck of (inputs, grad_outputs) -> grad of func's outputs.

    Without grad_outputs, random ones in [-1, 1) are drawn from ember's default generator.
    """
    if check_fwd_over_rev:
        raise NotImplementedError("gradgradcheck: ember has no forward-mode AD (check_fwd_over_rev is not "
                                  "supported)")
    inputs = _as_tuple(inputs)
    if grad_outputs is None:
        from ..random import _rng

        rng = _rng(None)
        outs = _diff_outputs(_as_tuple(func(*inputs)))
        grad_outputs = []
        for o in outs:
            shape = tuple(o.shape)
            vals = rng.uniform(-1.0, 1.0, shape)
            if gen_non_contig_grad_outputs and o.dim() > 0:
                vals = np.repeat(vals[..., None], 2, axis=-1)
                g = _tensor.tensor(vals, dtype=o.dtype, device=o.device)[..., 0]
            else:
                g = _tensor.tensor(vals, dtype=o.dtype, device=o.device)
            grad_outputs.append(g.detach().requires_grad_(True))
    grad_outputs = _as_tuple(grad_outputs)
    n_out = len(grad_outputs)
    diff_idx = [i for i, _ in _diff_inputs(inputs)]

    def new_func(*args):
        from .engine import grad

        in_args, g_outs = args[:len(args) - n_out], args[len(args) - n_out:]
        outs = _diff_outputs(_as_tuple(func(*in_args)))
        grads = grad(outs, [in_args[i] for i in diff_idx], g_outs, create_graph=True, allow_unused=True)
        return tuple(g for g in grads if g is not None)

    if not check_rev_over_rev:
        return True
    return gradcheck(new_func, inputs + grad_outputs, eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception, nondet_tol=nondet_tol,
                     check_undefined_grad=check_undefined_grad, check_grad_dtypes=check_grad_dtypes,
                     check_batched_grad=check_batched_grad, fast_mode=fast_mode, masked=masked)


# `ember.autograd.gradcheck` names the function (the package re-exports it over the module): let the
# error class be reached through it too
gradcheck.GradcheckError = GradcheckError
gradgradcheck.GradcheckError = GradcheckError

"""Higher-level autograd: jacobian, hessian, vjp, jvp, hvp, vhp (as torch.autograd.functional).

Every function takes `inputs` as a Tensor or a tuple of Tensors and mirrors that structure in its result
(and the structure of func's outputs where the result is indexed by output). Forward-mode products
(jvp, hvp) use the double-backward trick: the gradient of a vector-Jacobian product with respect to the
(dummy) vector is the Jacobian-vector product. ember has no vmap: `vectorize=True` computes the same
values row by row.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .. import _tensor
from .function import Function
from .grad_mode import enable_grad, is_grad_enabled, set_grad_enabled

__all__ = ["vjp", "jvp", "jacobian", "hessian", "hvp", "vhp"]


class _Stack(Function):
    """Stack equally shaped tensors along a new first dim (differentiable, for create_graph=True)."""

    _internal = True
    _name = "StackBackward0"

    @staticmethod
    def forward(ctx, *arrays):
        return np.stack(arrays)

    @staticmethod
    def backward(ctx, g):
        return tuple(g[i] for i in range(g.shape[0]))


def _tupled(value, what: str, fn_name: str) -> tuple[bool, tuple]:
    """(was it a tuple, the tuple of Tensors), with PyTorch's TypeError for anything else."""
    is_tuple = isinstance(value, tuple)
    items = value if is_tuple else (value,)
    for i, el in enumerate(items):
        if not isinstance(el, _tensor.Tensor):
            where = f"the value at index {i}" if is_tuple else f"the given {what}"
            raise TypeError(f"The {what} given to {fn_name} must be either a Tensor or a tuple of Tensors "
                            f"but {where} has type {type(el)}.")
    return is_tuple, items


def _untuple(res, is_tuple):
    """Undo _tupled on a result: `is_tuple` is one flag, or (outer, inner) flags for nested results."""
    if isinstance(is_tuple, tuple):
        outer, inner = is_tuple
        if not inner:
            res = tuple(r[0] for r in res)
        return res if outer else res[0]
    return res if is_tuple else res[0]


def _prepare(tensors, create_graph: bool, need_graph: bool) -> tuple:
    """Fresh tensors to differentiate with respect to: a differentiable alias when building a graph
    (so that the result stays connected to the caller's graph), else a detached leaf."""
    out = []
    for t in tensors:
        if create_graph and t.requires_grad:
            out.append(t.view_as(t))
        else:
            out.append(t.detach().requires_grad_(need_graph))
    return tuple(out)


def _finish(tensors, create_graph: bool):
    """Detach results (nested tuples too) unless the caller asked for a graph."""
    if create_graph:
        return tensors
    return tuple(_finish(t, False) if isinstance(t, tuple) else t.detach() for t in tensors)


def _check_v(v, other, other_is_tuple: bool) -> None:
    if len(v) != len(other):
        if other_is_tuple:
            raise RuntimeError(f"v is a tuple of invalid length: should be {len(other)} but got {len(v)}.")
        raise RuntimeError("The given v should contain a single Tensor.")
    for i, (a, b) in enumerate(zip(v, other)):
        if a.shape != b.shape:
            where = f"Entry {i} in " if other_is_tuple else ""
            raise RuntimeError(f"{where}v has invalid size: should be {b.shape} but got {a.shape}.")


_STRICT_MSGS = {
    "outputs": "Output {i} of the user-provided function does not require gradients. The outputs must be "
               "computed in a differentiable manner from the input when running in strict mode.",
    "grad_inputs": "The gradient with respect to input {i} is independent of the inputs of the "
                   "user-provided function. This is not allowed in strict mode.",
    "jacobian": "While computing the hessian, found that the jacobian of the user-provided function with "
                "respect to input {i} is independent of the input. This is not allowed in strict mode. You "
                "should ensure that your function is twice differentiable and that the jacobian depends on "
                "the inputs (this would be violated by a linear function for example).",
    "hessian": "The hessian of the user-provided function with respect to input {i} is independent of the "
               "input. This is not allowed in strict mode. You should ensure that your function is thrice "
               "differentiable and that the hessian depends on the inputs.",
}


def _strict_requires_grad(tensors, kind: str, strict: bool) -> None:
    if not strict:
        return
    for i, t in enumerate(tensors):
        if t is None:
            raise RuntimeError(f"The output of the user-provided function is independent of input {i}. This "
                               "is not allowed in strict mode.")
        if not t.requires_grad:
            raise RuntimeError(_STRICT_MSGS[kind].format(i=i))


def _grad(outputs, inputs, grad_outputs=None, create_graph: bool = False, retain_graph=None) -> tuple:
    """autograd.grad over the outputs that require grad (None entries allowed); None where unused."""
    from .engine import grad

    if grad_outputs is None:
        grad_outputs = (None,) * len(outputs)
    pairs = [(o, g) for o, g in zip(outputs, grad_outputs) if o is not None and o.requires_grad]
    if not pairs:
        return (None,) * len(inputs)
    return grad([o for o, _ in pairs], inputs, [g for _, g in pairs], retain_graph=retain_graph,
                create_graph=create_graph, allow_unused=True)


_ZERO_MSGS = {
    "back": "The output of the user-provided function is independent of input {i}. This is not allowed in "
            "strict mode.",
    "back_trick": "The gradient with respect to the input is independent of entry {i} in the grad_outputs "
                  "when using the double backward trick to compute forward mode gradients. This is not "
                  "allowed in strict mode.",
    "double_back": "The jacobian of the user-provided function is independent of input {i}. This is not "
                   "allowed in strict mode.",
    "double_back_trick": "The hessian of the user-provided function is independent of entry {i} in the "
                         "grad_jacobian. This is not allowed in strict mode as it prevents from using the "
                         "double backward trick to replace forward mode AD.",
}


def _zeros_for_none(grads, refs, strict: bool, create_graph: bool, stage: str) -> tuple:
    """Replace missing gradients by zeros shaped like refs (or raise in strict mode)."""
    out = []
    for i, (g, ref) in enumerate(zip(grads, refs)):
        if g is None:
            if strict:
                raise RuntimeError(_ZERO_MSGS[stage].format(i=i))
            g = _zeros_like(ref)
        elif strict and create_graph and not g.requires_grad:
            what = "hessian" if stage.startswith("double") else "jacobian"
            raise RuntimeError(f"The {what} of the user-provided function is independent of input {i}. This "
                               "is not allowed in strict mode when create_graph=True.")
        out.append(g)
    return tuple(out)


def _zeros_like(t, requires_grad: bool = False):
    z = _tensor.Tensor._make(np.zeros_like(t._data))
    return z.requires_grad_(True) if requires_grad else z


def _single_scalar_output(outputs, is_tuple: bool, fn_name: str) -> None:
    if is_tuple:
        raise RuntimeError(f"The function given to {fn_name} should return a single Tensor")
    if outputs[0].numel() != 1:
        raise RuntimeError(f"The Tensor returned by the function given to {fn_name} should contain a single "
                           "element")


def vjp(func: Callable, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """(func(inputs), v^T J): the vector-Jacobian product at inputs."""
    with enable_grad():
        in_tuple, inputs = _tupled(inputs, "inputs", "vjp")
        inputs = _prepare(inputs, create_graph, True)
        out_tuple, outputs = _tupled(func(*inputs), "outputs of the user-provided function", "vjp")
        _strict_requires_grad(outputs, "outputs", strict)
        if v is not None:
            v = _prepare(_tupled(v, "v", "vjp")[1], create_graph, False)
            _check_v(v, outputs, out_tuple)
        elif len(outputs) != 1 or outputs[0].numel() != 1:
            raise RuntimeError("The vector v can only be None if the user-provided function returns a single "
                               "Tensor with a single element.")
    with set_grad_enabled(True if create_graph else is_grad_enabled()):
        res = _zeros_for_none(_grad(outputs, inputs, v, create_graph), inputs, strict, create_graph, "back")
    return (_untuple(_finish(outputs, create_graph), out_tuple),
            _untuple(_finish(res, create_graph), in_tuple))


def jvp(func: Callable, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """(func(inputs), J v): the Jacobian-vector product, by the double-backward trick."""
    with enable_grad():
        in_tuple, inputs = _tupled(inputs, "inputs", "jvp")
        inputs = _prepare(inputs, create_graph, True)
        if v is not None:
            v = _prepare(_tupled(v, "v", "jvp")[1], create_graph, False)
            _check_v(v, inputs, in_tuple)
        elif len(inputs) != 1 or inputs[0].numel() != 1:
            raise RuntimeError("The vector v can only be None if the input to the user-provided function is "
                               "a single Tensor with a single element.")
        out_tuple, outputs = _tupled(func(*inputs), "outputs of the user-provided function", "jvp")
        _strict_requires_grad(outputs, "outputs", strict)
        # the vjp is linear in the dummy vector, so its value does not matter (zeros: no inf or nan)
        dummies = tuple(_zeros_like(o, requires_grad=True) for o in outputs)
        grad_inputs = _grad(outputs, inputs, dummies, create_graph=True)
        _strict_requires_grad(grad_inputs, "grad_inputs", strict)
    with set_grad_enabled(True if create_graph else is_grad_enabled()):
        res = _grad(grad_inputs, dummies, v, create_graph)
        res = _zeros_for_none(res, outputs, strict, create_graph, "back_trick")
    return (_untuple(_finish(outputs, create_graph), out_tuple),
            _untuple(_finish(res, create_graph), out_tuple))


def _stack(rows, create_graph: bool):
    if create_graph and any(r.requires_grad for r in rows):
        return _Stack.apply(*rows)
    return _tensor.Tensor._make(np.stack([r._data for r in rows]))


def jacobian(func: Callable, inputs, create_graph: bool = False, strict: bool = False,
             vectorize: bool = False, strategy: str = "reverse-mode"):
    """d func(inputs) / d inputs: entry [o][i] has shape outputs[o].shape + inputs[i].shape.

    A single Tensor where func takes and returns single Tensors; a tuple over outputs or over inputs
    where one of them is a tuple; a tuple (outputs) of tuples (inputs) where both are.
    """
    if strategy not in ("forward-mode", "reverse-mode"):
        raise AssertionError('Expected strategy to be either "forward-mode" or "reverse-mode". Hint: If your '
                             'function has more outputs than inputs, "forward-mode" tends to be more '
                             'performant. Otherwise, prefer to use "reverse-mode".')
    if strategy == "forward-mode":
        if create_graph:
            raise NotImplementedError(
                "torch.autograd.functional.jacobian: `create_graph=True` and `strategy=\"forward-mode\"` are "
                "not supported together (yet). Please either set `create_graph=False` or "
                "`strategy=\"reverse-mode\"`.")
        if strict:
            raise RuntimeError("torch.autograd.functional.jacobian: `strict=True` and "
                               "`strategy=\"forward-mode\"` are not supported together (yet). Please either "
                               "set `strict=False` or `strategy=\"reverse-mode\"`.")
        _tupled(inputs, "inputs", "jacobian")
        if not vectorize:
            raise NotImplementedError("Computing Jacobian using forward-AD or forward-over-reverse Hessian is"
                                      "only implemented for `vectorize=True`.")
    with enable_grad():
        in_tuple, inputs = _tupled(inputs, "inputs", "jacobian")
        inputs = _prepare(inputs, create_graph, True)
        out_tuple, outputs = _tupled(func(*inputs), "outputs of the user-provided function", "jacobian")
        _strict_requires_grad(outputs, "outputs", strict)
        if vectorize and strict:
            raise RuntimeError("torch.autograd.functional.jacobian: `strict=True` and `vectorized=True` are "
                               "not supported together. Please either set `strict=False` or "
                               "`vectorize=False`.")
        result = []
        for o_idx, out in enumerate(outputs):
            rows = [[] for _ in inputs]
            onehot = np.zeros(out.numel(), out._data.dtype)
            for j in range(out.numel()):
                onehot[j] = 1
                go = _tensor.tensor(onehot.reshape(out._data.shape), device=out.device)
                onehot[j] = 0
                grads = _grad((out,), inputs, (go,), create_graph, retain_graph=True)
                for i, (g, inp) in enumerate(zip(grads, inputs)):
                    if g is None:
                        if strict:
                            raise RuntimeError(f"Output {o_idx} of the user-provided function is independent "
                                               f"of input {i}. This is not allowed in strict mode.")
                        g = _zeros_like(inp)
                    elif strict and create_graph and not g.requires_grad:
                        raise RuntimeError(f"The jacobian of the user-provided function is independent of "
                                           f"input {o_idx}. This is not allowed in strict mode when "
                                           "create_graph=True.")
                    rows[i].append(g)
            shape = tuple(out.shape)
            result.append(tuple(
                _stack(r, create_graph).reshape(shape + tuple(inp.shape)) if r
                else _tensor.Tensor._make(np.zeros(shape + tuple(inp.shape), inp._data.dtype))
                for r, inp in zip(rows, inputs)))
        return _untuple(_finish(tuple(result), create_graph), (out_tuple, in_tuple))


def hessian(func: Callable, inputs, create_graph: bool = False, strict: bool = False,
            vectorize: bool = False, outer_jacobian_strategy: str = "reverse-mode"):
    """Second derivatives of a function returning a single-element Tensor: [i][j] has shape
    inputs[i].shape + inputs[j].shape (a single Tensor when inputs is a single Tensor)."""
    in_tuple, inputs = _tupled(inputs, "inputs", "hessian")
    if outer_jacobian_strategy not in ("forward-mode", "reverse-mode"):
        raise AssertionError('Expected strategy to be either "forward-mode" or "reverse-mode".')

    def scalar_func(*inp):
        out = func(*inp)
        out_tuple, outs = _tupled(out, "outputs of the user-provided function", "hessian")
        _strict_requires_grad(outs, "outputs", strict)
        _single_scalar_output(outs, out_tuple, "hessian")
        return out.reshape(())

    def jac_func(*inp):
        if outer_jacobian_strategy == "forward-mode":
            inp = tuple(t.requires_grad_(True) for t in inp)
        jac = jacobian(scalar_func, inp, create_graph=True)
        _strict_requires_grad(jac, "jacobian", strict)
        return jac

    res = jacobian(jac_func, inputs, create_graph=create_graph, strict=strict, vectorize=vectorize,
                   strategy=outer_jacobian_strategy)
    return _untuple(res, (in_tuple, in_tuple))


def _second_order_setup(func, inputs, v, create_graph, strict, fn_name):
    """Shared start of vhp and hvp: prepared inputs and v, the outputs, and the first-order gradient."""
    in_tuple, inputs = _tupled(inputs, "inputs", fn_name)
    inputs = _prepare(inputs, create_graph, True)
    if v is not None:
        v = _prepare(_tupled(v, "v", fn_name)[1], create_graph, False)
        _check_v(v, inputs, in_tuple)
    elif len(inputs) != 1 or inputs[0].numel() != 1:
        raise RuntimeError("The vector v can only be None if the input to the user-provided function is a "
                           "single Tensor with a single element.")
    out_tuple, outputs = _tupled(func(*inputs), "outputs of the user-provided function", fn_name)
    _strict_requires_grad(outputs, "outputs", strict)
    _single_scalar_output(outputs, out_tuple, fn_name)
    jac = _grad(outputs, inputs, create_graph=True)
    _strict_requires_grad(jac, "jacobian", strict)
    return in_tuple, inputs, v, out_tuple, outputs, jac


def vhp(func: Callable, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """(func(inputs), v^T H): vector-Hessian product of a function returning a single-element Tensor."""
    with enable_grad():
        in_tuple, inputs, v, out_tuple, outputs, jac = _second_order_setup(
            func, inputs, v, create_graph, strict, "vhp")
    with set_grad_enabled(True if create_graph else is_grad_enabled()):
        res = _grad(jac, inputs, v, create_graph)
        res = _zeros_for_none(res, inputs, strict, create_graph, "double_back")
    return (_untuple(_finish(outputs, create_graph), out_tuple),
            _untuple(_finish(res, create_graph), in_tuple))


def hvp(func: Callable, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """(func(inputs), H v): Hessian-vector product, by the double-backward trick."""
    with enable_grad():
        in_tuple, inputs, v, out_tuple, outputs, jac = _second_order_setup(
            func, inputs, v, create_graph, strict, "hvp")
        dummies = tuple(_zeros_like(t, requires_grad=True) for t in inputs)
        double_back = _grad(jac, inputs, dummies, create_graph=True)
        _strict_requires_grad(jac, "hessian", strict)
    with set_grad_enabled(True if create_graph else is_grad_enabled()):
        res = _grad(double_back, dummies, v, create_graph)
        res = _zeros_for_none(res, inputs, strict, create_graph, "double_back_trick")
    return (_untuple(_finish(outputs, create_graph), out_tuple),
            _untuple(_finish(res, create_graph), in_tuple))

"""Function: one node of the graph. Forward computes on arrays, backward is differentiable Tensor code.

Every ember op and every user-defined `ember.autograd.Function` goes through `Function.apply`. The
instance of the op class is both the `ctx` handed to forward/backward and the `grad_fn` node of its
outputs. With grad mode off, or no input requiring grad, apply records nothing: no edges, no saved
tensors, just the forward on arrays and a light Tensor wrapper.
"""

from __future__ import annotations

import re
import traceback
import weakref

import numpy as np

from .. import _tensor
from ..backend.device import xp_of
from . import anomaly_mode
from .grad_mode import state

__all__ = ["Function", "FunctionCtx", "once_differentiable"]

# bound by ember._tensor once the class exists (the modules import each other)
Tensor = None
_make = None
_new = object.__new__

_FLOAT_KINDS = frozenset("fc")
_INFERENCE_SAVED = (
    "Inference tensors cannot be saved for backward. Please do not use Tensors created in inference mode in "
    "computation tracked by autograd. To work around this, you can make a clone to get a normal tensor and use "
    "it in autograd, or use `torch.no_grad()` instead of `torch.inference_mode()`.")
_SCALARS = frozenset((int, float, bool, complex))
_FREED = "freed"
_ndarray = np.ndarray
_anomaly = anomaly_mode.state


def _freed_error() -> RuntimeError:
    return RuntimeError(
        "Trying to backward through the graph a second time (or directly access saved tensors after "
        "they have already been freed). Saved intermediate values of the graph are freed when you call "
        ".backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the "
        "graph a second time or if you need to access saved tensors after calling backward.")


class _SavedOutput:
    """An output saved for backward: kept as its array so the node does not reference itself."""

    __slots__ = ("data", "version", "at", "nr", "requires_grad")

    def __init__(self, data, version, nr, requires_grad) -> None:
        self.data = data
        self.version = version
        self.at = version[0]
        self.nr = nr
        self.requires_grad = requires_grad


class Function:
    """Base of every differentiable op: subclass with static `forward(ctx, ...)` and `backward(ctx, ...)`.

    ember's own ops return arrays from forward (`_internal = True`); user subclasses follow PyTorch and
    return Tensors, their forward running with grad mode off.
    """

    __slots__ = ("_edges", "_saved", "_to_save", "needs_input_grad", "_non_diff", "__dict__",
                 "__weakref__")
    # rarely set per node: class-level defaults keep recording cheap
    _pre_hooks = None
    _hooks = None
    _trace = None
    _materialize = True
    _out_meta = None
    _n_out = 1
    # argument positions where PyTorch wraps a Python number into a tensor (e.g. `x * 2`): shown in
    # next_functions as (None, 0) like a tensor that does not require grad; other non-tensors are not
    _scalar_edges = ()
    _internal = False
    _name: str | None = None
    # optional first-order backward on raw arrays (same contract as backward), used when create_graph=False
    backward_array = None

    def __init__(self, *args, **kwargs) -> None:
        self._to_save = None
        self._saved = None
        self._edges = ()
        self._non_diff = None

    # -- ctx API used inside forward -------------------------------------------------------------
    def save_for_backward(self, *tensors) -> None:
        self._to_save = tensors

    def mark_non_differentiable(self, *tensors) -> None:
        self._non_diff = tensors

    def set_materialize_grads(self, value: bool) -> None:
        self._materialize = bool(value)

    def mark_dirty(self, *tensors) -> None:
        self._dirty = tensors

    @property
    def saved_tensors(self) -> tuple:
        saved = self._saved
        if saved is None:
            return ()
        if saved is _FREED:
            raise _freed_error()
        out = []
        for e in saved:
            if type(e) is tuple:
                t, at = e
                if t._vc[0] != at:
                    raise _modified_error(t, at)
                out.append(t)
            elif type(e) is _SavedOutput:
                if e.version[0] != e.at:
                    raise _modified_error(None, e.at, e.version[0], self, e)
                out.append(_tensor.Tensor._make(e.data, e.requires_grad, self, e.nr, e.version))
            else:
                out.append(e)
        return tuple(out)

    # -- graph API ---------------------------------------------------------------------------------
    def name(self) -> str:
        # PyTorch names its own nodes AddBackward0, ...; a custom Function's node is of class MyFnBackward
        return self._name or type(self).__name__ + ("Backward0" if self._internal else "")

    @property
    def next_functions(self) -> tuple:
        res = []
        for i, e in enumerate(self._edges):
            if e:
                res.append((e[0], e[1]))
            elif e is None or i in self._scalar_edges:
                res.append((None, 0))
        return tuple(res)

    @property
    def metadata(self) -> dict:
        return self.__dict__.setdefault("_metadata", {})

    def register_hook(self, fn):
        """fn(grad_inputs, grad_outputs) runs after this node's backward; may return new grad_inputs."""
        if self._hooks is None:
            self._hooks = []
        self._hooks.append(fn)
        return _RemovableHandle(self._hooks, fn)

    def register_prehook(self, fn):
        """fn(grad_outputs) runs before this node's backward; may return new grad_outputs."""
        return self._add_pre_hook(None, fn)

    def _add_pre_hook(self, nr, fn):
        if self._pre_hooks is None:
            self._pre_hooks = []
        entry = (nr, fn)
        self._pre_hooks.append(entry)
        return _RemovableHandle(self._pre_hooks, entry)

    def __repr__(self) -> str:
        return f"<{self.name()} object at {hex(id(self))}>"

    def __call__(self, *grads):
        return type(self).backward(self, *grads)

    # -- the op contract ---------------------------------------------------------------------------
    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("You must implement the forward function for custom autograd.Function.")

    @staticmethod
    def backward(ctx, *grads):
        raise NotImplementedError("You must implement either the backward or vjp method for your custom "
                                  "autograd.Function to use it with backward mode AD.")

    vjp = backward

    @staticmethod
    def setup_context(ctx, inputs, output):
        """PyTorch 2 style: with forward(*args) taking no ctx, fill ctx here from inputs and output."""
        raise NotImplementedError("setup_context is not implemented.")

    @classmethod
    def apply(cls, *args, **kwargs):
        ctx = _new(cls if cls._internal else _node_class(cls))
        ctx._to_save = None
        ctx._non_diff = None
        if not cls._internal:
            return _apply_user(cls, ctx, args, kwargs)
        arrays = []
        record = False
        for a in args:
            if isinstance(a, Tensor):
                arrays.append(a._data)
                if a._rg:
                    record = True
            else:
                arrays.append(a)
        if _tensor.cuda_in_use:
            _tensor.check_same_device(args)
        if record and state.enabled:
            return ctx._record(args, cls.forward(ctx, *arrays, **kwargs))
        out = cls.forward(ctx, *arrays, **kwargs)
        if type(out) is tuple:
            return tuple(_make(o) for o in out)
        return _make(out)

    def _record(self, args, out):
        """Wire this node into the graph: edges to the inputs' nodes, outputs, saved tensors."""
        edges = []
        for a in args:
            if isinstance(a, Tensor):
                if a._view_src is not None and a._view_ver != a._vc[0]:
                    _tensor.refresh_view(a)
                if a._rg:
                    data = a._data
                    edges.append((a.grad_fn or a._grad_accumulator(), a._output_nr, data.shape, data.dtype))
                else:
                    edges.append(None)
            else:
                edges.append(False)  # not a tensor: no edge, and not listed in next_functions
        self._edges = edges = tuple(edges)
        self.needs_input_grad = tuple(map(bool, edges))  # an edge is a non-empty tuple, else None/False
        if anomaly_mode.state.enabled:
            self._trace = traceback.format_stack()[:-2]
        non_diff = self._non_diff
        if type(out) is not tuple:
            outs = (out,)
            rg = out.dtype.kind in _FLOAT_KINDS and not (non_diff and any(out is n for n in non_diff))
            results = (_make(out, rg, self if rg else None, 0),)
            if not self._internal:
                self._out_meta = ((out.shape, out.dtype),)
        else:
            outs = out
            results = []
            for i, o in enumerate(outs):
                rg = o.dtype.kind in _FLOAT_KINDS and not (non_diff and any(o is n for n in non_diff))
                results.append(_make(o, rg, self if rg else None, i))
            self._n_out = len(outs)
            self._out_meta = tuple((o.shape, o.dtype) for o in outs)
        if not self._internal:
            # to materialize zero gradients when none reaches this node at all
            self._out_xp = xp_of(outs[0])
        to_save = self._to_save
        if to_save is not None:
            saved = []
            for s in to_save:
                if s is None or type(s) in _SCALARS:
                    saved.append(s)
                    continue
                if isinstance(s, Tensor):
                    if s._inference:
                        raise RuntimeError(_INFERENCE_SAVED)
                    saved.append((s, s._vc[0]))
                    continue
                for a in args:
                    if isinstance(a, Tensor) and a._data is s:
                        if a._inference:
                            raise RuntimeError(_INFERENCE_SAVED)
                        saved.append((a, a._vc[0]))
                        break
                else:
                    saved.append(_save_result(s, outs, results))
            self._saved = tuple(saved)
            self._to_save = None
        else:
            self._saved = None
        return results[0] if type(out) is not tuple else tuple(results)

    def _release(self) -> None:
        if self._saved is not None:
            self._saved = _FREED


def record_elementwise(cls, input, other, out, save, alpha=False):
    """`cls.apply(input, other)` (`cls.apply(input, other, 1)` with alpha) for a hot elementwise op whose
    caller has already computed `out`, one float array: what `_record` does, specialised to input being a
    Tensor, other a Tensor or a Python number, one output, nothing marked non-differentiable. save:
    whether forward saves (input, other) for backward.

    Recording is most of an op's cost on tiny tensors: this skips forward's ctx calls and the generic
    loops. The caller guarantees grad mode is on and an input requires grad."""
    node = _new(cls)
    # the two operands are handled inline, one after the other: a loop or a helper call costs more
    # than the rest of this function on a 16-element tensor
    if input._view_src is not None and input._view_ver != input._vc[0]:
        _tensor.refresh_view(input)
    if input._rg:
        data = input._data
        e0 = (input.grad_fn or input._grad_accumulator(), input._output_nr, data.shape, data.dtype)
    else:
        e0 = None
    if isinstance(other, Tensor):
        if other._view_src is not None and other._view_ver != other._vc[0]:
            _tensor.refresh_view(other)
        if other._rg:
            data = other._data
            e1 = (other.grad_fn or other._grad_accumulator(), other._output_nr, data.shape, data.dtype)
        else:
            e1 = None
        s1 = (other, other._vc[0])
    else:
        e1 = False  # not a tensor: no edge, and not listed in next_functions
        s1 = other
    need1 = e1 is not None and e1 is not False
    if alpha:  # alpha=1 is a number: no edge
        node._edges = (e0, e1, False)
        node.needs_input_grad = (e0 is not None, need1, False)
    else:
        node._edges = (e0, e1)
        node.needs_input_grad = (e0 is not None, need1)
    if save:
        if input._inference or (e1 is not False and other._inference):
            raise RuntimeError(_INFERENCE_SAVED)
        node._saved = ((input, input._vc[0]), s1)
    else:
        node._saved = None
    if _anomaly.enabled:
        node._trace = traceback.format_stack()[:-2]
    if type(out) is not _ndarray and isinstance(out, np.generic):
        out = np.asarray(out)  # ufuncs on 0-d arrays return NumPy scalars
    # Tensor._make, inline
    res = _new(Tensor)
    res._data = out
    res._rg = True
    res.grad_fn = node
    res._output_nr = 0
    res._vc = [0]
    if state.inference:
        res._inference = True
    return res


def _save_result(s, outs, results):
    """An array saved by an internal forward that is not an input: an output, else a constant."""
    for o, r in zip(outs, results):
        if o is s:
            return _SavedOutput(r._data, r._vc, r._output_nr, r._rg)
    return Tensor._make(s)


def _modified_error(t, at, now=None, node=None, saved=None) -> RuntimeError:
    """PyTorch's message: the tensor's type and shape, and the op (without "Backward0") that made it."""
    if t is not None:
        now = t._vc[0]
        desc = f"[{t.type()} {list(t.shape)}]"
        fn, nr = t.grad_fn, t._output_nr
    else:  # an output saved by the node that made it
        desc = f"[{Tensor._make(saved.data).type()} {list(saved.data.shape)}]"
        fn, nr = node, saved.nr
    if fn is not None:
        desc += f", which is output {nr} of {re.sub(r'Backward[0-9]*$', '', fn.name())},"
    return RuntimeError(
        "one of the variables needed for gradient computation has been modified by an inplace "
        f"operation: {desc} is at version {now}; expected version {at} instead. Hint: enable anomaly "
        "detection to find the operation that failed to compute its gradient, with "
        "torch.autograd.set_detect_anomaly(True, check_nan=False).")


def _node_class(cls):
    """The class of a custom Function's nodes: `<cls>Backward`, a subclass of cls (cached on cls)."""
    node_cls = cls.__dict__.get("_node_cls")
    if node_cls is None:
        node_cls = type(cls.__name__ + "Backward", (cls,), {"__slots__": (), "__module__": cls.__module__})
        node_cls._node_cls = node_cls
        cls._node_cls = node_cls
    return node_cls


def _apply_user(cls, ctx, args, kwargs):
    """apply for user-defined Functions: forward gets Tensors, runs without grad, returns Tensors."""
    if _tensor.cuda_in_use:
        _tensor.check_same_device(args)
    record = state.enabled and any(isinstance(a, Tensor) and a._rg for a in args)
    ctx.needs_input_grad = tuple(isinstance(a, Tensor) and a.requires_grad for a in args)
    ctx._materialize = True
    ctx._dirty = ()
    prev = state.enabled
    state.enabled = False
    try:
        if cls.setup_context is not Function.setup_context:
            out = cls.forward(*args, **kwargs)
            cls.setup_context(ctx, args, out)
        else:
            out = cls.forward(ctx, *args, **kwargs)
    finally:
        state.enabled = prev
    multi = isinstance(out, tuple)
    outs = out if multi else (out,)
    dirty = ctx._dirty
    for d in dirty:
        if record and d._rg and d.grad_fn is None:
            raise RuntimeError("a leaf Variable that requires grad has been used in an in-place operation.")
        d._vc[0] += 1
    if not record:
        res = tuple(o.detach() if isinstance(o, Tensor) and any(o is a for a in args)
                    and not any(o is d for d in dirty) else o for o in outs)
        return res if multi else res[0]
    if ctx._to_save is not None:
        for i, s in enumerate(ctx._to_save):
            if s is not None and not isinstance(s, Tensor):
                raise TypeError(f"save_for_backward can only save variables, but argument {i} is of type "
                                f"{type(s).__name__}")
    # forward may return an input unchanged (or save an output): give each output its own Tensor
    arrays = []
    for o in outs:
        if isinstance(o, Tensor):
            arrays.append(o._data)
        elif o is None:
            arrays.append(None)
        else:
            arrays.append(np.asarray(o))
    saved = ctx._to_save
    if saved is not None:
        ctx._to_save = tuple(s._data if isinstance(s, Tensor) and any(s is o for o in outs) else s
                             for s in saved)
    if ctx._non_diff is not None:
        ctx._non_diff = tuple(n._data for n in ctx._non_diff)
    kept = [a for a in arrays if a is not None]
    results = ctx._record(args, tuple(kept) if multi else kept[0])
    results = results if multi else (results,)
    it = iter(results)
    final = []
    for o, a in zip(outs, arrays):
        r = None if a is None else next(it)
        if r is not None and any(o is d for d in dirty):
            # modified in place: the caller's tensor object itself becomes the output
            o.grad_fn, o._output_nr, o._rg = r.grad_fn, r._output_nr, r._rg
            r = o
        final.append(r)
    return tuple(final) if multi else final[0]


class FunctionCtx(Function):
    """The type of `ctx` as PyTorch names it; every Function instance is one."""


class _RemovableHandle:
    __slots__ = ("_list", "_item")

    def __init__(self, lst, item) -> None:
        self._list = weakref.ref(lst) if not isinstance(lst, list) else lst
        self._item = item

    def remove(self) -> None:
        try:
            self._list.remove(self._item)
        except ValueError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.remove()


class _DelayedError(Function):
    """An alias of a gradient that raises if anyone differentiates through it."""

    _internal = True
    _name = "Error"

    @staticmethod
    def forward(ctx, value, *connected):
        return value

    @staticmethod
    def backward(ctx, g):
        raise RuntimeError("trying to differentiate twice a function that was marked with "
                           "@once_differentiable")


def once_differentiable(fn):
    """Decorator for a backward that is not itself differentiable: runs it with grad mode off; with
    create_graph=True its results raise when differentiated."""
    import functools

    @functools.wraps(fn)
    def wrapper(ctx, *grads):
        prev = state.enabled
        state.enabled = False
        try:
            res = fn(ctx, *grads)
        finally:
            state.enabled = prev
        connected = [g for g in grads if isinstance(g, Tensor) and g._rg]
        if not prev or not connected:
            return res
        if isinstance(res, tuple):
            return tuple(_DelayedError.apply(r, *connected) if isinstance(r, Tensor) else r for r in res)
        return _DelayedError.apply(res, *connected) if isinstance(res, Tensor) else res
    return wrapper

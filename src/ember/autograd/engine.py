"""The backward pass: walk the graph in reverse topological order, iteratively, and route gradients."""

from __future__ import annotations

import warnings

import numpy as np

from .. import _tensor
from ..backend.device import xp_of
from . import anomaly_mode
from .function import _FREED, Function
from .grad_mode import state

__all__ = ["backward", "grad", "AccumulateGrad"]


class AccumulateGrad:
    """The node that adds the gradient reaching a leaf into its `.grad` (after the leaf's hooks)."""

    __slots__ = ("variable", "_pre_hooks", "_hooks", "__weakref__")
    _edges = ()
    _n_out = 1

    def __init__(self, variable) -> None:
        self.variable = variable
        self._pre_hooks = None
        self._hooks = None

    def name(self) -> str:
        return "torch::autograd::AccumulateGrad"

    @property
    def next_functions(self) -> tuple:
        return ()

    def register_hook(self, fn):
        return Function.register_hook(self, fn)

    def register_prehook(self, fn):
        return Function._add_pre_hook(self, None, fn)

    def _add_pre_hook(self, nr, fn):
        return Function._add_pre_hook(self, nr, fn)

    def __repr__(self) -> str:
        return f"<AccumulateGrad object at {hex(id(self))}>"


def _sum_axes(gshape, shape, node=None, index=0):
    """Axes to sum so that a gradient of gshape reduces to an input of shape (broadcasting undone)."""
    lead = len(gshape) - len(shape)
    axes = list(range(lead)) if lead >= 0 else None
    if axes is not None:
        for i, n in enumerate(shape):
            if n == 1 and gshape[lead + i] != 1:
                axes.append(lead + i)
            elif n != gshape[lead + i]:
                axes = None
                break
    if axes is None:
        name = node.name() if node is not None else "Function"
        raise RuntimeError(f"Function {name} returned an invalid gradient at index {index} - got "
                           f"{list(gshape)} but expected shape compatible with {list(shape)}")
    return tuple(axes)


def _sum_to(g, shape, node=None, index=0):
    """Reduce a broadcast gradient (a Tensor) back to the input's shape, differentiably."""
    axes = _sum_axes(g._data.shape, shape, node, index)
    if axes:
        g = g.sum(axes, keepdim=True)
    return g.reshape(shape) if g._data.shape != shape else g


def _sum_to_array(g, shape, node=None, index=0):
    axes = _sum_axes(g.shape, shape, node, index)
    if axes:
        g = g.sum(axis=axes, keepdims=True)
    return g.reshape(shape) if g.shape != shape else g


def _make_roots(tensors, grad_tensors):
    Tensor = _tensor.Tensor
    if isinstance(tensors, Tensor):
        tensors = (tensors,)
    tensors = tuple(tensors)
    if grad_tensors is None:
        grad_tensors = (None,) * len(tensors)
    elif isinstance(grad_tensors, Tensor):
        grad_tensors = (grad_tensors,)
    grad_tensors = tuple(grad_tensors)
    for g in grad_tensors[:len(tensors)]:
        if g is not None and not isinstance(g, Tensor):
            raise TypeError(f"gradients can be either Tensors or None, but got {type(g).__name__}")
    if len(grad_tensors) != len(tensors):
        raise RuntimeError(f"got {len(tensors)} tensors and {len(grad_tensors)} gradients")
    roots = []
    for i, (t, g) in enumerate(zip(tensors, grad_tensors)):
        if not t.requires_grad:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not have a grad_fn")
        if g is None:
            if t.numel() != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            if not t.is_floating_point():
                raise RuntimeError(f"grad can be implicitly created only for real scalar outputs but "
                                   f"got {t.dtype}")
            g = Tensor._make(np.ones_like(t._data))
        elif g.shape != t.shape:
            raise RuntimeError(f"Mismatch in shape: grad_output[{i}] has a shape of {g.shape} and "
                               f"output[{i}] has a shape of {t.shape}.")
        node = t.grad_fn
        if node is None:
            node = t._grad_accumulator()
        roots.append((node, t._output_nr, g))
    return roots


def _discover(roots):
    """Count, for every node reachable from the roots, how many edges point at it."""
    deps: dict = {}
    get = deps.get
    stack = list(dict.fromkeys(r[0] for r in roots))  # a node may be the root of several outputs
    # a node is visited once: when first counted in deps (or, for a root, from the start)
    root_set = set(stack)
    while stack:
        node = stack.pop()
        for e in node._edges:
            if not e:
                continue
            nxt = e[0]
            n = get(nxt)
            if n is None:
                deps[nxt] = 1
                if nxt not in root_set:
                    stack.append(nxt)
            else:
                deps[nxt] = n + 1
    return deps


def _needed(roots, targets):
    """Nodes from which some target node is reachable (only those must run when inputs are given)."""
    order = []
    visited = set()
    for root in {r[0] for r in roots}:
        if root in visited:
            continue
        visited.add(root)
        stack = [(root, iter(root._edges))]
        while stack:
            node, it = stack[-1]
            for e in it:
                if e and e[0] not in visited:
                    visited.add(e[0])
                    stack.append((e[0], iter(e[0]._edges)))
                    break
            else:
                stack.pop()
                order.append(node)
    needed = set()
    for node in order:  # post-order: every child comes before its parents
        if node in targets or any(e and e[0] in needed for e in node._edges):
            needed.add(node)
    return needed


def _run_pre_hooks(node, grads, fast):
    """Tensor hooks (per output) and node pre-hooks; they see and return Tensors."""
    Tensor = _tensor.Tensor
    wrap = (lambda g: g if g is None or _is_sparse(g) else Tensor._make(g)) if fast else (lambda g: g)
    unwrap = (lambda g: g if g is None or g.is_sparse else g._data) if fast else (lambda g: g)
    for nr, fn in list(node._pre_hooks):
        if nr is None:
            res = fn(tuple(wrap(g) for g in grads))
            if res is not None:
                grads = [unwrap(g) for g in res]
        elif grads[nr] is not None:
            res = fn(wrap(grads[nr]))
            if res is not None:
                grads[nr] = unwrap(res)
    return grads


def _execute(roots, retain_graph, create_graph, capture=None, only=None):
    """Run the backward pass. capture: {(node, nr): slot} to collect gradients instead of accumulating.
    only: restrict accumulation to these leaves' AccumulateGrad nodes (backward(inputs=...)).

    First order (create_graph=False) passes raw arrays between nodes and uses an op's backward_array
    where it has one; with create_graph=True gradients are Tensors and every backward is recorded."""
    fast = not create_graph
    deps = _discover(roots)
    targets = needed = None
    if capture is not None or only is not None:
        targets = {k[0] for k in capture} if capture is not None else set(only)
        needed = _needed(roots, targets)
    buffers: dict = {}
    for node, nr, g in roots:
        buf = buffers.get(node)
        if buf is None:
            buf = buffers[node] = [None] * node._n_out
        g = g._data if fast else g
        buf[nr] = g if buf[nr] is None else buf[nr] + g
    # ready: (node, its gradient list) for nodes whose every incoming edge has delivered; buffers only
    # holds the gradients of nodes still waiting for some (a chain then never touches it)
    ready = [(n, buffers.pop(n)) for n in list(buffers) if n not in deps]
    handed = {id(r[2]._data): r[2]._data for r in roots}
    prev = state.enabled
    state.enabled = create_graph
    detect = anomaly_mode.state.enabled and anomaly_mode.state.check_nan
    inline = fast and not detect  # backward_array may be called inline (see below)
    ndarray = np.ndarray
    errstate = np.errstate(all="ignore")  # PyTorch never warns about inf/nan arithmetic
    errstate.__enter__()
    try:
        while ready:
            node, grads = ready.pop()
            if grads is None:
                grads = [None] * node._n_out
            if node._pre_hooks:
                grads = _run_pre_hooks(node, grads, fast)
            if capture is not None:
                for nr, g in enumerate(grads):
                    slot = capture.get((node, nr))
                    if slot is not None:
                        slot.append(_tensor.Tensor._make(g) if fast and g is not None and not _is_sparse(g)
                                    else g)
            if type(node) is AccumulateGrad:
                if capture is None and (only is None or node in targets) and grads[0] is not None:
                    _accumulate(node.variable, grads[0], fast, handed)
                continue
            if needed is not None and node not in needed:
                continue
            cls = type(node)
            edges = node._edges
            backward_array = cls.backward_array
            if inline and backward_array is not None and grads[0] is not None and len(grads) == 1 \
                    and not node._hooks:
                # the common first-order case, inline: one output, an array backward, no hooks
                in_grads = backward_array(node, grads[0])
                if type(in_grads) is not tuple:
                    in_grads = (in_grads,)
                if len(in_grads) != len(edges):
                    in_grads = _check_count(node, in_grads)
            elif grads[0] is None and all(g is None for g in grads) and cls._internal:
                # ember's own ops give no gradient for no gradient; a user Function is still called
                in_grads = (None,) * len(edges)
            else:
                in_grads = _call_backward(node, grads, fast, detect)
            if not retain_graph and node._saved is not None:
                node._saved = _FREED
            for index, (e, g) in enumerate(zip(edges, in_grads)):
                if not e:
                    continue
                nxt, nr, shape, dt = e
                if type(g) is ndarray:  # the common first-order case, checked first
                    if g.shape != shape:
                        g = _sum_to_array(g, shape, node, index)
                    if g.dtype is not dt and g.dtype != dt:
                        g = g.astype(dt)
                elif g is not None and _is_sparse(g):
                    pass  # row-sparse (embedding) gradients have the input's shape and dtype already
                elif g is not None:
                    if fast:
                        if g.shape != shape:
                            g = _sum_to_array(g, shape, node, index)
                        if g.dtype != dt:
                            g = g.astype(dt)
                    else:
                        if g._data.shape != shape:
                            g = _sum_to(g, shape, node, index)
                        if g._data.dtype != dt:
                            g = g.to(_tensor.dtype_of_np(dt))
                d = deps[nxt] - 1
                if d:  # more edges lead into nxt: gather this gradient and wait for them
                    deps[nxt] = d
                    if g is not None:
                        buf = buffers.get(nxt)
                        if buf is None:
                            buf = buffers[nxt] = [None] * nxt._n_out
                        buf[nr] = g if buf[nr] is None else _add(buf[nr], g, fast)
                    continue
                # the last edge into nxt (its count is not needed any more): ready, with what it gathered
                buf = buffers.pop(nxt, None) if buffers else None
                if g is not None:
                    if buf is None:
                        buf = [None] * nxt._n_out
                        buf[nr] = g
                    else:
                        buf[nr] = g if buf[nr] is None else _add(buf[nr], g, fast)
                ready.append((nxt, buf))
    finally:
        errstate.__exit__(None, None, None)
        state.enabled = prev


def _call_backward(node, grads, fast, detect):
    """Call one node's backward; returns one gradient (or None) per forward argument."""
    Tensor = _tensor.Tensor
    if node._materialize and any(g is None for g in grads) and (len(grads) > 1 or not node._internal):
        like = next((g for g in grads if g is not None), None)
        xp = node._out_xp if like is None else xp_of(like if fast else like._data)
        for i, g in enumerate(grads):
            if g is None:
                shape, dt = node._out_meta[i]
                z = xp.zeros(shape, dt)
                grads[i] = z if fast else Tensor._make(z)
    cls = type(node)
    if fast:
        if cls.backward_array is not None:
            res = cls.backward_array(node, *grads)
        else:
            res = cls.backward(node, *[None if g is None else Tensor._make(g) for g in grads])
            res = _unwrap(res, node)
    else:
        res = cls.backward(node, *grads)
        if not isinstance(res, tuple):
            res = (res,)
        for r in res:
            if r is not None and not isinstance(r, Tensor):
                raise RuntimeError(f"expected Variable or None (got {type(r).__name__})")
    if type(res) is not tuple:
        res = (res,)
    if len(res) != len(node._edges):
        res = _check_count(node, res)
    if node._hooks:
        res = _run_post_hooks(node, res, grads, fast)
    if detect:
        for i, g in enumerate(res):
            if g is not None and bool(xp_of(g if fast else g._data).isnan(g if fast else g._data).any()):
                if node._trace:
                    warnings.warn("Error detected in " + node.name() + ". Traceback of forward call "
                                  "that caused the error:\n" + "".join(node._trace), stacklevel=2)
                raise RuntimeError(f"Function '{node.name()}' returned nan values in its {i}th output.")
    return res


def _check_count(node, res) -> tuple:
    """A backward must return one gradient per forward argument (extra trailing Nones are tolerated)."""
    n_in = len(node._edges)
    if len(res) > n_in and all(r is None for r in res[n_in:]):
        return res[:n_in]
    raise RuntimeError(f"function {node.name()} returned an incorrect number of gradients "
                       f"(expected {n_in}, got {len(res)})")


def _unwrap(res, node):
    Tensor = _tensor.Tensor
    if not isinstance(res, tuple):
        res = (res,)
    out = []
    for r in res:
        if r is None:
            out.append(None)
        elif isinstance(r, Tensor):
            out.append(r._data)
        else:
            raise RuntimeError(f"expected Variable or None (got {type(r).__name__})")
    return tuple(out)


def _run_post_hooks(node, res, grads, fast):
    Tensor = _tensor.Tensor
    wrap = (lambda g: None if g is None else Tensor._make(g)) if fast else (lambda g: g)
    for fn in node._hooks:
        new = fn(tuple(wrap(r) for r in res), tuple(wrap(g) for g in grads))
        if new is not None:
            res = tuple((None if r is None else r._data) if fast else r for r in new)
    return res


def _is_sparse(g) -> bool:
    """Whether a gradient (array or Tensor) is a SparseTensor (nn.Embedding(sparse=True) makes them)."""
    return type(g) is not np.ndarray and isinstance(g, _tensor.Tensor) and g.is_sparse


def _add(a, b, fast):
    """Sum of two gradients of one input, either of which may be sparse (dense + sparse is dense)."""
    sa, sb = _is_sparse(a), _is_sparse(b)
    if sa == sb:
        return a + b
    dense, sparse = (b, a) if sa else (a, b)
    res = sparse.__radd__(_tensor.Tensor._make(dense) if fast else dense)
    return res._data if fast else res


def _accumulate(leaf, g, fast, handed) -> None:
    """Add a gradient (an array when fast, else a Tensor; or a SparseTensor) into leaf.grad."""
    Tensor = _tensor.Tensor
    old = leaf._grad
    if _is_sparse(g) or (old is not None and old.is_sparse):
        g = Tensor._make(g) if fast and not _is_sparse(g) else g
        leaf._grad = g if old is None else _add(old, g, False)
    elif not fast:
        leaf._grad = g if old is None else old + g
    elif old is None:
        # steal a fresh array; copy one that is a view, read-only or already handed to someone else
        if g.base is not None or not g.flags.writeable or id(g) in handed:
            g = g.copy()
        handed[id(g)] = g
        leaf._grad = Tensor._make(g)
    elif old._rg or old.grad_fn is not None:
        leaf._grad = Tensor._make(old._data + g)
    else:
        old._data += g
        old._vc[0] += 1
    if leaf._hooks_acc:
        for fn in list(leaf._hooks_acc):
            fn(leaf)


_cycle_warned = False


def _warn_cycle_once() -> None:
    global _cycle_warned
    if not _cycle_warned:
        _cycle_warned = True
        warnings.warn("Using backward() with create_graph=True will create a reference cycle between the "
                      "parameter and its gradient which can cause a memory leak. We recommend using "
                      "autograd.grad when creating the graph to avoid this. If you have to use this "
                      "function, make sure to reset the .grad fields of your parameters to None after use to "
                      "break the cycle and avoid the leak.", UserWarning, stacklevel=3)


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None) -> None:
    """Compute the gradients of `tensors` and accumulate them into the leaves' `.grad`."""
    if retain_graph is None:
        retain_graph = create_graph
    roots = _make_roots(tensors, grad_tensors)
    if create_graph:
        _warn_cycle_once()
    only = None
    if inputs is not None:
        Tensor = _tensor.Tensor
        inputs = (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)
        if not inputs:
            raise RuntimeError("`inputs` argument to `backward()` cannot be empty.")
        only = []
        for t in inputs:
            if not t.requires_grad:
                raise RuntimeError("One of the differentiated Tensors does not require grad")
            if t.grad_fn is not None:
                t.retain_grad()
                only.append(t.grad_fn)
            else:
                only.append(t._grad_accumulator())
    _execute(roots, retain_graph, create_graph, only=only)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, only_inputs=True,
         allow_unused=None, is_grads_batched=False, materialize_grads=False):
    """Return the gradients of outputs with respect to inputs, without touching any `.grad`."""
    Tensor = _tensor.Tensor
    single = isinstance(inputs, Tensor)
    inputs = (inputs,) if single else tuple(inputs)
    if retain_graph is None:
        retain_graph = create_graph
    if materialize_grads and allow_unused is False:
        raise ValueError("Expected allow_unused to be True or not passed when materialize_grads=True, but "
                         "got: allow_unused=False.")
    if allow_unused is None:
        allow_unused = materialize_grads
    roots = _make_roots(outputs, grad_outputs)
    capture = {}
    slots = []
    for t in inputs:
        if not isinstance(t, Tensor):
            raise TypeError(f"grad(): inputs must be Tensors, got {type(t).__name__}")
        if not t.requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
        key = (t.grad_fn if t.grad_fn is not None else t._grad_accumulator(), t._output_nr)
        slot = capture.setdefault(key, [])
        slots.append(slot)
    _execute(roots, retain_graph, create_graph, capture=capture)
    result = []
    for i, (t, slot) in enumerate(zip(inputs, slots)):
        g = slot[0] if slot else None
        if g is None:
            if materialize_grads:
                g = _tensor.Tensor._make(np.zeros_like(t._data))
            elif not allow_unused:
                raise RuntimeError(f"The differentiated Tensor at index {i} appears to not have been used in "
                                   "the graph. Set allow_unused=True if this is the desired behavior.")
        elif not create_graph:
            g = g.detach()
        result.append(g)
    return tuple(result)

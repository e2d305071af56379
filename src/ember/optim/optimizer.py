"""The Optimizer contract: param_groups, state, hooks, zero_grad, step(closure), state_dict/load_state_dict.

Subclasses update parameters in place on their arrays (`p._data`) from the gradients' arrays
(`p._grad._data`) and bump the parameters' version counters. `_blocked` runs an update kernel over
cache-sized blocks of contiguous arrays, so that the several NumPy passes a kernel makes re-read data from
cache instead of memory; within step() those kernels are queued and run when it returns, on several threads
when the step is large (NumPy releases the GIL in its loops).
"""

from __future__ import annotations

import functools
import itertools
import warnings
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Iterable
from copy import deepcopy
from typing import Any

import numpy as np

from .. import _tensor
from .._parallel import get_num_threads, run_parallel
from ..autograd.grad_mode import enable_grad
from ..backend import dtypes as _dt

Tensor = _tensor.Tensor

__all__ = ["Optimizer", "required", "register_optimizer_step_pre_hook", "register_optimizer_step_post_hook"]

# most bytes of one array that an update kernel works on at a time: large enough that NumPy's per-call
# cost stays small, small enough that a block's arrays stay in cache between the kernel's passes
_BLOCK_BYTES = 1 << 19
# fewest bytes of parameters for which a step splits its array work over threads: below, waking them
# costs more than it saves
_PARALLEL_BYTES = 1 << 22


class _Required:
    """Marks an option with no default (a group must then set it)."""

    def __repr__(self) -> str:
        return "<required parameter>"


required = _Required()


class _HookHandle:
    """Handle returned by the register_* hook methods: `remove()` unregisters the hook."""

    _ids = itertools.count()

    def __init__(self, hooks: OrderedDict) -> None:
        self.hooks = hooks
        self.id = next(_HookHandle._ids)

    def remove(self) -> None:
        self.hooks.pop(self.id, None)

    def __enter__(self) -> _HookHandle:
        return self

    def __exit__(self, *exc) -> None:
        self.remove()


_global_step_pre_hooks: OrderedDict = OrderedDict()
_global_step_post_hooks: OrderedDict = OrderedDict()


def register_optimizer_step_pre_hook(hook: Callable) -> _HookHandle:
    """hook(optimizer, args, kwargs) runs before every optimizer's step; it may return (args, kwargs)."""
    handle = _HookHandle(_global_step_pre_hooks)
    _global_step_pre_hooks[handle.id] = hook
    return handle


def register_optimizer_step_post_hook(hook: Callable) -> _HookHandle:
    """hook(optimizer, args, kwargs) runs after every optimizer's step."""
    handle = _HookHandle(_global_step_post_hooks)
    _global_step_post_hooks[handle.id] = hook
    return handle


def _typename(obj: Any) -> str:
    """torch.typename: 'torch.FloatTensor' for tensors, the qualified class name otherwise."""
    if isinstance(obj, Tensor):
        return obj.type()
    cls = type(obj)
    module = cls.__module__
    return cls.__qualname__ if module in ("builtins", None) else f"{module}.{cls.__qualname__}"


def _hooked_step(step: Callable) -> Callable:
    """Wrap a class's step so that the global and per-optimizer step hooks run around it."""

    @functools.wraps(step)
    def wrapper(*args, **kwargs):
        self = args[0]
        if not (_global_step_pre_hooks or self._optimizer_step_pre_hooks or
                _global_step_post_hooks or self._optimizer_step_post_hooks):
            return _queued_step(step, self, args, kwargs)
        # hooks see the call's arguments with the optimizer first, as PyTorch passes them
        for hook in itertools.chain(list(_global_step_pre_hooks.values()),
                                    list(self._optimizer_step_pre_hooks.values())):
            result = hook(self, args, kwargs)
            if result is not None:
                if isinstance(result, tuple) and len(result) == 2:
                    args, kwargs = result
                else:
                    raise RuntimeError(f"{step} must return None or a tuple of (new_args, new_kwargs), "
                                       f"but got {result}.")
        out = _queued_step(step, self, args, kwargs)
        for hook in itertools.chain(list(self._optimizer_step_post_hooks.values()),
                                    list(_global_step_post_hooks.values())):
            hook(self, args, kwargs)
        return out

    wrapper.hooked = True
    return wrapper


def _queued_step(step: Callable, self: Any, args: tuple, kwargs: dict):
    """step(*args, **kwargs) with its array updates queued and run together when it returns (or raises)."""
    if self.__dict__.get("_queue") is not None:  # a step calling another step of the same optimizer
        return step(*args, **kwargs)
    queue = self._queue = []
    try:
        return step(*args, **kwargs)
    finally:
        self._queue = None
        self._run_queued(queue)


class Optimizer:
    """Base class of all optimizers: subclasses set `defaults` and implement `step`."""

    def __init__(self, params: Iterable, defaults: dict) -> None:
        self.defaults = defaults
        self._init_hooks()
        self._patch_step_function()
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of Tensors or "
                            f"dicts, but got {_typename(params)}")
        self.state: defaultdict = defaultdict(dict)
        self.param_groups: list[dict] = []
        param_groups = list(params)
        if len(param_groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for group in param_groups:
            self.add_param_group(group)

    def _init_hooks(self) -> None:
        for name in ("_optimizer_step_pre_hooks", "_optimizer_step_post_hooks",
                     "_optimizer_state_dict_pre_hooks", "_optimizer_state_dict_post_hooks",
                     "_optimizer_load_state_dict_pre_hooks", "_optimizer_load_state_dict_post_hooks"):
            if name not in self.__dict__:
                setattr(self, name, OrderedDict())

    def _patch_step_function(self) -> None:
        cls = type(self)
        if not getattr(cls.step, "hooked", False):
            cls.step = _hooked_step(cls.step)

    def __getstate__(self) -> dict:
        return {"defaults": self.defaults, "state": self.state, "param_groups": self.param_groups}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._init_hooks()
        self._patch_step_function()
        # a pickle from an older version may lack options added since: they take the defaults
        for group in self.param_groups:
            for key, value in self.defaults.items():
                group.setdefault(key, value)
        self.defaults.setdefault("differentiable", False)

    def __repr__(self) -> str:
        lines = [self.__class__.__name__ + " ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for key in sorted(group):
                if key != "params":
                    lines.append(f"    {key}: {group[key]}")
        lines.append(")")
        return "\n".join(lines)

    # -- hooks -----------------------------------------------------------------------------------------
    def _register(self, hooks: OrderedDict, hook: Callable, prepend: bool = False) -> _HookHandle:
        handle = _HookHandle(hooks)
        hooks[handle.id] = hook
        if prepend:
            hooks.move_to_end(handle.id, last=False)
        return handle

    def register_step_pre_hook(self, hook: Callable) -> _HookHandle:
        """hook(optimizer, args, kwargs) runs before this optimizer's step; may return (args, kwargs)."""
        return self._register(self._optimizer_step_pre_hooks, hook)

    def register_step_post_hook(self, hook: Callable) -> _HookHandle:
        """hook(optimizer, args, kwargs) runs after this optimizer's step."""
        return self._register(self._optimizer_step_post_hooks, hook)

    def register_state_dict_pre_hook(self, hook: Callable, prepend: bool = False) -> _HookHandle:
        """hook(optimizer) runs before state_dict() builds its result."""
        return self._register(self._optimizer_state_dict_pre_hooks, hook, prepend)

    def register_state_dict_post_hook(self, hook: Callable, prepend: bool = False) -> _HookHandle:
        """hook(optimizer, state_dict) runs on state_dict()'s result and may return a replacement."""
        return self._register(self._optimizer_state_dict_post_hooks, hook, prepend)

    def register_load_state_dict_pre_hook(self, hook: Callable, prepend: bool = False) -> _HookHandle:
        """hook(optimizer, state_dict) runs before loading and may return a replacement state_dict."""
        return self._register(self._optimizer_load_state_dict_pre_hooks, hook, prepend)

    def register_load_state_dict_post_hook(self, hook: Callable, prepend: bool = False) -> _HookHandle:
        """hook(optimizer) runs after load_state_dict()."""
        return self._register(self._optimizer_load_state_dict_post_hooks, hook, prepend)

    # -- parameter groups ------------------------------------------------------------------------------
    def add_param_group(self, param_group: dict) -> None:
        """Add a group of parameters with its own options (missing ones come from `defaults`)."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group)}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, set):
            raise TypeError("optimizer parameters need to be organized in ordered collections, but the "
                            "ordering of tensors in sets will change between runs. Please use a list "
                            "instead.")
        else:
            params = list(params)
        # named_parameters() gives (name, tensor) pairs: PyTorch keeps the names in 'param_names'
        names = [p[0] for p in params if isinstance(p, tuple)]
        params = [p[1] if isinstance(p, tuple) else p for p in params]
        param_group["params"] = params
        if names:
            if len(names) != len(params):
                raise ValueError("all optimizer params should be with/without names. Some param names are "
                                 "missing")
            param_group["param_names"] = names
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError("optimizer can only optimize Tensors, but one of the params is "
                                + _typename(p))
            if not self.defaults.get("differentiable", None) and not (p.is_leaf or p.retains_grad):
                raise ValueError("can't optimize a non-leaf Tensor")
        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError(f"parameter group didn't specify a value of required optimization "
                                 f"parameter {name}")
            param_group.setdefault(name, default)
        if len(params) != len({id(p) for p in params}):
            warnings.warn("optimizer contains a parameter group with duplicate parameters; in future, this "
                          "will cause an error; see github.com/pytorch/pytorch/issues/40967 for more "
                          "information", stacklevel=3)
        seen: set = set()
        for group in self.param_groups:
            seen.update(id(p) for p in group["params"])
            if ("param_names" in param_group) != ("param_names" in group):
                which = "with names" if "param_names" in param_group else "without names"
                raise ValueError("all optimizer param groups should be with/without names. cannot add param "
                                 f"group {which} to the optimizer")
        if not seen.isdisjoint(id(p) for p in params):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients of all parameters: to None (default) or to zeros in place."""
        for group in self.param_groups:
            for p in group["params"]:
                g = p._grad
                if g is None:
                    continue
                if set_to_none:
                    p._grad = None
                    continue
                if g.grad_fn is not None:
                    g.detach_()
                else:
                    g._rg = False
                if g.is_sparse:
                    g._idx = g._idx[:, :0]
                    g._data = g._data[:0]
                    g._coalesced = True
                else:
                    g._data[...] = 0
                g._vc[0] += 1

    def step(self, closure: Callable | None = None):
        """One optimization step; returns the closure's loss when a closure is given."""
        raise NotImplementedError

    # -- state_dict --------------------------------------------------------------------------------------
    def state_dict(self) -> dict:
        """{'state': {index: {...}}, 'param_groups': [{..., 'params': [indices]}]}, as PyTorch packs it.

        The state's tensors are the optimizer's own (not copies), as in PyTorch.
        """
        for hook in self._optimizer_state_dict_pre_hooks.values():
            hook(self)
        index: dict = {}
        start = 0
        groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            for i, p in enumerate(group["params"], start):
                index.setdefault(id(p), i)
            packed["params"] = [index[id(p)] for p in group["params"]]
            start += len(packed["params"])
            groups.append(packed)
        state = {(index[id(k)] if isinstance(k, Tensor) else k): v for k, v in self.state.items()}
        result = {"state": state, "param_groups": groups}
        for hook in self._optimizer_state_dict_post_hooks.values():
            replaced = hook(self, result)
            if replaced is not None:
                result = replaced
        return result

    def load_state_dict(self, state_dict: dict) -> None:
        """Load options and per-parameter state (copied to each parameter's dtype and device).

        Tensors may be ember tensors, NumPy arrays or any array object (a PyTorch state_dict loads as is).
        """
        state_dict = state_dict.copy()
        for hook in self._optimizer_load_state_dict_pre_hooks.values():
            replaced = hook(self, state_dict)
            if replaced is not None:
                state_dict = replaced
        groups = self.param_groups
        saved_groups = deepcopy(state_dict["param_groups"])
        if len(groups) != len(saved_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"]) for g, s in zip(groups, saved_groups)):
            raise ValueError("loaded state dict contains a parameter group that doesn't match the size of "
                             "optimizer's group")
        id_map = dict(zip(itertools.chain.from_iterable(g["params"] for g in saved_groups),
                          itertools.chain.from_iterable(g["params"] for g in groups)))
        state: defaultdict = defaultdict(dict)
        for k, v in state_dict["state"].items():
            if k in id_map:
                state[id_map[k]] = _cast_state(id_map[k], v)
            else:
                state[k] = v
        new_groups = []
        for group, saved in zip(groups, saved_groups):
            saved["params"] = group["params"]
            if "param_names" in group and "param_names" not in saved:
                saved["param_names"] = group["param_names"]
            new_groups.append(saved)
        self.__setstate__({"state": state, "param_groups": new_groups})
        for hook in self._optimizer_load_state_dict_post_hooks.values():
            hook(self)

    # -- helpers for subclasses --------------------------------------------------------------------------
    def _closure_loss(self, closure: Callable | None):
        if closure is None:
            return None
        with enable_grad():
            return closure()

    def _scratch(self, dtype, n: int, count: int, slot: int = 0) -> list:
        """`count` work arrays of exactly n elements of dtype: views of buffers kept between steps, one set
        of buffers per worker slot (see _run_queued)."""
        cache = self.__dict__.setdefault("_scratch_cache", {})
        views = cache.get((slot, dtype, n, count))
        if views is None:
            bufs = cache.get((slot, dtype))
            if bufs is None or bufs[0].size < n or len(bufs) < count:
                size = max(n, bufs[0].size if bufs else 0)
                bufs = cache[(slot, dtype)] = [np.empty(size, dtype) for _ in range(max(count, len(bufs or ())))]
                # views of the replaced buffers would keep them alive: drop them
                for key in [k for k in cache if len(k) == 4 and k[:2] == (slot, dtype)]:
                    del cache[key]
            views = cache[(slot, dtype, n, count)] = [b[:n] for b in bufs[:count]]
        return views

    def _blocked(self, kernel: Callable, arrays: list, n_scratch: int) -> None:
        """kernel(*views, *scratch) over same-shaped arrays (the parameter's first), block by block.

        Contiguous NumPy arrays are cut into equal flat blocks of at most _BLOCK_BYTES, so that the
        kernel's several passes over a block re-read it from cache; work arrays are reused across calls.
        Anything else (non-contiguous, another array module) gets one call with full-size work arrays.
        Within step() the work is queued and runs when step() returns, split over threads if large.
        """
        queue = self.__dict__.get("_queue")
        if queue is not None:
            queue.append((kernel, arrays, n_scratch))
            return
        self._run_units(_units(kernel, arrays, n_scratch), 0)

    def _run_units(self, units: list, slot: int) -> None:
        for kernel, views, n_scratch, reuse in units:
            x = views[0]
            if reuse:
                cache = self.__dict__.get("_scratch_cache")
                scratch = cache.get((slot, x.dtype, x.size, n_scratch)) if cache is not None else None
                kernel(*views, *(scratch or self._scratch(x.dtype, x.size, n_scratch, slot)))
            else:
                kernel(*views, *[np.empty_like(x) for _ in range(n_scratch)])

    def _run_queued(self, queue: list) -> None:
        """Run one step's queued kernels: in order, or split over ember's threads when the step is large.

        Parameters are disjoint arrays and each has one kernel per step, so the kernels may run in any
        order. With several threads, kernels make their multiply-adds in NumPy, which releases the GIL
        (see backend.blas).
        """
        units = [unit for job in queue for unit in _units(*job)]
        threads = min(get_num_threads(), len(units))
        if threads > 1 and sum(u[1][0].nbytes for u in units) >= _PARALLEL_BYTES and _disjoint(queue):
            chunks = _split(units, threads)
            run_parallel([functools.partial(self._run_units, chunk, slot) for slot, chunk in enumerate(chunks)])
        else:
            self._run_units(units, 0)


def _units(kernel: Callable, arrays: list, n_scratch: int) -> list:
    """(kernel, views, n_scratch, reuse scratch) for each kernel call that updates these arrays."""
    x = arrays[0]
    if type(x) is not np.ndarray or not _all_contiguous(arrays):
        return [(kernel, arrays, n_scratch, False)]
    n = x.size
    if n * x.itemsize <= _BLOCK_BYTES:
        return [(kernel, arrays if x.ndim == 1 else [a.reshape(-1) for a in arrays], n_scratch, True)]
    step = -(-n // -(-n * x.itemsize // _BLOCK_BYTES))
    flat = [a.reshape(-1) for a in arrays]
    return [(kernel, [f[start:start + step] for f in flat], n_scratch, True) for start in range(0, n, step)]


def _split(units: list, parts: int) -> list[list]:
    """Consecutive runs of units holding about equal numbers of bytes, one run per thread."""
    total = sum(u[1][0].nbytes for u in units)
    chunks, chunk, done = [], [], 0
    for unit in units:
        chunk.append(unit)
        done += unit[1][0].nbytes
        if done * parts >= total * (len(chunks) + 1) and len(chunks) < parts - 1:
            chunks.append(chunk)
            chunk = []
    chunks.append(chunk)
    return [c for c in chunks if c]


def _disjoint(queue: list) -> bool:
    """Whether the queued parameters are NumPy arrays sure not to overlap: no two share a base array.
    (Other array modules, such as CuPy's, run their kernels asynchronously already.)"""
    roots = set()
    for _, arrays, _ in queue:
        a = arrays[0]
        if type(a) is not np.ndarray:
            return False
        while isinstance(a.base, np.ndarray):
            a = a.base
        roots.add(id(a))
    return len(roots) == len(queue)


def _all_contiguous(arrays: list) -> bool:
    for a in arrays:
        if not a.flags.c_contiguous:
            return False
    return True


def _consts(x, *values) -> tuple:
    """values as 0-d arrays of x's dtype when x is a float NumPy array, else as given.

    A ufunc takes a 0-d array of the operand's dtype at about half the per-call cost of a Python float,
    with the same result: NumPy casts a Python float to the array's dtype before operating on it.
    """
    if type(x) is np.ndarray and x.dtype.kind in "fc":
        return tuple(np.array(v, x.dtype) for v in values)
    return values


def _check_lr(lr) -> None:
    if isinstance(lr, Tensor) and lr.numel() != 1:
        raise ValueError("Tensor lr must be 1-element")
    if not 0.0 <= lr:
        raise ValueError(f"Invalid learning rate: {lr}")


def _check_betas_eps_wd(betas, eps, weight_decay) -> None:
    if not 0.0 <= eps:
        raise ValueError(f"Invalid epsilon value: {eps}")
    if not 0.0 <= betas[0] < 1.0:
        raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
    if not 0.0 <= betas[1] < 1.0:
        raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
    if not 0.0 <= weight_decay:
        raise ValueError(f"Invalid weight_decay value: {weight_decay}")


def _scalar(x) -> float:
    """A learning rate or other option (float, int, 1-element tensor) as a Python float."""
    return float(x)


def _scalar_dtype():
    """The dtype of 0-d state such as 'step': float64 when that is the default dtype, else float32."""
    return np.float64 if _dt.get_default_dtype() is _dt.float64 else np.float32


def _zero_step() -> Tensor:
    return Tensor._make(np.zeros((), _scalar_dtype()))


def _bump(state: dict, key: str = "step") -> float:
    """Add one to a 0-d state tensor in place and return the new value as a float."""
    t = state[key]
    if not isinstance(t, Tensor):  # a state_dict from before steps were tensors
        t = state[key] = Tensor._make(np.array(float(t), _scalar_dtype()))
    t._data += 1
    return float(t._data)


def _dense_grad(p: Tensor, message: str):
    """p's gradient array (C-contiguous), or PyTorch's error when the gradient is sparse."""
    g = p._grad
    if g.is_sparse:
        raise RuntimeError(message)
    arr = g._data
    if type(arr) is np.ndarray and not arr.flags.c_contiguous:
        arr = np.ascontiguousarray(arr)
    return arr


def _lerp_(m, g, weight: float, tmp) -> None:
    """m = lerp(m, g, weight) in place, with the formula PyTorch picks for the weight (tmp: work array)."""
    if weight < 0.5:
        np.subtract(g, m, out=tmp)
        tmp *= weight
        m += tmp
    else:
        np.subtract(m, g, out=tmp)
        tmp *= 1 - weight
        np.add(g, tmp, out=m)


def _effective_grad(x, g, weight_decay: float, maximize: bool, out):
    """g (negated when maximizing) plus weight_decay * x; g itself when there is nothing to add."""
    if weight_decay != 0:
        np.multiply(x, weight_decay, out=out)
        if maximize:
            out -= g
        else:
            out += g
        return out
    if maximize:
        return np.negative(g, out=out)
    return g


def _as_array(value):
    """An array from an ember tensor, a NumPy array or any array object (e.g. a PyTorch tensor)."""
    if isinstance(value, Tensor):
        return value._data
    if hasattr(value, "detach") and hasattr(value, "cpu") and hasattr(value, "numpy"):  # e.g. a torch.Tensor
        return np.array(value.detach().cpu().numpy())
    return np.array(value)


def _is_array_like(value) -> bool:
    return isinstance(value, (Tensor, np.ndarray)) or (
        hasattr(value, "__array__") and hasattr(value, "shape") and hasattr(value, "dtype")
        and not isinstance(value, np.generic))


def _cast_state(param: Tensor, value, key: str | None = None):
    """A loaded state value as this optimizer keeps it: tensors copied to the parameter's float dtype and
    device ('step' keeps its dtype, as PyTorch keeps it), containers converted element by element."""
    if _is_array_like(value):
        if getattr(value, "is_sparse", False) and isinstance(value, Tensor):
            return value.clone()
        arr = _as_array(value)
        t = Tensor._make(arr).to(device=param.device, copy=True)
        if key != "step" and param.is_floating_point() and t.dtype is not param.dtype:
            t = t.to(param.dtype)
        return t
    if isinstance(value, dict):
        return {k: _cast_state(param, v, k) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_cast_state(param, v) for v in value)
    return value

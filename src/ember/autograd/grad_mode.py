"""Grad mode: the thread-local switch that decides whether ops record the graph.

Each class is a context manager and a decorator (of functions, generator functions and, with
PyTorch's deprecation warning, classes). A new thread starts with grad mode on, whatever other threads
are doing.
"""

from __future__ import annotations

import functools
import inspect
import threading
import warnings
from collections.abc import Callable

__all__ = ["no_grad", "enable_grad", "set_grad_enabled", "inference_mode", "is_grad_enabled",
           "is_inference_mode_enabled"]


class _State(threading.local):
    def __init__(self) -> None:
        self.enabled = True
        self.inference = False


state = _State()


def is_grad_enabled() -> bool:
    """Whether ops record the graph in this thread."""
    return state.enabled


def is_inference_mode_enabled() -> bool:
    """Whether this thread is inside inference_mode."""
    return state.inference


def _wrap_generator(make_ctx: Callable, func: Callable) -> Callable:
    """The generator runs inside the mode each time it resumes; its caller runs in its own mode."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        gen = func(*args, **kwargs)
        try:
            with make_ctx():
                response = gen.send(None)
            while True:
                try:
                    request = yield response
                except GeneratorExit:
                    with make_ctx():
                        gen.close()
                    raise
                except BaseException as exc:  # thrown in by the caller: deliver it inside the mode
                    with make_ctx():
                        response = gen.throw(exc)
                else:
                    with make_ctx():
                        response = gen.send(request)
        except StopIteration as stop:
            return stop.value

    return wrapper


class _DecoratorContextManager:
    """Base for the modes: `with mode(): ...` and `@mode()` (each call enters a fresh copy)."""

    def __enter__(self) -> None:
        raise NotImplementedError

    def __exit__(self, *exc) -> None:
        raise NotImplementedError

    def clone(self):
        return self.__class__()

    def __call__(self, func: Callable) -> Callable:
        if inspect.isclass(func):
            warnings.warn("Decorating classes is deprecated and will be disabled in future versions. You "
                          "should only decorate functions or methods. To preserve the current behavior of "
                          "class decoration, you can directly decorate the `__init__` method and nothing "
                          "else.", FutureWarning, stacklevel=2)
            cls = func

            def func():
                return cls()

        if inspect.isgeneratorfunction(func):
            return _wrap_generator(self.clone, func)

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with self.clone():
                return func(*args, **kwargs)
        return wrapper


class _NoParamDecoratorContextManager(_DecoratorContextManager):
    """A mode without arguments may decorate without parentheses (`@no_grad`), as in PyTorch."""

    def __new__(cls, orig_func: Callable | None = None):
        if orig_func is None:
            return super().__new__(cls)
        return cls()(orig_func)


class no_grad(_NoParamDecoratorContextManager):  # noqa: N801
    """Disable graph recording: `with ember.no_grad(): ...`, `@ember.no_grad()` or `@ember.no_grad`."""

    def __init__(self) -> None:
        self.prev = False

    def __enter__(self) -> None:
        self.prev = state.enabled
        state.enabled = False

    def __exit__(self, *exc) -> None:
        state.enabled = self.prev


class enable_grad(_NoParamDecoratorContextManager):  # noqa: N801
    """Re-enable graph recording (inside no_grad, or in a function decorated with it)."""

    def __enter__(self) -> None:
        self.prev = state.enabled
        state.enabled = True

    def __exit__(self, *exc) -> None:
        state.enabled = self.prev


class set_grad_enabled(_DecoratorContextManager):  # noqa: N801
    """Set grad mode on or off at once (also as a plain call); as a context manager or decorator the
    previous mode comes back on exit."""

    def __init__(self, mode: bool) -> None:
        self.prev = state.enabled
        self.mode = bool(mode)
        state.enabled = self.mode

    def __call__(self, func: Callable) -> Callable:
        # decorating must not leave the mode switched: restore it, the wrapper switches on each call
        state.enabled = self.prev
        return super().__call__(func)

    def __enter__(self) -> None:
        state.enabled = self.mode

    def __exit__(self, *exc) -> None:
        state.enabled = self.prev

    def clone(self) -> set_grad_enabled:
        return self.__class__(self.mode)

    def __repr__(self) -> str:
        return f"{type(self).__module__}.{type(self).__qualname__}(mode={self.mode})"


class inference_mode(_DecoratorContextManager):  # noqa: N801
    """Like no_grad, and tensors made inside are inference tensors; `inference_mode(False)` turns the
    mode off (and grad mode on) inside an enclosing one."""

    def __new__(cls, mode: bool | Callable = True):
        if callable(mode) and not isinstance(mode, bool):
            return cls()(mode)
        return super().__new__(cls)

    def __init__(self, mode: bool = True) -> None:
        self.mode = mode

    def __enter__(self) -> None:
        self.prev = (state.enabled, state.inference)
        state.enabled = not self.mode
        state.inference = bool(self.mode)

    def __exit__(self, *exc) -> None:
        state.enabled, state.inference = self.prev

    def clone(self) -> inference_mode:
        return self.__class__(self.mode)

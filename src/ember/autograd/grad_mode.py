"""Grad mode: thread-local switch that decides whether ops record the graph."""

from __future__ import annotations

import functools
import inspect
import threading

__all__ = ["no_grad", "enable_grad", "set_grad_enabled", "inference_mode", "is_grad_enabled",
           "is_inference_mode_enabled"]


class _State(threading.local):
    def __init__(self) -> None:
        self.enabled = True
        self.inference = False


state = _State()


def is_grad_enabled() -> bool:
    return state.enabled


def is_inference_mode_enabled() -> bool:
    return state.inference


class _GradModeContext:
    """Base for context managers that also work as decorators (of functions and generators)."""

    def _enter_mode(self) -> None:
        raise NotImplementedError

    def __enter__(self):
        self._prev = (state.enabled, state.inference)
        self._enter_mode()
        return None

    def __exit__(self, *exc) -> None:
        state.enabled, state.inference = self._prev

    def clone(self):
        return self.__class__()

    def __call__(self, func):
        if inspect.isclass(func):
            raise RuntimeError(f"{type(self).__name__} cannot decorate a class")
        if inspect.isgeneratorfunction(func):
            @functools.wraps(func)
            def gen_wrapper(*args, **kwargs):
                gen = func(*args, **kwargs)
                with self.clone():
                    response = gen.send(None)
                while True:
                    try:
                        with self.clone():
                            request = yield response
                            response = gen.send(request)
                    except StopIteration as stop:
                        return stop.value
            return gen_wrapper

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with self.clone():
                return func(*args, **kwargs)
        return wrapper


class no_grad(_GradModeContext):  # noqa: N801
    """Disable graph recording: `with ember.no_grad(): ...` or `@ember.no_grad()`."""

    def __new__(cls, func=None):
        # `@no_grad` without parentheses decorates directly, as in PyTorch
        self = super().__new__(cls)
        if func is not None and callable(func):
            return self(func)
        return self

    def __init__(self, func=None) -> None:
        pass

    def _enter_mode(self) -> None:
        state.enabled = False


class enable_grad(_GradModeContext):  # noqa: N801
    """Re-enable graph recording inside a no_grad block."""

    def __new__(cls, func=None):
        self = super().__new__(cls)
        if func is not None and callable(func):
            return self(func)
        return self

    def __init__(self, func=None) -> None:
        pass

    def _enter_mode(self) -> None:
        state.enabled = True


class set_grad_enabled(_GradModeContext):  # noqa: N801
    """Set grad mode on or off; takes effect at once, and as a context manager restores it on exit."""

    def __init__(self, mode: bool) -> None:
        self._prev = (state.enabled, state.inference)
        self.mode = bool(mode)
        state.enabled = self.mode

    def _enter_mode(self) -> None:
        state.enabled = self.mode

    def __enter__(self):
        # the previous mode was captured at construction, before it was changed
        state.enabled = self.mode
        return None

    def clone(self):
        return set_grad_enabled.__new__(set_grad_enabled)._init_clone(self.mode)

    def _init_clone(self, mode: bool):
        self.mode = mode
        self._prev = (state.enabled, state.inference)
        return self


class inference_mode(_GradModeContext):  # noqa: N801
    """Like no_grad; tensors made inside are marked as inference tensors."""

    def __new__(cls, mode=True):
        self = super().__new__(cls)
        if callable(mode):
            self.mode = True
            return self(mode)
        return self

    def __init__(self, mode: bool = True) -> None:
        self.mode = bool(mode) if not callable(mode) else True

    def _enter_mode(self) -> None:
        if self.mode:
            state.enabled = False
            state.inference = True

    def clone(self):
        return inference_mode(self.mode)

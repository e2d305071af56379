"""Anomaly detection: record forward tracebacks and fail on the first backward that produces NaN."""

from __future__ import annotations

import threading
import warnings

__all__ = ["detect_anomaly", "set_detect_anomaly", "is_anomaly_enabled"]


class _State(threading.local):
    def __init__(self) -> None:
        self.enabled = False


state = _State()


def is_anomaly_enabled() -> bool:
    return state.enabled


class detect_anomaly:  # noqa: N801
    """Context manager and decorator: while active, a backward returning NaN raises and names the op."""

    def __init__(self, check_nan: bool = True) -> None:
        self.check_nan = check_nan
        warnings.warn("Anomaly Detection has been enabled. This mode will increase the runtime and "
                      "should only be enabled for debugging.", stacklevel=2)

    def __enter__(self) -> None:
        self._prev = state.enabled
        state.enabled = True

    def __exit__(self, *exc) -> None:
        state.enabled = self._prev

    def __call__(self, func):
        import functools

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with self.__class__(self.check_nan):
                return func(*args, **kwargs)
        return wrapper


class set_detect_anomaly:  # noqa: N801
    """Turn anomaly detection on or off; as a context manager, restore the previous setting on exit."""

    def __init__(self, mode: bool, check_nan: bool = True) -> None:
        self._prev = state.enabled
        state.enabled = bool(mode)

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc) -> None:
        state.enabled = self._prev

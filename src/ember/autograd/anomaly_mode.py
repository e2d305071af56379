"""Anomaly detection: record forward tracebacks and fail on the first backward that produces NaN.

As in PyTorch the setting is process-wide (not per thread). `check_nan=False` keeps the tracebacks
but lets NaN gradients through.
"""

from __future__ import annotations

import warnings

__all__ = ["detect_anomaly", "set_detect_anomaly", "is_anomaly_enabled", "is_anomaly_check_nan_enabled"]


class _State:
    __slots__ = ("enabled", "check_nan")

    def __init__(self) -> None:
        self.enabled = False
        self.check_nan = True


state = _State()


def is_anomaly_enabled() -> bool:
    return state.enabled


def is_anomaly_check_nan_enabled() -> bool:
    return state.check_nan


class detect_anomaly:  # noqa: N801
    """Context manager: while active, a backward returning NaN raises and names the op, and the
    traceback of the forward call that made that op is shown as a warning."""

    def __init__(self, check_nan: bool = True) -> None:
        self.prev = state.enabled
        self.check_nan = check_nan
        self.prev_check_nan = state.check_nan
        warnings.warn("Anomaly Detection has been enabled. This mode will increase the runtime and should "
                      "only be enabled for debugging.", stacklevel=2)

    def __enter__(self) -> None:
        state.enabled = True
        state.check_nan = self.check_nan

    def __exit__(self, *exc) -> None:
        state.enabled = self.prev
        state.check_nan = self.prev_check_nan


class set_detect_anomaly:  # noqa: N801
    """Turn anomaly detection on or off at once; as a context manager the previous setting comes back."""

    def __init__(self, mode: bool, check_nan: bool = True) -> None:
        self.prev = state.enabled
        self.prev_check_nan = state.check_nan
        state.enabled = bool(mode)
        state.check_nan = bool(check_nan)

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc) -> None:
        state.enabled = self.prev
        state.check_nan = self.prev_check_nan

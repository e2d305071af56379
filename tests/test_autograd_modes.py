"""Grad modes (no_grad, enable_grad, set_grad_enabled, inference_mode) and anomaly detection, as in PyTorch:
context managers and decorators (functions, generators, bare), thread-locality, restoration on errors."""

from __future__ import annotations

import threading
import warnings

import numpy as np
import pytest

import ember
from autograd_compare import same_outcome
from conftest import torch

requires_torch = pytest.mark.skipif(torch is None, reason="PyTorch (the reference) is not installed")


def _rg(lib):
    return lib.ones(2, requires_grad=True)


# -- the same code with both libraries: a trace of (label, grad mode, result requires grad) ---------

def _ctx_nesting(L):
    x, out = _rg(L), []
    out.append(("start", L.is_grad_enabled(), (x * 2).requires_grad))
    with L.no_grad():
        out.append(("no_grad", L.is_grad_enabled(), (x * 2).requires_grad, (x * 2).grad_fn is None))
        with L.enable_grad():
            out.append(("enable_grad", L.is_grad_enabled(), (x * 2).requires_grad))
        with L.set_grad_enabled(True):
            out.append(("set True", L.is_grad_enabled(), (x * 2).requires_grad))
        out.append(("back", L.is_grad_enabled()))
    with L.set_grad_enabled(False):
        out.append(("set False", L.is_grad_enabled(), (x * 2).requires_grad))
    out.append(("end", L.is_grad_enabled()))
    return out


def _set_as_function(L):
    x, out = _rg(L), []
    L.set_grad_enabled(False)
    try:
        out.append(("off", L.is_grad_enabled(), (x * 2).requires_grad))
        L.set_grad_enabled(True)
        out.append(("on", L.is_grad_enabled(), (x * 2).requires_grad))
        with L.no_grad():
            L.set_grad_enabled(True)  # inside the block; no_grad restores its own entry state on exit
            out.append(("inner", L.is_grad_enabled()))
        out.append(("after", L.is_grad_enabled()))
        L.set_grad_enabled(False)
        with L.enable_grad():
            out.append(("enable", L.is_grad_enabled()))
        out.append(("restored off", L.is_grad_enabled()))
    finally:
        L.set_grad_enabled(True)
    return out


def _decorators(L):
    x, out = _rg(L), []

    @L.no_grad()
    def a(t):
        return (t * 2).requires_grad, L.is_grad_enabled()

    @L.no_grad
    def b(t):
        return (t * 2).requires_grad, L.is_grad_enabled()

    @L.enable_grad()
    def c(t):
        return (t * 2).requires_grad

    @L.enable_grad
    def d(t):
        return (t * 2).requires_grad

    @L.set_grad_enabled(False)
    def e(t):
        return (t * 2).requires_grad

    out.append(("decorating set_grad_enabled leaves the mode", L.is_grad_enabled()))

    @L.inference_mode()
    def f(t):
        return (t * 2).requires_grad, L.is_inference_mode_enabled()

    @L.inference_mode
    def g(t):
        return (t * 2).requires_grad, L.is_inference_mode_enabled()

    @L.inference_mode(False)
    def h(t):
        return (t * 2).requires_grad, L.is_inference_mode_enabled()

    out += [a(x), b(x), (a.__name__, b.__name__), e(x), f(x), g(x), h(x), L.is_grad_enabled()]
    with L.no_grad():
        out += [c(x), d(x), L.is_grad_enabled(), c.__name__]
    return out


def _generator(L):
    out = []

    def gen():
        out.append(("first", L.is_grad_enabled()))
        got = yield 1
        out.append(("got", got, L.is_grad_enabled()))
        try:
            yield 2
        except ValueError as err:
            out.append(("caught", str(err), L.is_grad_enabled()))
            yield 3
        finally:
            out.append(("finally", L.is_grad_enabled()))

    g = L.no_grad()(gen)()
    out.append(("next", next(g), L.is_grad_enabled()))
    out.append(("send", g.send("hi"), L.is_grad_enabled()))
    out.append(("throw", g.throw(ValueError("v")), L.is_grad_enabled()))
    g.close()
    out.append(("closed", L.is_grad_enabled()))
    with L.no_grad():
        g2 = L.enable_grad()(gen)()
        out.append(("enable gen", next(g2), L.is_grad_enabled()))
        out.append(("to the end", list(g2), L.is_grad_enabled()))
    return out


def _generator_return_value(L):
    @L.no_grad()
    def gen():
        yield L.is_grad_enabled()
        return "done"

    def outer():
        res = yield from gen()
        yield res
    return list(outer())


def _exception_restores(L):
    out = []
    for mode in (lambda: L.no_grad(), lambda: L.enable_grad(), lambda: L.set_grad_enabled(False),
                 lambda: L.inference_mode()):
        try:
            with mode():
                raise KeyError("x")
        except KeyError:
            out.append((L.is_grad_enabled(), L.is_inference_mode_enabled()))

    @L.no_grad()
    def fails():
        raise KeyError("y")

    try:
        fails()
    except KeyError:
        out.append(L.is_grad_enabled())
    return out


def _inference(L):
    x, out = _rg(L), []
    with L.inference_mode():
        y = x * 2
        out.append((L.is_grad_enabled(), L.is_inference_mode_enabled(), y.requires_grad, y.grad_fn is None))
        with L.inference_mode(False):
            out.append((L.is_grad_enabled(), L.is_inference_mode_enabled(), (x * 2).requires_grad))
        with L.enable_grad():
            out.append((L.is_grad_enabled(), L.is_inference_mode_enabled()))
    with L.no_grad():
        with L.inference_mode(False):
            out.append(("inference_mode(False) turns grad on", L.is_grad_enabled()))
    out.append((L.is_grad_enabled(), L.is_inference_mode_enabled()))
    with L.inference_mode(mode=False):
        out.append(L.is_inference_mode_enabled())
    return out


def _context_values(L):
    with L.no_grad() as a, L.enable_grad() as b, L.set_grad_enabled(True) as c, L.inference_mode() as d:
        return a, b, c, d


def _update_leaf_in_no_grad(L):
    w = L.tensor([1.0, 2.0], requires_grad=True)
    (w * w).sum().backward()
    with L.no_grad():
        w -= 0.1 * w.grad
        w.mul_(2)
    return w, w.requires_grad, w.is_leaf, w.grad_fn is None


def _inplace_on_leaf_outside_no_grad(L):
    w = L.tensor([1.0, 2.0], requires_grad=True)
    w.mul_(2)


def _decorated_class(L):
    @L.no_grad()
    class Made:
        def __init__(self):
            self.mode = L.is_grad_enabled()

    return Made().mode, type(Made).__name__


def _detect_anomaly_not_a_decorator(L):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return L.autograd.detect_anomaly()(lambda: 1)


def _repr_set_grad_enabled(L):
    return repr(L.set_grad_enabled(True)).split(".")[-1]


CASES = {f.__name__.lstrip("_"): f for f in (
    _ctx_nesting, _set_as_function, _decorators, _generator, _generator_return_value, _exception_restores,
    _inference, _context_values, _update_leaf_in_no_grad, _inplace_on_leaf_outside_no_grad,
    _decorated_class, _detect_anomaly_not_a_decorator, _repr_set_grad_enabled)}


@requires_torch
@pytest.mark.parametrize("name", list(CASES))
def test_matches_torch(name):
    same_outcome(CASES[name])


# -- threads ---------------------------------------------------------------------------------------

def _in_thread(fn):
    res = []
    t = threading.Thread(target=lambda: res.append(fn()))
    t.start()
    t.join()
    return res[0]


def test_grad_mode_is_thread_local():
    x = _rg(ember)
    with ember.no_grad():
        # a new thread starts with grad mode on, whatever this thread does
        assert _in_thread(lambda: (ember.is_grad_enabled(), (x * 2).requires_grad)) == (True, True)
        assert not ember.is_grad_enabled()

    def body():
        with ember.no_grad():
            inner.wait()
            return ember.is_grad_enabled()

    inner = threading.Event()
    res = []
    t = threading.Thread(target=lambda: res.append(body()))
    t.start()
    # while the other thread sits inside no_grad, this one still records
    assert ember.is_grad_enabled() and (x * 2).requires_grad
    inner.set()
    t.join()
    assert res == [False] and ember.is_grad_enabled()


def test_inference_mode_is_thread_local():
    with ember.inference_mode():
        assert _in_thread(ember.is_inference_mode_enabled) is False
        assert ember.is_inference_mode_enabled()


def test_set_grad_enabled_in_thread_does_not_leak():
    _in_thread(lambda: ember.set_grad_enabled(False))
    assert ember.is_grad_enabled()


# -- inference tensors ----------------------------------------------------------------------------

def test_inference_tensors_are_marked():
    with ember.inference_mode():
        y = ember.ones(2) * 2
    z = ember.ones(2)
    assert y.is_inference() and not z.is_inference()
    with ember.no_grad():
        assert not (ember.ones(2) * 2).is_inference()


# -- anomaly detection ----------------------------------------------------------------------------

def _nan_backward(L, make):
    """The error (type, message) and the warnings of a backward that produces NaN under anomaly mode."""
    x = L.zeros(3, requires_grad=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            with make():
                y = x.sqrt() * 0
                y.sum().backward()
            err = None
        except RuntimeError as e:
            err = str(e)
    # NumPy's floating-point RuntimeWarnings are checked in test_autograd_engine, not here
    return err, [str(w.message).split("\n")[0] for w in caught
                 if not issubclass(w.category, RuntimeWarning)], x.grad


@requires_torch
@pytest.mark.parametrize("how", ["detect_anomaly", "set_detect_anomaly", "check_nan_false", "off"])
def test_anomaly_names_the_nan_backward(how):
    def run(L):
        make = {"detect_anomaly": lambda: L.autograd.detect_anomaly(),
                "set_detect_anomaly": lambda: L.autograd.set_detect_anomaly(True),
                "check_nan_false": lambda: L.autograd.detect_anomaly(check_nan=False),
                "off": lambda: L.autograd.set_detect_anomaly(False)}[how]
        return _nan_backward(L, make)

    same_outcome(run)


@requires_torch
def test_anomaly_zero_by_zero():
    def run(L):
        x = L.zeros(3, requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with L.autograd.detect_anomaly():
                (x / x).sum().backward()
    same_outcome(run)


def test_anomaly_warning_shows_the_forward_traceback():
    x = ember.zeros(3, requires_grad=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(RuntimeError, match=r"Function 'SqrtBackward0' returned nan values in its 0th "
                                               r"output."):
            with ember.autograd.detect_anomaly():
                y = x.sqrt() * 0  # the line the traceback must point at
                y.sum().backward()
    msgs = [str(w.message) for w in caught]
    trace = [m for m in msgs if m.startswith("Error detected in SqrtBackward0")]
    assert trace and "y = x.sqrt() * 0" in trace[0] and "test_autograd_modes.py" in trace[0]


def test_anomaly_state():
    assert not ember.autograd.is_anomaly_enabled()
    with pytest.warns(UserWarning, match="Anomaly Detection has been enabled"):
        ctx = ember.autograd.detect_anomaly(check_nan=False)
    with ctx:
        assert ember.autograd.is_anomaly_enabled()
        assert not ember.autograd.anomaly_mode.is_anomaly_check_nan_enabled()
    assert not ember.autograd.is_anomaly_enabled()
    assert ember.autograd.anomaly_mode.is_anomaly_check_nan_enabled()
    ember.autograd.set_detect_anomaly(True)
    try:
        # process-wide, as in PyTorch
        assert _in_thread(ember.autograd.is_anomaly_enabled)
    finally:
        ember.autograd.set_detect_anomaly(False)
    with ember.autograd.set_detect_anomaly(True):
        assert ember.autograd.is_anomaly_enabled()
    assert not ember.autograd.is_anomaly_enabled()


def test_anomaly_state_restored_after_exception():
    with pytest.raises(KeyError), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with ember.autograd.detect_anomaly():
            raise KeyError("x")
    assert not ember.autograd.is_anomaly_enabled()


def test_top_level_names():
    for name in ("no_grad", "enable_grad", "set_grad_enabled", "inference_mode", "is_grad_enabled",
                 "is_inference_mode_enabled", "is_anomaly_enabled", "is_anomaly_check_nan_enabled"):
        assert hasattr(ember, name), name
    for name in ("no_grad", "enable_grad", "set_grad_enabled", "inference_mode", "detect_anomaly",
                 "set_detect_anomaly", "grad_mode", "anomaly_mode"):
        assert hasattr(ember.autograd, name), name
    assert ember.no_grad is ember.autograd.no_grad is ember.autograd.grad_mode.no_grad
    np.testing.assert_equal(ember.autograd.grad_mode.is_grad_enabled(), True)

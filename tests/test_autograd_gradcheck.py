"""gradcheck / gradgradcheck: the same checks, verdicts, errors and warnings as PyTorch's."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import ember
from autograd_compare import same_outcome
from conftest import torch
from ember.autograd import gradcheck, gradgradcheck

X = np.random.default_rng(0).standard_normal((2, 3))


def x(lib, rg=True, dt="float64"):
    return lib.tensor(X, dtype=getattr(lib, dt), requires_grad=rg)


def functions(lib):
    """Custom Functions with deliberately broken backwards, written once for both libraries."""
    F = lib.autograd.Function

    class WrongGrad(F):
        @staticmethod
        def forward(ctx, a):
            ctx.save_for_backward(a)
            return a ** 2

        @staticmethod
        def backward(ctx, g):
            a, = ctx.saved_tensors
            return g * 3 * a

    class IgnoresGradOutput(F):
        @staticmethod
        def forward(ctx, a):
            return a * 2

        @staticmethod
        def backward(ctx, g):
            return lib.ones_like(g) * 2

    class Nondeterministic(F):
        calls = [0]

        @staticmethod
        def forward(ctx, a):
            return a * 2

        @staticmethod
        def backward(ctx, g):
            Nondeterministic.calls[0] += 1
            return g * 2 + 1e-9 * Nondeterministic.calls[0]

    class TwoOutputs(F):
        @staticmethod
        def forward(ctx, a):
            return a * 2, a * 3

        @staticmethod
        def backward(ctx, g1, g2):
            return g1 * 2 + g2 * 3

    class TwoOutputsUnmaterialized(F):
        @staticmethod
        def forward(ctx, a):
            ctx.set_materialize_grads(False)
            return a * 2, a * 3

        @staticmethod
        def backward(ctx, g1, g2):
            res = None
            if g1 is not None:
                res = g1 * 2
            if g2 is not None:
                res = g2 * 3 if res is None else res + g2 * 3
            return res

    class GradFromNothing(F):
        """Right gradients, but a non-zero one when the output's gradient is undefined."""

        @staticmethod
        def forward(ctx, a):
            ctx.set_materialize_grads(False)
            return a * 2

        @staticmethod
        def backward(ctx, g):
            return lib.ones(2, 3, dtype=lib.float64) if g is None else g * 2

    return {c.__name__: c for c in (WrongGrad, IgnoresGradOutput, Nondeterministic, TwoOutputs,
                                    TwoOutputsUnmaterialized, GradFromNothing)}


def G(lib):  # noqa: N802
    return lib.autograd.gradcheck


def GG(lib):  # noqa: N802
    return lib.autograd.gradgradcheck


def fn(lib, name):
    return functions(lib)[name].apply


CASES = {
    "tanh": lambda L: G(L)(L.tanh, (x(L),)),
    "single_tensor_input": lambda L: G(L)(L.tanh, x(L)),
    "fast": lambda L: G(L)(L.tanh, (x(L),), fast_mode=True),
    "float32_warns": lambda L: G(L)(L.tanh, (x(L, dt="float32"),), atol=1e-2, rtol=1e-2),
    "float32_fails": lambda L: G(L)(L.exp, (x(L, dt="float32"),)),
    "nothing_requires_grad": lambda L: G(L)(L.tanh, (x(L, False),)),
    "stride0": lambda L: G(L)(L.tanh, (L.tensor([1.0], dtype=L.float64).expand(3).requires_grad_(),)),
    "detached_output": lambda L: G(L)(lambda a: a.detach() * 2, (x(L),)),
    "detached_output_rg": lambda L: G(L)(lambda a: (a.detach() * 2).requires_grad_(), (x(L),)),
    "constant_output": lambda L: G(L)(lambda a: a * 0 + 1, (x(L),)),
    "wrong_grad": lambda L: G(L)(fn(L, "WrongGrad"), (x(L),)),
    "wrong_grad_no_raise": lambda L: G(L)(fn(L, "WrongGrad"), (x(L),), raise_exception=False),
    "wrong_grad_fast": lambda L: G(L)(fn(L, "WrongGrad"), (x(L),), fast_mode=True),
    "wrong_grad_fast_no_raise": lambda L: G(L)(fn(L, "WrongGrad"), (x(L),), fast_mode=True,
                                               raise_exception=False),
    "ignores_grad_output": lambda L: G(L)(fn(L, "IgnoresGradOutput"), (x(L),)),
    "nondeterministic": lambda L: G(L)(fn(L, "Nondeterministic"), (x(L),)),
    "nondeterministic_tol": lambda L: G(L)(fn(L, "Nondeterministic"), (x(L),), nondet_tol=1e-6),
    "nondeterministic_fast": lambda L: G(L)(fn(L, "Nondeterministic"), (x(L),), fast_mode=True),
    "two_outputs": lambda L: G(L)(fn(L, "TwoOutputs"), (x(L),)),
    "two_outputs_fast": lambda L: G(L)(fn(L, "TwoOutputs"), (x(L),), fast_mode=True),
    "two_outputs_unmaterialized": lambda L: G(L)(fn(L, "TwoOutputsUnmaterialized"), (x(L),)),
    "grad_from_undefined": lambda L: G(L)(fn(L, "GradFromNothing"), (x(L),)),
    "grad_from_undefined_unchecked": lambda L: G(L)(fn(L, "GradFromNothing"), (x(L),),
                                                    check_undefined_grad=False),
    "non_tensor_and_constant_inputs": lambda L: G(L)(lambda a, k, b: a * k + b, (x(L), 2.0, x(L, False))),
    "identity": lambda L: G(L)(lambda a: a, (x(L),)),
    "several_inputs_outputs": lambda L: G(L)(lambda a, b: (a * b, a.exp() + b.sum()),
                                             (x(L), L.tensor(X[0] ** 2, requires_grad=True))),
    "matmul": lambda L: G(L)(lambda a, b: a @ b, (x(L), L.tensor(X.T.copy(), requires_grad=True))),
    "noncontiguous_input": lambda L: G(L)(L.exp, (L.tensor(np.arange(12.).reshape(3, 4) / 10,
                                                           requires_grad=True).t(),)),
    "scalar_input": lambda L: G(L)(L.exp, (L.tensor(0.5, dtype=L.float64, requires_grad=True),)),
    "empty_input": lambda L: G(L)(L.exp, (L.zeros(0, 3, dtype=L.float64, requires_grad=True),)),
    "gg_tanh": lambda L: GG(L)(L.tanh, (x(L),)),
    "gg_fast": lambda L: GG(L)(L.tanh, (x(L),), fast_mode=True),
    "gg_product": lambda L: GG(L)(lambda a, b: a * b * a, (x(L), x(L))),
    "gg_given_grad_outputs": lambda L: GG(L)(lambda a: a ** 3, (x(L),),
                                             (L.ones(2, 3, dtype=L.float64, requires_grad=True),)),
    "gg_given_constant_grad_outputs": lambda L: GG(L)(lambda a: a ** 3, (x(L),),
                                                      (L.ones(2, 3, dtype=L.float64),)),
    "gg_linear": lambda L: GG(L)(lambda a: a * 2, (x(L),)),
    "gg_noncontig_grad_outputs": lambda L: GG(L)(lambda a: a.exp(), (x(L),),
                                                 gen_non_contig_grad_outputs=True),
    "gg_wrong_grad": lambda L: GG(L)(fn(L, "WrongGrad"), (x(L),)),
    "gg_wrong_grad_no_raise": lambda L: GG(L)(fn(L, "WrongGrad"), (x(L),), raise_exception=False),
}


@pytest.mark.skipif(torch is None, reason="PyTorch (the reference) is not installed")
@pytest.mark.parametrize("name", list(CASES))
def test_matches_torch(name):
    # the first line of a failure message is compared: the rest prints tensors
    same_outcome(CASES[name], first_line_only=True)


def test_error_type_and_report():
    with pytest.raises(ember.autograd.gradcheck.GradcheckError) as info:
        gradcheck(fn(ember, "WrongGrad"), (x(ember),))
    assert isinstance(info.value, RuntimeError)
    msg = str(info.value)
    assert msg.startswith("Jacobian mismatch for output 0 with respect to input 0,\nnumerical:tensor(")
    assert "\nanalytical:tensor(" in msg


def test_fast_mode_report_recomputes_slow_mode():
    with pytest.raises(ember.autograd.gradcheck.GradcheckError) as info:
        gradcheck(fn(ember, "WrongGrad"), (x(ember),), fast_mode=True)
    msg = str(info.value)
    assert "computed \nin fast mode" in msg
    assert "Numerical:\n tensor(" in msg and "Analytical:\ntensor(" in msg
    assert "The max per-element difference (slow mode) is: " in msg


def test_error_class_spellings():
    import sys

    from ember.autograd.gradcheck import GradcheckError

    assert ember.autograd.gradcheck.GradcheckError is GradcheckError
    assert sys.modules["ember.autograd.gradcheck"].GradcheckError is GradcheckError
    assert issubclass(GradcheckError, RuntimeError)


def test_perturbation_leaves_inputs_unchanged_and_version_untouched():
    a = x(ember)
    before = a.detach().clone()
    version = a._version
    assert gradcheck(lambda t: (t * t).sum(), (a,))
    np.testing.assert_array_equal(a.detach().numpy(), before.numpy())
    assert a._version == version
    assert a.grad is None


def test_inputs_restored_after_an_exception():
    a = x(ember)
    before = a.detach().clone()
    calls = []

    def boom(t):
        calls.append(1)
        if len(calls) == 2:
            raise ValueError("boom")
        return t * 2

    with pytest.raises(ValueError):
        gradcheck(boom, (a,))
    np.testing.assert_array_equal(a.detach().numpy(), before.numpy())


def test_integer_outputs_are_ignored():
    assert gradcheck(lambda a: (a * 2, (a * 10).long()), (x(ember),))


def test_tolerances():
    # a backward off by 1e-4 relative passes with rtol=1e-3 but not with rtol=1e-6
    class Slightly(ember.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            return a * 2

        @staticmethod
        def backward(ctx, g):
            return g * 2 * (1 + 1e-4)

    a = x(ember)
    assert gradcheck(Slightly.apply, (a,), rtol=1e-3, atol=0)
    assert not gradcheck(Slightly.apply, (a,), rtol=1e-6, atol=0, raise_exception=False)
    assert not gradcheck(Slightly.apply, (a,), rtol=1e-6, atol=0, raise_exception=False, fast_mode=True)


def test_gradgradcheck_catches_wrong_double_backward():
    class WrongSecond(ember.autograd.Function):
        """x**2 with a correct first derivative that is not differentiable the right way."""

        @staticmethod
        def forward(ctx, a):
            ctx.save_for_backward(a)
            return a ** 2

        @staticmethod
        def backward(ctx, g):
            a, = ctx.saved_tensors
            return g * 2 * a.detach() + (a - a.detach()) * 5

    a = x(ember)
    assert gradcheck(WrongSecond.apply, (a,))
    assert not gradgradcheck(WrongSecond.apply, (a,), raise_exception=False)
    with pytest.raises(ember.autograd.gradcheck.GradcheckError):
        gradgradcheck(WrongSecond.apply, (a,))


def test_gradgradcheck_random_grad_outputs(monkeypatch):
    """Drawn from ember's default generator in [-1, 1), requiring grad; non-contiguous on request."""
    import sys

    module = sys.modules["ember.autograd.gradcheck"]
    seen = []
    real = module.gradcheck

    def spy(func, inputs, **kwargs):
        seen.append(inputs[-1])
        return real(func, inputs, **kwargs)

    monkeypatch.setattr(module, "gradcheck", spy)
    for noncontig in (False, False, True):
        ember.manual_seed(0)
        assert gradgradcheck(lambda a: a ** 3, (x(ember),), gen_non_contig_grad_outputs=noncontig)
    g1, g2, g3 = seen
    assert g1.requires_grad and g1.shape == (2, 3) and g1.dtype is ember.float64
    vals = g1.detach().numpy()
    assert np.all(vals >= -1) and np.all(vals < 1) and len(np.unique(vals)) == 6
    np.testing.assert_array_equal(vals, g2.detach().numpy())
    assert g1.is_contiguous() and not g3.is_contiguous()


def test_forward_ad_flags_are_not_supported():
    with pytest.raises(NotImplementedError):
        gradcheck(ember.tanh, (x(ember),), check_forward_ad=True)


def test_warning_names_the_input():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        gradcheck(lambda a, b: a * b, (x(ember, False), x(ember, dt="float32")), atol=1e-2, rtol=1e-2)
    assert [str(w.message).split(" requires")[0] for w in caught] == ["Input #1"]

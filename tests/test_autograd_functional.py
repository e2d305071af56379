"""torch.autograd.functional's API in ember: results (structure, shapes, values, requires_grad) and errors
match PyTorch's for jacobian, hessian, vjp, jvp, hvp and vhp."""

from __future__ import annotations

import numpy as np
import pytest

from autograd_compare import same_outcome
from conftest import torch

pytestmark = pytest.mark.skipif(torch is None, reason="PyTorch (the reference) is not installed")

X = np.random.default_rng(0).standard_normal(3)
Y = np.random.default_rng(1).standard_normal(2)


def F(lib):  # noqa: N802
    return lib.autograd.functional


def mk(lib):
    return lib.tensor(X), lib.tensor(Y)


CASES = {
    "jac1": lambda L: F(L).jacobian(lambda a: a*2, mk(L)[0]),
    "jac_tuple_out": lambda L: F(L).jacobian(lambda a: (a*2, a.sum()), mk(L)[0]),
    "jac_tuple_in": lambda L: F(L).jacobian(lambda a, b: a.sum()*b, mk(L)),
    "jac_both": lambda L: F(L).jacobian(lambda a, b: (a.sum()*b, a), mk(L)),
    "jac_list_out": lambda L: F(L).jacobian(lambda a: [a*2], mk(L)[0]),
    "jac_list_in": lambda L: F(L).jacobian(lambda a: a*2, list(mk(L)[:1])),
    "jac_cg": lambda L: F(L).jacobian(lambda a: a**2, mk(L)[0], create_graph=True),
    "jac_unused": lambda L: F(L).jacobian(lambda a, b: a*2, mk(L)),
    "jac_strict": lambda L: F(L).jacobian(lambda a, b: a*2, mk(L), strict=True),
    "jac_strict_const": lambda L: F(L).jacobian(lambda a: L.ones(2), mk(L)[0], strict=True),
    "jac_strict_vec": lambda L: F(L).jacobian(lambda a: a*2, mk(L)[0], strict=True, vectorize=True),
    "jac_strat": lambda L: F(L).jacobian(lambda a: a*2, mk(L)[0], strategy="foo"),
    "jac_fwd_novec": lambda L: F(L).jacobian(lambda a: a*2, mk(L)[0], strategy="forward-mode"),
    "jac_fwd_cg": lambda L: F(L).jacobian(lambda a: a*2, mk(L)[0], strategy="forward-mode", vectorize=True,
                                          create_graph=True),
    "jac_fwd_strict": lambda L: F(L).jacobian(lambda a: a*2, mk(L)[0], strategy="forward-mode", strict=True),
    "jac_fwd_bad_input": lambda L: F(L).jacobian(lambda a: a*2, 3, strategy="forward-mode"),
    "jac_fwd": lambda L: F(L).jacobian(lambda a: a.exp(), mk(L)[0], strategy="forward-mode", vectorize=True),
    "jac_vec": lambda L: F(L).jacobian(lambda a, b: (a.exp() * b.sum(),), mk(L), vectorize=True),
    "jac_int": lambda L: F(L).jacobian(lambda a: 3, mk(L)[0]),
    "jac_nontensor": lambda L: F(L).jacobian(lambda a: a, 3),
    "jac_cg_strict": lambda L: F(L).jacobian(lambda a: a**2, mk(L)[0], create_graph=True, strict=True),
    "jac_cg_strict_lin": lambda L: F(L).jacobian(lambda a: a*2, mk(L)[0], create_graph=True, strict=True),
    "jac_matrix": lambda L: F(L).jacobian(lambda a: a.reshape(3, 1) * a, mk(L)[0]),
    "jac_scalar": lambda L: F(L).jacobian(lambda a: (a**2).sum(), mk(L)[0]),
    "jac_identity": lambda L: F(L).jacobian(lambda a: a, mk(L)[0]),
    "hess": lambda L: F(L).hessian(lambda a: (a**3).sum(), mk(L)[0]),
    "hess_tuple": lambda L: F(L).hessian(lambda a, b: (a**3).sum()*b.sum(), mk(L)),
    "hess_nonscalar": lambda L: F(L).hessian(lambda a: a**3, mk(L)[0]),
    "hess_tupleout": lambda L: F(L).hessian(lambda a: ((a**3).sum(),), mk(L)[0]),
    "hess_linear": lambda L: F(L).hessian(lambda a: a.sum()*2, mk(L)[0]),
    "hess_linear_strict": lambda L: F(L).hessian(lambda a: a.sum()*2, mk(L)[0], strict=True),
    "hess_fwd_novec": lambda L: F(L).hessian(lambda a: (a**3).sum(), mk(L)[0],
                                             outer_jacobian_strategy="forward-mode"),
    # PyTorch's forward-mode result leaks a graph (requires_grad=True); only the values are compared
    "hess_fwd": lambda L: F(L).hessian(lambda a: (a**3).sum(), mk(L)[0],
                                       outer_jacobian_strategy="forward-mode", vectorize=True).detach(),
    "hess_cg": lambda L: F(L).hessian(lambda a: (a**3).sum(), mk(L)[0], create_graph=True),
    "hess_strat": lambda L: F(L).hessian(lambda a: (a**3).sum(), mk(L)[0], outer_jacobian_strategy="x"),
    "hess_11": lambda L: F(L).hessian(lambda a: (a**3).sum().reshape(1, 1), mk(L)[0]),
    "vjp_nov": lambda L: F(L).vjp(lambda a: a*2, mk(L)[0]),
    "vjp": lambda L: F(L).vjp(lambda a: a*a, mk(L)[0], L.ones(3)),
    "vjp_badsize": lambda L: F(L).vjp(lambda a: a*2, mk(L)[0], L.ones(4)),
    "vjp_badlen": lambda L: F(L).vjp(lambda a: a*2, mk(L)[0], (L.ones(3), L.ones(3))),
    "vjp_badlen_t": lambda L: F(L).vjp(lambda a: (a*2, a), mk(L)[0], (L.ones(3),)),
    "vjp_badsize_t": lambda L: F(L).vjp(lambda a: (a*2, a), mk(L)[0], (L.ones(3), L.ones(2))),
    "vjp_tupleout": lambda L: F(L).vjp(lambda a: (a*2,), mk(L)[0], L.ones(3)),
    "vjp_tt": lambda L: F(L).vjp(lambda a: (a*2,), (mk(L)[0],), (L.ones(3),)),
    "vjp_scalar": lambda L: F(L).vjp(lambda a: a.sum(), mk(L)[0]),
    "vjp_v_int": lambda L: F(L).vjp(lambda a: a.sum(), mk(L)[0], 3),
    "vjp_unused": lambda L: F(L).vjp(lambda a, b: a.sum(), mk(L)),
    "vjp_strict": lambda L: F(L).vjp(lambda a, b: a.sum(), mk(L), strict=True),
    "vjp_cg": lambda L: F(L).vjp(lambda a: (a**2).sum(), mk(L)[0], create_graph=True),
    "vjp_cg_lin": lambda L: F(L).vjp(lambda a: a.sum(), mk(L)[0], create_graph=True),
    "vjp_cg_strict_lin": lambda L: F(L).vjp(lambda a: a.sum(), mk(L)[0], create_graph=True, strict=True),
    "vjp_const_strict": lambda L: F(L).vjp(lambda a: L.ones(()), mk(L)[0], strict=True),
    "vjp_const": lambda L: F(L).vjp(lambda a: L.ones(()), mk(L)[0]),
    "jvp_nov": lambda L: F(L).jvp(lambda a: a*2, mk(L)[0]),
    "jvp": lambda L: F(L).jvp(lambda a: a*a, mk(L)[0], L.ones(3)),
    "jvp_sum": lambda L: F(L).jvp(lambda a: a.sum(), mk(L)[0], L.ones(3)),
    "jvp_1": lambda L: F(L).jvp(lambda a: a.exp().sum(), mk(L)[0][:1]),
    "jvp_tt": lambda L: F(L).jvp(lambda a, b: (a*2, b.exp()), mk(L), (L.ones(3), L.ones(2))),
    "jvp_badlen": lambda L: F(L).jvp(lambda a, b: (a*2, b), mk(L), (L.ones(3),)),
    "jvp_strict_const": lambda L: F(L).jvp(lambda a: a.sum()*0 + 1, mk(L)[0], L.ones(3), strict=True),
    "jvp_strict_unused": lambda L: F(L).jvp(lambda a, b: a.sum(), mk(L), (L.ones(3), L.ones(2)), strict=True),
    "jvp_unused": lambda L: F(L).jvp(lambda a, b: (a.sum(), a * 0), mk(L), (L.ones(3), L.ones(2))),
    "jvp_cg": lambda L: F(L).jvp(lambda a: a**3, mk(L)[0], L.ones(3), create_graph=True),
    "jvp_const": lambda L: F(L).jvp(lambda a: L.ones(2), mk(L)[0], L.ones(3)),
    "hvp": lambda L: F(L).hvp(lambda a: (a**3).sum(), mk(L)[0], L.ones(3)),
    "hvp_nonscalar": lambda L: F(L).hvp(lambda a: (a**3), mk(L)[0], L.ones(3)),
    "hvp_tupleout": lambda L: F(L).hvp(lambda a: ((a**3).sum(),), mk(L)[0], L.ones(3)),
    "hvp_nov": lambda L: F(L).hvp(lambda a: (a**3).sum(), mk(L)[0]),
    "hvp_tuple": lambda L: F(L).hvp(lambda a, b: (a**3).sum()*(b**2).sum(), mk(L), (L.ones(3), L.ones(2))),
    "vhp_tuple": lambda L: F(L).vhp(lambda a, b: (a**3).sum()*(b**2).sum(), mk(L), (L.ones(3), L.ones(2))),
    "hvp_strict_lin": lambda L: F(L).hvp(lambda a: a.sum(), mk(L)[0], L.ones(3), strict=True),
    "hvp_lin": lambda L: F(L).hvp(lambda a: a.sum(), mk(L)[0], L.ones(3)),
    "vhp_strict_lin": lambda L: F(L).vhp(lambda a: a.sum(), mk(L)[0], L.ones(3), strict=True),
    "vhp_lin": lambda L: F(L).vhp(lambda a: a.sum(), mk(L)[0], L.ones(3)),
    "hvp_strict_quad": lambda L: F(L).hvp(lambda a: (a**2).sum(), mk(L)[0], L.ones(3), strict=True),
    "vhp_strict_quad": lambda L: F(L).vhp(lambda a: (a**2).sum(), mk(L)[0], L.ones(3), strict=True),
    "hvp_cg": lambda L: F(L).hvp(lambda a: (a**2).sum(), mk(L)[0], L.ones(3), create_graph=True),
    "vhp_cg3": lambda L: F(L).vhp(lambda a: (a**3).sum(), mk(L)[0], L.ones(3), create_graph=True),
    "vhp_unused_strict": lambda L: F(L).vhp(lambda a, b: (a**3).sum(), mk(L), (L.ones(3), L.ones(2)),
                                            strict=True),
    "vhp_unused": lambda L: F(L).vhp(lambda a, b: (a**3).sum(), mk(L), (L.ones(3), L.ones(2))),
    "hvp_unused": lambda L: F(L).hvp(lambda a, b: (a**3).sum(), mk(L), (L.ones(3), L.ones(2))),
}


def _through(lib, f):
    """f(x) built with create_graph=True from a leaf x that requires grad, then differentiated again."""
    x = lib.tensor(X, requires_grad=True)
    res = f(x)
    total = sum(r.sum() for r in (res if isinstance(res, tuple) else (res,)))
    return res, lib.autograd.grad(total, x)


CASES.update({
    "jac_cg_then_grad": lambda L: _through(L, lambda x: F(L).jacobian(lambda a: a**3, x, create_graph=True)),
    "hess_cg_then_grad": lambda L: _through(L, lambda x: F(L).hessian(lambda a: (a**3).sum(), x,
                                                                      create_graph=True)),
    "vjp_cg_then_grad": lambda L: _through(L, lambda x: F(L).vjp(lambda a: a.exp(), x, L.ones(3) * 2,
                                                                 create_graph=True)),
    "jvp_cg_then_grad": lambda L: _through(L, lambda x: F(L).jvp(lambda a: a.tanh(), x, L.ones(3),
                                                                 create_graph=True)),
    "hvp_cg_then_grad": lambda L: _through(L, lambda x: F(L).hvp(lambda a: (a**4).sum(), x, L.ones(3),
                                                                 create_graph=True)[1]),
    "vhp_cg_then_grad": lambda L: _through(L, lambda x: F(L).vhp(lambda a: (a**4).sum(), x, L.ones(3),
                                                                 create_graph=True)[1]),
    # without create_graph the inputs' graph is cut: nothing to differentiate
    "jac_no_cg_then_grad": lambda L: _through(L, lambda x: F(L).jacobian(lambda a: a**3, x)),
    "under_no_grad": lambda L: _no_grad(L, lambda: F(L).vjp(lambda a: a.exp(), mk(L)[0], L.ones(3))),
    "under_no_grad_cg": lambda L: _no_grad(L, lambda: F(L).vjp(lambda a: a.exp(), mk(L)[0], L.ones(3),
                                                              create_graph=True)),
})


def _no_grad(lib, f):
    with lib.no_grad():
        return f()


@pytest.mark.parametrize("name", list(CASES))
def test_matches_torch(name):
    same_outcome(CASES[name])

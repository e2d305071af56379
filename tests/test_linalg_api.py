"""Linear algebra behaviour beyond the spec table: methods, in-place forms, views, operators, result
tuples, grad_fn names, multi-output backward, edge cases; compared with PyTorch where observable."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import ember
from conftest import assert_same, torch

pytestmark = pytest.mark.skipif(torch is None, reason="PyTorch is not installed")


def pair(*arrays, grad=False):
    """The same values as ember and torch tensors."""
    e = [ember.from_numpy(a.copy()).requires_grad_(grad) for a in arrays]
    t = [torch.from_numpy(a.copy()).requires_grad_(grad) for a in arrays]
    return e, t


def rnd(*shape, seed=0, dtype=np.float64):
    return np.random.default_rng(seed).uniform(-1, 1, shape).astype(dtype)


def dominant(n, batch=(), seed=0):
    return rnd(*batch, n, n, seed=seed) + 2 * n * np.eye(n)


# -- methods and aliases ---------------------------------------------------------------------------

METHODS = {
    "inverse": lambda x: x.inverse(), "det": lambda x: x.det(), "logdet": lambda x: x.logdet(),
    "slogdet": lambda x: tuple(x.slogdet()), "pinverse": lambda x: x.pinverse(),
    "matrix_power": lambda x: x.matrix_power(3), "trace": lambda x: x.trace(),
    "cholesky": lambda x: x.cholesky(), "mm": lambda x: x.mm(x), "matmul": lambda x: x.matmul(x),
    "mv": lambda x: x.mv(x[0]), "outer": lambda x: x[0].outer(x[1]), "ger": lambda x: x[0].ger(x[1]),
    "dot": lambda x: x[0].dot(x[1]), "vdot": lambda x: x[0].vdot(x[1]), "inner": lambda x: x.inner(x),
    "kron": lambda x: x.kron(x), "cross": lambda x: x.cross(x.flip(0), dim=0),
    "addmm": lambda x: x.addmm(x, x, beta=2), "addmv": lambda x: x[0].addmv(x, x[1]),
    "bmm": lambda x: x[None].bmm(x[None]), "baddbmm": lambda x: x[None].baddbmm(x[None], x[None]),
    "addbmm": lambda x: x.addbmm(x[None], x[None]),
}


@pytest.mark.parametrize("name", list(METHODS))
def test_methods_match_pytorch(name):
    a = dominant(3)
    a = a @ a.T  # symmetric positive-definite: every method accepts it
    (e,), (t,) = pair(a)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert_same(METHODS[name](e), METHODS[name](t), rtol=1e-6, atol=1e-6)


def test_top_level_aliases_match_linalg():
    a = dominant(3)
    (e,), (t,) = pair(a)
    assert_same(ember.inverse(e), torch.inverse(t))
    assert_same(ember.det(e), torch.det(t))
    assert_same(ember.logdet(e), torch.logdet(t))
    assert_same(tuple(ember.slogdet(e)), tuple(torch.slogdet(t)))
    assert_same(ember.matrix_power(e, 2), torch.matrix_power(t, 2))
    assert_same(ember.linalg.matmul(e, e), torch.linalg.matmul(t, t))


def test_torch_svd_and_qr_legacy_forms():
    a = rnd(4, 3)
    (e,), (t,) = pair(a)
    eu, es, ev = ember.svd(e)
    tu, ts, tv = torch.svd(t)
    assert_same(es, ts)
    assert_same((eu * es) @ ev.mT, (tu * ts) @ tv.mT)
    assert tuple(ev.shape) == tuple(tv.shape) == (3, 3)
    eu, es, ev = ember.svd(e, some=False)
    assert tuple(eu.shape) == (4, 4) and tuple(ev.shape) == (3, 3)
    eu, es, ev = ember.svd(e, compute_uv=False)
    tu, ts, tv = torch.svd(t, compute_uv=False)
    assert_same((eu, es, ev), (tu, ts, tv))
    assert_same(tuple(ember.qr(e, some=False)), tuple(torch.qr(t, some=False)))


# -- result tuples ---------------------------------------------------------------------------------------

def test_result_tuples_have_pytorch_fields():
    a = dominant(3)
    (e,), (t,) = pair(a)
    for fn, fields in [
        (lambda L, x: L.linalg.slogdet(x), ("sign", "logabsdet")),
        (lambda L, x: L.slogdet(x), ("sign", "logabsdet")),
        (lambda L, x: L.linalg.qr(x), ("Q", "R")),
        (lambda L, x: L.linalg.eigh(x @ x.mT), ("eigenvalues", "eigenvectors")),
        (lambda L, x: L.linalg.svd(x), ("U", "S", "Vh")),
        (lambda L, x: L.svd(x), ("U", "S", "V")),
        (lambda L, x: L.linalg.inv_ex(x), ("inverse", "info")),
        (lambda L, x: L.linalg.cholesky_ex(x @ x.mT), ("L", "info")),
        (lambda L, x: L.linalg.lstsq(x, x), ("solution", "residuals", "rank", "singular_values")),
    ]:
        er, tr = fn(ember, e), fn(torch, t)
        assert type(er).__name__ == type(tr).__name__
        for f in fields:
            assert_same(getattr(er, f), getattr(tr, f), rtol=1e-6, atol=1e-6)
    assert repr(ember.linalg.slogdet(e)).startswith("torch.return_types.linalg_slogdet(")


def test_ex_variants_report_info():
    batch = np.stack([np.eye(3), np.zeros((3, 3)), np.eye(3)])
    (e,), (t,) = pair(batch)
    assert_same(ember.linalg.inv_ex(e).info, torch.linalg.inv_ex(t).info)
    spd = np.stack([np.eye(2), -np.eye(2), np.diag([1.0, -1.0])])
    (e,), (t,) = pair(spd)
    assert_same(ember.linalg.cholesky_ex(e).info, torch.linalg.cholesky_ex(t).info)
    ok = np.eye(2)[None].repeat(2, 0)
    (e,), (t,) = pair(ok)
    assert_same(ember.linalg.cholesky_ex(e).info, torch.linalg.cholesky_ex(t).info)


# -- in-place forms --------------------------------------------------------------------------------------

@pytest.mark.parametrize("name,shapes", [
    ("addmm_", ((2, 3), (2, 4), (4, 3))),
    ("addmv_", ((2,), (2, 4), (4,))),
    ("addbmm_", ((2, 3), (5, 2, 4), (5, 4, 3))),
    ("baddbmm_", ((5, 2, 3), (5, 2, 4), (5, 4, 3))),
])
def test_inplace_forms(name, shapes):
    arrays = [rnd(*s, seed=i) for i, s in enumerate(shapes)]
    (ec, ea, eb), (tc, ta, tb) = pair(*arrays)
    er = getattr(ec, name)(ea, eb, beta=0.5, alpha=2)
    tr = getattr(tc, name)(ta, tb, beta=0.5, alpha=2)
    assert er is ec
    assert_same(ec, tc)
    assert_same(er, tr)


def test_inplace_addmm_needs_matching_shape():
    (c, a, b), (tc, ta, tb) = pair(rnd(3), rnd(2, 4), rnd(4, 3))
    with pytest.raises(RuntimeError) as t_err:
        tc.addmm_(ta, tb)
    with pytest.raises(RuntimeError) as e_err:
        c.addmm_(a, b)
    assert str(e_err.value) == str(t_err.value)


def test_inplace_addmm_on_graph_tensor_backprops():
    (c, a, b), (tc, ta, tb) = pair(rnd(2, 3), rnd(2, 4), rnd(4, 3), grad=True)
    ec2, tc2 = c * 1, tc * 1
    ec2.addmm_(a, b, alpha=3)
    tc2.addmm_(ta, tb, alpha=3)
    ec2.sum().backward()
    tc2.sum().backward()
    for x, y in ((c, tc), (a, ta), (b, tb)):
        assert_same(x.grad, y.grad)


# -- operators -------------------------------------------------------------------------------------------

def test_matmul_operator_with_non_tensors():
    e, t = ember.ones(2, 2), torch.ones(2, 2)
    for other in (3, [[1.0, 2.0], [3.0, 4.0]]):
        with pytest.raises(TypeError) as t_err:
            t @ other
        with pytest.raises(TypeError) as e_err:
            e @ other
        assert str(e_err.value) == str(t_err.value)
        with pytest.raises(TypeError) as t_err:
            other @ t
        with pytest.raises(TypeError) as e_err:
            other @ e
        assert str(e_err.value) == str(t_err.value)


def test_imatmul_is_not_inplace():
    (a, b), (ta, tb) = pair(rnd(2, 3), rnd(3, 4))
    a0 = a
    a @= b
    ta @= tb
    assert a is not a0
    assert_same(a, ta)


# -- einsum specifics ------------------------------------------------------------------------------------

def test_einsum_view_results_share_memory():
    (e,), (t,) = pair(rnd(3, 3))
    for eq in ("ii->i", "ij->ji", "ij"):
        ev, tv = ember.einsum(eq, e), torch.einsum(eq, t)
        ev.add_(1)
        tv.add_(1)
        assert_same(e, t)


def test_einsum_view_inplace_backprop():
    (x,), (tx,) = pair(rnd(3, 3), grad=True)
    e, t = x * 1, tx * 1
    ember.einsum("ii->i", e).mul_(3)
    torch.einsum("ii->i", t).mul_(3)
    (e * e).sum().backward()
    (t * t).sum().backward()
    assert_same(x.grad, tx.grad)


def test_einsum_integer_dtypes():
    for dt in (np.int32, np.int64):
        (a, b), (ta, tb) = pair(np.arange(6).reshape(2, 3).astype(dt), np.arange(12).reshape(3, 4).astype(dt))
        assert_same(ember.einsum("ij,jk->ik", a, b), torch.einsum("ij,jk->ik", ta, tb))
        assert_same(ember.einsum("ij->", a), torch.einsum("ij->", ta))
        assert_same(ember.einsum("ij->j", a), torch.einsum("ij->j", ta))
        assert_same(ember.einsum("ij->ji", a), torch.einsum("ij->ji", ta))


def test_einsum_large_operands_take_the_optimised_path():
    (a, b, c), (ta, tb, tc) = pair(rnd(20, 30), rnd(30, 40, seed=1), rnd(40, 5, seed=2), grad=True)
    eo = ember.einsum("ij,jk,kl->il", a, b, c)
    to = torch.einsum("ij,jk,kl->il", ta, tb, tc)
    assert_same(eo, to)
    eo.sum().backward()
    to.sum().backward()
    for x, y in ((a, ta), (b, tb), (c, tc)):
        assert_same(x.grad, y.grad)


def test_einsum_double_backward_with_diagonal_and_summed_index():
    (a, b), (ta, tb) = pair(rnd(3, 3, 2), rnd(2, 4, seed=1), grad=True)
    eo = ember.einsum("iij,jk->k", a, b)
    to = torch.einsum("iij,jk->k", ta, tb)
    eg = ember.autograd.grad(eo.pow(2).sum(), (a, b), create_graph=True)
    tg = torch.autograd.grad(to.pow(2).sum(), (ta, tb), create_graph=True)
    assert_same(eg, tg)
    egg = ember.autograd.grad(sum((g * g).sum() for g in eg), (a, b))
    tgg = torch.autograd.grad(sum((g * g).sum() for g in tg), (ta, tb))
    assert_same(egg, tgg)


# -- grad_fn names -----------------------------------------------------------------------------------

GRAD_FN = {
    "dot": lambda L, a, m: a[0] @ a[1],
    "mv": lambda L, a, m: a @ a[0],
    "mm": lambda L, a, m: a @ a,
    "bmm": lambda L, a, m: L.bmm(a[None], a[None]),
    "addmm": lambda L, a, m: L.addmm(a, a, a),
    "addmv": lambda L, a, m: L.addmv(a[0], a, a[1]),
    "addbmm": lambda L, a, m: L.addbmm(a, a[None], a[None]),
    "baddbmm": lambda L, a, m: L.baddbmm(a, a[None], a[None]),
    "trace": lambda L, a, m: L.trace(a),
    "cross": lambda L, a, m: L.linalg.cross(a, a * 2),
    "cdist": lambda L, a, m: L.cdist(a, a * 2),
    "inv": lambda L, a, m: L.linalg.inv(m),
    "det": lambda L, a, m: L.linalg.det(m),
    "slogdet": lambda L, a, m: L.linalg.slogdet(m)[1],
    "solve": lambda L, a, m: L.linalg.solve(m, a),
    "pinv": lambda L, a, m: L.linalg.pinv(a),
    "qr": lambda L, a, m: L.linalg.qr(a)[0],
    "eigh": lambda L, a, m: L.linalg.eigh(m)[0],
    "svd": lambda L, a, m: L.linalg.svd(a)[1],
    "cholesky": lambda L, a, m: L.linalg.cholesky(m @ m.mT),
    "vector_norm": lambda L, a, m: L.linalg.vector_norm(a),
}


@pytest.mark.parametrize("name", list(GRAD_FN))
def test_grad_fn_names(name):
    (a, m), (ta, tm) = pair(rnd(3, 3), dominant(3, seed=1), grad=True)
    assert GRAD_FN[name](ember, a, m).grad_fn.name() == GRAD_FN[name](torch, ta, tm).grad_fn.name()


# -- autograd through several outputs ---------------------------------------------------------------

def test_backward_from_several_outputs_of_one_node():
    (a,), (ta,) = pair(rnd(4, 3), grad=True)
    eq, er = ember.linalg.qr(a)
    tq, tr = torch.linalg.qr(ta)
    (e1,), (t1,) = pair(rnd(4, 3, seed=1))
    (e2,), (t2,) = pair(rnd(3, 3, seed=2))
    ember.autograd.backward([eq, er], [e1, e2])
    torch.autograd.backward([tq, tr], [t1, t2])
    assert_same(a.grad, ta.grad)


def test_slogdet_sign_gets_no_gradient():
    (m,), (tm,) = pair(-dominant(3), grad=True)
    es, el = ember.linalg.slogdet(m)
    ts, tl = torch.linalg.slogdet(tm)
    assert es.requires_grad == ts.requires_grad
    (es * 5).sum().backward()
    (ts * 5).sum().backward()
    assert_same(m.grad, tm.grad)


def test_det_gradient_of_singular_matrix():
    for mat in (np.zeros((3, 3)), np.array([[1.0, 2.0], [2.0, 4.0]]), np.stack([np.eye(2), np.ones((2, 2))])):
        (m,), (tm,) = pair(mat, grad=True)
        ember.linalg.det(m).sum().backward()
        torch.linalg.det(tm).sum().backward()
        assert_same(m.grad, tm.grad)


def test_matrix_power_zero_keeps_graph():
    (m,), (tm,) = pair(rnd(2, 3, 3), grad=True)
    e, t = ember.linalg.matrix_power(m, 0), torch.linalg.matrix_power(tm, 0)
    assert e.requires_grad == t.requires_grad
    assert_same(e, t)
    e.sum().backward()
    t.sum().backward()
    assert_same(m.grad, tm.grad)


def test_qr_gradient_errors():
    (a,), (ta,) = pair(rnd(4, 3), grad=True)
    for fn in (lambda L, x: L.linalg.qr(x, mode="r")[1], lambda L, x: L.linalg.qr(x, mode="complete")[0]):
        with pytest.raises(RuntimeError) as t_err:
            fn(torch, ta).sum().backward()
        with pytest.raises(RuntimeError) as e_err:
            fn(ember, a).sum().backward()
        assert str(e_err.value) == str(t_err.value)


# -- edge cases ------------------------------------------------------------------------------------------

def test_empty_matrices():
    for shape in ((0, 0), (2, 0, 0)):
        (e,), (t,) = pair(np.zeros(shape))
        assert_same(ember.linalg.det(e), torch.linalg.det(t))
        assert_same(ember.linalg.inv(e), torch.linalg.inv(t))
    (a, b), (ta, tb) = pair(np.zeros((2, 0)), np.zeros((0, 3)))
    assert_same(a @ b, ta @ tb)


def test_matmul_keeps_float16_and_integers():
    for dt in (np.float16, np.int32, np.uint8):
        (a, b), (ta, tb) = pair(np.arange(6).reshape(2, 3).astype(dt), np.arange(6).reshape(3, 2).astype(dt))
        assert_same(a @ b, ta @ tb)


def test_noncontiguous_and_transposed_operands():
    big = rnd(64, 96)
    (x, w), (tx, tw) = pair(big, rnd(48, 64, seed=1), grad=True)
    eo = x[:, ::2].mT @ w.mT
    to = tx[:, ::2].mT @ tw.mT
    assert_same(eo, to)
    eo.sum().backward()
    to.sum().backward()
    assert_same(x.grad, tx.grad)
    assert_same(w.grad, tw.grad)


def test_stack_times_matrix_weight_gradient():
    (x, w), (tx, tw) = pair(rnd(4, 5, 6), rnd(6, 3, seed=1), grad=True)
    (x @ w).pow(2).sum().backward()
    (tx @ tw).pow(2).sum().backward()
    assert_same(w.grad, tw.grad)
    assert_same(x.grad, tx.grad)


def test_cdist_compute_modes_agree():
    (a, b), (ta, tb) = pair(rnd(5, 3), rnd(4, 3, seed=1))
    for mode in ("use_mm_for_euclid_dist", "donot_use_mm_for_euclid_dist",
                 "use_mm_for_euclid_dist_if_necessary"):
        assert_same(ember.cdist(a, b, compute_mode=mode), torch.cdist(ta, tb, compute_mode=mode))


def test_cdist_zero_distance_gradient():
    pts = rnd(3, 2)
    (a, b), (ta, tb) = pair(pts, pts.copy(), grad=True)
    ember.cdist(a, b).sum().backward()
    torch.cdist(ta, tb).sum().backward()
    assert_same(a.grad, ta.grad)


def test_vector_norm_inf_ties_share_the_gradient():
    (x,), (tx,) = pair(np.array([1.0, -3.0, 3.0, 2.0]), grad=True)
    ember.linalg.vector_norm(x, float("inf")).backward()
    torch.linalg.vector_norm(tx, float("inf")).backward()
    assert_same(x.grad, tx.grad)


def test_vector_norm_zero_vector_gradient():
    for p in (2, 3, 0.5, 1):
        (x,), (tx,) = pair(np.zeros(3), grad=True)
        ember.linalg.vector_norm(x, p).backward()
        torch.linalg.vector_norm(tx, p).backward()
        assert_same(x.grad, tx.grad)


def test_cross_without_dim_warns_and_picks_first_size3_dim():
    (a, b), (ta, tb) = pair(rnd(3, 2), rnd(3, 2, seed=1))
    with pytest.warns(UserWarning, match="deprecated"):
        eo = ember.cross(a, b)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        to = torch.cross(ta, tb)
    assert_same(eo, to)


def test_pinv_tolerances():
    m = np.diag([1.0, 1e-3, 1e-9])
    (e,), (t,) = pair(m)
    for kw in ({}, {"rtol": 1e-2}, {"atol": 1e-4}, {"hermitian": True}, {"atol": 1e-4, "rtol": 1e-12}):
        assert_same(ember.linalg.pinv(e, **kw), torch.linalg.pinv(t, **kw), rtol=1e-6, atol=1e-6)
    assert_same(ember.pinverse(e, rcond=1e-2), torch.pinverse(t, rcond=1e-2))


def test_matrix_rank():
    m = np.diag([1.0, 1e-3, 0.0])
    (e,), (t,) = pair(m)
    for kw in ({}, {"rtol": 1e-2}, {"atol": 1e-4}, {"hermitian": True}):
        assert_same(ember.linalg.matrix_rank(e, **kw), torch.linalg.matrix_rank(t, **kw))


def test_solve_triangular_singular_gives_inf_nan():
    m = np.triu(rnd(3, 3)) * np.array([1.0, 0.0, 1.0])[:, None]
    (a, b), (ta, tb) = pair(m, rnd(3, 2, seed=1))
    for upper in (True, False):
        assert_same(ember.linalg.solve_triangular(a, b, upper=upper),
                    torch.linalg.solve_triangular(ta, tb, upper=upper))


def test_solve_triangular_mixed_dtypes():
    (a,), (ta,) = pair(dominant(3))
    (b,), (tb,) = pair(rnd(3, 2, dtype=np.float32))
    assert_same(ember.linalg.solve_triangular(a, b, upper=True),
                torch.linalg.solve_triangular(ta, tb, upper=True))


# -- out= --------------------------------------------------------------------------------------------

OUT_CASES = {
    "matmul": (lambda L, a, b, o: L.matmul(a, b, out=o), (2, 4)),
    "mm": (lambda L, a, b, o: L.mm(a, b, out=o), (2, 4)),
    "addmm": (lambda L, a, b, o: L.addmm(b[0], a, b, out=o), (2, 4)),
    "mv": (lambda L, a, b, o: L.mv(b.mT, a[0], out=o), (4,)),
    "tensordot": (lambda L, a, b, o: L.tensordot(a, b, 1, out=o), (2, 4)),
    "inv": (lambda L, a, b, o: L.linalg.inv(b[:3, :3] + 4 * L.eye(3, dtype=b.dtype), out=o), (3, 3)),
    "vector_norm": (lambda L, a, b, o: L.linalg.vector_norm(a, out=o), ()),
    "solve": (lambda L, a, b, o: L.linalg.solve(b[:3, :3] + 4 * L.eye(3, dtype=b.dtype), a.mT, out=o),
              (3, 2)),
}
# ops whose wrong-dtype out= error has its own wording in PyTorch
OWN_DTYPE_MESSAGE = {"mv", "tensordot"}


@pytest.mark.parametrize("name", list(OUT_CASES))
def test_out_argument(name):
    fn, shape = OUT_CASES[name]
    (a, b), (ta, tb) = pair(rnd(2, 3), rnd(3, 4, seed=1))
    eo, to = ember.empty(shape, dtype=ember.float64), torch.empty(shape, dtype=torch.float64)
    er, tr = fn(ember, a, b, eo), fn(torch, ta, tb, to)
    assert er is eo
    assert_same(eo, to)
    assert_same(er, tr)
    # an empty out is resized silently, a wrong dtype is an error
    eo, to = ember.empty(0, dtype=ember.float64), torch.empty(0, dtype=torch.float64)
    assert_same(fn(ember, a, b, eo), fn(torch, ta, tb, to))
    with pytest.raises(RuntimeError) as t_err:
        fn(torch, ta, tb, torch.empty(shape, dtype=torch.float32))
    with pytest.raises(RuntimeError) as e_err:
        fn(ember, a, b, ember.empty(shape, dtype=ember.float32))
    if name not in OWN_DTYPE_MESSAGE:
        assert str(e_err.value) == str(t_err.value)


def test_out_resize_warns_and_refuses_autograd():
    (a, b), (ta, tb) = pair(rnd(2, 3), rnd(3, 4, seed=1))
    with pytest.warns(UserWarning, match="was resized"):
        ember.mm(a, b, out=ember.empty(5, dtype=ember.float64))
    a.requires_grad_()
    ta.requires_grad_()
    with pytest.raises(RuntimeError) as t_err:
        torch.mm(ta, tb, out=torch.empty(2, 4, dtype=torch.float64))
    with pytest.raises(RuntimeError) as e_err:
        ember.mm(a, b, out=ember.empty(2, 4, dtype=ember.float64))
    assert str(e_err.value) == str(t_err.value)


def test_out_tuple():
    (a,), (ta,) = pair(rnd(3, 3))
    eq, er = ember.empty(0, dtype=ember.float64), ember.empty(0, dtype=ember.float64)
    tq, tr = torch.empty(0, dtype=torch.float64), torch.empty(0, dtype=torch.float64)
    res = ember.linalg.qr(a, out=(eq, er))
    torch.linalg.qr(ta, out=(tq, tr))
    assert res.Q is eq and res.R is er
    assert_same((eq, er), (tq, tr))

"""Linear algebra errors: the same exception type and message as PyTorch, for each misuse."""

from __future__ import annotations

import pytest

import ember
from conftest import torch


def o(lib, *shape, dtype=None):
    return lib.ones(*shape, dtype=dtype or lib.float32)


def d(lib, *shape):
    return lib.ones(*shape, dtype=lib.float64)


def i64(lib, *shape):
    return lib.ones(*shape, dtype=lib.int64)


def b8(lib, *shape):
    return lib.ones(*shape, dtype=lib.bool)


def singular(lib):
    return lib.tensor([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [1.0, 1.0, 1.0]])


def eye_batch(lib, bad, n=3):
    """A batch of identities with element `bad` replaced by zeros (or -I when negate)."""
    return lib.stack([lib.zeros(n, n) if k == bad else lib.eye(n) for k in range(3)])


CASES = {
    # matmul and friends
    "matmul_0d": lambda L: L.matmul(L.tensor(1.0), o(L, 3)),
    "matmul_1d_1d": lambda L: L.matmul(o(L, 3), o(L, 4)),
    "matmul_2d_1d": lambda L: L.matmul(o(L, 2, 3), o(L, 4)),
    "matmul_1d_2d": lambda L: L.matmul(o(L, 3), o(L, 4, 5)),
    "matmul_2d_2d": lambda L: o(L, 2, 3) @ o(L, 4, 5),
    "matmul_3d_2d": lambda L: o(L, 2, 2, 3) @ o(L, 4, 5),
    "matmul_3d_1d": lambda L: o(L, 2, 2, 3) @ o(L, 4),
    "matmul_batch_broadcast": lambda L: o(L, 3, 2, 3) @ o(L, 2, 3, 4),
    "matmul_batch_inner": lambda L: o(L, 2, 2, 3) @ o(L, 2, 4, 5),
    "matmul_1d_3d": lambda L: o(L, 3) @ o(L, 2, 4, 5),
    "matmul_dtype_2d": lambda L: o(L, 2, 3) @ d(L, 3, 5),
    "matmul_dtype_1d": lambda L: o(L, 3) @ d(L, 3),
    "matmul_dtype_mv": lambda L: o(L, 2, 3) @ d(L, 3),
    "matmul_dtype_3d": lambda L: o(L, 2, 2, 3) @ d(L, 2, 3, 4),
    "matmul_dtype_int": lambda L: L.ones(2, 3, dtype=L.int32) @ i64(L, 3, 2),
    "matmul_bool": lambda L: b8(L, 2, 3) @ b8(L, 3, 2),
    "matmul_bool_1d": lambda L: b8(L, 3) @ b8(L, 3),
    "matmul_bool_3d": lambda L: b8(L, 2, 2, 3) @ b8(L, 2, 3, 2),
    "matmul_not_tensor": lambda L: L.matmul(o(L, 2, 2), 3),
    "mm_shape": lambda L: L.mm(o(L, 2, 3), o(L, 4, 5)),
    "mm_dtype": lambda L: L.mm(o(L, 2, 3), d(L, 3, 5)),
    "mm_1d_self": lambda L: L.mm(o(L, 3), o(L, 3, 2)),
    "mm_1d_mat2": lambda L: L.mm(o(L, 2, 3), o(L, 3)),
    "mm_bool": lambda L: L.mm(b8(L, 2, 3), b8(L, 3, 2)),
    "mv_shape": lambda L: L.mv(o(L, 2, 3), o(L, 4)),
    "mv_2d_vec": lambda L: L.mv(o(L, 2, 3), o(L, 3, 1)),
    "mv_1d_mat": lambda L: L.mv(o(L, 3), o(L, 3)),
    "mv_dtype": lambda L: L.mv(o(L, 2, 3), d(L, 3)),
    "mv_bool": lambda L: L.mv(b8(L, 2, 3), b8(L, 3)),
    "bmm_batch": lambda L: L.bmm(o(L, 2, 3, 4), o(L, 3, 4, 5)),
    "bmm_inner": lambda L: L.bmm(o(L, 2, 3, 4), o(L, 2, 5, 5)),
    "bmm_2d_first": lambda L: L.bmm(o(L, 3, 4), o(L, 2, 4, 5)),
    "bmm_2d_second": lambda L: L.bmm(o(L, 2, 3, 4), o(L, 4, 5)),
    "bmm_dtype": lambda L: L.bmm(o(L, 2, 3, 4), d(L, 2, 4, 5)),
    "bmm_bool": lambda L: L.bmm(b8(L, 1, 2, 3), b8(L, 1, 3, 2)),
    "dot_size": lambda L: L.dot(o(L, 3), o(L, 4)),
    "dot_2d": lambda L: L.dot(o(L, 3, 1), o(L, 3)),
    "dot_0d": lambda L: L.dot(L.tensor(2.0), o(L, 3)),
    "dot_dtype": lambda L: L.dot(o(L, 3), d(L, 3)),
    "dot_int_dtypes": lambda L: L.dot(i64(L, 3), L.ones(3, dtype=L.int32)),
    "dot_bool": lambda L: L.dot(b8(L, 3), b8(L, 3)),
    "vdot_size": lambda L: L.vdot(o(L, 3), o(L, 4)),
    "vdot_2d": lambda L: L.vdot(o(L, 3, 1), o(L, 3)),
    "inner_last_dim": lambda L: L.inner(o(L, 2, 3), o(L, 4, 4)),
    "inner_dtype": lambda L: L.inner(o(L, 2, 3), d(L, 4, 3)),
    "outer_2d": lambda L: L.outer(o(L, 2, 3), o(L, 4)),
    "outer_2d_vec2": lambda L: L.outer(o(L, 3), o(L, 4, 2)),
    "addmm_shape": lambda L: L.addmm(o(L, 2, 5), o(L, 2, 3), o(L, 4, 5)),
    "addmm_input_expand": lambda L: L.addmm(o(L, 3, 5), o(L, 2, 3), o(L, 3, 5)),
    "addmm_input_ndim": lambda L: L.addmm(o(L, 2, 5, 1), o(L, 2, 3), o(L, 3, 5)),
    "addmm_self_dtype": lambda L: L.addmm(d(L, 5), o(L, 2, 3), o(L, 3, 5)),
    "addmm_mat1_dtype": lambda L: L.addmm(o(L, 5), d(L, 2, 3), o(L, 3, 5)),
    "addmm_1d_mat1": lambda L: L.addmm(o(L, 5), o(L, 3), o(L, 3, 5)),
    "addmm_3d_mat2": lambda L: L.addmm(o(L, 2, 5), o(L, 2, 3), o(L, 2, 3, 4)),
    "addmv_2d_input": lambda L: L.addmv(o(L, 2, 5), o(L, 2, 3), o(L, 3)),
    "addmv_size": lambda L: L.addmv(o(L, 2), o(L, 2, 3), o(L, 4)),
    "addmv_input_size": lambda L: L.addmv(o(L, 3), o(L, 2, 3), o(L, 3)),
    "addmv_dtype": lambda L: L.addmv(o(L, 2), o(L, 2, 3), d(L, 3)),
    "addbmm_batches": lambda L: L.addbmm(o(L, 3, 5), o(L, 2, 3, 4), o(L, 3, 4, 5)),
    "addbmm_inner": lambda L: L.addbmm(o(L, 5), o(L, 3, 2, 3), o(L, 3, 4, 5)),
    "addbmm_2d": lambda L: L.addbmm(o(L, 5), o(L, 2, 3), o(L, 3, 3, 5)),
    "addbmm_expand": lambda L: L.addbmm(o(L, 4, 5), o(L, 2, 3, 4), o(L, 2, 4, 5)),
    "addbmm_dtype": lambda L: L.addbmm(o(L, 5), o(L, 3, 2, 3), d(L, 3, 3, 5)),
    "baddbmm_input_dtype": lambda L: L.baddbmm(d(L, 5), o(L, 3, 2, 3), o(L, 3, 3, 5)),
    "baddbmm_batch2_dtype": lambda L: L.baddbmm(o(L, 5), o(L, 3, 2, 3), d(L, 3, 3, 5)),
    "baddbmm_inner": lambda L: L.baddbmm(o(L, 5), o(L, 3, 2, 3), o(L, 3, 4, 5)),
    "baddbmm_batch": lambda L: L.baddbmm(o(L, 5), o(L, 3, 2, 3), o(L, 2, 3, 5)),
    "baddbmm_2d": lambda L: L.baddbmm(o(L, 5), o(L, 2, 3), o(L, 2, 3, 5)),
    "baddbmm_expand": lambda L: L.baddbmm(o(L, 3, 3, 5), o(L, 2, 3, 4), o(L, 2, 4, 5)),
    # einsum
    "einsum_size": lambda L: L.einsum("ij,jk", o(L, 2, 3), o(L, 4, 5)),
    "einsum_fewer_operands": lambda L: L.einsum("ij,jk->ik", o(L, 2, 3)),
    "einsum_more_operands": lambda L: L.einsum("ij,jk", o(L, 2, 3), o(L, 3, 4), o(L, 2)),
    "einsum_output_missing": lambda L: L.einsum("ij->ik", o(L, 2, 3)),
    "einsum_output_repeated": lambda L: L.einsum("i->ii", o(L, 2)),
    "einsum_ndim": lambda L: L.einsum("ijk->ij", o(L, 2, 3)),
    "einsum_ndim_ellipsis": lambda L: L.einsum("ijkl...", o(L, 2, 3, 4)),
    "einsum_dtype": lambda L: L.einsum("ij,jk->ik", o(L, 2, 3), d(L, 3, 4)),
    "einsum_repeated_size": lambda L: L.einsum("ii->i", o(L, 2, 3)),
    "einsum_bad_dot": lambda L: L.einsum("ab..c", o(L, 2, 3)),
    "einsum_bad_char": lambda L: L.einsum("i1", o(L, 2, 3)),
    "einsum_bad_char_output": lambda L: L.einsum("ij->i->j", o(L, 2, 3)),
    "einsum_output_dot": lambda L: L.einsum("ij->i.", o(L, 2, 3)),
    "einsum_two_ellipses": lambda L: L.einsum("i...j...", o(L, 2, 3)),
    "einsum_ellipsis_size": lambda L: L.einsum("...ij,...jk", o(L, 5, 2, 3), o(L, 4, 3, 4)),
    "einsum_no_operands": lambda L: L.einsum("ij"),
    "einsum_not_tensor": lambda L: L.einsum("ij", 3),
    "einsum_sublist_range": lambda L: L.einsum(o(L, 2, 3), [0, 60]),
    # tensordot, kron, trace, cross, cdist
    "tensordot_size": lambda L: L.tensordot(o(L, 2, 3), o(L, 4, 4), dims=1),
    "tensordot_lengths": lambda L: L.tensordot(o(L, 2, 3, 4), o(L, 3, 4, 5), dims=([1, 2], [0])),
    "tensordot_negative": lambda L: L.tensordot(o(L, 2, 3, 4), o(L, 3, 4, 5), dims=-1),
    "tensordot_too_many": lambda L: L.tensordot(o(L, 2, 3), o(L, 3, 4), dims=3),
    "tensordot_list_size": lambda L: L.tensordot(o(L, 2, 3, 4), o(L, 3, 4, 5), dims=([1, 2], [1, 0])),
    "tensordot_dtype": lambda L: L.tensordot(o(L, 2, 3), d(L, 3, 4), dims=1),
    "tensordot_int_pair": lambda L: L.tensordot(o(L, 2, 3), o(L, 3, 4), dims=(1, 0)),
    "tensordot_float_dims": lambda L: L.tensordot(o(L, 2, 3), o(L, 3, 4), dims=1.5),
    "tensordot_dim_range": lambda L: L.tensordot(o(L, 2, 3), o(L, 3, 4), dims=[[5], [0]]),
    "trace_3d": lambda L: L.trace(o(L, 2, 3, 4)),
    "trace_1d": lambda L: L.trace(o(L, 3)),
    "trace_bool": lambda L: L.trace(b8(L, 3, 3)),
    "cross_ndim": lambda L: L.linalg.cross(o(L, 3, 3), o(L, 3, 1, 3)),
    "cross_len": lambda L: L.linalg.cross(o(L, 2, 4), o(L, 2, 4)),
    "cross_len_dim": lambda L: L.cross(o(L, 3, 2), o(L, 3, 2), dim=1),
    "cross_no_dim3": lambda L: L.cross(o(L, 2, 4), o(L, 2, 4)),
    "cross_dtype": lambda L: L.linalg.cross(o(L, 3), d(L, 3)),
    "cross_broadcast": lambda L: L.linalg.cross(o(L, 2, 3), o(L, 3, 3)),
    "cross_bool": lambda L: L.linalg.cross(b8(L, 3), b8(L, 3)),
    "cross_dim_range": lambda L: L.cross(o(L, 4, 3), o(L, 4, 3), dim=2),
    "cdist_cols": lambda L: L.cdist(o(L, 2, 3), o(L, 4, 4)),
    "cdist_1d": lambda L: L.cdist(o(L, 3), o(L, 4, 3)),
    "cdist_1d_x2": lambda L: L.cdist(o(L, 2, 3), o(L, 3)),
    "cdist_dtype": lambda L: L.cdist(o(L, 2, 3), d(L, 4, 3)),
    "cdist_p": lambda L: L.cdist(o(L, 2, 3), o(L, 4, 3), p=-1),
    "cdist_int": lambda L: L.cdist(i64(L, 2, 3), i64(L, 2, 3)),
    "cdist_batch": lambda L: L.cdist(o(L, 3, 2, 3), o(L, 2, 4, 3)),
    # inverses, determinants, solves
    "inv_singular": lambda L: L.linalg.inv(singular(L)),
    "inv_zeros": lambda L: L.linalg.inv(L.zeros(2, 2)),
    "inv_batch_singular": lambda L: L.linalg.inv(eye_batch(L, 1)),
    "inverse_singular": lambda L: L.inverse(singular(L)),
    "inv_not_square": lambda L: L.linalg.inv(o(L, 2, 3)),
    "inv_1d": lambda L: L.linalg.inv(o(L, 3)),
    "inv_int": lambda L: L.linalg.inv(i64(L, 3, 3)),
    "inv_half": lambda L: L.linalg.inv(L.eye(3, dtype=L.float16)),
    "inv_ex_check": lambda L: L.linalg.inv_ex(singular(L), check_errors=True),
    "det_not_square": lambda L: L.linalg.det(o(L, 2, 3)),
    "det_1d": lambda L: L.linalg.det(o(L, 3)),
    "det_int": lambda L: L.linalg.det(i64(L, 3, 3)),
    "logdet_int": lambda L: L.logdet(i64(L, 3, 3)),
    "slogdet_int": lambda L: L.linalg.slogdet(i64(L, 3, 3)),
    "solve_b_size": lambda L: L.linalg.solve(L.eye(3), o(L, 4)),
    "solve_b_size_matrix": lambda L: L.linalg.solve(L.eye(3), o(L, 4, 2)),
    "solve_left_false": lambda L: L.linalg.solve(L.eye(3), o(L, 3, 2), left=False),
    "solve_left_false_vector": lambda L: L.linalg.solve(L.eye(3), o(L, 3), left=False),
    "solve_left_false_vector_1": lambda L: L.linalg.solve(L.eye(1), o(L, 1), left=False),
    "solve_dtype": lambda L: L.linalg.solve(L.eye(3), d(L, 3, 3)),
    "solve_singular": lambda L: L.linalg.solve(singular(L), o(L, 3)),
    "solve_batch_singular": lambda L: L.linalg.solve(eye_batch(L, 1), o(L, 3)),
    "solve_not_square": lambda L: L.linalg.solve(o(L, 2, 3), o(L, 2)),
    "solve_1d": lambda L: L.linalg.solve(o(L, 3), o(L, 3)),
    "solve_0d_b": lambda L: L.linalg.solve(L.eye(3), L.tensor(1.0)),
    "solve_int": lambda L: L.linalg.solve(i64(L, 3, 3), i64(L, 3)),
    "solve_batch_broadcast": lambda L: L.linalg.solve(L.eye(3).expand(2, 3, 3), o(L, 3, 3, 2)),
    "solve_triangular_vector": lambda L: L.linalg.solve_triangular(L.eye(3), o(L, 3), upper=True),
    "solve_triangular_shape": lambda L: L.linalg.solve_triangular(L.eye(3), o(L, 4, 2), upper=True),
    "solve_triangular_shape_right": lambda L: L.linalg.solve_triangular(L.eye(3), o(L, 4, 2), upper=True,
                                                                        left=False),
    "solve_triangular_square": lambda L: L.linalg.solve_triangular(o(L, 2, 3), o(L, 2, 2), upper=True),
    "solve_triangular_int": lambda L: L.linalg.solve_triangular(i64(L, 3, 3), i64(L, 3, 2), upper=True),
    "pinv_1d": lambda L: L.linalg.pinv(o(L, 3)),
    "pinv_int": lambda L: L.linalg.pinv(i64(L, 3, 3)),
    "lstsq_rows": lambda L: L.linalg.lstsq(o(L, 4, 3), o(L, 5, 2)),
    # decompositions
    "cholesky_not_pd": lambda L: L.linalg.cholesky(-L.eye(3)),
    "cholesky_not_pd_2": lambda L: L.linalg.cholesky(L.tensor([[1.0, 0.0], [0.0, -1.0]])),
    "cholesky_batch": lambda L: L.linalg.cholesky(L.stack([L.eye(3), -L.eye(3)])),
    "cholesky_int": lambda L: L.linalg.cholesky(i64(L, 3, 3)),
    "cholesky_not_square": lambda L: L.linalg.cholesky(o(L, 2, 3)),
    "cholesky_1d": lambda L: L.linalg.cholesky(o(L, 3)),
    "qr_mode": lambda L: L.linalg.qr(o(L, 4, 3), mode="x"),
    "qr_1d": lambda L: L.linalg.qr(o(L, 3)),
    "qr_int": lambda L: L.linalg.qr(i64(L, 3, 3)),
    "eigh_not_square": lambda L: L.linalg.eigh(o(L, 3, 4)),
    "eigh_uplo": lambda L: L.linalg.eigh(L.eye(3), UPLO="X"),
    "eigh_1d": lambda L: L.linalg.eigh(o(L, 3)),
    "eigh_int": lambda L: L.linalg.eigh(i64(L, 3, 3)),
    "svd_1d": lambda L: L.linalg.svd(o(L, 3)),
    "svd_int": lambda L: L.linalg.svd(i64(L, 3, 3)),
    "svdvals_int": lambda L: L.linalg.svdvals(i64(L, 3, 3)),
    "svdvals_1d": lambda L: L.linalg.svdvals(o(L, 3)),
    "matrix_power_not_square": lambda L: L.linalg.matrix_power(o(L, 2, 3), 2),
    "matrix_power_1d": lambda L: L.linalg.matrix_power(o(L, 3), 2),
    "matrix_power_float_n": lambda L: L.linalg.matrix_power(L.eye(3), 2.0),
    "matrix_power_int_negative": lambda L: L.linalg.matrix_power(i64(L, 3, 3), -1),
    "matrix_power_singular": lambda L: L.linalg.matrix_power(singular(L), -1),
    "multi_dot_one": lambda L: L.linalg.multi_dot([o(L, 3)]),
    "multi_dot_shapes": lambda L: L.linalg.multi_dot([o(L, 2, 3), o(L, 4, 4)]),
    "multi_dot_dtype": lambda L: L.linalg.multi_dot([o(L, 2, 3), d(L, 3, 4)]),
    "multi_dot_first_3d": lambda L: L.linalg.multi_dot([o(L, 2, 3, 3), o(L, 3, 4)]),
    "multi_dot_middle_3d": lambda L: L.linalg.multi_dot([o(L, 2, 3), o(L, 3, 4, 3), o(L, 3)]),
    "multi_dot_last_3d": lambda L: L.linalg.multi_dot([o(L, 2, 3), o(L, 3, 4, 3)]),
    # norms
    "norm_dim_3": lambda L: L.linalg.norm(o(L, 2, 3, 4), dim=(0, 1, 2)),
    "norm_ord_3d": lambda L: L.linalg.norm(o(L, 2, 3, 4), ord=2),
    "norm_fro_1d": lambda L: L.linalg.norm(o(L, 4), ord="fro"),
    "norm_nuc_1d": lambda L: L.linalg.norm(o(L, 3), ord="nuc"),
    "norm_int": lambda L: L.linalg.norm(L.arange(3)),
    "vector_norm_int": lambda L: L.linalg.vector_norm(L.arange(3)),
    "vector_norm_str": lambda L: L.linalg.vector_norm(o(L, 3), ord="fro"),
    "vector_norm_int_dtype": lambda L: L.linalg.vector_norm(o(L, 3), dtype=L.int64),
    "vector_norm_narrowing": lambda L: L.linalg.vector_norm(d(L, 3), dtype=L.float32),
    "vector_norm_inf_empty": lambda L: L.linalg.vector_norm(L.zeros(0, 3), ord=float("inf")),
    "vector_norm_neg_empty": lambda L: L.linalg.vector_norm(L.zeros(0, 3), ord=-1),
    "vector_norm_dim_repeat": lambda L: L.linalg.vector_norm(o(L, 3, 4), 2, dim=(0, 0)),
    "vector_norm_dim_range": lambda L: L.linalg.vector_norm(o(L, 3, 4), 2, dim=(0, 5)),
    "matrix_norm_1d": lambda L: L.linalg.matrix_norm(o(L, 3)),
    "matrix_norm_ord": lambda L: L.linalg.matrix_norm(o(L, 3, 3), ord=3),
    "matrix_norm_ord_str": lambda L: L.linalg.matrix_norm(o(L, 3, 3), ord="abc"),
    "matrix_norm_same_dims": lambda L: L.linalg.matrix_norm(o(L, 3, 3), dim=(0, 0)),
    "matrix_norm_one_dim": lambda L: L.linalg.matrix_norm(o(L, 3, 3), dim=(0,)),
    "matrix_norm_int": lambda L: L.linalg.matrix_norm(i64(L, 3, 3)),
}


def _run(fn, lib):
    try:
        fn(lib)
    except Exception as e:  # noqa: BLE001 - any exception is the result under test
        return e
    return None


@pytest.mark.parametrize("name", list(CASES))
def test_error_matches_pytorch(name):
    if torch is None:
        pytest.skip("PyTorch is not installed")
    t_err = _run(CASES[name], torch)
    assert t_err is not None, f"PyTorch accepts {name}: the case is wrong"
    e_err = _run(CASES[name], ember)
    assert e_err is not None, f"ember accepts {name}; PyTorch raises {type(t_err).__name__}: {t_err}"
    if isinstance(t_err, torch.linalg.LinAlgError):
        assert isinstance(e_err, ember.linalg.LinAlgError), f"{type(e_err).__name__}: {e_err}"
    else:
        assert type(e_err).__name__ == type(t_err).__name__, f"{type(e_err).__name__}: {e_err}"
    assert str(e_err) == str(t_err)


def test_linalg_error_is_runtime_error():
    with pytest.raises(RuntimeError, match="singular"):
        ember.linalg.inv(ember.zeros(2, 2))
    assert issubclass(ember.linalg.LinAlgError, RuntimeError)

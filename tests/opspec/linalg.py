"""Op specs: matrix products, einsum and friends, and torch.linalg.

Matrices that must be invertible are built inside the spec function from a random argument: `a + 2n I`
with entries of `a` in [-1, 1] is strictly diagonally dominant and not symmetric (a symmetric input would
hide a transposed gradient), `a @ a.mT + n I` is symmetric positive-definite. Decompositions whose factors
are defined up to sign (eigh, svd) are compared through sign-invariant functions of the factors.
Multi-output ops are compared through the concatenation of their outputs (see `flat`).
"""

from opspec import Arg, OpSpec

U = dict(low=-1.0, high=1.0)


def dominant(lib, a):
    """A well-conditioned, non-symmetric (batch of) square matrices."""
    n = a.shape[-1]
    return a + 2 * n * lib.eye(n, dtype=a.dtype)


def spd(lib, a):
    n = a.shape[-1]
    return a @ a.mT + n * lib.eye(n, dtype=a.dtype)


def sym(lib, a):
    return a + a.mT


def flat(lib, *ts):
    """Several outputs as one: the gradient test then starts backward from a single root."""
    return lib.cat([t.reshape(-1) for t in ts])


def eigh_flat(lib, res):
    """Eigenvalues and the squared eigenvectors (invariant to the eigenvectors' signs)."""
    return flat(lib, res[0], res[1] * res[1])


def svd_flat(lib, res):
    """S and the squared singular vectors (invariant to their signs)."""
    return flat(lib, res[0] * res[0], res[1], res[2] * res[2])


def M(*shape):  # noqa: N802 - a matrix argument with entries in [-1, 1]
    return Arg(shape, **U)


INT = dict(integer=True, low=-5, high=5)

SPECS = [
    # -- products -------------------------------------------------------------------------------------
    OpSpec("matmul", lambda lib, a, b: lib.matmul(a, b),
           [((3, 4), (4, 5)), ((4,), (4,)), ((3, 4), (4,)), ((4,), (4, 5)), ((2, 3, 4), (4, 5)),
            ((2, 3, 4), (2, 4, 5)), ((2, 1, 3, 4), (5, 4, 2)), ((4,), (2, 4, 5)), ((2, 3, 4), (4,)),
            ((3, 4), (2, 4, 5)), ((0, 3), (3, 2)), ((2, 0), (0, 3))]),
    OpSpec("matmul_operator", lambda lib, a, b: a @ b, [((3, 4), (4, 5)), ((2, 3, 4), (4, 2))]),
    OpSpec("matmul_method", lambda lib, a, b: a.matmul(b), [((3, 4), (4, 5))]),
    OpSpec("matmul_int", lambda lib, a, b: a @ b,
           [(Arg((3, 4), **INT), Arg((4, 5), **INT)), (Arg((4,), **INT), Arg((4,), **INT)),
            (Arg((2, 3, 4), **INT), Arg((4,), **INT))], dtypes=("int64", "int32"), grad=False),
    OpSpec("mm", lambda lib, a, b: lib.mm(a, b), [((3, 4), (4, 5)), ((1, 4), (4, 1))]),
    OpSpec("mm_method", lambda lib, a, b: a.mm(b), [((3, 4), (4, 5))]),
    OpSpec("mv", lambda lib, a, b: lib.mv(a, b), [((3, 4), (4,))]),
    OpSpec("mv_method", lambda lib, a, b: a.mv(b), [((3, 4), (4,))]),
    OpSpec("bmm", lambda lib, a, b: lib.bmm(a, b), [((2, 3, 4), (2, 4, 5))]),
    OpSpec("bmm_method", lambda lib, a, b: a.bmm(b), [((2, 3, 4), (2, 4, 5))]),
    OpSpec("dot", lambda lib, a, b: lib.dot(a, b), [((5,), (5,))]),
    OpSpec("dot_method", lambda lib, a, b: a.dot(b), [((5,), (5,))]),
    OpSpec("dot_int", lambda lib, a, b: lib.dot(a, b), [(Arg((5,), **INT), Arg((5,), **INT))],
           dtypes=("int64",), grad=False),
    OpSpec("vdot", lambda lib, a, b: lib.vdot(a, b), [((5,), (5,))]),
    OpSpec("inner", lambda lib, a, b: lib.inner(a, b),
           [((4,), (4,)), ((2, 4), (3, 4)), ((2, 3, 4), (5, 4)), ((), (2, 3))]),
    OpSpec("outer", lambda lib, a, b: lib.outer(a, b), [((3,), (4,))]),
    OpSpec("ger", lambda lib, a, b: a.ger(b), [((3,), (4,))]),
    OpSpec("addmm", lambda lib, c, a, b: lib.addmm(c, a, b),
           [((3, 5), (3, 4), (4, 5)), ((5,), (3, 4), (4, 5)), ((), (3, 4), (4, 5)),
            ((3, 1), (3, 4), (4, 5))]),
    OpSpec("addmm_scaled", lambda lib, c, a, b: lib.addmm(c, a, b, beta=0.5, alpha=-2.0),
           [((3, 5), (3, 4), (4, 5))]),
    OpSpec("addmm_beta0", lambda lib, c, a, b: lib.addmm(c, a, b, beta=0), [((3, 5), (3, 4), (4, 5))]),
    OpSpec("addmm_method", lambda lib, c, a, b: c.addmm(a, b, alpha=3), [((3, 5), (3, 4), (4, 5))]),
    OpSpec("addmv", lambda lib, c, a, b: lib.addmv(c, a, b, beta=2, alpha=0.5),
           [((3,), (3, 4), (4,)), ((1,), (3, 4), (4,)), ((), (3, 4), (4,))]),
    OpSpec("addbmm", lambda lib, c, a, b: lib.addbmm(c, a, b, beta=0.5, alpha=1.5),
           [((3, 5), (2, 3, 4), (2, 4, 5)), ((5,), (2, 3, 4), (2, 4, 5))]),
    OpSpec("baddbmm", lambda lib, c, a, b: lib.baddbmm(c, a, b, beta=-1, alpha=2),
           [((2, 3, 5), (2, 3, 4), (2, 4, 5)), ((3, 5), (2, 3, 4), (2, 4, 5)),
            ((1, 3, 1), (2, 3, 4), (2, 4, 5))]),
    OpSpec("chain_matmul", lambda lib, a, b, c: lib.chain_matmul(a, b, c), [((2, 3), (3, 4), (4, 2))]),
    # -- einsum ---------------------------------------------------------------------------------------
    OpSpec("einsum", lambda lib, eq, *ops: lib.einsum(eq, *ops),
           [("ij,jk->ik", (2, 3), (3, 4)), ("ij,jk", (2, 3), (3, 4)), ("ii->i", (3, 3)), ("ii", (3, 3)),
            ("ij->", (2, 3)), ("ij->ji", (2, 3)), ("i,j->ij", (2,), (3,)),
            ("bij,bjk->bik", (2, 2, 3), (2, 3, 4)),
            ("...ij,...jk->...ik", (2, 3, 4), (4, 5)), ("...ij,...jk", (2, 1, 3, 4), (5, 4, 2)),
            ("i,i->i", (4,), (4,)), ("i,i", (4,), (4,)), ("ij,ij->ij", (2, 1), (2, 3)),
            ("bn,anm,bm->ba", (2, 3), (4, 3, 5), (2, 5)), ("iji->j", (3, 2, 3)),
            ("iij,jk->ik", (2, 2, 3), (3, 4)),
            ("ijk,k->", (2, 3, 4), (4,)), ("Ba,aB", (2, 3), (3, 2)), ("i j , j k -> i k", (2, 3), (3, 4)),
            ("b...a,c", (2, 3, 4), (2,)), ("i...->...", (2, 3, 4)), ("ij,kj->ik", (3, 1), (4, 5)),
            ("ab,ab,ab->a", (2, 3), (2, 3), (2, 3))]),
    OpSpec("einsum_list", lambda lib, a, b: lib.einsum("ij,jk->ik", [a, b]), [((2, 3), (3, 4))]),
    OpSpec("einsum_sublist", lambda lib, a, b: lib.einsum(a, [0, 1], b, [1, 2], [0, 2]), [((2, 3), (3, 4))]),
    OpSpec("einsum_sublist_implicit", lambda lib, a, b: lib.einsum(a, [Ellipsis, 1], b, [1, 2]),
           [((5, 2, 3), (3, 4))]),
    OpSpec("einsum_int", lambda lib, a, b: lib.einsum("ij,jk->ik", a, b),
           [(Arg((2, 3), **INT), Arg((3, 4), **INT))], dtypes=("int64",), grad=False),
    # -- tensordot, kron, trace, cross, cdist ----------------------------------------------------------
    OpSpec("tensordot", lambda lib, a, b, dims: lib.tensordot(a, b, dims=dims),
           [((2, 3, 4), (3, 4, 5), 2), ((2, 3), (3, 4), 1), ((2, 3), (4, 5), 0),
            ((2, 3, 4), (4, 3, 5), [[1, 2], [1, 0]]), ((3, 4), (4, 3), [[0, 1], [1, 0]]),
            ((2, 3, 4), (3, 5), [[-2], [0]])]),
    OpSpec("kron", lambda lib, a, b: lib.kron(a, b),
           [((2, 3), (4, 2)), ((2,), (3,)), ((2, 3), (2,)), ((2, 2, 2), (3, 1))]),
    OpSpec("trace", lambda lib, a: lib.trace(a), [((3, 3),), ((3, 5),), ((4, 2),)]),
    OpSpec("trace_int", lambda lib, a: a.trace(), [(Arg((3, 3), **INT),)], dtypes=("int64", "int32"),
           grad=False),
    OpSpec("linalg_cross", lambda lib, a, b: lib.linalg.cross(a, b),
           [((4, 3), (4, 3)), ((3,), (3,)), ((2, 1, 3), (1, 4, 3))]),
    OpSpec("cross_dim", lambda lib, a, b: lib.cross(a, b, dim=0), [((3, 4), (3, 4))]),
    OpSpec("cross_method", lambda lib, a, b: a.cross(b, dim=-1), [((2, 3), (2, 3))]),
    OpSpec("cdist", lambda lib, a, b: lib.cdist(a, b),
           [((2, 3), (4, 3)), ((2, 5, 3), (1, 4, 3)), ((3, 1), (2, 1))], gradgrad=False),
    OpSpec("cdist_mm", lambda lib, a, b: lib.cdist(a, b), [((30, 3), (27, 3))], rtol=1e-4, atol=1e-4),
    OpSpec("cdist_p", lambda lib, a, b, p: lib.cdist(a, b, p=p),
           [((2, 3), (4, 3), 1.0), ((2, 3), (4, 3), 3.0), ((2, 3), (4, 3), float("inf")),
            ((2, 3), (4, 3), 0.0)], gradgrad=False),
    # -- inverses and determinants --------------------------------------------------------------------
    OpSpec("linalg_inv", lambda lib, a: lib.linalg.inv(dominant(lib, a)),
           [(M(3, 3),), (M(2, 3, 3),), (M(1, 1),)]),
    OpSpec("inverse", lambda lib, a: lib.inverse(dominant(lib, a)), [(M(3, 3),)]),
    OpSpec("inverse_method", lambda lib, a: dominant(lib, a).inverse(), [(M(4, 4),)]),
    OpSpec("linalg_det", lambda lib, a: lib.linalg.det(dominant(lib, a)), [(M(3, 3),), (M(2, 3, 3),)]),
    OpSpec("det_raw", lambda lib, a: lib.det(a), [((3, 3),), ((2, 2, 2),)], rtol=1e-4, atol=1e-4),
    OpSpec("det_method", lambda lib, a: dominant(lib, a).det(), [(M(3, 3),)]),
    OpSpec("slogdet", lambda lib, a: flat(lib, *lib.linalg.slogdet(-dominant(lib, a))),
           [(M(3, 3),), (M(2, 4, 4),)]),
    OpSpec("slogdet_torch", lambda lib, a: flat(lib, *lib.slogdet(dominant(lib, a))), [(M(3, 3),)]),
    OpSpec("logdet", lambda lib, a: lib.logdet(dominant(lib, a)), [(M(3, 3),), (M(2, 3, 3),)]),
    OpSpec("logdet_method", lambda lib, a: spd(lib, a).logdet(), [(M(3, 3),)]),
    # -- solves -----------------------------------------------------------------------------------------
    OpSpec("solve", lambda lib, a, b: lib.linalg.solve(dominant(lib, a), b),
           [(M(3, 3), (3,)), (M(3, 3), (3, 2)), (M(2, 3, 3), (3,)), (M(2, 3, 3), (2, 3)),
            (M(2, 3, 3), (3, 2)),
            (M(3, 3), (2, 3, 2)), (M(2, 1, 3, 3), (4, 3, 1))]),
    OpSpec("solve_left_false", lambda lib, a, b: lib.linalg.solve(dominant(lib, a), b, left=False),
           [(M(3, 3), (2, 3)), (M(2, 3, 3), (2, 4, 3))]),
    OpSpec("solve_triangular", lambda lib, a, b, up, left, unit: lib.linalg.solve_triangular(
        dominant(lib, a), b, upper=up, left=left, unitriangular=unit),
        [(M(3, 3), (3, 2), True, True, False), (M(3, 3), (3, 2), False, True, False),
         (M(3, 3), (2, 3), True, False, False), (M(2, 3, 3), (3, 4), False, True, True),
         (M(3, 3), (2, 3, 1), True, True, True), (M(3, 3), (4, 3), False, False, True)]),
    OpSpec("pinv", lambda lib, a: lib.linalg.pinv(a), [((4, 3),), ((3, 4),), ((2, 4, 3),), ((3, 3),)],
           rtol=1e-4, atol=1e-4),
    OpSpec("pinv_hermitian", lambda lib, a: lib.linalg.pinv(spd(lib, a), hermitian=True), [(M(3, 3),)],
           rtol=1e-4, atol=1e-4),
    OpSpec("pinverse", lambda lib, a: lib.pinverse(a), [((4, 3),)], rtol=1e-4, atol=1e-4),
    OpSpec("lstsq", lambda lib, a, b: (lambda r: (flat(lib, r[0], r[1]), r[2]))(lib.linalg.lstsq(a, b)),
           [((5, 3), (5, 2)), ((4, 3), (4, 1))], rtol=1e-4, atol=1e-4),
    # -- decompositions ---------------------------------------------------------------------------------
    OpSpec("cholesky", lambda lib, a: lib.linalg.cholesky(spd(lib, a)), [(M(3, 3),), (M(2, 4, 4),)],
           rtol=1e-4, atol=1e-4),
    OpSpec("cholesky_upper", lambda lib, a: lib.linalg.cholesky(spd(lib, a), upper=True), [(M(3, 3),)],
           rtol=1e-4, atol=1e-4),
    OpSpec("qr", lambda lib, a: flat(lib, *lib.linalg.qr(a)), [((4, 3),), ((3, 3),), ((2, 5, 3),), ((3, 5),)],
           rtol=1e-4, atol=1e-4),
    OpSpec("qr_complete", lambda lib, a: flat(lib, *lib.linalg.qr(a, mode="complete")),
           [((3, 3),), ((2, 4),)], rtol=1e-4, atol=1e-4),
    OpSpec("qr_r", lambda lib, a: lib.linalg.qr(a, mode="r")[1], [((4, 3),)], grad=False),
    OpSpec("qr_torch", lambda lib, a: flat(lib, *lib.qr(a)), [((4, 3),)], rtol=1e-4, atol=1e-4),
    OpSpec("eigh", lambda lib, a: eigh_flat(lib, lib.linalg.eigh(sym(lib, a))),
           [((3, 3),), ((2, 4, 4),)], rtol=1e-4, atol=1e-4),
    OpSpec("eigh_upper_raw", lambda lib, a: eigh_flat(lib, lib.linalg.eigh(a, UPLO="U")),
           [((3, 3),)], rtol=1e-4, atol=1e-4, noncontig=False, gradcheck=False),
    OpSpec("eigh_reconstruct", lambda lib, a: (lambda r: r[1] @ (r[0].unsqueeze(-1) * r[1].mT))(
        lib.linalg.eigh(sym(lib, a))), [((3, 3),)], rtol=1e-4, atol=1e-4),
    OpSpec("eigvalsh", lambda lib, a: lib.linalg.eigvalsh(sym(lib, a)), [((4, 4),)], rtol=1e-4, atol=1e-4),
    OpSpec("svd", lambda lib, a: svd_flat(lib, lib.linalg.svd(a, full_matrices=False)),
           [((4, 3),), ((3, 4),), ((3, 3),), ((2, 4, 3),)], rtol=1e-4, atol=1e-4),
    OpSpec("svd_full_square", lambda lib, a: svd_flat(lib, lib.linalg.svd(a)),
           [((3, 3),)], rtol=1e-4, atol=1e-4),
    OpSpec("svd_full", lambda lib, a: svd_flat(lib, lib.linalg.svd(a)),
           [((4, 3),), ((3, 4),)], rtol=1e-4, atol=1e-4, gradcheck=False),
    OpSpec("svd_full_s", lambda lib, a: lib.linalg.svd(a)[1], [((4, 3),)], rtol=1e-4, atol=1e-4),
    OpSpec("svd_torch", lambda lib, a: svd_flat(lib, lib.svd(a)),
           [((4, 3),)], rtol=1e-4, atol=1e-4),
    OpSpec("svdvals", lambda lib, a: lib.linalg.svdvals(a), [((4, 3),), ((3, 4),), ((2, 3, 3),)],
           rtol=1e-4, atol=1e-4),
    OpSpec("matrix_power", lambda lib, a, n: lib.linalg.matrix_power(dominant(lib, a) / 6, n),
           [(M(3, 3), 3), (M(3, 3), 1), (M(2, 3, 3), 0), (M(3, 3), -2)], rtol=1e-4, atol=1e-4),
    OpSpec("matrix_power_method", lambda lib, a: a.matrix_power(2), [((3, 3),)]),
    OpSpec("matrix_power_int", lambda lib, a: lib.linalg.matrix_power(a, 3), [(Arg((3, 3), **INT),)],
           dtypes=("int64",), grad=False),
    OpSpec("multi_dot", lambda lib, *ts: lib.linalg.multi_dot(ts),
           [((2, 3), (3, 4), (4, 5)), ((3,), (3, 4), (4,)), ((2, 3), (3, 4)),
            ((5, 2), (2, 6), (6, 3), (3, 4)),
            ((3,), (3, 2)), ((3,), (3,))]),
    OpSpec("matrix_rank", lambda lib, a: lib.linalg.matrix_rank(a), [((4, 3),), ((2, 3, 3),)], grad=False),
    OpSpec("vecdot", lambda lib, a, b: lib.linalg.vecdot(a, b), [((2, 3), (3,))]),
    # -- norms ------------------------------------------------------------------------------------------
    OpSpec("vector_norm", lambda lib, a, o: lib.linalg.vector_norm(a, o),
           [((3, 4), 2), (Arg((3, 4), away_from=(0,)), 1), ((3, 4), 3), ((3, 4), float("inf")),
            ((3, 4), float("-inf")), ((3, 4), 0), (Arg((3, 4), away_from=(0,)), 0.5), ((), 2), ((5,), -1.5)]),
    OpSpec("vector_norm_dim", lambda lib, a, o, d, k: lib.linalg.vector_norm(a, o, dim=d, keepdim=k),
           [((3, 4), 2, 1, False), ((2, 3, 4), 2, [0, 2], True), ((2, 3, 4), 3, -1, False),
            ((2, 3, 4), float("inf"), [1, 2], False), ((0, 3), 2, 1, False)]),
    OpSpec("vector_norm_dtype", lambda lib, a: lib.linalg.vector_norm(a, dtype=lib.float64), [((3, 4),)],
           dtypes=("float32",)),
    OpSpec("matrix_norm", lambda lib, a, o: lib.linalg.matrix_norm(a, o),
           [((3, 4), "fro"), ((3, 4), "nuc"), ((3, 4), 1), ((3, 4), -1), ((3, 4), 2), ((3, 4), -2),
            ((3, 4), float("inf")), ((3, 4), float("-inf")), ((2, 3, 3), "nuc"), ((2, 3, 3), 1)],
           rtol=1e-4, atol=1e-4),
    OpSpec("matrix_norm_dim", lambda lib, a, o: lib.linalg.matrix_norm(a, o, dim=(0, 2), keepdim=True),
           [((3, 2, 4), "fro"), ((3, 2, 4), "nuc"), ((3, 2, 4), 1), ((3, 2, 4), float("inf")),
            ((3, 2, 4), 2)],
           rtol=1e-4, atol=1e-4),
    OpSpec("linalg_norm", lambda lib, a, *args: lib.linalg.norm(a, *args),
           [((3, 4),), ((2, 3, 4),), ((5,), 3), ((3, 4), "nuc"), ((3, 4), float("inf")), ((2, 3, 4), None, 1),
            ((2, 3, 4), 2, [1, 2]), ((2, 3, 4), None, [0, 2], True)], rtol=1e-4, atol=1e-4),
]

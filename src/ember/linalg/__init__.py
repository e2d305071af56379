"""ember.linalg: norms, inverses, determinants, solves and decompositions, as torch.linalg."""

from ..ops.linalg import linalg_cross as cross
from ..ops.linalg import matmul
from ..ops.linalg_decomp import (
    LinAlgError,
    cholesky_ex,
    det,
    eigh,
    eigvalsh,
    inv,
    inv_ex,
    lstsq,
    matrix_norm,
    matrix_power,
    matrix_rank,
    multi_dot,
    pinv,
    qr,
    solve,
    solve_triangular,
    svdvals,
    vecdot,
    vector_norm,
)
from ..ops.linalg_decomp import _linalg_slogdet as slogdet
from ..ops.linalg_decomp import linalg_cholesky as cholesky
from ..ops.linalg_decomp import linalg_norm as norm
from ..ops.linalg_decomp import linalg_svd as svd

__all__ = [
    "LinAlgError", "cholesky", "cholesky_ex", "cross", "det", "eigh", "eigvalsh", "inv", "inv_ex", "lstsq",
    "matmul", "matrix_norm", "matrix_power", "matrix_rank", "multi_dot", "norm", "pinv", "qr", "slogdet",
    "solve", "solve_triangular", "svd", "svdvals", "vecdot", "vector_norm",
]

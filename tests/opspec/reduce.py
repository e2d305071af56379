"""Op specs: reductions, scans, sorting and selection, counting.

Most specs return a flat tuple of results (each variant of dims/keepdim), so that one gradient pass
checks them all. Ties get explicit `values=` cases: random floats almost never tie.
"""

import math

from opspec import Arg, OpSpec

INF = math.inf
NAN = math.nan
B3 = (2, 3, 4)
TIES = Arg((3, 4), values=[[1, 3, 3, 2], [2, 2, 0, 1], [5, 5, 5, 5]])
TIES_NEG = Arg((3, 4), values=[[-1, -3, -3, 2], [2, -2, 0, -2], [5, 5, 5, 5]])
ZEROS = Arg((3, 4), values=[[1.5, 0, 2, -1], [0, 2, 0, 3], [1, 2, -0.5, 1.25]])
# all-NaN lines have implementation-defined median indices in PyTorch: NANS_SOME has none
NANS_SOME = Arg((3, 4), values=[[1, NAN, 2, -1], [NAN, 3, NAN, 0], [1, 2, 0.5, NAN]])
NANS = Arg((3, 4), values=[[1, NAN, 2, -1], [NAN, NAN, NAN, NAN], [1, 2, 0.5, NAN]])
INTS = Arg(B3, low=-3, high=4, integer=True)
INT_DTYPES = ("int64", "int32", "uint8", "bool")


def _variants(a) -> list:
    """dim/keepdim combinations for a tensor of a's rank: none, int, negative, tuple, keepdim."""
    nd = a.dim()
    if nd == 0:
        return [{}, {"dim": 0}, {"dim": -1, "keepdim": True}]
    if nd == 1:
        return [{}, {"dim": 0}, {"dim": -1, "keepdim": True}, {"dim": (0,)}]
    return [{}, {"dim": 1}, {"dim": -1}, {"dim": (0, nd - 1)}, {"dim": (0, -1), "keepdim": True},
            {"dim": 1, "keepdim": True}]


def _int_variants(a) -> list:
    """Like _variants, for ops whose dim is a single int (and which also reduce everything)."""
    nd = a.dim()
    if nd == 0:
        return [{}, {"dim": 0}, {"dim": -1, "keepdim": True}]
    return [{}, {"dim": 0}, {"dim": -1}, {"dim": nd - 1, "keepdim": True}]


def _dim_variants(a) -> list:
    """Single-dim variants only (ops that need a dim)."""
    nd = a.dim()
    if nd == 0:
        return [{"dim": 0}, {"dim": -1, "keepdim": True}]
    return [{"dim": 0}, {"dim": -1}, {"dim": nd - 1, "keepdim": True}]


def _over_dims(name: str, method: bool = False):
    """fn(lib, a): the op at every _variants combination, as a flat tuple."""
    if method:
        return lambda lib, a: tuple(getattr(a, name)(**kw) for kw in _variants(a))
    return lambda lib, a: tuple(getattr(lib, name)(a, **kw) for kw in _variants(a))


def _flat(results) -> tuple:
    out = []
    for r in results:
        if isinstance(r, tuple):
            out.extend(r)
        else:
            out.append(r)
    return tuple(out)


SHAPES = [(B3,), ((),), ((5,),)]
SHAPES_EMPTY = [((0, 3),)]

SPECS = [
    # sum / mean and friends
    OpSpec("sum_dims", _over_dims("sum"), SHAPES + SHAPES_EMPTY),
    OpSpec("sum_method", _over_dims("sum", method=True), [(B3,)]),
    OpSpec("sum_int", _over_dims("sum"), [(INTS,), (Arg((), integer=True),)], dtypes=INT_DTYPES, grad=False),
    OpSpec("sum_dtype", lambda lib, a: (a.sum(dtype=lib.float64), a.sum(1, dtype=lib.float64)), [(B3,)],
           dtypes=("float32",)),
    OpSpec("sum_int_dtype", lambda lib, a: (a.sum(dtype=lib.float32), a.sum(0, dtype=lib.int32)), [(INTS,)],
           dtypes=("int64", "bool"), grad=False),
    OpSpec("mean_dims", _over_dims("mean"), SHAPES + SHAPES_EMPTY),
    OpSpec("mean_int_dtype", lambda lib, a: (a.mean(dtype=lib.float64), lib.mean(a, 1, dtype=lib.float32)),
           [(INTS,)], dtypes=("int64",), grad=False),
    OpSpec("nansum", _over_dims("nansum"), [(B3,), ((),), (NANS,)]),
    OpSpec("nansum_int", _over_dims("nansum"), [(INTS,)], dtypes=("int64", "bool"), grad=False),
    OpSpec("nanmean", _over_dims("nanmean"), [(B3,), ((),), (NANS,)]),
    OpSpec("prod", lambda lib, a: tuple(a.prod(**kw) for kw in _int_variants(a)),
           [(Arg(B3, low=0.5, high=1.5),), ((),), (ZEROS,), (Arg((4,), values=[0, 2, 0, 3]),),
            (Arg((0, 3)),)]),
    OpSpec("prod_int", lambda lib, a: (lib.prod(a), lib.prod(a, 1), a.prod(-1, keepdim=True)),
           [(Arg(B3, low=-2, high=3, integer=True),)], dtypes=INT_DTYPES, grad=False),

    # max / min / amax / amin / argmax / argmin / aminmax
    OpSpec("max_all", lambda lib, a: (lib.max(a), a.min()), [(B3,), ((),), (TIES,), (TIES_NEG,)]),
    OpSpec("max_all_nan", lambda lib, a: (a.max(), a.min()), [(NANS,)], gradcheck=False),
    OpSpec("max_dim", lambda lib, a: lib.max(a, 1), [(B3,), ((3, 5),), (TIES,)]),
    OpSpec("max_dim_variants", lambda lib, a: _flat([a.max(**kw) for kw in _dim_variants(a)] +
                                                    [lib.min(a, **kw) for kw in _dim_variants(a)]),
           [(B3,), ((),), (TIES,), (TIES_NEG,), (NANS,)]),
    OpSpec("max_dim_empty", lambda lib, a: _flat([lib.max(a, 0), a.min(0, keepdim=True), a.amax(0)]),
           [((3, 0),)]),
    OpSpec("max_dim_int", lambda lib, a: _flat([a.max(**kw) for kw in _dim_variants(a)] +
                                               [a.min(**kw) for kw in _dim_variants(a)] + [a.max(), a.min()]),
           [(INTS,)], dtypes=INT_DTYPES, grad=False),
    OpSpec("amax", lambda lib, a: tuple(lib.amax(a, **kw) for kw in _variants(a)) + (a.amax(),),
           [(B3,), ((),), (TIES,), (TIES_NEG,), (NANS,)]),
    OpSpec("amin", lambda lib, a: tuple(a.amin(**kw) for kw in _variants(a)) + (lib.amin(a, ()),),
           [(B3,), ((),), (TIES,), (TIES_NEG,)]),
    OpSpec("amax_int", lambda lib, a: (a.amax(), a.amax(1), a.amin((0, 2), keepdim=True)), [(INTS,)],
           dtypes=INT_DTYPES, grad=False),
    OpSpec("aminmax", lambda lib, a: _flat([lib.aminmax(a), lib.aminmax(a, dim=1),
                                            lib.aminmax(a, dim=-1, keepdim=True)]),
           [(B3,), ((3, 5),), (TIES,), (TIES_NEG,)]),
    OpSpec("aminmax_0d", lambda lib, a: _flat([lib.aminmax(a), lib.aminmax(a, dim=0, keepdim=True)]),
           [((),)]),
    OpSpec("argmax", lambda lib, a: (lib.argmax(a), a.argmin(), lib.argmax(a, keepdim=True), a.argmax(1),
                                     a.argmin(-1, keepdim=True), lib.argmin(a, dim=0)),
           [(B3,), (TIES,), (TIES_NEG,), (NANS,)], grad=False),
    OpSpec("argmax_int", lambda lib, a: (lib.argmax(a), a.argmin(), a.argmax(1), a.argmin(-1, keepdim=True)),
           [(Arg(B3, low=0, high=4, integer=True),)], dtypes=("int64", "int32", "uint8"), grad=False),
    OpSpec("argmax_0d", lambda lib, a: (a.argmax(), a.argmin(0), a.argmax(-1, keepdim=True),
                                        a.argmax(keepdim=True)), [((),)], grad=False),

    # var / std
    OpSpec("var", lambda lib, a: tuple(lib.var(a, **kw) for kw in _variants(a)), [(B3,), ((5,),)]),
    OpSpec("std", lambda lib, a: tuple(a.std(**kw) for kw in _variants(a)),
           [(B3,), ((5,),), (Arg((2, 3), values=[[1, 1, 1], [1, 2, 4]]),)]),
    OpSpec("var_correction", lambda lib, a: (a.var(correction=0), a.var(1, correction=2), lib.std(a, 1, True),
                                             a.std(0, False, True), a.var(unbiased=False),
                                             a.std(dim=(0, 2), correction=0.5, keepdim=True), a.var(True),
                                             lib.std(a, 2, unbiased=False)), [(B3,)]),
    OpSpec("var_mean", lambda lib, a: _flat([lib.var_mean(a), lib.var_mean(a, 1), lib.std_mean(a),
                                             lib.std_mean(a, (0, 2), keepdim=True, correction=0)]),
           [(B3,)]),
    OpSpec("var_degenerate", lambda lib, a: (a.var(), a.std(), a.var(0, correction=0)), [((1,),), ((0, 2),)],
           gradgrad=False, gradcheck=False),

    # norms
    OpSpec("norm", lambda lib, a: (a.norm(), lib.norm(a), a.norm(2, dim=1), lib.norm(a, "fro", dim=(0, 2)),
                                   a.norm(dim=-1, keepdim=True), a.norm(p=2, dim=(0, 1), keepdim=True)),
           [(B3,)]),
    OpSpec("norm_small", lambda lib, a: (a.norm(), a.norm(dim=0), a.norm(1, dim=-1, keepdim=True),
                                         lib.norm(a, 3)), [((),), ((5,),)]),
    OpSpec("norm_zero_row", lambda lib, a: (a.norm(dim=1), a.norm(1, dim=1), a.norm(INF, dim=1)),
           [(Arg((2, 3), values=[[0, 0, 0], [1, -2, 2]]),)], gradgrad=False, gradcheck=False),
    OpSpec("norm_p", lambda lib, a: (a.norm(1), a.norm(1, dim=1), a.norm(3), a.norm(3, dim=(0, 2)),
                                     a.norm(0.5, dim=-1, keepdim=True), a.norm(-1, dim=1), lib.norm(a, 4.5)),
           [(Arg(B3, away_from=(0,)),)]),
    OpSpec("norm_inf", lambda lib, a: (a.norm(INF), a.norm(-INF), a.norm(INF, dim=1), a.norm(-INF, dim=-1),
                                       lib.norm(a, float("inf"), dim=(0, 1), keepdim=True)),
           [(B3,), ((3, 2, 5),), (TIES_NEG,)]),
    OpSpec("norm_zero", lambda lib, a: (a.norm(0), a.norm(0, dim=1)), [(ZEROS,)]),
    OpSpec("norm_nuc", lambda lib, a: (lib.norm(a[0], "nuc"), a.norm("nuc", dim=(2, 0)),
                                       a.norm(p="nuc", dim=(-1, 1), keepdim=True)), [(B3,)], gradgrad=False),
    OpSpec("norm_dtype", lambda lib, a: (lib.norm(a, dtype=lib.float64), a.norm(dim=0, dtype=lib.float64)),
           [(B3,)], dtypes=("float32",)),

    # logsumexp
    OpSpec("logsumexp", lambda lib, a: tuple(a.logsumexp(kw.get("dim", tuple(range(a.dim()))),
                                                         kw.get("keepdim", False)) for kw in _variants(a)),
           [(B3,), ((),), (Arg((2, 3), values=[[1000, 1001, 999], [-1000, -1001, -999]]),)]),
    OpSpec("logsumexp_inf", lambda lib, a: (lib.logsumexp(a, 1),),
           [(Arg((3, 2), values=[[-INF, -INF], [-INF, 1], [2, 1]]),)], gradgrad=False, gradcheck=False),
    OpSpec("logsumexp_int", lambda lib, a: (lib.logsumexp(a, 1), lib.logsumexp(a, (0, 2), keepdim=True)),
           [(INTS,)], dtypes=("int64", "bool"), grad=False),
    OpSpec("logsumexp_empty", lambda lib, a: (lib.logsumexp(a, 0), lib.logsumexp(a, 1)), [((0, 3),)]),

    # scans
    OpSpec("cumsum", lambda lib, a: tuple(lib.cumsum(a, d) for d in range(-a.dim(), max(a.dim(), 1))),
           [(B3,), ((),), ((0, 3),)]),
    OpSpec("cumsum_int", lambda lib, a: (a.cumsum(0), a.cumsum(-1), lib.cumsum(a, 1, dtype=lib.int32)),
           [(INTS,)], dtypes=INT_DTYPES, grad=False),
    OpSpec("cumsum_dtype", lambda lib, a: (a.cumsum(1, dtype=lib.float64),), [(B3,)], dtypes=("float32",)),
    OpSpec("cumprod", lambda lib, a: tuple(a.cumprod(d) for d in range(-a.dim(), max(a.dim(), 1))),
           [(Arg(B3, low=0.5, high=1.5),), ((),), (ZEROS,), (Arg((6,), values=[2, 3, 0, 3, 0, 5]),),
            (Arg((4,), values=[0, 2, 3, 0.5]),), (Arg((4,), values=[2, 3, 0.5, 0]),)]),
    OpSpec("cumprod_int", lambda lib, a: (a.cumprod(0), lib.cumprod(a, -1)),
           [(Arg(B3, low=-2, high=3, integer=True),)], dtypes=INT_DTYPES, grad=False),
    OpSpec("cummax", lambda lib, a: _flat([lib.cummax(a, 0), a.cummax(-1), lib.cummin(a, 1), a.cummin(-1)]),
           [(B3,), ((3, 5),), (TIES,), (TIES_NEG,)]),
    OpSpec("cummax_nan", lambda lib, a: _flat([a.cummax(1), a.cummin(1)]),
           [(Arg((2, 5), values=[[1, NAN, 3, NAN, 0], [2, 1, 3, 3, NAN]]),)], gradcheck=False),
    OpSpec("cummax_0d", lambda lib, a: _flat([a.cummax(0), a.cummin(-1)]), [((),), ((0, 3),)]),
    OpSpec("cummax_int", lambda lib, a: _flat([a.cummax(0), a.cummax(-1), a.cummin(1)]), [(INTS,)],
           dtypes=INT_DTYPES, grad=False),

    # boolean reductions and counting
    OpSpec("all_any", lambda lib, a: (lib.all(a), a.any(), a.all(1), lib.any(a, -1, keepdim=True),
                                      a.all((0, 2)), lib.any(a, dim=(0, 1), keepdim=True), a.any(()),
                                      lib.all(a, dim=[])),
           [(Arg(B3, low=0, high=2, integer=True),), (Arg(B3, values=[[[1, 1, 1, 1]] * 3, [[0] * 4] * 3]),)],
           dtypes=("float32", "int64", "uint8", "bool"), grad=False),
    OpSpec("all_any_0d", lambda lib, a: (a.all(), a.any(0), a.all(-1, keepdim=True)), [((),), ((0, 3),)],
           dtypes=("float32", "bool"), grad=False),
    OpSpec("count_nonzero", lambda lib, a: (lib.count_nonzero(a), a.count_nonzero(1), a.count_nonzero((0, 2)),
                                            lib.count_nonzero(a, dim=-1), a.count_nonzero(())),
           [(Arg(B3, low=-1, high=2, integer=True),)], dtypes=("float32", "int64", "bool"),
           grad=False),

    # sorting and selection
    OpSpec("sort", lambda lib, a: _flat([lib.sort(a), a.sort(0), a.sort(1, descending=True),
                                         lib.sort(a, dim=-1, descending=True, stable=True),
                                         a.sort(stable=True)]),
           [(B3,), ((0, 3),)]),
    OpSpec("sort_0d", lambda lib, a: _flat([lib.sort(a), a.sort(0, True), a.sort(stable=True)]), [((),)]),
    OpSpec("sort_ties", lambda lib, a: _flat([a.sort(stable=True), a.sort(descending=True, stable=True),
                                              a.sort(dim=0, stable=True), a.sort(dim=0, descending=True,
                                                                                 stable=True)]),
           [(TIES,), (NANS,)], gradcheck=False),
    OpSpec("sort_ties_int", lambda lib, a: _flat([a.sort(stable=True), a.sort(descending=True, stable=True),
                                                  a.sort(dim=0, stable=True)]),
           [(INTS,)], dtypes=("int64", "int8", "bool")),
    OpSpec("argsort", lambda lib, a: (lib.argsort(a), a.argsort(0), a.argsort(1, True),
                                      lib.argsort(a, descending=True, stable=True), a.argsort(stable=True)),
           [(B3,), (TIES,), (NANS,)], grad=False),
    OpSpec("argsort_0d", lambda lib, a: (lib.argsort(a), a.argsort(0, True)), [((),)], grad=False),
    OpSpec("msort", lambda lib, a: (lib.msort(a), a.msort()), [(B3,), ((5,),)]),
    OpSpec("topk", lambda lib, a: _flat([lib.topk(a, 2), a.topk(1, 0), a.topk(3, dim=-1, largest=False),
                                         a.topk(2, 1, True, True), a.topk(0), lib.topk(a, 4, sorted=True)]),
           [(B3,)]),
    OpSpec("topk_0d", lambda lib, a: _flat([a.topk(1), a.topk(0)]), [((),)]),
    OpSpec("topk_nan", lambda lib, a: _flat([a.topk(2), a.topk(1, largest=False)]),
           [(Arg((2, 3), values=[[1, NAN, 3], [2, 0, -1]]),)], gradcheck=False),
    OpSpec("kthvalue", lambda lib, a: _flat([lib.kthvalue(a, 2), a.kthvalue(1, 0), a.kthvalue(3, 1, True),
                                             a.kthvalue(4, dim=-1, keepdim=False)]), [(B3,)]),
    OpSpec("kthvalue_0d", lambda lib, a: _flat([a.kthvalue(1), a.kthvalue(1, 0, True)]), [((),)]),
    OpSpec("median", lambda lib, a: (lib.median(a), a.nanmedian()), [(B3,), ((5,),), (TIES,), (TIES_NEG,),
                                                                      (NANS,), ((),)]),
    OpSpec("median_int", lambda lib, a: (lib.median(a), a.nanmedian(), *a.median(1)), [(INTS,)],
           dtypes=("int64", "int32"), grad=False),
    OpSpec("median_dim", lambda lib, a: _flat([lib.median(a, 1), a.median(-1, keepdim=True), a.median(0),
                                               lib.nanmedian(a, 1), a.nanmedian(dim=0, keepdim=True)]),
           [(B3,), ((5, 6),), (TIES,), (TIES_NEG,), (NANS_SOME,)]),
    OpSpec("median_dim_0d", lambda lib, a: _flat([lib.median(a, 0), a.nanmedian(-1, keepdim=True)]), [((),)]),
    OpSpec("mode", lambda lib, a: _flat([lib.mode(a), a.mode(0), a.mode(1, True)]),
           [(Arg((3, 6), values=[[1, 3, 2, 2, 1, 3], [2, 1, 2, 1, 2, 1], [5, 0, 5, 0, 4, 4]]),),
            (Arg((2, 5), low=0, high=3, integer=True),)], gradcheck=False),
    OpSpec("mode_int", lambda lib, a: _flat([lib.mode(a), a.mode(0, keepdim=True)]), [(INTS,)],
           dtypes=("int64", "int32", "bool"), grad=False),
    OpSpec("mode_0d", lambda lib, a: _flat([a.mode(), a.mode(0, True)]), [((),)]),

    # unique / bincount / histc (not differentiable)
    OpSpec("unique", lambda lib, a: (lib.unique(a), *a.unique(return_inverse=True, return_counts=True),
                                     *lib.unique(a, sorted=True, return_counts=True)),
           [(Arg((3, 5), low=-2, high=3, integer=True),), (Arg((), integer=True),), (Arg((0,)),)],
           dtypes=("float32", "int64", "bool"), grad=False),
    OpSpec("unique_dim", lambda lib, a: (*lib.unique(a, dim=0, return_inverse=True, return_counts=True),
                                         *a.unique(dim=1, return_inverse=True)),
           [(Arg((4, 3), values=[[1, 2, 1], [0, 1, 0], [1, 2, 1], [0, 0, 0]]),)],
           dtypes=("float32", "int64"), grad=False),
    OpSpec("unique_consecutive",
           lambda lib, a: (lib.unique_consecutive(a),
                           *a.unique_consecutive(return_inverse=True, return_counts=True),
                           *lib.unique_consecutive(a, dim=0, return_inverse=True, return_counts=True),
                           *a.unique_consecutive(dim=1, return_counts=True)),
           [(Arg((4, 3), values=[[1, 1, 2], [1, 1, 2], [0, 0, 0], [1, 1, 2]]),),
            (Arg((3, 5), low=0, high=2, integer=True),)], dtypes=("float32", "int64"), grad=False),
    OpSpec("unique_consecutive_0d", lambda lib, a: lib.unique_consecutive(a, return_inverse=True,
                                                                          return_counts=True),
           [(Arg((), integer=True),)], grad=False, dtypes=("int64",)),
    OpSpec("bincount", lambda lib, a: (lib.bincount(a), a.bincount(minlength=10),
                                       lib.bincount(a, minlength=2)),
           [(Arg((20,), low=0, high=7, integer=True),), (Arg((0,)),)], dtypes=("int64", "uint8", "int32"),
           grad=False),
    OpSpec("bincount_weights", lambda lib, a, w: (lib.bincount(a, w), a.bincount(weights=w, minlength=9)),
           [(Arg((12,), low=0, high=7, integer=True, dtype="int64"), (12,))], grad=False),
    OpSpec("histc", lambda lib, a: (lib.histc(a), a.histc(bins=7), a.histc(5, min=-1, max=1),
                                    lib.histc(a, bins=3, min=0.5, max=0.5)),
           [(B3,), (Arg((4,), values=[2, 2, 2, 2]),), (Arg((0,)),),
            (Arg((6,), values=[-1, -0.5, 0, 0.5, 1, 2]),)], grad=False),
]

"""Op specs: scaled_dot_product_attention (the fused attention node) over shapes, broadcast batch dims,
float masks (whose gradient is compared too), causal masks and explicit scales.

PyTorch's CPU flash kernel (4-D inputs without a mask) has no double backward: those cases skip it.
"""

from opspec import Arg, OpSpec


def _sdpa(name, call, cases, **kw):
    return OpSpec("F_sdpa_" + name, lambda lib, *a: call(lib.nn.functional.scaled_dot_product_attention, *a),
                  cases, **kw)


SPECS = [
    _sdpa("3d", lambda f, q, k, v: f(q, k, v), [((2, 3, 4), (2, 5, 4), (2, 5, 3))]),
    _sdpa("2d_scale", lambda f, q, k, v: f(q, k, v, scale=0.3), [((3, 4), (5, 4), (5, 2))]),
    _sdpa("float_mask", lambda f, q, k, v, m: f(q, k, v, attn_mask=m),
          [((2, 3, 4), (2, 5, 4), (2, 5, 3), (3, 5)), ((2, 2, 3, 4), (2, 2, 5, 4), (2, 2, 5, 4), (2, 1, 3, 5))]),
    _sdpa("broadcast_batch", lambda f, q, k, v, m: f(q, k, v, attn_mask=m),
          [((2, 1, 3, 4), (1, 2, 5, 4), (2, 2, 5, 3), (3, 5))]),
    _sdpa("causal", lambda f, q, k, v: f(q, k, v, is_causal=True), [((2, 4, 3), (2, 4, 3), (2, 4, 3)),
                                                                       ((2, 5, 3), (2, 3, 3), (2, 3, 2))]),
    _sdpa("4d", lambda f, q, k, v: f(q, k, v), [((2, 2, 3, 4), (2, 2, 5, 4), (2, 2, 5, 4))], gradgrad=False),
    _sdpa("large_scores", lambda f, q, k, v: f(q, k, v, scale=40.0),
          [(Arg((2, 3, 4)), Arg((2, 5, 4)), Arg((2, 5, 3)))]),
]

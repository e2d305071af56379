"""Op specs: elementwise arithmetic and unary math."""

from opspec import Arg, OpSpec

POS = Arg((3, 4), low=0.5, high=2.0)

SPECS = [
    OpSpec("add", lambda lib, a, b: lib.add(a, b), [((3, 4), (3, 4)), ((3, 1), (4,)), ((), (2, 3)),
                                                   ((2, 3), 1.5), ((0, 3), (3,))]),
    OpSpec("add_alpha", lambda lib, a, b: lib.add(a, b, alpha=2.5), [((3, 4), (3, 4))]),
    OpSpec("add_int", lambda lib, a, b: a + b, [(Arg((3,), integer=True), Arg((2, 3), integer=True))],
           dtypes=("int64", "int32", "uint8", "bool")),
    OpSpec("add_mixed", lambda lib, a, b: a + b, [(Arg((3,), dtype="int64"), (2, 3)),
                                                   (Arg((2, 3), dtype="float64"), Arg((), dtype="float32")),
                                                   (Arg((2, 3), dtype="int32"), 2.5)]),
    OpSpec("sub", lambda lib, a, b: a - b, [((3, 4), (3, 4)), ((3, 1), (1, 4)), ((2, 3), 2)]),
    OpSpec("rsub", lambda lib, a: 10 - a, [((3, 4),)]),
    OpSpec("mul", lambda lib, a, b: a * b, [((3, 4), (3, 4)), ((3, 1), (4,)), ((2, 3), 3)]),
    OpSpec("div", lambda lib, a, b: a / b, [((3, 4), POS), ((3, 1), Arg((4,), low=0.5, high=2.0))]),
    OpSpec("rdiv", lambda lib, a: 2 / a, [(POS,)]),
    OpSpec("div_int", lambda lib, a, b: a / b, [(Arg((3,), integer=True), Arg((3,), low=1, high=5,
                                                                               integer=True))],
           dtypes=("int64",)),
    OpSpec("neg", lambda lib, a: -a, [((3, 4),), ((),)]),
    OpSpec("pow_scalar", lambda lib, a: a ** 3, [((3, 4),)]),
    OpSpec("pow_tensor", lambda lib, a, b: a ** b, [(POS, (3, 4))]),
    OpSpec("rpow", lambda lib, a: 2 ** a, [((3, 4),)]),
    OpSpec("exp", lambda lib, a: lib.exp(a), [((3, 4),), ((),)]),
    OpSpec("log", lambda lib, a: lib.log(a), [(POS,)]),
    OpSpec("sqrt", lambda lib, a: lib.sqrt(a), [(POS,)]),
    OpSpec("tanh", lambda lib, a: lib.tanh(a), [((3, 4),)]),
    OpSpec("sigmoid", lambda lib, a: lib.sigmoid(a), [((3, 4),), (Arg((5,), values=[-100, -1, 0, 1, 100]),)]),
    OpSpec("relu", lambda lib, a: lib.relu(a), [(Arg((3, 4), away_from=(0,)),)]),
    OpSpec("compare", lambda lib, a, b: (a < b, a <= b, a > b, a >= b, a == b, a != b),
           [((3, 4), (4,)), ((3,), 0.5)], grad=False),
]

"""Random numbers: Generator (NumPy's PCG64 underneath), the default generator, random creation, and the
in-place samplers nn.init uses (`uniform_`, `normal_`, ...).

PyTorch's exact streams cannot be reproduced; what matches is the API, the dtypes, the distributions, the
errors, and reproducibility (same seed, same numbers; a generator argument is independent of the global
one). Samples are drawn on the host and moved to the tensor's device.
"""

from __future__ import annotations

import contextlib
import math
import os

import numpy as np

from . import _creation, _tensor
from .autograd.function import Function
from .backend import dtypes as _dt
from .backend.device import device as Device

__all__ = ["Generator", "manual_seed", "seed", "initial_seed", "get_rng_state", "set_rng_state", "fork_rng",
           "default_generator", "rand", "randn", "randint", "rand_like", "randn_like", "randint_like",
           "randperm", "normal", "bernoulli", "multinomial", "poisson"]
# bound as Tensor methods by _tensor._bind_methods once this module is listed in ops.MODULES
METHODS = ("uniform_", "normal_", "bernoulli_", "random_", "exponential_", "geometric_", "log_normal_",
           "cauchy_", "bernoulli", "multinomial")

Tensor = _tensor.Tensor
_U64 = (1 << 64) - 1
_DEFAULT_SEED = 67280421310721


def _seed_value(seed) -> int:
    seed = int(seed)
    if not -(1 << 63) <= seed <= _U64:
        raise ValueError("Overflow when unpacking long long")
    return seed & _U64


class Generator:
    """A source of random numbers with its own seed and state (`Generator(device='cpu')`)."""

    def __init__(self, device="cpu") -> None:
        self._device = Device(device)
        self.manual_seed(_DEFAULT_SEED)

    @property
    def device(self) -> Device:
        return self._device

    def manual_seed(self, seed: int) -> Generator:
        """Restart the stream from `seed` (any int in [-2**63, 2**64); negatives wrap)."""
        self._seed = _seed_value(seed)
        self._rng = np.random.Generator(np.random.PCG64(self._seed))
        return self

    def seed(self) -> int:
        """Seed from the OS's entropy; returns the seed used."""
        s = int.from_bytes(os.urandom(8), "little") & ((1 << 63) - 1)
        self.manual_seed(s)
        return s

    def initial_seed(self) -> int:
        return self._seed

    def get_state(self) -> Tensor:
        """The generator's state as a uint8 tensor (for set_state)."""
        st = self._rng.bit_generator.state
        fields = (self._seed, st["state"]["state"], st["state"]["inc"], st["has_uint32"], st["uinteger"])
        raw = b"".join(int(v).to_bytes(n, "little") for v, n in zip(fields, _STATE_LAYOUT))
        return Tensor._make(np.frombuffer(raw, dtype=np.uint8).copy())

    def set_state(self, new_state: Tensor) -> Generator:
        """Restore a state returned by get_state."""
        if not isinstance(new_state, Tensor) or new_state.dtype is not _dt.uint8:
            raise TypeError("RNG state must be a torch.ByteTensor")
        raw = new_state._host().tobytes()
        if len(raw) != _STATE_SIZE:
            raise RuntimeError(f"Expected a CPUGeneratorImplState of size {_STATE_SIZE} but found the input "
                               f"RNG state size to be {len(raw)}")
        vals, pos = [], 0
        for n in _STATE_LAYOUT:
            vals.append(int.from_bytes(raw[pos:pos + n], "little"))
            pos += n
        self._seed = vals[0]
        self._rng.bit_generator.state = {"bit_generator": "PCG64",
                                         "state": {"state": vals[1], "inc": vals[2]},
                                         "has_uint32": vals[3], "uinteger": vals[4]}
        return self

    def clone_state(self) -> Generator:
        """A new generator in this one's state."""
        g = Generator(self._device)
        g.set_state(self.get_state())
        return g

    def __repr__(self) -> str:
        return f"<torch._C.Generator object at {hex(id(self))}>"


# bytes of: initial seed, PCG64 state, PCG64 increment, has_uint32, uinteger
_STATE_LAYOUT = (8, 16, 16, 1, 4)
_STATE_SIZE = sum(_STATE_LAYOUT)

default_generator = Generator()


def _rng(generator: Generator | None) -> np.random.Generator:
    if generator is None:
        return default_generator._rng
    if not isinstance(generator, Generator):
        raise TypeError(f"argument 'generator' must be torch.Generator, not {type(generator).__name__}")
    return generator._rng


def manual_seed(seed: int) -> Generator:
    """Seed the default generator (and so every random op that is not given a generator)."""
    return default_generator.manual_seed(seed)


def seed() -> int:
    """Seed the default generator non-deterministically; returns the seed."""
    return default_generator.seed()


def initial_seed() -> int:
    return default_generator.initial_seed()


def get_rng_state() -> Tensor:
    return default_generator.get_state()


def set_rng_state(new_state: Tensor) -> None:
    default_generator.set_state(new_state)


@contextlib.contextmanager
def fork_rng(devices=None, enabled: bool = True, _caller: str = "fork_rng", _devices_kw: str = "devices",
             device_type: str = "cuda"):
    """Run the block with the default generator's state restored afterwards."""
    if not enabled:
        yield
        return
    state = get_rng_state()
    try:
        yield
    finally:
        set_rng_state(state)


# -- sampling helpers ------------------------------------------------------------------------------------

_TYPE_NAME = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long", "int32": "Int",
              "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}
_C_NAME = {"float32": "float", "float64": "double", "float16": "c10::Half", "int64": "long int",
           "int32": "int", "int16": "short int", "int8": "signed char", "uint8": "unsigned char",
           "bool": "bool"}


def _not_implemented(kernel: str, dt: _dt.dtype) -> NotImplementedError:
    return NotImplementedError(f"\"{kernel}\" not implemented for '{_TYPE_NAME[dt.name]}'")


def _uniform01(rng: np.random.Generator, shape: tuple, dt: _dt.dtype) -> np.ndarray:
    """Uniform [0, 1) with as many random mantissa bits as dt has (so float16 never rounds up to 1)."""
    if dt is _dt.float64:
        return rng.random(shape)
    if dt is _dt.float16:
        return (rng.integers(0, 1 << 11, shape, dtype=np.int64) * 2.0 ** -11).astype(np.float16)
    return rng.random(shape, dtype=np.float32)


def _std_normal(rng: np.random.Generator, shape: tuple, dt: _dt.dtype) -> np.ndarray:
    if dt is _dt.float64:
        return rng.standard_normal(shape)
    return rng.standard_normal(shape, dtype=np.float32)


def _fmt(v) -> str:
    """A number as PyTorch's C++ messages print it."""
    return f"{float(v):g}" if not isinstance(v, int) else str(v)


def _new(arr: np.ndarray, dt: _dt.dtype, device, requires_grad: bool, out=None, dtype_given: bool = False):
    """Finish a random factory: cast, move to `device`, make the leaf (or fill `out`)."""
    arr = np.asarray(arr).astype(dt.np, copy=False)
    if device is not None and Device(device).type != "cpu":
        arr = _creation._move(arr, Device(device))
    return _creation._result(arr, requires_grad, out, dtype_given)


def _float_dtype(dtype, out, kernel: str) -> _dt.dtype:
    if dtype is not None and not isinstance(dtype, _dt.dtype):
        raise TypeError(f"argument 'dtype' must be torch.dtype, not {type(dtype).__name__}")
    dt = dtype or (out.dtype if out is not None else _dt.get_default_dtype())
    if not dt.is_floating_point:
        raise _not_implemented(kernel, dt)
    return dt


# -- factories -------------------------------------------------------------------------------------------

def rand(*size, generator: Generator | None = None, out=None, dtype=None, layout=None, device=None,
         requires_grad: bool = False, pin_memory: bool = False, **kwargs) -> Tensor:
    """Uniform samples on [0, 1)."""
    shape = _creation._shape("rand", size, kwargs.pop("size", None))
    _creation._no_kwargs("rand", kwargs)
    _creation._check_sizes(shape)
    dt = _float_dtype(dtype, out, "check_uniform_bounds")
    return _new(_uniform01(_rng(generator), shape, dt), dt, device, requires_grad, out, dtype is not None)


def randn(*size, generator: Generator | None = None, out=None, dtype=None, layout=None, device=None,
          requires_grad: bool = False, pin_memory: bool = False, **kwargs) -> Tensor:
    """Standard normal samples."""
    shape = _creation._shape("randn", size, kwargs.pop("size", None))
    _creation._no_kwargs("randn", kwargs)
    _creation._check_sizes(shape)
    dt = _float_dtype(dtype, out, "normal_kernel_cpu")
    return _new(_std_normal(_rng(generator), shape, dt), dt, device, requires_grad, out, dtype is not None)


def _int_arg(name: str, v) -> int:
    if isinstance(v, Tensor):
        v = v.item()
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
        raise TypeError(f"randint(): argument '{name}' must be int, not {type(v).__name__}")
    return int(v)


def _check_range(lo: int, hi: int, dt: _dt.dtype, inclusive: bool = False) -> None:
    """PyTorch's checks of an integer sampling range [lo, hi) against dt."""
    if not inclusive and lo >= hi:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={lo} >= to={hi}")
    if dt.is_floating_point:
        return
    info = np.iinfo(np.uint8 if dt is _dt.bool else dt.np)
    top = 1 if dt is _dt.bool else info.max
    if not info.min <= lo <= top:
        raise RuntimeError(f"from is out of bounds for {_C_NAME[dt.name]}")
    if not info.min <= (hi if inclusive else hi - 1) <= top:
        raise RuntimeError(f"to - 1 is out of bounds for {_C_NAME[dt.name]}")


def _integers(rng: np.random.Generator, lo: int, hi: int, shape: tuple,
              inclusive: bool = False) -> np.ndarray:
    if hi - lo > _U64 >> 1:
        # wider than int64 can express: draw the offset as uint64
        off = rng.integers(0, hi - lo, shape, dtype=np.uint64, endpoint=inclusive)
        return (off + np.uint64(lo & _U64)).view(np.int64)
    return rng.integers(lo, hi, shape, dtype=np.int64, endpoint=inclusive)


def randint(*args, size=None, low=None, high=None, generator: Generator | None = None, out=None, dtype=None,
            layout=None, device=None, requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """Integers uniform on [low, high): `randint(high, size)` or `randint(low, high, size)`; int64 unless
    dtype is given."""
    pos = list(args)
    if size is None:
        if not pos:
            raise TypeError("randint() missing required argument 'size'")
        size = pos.pop()
    if len(pos) == 2:
        low, high = pos
    elif len(pos) == 1:
        if high is None:
            high = pos[0]
        else:
            low = pos[0]
    elif len(pos) > 2:
        raise TypeError(f"randint() takes from 2 to 3 positional arguments but {len(args)} were given")
    if high is None:
        raise TypeError("randint() missing required argument 'high'")
    if not isinstance(size, (tuple, list)):
        raise TypeError(f"randint(): argument 'size' (position {len(args)}) must be tuple of ints, not "
                        f"{type(size).__name__}")
    shape = _creation._shape("randint", (size,), None)
    _creation._check_sizes(shape)
    lo, hi = _int_arg("low", 0 if low is None else low), _int_arg("high", high)
    if dtype is not None and not isinstance(dtype, _dt.dtype):
        raise TypeError(f"argument 'dtype' must be torch.dtype, not {type(dtype).__name__}")
    dt = dtype or (out.dtype if out is not None else _dt.int64)
    _check_range(lo, hi, dt)
    return _new(_integers(_rng(generator), lo, hi, shape), dt, device, requires_grad, out, dtype is not None)


def randperm(n: int, *, generator: Generator | None = None, out=None, dtype=None, layout=None, device=None,
             requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """A random permutation of 0..n-1 (int64 unless dtype is given)."""
    n = _int_arg("n", n)
    _creation._check_sizes((n,))
    dt = dtype or (out.dtype if out is not None else _dt.int64)
    if dt is _dt.bool:
        raise _not_implemented("randperm", dt)
    if n > 0 and not dt.is_floating_point and n - 1 > np.iinfo(dt.np).max:
        raise RuntimeError(f"value cannot be converted to type {_creation._CNAME[dt.name]} without overflow")
    return _new(_rng(generator).permutation(n), dt, device, requires_grad, out, dtype is not None)


def _like(fn: str, input, dtype, device, sample) -> Tensor:
    """`sample(shape, dtype, device)`'s values laid out like input (same strides), as *_like factories are."""
    if not isinstance(input, Tensor):
        raise TypeError(f"{fn}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    dt = dtype or input.dtype
    res = sample(tuple(input.shape), dt, input.device if device is None else Device(device))
    if res.device == input.device and not input._data.flags.c_contiguous:
        arr = np.empty_like(input._data, dtype=res._data.dtype)
        arr[...] = res._data
        res._data = arr
    return res


def rand_like(input: Tensor, *, generator: Generator | None = None, dtype=None, layout=None, device=None,
              requires_grad: bool = False, memory_format=None) -> Tensor:
    """Uniform [0, 1) samples with input's shape, dtype and device."""
    return _like("rand_like", input, dtype, device, lambda shape, dt, dev: rand(
        shape, generator=generator, dtype=dt, device=dev, requires_grad=requires_grad))


def randn_like(input: Tensor, *, generator: Generator | None = None, dtype=None, layout=None, device=None,
               requires_grad: bool = False, memory_format=None) -> Tensor:
    """Standard normal samples with input's shape, dtype and device."""
    return _like("randn_like", input, dtype, device, lambda shape, dt, dev: randn(
        shape, generator=generator, dtype=dt, device=dev, requires_grad=requires_grad))


def randint_like(input: Tensor, low=0, high=None, *, generator: Generator | None = None, dtype=None,
                 layout=None, device=None, requires_grad: bool = False, memory_format=None) -> Tensor:
    """Integers on [low, high) with input's shape, dtype and device (`randint_like(x, high)` too)."""
    if high is None:
        low, high = 0, low
    return _like("randint_like", input, dtype, device, lambda shape, dt, dev: randint(
        low, high, shape, generator=generator, dtype=dt, device=dev, requires_grad=requires_grad))


# -- sampling ops with parameters (zero gradient w.r.t. their tensor inputs, as in PyTorch) --------------

class _Draw(Function):
    """Samples drawn already (`values`), recorded in the graph so that their tensor parameters get a zero
    gradient and the output's grad_fn carries PyTorch's name. An array-level op like ember's own (the ops
    package is not imported here, so that op modules may import random)."""

    __slots__ = ()
    _internal = True

    @staticmethod
    def forward(ctx, values, *params):
        return values

    @staticmethod
    def backward(ctx, g):
        n = len(ctx.needs_input_grad) - 1
        zero = _creation.zeros_like(g)
        return (None,) + tuple(zero if ctx.needs_input_grad[i + 1] else None for i in range(n))


_DRAWS: dict = {}


def _draw(name: str, values: np.ndarray, *params) -> Tensor:
    """`values` as a tensor whose grad_fn is `name` when a parameter tensor requires grad."""
    op = _DRAWS.get(name)
    if op is None:
        op = _DRAWS[name] = type(name.replace("Backward", ""), (_Draw,), {"_name": name, "__slots__": ()})
    return op.apply(values, *params)


def _broadcast_error(a: tuple, b: tuple) -> RuntimeError:
    for i in range(1, max(len(a), len(b)) + 1):
        x = a[-i] if i <= len(a) else 1
        y = b[-i] if i <= len(b) else 1
        if x != y and x != 1 and y != 1:
            return RuntimeError(f"The size of tensor a ({x}) must match the size of tensor b ({y}) at "
                                f"non-singleton dimension {max(len(a), len(b)) - i}")
    return RuntimeError("shapes cannot be broadcast")


def _check_std(std) -> None:
    if std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {_fmt(std)}")


def normal(mean, std=1.0, size=None, *, generator: Generator | None = None, out=None, dtype=None, layout=None,
           device=None, requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """Normal samples: `normal(mean_tensor, std_tensor)` (broadcast), `normal(mean_tensor, std=1.0)`,
    `normal(mean, std_tensor)`, or `normal(mean, std, size)` with float mean and std."""
    rng = _rng(generator)
    mt, st = isinstance(mean, Tensor), isinstance(std, Tensor)
    if mt or st:
        if size is not None:
            raise TypeError("normal() received an invalid combination of arguments - got a size together "
                            "with a Tensor mean or std")
        dt = mean.dtype if mt else std.dtype
        if not dt.is_floating_point:
            raise _not_implemented("normal_kernel_cpu", dt)
        if mt and st:
            try:
                shape = np.broadcast_shapes(mean.shape, std.shape)
            except ValueError:
                raise _broadcast_error(tuple(mean.shape), tuple(std.shape)) from None
            s = std._host()
            if s.size and not (s >= 0).all():
                raise RuntimeError("normal expects all elements of std >= 0.0")
            values = mean._host() + s * _std_normal(rng, shape, dt)
            res = _draw("NormalBackward3", _on(values.astype(dt.np), mean), mean, std)
        elif mt:
            _check_std(float(std))
            values = mean._host() + float(std) * _std_normal(rng, tuple(mean.shape), dt)
            res = _draw("NormalBackward1", _on(values.astype(dt.np), mean), mean)
        else:
            s = std._host()
            if s.size and not (s >= 0).all():
                raise RuntimeError("normal expects all elements of std >= 0.0")
            values = float(mean) + s * _std_normal(rng, tuple(std.shape), dt)
            res = _draw("NormalBackward2", _on(values.astype(dt.np), std), std)
        return res if out is None else _creation._result(res._data, False, out)
    if size is None:
        raise TypeError(f"normal() received an invalid combination of arguments - got "
                        f"({type(mean).__name__}, {type(std).__name__}), but expected a size with float mean "
                        "and std")
    if not isinstance(size, (tuple, list)):
        raise TypeError(f"normal(): argument 'size' must be tuple of ints, not {type(size).__name__}")
    shape = _creation._shape("normal", (size,), None)
    _creation._check_sizes(shape)
    _check_std(float(std))
    dt = _float_dtype(dtype, out, "normal_kernel_cpu")
    values = float(mean) + float(std) * _std_normal(rng, shape, dt)
    return _new(values, dt, device, requires_grad, out, dtype is not None)


def _on(arr: np.ndarray, like: Tensor):
    """A host array moved to like's device."""
    return arr if like.device.type == "cpu" else _creation._move(arr, like.device)


def bernoulli(input: Tensor, p: float | None = None, *, generator: Generator | None = None,
              out=None) -> Tensor:
    """0/1 samples: with probability input (elementwise), or `p` for every element of input's shape."""
    rng = _rng(generator)
    if p is not None:
        _check_p(p)
        values = (_uniform01(rng, tuple(input.shape), _dt.float64) < p).astype(input._data.dtype)
        res = Tensor._make(_on(values, input))
        return res if out is None else _creation._result(res._data, False, out)
    if not input.dtype.is_floating_point:
        raise _not_implemented("bernoulli_tensor_cpu_p_", input.dtype)
    probs = input._host()
    _check_probs(probs)
    values = (_uniform01(rng, probs.shape, _dt.float64) < probs).astype(probs.dtype)
    res = _draw("BernoulliBackward0", _on(values, input), input)
    return res if out is None else _creation._result(res._data, False, out)


def _check_p(p) -> None:
    if not 0 <= p <= 1:
        raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={_fmt(p)}")


def _check_probs(probs: np.ndarray) -> None:
    if probs.size and not ((probs >= 0) & (probs <= 1)).all():
        raise RuntimeError("Expected p_in >= 0 && p_in <= 1 to be true, but got false.  (Could this error "
                           "message be improved?  If so, please report an enhancement request to PyTorch.)")


def multinomial(input: Tensor, num_samples: int, replacement: bool = False, *,
                generator: Generator | None = None, out=None) -> Tensor:
    """Indices drawn from each row of input (unnormalised probabilities), with or without replacement."""
    if input.dim() not in (1, 2):
        raise RuntimeError("prob_dist must be 1 or 2 dim")
    if not input.dtype.is_floating_point:
        raise RuntimeError(f"multinomial only supports floating-point dtypes for input, got: "
                           f"{_TYPE_NAME[input.dtype.name]}")
    n = int(num_samples)
    if n <= 0:
        raise RuntimeError("cannot sample n_sample <= 0 samples")
    probs = input._host().astype(np.float64)
    rows = probs.reshape(math.prod(probs.shape[:-1]), probs.shape[-1])
    k = rows.shape[1]
    if not replacement and n > k:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without replacement")
    if rows.size and not (np.isfinite(rows).all() and (rows >= 0).all()):
        raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    sums = rows.sum(axis=1)
    if rows.shape[0] and (sums <= 0).any():
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    rng = _rng(generator)
    r = rows.shape[0]
    if r == 0:
        idx = np.zeros((0, n), np.int64)
    elif replacement:
        cdf = np.cumsum(rows / sums[:, None], axis=1)
        cdf[:, -1] = 1.0
        # one sorted search over all rows: row i's cdf is shifted by i
        flat = (cdf + np.arange(r)[:, None]).ravel()
        u = rng.random((r, n)) + np.arange(r)[:, None]
        idx = np.searchsorted(flat, u, side="right") - np.arange(r)[:, None] * k
        idx = np.minimum(idx, k - 1)
    else:
        # keys p / E with E ~ Exp(1): the n largest are a draw without replacement
        keys = rows / rng.standard_exponential((r, k))
        idx = np.argsort(-keys, axis=1, kind="stable")[:, :n]
    idx = idx.astype(np.int64).reshape(probs.shape[:-1] + (n,))
    res = Tensor._make(_on(idx, input))
    return res if out is None else _creation._result(res._data, False, out)


def poisson(input: Tensor, generator: Generator | None = None) -> Tensor:
    """Poisson samples with rates `input`."""
    if not input.dtype.is_floating_point:
        raise _not_implemented("poisson_cpu", input.dtype)
    rates = input._host()
    if rates.size and not (rates >= 0).all():
        raise RuntimeError("invalid Poisson rate, expected rate to be non-negative")
    values = _rng(generator).poisson(rates.astype(np.float64)).astype(rates.dtype)
    return _draw("PoissonBackward0", _on(values, input), input)


# -- in-place samplers (Tensor methods) ---------------------------------------------------------------------

def _fill_with(self: Tensor, name: str, values: np.ndarray, *params) -> Tensor:
    """Write `values` into self as an in-place op named `name` (version bump, leaf check, graph)."""
    values = _on(np.asarray(values).astype(self._data.dtype, copy=False), self)
    return self._inplace(lambda before, *ps: _draw(name, values, before, *ps), *params)


def _floating_only(self: Tensor, kernel: str) -> None:
    if not self.dtype.is_floating_point:
        raise _not_implemented(kernel, self.dtype)


def _range_args(fn: str, args: tuple, kwargs: dict, names: tuple, defaults: tuple) -> list:
    """Positional or keyword (`from` is a keyword in Python, so it only arrives through **kwargs)."""
    if len(args) > len(names):
        raise TypeError(f"{fn}() takes at most {len(names)} arguments ({len(args)} given)")
    vals = list(args) + list(defaults[len(args):])
    for i, name in enumerate(names):
        if name in kwargs:
            if i < len(args):
                raise TypeError(f"{fn}() got multiple values for argument '{name}'")
            vals[i] = kwargs.pop(name)
    if kwargs:
        raise TypeError(f"{fn}() got an unexpected keyword argument '{next(iter(kwargs))}'")
    return [v.item() if isinstance(v, Tensor) else v for v in vals]


def uniform_(self: Tensor, *args, generator: Generator | None = None, **kwargs) -> Tensor:
    """Fill with uniform samples on [from, to) (defaults 0, 1)."""
    a, b = _range_args("uniform_", args, kwargs, ("from", "to"), (0.0, 1.0))
    _floating_only(self, "check_uniform_bounds")
    if a > b:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found from={_fmt(a)} > "
                           f"to={_fmt(b)}")
    fmax = float(np.finfo(self._data.dtype).max)
    if abs(a) > fmax:
        raise RuntimeError(f"from is out of bounds for {_C_NAME[self.dtype.name]}")
    if abs(b) > fmax:
        raise RuntimeError(f"to is out of bounds for {_C_NAME[self.dtype.name]}")
    u = _uniform01(_rng(generator), tuple(self.shape), self.dtype).astype(np.float64)
    return _fill_with(self, "UniformBackward0", u * (b - a) + a)


def normal_(self: Tensor, mean: float = 0.0, std: float = 1.0, *,
            generator: Generator | None = None) -> Tensor:
    """Fill with normal samples N(mean, std**2)."""
    _floating_only(self, "normal_kernel_cpu")
    _check_std(std)
    z = _std_normal(_rng(generator), tuple(self.shape), self.dtype)
    return _fill_with(self, "NormalBackward0", z * std + mean)


def bernoulli_(self: Tensor, p=0.5, *, generator: Generator | None = None) -> Tensor:
    """Fill with 0/1 samples that are 1 with probability p (a float, or a tensor broadcast to self)."""
    rng = _rng(generator)
    shape = tuple(self.shape)
    if isinstance(p, Tensor):
        probs = p._host().astype(np.float64)
        try:
            probs = np.broadcast_to(probs, shape)
        except ValueError:
            raise RuntimeError(_expand_error(shape, tuple(p.shape))) from None
        _check_probs(probs)
        return _fill_with(self, "BernoulliBackward1", _uniform01(rng, shape, _dt.float64) < probs, p)
    _check_p(p)
    return _fill_with(self, "BernoulliBackward2", _uniform01(rng, shape, _dt.float64) < p)


def _expand_error(target: tuple, shape: tuple) -> str:
    for i in range(1, len(shape) + 1):
        t = target[-i] if i <= len(target) else 1
        if shape[-i] != t and shape[-i] != 1:
            return (f"The expanded size of the tensor ({t}) must match the existing size ({shape[-i]}) at "
                    f"non-singleton dimension {len(target) - i}.  Target sizes: {list(target)}.  "
                    f"Tensor sizes: {list(shape)}")
    return f"expand: cannot expand {list(shape)} to {list(target)}"


def _random_top(dt: _dt.dtype) -> int:
    """The inclusive upper end of random_() without bounds: every integer dt represents exactly."""
    if dt.is_floating_point:
        return 1 << (np.finfo(dt.np).nmant + 1)
    if dt is _dt.bool:
        return 1
    return int(np.iinfo(dt.np).max)


def random_(self: Tensor, *args, generator: Generator | None = None, **kwargs) -> Tensor:
    """Fill with integers: `random_()` on [0, 2**mantissa] (floats) or [0, max] (ints), `random_(to)` on
    [0, to), `random_(from, to)` on [from, to) (to=None: up to the dtype's maximum)."""
    given = len(args) + len(kwargs)
    if given == 1 and not kwargs.keys() - {"to"}:
        lo, hi = 0, _range_args("random_", args, kwargs, ("to",), (None,))[0]
        name = "RandomBackward1"
    else:
        lo, hi = _range_args("random_", args, kwargs, ("from", "to"), (0, None))
        name = "RandomBackward0" if given else "RandomBackward2"
    dt = self.dtype
    shape = tuple(self.shape)
    if hi is None:
        top = _random_top(dt)
        _check_range(int(lo), top, dt, inclusive=True)
        values = _integers(_rng(generator), int(lo), top, shape, inclusive=True)
    else:
        _check_range(int(lo), int(hi), dt)
        values = _integers(_rng(generator), int(lo), int(hi), shape)
    return _fill_with(self, name, values)


def exponential_(self: Tensor, lambd: float = 1.0, *, generator: Generator | None = None) -> Tensor:
    """Fill with exponential samples of rate lambd."""
    if not self.dtype.is_floating_point:
        raise RuntimeError("Exponential distribution is a continuous probability distribution. dtype must "
                           f"be a floating point but you specified {_TYPE_NAME[self.dtype.name]}")
    if not lambd > 0:
        raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={_fmt(lambd)}")
    e = _rng(generator).standard_exponential(tuple(self.shape))
    return _fill_with(self, "ExponentialBackward0", e / lambd)


def geometric_(self: Tensor, p: float, *, generator: Generator | None = None) -> Tensor:
    """Fill with the number of Bernoulli(p) trials up to and including the first success."""
    if self.dtype is _dt.bool:
        raise _not_implemented("geometric_cpu", self.dtype)
    if not 0 < p < 1:
        raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={_fmt(p)}")
    return _fill_with(self, "GeometricBackward0", _rng(generator).geometric(p, tuple(self.shape)))


def log_normal_(self: Tensor, mean: float = 1.0, std: float = 2.0, *,
                generator: Generator | None = None) -> Tensor:
    """Fill with exp(N(mean, std**2)) samples."""
    _floating_only(self, "log_normal_cpu")
    if not std > 0:
        raise RuntimeError(f"log_normal_ expects std > 0.0, but found std={_fmt(std)}")
    z = _rng(generator).standard_normal(tuple(self.shape))
    with np.errstate(over="ignore"):
        return _fill_with(self, "LogNormalBackward0", np.exp(z * std + mean))


def cauchy_(self: Tensor, median: float = 0.0, sigma: float = 1.0, *,
            generator: Generator | None = None) -> Tensor:
    """Fill with Cauchy(median, sigma) samples."""
    if not self.dtype.is_floating_point:
        raise RuntimeError(f"Cauchy distribution is a continuous probability distribution. dtype must be a "
                           f"floating point but you specified {_C_NAME[self.dtype.name]}")
    if not sigma > 0:
        raise RuntimeError(f"cauchy_ expects sigma > 0.0, but found sigma={_fmt(sigma)}")
    c = _rng(generator).standard_cauchy(tuple(self.shape))
    return _fill_with(self, "CauchyBackward0", median + sigma * c)

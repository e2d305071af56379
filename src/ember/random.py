"""Random numbers: Generator (NumPy's PCG64 underneath), the default generator, and random creation."""

from __future__ import annotations

import numpy as np

from . import _creation, _tensor
from .backend import dtypes as _dt

__all__ = ["Generator", "manual_seed", "seed", "initial_seed", "get_rng_state", "set_rng_state",
           "default_generator", "rand", "randn"]

_size = _tensor._normalize_size


class Generator:
    """A source of random numbers with its own seed and state."""

    def __init__(self, device="cpu") -> None:
        self.device = device
        self._seed = 67280421310721
        self._rng = np.random.Generator(np.random.PCG64(self._seed))

    def manual_seed(self, seed: int) -> Generator:
        seed = int(seed)
        if seed < 0:
            seed &= 0xFFFF_FFFF_FFFF_FFFF
        self._seed = seed
        self._rng = np.random.Generator(np.random.PCG64(seed))
        return self

    def seed(self) -> int:
        s = int(np.random.SeedSequence().entropy) & 0xFFFF_FFFF_FFFF_FFFF
        self.manual_seed(s)
        return s

    def initial_seed(self) -> int:
        return self._seed

    def get_state(self) -> _tensor.Tensor:
        import pickle

        raw = pickle.dumps((self._seed, self._rng.bit_generator.state))
        return _tensor.Tensor._make(np.frombuffer(raw, dtype=np.uint8).copy())

    def set_state(self, new_state: _tensor.Tensor) -> Generator:
        import pickle

        seed, st = pickle.loads(new_state._host().tobytes())  # noqa: S301 - our own state bytes
        self._seed = seed
        self._rng.bit_generator.state = st
        return self


default_generator = Generator()


def _rng(generator: Generator | None) -> np.random.Generator:
    return (generator or default_generator)._rng


def manual_seed(seed: int) -> Generator:
    """Seed the default generator (and so every random op that is not given a generator)."""
    return default_generator.manual_seed(seed)


def seed() -> int:
    return default_generator.seed()


def initial_seed() -> int:
    return default_generator.initial_seed()


def get_rng_state() -> _tensor.Tensor:
    return default_generator.get_state()


def set_rng_state(new_state: _tensor.Tensor) -> None:
    default_generator.set_state(new_state)


def _finish(arr: np.ndarray, dtype, device, requires_grad: bool) -> _tensor.Tensor:
    dt = dtype or _dt.get_default_dtype()
    arr = arr.astype(dt.np, copy=False)
    return _creation.tensor(arr, dtype=dt, device=device, requires_grad=requires_grad) if device is not None \
        else _creation._leaf(arr, requires_grad)


def rand(*size, generator: Generator | None = None, dtype=None, device=None, requires_grad: bool = False,
         out=None, layout=None, pin_memory: bool = False) -> _tensor.Tensor:
    """Uniform samples on [0, 1)."""
    dt = dtype or _dt.get_default_dtype()
    return _finish(_rng(generator).random(_size(size), dtype=np.float64 if dt is _dt.float64 else
                                          np.float32), dt, device, requires_grad)


def randn(*size, generator: Generator | None = None, dtype=None, device=None, requires_grad: bool = False,
          out=None, layout=None, pin_memory: bool = False) -> _tensor.Tensor:
    """Standard normal samples."""
    dt = dtype or _dt.get_default_dtype()
    return _finish(_rng(generator).standard_normal(_size(size), dtype=np.float64 if dt is _dt.float64 else
                                                   np.float32), dt, device, requires_grad)

"""DistributedSampler: each of num_replicas processes (ranks) takes its own share of a dataset's keys."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import TypeVar

from ... import random as _random
from .dataset import Dataset
from .sampler import Sampler

__all__ = ["DistributedSampler"]

T_co = TypeVar("T_co", covariant=True)


def _process_group() -> tuple[int, int]:
    """(world size, rank) of the default process group; ember has none, so it is never initialized."""
    raise ValueError("Default process group has not been initialized, please make sure to call "
                     "init_process_group.")


class DistributedSampler(Sampler[T_co]):
    """The keys of rank `rank` out of `num_replicas`: a (seeded, per-epoch) permutation of the dataset's
    keys, padded by repeating its start to a multiple of num_replicas (or cut to one with drop_last),
    dealt round-robin. Together the ranks visit every key, each once except the padding."""

    def __init__(self, dataset: Dataset, num_replicas: int | None = None, rank: int | None = None,
                 shuffle: bool = True, seed: int = 0, drop_last: bool = False) -> None:
        if num_replicas is None:
            num_replicas = _process_group()[0]
        if rank is None:
            rank = _process_group()[1]
        if rank >= num_replicas or rank < 0:
            raise ValueError(f"Invalid rank {rank}, rank should be in the interval [0, {num_replicas - 1}]")
        self.dataset = dataset
        self.num_replicas = num_replicas
        self.rank = rank
        self.epoch = 0
        self.drop_last = drop_last
        n = len(dataset)  # type: ignore[arg-type]
        if drop_last and n % num_replicas != 0:
            # the largest share every rank can have without padding
            self.num_samples = math.ceil((n - num_replicas) / num_replicas)
        else:
            self.num_samples = math.ceil(n / num_replicas)
        self.total_size = self.num_samples * num_replicas
        self.shuffle = shuffle
        self.seed = seed

    def __iter__(self) -> Iterator[T_co]:
        n = len(self.dataset)  # type: ignore[arg-type]
        if self.shuffle:
            # the same seed and epoch on every rank: all ranks deal from one permutation
            g = _random.Generator().manual_seed(self.seed + self.epoch)
            keys = _random.randperm(n, generator=g).tolist()
        else:
            keys = list(range(n))
        if self.drop_last:
            keys = keys[:self.total_size]
        else:
            missing = self.total_size - len(keys)
            if missing <= len(keys):
                keys += keys[:missing]
            else:
                keys += (keys * math.ceil(missing / len(keys)))[:missing]
        assert len(keys) == self.total_size
        mine = keys[self.rank:self.total_size:self.num_replicas]
        assert len(mine) == self.num_samples
        return iter(mine)

    def __len__(self) -> int:
        return self.num_samples

    def set_epoch(self, epoch: int) -> None:
        """Use the permutation of this epoch (call it on every rank before each epoch when shuffling)."""
        self.epoch = epoch

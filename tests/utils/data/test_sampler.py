"""Samplers and DistributedSampler, compared with torch.utils.data where the result does not depend on
the random stream (PyTorch's generator cannot be reproduced), and checked for coverage, determinism and
distribution otherwise."""

from __future__ import annotations

import collections

import numpy as np
import pytest

import ember
import ember.utils.data as ED

from .helpers import same


def test_sampler_base():
    same(lambda lib, data: iter(data.Sampler()))
    same(lambda lib, data: len(data.Sampler()))
    same(lambda lib, data: data.Sampler([1, 2]))

    class Evens(ED.Sampler[int]):
        def __init__(self, n):
            self.n = n

        def __iter__(self):
            return iter(range(0, self.n, 2))

    assert list(Evens(7)) == [0, 2, 4, 6]


def test_sequential_sampler():
    same(lambda lib, data: (list(data.SequentialSampler(range(5))), len(data.SequentialSampler("abc"))))
    same(lambda lib, data: list(data.SequentialSampler([])))


def test_random_sampler_errors_and_lengths():
    same(lambda lib, data: data.RandomSampler([1, 2], replacement=1))
    same(lambda lib, data: data.RandomSampler([1, 2], num_samples=0))
    same(lambda lib, data: data.RandomSampler([1, 2], num_samples=-3))
    same(lambda lib, data: data.RandomSampler([1, 2], num_samples=2.0))
    same(lambda lib, data: data.RandomSampler([]))
    same(lambda lib, data: len(data.RandomSampler([1, 2], num_samples=True)))
    for kw in ({}, {"num_samples": 7}, {"num_samples": 2}, {"replacement": True}, {"replacement": True,
                                                                                   "num_samples": 70}):
        same(lambda lib, data, kw=kw: (len(data.RandomSampler(range(3), **kw)),
                                       len(list(data.RandomSampler(range(3), **kw)))))
    s = ED.RandomSampler(range(3), num_samples=4)
    assert (s.num_samples, s._num_samples, s.replacement, s.generator) == (4, 4, False, None)


def test_random_sampler_permutations():
    for _ in range(5):
        assert sorted(ED.RandomSampler(range(10))) == list(range(10))
    # more samples than items: whole permutations, then part of one
    out = list(ED.RandomSampler(range(4), num_samples=10))
    assert sorted(out[:4]) == sorted(out[4:8]) == [0, 1, 2, 3] and len(set(out[8:])) == 2
    assert all(0 <= i < 3 for i in ED.RandomSampler(range(3), replacement=True, num_samples=100))
    counts = collections.Counter(ED.RandomSampler(range(4), replacement=True, num_samples=4000))
    assert all(900 < c < 1100 for c in counts.values())


def test_random_sampler_generator_and_manual_seed():
    g = ember.Generator().manual_seed(0)
    a = list(ED.RandomSampler(range(50), generator=g))
    b = list(ED.RandomSampler(range(50), generator=ember.Generator().manual_seed(0)))
    assert a == b
    assert list(ED.RandomSampler(range(50), generator=g)) != a  # the generator moved on
    ember.manual_seed(5)
    c = list(ED.RandomSampler(range(50)))
    ember.manual_seed(5)
    assert list(ED.RandomSampler(range(50))) == c
    s = ED.RandomSampler(range(50))
    assert list(s) != list(s)  # a fresh order every pass


def test_subset_random_sampler():
    same(lambda lib, data: (sorted(data.SubsetRandomSampler([7, 3, 9])), len(data.SubsetRandomSampler([7, 3]))))
    same(lambda lib, data: data.SubsetRandomSampler([7, 3, 9]).indices)
    g = ember.Generator().manual_seed(1)
    s = ED.SubsetRandomSampler(list(range(20)), generator=g)
    assert s.generator is g and sorted(s) == list(range(20))
    assert list(ED.SubsetRandomSampler(list(range(20)), generator=ember.Generator().manual_seed(1))) == \
        list(ED.SubsetRandomSampler(list(range(20)), generator=ember.Generator().manual_seed(1)))


def test_weighted_random_sampler():
    same(lambda lib, data: data.WeightedRandomSampler([1, 2], 0))
    same(lambda lib, data: data.WeightedRandomSampler([1, 2], True))
    same(lambda lib, data: data.WeightedRandomSampler([1, 2], 2.5))
    same(lambda lib, data: data.WeightedRandomSampler([1, 2], 2, replacement=1))
    same(lambda lib, data: data.WeightedRandomSampler([[1, 2]], 2))
    same(lambda lib, data: list(data.WeightedRandomSampler([1, 2], 5, replacement=False)))
    same(lambda lib, data: (data.WeightedRandomSampler((1, 3), 4).weights, len(data.WeightedRandomSampler([1], 4))))
    same(lambda lib, data: sorted(data.WeightedRandomSampler([0.1, 0.0, 0.2, 0.7], 3, replacement=False)))
    same(lambda lib, data: list(data.WeightedRandomSampler([0, 0, 5], 6)))
    counts = collections.Counter(ED.WeightedRandomSampler([1, 3], 8000))
    assert 0.22 < counts[0] / 8000 < 0.28
    g = ember.Generator().manual_seed(2)
    assert list(ED.WeightedRandomSampler([1, 2, 3], 20, generator=g)) == \
        list(ED.WeightedRandomSampler([1, 2, 3], 20, generator=ember.Generator().manual_seed(2)))


@pytest.mark.parametrize("n,size,drop", [(10, 3, False), (10, 3, True), (9, 3, True), (2, 5, False), (2, 5, True),
                                         (0, 2, False), (7, 1, False)])
def test_batch_sampler(n, size, drop):
    same(lambda lib, data: (list(data.BatchSampler(range(n), size, drop)), len(data.BatchSampler(range(n), size,
                                                                                                   drop))))
    same(lambda lib, data: list(data.BatchSampler(data.SequentialSampler(range(n)), size, drop)))


def test_batch_sampler_errors():
    same(lambda lib, data: data.BatchSampler([1, 2], 0, False))
    same(lambda lib, data: data.BatchSampler([1, 2], True, False))
    same(lambda lib, data: data.BatchSampler([1, 2], 2.0, False))
    same(lambda lib, data: data.BatchSampler([1, 2], 2, 1))
    same(lambda lib, data: len(data.BatchSampler(iter([1, 2]), 2, False)))
    s = ED.BatchSampler(ED.SequentialSampler(range(4)), 3, False)
    assert (s.batch_size, s.drop_last) == (3, False) and isinstance(s.sampler, ED.SequentialSampler)


# -- DistributedSampler --------------------------------------------------------------------------------------

def dist_parts(data, n, replicas, **kw):
    parts = [list(data.DistributedSampler(range(n), num_replicas=replicas, rank=r, **kw)) for r in range(replicas)]
    lens = [len(data.DistributedSampler(range(n), num_replicas=replicas, rank=r, **kw)) for r in range(replicas)]
    return parts, lens


@pytest.mark.parametrize("n,replicas", [(10, 3), (10, 2), (11, 4), (2, 5), (1, 3), (0, 2), (12, 4), (7, 1)])
@pytest.mark.parametrize("drop_last", [False, True])
def test_distributed_sampler_partitions_match_pytorch(n, replicas, drop_last):
    same(lambda lib, data: dist_parts(data, n, replicas, shuffle=False, drop_last=drop_last))
    same(lambda lib, data: [len(p) for p in dist_parts(data, n, replicas, drop_last=drop_last)[0]])


@pytest.mark.parametrize("n,replicas", [(10, 3), (11, 4), (2, 5), (64, 8)])
def test_distributed_sampler_shuffled_cover_every_index(n, replicas):
    parts, _ = dist_parts(ED, n, replicas, shuffle=True, seed=7)
    flat = [i for p in parts for i in p]
    assert len(set(map(len, parts))) == 1 and set(flat) == set(range(n))
    counts = collections.Counter(flat)
    padding = len(flat) - n
    assert sum(c - 1 for c in counts.values()) == padding
    again, _ = dist_parts(ED, n, replicas, shuffle=True, seed=7)
    assert again == parts  # every rank draws the same permutation from seed + epoch
    if n > 2:
        other, _ = dist_parts(ED, n, replicas, shuffle=True, seed=8)
        assert other != parts


def test_distributed_sampler_padding_repeats_the_start():
    # the padding repeats the (shuffled) order's first items, as PyTorch pads
    s = [ED.DistributedSampler(range(5), num_replicas=4, rank=r, seed=3) for r in range(4)]
    order = [None] * 8
    for r, sampler in enumerate(s):
        order[r::4] = list(sampler)
    assert order[5:] == order[:3] and sorted(order[:5]) == list(range(5))


def test_distributed_sampler_set_epoch():
    s = ED.DistributedSampler(range(40), num_replicas=2, rank=0)
    first = list(s)
    assert list(s) == first
    s.set_epoch(1)
    assert s.epoch == 1 and list(s) != first
    s.set_epoch(0)
    assert list(s) == first
    t = ED.DistributedSampler(range(40), num_replicas=2, rank=1)
    t.set_epoch(1)
    s.set_epoch(1)
    assert sorted(list(s) + list(t)) == list(range(40))


def test_distributed_sampler_errors_and_attributes():
    same(lambda lib, data: data.DistributedSampler(range(10)))
    same(lambda lib, data: data.DistributedSampler(range(10), num_replicas=2))
    same(lambda lib, data: data.DistributedSampler(range(10), rank=0))
    same(lambda lib, data: data.DistributedSampler(range(10), num_replicas=2, rank=2))
    same(lambda lib, data: data.DistributedSampler(range(10), num_replicas=2, rank=-1))

    def attrs(lib, data):
        s = data.DistributedSampler(range(10), num_replicas=3, rank=1, drop_last=True, seed=4)
        return s.num_replicas, s.rank, s.epoch, s.drop_last, s.num_samples, s.total_size, s.shuffle, s.seed

    same(attrs)


def test_distributed_sampler_in_a_loader():
    ds = ED.TensorDataset(ember.arange(10))
    got = []
    for r in range(3):
        sampler = ED.DistributedSampler(ds, num_replicas=3, rank=r, shuffle=False)
        got.append([b[0].tolist() for b in ED.DataLoader(ds, batch_size=2, sampler=sampler)])
    assert got == [[[0, 3], [6, 9]], [[1, 4], [7, 0]], [[2, 5], [8, 1]]]


def test_module_paths():
    import ember.utils.data.distributed as dist
    import ember.utils.data.sampler as smp

    for name in ("Sampler", "SequentialSampler", "RandomSampler", "SubsetRandomSampler", "WeightedRandomSampler",
                 "BatchSampler"):
        assert getattr(smp, name) is getattr(ED, name)
    assert dist.DistributedSampler is ED.DistributedSampler
    assert issubclass(ED.DistributedSampler, ED.Sampler)
    assert np.array_equal(ED.WeightedRandomSampler([1, 2], 1).weights.numpy(), [1.0, 2.0])

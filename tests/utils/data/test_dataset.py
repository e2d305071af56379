"""Datasets and random_split, compared with torch.utils.data."""

from __future__ import annotations

import numpy as np
import pytest

import ember
import ember.utils.data as ED

from .helpers import same


class Squares:
    """Map-style dataset code written once, run against either library's Dataset."""

    @staticmethod
    def make(data):
        class Sq(data.Dataset):
            def __init__(self, n):
                self.n = n

            def __len__(self):
                return self.n

            def __getitem__(self, i):
                if not 0 <= i < self.n:
                    raise IndexError(i)
                return i * i

        return Sq


def make_stream(data, n=5):
    class Stream(data.IterableDataset):
        def __iter__(self):
            return iter(range(n))

    return Stream()


def test_dataset_base_errors_and_add():
    same(lambda lib, data: data.Dataset()[0])
    same(lambda lib, data: data.IterableDataset())
    same(lambda lib, data: make_stream(data)[0])
    same(lambda lib, data: type(data.Dataset() + data.Dataset()).__name__)
    same(lambda lib, data: type(make_stream(data) + make_stream(data)).__name__)
    same(lambda lib, data: list(make_stream(data, 2) + make_stream(data, 3)))
    same(lambda lib, data: len(data.Dataset() + data.Dataset()))  # no __len__ to sum


def test_dataset_subclass_generic():
    assert ED.Dataset[int] is not None and issubclass(ED.TensorDataset, ED.Dataset)
    Sq = Squares.make(ED)
    ds = Sq(4)
    assert [ds[i] for i in range(len(ds))] == [0, 1, 4, 9]
    cat = ds + Sq(2)
    assert isinstance(cat, ED.ConcatDataset) and list(cat.cumulative_sizes) == [4, 6] and cat[5] == 1


def test_tensor_dataset():
    def run(lib, data):
        ds = data.TensorDataset(lib.arange(12.).reshape(6, 2), lib.arange(6))
        return len(ds), ds[2], ds[-1], ds[1:3], len(ds.tensors)

    same(run)
    same(lambda lib, data: data.TensorDataset(lib.zeros(3), lib.zeros(4)))
    same(lambda lib, data: data.TensorDataset(lib.zeros(3, 2), lib.zeros(3))[3])
    same(lambda lib, data: len(data.TensorDataset()))


def test_tensor_dataset_batch_gather_matches_per_sample():
    x = ember.randn(10, 3, 2)
    y = ember.arange(10)
    ds = ED.TensorDataset(x, y)
    idx = [3, 1, -1, 3]
    fast = ds._ember_batch(idx)
    slow = ED.default_collate([ds[i] for i in idx])
    assert isinstance(fast, list) and len(fast) == 2
    for f, s in zip(fast, slow):
        assert f.dtype == s.dtype and f.shape == s.shape and np.array_equal(f.numpy(), s.numpy())
    assert ds._ember_batch([10]) is None and ds._ember_batch([]) is None and ds._ember_batch([0.5]) is None

    class Own(ED.TensorDataset):  # a subclass's own __getitem__ is honoured: no gather
        def __getitem__(self, i):
            return (self.tensors[0][i] * 0,)

    assert Own(x)._ember_batch([0]) is None
    w = ember.randn(4, 2, requires_grad=True)
    batch = ED.TensorDataset(w)._ember_batch([2, 0])[0]
    batch.sum().backward()
    assert batch.requires_grad and np.array_equal(w.grad.numpy(), [[1, 1], [0, 0], [1, 1], [0, 0]])


def test_stack_dataset():
    def tuples(lib, data):
        ds = data.StackDataset(lib.arange(3), [10, 20, 30])
        return len(ds), ds[1], ds.__getitems__([2, 0])

    def dicts(lib, data):
        ds = data.StackDataset(x=lib.arange(3), y=data.TensorDataset(lib.arange(3.)))
        return len(ds), ds[1], ds.__getitems__([2, 0])

    def nested_getitems(lib, data):
        sub = data.Subset(data.StackDataset([1, 2, 3]), [2, 1])
        return data.StackDataset(a=sub, b=["x", "y"]).__getitems__([1, 0])

    same(tuples)
    same(dicts)
    same(nested_getitems)
    same(lambda lib, data: data.StackDataset())
    same(lambda lib, data: data.StackDataset([1, 2], [1]))
    same(lambda lib, data: data.StackDataset(a=[1, 2], b=[1]))
    same(lambda lib, data: data.StackDataset([1, 2], a=[1, 2]))

    class Short:
        def __len__(self):
            return 2

        def __getitems__(self, indices):
            return [0]

    same(lambda lib, data: data.StackDataset(Short(), [1, 2]).__getitems__([0, 1]))


def test_concat_dataset():
    def run(lib, data):
        ds = data.ConcatDataset([[1, 2, 3], [4, 5], [], [6]])
        return len(ds), ds.cumulative_sizes, [ds[i] for i in range(6)], ds[-1], ds[-6], ds[3]

    same(run)
    same(lambda lib, data: data.ConcatDataset([[1, 2, 3], [4, 5]])[5])
    same(lambda lib, data: data.ConcatDataset([[1, 2, 3], [4, 5]])[-6])
    same(lambda lib, data: data.ConcatDataset([]))
    same(lambda lib, data: data.ConcatDataset([make_stream(data)]))
    same(lambda lib, data: data.ConcatDataset([[1]]).cummulative_sizes)
    same(lambda lib, data: data.ConcatDataset.cumsum([[1, 2], [3]]))
    same(lambda lib, data: data.ConcatDataset(iter([[1], [2, 3]]))[2])


def test_chain_dataset():
    class Sized:
        @staticmethod
        def make(data, n):
            class S(data.IterableDataset):
                def __iter__(self):
                    return iter(range(n))

                def __len__(self):
                    return n

            return S()

    same(lambda lib, data: list(data.ChainDataset([make_stream(data, 2), make_stream(data, 3)])))
    same(lambda lib, data: len(data.ChainDataset([Sized.make(data, 2), Sized.make(data, 4)])))
    same(lambda lib, data: len(data.ChainDataset([make_stream(data)])))
    same(lambda lib, data: list(data.ChainDataset([[1, 2]])))
    same(lambda lib, data: len(data.ChainDataset([[1, 2]])))


def test_subset():
    def run(lib, data):
        base = data.TensorDataset(lib.arange(10) * 10)
        sub = data.Subset(base, [7, 2, 5])
        return len(sub), sub[0], sub[-1], sub.__getitems__([2, 0]), sub.indices

    same(run)
    same(lambda lib, data: data.Subset(lib.arange(10) * 2, [4, 1, 3])[[0, 2]])
    same(lambda lib, data: data.Subset(data.StackDataset([5, 6, 7]), [2, 0]).__getitems__([0, 1]))
    same(lambda lib, data: data.Subset([1, 2], [0])[1])
    sub = ED.Subset(ED.TensorDataset(ember.arange(10) * 10), [7, 2, 5])
    assert [t.tolist() for t in sub._ember_batch([2, 0])] == [[50, 70]]
    assert sub._ember_batch([3]) is None
    assert ED.Subset(list(range(5)), [1])._ember_batch([0]) is None


def test_random_split_lengths_and_fractions():
    def sizes(lib, data, n, lengths):
        return [len(s) for s in data.random_split(range(n), lengths)]

    for n, lengths in ((10, [3, 7]), (10, [0.3, 0.7]), (11, [0.1, 0.2, 0.3, 0.4]), (10, [0.31, 0.31, 0.38, 0.0]),
                       (7, [1 / 3, 1 / 3, 1 / 3]), (5, [0, 5]), (10, [3, 3]), (10, [0.5, 0.6]), (10, [1.5, -0.5]),
                       (3, [1.0])):
        same(sizes, n, lengths)


def test_random_split_partitions_and_generator():
    splits = ED.random_split(range(20), [5, 5, 10], generator=ember.Generator().manual_seed(3))
    assert all(isinstance(s, ED.Subset) for s in splits)
    seen = sorted(i for s in splits for i in (s[j] for j in range(len(s))))
    assert seen == list(range(20))
    again = ED.random_split(range(20), [5, 5, 10], generator=ember.Generator().manual_seed(3))
    assert [s.indices for s in splits] == [s.indices for s in again]
    other = ED.random_split(range(20), [5, 5, 10], generator=ember.Generator().manual_seed(4))
    assert [s.indices for s in splits] != [s.indices for s in other]
    ember.manual_seed(11)
    a = ED.random_split(range(20), [0.5, 0.5])
    ember.manual_seed(11)
    b = ED.random_split(range(20), [0.5, 0.5])
    assert [s.indices for s in a] == [s.indices for s in b]


@pytest.mark.parametrize("cls", ["Dataset", "IterableDataset", "TensorDataset", "StackDataset", "ConcatDataset",
                                 "ChainDataset", "Subset"])
def test_module_paths(cls):
    import ember.utils.data.dataset as mod

    assert getattr(ED, cls) is getattr(mod, cls)
    assert issubclass(getattr(ED, cls), ED.Dataset)

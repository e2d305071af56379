"""The lecture's "Data Utils" snippets (shared/spec/lecture.txt) run with `import ember as torch`:
Dataset, TensorDataset, ConcatDataset, DataLoader, and every sampler it names."""

from __future__ import annotations

import collections

import pytest

import ember as torch
import ember.utils.data  # noqa: F401  (binds torch.utils.data until ember's __init__ imports utils)
from ember.utils.data import ConcatDataset, DataLoader, Dataset, TensorDataset, sampler


class Squares(Dataset):
    """`Dataset  # abstract class representing dataset`: subclass it with __len__ and __getitem__."""

    def __init__(self, n):
        self.x = torch.arange(n, dtype=torch.float32)

    def __len__(self):
        return len(self.x)

    def __getitem__(self, i):
        return self.x[i], self.x[i] ** 2


def test_dataset_is_abstract():
    with pytest.raises(NotImplementedError):
        Dataset()[0]
    ds = Squares(5)
    x, y = ds[3]
    assert len(ds) == 5 and x.item() == 3.0 and y.item() == 9.0


def test_tensor_dataset_is_a_labelled_dataset_of_tensors():
    features, labels = torch.randn(6, 3), torch.tensor([0, 1, 0, 1, 1, 0])
    ds = TensorDataset(features, labels)  # labelled dataset in the form of tensors
    x, y = ds[4]
    assert len(ds) == 6 and x.shape == (3,) and y.item() == 1
    assert torch.equal(x, features[4])


def test_concat_dataset_concatenates_datasets():
    a, b = TensorDataset(torch.zeros(3, 2)), TensorDataset(torch.ones(4, 2))
    both = ConcatDataset([a, b])  # concatenation of Datasets
    assert len(both) == 7 and both[2][0].sum().item() == 0 and both[3][0].sum().item() == 2
    assert len(a + b) == 7 and both.cumulative_sizes == [3, 7]


def test_dataloader_batches_any_sample_structure():
    # loads data batches agnostic of structure of individual data points
    assert len(list(DataLoader(Squares(5)))) == 5  # batch_size=1 by default
    xs, ys = next(iter(DataLoader(Squares(10), batch_size=4)))
    assert xs.tolist() == [0, 1, 2, 3] and ys.tolist() == [0, 1, 4, 9]
    dicts = [{"x": torch.ones(2), "label": i} for i in range(5)]
    batch = next(iter(DataLoader(dicts, batch_size=5)))
    assert batch["x"].shape == (5, 2) and batch["label"].tolist() == [0, 1, 2, 3, 4]


def test_a_training_epoch_loop():
    torch.manual_seed(0)
    ds = TensorDataset(torch.randn(50, 3), torch.randint(0, 2, (50,)))
    loader = DataLoader(ds, batch_size=8, shuffle=True)
    for _epoch in range(2):
        seen = 0
        for x, y in loader:
            assert x.shape[1:] == (3,) and x.shape[0] == y.shape[0] <= 8
            seen += len(y)
        assert seen == 50


def test_sampler_is_abstract():
    # sampler.Sampler: abstract class dealing with ways to sample from dataset
    class EveryOther(sampler.Sampler):
        def __init__(self, dataset):
            self.n = len(dataset)

        def __iter__(self):
            return iter(range(0, self.n, 2))

        def __len__(self):
            return (self.n + 1) // 2

    ds = Squares(7)
    with pytest.raises(NotImplementedError):
        iter(sampler.Sampler())
    got = [x.item() for x, _ in DataLoader(ds, sampler=EveryOther(ds), batch_size=None)]
    assert got == [0, 2, 4, 6]


def test_every_named_sampler():
    ds = Squares(10)
    assert list(sampler.SequentialSampler(ds)) == list(range(10))
    assert sorted(sampler.RandomSampler(ds)) == list(range(10))
    assert sorted(sampler.SubsetRandomSampler([1, 5, 7])) == [1, 5, 7]
    drawn = collections.Counter(sampler.WeightedRandomSampler([0.0, 1.0, 3.0], 400))
    assert drawn[0] == 0 and drawn[2] > drawn[1]
    distributed = torch.utils.data.distributed.DistributedSampler
    shards = [list(distributed(ds, num_replicas=2, rank=r, shuffle=False)) for r in range(2)]
    assert shards == [[0, 2, 4, 6, 8], [1, 3, 5, 7, 9]]
    batches = list(sampler.BatchSampler(sampler.SequentialSampler(ds), batch_size=4, drop_last=False))
    assert batches == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    for s in (sampler.RandomSampler(ds), sampler.SubsetRandomSampler(range(10)),
              sampler.WeightedRandomSampler([1.0] * 10, 10), distributed(ds, num_replicas=1, rank=0)):
        xs = [x.item() for x, _ in DataLoader(ds, sampler=s, batch_size=None)]
        assert len(xs) == 10 and set(xs) <= set(range(10))

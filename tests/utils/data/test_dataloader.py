"""DataLoader behaviour compared with torch.utils.data: batch order for fixed samplers, collation,
automatic batching on and off, iterable datasets (also sharded across workers), lengths, argument
errors and warnings; and the worker machinery: order, prefetching, persistence, seeding, worker info."""

from __future__ import annotations

import multiprocessing
import os
import random
import re
import warnings
from unittest import mock

import numpy as np
import pytest

import ember
import ember.utils.data as ED

from .helpers import TD, child_pids, deadline, outcome, plain, same

# three workers on a two-CPU machine is the point of some tests
pytestmark = pytest.mark.filterwarnings("ignore:This DataLoader will create")


def squares(data, n=10):
    class Squares(data.Dataset):
        def __len__(self):
            return n

        def __getitem__(self, i):
            return {"i": i, "sq": float(i * i), "name": f"s{i}"}

    return Squares()


def stream(data, n=7):
    """An iterable dataset that splits its range across workers through get_worker_info()."""
    class Stream(data.IterableDataset):
        def __iter__(self):
            info = data.get_worker_info()
            if info is None:
                return iter(range(n))
            return iter(range(info.id, n, info.num_workers))

    return Stream()


def sized_stream(data, n, length):
    class Sized(data.IterableDataset):
        def __iter__(self):
            return iter(range(n))

        def __len__(self):
            return length

    return Sized()


def tensors(lib, data, n=10):
    return data.TensorDataset(lib.arange(n * 2, dtype=lib.float32).reshape(n, 2), lib.arange(n))


# -- single process, compared with PyTorch ---------------------------------------------------------------

LOADERS = {
    "default": lambda lib, data: data.DataLoader(tensors(lib, data)),
    "batched": lambda lib, data: data.DataLoader(tensors(lib, data), batch_size=3),
    "drop_last": lambda lib, data: data.DataLoader(tensors(lib, data), batch_size=3, drop_last=True),
    "unbatched": lambda lib, data: data.DataLoader(tensors(lib, data), batch_size=None),
    "dict_samples": lambda lib, data: data.DataLoader(squares(data), batch_size=4),
    "unbatched_dicts": lambda lib, data: data.DataLoader(squares(data), batch_size=None),
    "sampler": lambda lib, data: data.DataLoader(tensors(lib, data), batch_size=4, sampler=[9, 0, 3, 3, 7, 1]),
    "batch_sampler": lambda lib, data: data.DataLoader(tensors(lib, data), batch_sampler=[[1, 2], [9], [0, 5, 5]]),
    "subset_seq": lambda lib, data: data.DataLoader(data.Subset(tensors(lib, data), [8, 1, 5]), batch_size=2),
    "concat": lambda lib, data: data.DataLoader(tensors(lib, data, 3) + tensors(lib, data, 4), batch_size=3),
    "collate_fn": lambda lib, data: data.DataLoader(squares(data), batch_size=3, collate_fn=lambda b: len(b)),
    "list_dataset": lambda lib, data: data.DataLoader([(1, 2.0), (3, 4.0), (5, 6.0)], batch_size=2),
    "numpy_dataset": lambda lib, data: data.DataLoader(np.arange(6, dtype=np.int32).reshape(3, 2), batch_size=2),
    "unbatched_numpy": lambda lib, data: data.DataLoader(np.arange(4.0), batch_size=None),
    "stack_dataset": lambda lib, data: data.DataLoader(data.StackDataset(a=lib.arange(5), b=list("abcde")),
                                                       batch_size=2),
    "iterable": lambda lib, data: data.DataLoader(stream(data), batch_size=3),
    "iterable_drop_last": lambda lib, data: data.DataLoader(stream(data), batch_size=3, drop_last=True),
    "iterable_unbatched": lambda lib, data: data.DataLoader(stream(data), batch_size=None),
    "chain": lambda lib, data: data.DataLoader(stream(data, 2) + stream(data, 3), batch_size=2),
    "distributed": lambda lib, data: data.DataLoader(
        tensors(lib, data), batch_size=2, sampler=data.DistributedSampler(range(10), 3, 2, shuffle=False)),
}


@pytest.mark.parametrize("name", list(LOADERS))
def test_batches_match_pytorch(name):
    same(lambda lib, data: list(LOADERS[name](lib, data)))
    same(lambda lib, data: len(LOADERS[name](lib, data)))


def test_batches_are_ember_tensors():
    x, y = next(iter(ED.DataLoader(tensors(ember, ED), batch_size=4)))
    assert type(x) is ember.Tensor and x.dtype == ember.float32 and x.shape == (4, 2)
    assert type(y) is ember.Tensor and y.dtype == ember.int64


def test_fast_path_gathers_whole_batches():
    ds = tensors(ember, ED, 20)
    with mock.patch.object(ED.TensorDataset, "__getitem__", side_effect=AssertionError("per-sample")):
        got = [plain(b) for b in ED.DataLoader(ds, batch_size=6)]
    slow = [plain(b) for b in ED.DataLoader(ds, batch_size=6, collate_fn=lambda b: ED.default_collate(b))]
    assert got == slow
    # subsets of a TensorDataset (what random_split gives) gather in one go too
    train, _ = ED.random_split(ds, [15, 5])
    with mock.patch.object(ED.TensorDataset, "__getitem__", side_effect=AssertionError("per-sample")):
        assert sum(len(b[0]) for b in ED.DataLoader(train, batch_size=4, shuffle=True)) == 15


def test_getitems_protocol_matches_pytorch():
    def run(lib, data):
        calls = []

        class Batched(data.Dataset):
            def __len__(self):
                return 5

            def __getitem__(self, i):
                raise AssertionError("not used")

            def __getitems__(self, indices):
                calls.append(list(indices))
                return [i * 10 for i in indices]

        out = list(data.DataLoader(Batched(), batch_size=2))
        return out, calls

    same(run)


def test_many_epochs_and_shuffle_cover_everything():
    loader = ED.DataLoader(tensors(ember, ED, 25), batch_size=4, shuffle=True)
    orders = []
    for _ in range(4):
        seen = [int(i) for _, y in loader for i in y.tolist()]
        assert sorted(seen) == list(range(25))
        orders.append(seen)
    assert len({tuple(o) for o in orders}) > 1


def test_shuffle_reproducible_with_seed_or_generator():
    ds = tensors(ember, ED, 30)

    def epoch(**kw):
        return [b[1].tolist() for b in ED.DataLoader(ds, batch_size=7, shuffle=True, **kw)]

    ember.manual_seed(123)
    a = epoch()
    ember.manual_seed(123)
    assert epoch() == a
    g1, g2 = ember.Generator().manual_seed(9), ember.Generator().manual_seed(9)
    assert epoch(generator=g1) == epoch(generator=g2)


LENGTH_CASES = {
    "map": lambda lib, data: data.DataLoader(tensors(lib, data, 10), batch_size=3),
    "map_drop": lambda lib, data: data.DataLoader(tensors(lib, data, 10), batch_size=3, drop_last=True),
    "map_unbatched": lambda lib, data: data.DataLoader(tensors(lib, data, 10), batch_size=None),
    "sized_iterable": lambda lib, data: data.DataLoader(sized_stream(data, 5, 7), batch_size=3),
    "sized_iterable_drop": lambda lib, data: data.DataLoader(sized_stream(data, 5, 7), batch_size=3, drop_last=True),
    "unsized_iterable": lambda lib, data: data.DataLoader(stream(data)),
}


@pytest.mark.parametrize("name", list(LENGTH_CASES))
def test_len(name):
    same(lambda lib, data: len(LENGTH_CASES[name](lib, data)))


def test_len_of_iterator():
    same(lambda lib, data: len(iter(data.DataLoader(tensors(lib, data, 10), batch_size=4))))


@pytest.mark.parametrize("workers", [0, 1])
def test_iterable_len_exceeded_warning(workers):
    def run(lib, data):
        loader = data.DataLoader(sized_stream(data, 5, 3), batch_size=None, num_workers=workers)
        n = len(loader)
        return n, list(loader)

    with deadline(30):
        e = outcome(run, ember, ED)
        t = outcome(run, None, TD)
    assert e[0] == t[0]
    strip = [(c, re.sub(" object at 0x[0-9a-f]+", "", m)) for c, m in e[1]]
    strip_t = [(c, re.sub(" object at 0x[0-9a-f]+", "", m)) for c, m in t[1]]
    assert strip == strip_t and len(strip) == 2


ARG_ERRORS = {
    "num_workers": dict(num_workers=-1),
    "timeout": dict(timeout=-1),
    "prefetch_without_workers": dict(prefetch_factor=2),
    "prefetch_negative": dict(num_workers=1, prefetch_factor=-1),
    "persistent_without_workers": dict(persistent_workers=True),
    "sampler_and_shuffle": dict(sampler=[1], shuffle=True),
    "batch_sampler_and_batch_size": dict(batch_sampler=[[1]], batch_size=2),
    "batch_sampler_and_shuffle": dict(batch_sampler=[[1]], shuffle=True),
    "batch_sampler_and_sampler": dict(batch_sampler=[[1]], sampler=[1]),
    "batch_sampler_and_drop_last": dict(batch_sampler=[[1]], drop_last=True),
    "unbatched_drop_last": dict(batch_size=None, drop_last=True),
    "context_without_workers": dict(multiprocessing_context="fork"),
    "bad_context_name": dict(num_workers=1, multiprocessing_context="bogus"),
    "bad_context_type": dict(num_workers=1, multiprocessing_context=3),
    "batch_size_zero": dict(batch_size=0),
    "batch_size_float": dict(batch_size=2.0),
}


@pytest.mark.parametrize("name", list(ARG_ERRORS))
def test_argument_errors(name):
    e = same(lambda lib, data: data.DataLoader(list(range(10)), **ARG_ERRORS[name]) and None)
    assert e[0][0] == "raise"


@pytest.mark.parametrize("kw", [dict(shuffle=True), dict(sampler=[1]), dict(batch_sampler=[[1]]), dict(shuffle=False),
                                dict(batch_size=None)])
def test_iterable_dataset_argument_errors(kw):
    same(lambda lib, data: list(data.DataLoader(stream(data, 3), **kw)))


def test_attributes_frozen_after_init():
    for attr in ("batch_size", "batch_sampler", "sampler", "drop_last", "dataset", "persistent_workers",
                 "collate_fn", "num_workers", "timeout"):
        same(lambda lib, data, attr=attr: setattr(data.DataLoader(list(range(4))), attr, 1))


def test_attributes_match_pytorch():
    def attrs(lib, data, **kw):
        loader = data.DataLoader(list(range(10)), **kw)
        return (loader.batch_size, loader.drop_last, loader.num_workers, loader.prefetch_factor, loader.timeout,
                loader.pin_memory, loader.pin_memory_device, loader.in_order, loader.persistent_workers,
                loader.generator, loader.worker_init_fn, type(loader.sampler).__name__,
                type(loader.batch_sampler).__name__, loader.collate_fn.__name__, loader._auto_collation,
                loader.multiprocessing_context)

    for kw in ({}, {"batch_size": None}, {"num_workers": 2, "batch_size": 4, "shuffle": True},
               {"num_workers": 1, "prefetch_factor": 5, "persistent_workers": True, "timeout": 3},
               {"batch_sampler": [[0]]}):
        same(attrs, **kw)
    loader = ED.DataLoader(list(range(4)), num_workers=1, multiprocessing_context="spawn")
    assert loader.multiprocessing_context.get_start_method() == "spawn"


def test_pin_memory_warning_and_too_many_workers_warning():
    def pinned(lib, data):
        return list(data.DataLoader(list(range(3)), pin_memory=True))

    if not ember.cuda.is_available():
        same(pinned)
    with mock.patch("os.sched_getaffinity", return_value={0, 1}):
        same(lambda lib, data: data.DataLoader(list(range(3)), num_workers=40) and None)


def test_lengths_and_unbatched_iterable_in_single_process():
    loader = ED.DataLoader(ED.TensorDataset(ember.arange(5)), batch_size=None)
    assert [t[0].item() for t in loader] == [0, 1, 2, 3, 4] and len(loader) == 5


def test_exception_in_dataset_propagates_unwrapped_in_main_process():
    class Bad(ED.Dataset):
        def __len__(self):
            return 4

        def __getitem__(self, i):
            if i == 2:
                raise ValueError("bad item 2")
            return i

    it = iter(ED.DataLoader(Bad(), batch_size=1))
    assert next(it).tolist() == [0] and next(it).tolist() == [1]
    with pytest.raises(ValueError, match="^bad item 2$"):
        next(it)
    assert next(it).tolist() == [3]


def test_iterators_cannot_be_pickled():
    import pickle

    same(lambda lib, data: pickle.dumps(iter(data.DataLoader(list(range(3))))))


def test_get_worker_info_none_in_main_process():
    assert ED.get_worker_info() is None
    from ember.utils.data import _utils

    assert _utils.worker.get_worker_info is ED.get_worker_info


# -- worker processes ----------------------------------------------------------------------------------------

@pytest.fixture
def no_leftover_children():
    before = child_pids()
    yield
    for p in multiprocessing.active_children():  # reaps finished ones too
        p.join(2)
    assert child_pids() - before == set()


@pytest.mark.usefixtures("no_leftover_children")
@pytest.mark.parametrize("workers,prefetch", [(1, None), (2, None), (3, 1), (2, 4)])
def test_workers_give_the_single_process_batches_in_order(workers, prefetch):
    ds = tensors(ember, ED, 23)
    sampler = [int(i) for i in np.random.default_rng(0).permutation(23)]
    single = [plain(b) for b in ED.DataLoader(ds, batch_size=4, sampler=sampler)]
    with deadline(30):
        multi = [plain(b) for b in ED.DataLoader(ds, batch_size=4, sampler=sampler, num_workers=workers,
                                                  prefetch_factor=prefetch)]
    assert multi == single


@pytest.mark.usefixtures("no_leftover_children")
def test_workers_collate_dicts_strings_and_numbers_as_pytorch():
    with deadline(30):
        same(lambda lib, data: list(data.DataLoader(squares(data, 7), batch_size=3, num_workers=2)))


@pytest.mark.usefixtures("no_leftover_children")
def test_iterable_dataset_sharding_matches_pytorch():
    with deadline(30):
        for kw in (dict(batch_size=2), dict(batch_size=None), dict(batch_size=2, drop_last=True),
                   dict(batch_size=3, prefetch_factor=1)):
            same(lambda lib, data, kw=kw: list(data.DataLoader(stream(data, 11), num_workers=3, **kw)))


@pytest.mark.usefixtures("no_leftover_children")
def test_iterable_dataset_without_sharding_duplicates_as_pytorch():
    with deadline(30):
        same(lambda lib, data: sorted(x.item() for x in data.DataLoader(sized_stream(data, 3, 3), num_workers=2)))


@pytest.mark.usefixtures("no_leftover_children")
def test_worker_assignment_is_round_robin_as_pytorch():
    def run(lib, data):
        class WhoAmI(data.Dataset):
            def __len__(self):
                return 8

            def __getitem__(self, i):
                return data.get_worker_info().id

        return list(data.DataLoader(WhoAmI(), batch_size=2, num_workers=3))

    with deadline(30):
        same(run)


@pytest.mark.usefixtures("no_leftover_children")
def test_workers_run_on_one_thread_as_pytorch():
    def run(lib, data):
        class Threads(data.Dataset):
            def __len__(self):
                return 4

            def __getitem__(self, i):
                return lib.get_num_threads()

        return [int(n) for n in data.DataLoader(Threads(), batch_size=None, num_workers=2)]

    with deadline(30):
        same(run)


def record_worker(worker_id):
    info = ED.get_worker_info()
    assert info.id == worker_id
    # what the worker's generators give right after seeding, and its info
    record_worker.seen = (info.id, info.num_workers, info.seed, random.random(), np.random.rand(),
                          ember.rand(1).item(), ember.initial_seed())


class Probe(ED.Dataset):
    """Reports, per sample, what the worker's generators and info look like."""

    def __len__(self):
        return 6

    def __getitem__(self, i):
        info = ED.get_worker_info()
        frozen = False
        try:
            info.id = 5
        except AttributeError:
            frozen = True
        return {"worker": info.id, "num_workers": info.num_workers, "seed": info.seed,
                "dataset_is_copy": type(info.dataset).__name__, "frozen": frozen,
                "initial": getattr(record_worker, "seen", None) is not None and list(record_worker.seen)}


@pytest.mark.usefixtures("no_leftover_children")
def test_worker_info_and_seeding():
    with deadline(30):
        ember.manual_seed(0)
        batches = list(ED.DataLoader(Probe(), batch_size=None, num_workers=3, worker_init_fn=record_worker))
        ember.manual_seed(0)
        again = list(ED.DataLoader(Probe(), batch_size=None, num_workers=3, worker_init_fn=record_worker))
    assert [b["worker"] for b in batches] == [0, 1, 2, 0, 1, 2]
    assert all(b["num_workers"] == 3 and b["frozen"] and b["dataset_is_copy"] == "Probe" for b in batches)
    seeds = [b["seed"] for b in batches[:3]]
    assert seeds[1] == seeds[0] + 1 and seeds[2] == seeds[0] + 2  # base seed + worker id
    inits = [b["initial"] for b in batches[:3]]
    for wid, seen in enumerate(inits):
        assert seen[0] == wid and seen[2] == seeds[wid] and seen[6] == seeds[wid]
    # Python's, NumPy's and ember's generators differ between workers
    for k in (3, 4, 5):
        assert len({seen[k] for seen in inits}) == 3
    # and the whole run reproduces from the seed
    assert [b["seed"] for b in again] == [b["seed"] for b in batches]
    assert [b["initial"] for b in again] == [b["initial"] for b in batches]
    # the base seed comes from the loader's generator when it has one
    g = ember.Generator().manual_seed(4)
    s1 = next(iter(ED.DataLoader(Probe(), batch_size=None, num_workers=1, generator=g)))["seed"]
    g.manual_seed(4)
    s2 = next(iter(ED.DataLoader(Probe(), batch_size=None, num_workers=1, generator=g)))["seed"]
    assert s1 == s2


@pytest.mark.usefixtures("no_leftover_children")
def test_shuffled_workers_reproduce_with_manual_seed():
    ds = tensors(ember, ED, 40)
    with deadline(30):
        ember.manual_seed(3)
        a = [b[1].tolist() for b in ED.DataLoader(ds, batch_size=8, shuffle=True, num_workers=2)]
        ember.manual_seed(3)
        b = [b[1].tolist() for b in ED.DataLoader(ds, batch_size=8, shuffle=True, num_workers=2)]
    assert a == b and sorted(sum(a, [])) == list(range(40))


@pytest.mark.usefixtures("no_leftover_children")
def test_persistent_workers_survive_epochs():
    class Pids(ED.Dataset):
        def __len__(self):
            return 6

        def __getitem__(self, i):
            return i

    with deadline(30):
        loader = ED.DataLoader(Pids(), batch_size=2, num_workers=2, persistent_workers=True,
                               collate_fn=lambda b: (os.getpid(), b))
        first = list(loader)
        second = list(loader)
        workers = {p for p, _ in first}
        assert [b for _, b in first] == [b for _, b in second] == [[0, 1], [2, 3], [4, 5]]
        assert {p for p, _ in second} == workers and len(workers) == 2
        # an epoch left half way: the next one starts clean
        it = iter(loader)
        assert next(it)[1] == [0, 1]
        assert [b for _, b in loader] == [[0, 1], [2, 3], [4, 5]]
        assert {p for p, _ in loader} == workers
        del loader, it


@pytest.mark.usefixtures("no_leftover_children")
def test_persistent_workers_restart_iterable_datasets():
    with deadline(30):
        loader = ED.DataLoader(stream(ED, 5), batch_size=2, num_workers=2, persistent_workers=True)
        first = [b.tolist() for b in loader]
        assert first == [b.tolist() for b in loader] == [[0, 2], [1, 3], [4]]
        del loader


@pytest.mark.usefixtures("no_leftover_children")
def test_out_of_order_delivery_gives_every_batch():
    import time

    class Slow(ED.Dataset):
        def __len__(self):
            return 8

        def __getitem__(self, i):
            if i == 0:
                time.sleep(0.6)
            return i

    with deadline(30):
        got = [b.tolist() for b in ED.DataLoader(Slow(), batch_size=2, num_workers=2, in_order=False)]
        ordered = [b.tolist() for b in ED.DataLoader(Slow(), batch_size=2, num_workers=2)]
    assert sorted(got) == ordered == [[0, 1], [2, 3], [4, 5], [6, 7]]
    assert got[0] != [0, 1]  # the slow first batch did not hold the others back


@pytest.mark.usefixtures("no_leftover_children")
def test_spawn_context():
    with deadline(60):
        got = [b[1].tolist() for b in ED.DataLoader(tensors(ember, ED, 6), batch_size=4, num_workers=1,
                                                     multiprocessing_context="spawn")]
    assert got == [[0, 1, 2, 3], [4, 5]]


@pytest.mark.usefixtures("no_leftover_children")
def test_worker_batches_keep_autograd_flag_and_dtypes():
    ds = ED.TensorDataset(ember.arange(6, dtype=ember.float64), ember.tensor([True, False] * 3),
                          ember.arange(6, dtype=ember.uint8))
    with deadline(30):
        x, m, u = next(iter(ED.DataLoader(ds, batch_size=3, num_workers=1)))
    assert (x.dtype, m.dtype, u.dtype) == (ember.float64, ember.bool, ember.uint8)
    assert x.tolist() == [0.0, 1.0, 2.0] and not x.requires_grad
    x.add_(1)  # batches are writable
    assert x.tolist() == [1.0, 2.0, 3.0]


@pytest.mark.usefixtures("no_leftover_children")
def test_non_contiguous_and_object_batches_travel():
    def collate(batch):
        arr = np.arange(12.0).reshape(3, 4)
        return {"t": ember.tensor(arr).t(), "nd": arr[:, ::2], "obj": [set(batch)], "none": None}

    with deadline(30):
        out = next(iter(ED.DataLoader(list(range(4)), batch_size=2, num_workers=1, collate_fn=collate)))
    assert out["t"].tolist() == np.arange(12.0).reshape(3, 4).T.tolist()
    assert out["nd"].tolist() == np.arange(12.0).reshape(3, 4)[:, ::2].tolist()
    assert out["obj"] == [{0, 1}] and out["none"] is None


def test_warnings_from_workers_loader_do_not_leak():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with deadline(30):
            assert len(list(ED.DataLoader(list(range(5)), num_workers=1))) == 5

"""Fetchers: turn what the sampler yields (a key, a list of keys, or nothing for iterable datasets) into
a collated batch. The same fetcher runs in the main process and in every worker."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .collate import default_collate


class _MapFetcher:
    """Map-style datasets: a batch is the collated samples at the keys of one list."""

    def __init__(self, dataset: Any, auto_collation: bool, collate_fn: Callable, drop_last: bool) -> None:
        self.dataset = dataset
        self.auto_collation = auto_collation
        self.collate_fn = collate_fn
        # the whole default-collated batch in one gather, where the dataset can (TensorDataset, Subset)
        self._batch = (getattr(dataset, "_ember_batch", None)
                       if auto_collation and collate_fn is default_collate else None)

    def fetch(self, index: Any) -> Any:
        if not self.auto_collation:
            return self.collate_fn(self.dataset[index])
        if self._batch is not None:
            data = self._batch(index)
            if data is not None:
                return data
        getitems = getattr(self.dataset, "__getitems__", None)
        if getitems:
            data = getitems(index)
        else:
            data = [self.dataset[i] for i in index]
        return self.collate_fn(data)


class _IterableFetcher:
    """Iterable datasets: a batch is the next len(index) samples of the stream (fewer at its end, none
    with drop_last); raises StopIteration when the stream has nothing more to give."""

    def __init__(self, dataset: Any, auto_collation: bool, collate_fn: Callable, drop_last: bool) -> None:
        self.dataset = dataset
        self.auto_collation = auto_collation
        self.collate_fn = collate_fn
        self.drop_last = drop_last
        self.dataset_iter = iter(dataset)
        self.ended = False

    def fetch(self, index: Any) -> Any:
        if self.ended:
            raise StopIteration
        if not self.auto_collation:
            return self.collate_fn(next(self.dataset_iter))
        data = []
        for _ in index:
            try:
                data.append(next(self.dataset_iter))
            except StopIteration:
                self.ended = True
                break
        if not data or (self.drop_last and len(data) < len(index)):
            raise StopIteration
        return self.collate_fn(data)


def make_fetcher(iterable: bool, dataset: Any, auto_collation: bool, collate_fn: Callable,
                 drop_last: bool) -> _MapFetcher | _IterableFetcher:
    kind = _IterableFetcher if iterable else _MapFetcher
    return kind(dataset, auto_collation, collate_fn, drop_last)

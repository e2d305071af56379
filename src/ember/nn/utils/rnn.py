"""Variable-length sequences for the recurrent layers: PackedSequence and the functions that pack, pad and
unpad batches of sequences (PyTorch's torch.nn.utils.rnn).

A PackedSequence holds the timesteps of a batch of sequences one after the other: `batch_sizes[t]` rows for
step t, the sequences sorted longest first (`sorted_indices` maps back to the caller's order). Packing and
padding are gathers/scatters of rows by one precomputed index, each one graph node whose backward is the
other (so gradients of any order flow).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ... import _creation, _tensor
from ...backend import dtypes as _dt
from ...backend.device import xp_of
from ...ops._common import Op

Tensor = _tensor.Tensor

__all__ = ["PackedSequence", "invert_permutation", "pack_padded_sequence", "pad_packed_sequence", "pad_sequence",
           "unpad_sequence", "pack_sequence", "unpack_sequence"]


class PackedSequence_(NamedTuple):  # noqa: N801 - PyTorch's name for the tuple base
    data: Tensor
    batch_sizes: Tensor
    sorted_indices: Tensor | None
    unsorted_indices: Tensor | None


class PackedSequence(PackedSequence_):
    """The packed timesteps of a batch of sequences (see pack_padded_sequence); a named tuple
    (data, batch_sizes, sorted_indices, unsorted_indices)."""

    def __new__(cls, data: Tensor, batch_sizes: Tensor | None = None, sorted_indices: Tensor | None = None,
                unsorted_indices: Tensor | None = None) -> PackedSequence:
        if unsorted_indices is None:
            unsorted_indices = invert_permutation(sorted_indices)
        if batch_sizes is None:
            # the legacy form PackedSequence((data, batch_sizes))
            data, batch_sizes = data
        elif batch_sizes.device.type != "cpu":
            raise ValueError("batch_sizes should always be on CPU. Instances of PackedSequence should never be "
                             "created manually. They should be instantiated by functions like pack_sequence and "
                             "pack_padded_sequences in nn.utils.rnn. "
                             "https://pytorch.org/docs/stable/nn.html#torch.nn.utils.rnn.pack_sequence")
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def _with_data(self, data: Tensor) -> PackedSequence:
        if data is self.data:
            return self
        dev = data.device
        s = None if self.sorted_indices is None else self.sorted_indices.to(device=dev)
        u = None if self.unsorted_indices is None else self.unsorted_indices.to(device=dev)
        return type(self)(data, self.batch_sizes, s, u)

    def to(self, *args, **kwargs) -> PackedSequence:
        """data.to(*args, **kwargs); the indices follow data's device, batch_sizes stays on the CPU."""
        return self._with_data(self.data.to(*args, **kwargs))

    def cuda(self, *args, **kwargs) -> PackedSequence:
        return self._with_data(self.data.cuda(*args, **kwargs))

    def cpu(self, *args, **kwargs) -> PackedSequence:
        return self._with_data(self.data.cpu(*args, **kwargs))

    def pin_memory(self) -> PackedSequence:
        return self._with_data(self.data.pin_memory())

    def double(self) -> PackedSequence:
        return self.to(dtype=_dt.float64)

    def float(self) -> PackedSequence:
        return self.to(dtype=_dt.float32)

    def half(self) -> PackedSequence:
        return self.to(dtype=_dt.float16)

    def long(self) -> PackedSequence:
        return self.to(dtype=_dt.int64)

    def int(self) -> PackedSequence:
        return self.to(dtype=_dt.int32)

    def short(self) -> PackedSequence:
        return self.to(dtype=_dt.int16)

    def char(self) -> PackedSequence:
        return self.to(dtype=_dt.int8)

    def byte(self) -> PackedSequence:
        return self.to(dtype=_dt.uint8)

    @property
    def is_cuda(self) -> bool:
        return self.data.is_cuda

    def is_pinned(self) -> bool:
        return self.data.is_pinned()


def invert_permutation(permutation: Tensor | None) -> Tensor | None:
    """The inverse of a permutation of 0..n-1 (None stays None)."""
    if permutation is None:
        return None
    p = permutation._data
    inv = np.empty_like(p)
    inv[p] = xp_of(p).arange(p.shape[0], dtype=p.dtype)
    return Tensor._make(inv)


# -- the two row-moving ops ---------------------------------------------------------------------------------

class PackPaddedSequence(Op):
    """Rows `index` of a padded batch flattened to (T * B, *rest): the packed data."""

    @staticmethod
    def forward(ctx, x, *, index, lead):
        ctx.index, ctx.lead, ctx.shape = index, lead, x.shape
        return x.reshape((-1,) + x.shape[lead:])[_on_device(index, x)]

    @staticmethod
    def backward(ctx, g):
        out = PadPackedSequence.apply(g, index=ctx.index, shape=ctx.shape, lead=ctx.lead, value=0.0)
        return out

    @staticmethod
    def backward_array(ctx, g):
        out = np.zeros_like(g, shape=(int(np.prod(ctx.shape[:ctx.lead])),) + g.shape[1:])
        out[_on_device(ctx.index, g)] = g
        return out.reshape(ctx.shape)


class PadPackedSequence(Op):
    """A padded batch of `shape` filled with `value`, whose flattened rows `index` are the packed data."""

    @staticmethod
    def forward(ctx, data, *, index, shape, lead, value):
        ctx.index, ctx.lead = index, lead
        out = np.full_like(data, value, shape=(int(np.prod(shape[:lead])),) + data.shape[1:])
        out[_on_device(index, data)] = data
        return out.reshape(shape)

    @staticmethod
    def backward(ctx, g):
        return PackPaddedSequence.apply(g, index=ctx.index, lead=ctx.lead)

    @staticmethod
    def backward_array(ctx, g):
        return g.reshape((-1,) + g.shape[ctx.lead:])[_on_device(ctx.index, g)]


def _on_device(index: np.ndarray, like):
    """A host index array where like lives (it is computed on the host from the lengths)."""
    return index if type(like) is np.ndarray else xp_of(like).asarray(index)


def _packed_rows(batch_sizes: np.ndarray, perm: np.ndarray | None, steps: int, batch: int,
                 batch_first: bool) -> np.ndarray:
    """For each packed row (step t, sorted position b): its row in the flattened padded batch, whose
    batch position is perm[b] (the caller's order)."""
    t = np.repeat(np.arange(len(batch_sizes)), batch_sizes)
    b = np.arange(t.shape[0]) - np.repeat(np.cumsum(batch_sizes) - batch_sizes, batch_sizes)
    if perm is not None:
        b = perm[b]
    return b * steps + t if batch_first else t * batch + b


def _sort_descending(keys: np.ndarray) -> np.ndarray:
    """The permutation sorting keys in decreasing order, ties placed exactly as PyTorch's CPU sort places
    them (an introsort: median-of-three quicksort down to runs of 16, then insertion sort)."""
    a = [(int(k), i) for i, k in enumerate(keys)]

    def adjust_heap(lo: int, hole: int, n: int, value: tuple) -> None:
        top = second = hole
        while second < (n - 1) // 2:
            second = 2 * (second + 1)
            if a[lo + second][0] > a[lo + second - 1][0]:
                second -= 1
            a[lo + hole] = a[lo + second]
            hole = second
        if n % 2 == 0 and second == (n - 2) // 2:
            second = 2 * (second + 1)
            a[lo + hole] = a[lo + second - 1]
            hole = second - 1
        parent = (hole - 1) // 2
        while hole > top and a[lo + parent][0] > value[0]:
            a[lo + hole] = a[lo + parent]
            hole = parent
            parent = (hole - 1) // 2
        a[lo + hole] = value

    def heapsort(lo: int, hi: int) -> None:
        n = hi - lo
        for parent in range((n - 2) // 2, -1, -1):
            adjust_heap(lo, parent, n, a[lo + parent])
        while hi - lo > 1:
            hi -= 1
            value = a[hi]
            a[hi] = a[lo]
            adjust_heap(lo, 0, hi - lo, value)

    def quick(lo: int, hi: int, depth: int) -> None:
        while hi - lo > 16:
            if depth == 0:
                heapsort(lo, hi)
                return
            depth -= 1
            x, y, z = lo + 1, lo + (hi - lo) // 2, hi - 1
            kx, ky, kz = a[x][0], a[y][0], a[z][0]
            if kx > ky:
                m = y if ky > kz else (z if kx > kz else x)
            elif kx > kz:
                m = x
            else:
                m = z if ky > kz else y
            a[lo], a[m] = a[m], a[lo]
            pivot = a[lo][0]
            f, last = lo + 1, hi
            while True:
                while a[f][0] > pivot:
                    f += 1
                last -= 1
                while pivot > a[last][0]:
                    last -= 1
                if f >= last:
                    break
                a[f], a[last] = a[last], a[f]
                f += 1
            quick(f, hi, depth)
            hi = f

    n = len(a)
    if n > 1:
        quick(0, n, 2 * (n.bit_length() - 1))
        # the final insertion sort (the quicksort left only runs of <= 16 out of place)
        for i in range(1, n):
            val = a[i]
            j = i - 1
            while j >= 0 and val[0] > a[j][0]:
                a[j + 1] = a[j]
                j -= 1
            a[j + 1] = val
    return np.array([i for _, i in a], dtype=np.int64)


def _lengths_array(lengths) -> np.ndarray:
    if isinstance(lengths, Tensor):
        arr = np.asarray(lengths._host())
        if arr.ndim != 1:
            raise RuntimeError(f"'lengths' argument should be a 1D CPU int64 tensor, but got {arr.ndim}D "
                               f"{lengths.device.type} Long tensor")
        return arr.astype(np.int64)
    arr = np.asarray([int(v) for v in lengths] if not np.isscalar(lengths) else lengths, dtype=np.int64)
    if arr.ndim != 1:
        raise RuntimeError(f"'lengths' argument should be a 1D CPU int64 tensor, but got {arr.ndim}D cpu Long "
                           "tensor")
    return arr


def pack_padded_sequence(input: Tensor, lengths, batch_first: bool = False,
                         enforce_sorted: bool = True) -> PackedSequence:
    """Pack a padded batch (T, B, *) (or (B, T, *) with batch_first) of sequences of the given lengths.
    With enforce_sorted=False the lengths may come in any order (the batch is sorted, and the order kept
    in sorted_indices)."""
    lens = _lengths_array(lengths)
    bdim, tdim = (0, 1) if batch_first else (1, 0)
    sorted_indices = None
    perm = None
    if not enforce_sorted:
        perm = _sort_descending(lens)
        lens = lens[perm]
        sorted_indices = Tensor._make(perm).to(device=input.device)
    shape = tuple(input.shape)
    if input.numel() == 0:
        raise RuntimeError("Cannot pack empty tensors.")
    batch, steps = shape[bdim], shape[tdim]
    if lens.shape[0] != batch:
        raise RuntimeError(f"Expected `len(lengths)` to be equal to batch_size, but got {lens.shape[0]} "
                           f"(batch_size={batch})")
    if lens[-1] <= 0:
        raise RuntimeError("Length of all samples has to be greater than 0, but found an element in 'lengths' "
                           "that is <= 0")
    if np.any(lens[:-1] < lens[1:]):
        raise RuntimeError("`lengths` array must be sorted in decreasing order when `enforce_sorted` is True. You "
                           "can pass `enforce_sorted=False` to pack_padded_sequence and/or pack_sequence to "
                           "sidestep this requirement if you do not need ONNX exportability.")
    if lens[0] > steps:
        raise RuntimeError(f"a length of {int(lens[0])} exceeds the {steps} timesteps of the padded input")
    batch_sizes = (lens[None, :] > np.arange(int(lens[0]))[:, None]).sum(1).astype(np.int64)
    index = _packed_rows(batch_sizes, perm, steps, batch, batch_first)
    data = PackPaddedSequence.apply(input, index=index, lead=2)
    return PackedSequence(data, Tensor._make(batch_sizes), sorted_indices, None)


def pad_packed_sequence(sequence: PackedSequence, batch_first: bool = False, padding_value: float = 0.0,
                        total_length: int | None = None) -> tuple:
    """The inverse of pack_padded_sequence: (padded batch, lengths), in the original batch order and
    padded with padding_value to the longest sequence (or to total_length steps)."""
    data, batch_sizes, sorted_indices, unsorted_indices = sequence
    bs = np.asarray(batch_sizes._host()).astype(np.int64)
    steps = bs.shape[0]
    if total_length is not None:
        if total_length < steps:
            raise ValueError("Expected total_length to be at least the length of the longest sequence in input, "
                             f"but got total_length={total_length} and max sequence length being {steps}")
        steps = total_length
    batch = int(bs[0])
    perm = None if sorted_indices is None else np.asarray(sorted_indices._host()).astype(np.int64)
    index = _packed_rows(bs, perm, steps, batch, batch_first)
    rest = tuple(data.shape[1:])
    shape = ((batch, steps) if batch_first else (steps, batch)) + rest
    out = PadPackedSequence.apply(data, index=index, shape=shape, lead=2, value=padding_value)
    if out.grad_fn is not None:
        out.grad_fn._name = "CopySlices" if perm is None else "IndexSelectBackward0"
    lens = (bs[None, :] > np.arange(batch)[:, None]).sum(1).astype(np.int64)
    if unsorted_indices is not None:
        lens = lens[np.asarray(unsorted_indices._host()).astype(np.int64)]
    return out, Tensor._make(lens)


def pad_sequence(sequences, batch_first: bool = False, padding_value: float = 0.0,
                 padding_side: str = "right") -> Tensor:
    """Stack sequences (L_i, *) into one padded batch (T, B, *) (or (B, T, *) with batch_first), padding
    with padding_value on the right (or on the left)."""
    if padding_side not in ("left", "right"):
        raise RuntimeError(f"Expected padding_side to be one of left or right, but got {padding_side}.")
    if isinstance(sequences, Tensor):
        sequences = sequences.unbind(0)
    sequences = list(sequences)
    if not sequences:
        raise RuntimeError("received an empty list of sequences")
    rest = tuple(sequences[0].shape[1:])
    for s in sequences[1:]:
        other = tuple(s.shape[1:])
        if len(other) != len(rest):
            raise RuntimeError(f"The expanded size of the tensor ({len(rest)}) must match the existing size "
                               f"({len(other)})")
        for k, (x, y) in enumerate(zip(rest, other)):
            if x != y:
                raise RuntimeError(f"The size of tensor a ({x}) must match the size of tensor b ({y}) at "
                                   f"non-singleton dimension {k + 1}")
    lens = np.array([s.shape[0] for s in sequences], dtype=np.int64)
    steps, batch = int(lens.max()), len(sequences)
    b = np.repeat(np.arange(batch), lens)
    t = np.arange(b.shape[0]) - np.repeat(np.cumsum(lens) - lens, lens)
    if padding_side == "left":
        t = t + (steps - lens)[b]
    index = b * steps + t if batch_first else t * batch + b
    from ...ops.shape import cat
    data = cat(sequences) if len(sequences) > 1 else sequences[0]
    shape = ((batch, steps) if batch_first else (steps, batch)) + rest
    out = PadPackedSequence.apply(data, index=index, shape=shape, lead=2, value=padding_value)
    if out.grad_fn is not None:
        out.grad_fn._name = "CopySlices"
    return out


def unpad_sequence(padded_sequences: Tensor, lengths, batch_first: bool = False) -> list:
    """The sequences of a padded batch, each cut to its length (the inverse of pad_sequence)."""
    if not batch_first:
        padded_sequences = padded_sequences.transpose(0, 1)
    lens = lengths.tolist() if isinstance(lengths, Tensor) else list(lengths)
    return [seq[:int(n)] for seq, n in zip(padded_sequences, lens)]


def pack_sequence(sequences, enforce_sorted: bool = True) -> PackedSequence:
    """Pack a list of sequences (L_i, *) (longest first unless enforce_sorted=False)."""
    lengths = _creation.as_tensor([v.size(0) for v in sequences])
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences: PackedSequence) -> list:
    """The list of sequences a PackedSequence holds, in their original order."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)

"""``torch.nn.utils.rnn``: variable-length sequences for the recurrent layers.

A ``PackedSequence`` holds a batch of sequences sorted by decreasing length, time step by time
step: ``data`` is ``x[0, :batch_sizes[0]]``, then ``x[1, :batch_sizes[1]]``, ... (only the steps
each sequence really has), ``batch_sizes[t]`` the number of sequences longer than t. RNN, LSTM
and GRU take one and return one, each sequence stopping at its own length (its ``h_n`` is the
state after its last step). ``pad_sequence`` stacks sequences into one padded tensor.
"""
import collections

import numpy as np

from ... import backend, factory
from ...functions import cat, pad, stack
from ...tensor import Tensor

__all__ = ['PackedSequence', 'pack_padded_sequence', 'pad_packed_sequence', 'pad_sequence',
           'pack_sequence', 'unpad_sequence', 'unpack_sequence', 'invert_permutation']


class PackedSequence(collections.namedtuple('PackedSequence', ['data', 'batch_sizes',
                                                                'sorted_indices',
                                                                'unsorted_indices'])):
    """``(data, batch_sizes, sorted_indices, unsorted_indices)``, as PyTorch's; build it with
    ``pack_padded_sequence`` or ``pack_sequence``, not by hand."""

    def to(self, *args, **kwargs):
        """The same sequence with ``data`` moved/cast (``batch_sizes`` stays an int64 CPU tensor)."""
        return self._replace(data=self.data.to(*args, **kwargs))

    @property
    def is_cuda(self):
        return self.data.device.type == 'cuda'


def invert_permutation(permutation):
    """The inverse of an index permutation (None stays None)."""
    if permutation is None:
        return None
    p = backend.asnumpy(permutation.array)
    inv = np.empty_like(p)
    inv[p] = np.arange(p.size)
    return Tensor._wrap(backend.to_device(inv, permutation.device))


def _lengths(lengths):
    arr = lengths.array if isinstance(lengths, Tensor) else lengths
    out = np.asarray(backend.asnumpy(arr) if backend.is_array(arr) else arr, dtype=np.int64)
    if out.ndim != 1:
        raise ValueError(f'lengths must be a 1-D list or tensor of ints, got shape {out.shape}')
    return out


def pack_padded_sequence(input, lengths, batch_first=False, enforce_sorted=True):
    """Pack a padded batch of sequences.

    Args:
        input: (T, B, *) ((B, T, *) with ``batch_first``), sequence b valid for its first
            ``lengths[b]`` steps.
        lengths: a list or 1-D int tensor of the B lengths, each in [1, T].
        enforce_sorted: require lengths in decreasing order (else they are sorted here, and
            the RNN's outputs come back in the input's order).

    Returns:
        a ``PackedSequence``.
    """
    n = _lengths(lengths)
    B, T = (input.shape[0], input.shape[1]) if batch_first else (input.shape[1], input.shape[0])
    if n.size != B:
        raise ValueError(f'pack_padded_sequence: expected {B} lengths (one per sequence of the '
                         f'input of shape {tuple(input.shape)}), got {n.size}')
    if n.size and (n.min() < 1 or n.max() > T):
        raise RuntimeError(f'pack_padded_sequence: every length must be in [1, {T}] (the padded '
                           f'length), got {n.tolist()}')
    sorted_indices = None
    if enforce_sorted:
        if (np.diff(n) > 0).any():
            raise RuntimeError('`lengths` array must be sorted in decreasing order when '
                               '`enforce_sorted` is True. You can pass `enforce_sorted=False` to '
                               'pack_padded_sequence and/or pack_sequence to sidestep this '
                               f'requirement if you do not need ONNX exportability (got {n.tolist()})')
    else:
        order = np.argsort(-n, kind='stable')
        sorted_indices = factory.tensor(order, device=input.device)
        input = input.index_select(0 if batch_first else 1, sorted_indices)
        n = n[order]
    x = input.transpose(0, 1) if batch_first else input
    batch_sizes = (n[None, :] > np.arange(int(n.max()))[:, None]).sum(axis=1)
    data = cat([x[t, :int(bs)] for t, bs in enumerate(batch_sizes)])
    return PackedSequence(data, factory.tensor(batch_sizes.astype(np.int64)), sorted_indices,
                          invert_permutation(sorted_indices))


def pad_packed_sequence(sequence, batch_first=False, padding_value=0.0, total_length=None):
    """Undo ``pack_padded_sequence``: ``(padded, lengths)``, the batch in the original order.

    Args:
        total_length: pad to this many steps (at least the longest sequence).

    Shape:
        padded (T, B, *) ((B, T, *) with ``batch_first``); lengths (B,) int64.
    """
    data, sizes = sequence.data, backend.asnumpy(sequence.batch_sizes.array).astype(np.int64)
    B, T = int(sizes[0]), sizes.size
    if total_length is not None:
        if total_length < T:
            raise ValueError(f'Expected total_length to be at least the length of the longest '
                             f'sequence in input, but got total_length={total_length} and max '
                             f'sequence length being {T}')
        T = total_length
    steps, off = [], 0
    tail = (0, 0) * (data.ndim - 1)
    for t in range(T):
        bs = int(sizes[t]) if t < sizes.size else 0
        rows = data[off:off + bs]
        off += bs
        steps.append(pad(rows, tail + (0, B - bs), value=padding_value) if bs < B else rows)
    padded = stack(steps)                                       # (T, B, *)
    lengths = (sizes[None, :] > np.arange(B)[:, None]).sum(axis=1)
    if sequence.unsorted_indices is not None:
        padded = padded.index_select(1, sequence.unsorted_indices)
        lengths = lengths[backend.asnumpy(sequence.unsorted_indices.array)]
    if batch_first:
        padded = padded.transpose(0, 1)
    return padded, factory.tensor(lengths.astype(np.int64))


def pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side='right'):
    """Stack tensors of shapes (L_i, *) into one (T, B, *) tensor ((B, T, *) with
    ``batch_first``), T the longest L_i, padding with ``padding_value`` on ``padding_side``."""
    if padding_side not in ('right', 'left'):
        raise ValueError(f"padding_side must be 'left' or 'right', got {padding_side!r}")
    sequences = list(sequences)
    if not sequences:
        raise RuntimeError('pad_sequence: received an empty list of sequences')
    T = max(s.shape[0] for s in sequences)
    out = []
    for s in sequences:
        extra = T - s.shape[0]
        widths = (0, extra) if padding_side == 'right' else (extra, 0)
        out.append(pad(s, (0, 0) * (s.ndim - 1) + widths, value=padding_value) if extra else s)
    return stack(out, dim=0 if batch_first else 1)


def pack_sequence(sequences, enforce_sorted=True):
    """``pack_padded_sequence(pad_sequence(sequences), their lengths)``."""
    lengths = [s.shape[0] for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpad_sequence(padded_sequences, lengths, batch_first=False):
    """The list of sequences ``padded[:lengths[b], b]`` (the inverse of ``pad_sequence``)."""
    x = padded_sequences if batch_first else padded_sequences.transpose(0, 1)
    return [x[b, :int(n)] for b, n in enumerate(_lengths(lengths))]


def unpack_sequence(packed_sequences):
    """The list of sequences in a ``PackedSequence`` (the inverse of ``pack_sequence``)."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)

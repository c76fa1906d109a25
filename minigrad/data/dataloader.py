"""DataLoader: batches of a dataset as Tensors, in a reproducible order.

Determinism and resume
----------------------
Everything random about an epoch is a pure function of ``(seed, epoch)``: the shuffled order
comes from ``SeedSequence(seed, spawn_key=(epoch, 0, 0))`` and the random transforms of batch
``b`` draw from ``SeedSequence(seed, spawn_key=(epoch, 1, b))``. Each ``iter(loader)`` runs the
epoch ``loader.epoch`` and then advances it, so successive epochs see different orders.
To resume a run, either call ``loader.set_epoch(k)`` before epoch ``k`` (like PyTorch's
DistributedSampler), or save ``loader.state_dict()`` in the checkpoint and give it back to
``load_state_dict``; the state also records how many batches of the current epoch were
already produced, so a run can even resume mid-epoch, bit for bit.
"""
import math

import numpy as np

from .. import backend
from ..tensor import Tensor
from .dataset import fetch_batch
from .transforms import apply_transform


def _rng(seed, *key):
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=key))


def _cast(array):
    """The loader's dtype policy: floats -> float32, integers -> int64, bools stay bool."""
    xp = backend.get_array_module(array)
    if array.dtype.kind == 'f':
        return xp.ascontiguousarray(array, dtype=np.float32)
    if array.dtype.kind in 'iu':
        return xp.ascontiguousarray(array, dtype=np.int64)
    return xp.ascontiguousarray(array)


def _to_tensor(array, device):
    return Tensor(array, device=device if device is not None else backend.get_default_device())


class DataLoader:
    """Iterate over a dataset in batches of Tensors.

    Args:
        dataset: a Dataset; array-backed ones (with ``get_batch``) are batched without a Python
            loop per sample, others through ``__getitem__`` and ``np.stack``.
        batch_size: samples per batch.
        shuffle: reshuffle every epoch (deterministically, from ``seed`` and the epoch).
        drop_last: drop the last batch if it is smaller than ``batch_size``.
        seed: the loader's seed; None draws one from ``minigrad.backend.default_generator()``
            at construction, so ``mg.manual_seed`` controls it.
        transform: applied to each whole input batch (the first field), with a generator
            derived from (seed, epoch, batch index).
        device: where the batches go (None: the default device when iterating).

    Yields:
        A tuple with one Tensor per dataset field, e.g. ``(x, y)`` with x float32 and y int64:
        floating fields become float32, integer fields int64.
    """

    def __init__(self, dataset, batch_size=1, shuffle=False, drop_last=False, seed=None,
                 transform=None, device=None):
        if int(batch_size) < 1:
            raise ValueError(f'batch_size must be a positive integer, got {batch_size!r}')
        self.dataset = dataset
        self.batch_size = int(batch_size)
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        if seed is None:
            seed = int(backend.default_generator().integers(2 ** 63))
        self.seed = int(seed)
        self.transform = transform
        self.device = device
        self.epoch = 0          # the epoch the next iter() runs
        self._start_batch = 0   # where the next iter() starts inside that epoch
        self._active = None     # [epoch, batches produced] of the iteration in progress

    def __len__(self):
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def set_epoch(self, epoch):
        """Make the next ``iter()`` run epoch ``epoch`` from its start."""
        self.epoch, self._start_batch = int(epoch), 0

    def order(self, epoch):
        """The sample indices of ``epoch`` in the order they are served."""
        n = len(self.dataset)
        return _rng(self.seed, epoch, 0, 0).permutation(n) if self.shuffle else np.arange(n)

    def batch_generator(self, epoch, batch):
        """The NumPy generator the transforms of batch ``batch`` of ``epoch`` draw from."""
        return _rng(self.seed, epoch, 1, batch)

    def __iter__(self):
        epoch, start = self.epoch, self._start_batch
        self.epoch, self._start_batch = epoch + 1, 0
        self._active = [epoch, start]
        return self._batches(epoch, start)

    def _batches(self, epoch, start):
        order, bs = self.order(epoch), self.batch_size
        state = self._active
        for b in range(start, len(self)):
            indices = order[b * bs:(b + 1) * bs]
            generator = self.batch_generator(epoch, b)
            fields = fetch_batch(self.dataset, indices, generator)
            single = not isinstance(fields, tuple)
            fields = (fields,) if single else tuple(fields)
            first = apply_transform(self.transform, fields[0], generator)
            fields = tuple(_to_tensor(_cast(f), self.device) for f in (first,) + fields[1:])
            state[1] = b + 1
            yield fields[0] if single else fields
        if self._active is state:
            self._active = None

    def state_dict(self):
        """``{'seed', 'epoch', 'batch'}``: the position of the next batch this loader produces.

        During an epoch that is the epoch in progress and the number of batches already
        produced; between epochs it is the next epoch and 0.
        """
        epoch, batch = self._active if self._active is not None else (self.epoch, self._start_batch)
        return {'seed': self.seed, 'epoch': int(epoch), 'batch': int(batch)}

    def load_state_dict(self, state):
        """Continue from a ``state_dict()``: the next ``iter()`` resumes at that epoch and batch."""
        self.seed = int(state['seed'])
        self.epoch = int(state['epoch'])
        self._start_batch = int(state.get('batch', 0))
        self._active = None

    def __repr__(self):
        return (f'DataLoader(dataset={type(self.dataset).__name__}[{len(self.dataset)}], '
                f'batch_size={self.batch_size}, shuffle={self.shuffle}, drop_last={self.drop_last}, '
                f'seed={self.seed})')

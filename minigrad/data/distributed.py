"""DistributedSampler: each rank of a data-parallel job gets its own shard of the dataset.

Same rule as PyTorch's ``torch.utils.data.DistributedSampler``: the epoch's order (shuffled
from ``(seed, epoch)``, the same on every rank) is padded by repeating its first indices until
it divides by the number of replicas (or cut, with ``drop_last``), and rank ``r`` takes
``order[r::num_replicas]``. So batch ``k`` of every rank together holds exactly the samples of
batch ``k`` of one process that reads the whole order with the global batch size: N ranks with
a per-rank batch of B/N see the same batches as one process with batch B.

The shuffled order is the one ``DataLoader(shuffle=True, seed=seed)`` uses for that epoch
(NumPy's generator, not PyTorch's, so the permutation itself differs from PyTorch's).
"""
import math

import numpy as np

from .. import distributed as dist
from .dataloader import _rng


class DistributedSampler:
    """Indices of this rank's shard of ``dataset``, a new order every epoch.

    Args:
        dataset: anything with ``len()``.
        num_replicas: the number of ranks (default: the process group's world size).
        rank: this rank (default: the process group's rank).
        shuffle: shuffle the order each epoch (from ``seed`` and the epoch set by ``set_epoch``).
        seed: the shuffle seed; must be the same on every rank.
        drop_last: drop the tail so every rank has the same number of samples without padding
            (otherwise the order is padded with its first indices, as PyTorch does).

    Call ``set_epoch(epoch)`` at the start of each epoch, or every epoch has the same order.
    """

    def __init__(self, dataset, num_replicas=None, rank=None, shuffle=True, seed=0, drop_last=False):
        if num_replicas is None or rank is None:
            if not dist.is_initialized():
                raise RuntimeError('DistributedSampler needs num_replicas= and rank=, or an '
                                   "initialized process group (dist.init_process_group('mpi')) "
                                   'to take them from')
            num_replicas = dist.get_world_size() if num_replicas is None else num_replicas
            rank = dist.get_rank() if rank is None else rank
        num_replicas, rank = int(num_replicas), int(rank)
        if num_replicas < 1:
            raise ValueError(f'num_replicas must be a positive integer, got {num_replicas}')
        if not 0 <= rank < num_replicas:
            raise ValueError(f'Invalid rank {rank}, rank should be in the interval [0, {num_replicas - 1}]')
        self.dataset = dataset
        self.num_replicas, self.rank = num_replicas, rank
        self.shuffle, self.seed, self.drop_last = bool(shuffle), int(seed), bool(drop_last)
        self.epoch = 0
        n = len(dataset)
        if self.drop_last and n % num_replicas:
            self.num_samples = math.ceil((n - num_replicas) / num_replicas)
        else:
            self.num_samples = math.ceil(n / num_replicas)
        self.total_size = self.num_samples * num_replicas

    def set_epoch(self, epoch):
        """Use the order of ``epoch`` (call it before each epoch, with the same value on every rank)."""
        self.epoch = int(epoch)

    def indices(self):
        """This rank's indices for the current epoch, as a NumPy int64 array."""
        n = len(self.dataset)
        order = _rng(self.seed, self.epoch, 0, 0).permutation(n) if self.shuffle else np.arange(n)
        if self.drop_last:
            order = order[:self.total_size]
        elif self.total_size > n:
            order = np.resize(order, self.total_size)   # repeats the order from its start
        return order[self.rank:self.total_size:self.num_replicas].astype(np.int64)

    def __iter__(self):
        return iter(self.indices().tolist())

    def __len__(self):
        return self.num_samples

    def __repr__(self):
        return (f'DistributedSampler(num_replicas={self.num_replicas}, rank={self.rank}, '
                f'shuffle={self.shuffle}, seed={self.seed}, drop_last={self.drop_last})')

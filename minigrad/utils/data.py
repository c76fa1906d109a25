"""``torch.utils.data``'s names: the same objects as ``minigrad.data``'s loading API.

    from minigrad.utils.data import DataLoader, Dataset, TensorDataset, random_split
"""
from .. import data as _data
from ..data import (BatchSampler, ChainDataset, ConcatDataset, DataLoader, Dataset, IterableDataset,
                    RandomSampler, Sampler, SequentialSampler, Subset, SubsetRandomSampler, TensorDataset,
                    WeightedRandomSampler, WorkerInfo, default_collate, default_convert, get_worker_info,
                    random_split)

__all__ = list(_data.LOADING_NAMES)


def __getattr__(name):
    if name == 'DistributedSampler':     # imported on first use, as in minigrad.data
        return _data.DistributedSampler
    raise AttributeError(f"module 'minigrad.utils.data' has no attribute {name!r}")

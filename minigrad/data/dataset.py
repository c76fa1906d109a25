"""Datasets: the map-style ``Dataset`` protocol, array-backed datasets with a batch fast path, and
the ways of combining them (``Subset``, ``ConcatDataset``, ``random_split``), as ``torch.utils.data``.

A dataset is anything with ``__len__`` and ``__getitem__(i)``. Datasets whose samples live in
arrays may also define ``get_batch(indices, generator=None)``, which returns the whole batch as
default collation would (with arrays at the leaves) in one fancy-indexing step; the DataLoader
uses it, when its ``collate_fn`` is the default, instead of a Python loop over samples.
"""
import bisect
import math
import numbers
import warnings

import numpy as np

from .. import backend
from ..tensor import Tensor
from .collate import collate_arrays
from .sampler import as_generator
from .transforms import apply_transform, generator_scope


class Dataset:
    """Base class of map-style datasets: subclasses define ``__len__`` and ``__getitem__``.

    ``a + b`` is ``ConcatDataset([a, b])``, as in PyTorch.
    """

    def __getitem__(self, index):
        raise NotImplementedError(f'{type(self).__name__} must define __getitem__')

    def __len__(self):
        raise NotImplementedError(f'{type(self).__name__} must define __len__')

    def __add__(self, other):
        return ConcatDataset([self, other])


class IterableDataset(Dataset):
    """Base class of iterable-style datasets (streams): subclasses define ``__iter__``.

    With ``num_workers > 0`` every worker iterates its own copy of the dataset, so, as in PyTorch,
    shard the stream with ``get_worker_info()`` (its ``id`` and ``num_workers``) or each sample
    comes ``num_workers`` times. ``a + b`` is ``ChainDataset([a, b])``.
    """

    def __iter__(self):
        raise NotImplementedError(f'{type(self).__name__} must define __iter__')

    def __len__(self):
        raise TypeError(f'{type(self).__name__} has no len(): it is a stream (define __len__ to give one)')

    def __getitem__(self, index):
        raise TypeError(f'{type(self).__name__} is an IterableDataset: iterate over it, it cannot be indexed')

    def __add__(self, other):
        return ChainDataset([self, other])


class ChainDataset(IterableDataset):
    """Iterable datasets one after another.

    Args:
        datasets: iterable-style datasets.
    """

    def __init__(self, datasets):
        self.datasets = list(datasets)

    def __iter__(self):
        for d in self.datasets:
            yield from d

    def __len__(self):
        return sum(len(d) for d in self.datasets)


def _backend_array(t):
    """The backend array behind a Tensor, or ``np.asarray`` of anything else."""
    if isinstance(t, Tensor):
        return t.array
    return t if backend.is_array(t) else np.asarray(t)


def _index_array(indices, like):
    xp = backend.get_array_module(like)
    return xp.asarray(np.asarray(indices, dtype=np.int64))


class TensorDataset(Dataset):
    """Samples are slices along the first axis of equally long tensors (or arrays).

    Args:
        *tensors: ``mg.Tensor`` or array-likes with the same first dimension.

    ``dataset[i]`` is ``tuple(t[i] for t in tensors)``; ``get_batch`` gives a list with one array
    per tensor (what default collation makes of the samples).
    """

    def __init__(self, *tensors):
        if not tensors:
            raise ValueError('TensorDataset needs at least one tensor')
        self.tensors = tensors
        self._arrays = [_backend_array(t) for t in tensors]
        n = {a.shape[0] if a.ndim else None for a in self._arrays}
        if len(n) != 1 or None in n:
            raise ValueError('all tensors of a TensorDataset need the same first dimension, got shapes '
                             + ', '.join(str(tuple(a.shape)) for a in self._arrays))

    def __len__(self):
        return self._arrays[0].shape[0]

    def __getitem__(self, index):
        return tuple(t[index] for t in self.tensors)

    def get_batch(self, indices, generator=None):
        """One array per tensor holding the samples at ``indices``."""
        return [a[_index_array(indices, a)] for a in self._arrays]


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices`` (keeps the batch fast path when it has one).

    Args:
        dataset: the whole dataset.
        indices: the indices of ``dataset`` this subset holds, in order.
    """

    def __init__(self, dataset, indices):
        self.dataset = dataset
        self.indices = indices
        self._indices = np.asarray(indices, dtype=np.int64).reshape(-1)

    def __len__(self):
        return len(self._indices)

    def __getitem__(self, index):
        return self.dataset[int(self._indices[index])]

    def get_batch(self, indices, generator=None):
        return fetch_batch(self.dataset, self._indices[np.asarray(indices, dtype=np.int64)], generator)


class ConcatDataset(Dataset):
    """The datasets one after another: ``len`` is the sum, index ``i`` falls into the first dataset
    whose cumulative size exceeds it.

    Args:
        datasets: a non-empty sequence of map-style datasets.
    """

    def __init__(self, datasets):
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError('ConcatDataset needs at least one dataset (datasets should not be an empty iterable)')
        self.cumulative_sizes = np.cumsum([len(d) for d in self.datasets]).tolist()

    def __len__(self):
        return self.cumulative_sizes[-1]

    def __getitem__(self, index):
        index = int(index)
        if index < 0:
            if -index > len(self):
                raise ValueError(f'absolute value of index {index} should not exceed dataset length {len(self)}')
            index += len(self)
        if index >= len(self):
            raise IndexError(f'index {index} is out of range for a dataset of {len(self)} samples')
        part = bisect.bisect_right(self.cumulative_sizes, index)
        offset = self.cumulative_sizes[part - 1] if part else 0
        return self.datasets[part][index - offset]


def _split_lengths(n, lengths):
    """PyTorch's rule: fractions summing to 1 become counts (floor, then the remainder dealt out one
    by one from the first split); integers are taken as they are and must sum to ``n``."""
    lengths = list(lengths)
    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        for i, frac in enumerate(lengths):
            if not 0 <= frac <= 1:
                raise ValueError(f'Fraction at index {i} is not between 0 and 1')
        counts = [int(math.floor(n * frac)) for frac in lengths]
        for i in range(n - sum(counts)):
            counts[i % len(counts)] += 1
        for i, c in enumerate(counts):
            if c == 0:
                warnings.warn(f'Length of split at index {i} is 0. This might result in an empty dataset.')
        lengths = counts
    if any(not isinstance(c, numbers.Integral) or c < 0 for c in lengths):
        raise ValueError(f'lengths must be non-negative integers or fractions summing to 1, got {lengths}')
    if sum(lengths) != n:
        raise ValueError(f'Sum of input lengths ({sum(lengths)}) does not equal the length of the input '
                         f'dataset ({n})!')
    return [int(c) for c in lengths]


def random_split(dataset, lengths, generator=None):
    """Split ``dataset`` at random into non-overlapping ``Subset``s of the given lengths.

    Args:
        dataset: the dataset to split.
        lengths: the sizes of the splits, or fractions that sum to 1 (``[0.8, 0.2]``; the counts
            are rounded down and the remainder dealt out one by one from the first split, as in
            PyTorch).
        generator: an ``mg.Generator``, a ``numpy.random.Generator`` or an int seed (default: minigrad's global
            generator, so ``mg.manual_seed`` fixes the split).

    Returns:
        A list of ``Subset``.
    """
    lengths = _split_lengths(len(dataset), lengths)
    perm = as_generator(generator).permutation(sum(lengths)).tolist()
    bounds = np.cumsum([0] + lengths).tolist()
    return [Subset(dataset, perm[a:b]) for a, b in zip(bounds[:-1], bounds[1:])]


def fetch_batch(dataset, indices, generator=None):
    """The samples at ``indices`` collated with arrays at the leaves (``collate_arrays``).

    Uses ``dataset.get_batch(indices, generator)`` when the dataset has it (no Python loop per
    sample), else ``__getitem__`` on each index, the random transforms drawing from ``generator``.
    """
    get_batch = getattr(dataset, 'get_batch', None)
    if get_batch is not None:
        return get_batch(indices, generator)
    with generator_scope(generator):
        return collate_arrays([dataset[int(i)] for i in indices])


class ImageDataset(Dataset):
    """Labelled images held in one uint8 array (the base of MNIST, FashionMNIST and CIFAR10).

    Args:
        data: uint8 array, ``(N, H, W)`` for grey images or ``(N, H, W, C)`` for colour ones.
        targets: int64 array ``(N,)``.
        transform: called on each image's pixels, as torchvision calls it on a PIL image: a uint8
            array ``(H, W)`` or ``(H, W, C)``; ``transforms.ToTensor()`` turns that into a float32
            ``(C, H, W)`` Tensor in [0, 1].
        target_transform: called on each label (an int).

    ``dataset[i]`` is ``(image, label)``. Without a transform the image is a float32 ``(C, H, W)``
    NumPy array in [0, 1] (what ToTensor would give, as an array); with one it is whatever the
    transform returns. The label is an int (after ``target_transform``, if any).
    """

    classes = []

    def __init__(self, data, targets, transform=None, target_transform=None):
        self.data = data
        self.targets = targets
        self.transform = transform
        self.target_transform = target_transform

    def __len__(self):
        return len(self.targets)

    def images(self, indices):
        """The images at ``indices`` as one float32 ``(N, C, H, W)`` array in [0, 1] (no transform)."""
        raw = self.data[indices]
        raw = raw[:, None] if raw.ndim == 3 else raw.transpose(0, 3, 1, 2)
        return np.divide(raw, np.float32(255), dtype=np.float32)

    def _check_index(self, index):
        index = int(index)
        if not -len(self) <= index < len(self):
            raise IndexError(f'index {index} is out of range for a dataset of {len(self)} samples')
        return index

    def __getitem__(self, index):
        index = self._check_index(index)
        if self.transform is None:
            image = self.images(np.array([index]))[0]
        else:
            image = apply_transform(self.transform, self.data[index].copy())
        target = int(self.targets[index])
        return image, apply_transform(self.target_transform, target)

    def get_batch(self, indices, generator=None):
        """The samples at ``indices`` collated: ``[images, labels]`` with arrays at the leaves.

        Without transforms this is one vectorised step (float32 ``(N, C, H, W)`` images, int64
        labels); with them each sample goes through ``__getitem__``, the random transforms
        drawing from ``generator``.
        """
        indices = np.asarray(indices, dtype=np.int64)
        if self.transform is None and self.target_transform is None:
            return [self.images(indices), self.targets[indices]]
        with generator_scope(generator):
            return collate_arrays([self[int(i)] for i in indices])

    def __repr__(self):
        lines = [f'Dataset {type(self).__name__}', f'    Number of datapoints: {len(self)}']
        if hasattr(self, 'train'):
            lines.append(f'    Split: {"Train" if self.train else "Test"}')
        if getattr(self, 'root', None):
            lines.append(f'    Root location: {self.root}')
        if self.transform is not None:
            lines.append(f'    StandardTransform\n    Transform: {self.transform!r}')
        if self.target_transform is not None:
            lines.append(f'    Target transform: {self.target_transform!r}')
        return '\n'.join(lines)

"""Datasets: the map-style ``Dataset`` protocol and array-backed datasets with a batch fast path.

A dataset is anything with ``__len__`` and ``__getitem__(i)``. Datasets whose samples live in
arrays also define ``get_batch(indices, generator=None)``, which returns a whole batch as one
array per field with a single fancy-indexing call; the DataLoader uses it instead of a Python
loop over samples.
"""
import numpy as np

from .. import backend
from .transforms import apply_transform


class Dataset:
    """Base class of map-style datasets: subclasses define ``__len__`` and ``__getitem__``."""

    def __getitem__(self, index):
        raise NotImplementedError(f'{type(self).__name__} must define __getitem__')

    def __len__(self):
        raise NotImplementedError(f'{type(self).__name__} must define __len__')


def _backend_array(t):
    """The backend array behind a Tensor, or ``np.asarray`` of anything else."""
    data = getattr(t, 'data', None)
    return data if backend.is_array(data) else np.asarray(t)


def _index_array(indices, like):
    xp = backend.get_array_module(like)
    return xp.asarray(np.asarray(indices, dtype=np.int64))


class TensorDataset(Dataset):
    """Samples are slices along the first axis of equally long tensors (or arrays).

    Args:
        *tensors: ``mg.Tensor`` or array-likes with the same first dimension.

    ``dataset[i]`` is ``tuple(t[i] for t in tensors)``; ``get_batch`` gives one array per tensor.
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
        return tuple(a[_index_array(indices, a)] for a in self._arrays)


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices`` (keeps the batch fast path when it has one)."""

    def __init__(self, dataset, indices):
        self.dataset = dataset
        self.indices = np.asarray(indices, dtype=np.int64)

    def __len__(self):
        return len(self.indices)

    def __getitem__(self, index):
        return self.dataset[int(self.indices[index])]

    def get_batch(self, indices, generator=None):
        return fetch_batch(self.dataset, self.indices[np.asarray(indices, dtype=np.int64)], generator)


def collate(samples):
    """Stack samples into one NumPy array per field (a tuple when samples are tuples)."""
    def stack(items):
        return np.stack([backend.asnumpy(_backend_array(v)) for v in items])
    if isinstance(samples[0], (tuple, list)):
        return tuple(stack([s[k] for s in samples]) for k in range(len(samples[0])))
    return stack(samples)


def fetch_batch(dataset, indices, generator=None):
    """The samples at ``indices`` as one array per field.

    Uses ``dataset.get_batch(indices, generator)`` when the dataset has it (no Python loop per
    sample), else ``__getitem__`` on each index and ``collate``.
    """
    get_batch = getattr(dataset, 'get_batch', None)
    if get_batch is not None:
        return get_batch(indices, generator)
    return collate([dataset[int(i)] for i in indices])


class ImageDataset(Dataset):
    """Labelled images held in one uint8 array (the base of MNIST, FashionMNIST and CIFAR10).

    Attributes:
        data: uint8 array, ``(N, H, W)`` for grey images or ``(N, H, W, C)`` for colour ones.
        targets: int64 array ``(N,)``.
        classes: the class names.
        transform: applied to each image (``__getitem__``) or to each batch (``get_batch``).

    ``dataset[i]`` is ``(image, label)``: a float32 ``(C, H, W)`` array in [0, 1] and an int.
    """

    classes = []

    def __init__(self, data, targets, transform=None):
        self.data = data
        self.targets = targets
        self.transform = transform

    def __len__(self):
        return len(self.targets)

    def images(self, indices):
        """The images at ``indices`` as one float32 ``(N, C, H, W)`` array in [0, 1] (no transform)."""
        raw = self.data[indices]
        raw = raw[:, None] if raw.ndim == 3 else raw.transpose(0, 3, 1, 2)
        return np.divide(raw, np.float32(255), dtype=np.float32)

    def __getitem__(self, index):
        index = int(index)
        if not -len(self) <= index < len(self):
            raise IndexError(f'index {index} is out of range for a dataset of {len(self)} samples')
        image = apply_transform(self.transform, self.images(np.array([index]))[0])
        return image, int(self.targets[index])

    def get_batch(self, indices, generator=None):
        """``(images float32 (N, C, H, W), labels int64 (N,))`` for the samples at ``indices``."""
        indices = np.asarray(indices, dtype=np.int64)
        return apply_transform(self.transform, self.images(indices), generator), self.targets[indices]

    def __repr__(self):
        lines = [f'Dataset {type(self).__name__}', f'    Number of datapoints: {len(self)}']
        if hasattr(self, 'train'):
            lines.append(f'    Split: {"Train" if self.train else "Test"}')
        if getattr(self, 'root', None):
            lines.append(f'    Root location: {self.root}')
        if self.transform is not None:
            lines.append(f'    Transform: {self.transform!r}')
        return '\n'.join(lines)

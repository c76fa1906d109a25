"""minigrad.data: datasets, the DataLoader and batch transforms.

    import minigrad as mg
    from minigrad.data import transforms as T

    train = mg.data.MNISTSample(train=True)              # ships with minigrad, works offline
    loader = mg.data.DataLoader(train, batch_size=64, shuffle=True, seed=0)
    for epoch in range(3):
        loader.set_epoch(epoch)                           # exact resume: same order per epoch
        for x, y in loader:                               # x float32 (64, 1, 28, 28), y int64 (64,)
            ...
"""
from . import transforms
from .cifar import CIFAR10, read_cifar_bin
from .dataloader import DataLoader
from .dataset import Dataset, ImageDataset, Subset, TensorDataset, collate, fetch_batch
from .download import (ChecksumError, CorruptFileError, DatasetNotFoundError, DownloadError,
                       download_archive_members, download_file, sha256_file)
from .mnist import MNIST, FashionMNIST, MNISTSample, read_idx
from .transforms import (Compose, Normalize, Pad, RandomCrop, RandomHorizontalFlip, Resize,
                         Transform)

__all__ = [
    'Dataset', 'TensorDataset', 'Subset', 'ImageDataset', 'DataLoader', 'collate', 'fetch_batch',
    'MNIST', 'FashionMNIST', 'MNISTSample', 'CIFAR10', 'read_idx', 'read_cifar_bin',
    'transforms', 'Transform', 'Compose', 'Normalize', 'Pad', 'RandomCrop', 'RandomHorizontalFlip',
    'Resize', 'download_file', 'download_archive_members', 'sha256_file',
    'DatasetNotFoundError', 'CorruptFileError', 'ChecksumError', 'DownloadError',
]

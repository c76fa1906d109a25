"""minigrad.data: datasets, samplers, the DataLoader and transforms (``torch.utils.data`` and
torchvision's datasets/transforms in one place; ``minigrad.utils.data`` is the same loading API).

    import minigrad as mg
    from minigrad.data import transforms as T

    tf = T.Compose([T.ToTensor(), T.Normalize((0.1307,), (0.3081,))])
    train = mg.data.MNISTSample(train=True, transform=tf)  # ships with minigrad, works offline
    image, label = train[0]                               # Tensor (1, 28, 28), int
    loader = mg.data.DataLoader(train, batch_size=64, shuffle=True, num_workers=2, seed=0)
    for epoch in range(3):
        loader.set_epoch(epoch)                           # exact resume: same order per epoch
        for x, y in loader:                               # x float32 (64, 1, 28, 28), y int64 (64,)
            ...
"""
from . import transforms
from .cifar import CIFAR10, read_cifar_bin
from .collate import default_collate, default_convert
from .dataloader import DataLoader
from .dataset import (ChainDataset, ConcatDataset, Dataset, ImageDataset, IterableDataset, Subset,
                      TensorDataset, fetch_batch, random_split)
from .fake import FakeData
from .folder import DatasetFolder, ImageFolder, default_loader
from .download import (ChecksumError, CorruptFileError, DatasetNotFoundError, DownloadError,
                       download_archive_members, download_file, sha256_file)
from .mnist import MNIST, FashionMNIST, MNISTSample, read_idx
from .sampler import (BatchSampler, RandomSampler, Sampler, SequentialSampler, SubsetRandomSampler,
                      WeightedRandomSampler)
from .transforms import (CenterCrop, Compose, Lambda, Normalize, Pad, RandomCrop,
                         RandomHorizontalFlip, RandomVerticalFlip, Resize, ToTensor, Transform)
from .utils import make_grid, save_image
from .worker import WorkerInfo, get_worker_info

# the loading API shared with minigrad.utils.data (torch.utils.data's names)
LOADING_NAMES = [
    'Dataset', 'IterableDataset', 'TensorDataset', 'Subset', 'ConcatDataset', 'ChainDataset',
    'random_split', 'DataLoader',
    'default_collate', 'default_convert', 'get_worker_info', 'WorkerInfo', 'Sampler',
    'SequentialSampler', 'RandomSampler', 'SubsetRandomSampler', 'WeightedRandomSampler',
    'BatchSampler', 'DistributedSampler',
]

__all__ = LOADING_NAMES + [
    'ImageDataset', 'fetch_batch', 'MNIST', 'FashionMNIST', 'MNISTSample', 'CIFAR10', 'read_idx',
    'read_cifar_bin', 'transforms', 'Transform', 'Compose', 'Lambda', 'ToTensor', 'Normalize', 'Pad',
    'RandomCrop', 'CenterCrop', 'RandomHorizontalFlip', 'RandomVerticalFlip', 'Resize',
    'download_file', 'download_archive_members', 'sha256_file',
    'DatasetNotFoundError', 'CorruptFileError', 'ChecksumError', 'DownloadError',
    'make_grid', 'save_image', 'FakeData', 'ImageFolder', 'DatasetFolder', 'default_loader',
]


def __getattr__(name):
    # DistributedSampler lives in data/distributed.py (the distributed track's file), imported on use
    if name == 'DistributedSampler':
        from .distributed import DistributedSampler
        return DistributedSampler
    raise AttributeError(f"module 'minigrad.data' has no attribute {name!r}")

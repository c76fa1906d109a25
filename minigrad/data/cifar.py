"""CIFAR-10 from its binary version (``cifar-10-batches-bin/*.bin``); the pickled one is never read."""
import os

import numpy as np

from .dataset import ImageDataset
from .download import (CorruptFileError, DatasetNotFoundError, download_archive_members,
                       download_dir, find_file, not_found_message, search_dirs)

RECORD_BYTES = 1 + 3 * 32 * 32  # one label byte, then the red, green and blue 32x32 planes


def read_cifar_bin(path):
    """Read one CIFAR-10 binary batch file.

    Returns:
        ``(images uint8 (N, 32, 32, 3), labels int64 (N,))``.

    Raises:
        CorruptFileError (a ValueError) naming the file if its size is not a whole number of
        3073-byte records or a label is not in 0..9.
    """
    with open(path, 'rb') as f:
        buf = f.read()
    if len(buf) == 0 or len(buf) % RECORD_BYTES:
        raise CorruptFileError(f'{path}: not a CIFAR-10 binary batch (or truncated): {len(buf)} bytes '
                               f'is not a whole number of {RECORD_BYTES}-byte records')
    records = np.frombuffer(buf, dtype=np.uint8).reshape(-1, RECORD_BYTES)
    labels = records[:, 0].astype(np.int64)
    if labels.max() > 9:
        raise CorruptFileError(f'{path}: labels must be in 0..9, found {labels.max()}; '
                               'is this a CIFAR-100 file?')
    images = np.ascontiguousarray(records[:, 1:].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1))
    return images, labels


class CIFAR10(ImageDataset):
    """CIFAR-10: 50,000 training and 10,000 test colour images, 32x32, in 10 classes.

    Args:
        root: a folder to look in first (the ``.bin`` files may be in it or in
            ``root/cifar-10-batches-bin/``); downloads go to ``root/cifar-10-batches-bin/``.
        train: the training split (``data_batch_1..5.bin``), else ``test_batch.bin``.
        download: fetch the binary archive from the mirrors and extract the batches atomically.
        transform: called on each image's pixels, a uint8 array ``(32, 32, 3)`` (what torchvision
            hands over as a PIL image); ``transforms.ToTensor()`` makes it a Tensor ``(3, 32, 32)``.
        target_transform: called on each label.

    ``dataset[i]`` is ``(image, label)``: the transform's result, or without one a float32
    ``(3, 32, 32)`` array in [0, 1]; the label is an int. ``.data`` is uint8 ``(N, 32, 32, 3)``
    as in torchvision and ``.targets`` int64 ``(N,)``.
    """

    name = 'CIFAR10'
    folders = ('cifar-10-batches-bin', 'cifar10/cifar-10-batches-bin', 'CIFAR10/cifar-10-batches-bin',
               'cifar-10/cifar-10-batches-bin')
    mirrors = ('https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz',)
    archive_folder = 'cifar-10-batches-bin'
    train_files = tuple(f'data_batch_{i}.bin' for i in range(1, 6))
    test_files = ('test_batch.bin',)
    # SHA-256 of each unpacked batch file: unknown here (no copy of the originals was at hand),
    # so downloads are checked by structure only (record size, label range).
    sha256 = {name: None for name in train_files + test_files}
    hints = ('pass download=True to fetch the binary version (about 163 MB)',
             'or extract cifar-10-binary.tar.gz into a folder and pass root=, '
             'or set $MINIGRAD_DATA to the folder that holds cifar-10-batches-bin/')
    classes = ['airplane', 'automobile', 'bird', 'cat', 'deer',
               'dog', 'frog', 'horse', 'ship', 'truck']
    records_per_file = 10000   # every batch file holds 10,000 images

    def __init__(self, root=None, train=True, download=False, transform=None, target_transform=None):
        self.root = root
        self.train = bool(train)
        names = self.train_files if self.train else self.test_files
        dirs = search_dirs(root, self.folders)
        paths = [find_file([n], dirs) for n in names]
        if None in paths and download:
            target = download_dir(root, self.archive_folder)
            download_archive_members(list(self.mirrors), target,
                                     {f'{self.archive_folder}/{n}': self.sha256[n]
                                      for n in self.train_files + self.test_files},
                                     max_size=self.records_per_file * RECORD_BYTES)
            paths = [os.path.join(target, n) for n in names]
        missing = [n for n, p in zip(names, paths) if p is None]
        if missing:
            raise DatasetNotFoundError(not_found_message(
                f'{self.name} ({"train" if self.train else "test"})', missing, dirs, self.hints))
        parts = [read_cifar_bin(p) for p in paths]
        super().__init__(np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts]),
                         transform, target_transform)

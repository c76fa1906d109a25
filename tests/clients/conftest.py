"""Fixtures for the client ports: small datasets on disk where the clients expect them.

The ports call the datasets exactly as the clients do (``datasets.MNIST('./data', train=True,
download=True, transform=...)``); the ``workdir`` fixture makes ``./data`` a folder that already
holds the files, so nothing is downloaded:

- ``data/MNIST/raw/``: the first 384 training and 256 test digits of the MNIST sample that
  ships with minigrad (real digits, so accuracy means something);
- ``data/FashionMNIST/raw/``: the same digits under Fashion-MNIST's names (only the loading
  path is Fashion-MNIST's; no Fashion-MNIST files ship with minigrad);
- ``data/cifar-10-batches-bin/``: 3,000 + 200 synthetic 32x32 colour images in CIFAR-10's binary
  format, each class a colour of its own plus noise and a grey distractor square: easy, yet
  the clients' SGD at lr=0.001 needs a few hundred steps to start learning it.
"""
import os

import numpy as np
import pytest

from minigrad.data import MNISTSample
from tests.data.data_test_helpers import cifar_bytes, idx_bytes

N_TRAIN, N_TEST = 384, 256
CIFAR_TRAIN_PER_FILE, CIFAR_TEST = 600, 200


def _write_mnist_files(folder, train, test):
    folder.mkdir(parents=True)
    for split, (images, labels) in (('train', train), ('t10k', test)):
        (folder / f'{split}-images-idx3-ubyte').write_bytes(idx_bytes(images))
        (folder / f'{split}-labels-idx1-ubyte').write_bytes(idx_bytes(labels.astype(np.uint8)))


def synthetic_cifar(n, rng):
    """``n`` images (N, 32, 32, 3) uint8 whose class is told by their colour, and their labels."""
    palette = np.array([[230, 25, 75], [60, 180, 75], [255, 225, 25], [0, 130, 200], [245, 130, 48],
                        [145, 30, 180], [70, 240, 240], [240, 50, 230], [128, 128, 0], [0, 0, 128]])
    labels = rng.integers(0, 10, size=n)
    images = palette[labels][:, None, None, :] + rng.normal(0, 30, size=(n, 32, 32, 3))
    for img in images:                       # a grey square at a random place: not the class
        r, c = rng.integers(0, 24, size=2)
        img[r:r + 8, c:c + 8] = rng.integers(0, 256)
    return np.clip(images, 0, 255).astype(np.uint8), labels


@pytest.fixture(scope='session')
def client_data(tmp_path_factory):
    """A folder laid out as the clients' ``./data``."""
    root = tmp_path_factory.mktemp('clients') / 'data'
    train, test = MNISTSample(train=True), MNISTSample(train=False)
    subset = ((np.asarray(train.data[:N_TRAIN]), np.asarray(train.targets[:N_TRAIN])),
              (np.asarray(test.data[:N_TEST]), np.asarray(test.targets[:N_TEST])))
    for name in ('MNIST', 'FashionMNIST'):
        _write_mnist_files(root / name / 'raw', *subset)
    cifar = root / 'cifar-10-batches-bin'
    cifar.mkdir()
    rng = np.random.default_rng(0)
    for i in range(1, 6):
        (cifar / f'data_batch_{i}.bin').write_bytes(cifar_bytes(*synthetic_cifar(CIFAR_TRAIN_PER_FILE, rng)))
    (cifar / 'test_batch.bin').write_bytes(cifar_bytes(*synthetic_cifar(CIFAR_TEST, rng)))
    return root


@pytest.fixture
def workdir(tmp_path, monkeypatch, client_data):
    """A fresh current directory whose ``./data`` holds the clients' datasets."""
    os.symlink(client_data, tmp_path / 'data')
    monkeypatch.chdir(tmp_path)
    return tmp_path

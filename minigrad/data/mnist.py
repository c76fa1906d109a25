"""MNIST, Fashion-MNIST (IDX files, gzipped or raw) and the MNIST sample shipped with minigrad."""
import gzip
import os
import zlib

import numpy as np

from .dataset import ImageDataset
from .download import (CorruptFileError, DatasetNotFoundError, download_dir, download_file,
                       find_file, not_found_message, search_dirs)

# IDX type codes -> big-endian NumPy dtypes
_IDX_DTYPES = {0x08: '>u1', 0x09: '>i1', 0x0B: '>i2', 0x0C: '>i4', 0x0D: '>f4', 0x0E: '>f8'}

SAMPLE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), '_sample')


def _read_bytes(path):
    """A file's bytes, gunzipped when it starts with the gzip magic (whatever its name)."""
    with open(path, 'rb') as f:
        raw = f.read()
    if raw[:2] != b'\x1f\x8b':
        return raw
    try:
        return gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as e:
        raise CorruptFileError(f'{path}: broken or truncated gzip data ({e})') from None


def read_idx(path):
    """Read an IDX file (the MNIST format), gzipped or raw, into a NumPy array.

    Args:
        path: the file.

    Returns:
        An array of the file's shape and type, in native byte order (uint8 for MNIST).

    Raises:
        CorruptFileError (a ValueError) naming the file if its magic number is wrong or its size
        does not match the header.
    """
    buf = _read_bytes(path)
    if len(buf) < 4 or buf[0] != 0 or buf[1] != 0 or buf[2] not in _IDX_DTYPES:
        raise CorruptFileError(f'{path}: not an IDX file (bad magic number {buf[:4].hex() or "<empty>"})')
    ndim = buf[3]
    header = 4 + 4 * ndim
    if len(buf) < header:
        raise CorruptFileError(f'{path}: truncated IDX header ({len(buf)} bytes)')
    shape = tuple(int(d) for d in np.frombuffer(buf, dtype='>u4', count=ndim, offset=4))
    dtype = np.dtype(_IDX_DTYPES[buf[2]])
    expected = header + int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(buf) != expected:
        what = 'truncated' if len(buf) < expected else 'has trailing bytes'
        raise CorruptFileError(f'{path}: {what}: the header says shape {shape} ({expected} bytes) '
                               f'but the file holds {len(buf)} bytes')
    array = np.frombuffer(buf, dtype=dtype, offset=header).reshape(shape)
    return array.astype(dtype.newbyteorder('='))  # a writable, native-endian copy


def load_idx_pair(images_path, labels_path, num_classes=10):
    """Images ``(N, H, W)`` uint8 and labels ``(N,)`` int64 from two IDX files, checked for agreement."""
    images, labels = read_idx(images_path), read_idx(labels_path)
    if images.ndim != 3 or images.dtype != np.uint8:
        raise CorruptFileError(f'{images_path}: expected uint8 images (N, H, W), got {images.dtype} {images.shape}')
    if labels.ndim != 1:
        raise CorruptFileError(f'{labels_path}: expected labels (N,), got shape {labels.shape}')
    if len(images) != len(labels):
        raise CorruptFileError(f'{images_path} holds {len(images)} images but {labels_path} holds '
                               f'{len(labels)} labels')
    labels = labels.astype(np.int64)
    if len(labels) and (labels.min() < 0 or labels.max() >= num_classes):
        raise CorruptFileError(f'{labels_path}: labels must be in [0, {num_classes}), '
                               f'found {labels.min()}..{labels.max()}')
    return images, labels


class MNIST(ImageDataset):
    """The MNIST handwritten digits: 60,000 training and 10,000 test images, 28x28 grey.

    Args:
        root: a folder to look in first (files may be in it, in ``root/<name>/`` or
            ``root/<name>/raw/``); downloads go to ``root/<name>/``.
        train: the training split (else the test split).
        download: fetch missing files from the mirrors (verified, written atomically).
        transform: applied to each image ``(1, 28, 28)`` or batch ``(N, 1, 28, 28)``.

    ``dataset[i]`` is ``(image float32 (1, 28, 28) in [0, 1], label int)``; ``.data`` is uint8
    ``(N, 28, 28)`` and ``.targets`` int64 ``(N,)``.
    """

    name = 'MNIST'
    folders = ('mnist', 'MNIST')
    mirrors = ('https://ossci-datasets.s3.amazonaws.com/mnist/',
               'https://storage.googleapis.com/cvdf-datasets/mnist/',
               'http://yann.lecun.com/exdb/mnist/')
    # SHA-256 of the unpacked files; unknown here (no copy of the originals was at hand), so
    # downloads are checked by structure only (IDX header, sizes, counts, label range).
    sha256 = {'train-images-idx3-ubyte': None, 'train-labels-idx1-ubyte': None,
              't10k-images-idx3-ubyte': None, 't10k-labels-idx1-ubyte': None}
    hints = ('pass download=True to fetch it (about 11 MB)',
             'or put the four IDX files (gzipped or not) in a folder and pass root=, '
             'or set $MINIGRAD_DATA to the folder that holds mnist/')
    classes = ['0 - zero', '1 - one', '2 - two', '3 - three', '4 - four',
               '5 - five', '6 - six', '7 - seven', '8 - eight', '9 - nine']

    def __init__(self, root=None, train=True, download=False, transform=None):
        self.root = root
        self.train = bool(train)
        split = 'train' if self.train else 't10k'
        paths = [self._locate(f'{split}-{kind}', download) for kind in ('images-idx3-ubyte', 'labels-idx1-ubyte')]
        data, targets = load_idx_pair(*paths, num_classes=len(self.classes))
        super().__init__(data, targets, transform)

    @staticmethod
    def _names(base):
        dotted = base.replace('-idx', '.idx')  # e.g. train-images.idx3-ubyte
        return [base, base + '.gz', dotted, dotted + '.gz']

    def _locate(self, base, download):
        dirs = search_dirs(self.root, self.folders)
        path = find_file(self._names(base), dirs)
        if path is not None:
            return path
        if download:
            target = os.path.join(download_dir(self.root, self.folders[0]), base)
            return download_file([m + base + '.gz' for m in self.mirrors], target,
                                 sha256=self.sha256[base], gunzip=True)
        raise DatasetNotFoundError(not_found_message(
            f'{self.name} ({"train" if self.train else "test"})', self._names(base)[:2], dirs, self.hints))

    @property
    def class_to_idx(self):
        return {c: i for i, c in enumerate(self.classes)}


class FashionMNIST(MNIST):
    """Zalando's Fashion-MNIST: 60,000 + 10,000 grey 28x28 images of clothes, MNIST's format.

    Args and attributes as in MNIST. Debian's ``dataset-fashion-mnist`` package installs the
    files in ``/usr/share/datasets/fashion-mnist/``, where they are found without configuration.
    """

    name = 'FashionMNIST'
    folders = ('fashion-mnist', 'FashionMNIST', 'fashion_mnist')
    mirrors = ('http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/',)
    # SHA-256 of the unpacked IDX files (computed from Debian's dataset-fashion-mnist files)
    sha256 = {
        'train-images-idx3-ubyte':
            'c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888',
        'train-labels-idx1-ubyte':
            'bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9',
        't10k-images-idx3-ubyte':
            '5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b',
        't10k-labels-idx1-ubyte':
            '0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34',
    }
    hints = ('on Debian/Ubuntu: apt-get install dataset-fashion-mnist (installs /usr/share/datasets/fashion-mnist/)',
             'or pass download=True to fetch it (about 30 MB)',
             'or put the four IDX files (gzipped or not) in a folder and pass root=, '
             'or set $MINIGRAD_DATA to the folder that holds fashion-mnist/')
    classes = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat',
               'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot']


class MNISTSample(MNIST):
    """10,000 real MNIST digits shipped inside minigrad: 8,000 for training, 2,000 for testing.

    Loads offline from ``minigrad/data/_sample/`` (see its PROVENANCE.md). The split is
    stratified by class and fixed.

    Args:
        train: the 8,000-image training split (else the 2,000-image test split).
        transform: as in MNIST.
    """

    name = 'MNISTSample'

    def __init__(self, train=True, transform=None):
        self.root = None
        self.train = bool(train)
        split = 'train' if self.train else 't10k'
        paths = [os.path.join(SAMPLE_DIR, f'{split}-{kind}.gz') for kind in ('images-idx3-ubyte', 'labels-idx1-ubyte')]
        for p in paths:
            if not os.path.isfile(p):
                raise DatasetNotFoundError(f'the MNIST sample file {p} is missing: minigrad was installed '
                                           f'without its package data (minigrad/data/_sample/*)')
        data, targets = load_idx_pair(*paths, num_classes=len(self.classes))
        ImageDataset.__init__(self, data, targets, transform)

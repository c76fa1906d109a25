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


def _open(path):
    """The file's byte stream, decompressed when it starts with the gzip magic (whatever its name).
    Reads from it are bounded by the caller: a gzip member is never inflated beyond what is asked."""
    f = open(path, 'rb')
    if f.read(2) == b'\x1f\x8b':
        f.seek(0)
        return gzip.GzipFile(fileobj=f, mode='rb'), f
    f.seek(0)
    return f, f


def _read(stream, n, path):
    """At most ``n`` bytes of ``stream``; a broken gzip stream is a CorruptFileError naming ``path``."""
    try:
        return stream.read(n)
    except (OSError, EOFError, zlib.error) as e:
        raise CorruptFileError(f'{path}: broken or truncated gzip data ({e})') from None


def read_idx(path, item_shape=None, max_items=None, what='items'):
    """Read an IDX file (the MNIST format), gzipped or raw, into a NumPy array.

    The header is read and checked first; the data after it is then read (and, for a gzipped
    file, decompressed) up to the size the header announces and not a byte more, so a file can
    never inflate beyond the expected size of its IDX contents.

    Args:
        path: the file.
        item_shape: the shape every item must have (e.g. ``(28, 28)`` for MNIST images), or None.
        max_items: the largest item count accepted (e.g. 60000), or None.
        what: how the items are called in error messages (``'images'``, ``'labels'``).

    Returns:
        An array of the file's shape and type, in native byte order (uint8 for MNIST).

    Raises:
        CorruptFileError (a ValueError) naming the file if its magic number is wrong, its header
        disagrees with ``item_shape`` or ``max_items``, or its size does not match the header.
    """
    stream, raw = _open(path)
    with raw, stream:
        magic = _read(stream, 4, path)
        if len(magic) < 4 or magic[0] != 0 or magic[1] != 0 or magic[2] not in _IDX_DTYPES:
            raise CorruptFileError(f'{path}: not an IDX file (bad magic number {magic.hex() or "<empty>"})')
        ndim = magic[3]
        dims = _read(stream, 4 * ndim, path)
        if len(dims) < 4 * ndim:
            raise CorruptFileError(f'{path}: truncated IDX header ({4 + len(dims)} bytes)')
        shape = tuple(int(d) for d in np.frombuffer(dims, dtype='>u4', count=ndim))
        _check_header(path, shape, item_shape, max_items, what)
        dtype = np.dtype(_IDX_DTYPES[magic[2]])
        expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
        body = _read(stream, expected + 1, path)
    if len(body) != expected:
        what_is_wrong = 'truncated' if len(body) < expected else 'has trailing bytes'
        holds = f'{len(body)} bytes of data' if len(body) < expected else 'more'
        raise CorruptFileError(f'{path}: {what_is_wrong}: the header says shape {shape} ({expected} bytes '
                               f'of data after the {4 + 4 * ndim}-byte header) but the file holds {holds}')
    array = np.frombuffer(body, dtype=dtype).reshape(shape)
    return array.astype(dtype.newbyteorder('='))  # a writable, native-endian copy


def _check_header(path, shape, item_shape, max_items, what):
    if item_shape is not None and tuple(shape[1:]) != tuple(item_shape):
        if item_shape:
            size = 'x'.join(str(d) for d in item_shape)
            expected = f'{what} of {size}, shape (N, {", ".join(str(d) for d in item_shape)})'
        else:
            expected = f'one value per item, shape (N,)'
        raise CorruptFileError(f'{path}: the IDX header says shape {shape}; expected {expected}')
    if max_items is not None and shape and shape[0] > max_items:
        raise CorruptFileError(f'{path}: the IDX header says {shape[0]} {what}; this dataset has at most '
                               f'{max_items}')


def load_idx_pair(images_path, labels_path, num_classes=10, image_size=None, max_items=None):
    """Images ``(N, H, W)`` uint8 and labels ``(N,)`` int64 from two IDX files, checked for agreement
    (and, when given, against the dataset's ``image_size`` (H, W) and largest count ``max_items``)."""
    images = read_idx(images_path, image_size, max_items, 'images')
    labels = read_idx(labels_path, () if image_size is not None else None, max_items, 'labels')
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
        transform: called on each image's pixels, a uint8 array ``(28, 28)`` (what torchvision
            hands over as a PIL image); ``transforms.ToTensor()`` makes it a Tensor ``(1, 28, 28)``.
        target_transform: called on each label.

    ``dataset[i]`` is ``(image, label)``: the transform's result, or without one a float32
    ``(1, 28, 28)`` array in [0, 1]; the label is an int. ``.data`` is uint8 ``(N, 28, 28)`` and
    ``.targets`` int64 ``(N,)``. The files are checked against the known image size (28x28) and
    split sizes (60,000 / 10,000) before they are read, and gzipped ones are never inflated
    beyond that.
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
    image_size = (28, 28)
    split_sizes = {'train': 60000, 't10k': 10000}   # the most images a split's files may hold

    def __init__(self, root=None, train=True, download=False, transform=None, target_transform=None):
        self.root = root
        self.train = bool(train)
        split = 'train' if self.train else 't10k'
        paths = [self._locate(f'{split}-{kind}', download) for kind in ('images-idx3-ubyte', 'labels-idx1-ubyte')]
        super().__init__(*self._load(paths, split), transform, target_transform)

    def _load(self, paths, split):
        return load_idx_pair(*paths, num_classes=len(self.classes), image_size=self.image_size,
                             max_items=self.split_sizes[split])

    def _max_bytes(self, base):
        """The size of the largest valid IDX file ``base`` (the bound on decompressing a download)."""
        count = self.split_sizes['train' if base.startswith('train') else 't10k']
        if 'images' in base:
            return 4 + 4 * 3 + count * int(np.prod(self.image_size))
        return 4 + 4 + count

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
                                 sha256=self.sha256[base], gunzip=True, max_size=self._max_bytes(base))
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
        transform, target_transform: as in MNIST.
    """

    name = 'MNISTSample'
    split_sizes = {'train': 8000, 't10k': 2000}

    def __init__(self, train=True, transform=None, target_transform=None):
        self.root = None
        self.train = bool(train)
        split = 'train' if self.train else 't10k'
        paths = [os.path.join(SAMPLE_DIR, f'{split}-{kind}.gz') for kind in ('images-idx3-ubyte', 'labels-idx1-ubyte')]
        for p in paths:
            if not os.path.isfile(p):
                raise DatasetNotFoundError(f'the MNIST sample file {p} is missing: minigrad was installed '
                                           f'without its package data (minigrad/data/_sample/*)')
        ImageDataset.__init__(self, *self._load(paths, split), transform, target_transform)

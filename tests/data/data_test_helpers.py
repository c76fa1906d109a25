"""Helpers shared by the data tests: writers of tiny IDX and CIFAR-10 files."""
import gzip
import struct

import numpy as np


def idx_bytes(array, code=0x08):
    """``array`` as IDX bytes (big-endian, type ``code``)."""
    dtypes = {0x08: '>u1', 0x09: '>i1', 0x0B: '>i2', 0x0C: '>i4', 0x0D: '>f4', 0x0E: '>f8'}
    header = struct.pack('>BBBB', 0, 0, code, array.ndim) + struct.pack(f'>{array.ndim}I', *array.shape)
    return header + np.ascontiguousarray(array, dtype=dtypes[code]).tobytes()


def write_bytes(path, payload, gz=False):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(payload) if gz else payload)
    return path


def tiny_mnist(n=5, seed=0):
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8), rng.integers(0, 10, size=n).astype(np.uint8)


def write_mnist(folder, images, labels, split='train', gz=False):
    """Write ``<split>-images-idx3-ubyte[.gz]`` and the labels file into ``folder``."""
    suffix = '.gz' if gz else ''
    write_bytes(folder / f'{split}-images-idx3-ubyte{suffix}', idx_bytes(images), gz)
    write_bytes(folder / f'{split}-labels-idx1-ubyte{suffix}', idx_bytes(labels), gz)


def cifar_bytes(images_hwc, labels):
    """CIFAR-10 binary records: label byte, then the R, G, B planes."""
    planes = images_hwc.transpose(0, 3, 1, 2).reshape(len(labels), -1)
    return np.concatenate([np.asarray(labels, np.uint8)[:, None], planes], axis=1).tobytes()


def tiny_cifar(n, seed):
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, size=(n, 32, 32, 3), dtype=np.uint8), rng.integers(0, 10, size=n)

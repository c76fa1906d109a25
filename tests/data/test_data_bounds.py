"""Issue 12's data items: IDX headers checked against the dataset's known image size and split size
before anything is read, and gzip data never inflated beyond the size a valid file has."""
import gzip
import os
import tracemalloc

import numpy as np
import pytest

import minigrad.data as D
from data_test_helpers import idx_bytes, tiny_mnist, write_bytes, write_mnist

BOMB_BYTES = 64 << 20        # what the bombs below inflate to


def bomb(header_array):
    """A gzip file whose IDX header announces ``header_array`` and whose stream then goes on with
    BOMB_BYTES of zeros (it compresses to ~64 KB)."""
    payload = idx_bytes(header_array) + bytes(BOMB_BYTES)
    return gzip.compress(payload, compresslevel=9)


@pytest.mark.parametrize('gz', [False, True])
def test_a_header_with_the_wrong_image_size_is_refused(isolated, gz):
    images, labels = tiny_mnist(4)
    root = isolated / 'root'
    write_mnist(root, images.reshape(4, 14, 56), labels, gz=gz)     # same byte count as 28x28
    with pytest.raises(D.CorruptFileError) as info:
        D.MNIST(root=root)
    msg = str(info.value)
    assert 'train-images-idx3-ubyte' in msg and '28x28' in msg and '(4, 14, 56)' in msg
    with pytest.raises(D.CorruptFileError, match='28x28'):
        D.FashionMNIST(root=root)


def test_a_header_announcing_too_many_images_is_refused_before_reading(isolated):
    images, labels = tiny_mnist(3)
    root = isolated / 'root'
    write_mnist(root, images, labels, split='t10k')
    header = idx_bytes(images)[:4] + (10001).to_bytes(4, 'big') + idx_bytes(images)[8:]
    write_bytes(root / 't10k-images-idx3-ubyte', header)
    with pytest.raises(D.CorruptFileError, match=r'10001 images; this dataset has at most 10000') as info:
        D.MNIST(root=root, train=False)
    assert 't10k-images-idx3-ubyte' in str(info.value)


def test_labels_must_be_one_value_per_image(isolated):
    images, labels = tiny_mnist(3)
    write_mnist(isolated / 'root', images, np.stack([labels, labels], axis=1))
    with pytest.raises(D.CorruptFileError, match=r'train-labels-idx1-ubyte.*one value per item'):
        D.MNIST(root=isolated / 'root')


def test_a_gzip_bomb_is_refused_without_inflating_it(isolated):
    images, labels = tiny_mnist(2)
    root = isolated / 'root'
    write_mnist(root, images, labels)
    path = write_bytes(root / 'train-images-idx3-ubyte.gz', bomb(images))
    os.remove(root / 'train-images-idx3-ubyte')
    assert os.path.getsize(path) < 1 << 20
    tracemalloc.start()
    try:
        with pytest.raises(D.CorruptFileError, match='trailing') as info:
            D.MNIST(root=root)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert 'train-images-idx3-ubyte.gz' in str(info.value)
    assert peak < BOMB_BYTES // 8, f'{peak} bytes allocated to reject the file'


def test_read_idx_takes_the_bounds_directly(tmp_path):
    path = write_bytes(tmp_path / 'x.gz', gzip.compress(idx_bytes(np.zeros((2, 3, 4), np.uint8))), gz=False)
    assert D.read_idx(path, item_shape=(3, 4), max_items=2).shape == (2, 3, 4)
    with pytest.raises(D.CorruptFileError, match=r'x.gz.*expected images of 4x3'):
        D.read_idx(path, item_shape=(4, 3), what='images')
    with pytest.raises(D.CorruptFileError, match='at most 1'):
        D.read_idx(path, max_items=1)
    broken = write_bytes(tmp_path / 'y', gzip.compress(idx_bytes(np.zeros(5, np.uint8)))[:-12])
    with pytest.raises(D.CorruptFileError, match=r'y: broken or truncated gzip'):
        D.read_idx(broken)


def test_downloads_are_inflated_up_to_the_expected_size_only(http_root, isolated, tmp_path, monkeypatch):
    www, url = http_root
    images, labels = tiny_mnist(2)
    (www / 'train-images-idx3-ubyte.gz').write_bytes(bomb(images))
    (www / 'train-labels-idx1-ubyte.gz').write_bytes(gzip.compress(idx_bytes(labels)))
    with pytest.raises(D.DownloadError, match='unpacks to more than 1000 bytes'):
        D.download_file([url + 'train-images-idx3-ubyte.gz'], tmp_path / 'f', gunzip=True,
                        progress=False, max_size=1000)
    assert os.listdir(tmp_path) == [p for p in os.listdir(tmp_path) if not p.startswith('.f.')]
    monkeypatch.setattr(D.MNIST, 'mirrors', (url,))
    with pytest.raises(D.DownloadError, match=f'more than {16 + 60000 * 784} bytes'):
        D.MNIST(root=isolated / 'root', download=True)
    assert not (isolated / 'root' / 'mnist' / 'train-images-idx3-ubyte').exists()

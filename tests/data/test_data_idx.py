"""IDX reading and the MNIST / FashionMNIST datasets on small files made here."""
import gzip
import hashlib
import os

import numpy as np
import pytest

import minigrad as mg
import minigrad.data as D
from data_test_helpers import idx_bytes, tiny_mnist, write_bytes, write_mnist

FASHION_DIR = '/usr/share/datasets/fashion-mnist'


@pytest.mark.parametrize('gz', [False, True])
def test_read_idx_round_trip(tmp_path, gz):
    a = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    b = np.array([[-5, 70000], [1, 2]], dtype=np.int32)
    pa = write_bytes(tmp_path / 'a', idx_bytes(a), gz)
    pb = write_bytes(tmp_path / 'b', idx_bytes(b, code=0x0C), gz)
    ra, rb = D.read_idx(pa), D.read_idx(pb)
    np.testing.assert_array_equal(ra, a)
    assert ra.dtype == np.uint8
    np.testing.assert_array_equal(rb, b)
    assert rb.dtype.isnative and rb.dtype.kind == 'i' and rb.dtype.itemsize == 4
    ra[0, 0, 0] = 7  # the result is writable


@pytest.mark.parametrize('layout', ['', 'mnist', 'mnist/raw', 'MNIST/raw'])
@pytest.mark.parametrize('gz', [False, True])
def test_mnist_loads_from_root_layouts(isolated, layout, gz):
    images, labels = tiny_mnist(6)
    root = isolated / 'root'
    write_mnist(root / layout, images, labels, 'train', gz)
    ds = D.MNIST(root=root)
    assert len(ds) == 6
    assert ds.data.dtype == np.uint8 and ds.data.shape == (6, 28, 28)
    assert ds.targets.dtype == np.int64
    np.testing.assert_array_equal(ds.data, images)
    np.testing.assert_array_equal(ds.targets, labels)
    x, y = ds[2]
    assert x.dtype == np.float32 and x.shape == (1, 28, 28)
    np.testing.assert_array_equal(x[0], images[2].astype(np.float32) / np.float32(255))
    assert y == int(labels[2]) and isinstance(y, int)
    assert 0.0 <= x.min() and x.max() <= 1.0


def test_mnist_test_split_and_dotted_names(isolated):
    images, labels = tiny_mnist(3, seed=1)
    root = isolated / 'root'
    write_bytes(root / 't10k-images.idx3-ubyte', idx_bytes(images))
    write_bytes(root / 't10k-labels.idx1-ubyte', idx_bytes(labels))
    ds = D.MNIST(root=root, train=False)
    np.testing.assert_array_equal(ds.targets, labels)
    with pytest.raises(FileNotFoundError):
        D.MNIST(root=root, train=True)


def test_search_order_root_then_env(isolated):
    a, la = tiny_mnist(2, seed=1)
    b, lb = tiny_mnist(4, seed=2)
    write_mnist(isolated / 'root', a, la)
    write_mnist(isolated / 'env' / 'mnist', b, lb)
    assert len(D.MNIST(root=isolated / 'root')) == 2
    assert len(D.MNIST()) == 4  # $MINIGRAD_DATA/mnist
    write_mnist(isolated / 'home' / '.cache' / 'minigrad' / 'fashion-mnist', a, la)
    assert len(D.FashionMNIST()) == 2  # ~/.cache/minigrad/fashion-mnist
    write_mnist(isolated / 'system' / 'fashion-mnist', b, lb)
    assert len(D.FashionMNIST()) == 2  # the cache comes before the system folder


def test_system_folder_is_searched(isolated):
    images, labels = tiny_mnist(3)
    write_mnist(isolated / 'system' / 'fashion-mnist', images, labels, 't10k', gz=True)
    ds = D.FashionMNIST(train=False)
    np.testing.assert_array_equal(ds.data, images)
    assert ds.classes[0] == 'T-shirt/top' and len(ds.classes) == 10


def test_missing_files_error_lists_places_and_remedies(isolated):
    with pytest.raises(FileNotFoundError) as info:
        D.FashionMNIST(root=isolated / 'root')
    assert isinstance(info.value, D.DatasetNotFoundError)
    msg = str(info.value)
    for place in ['root', 'env', os.path.join('home', '.cache', 'minigrad'), os.path.join('system', 'fashion-mnist')]:
        assert str(isolated / place) in msg
    assert 'train-images-idx3-ubyte' in msg
    assert 'download=True' in msg and 'apt-get install dataset-fashion-mnist' in msg and 'MINIGRAD_DATA' in msg


def test_bad_magic_is_a_clear_error(isolated):
    images, labels = tiny_mnist(3)
    root = isolated / 'root'
    write_mnist(root, images, labels)
    bad = b'\x12\x34\x08\x03' + idx_bytes(images)[4:]
    write_bytes(root / 'train-images-idx3-ubyte', bad)
    with pytest.raises(ValueError, match='bad magic') as info:
        D.MNIST(root=root)
    assert isinstance(info.value, D.CorruptFileError)
    assert 'train-images-idx3-ubyte' in str(info.value)


@pytest.mark.parametrize('gz', [False, True])
def test_truncated_file_is_a_clear_error(isolated, gz):
    images, labels = tiny_mnist(3)
    root = isolated / 'root'
    write_mnist(root, images, labels, gz=gz)
    name = 'train-images-idx3-ubyte' + ('.gz' if gz else '')
    path = root / name
    path.write_bytes(path.read_bytes()[:-40])
    with pytest.raises(D.CorruptFileError, match='truncated') as info:
        D.MNIST(root=root)
    assert name in str(info.value)


def test_trailing_bytes_are_an_error(tmp_path):
    path = write_bytes(tmp_path / 'x', idx_bytes(np.zeros(4, np.uint8)) + b'\0')
    with pytest.raises(D.CorruptFileError, match='trailing'):
        D.read_idx(path)


def test_wrong_counts_are_a_clear_error(isolated):
    images, labels = tiny_mnist(5)
    root = isolated / 'root'
    write_mnist(root, images, labels[:4])
    with pytest.raises(ValueError, match='5 images') as info:
        D.MNIST(root=root)
    msg = str(info.value)
    assert 'train-images-idx3-ubyte' in msg and 'train-labels-idx1-ubyte' in msg and '4 labels' in msg


def test_labels_out_of_range_and_wrong_rank(isolated):
    images, labels = tiny_mnist(3)
    root = isolated / 'root'
    write_mnist(root, images, np.array([1, 12, 3], np.uint8))
    with pytest.raises(D.CorruptFileError, match=r'labels must be in \[0, 10\)'):
        D.MNIST(root=root)
    write_mnist(root, images[:, 0], labels)  # (3, 28) is not a stack of images
    with pytest.raises(D.CorruptFileError, match=r'expected images of 28x28'):
        D.MNIST(root=root)


def test_dataset_transform_applies_per_sample_and_per_batch(isolated):
    images, labels = tiny_mnist(4)
    write_mnist(isolated / 'root', images, labels)
    ds = D.MNIST(root=isolated / 'root', transform=D.Compose([D.ToTensor(), D.Normalize(0.5, 0.25)]))
    x, y = ds[1]
    assert isinstance(x, mg.Tensor) and x.shape == (1, 28, 28) and type(y) is int
    expected = (images[1].astype(np.float32) / np.float32(255) - np.float32(0.5)) / np.float32(0.25)
    np.testing.assert_allclose(x.numpy()[0], expected, rtol=1e-6)
    xb, yb = ds.get_batch(np.array([3, 1]))
    assert xb.dtype == np.float32 and xb.shape == (2, 1, 28, 28)
    np.testing.assert_allclose(xb[1, 0], expected, rtol=1e-6)
    np.testing.assert_array_equal(yb, labels[[3, 1]])
    assert 'Normalize' in repr(ds) and 'Number of datapoints: 4' in repr(ds)


@pytest.mark.skipif(not os.path.isdir(FASHION_DIR), reason='dataset-fashion-mnist is not installed')
def test_fashion_mnist_from_debian_package():
    train, test = D.FashionMNIST(), D.FashionMNIST(train=False)
    assert train.data.shape == (60000, 28, 28) and test.data.shape == (10000, 28, 28)
    np.testing.assert_array_equal(np.bincount(train.targets), [6000] * 10)
    np.testing.assert_array_equal(np.bincount(test.targets), [1000] * 10)
    x, y = train[0]
    assert x.dtype == np.float32 and x.shape == (1, 28, 28) and 0 <= y < 10


@pytest.mark.skipif(not os.path.isdir(FASHION_DIR), reason='dataset-fashion-mnist is not installed')
def test_fashion_mnist_checksums_match_the_unpacked_debian_files():
    for name, expected in D.FashionMNIST.sha256.items():
        with gzip.open(os.path.join(FASHION_DIR, name + '.gz'), 'rb') as f:
            assert hashlib.sha256(f.read()).hexdigest() == expected, name


def test_files_directly_in_shared_folders_are_not_taken_for_a_dataset(isolated):
    images, labels = tiny_mnist(3)
    write_mnist(isolated / 'env', images, labels)  # no mnist/ or fashion-mnist/ folder
    with pytest.raises(FileNotFoundError):
        D.MNIST()
    with pytest.raises(FileNotFoundError):
        D.FashionMNIST()

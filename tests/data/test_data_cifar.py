"""CIFAR-10 binary batches on small files made here."""
import numpy as np
import pytest

import minigrad.data as D
from data_test_helpers import cifar_bytes, tiny_cifar, write_bytes


def write_cifar(folder, per_file=3):
    """All six batch files with ``per_file`` records each; returns {file name: (images, labels)}."""
    out = {}
    names = [f'data_batch_{i}.bin' for i in range(1, 6)] + ['test_batch.bin']
    for k, name in enumerate(names):
        images, labels = tiny_cifar(per_file, seed=k)
        write_bytes(folder / name, cifar_bytes(images, labels))
        out[name] = images, labels
    return out


@pytest.mark.parametrize('layout', ['', 'cifar-10-batches-bin', 'cifar10/cifar-10-batches-bin'])
def test_cifar10_train_and_test(isolated, layout):
    files = write_cifar(isolated / 'root' / layout)
    train = D.CIFAR10(root=isolated / 'root')
    assert len(train) == 15 and train.data.shape == (15, 32, 32, 3) and train.data.dtype == np.uint8
    assert train.targets.dtype == np.int64
    expected = np.concatenate([files[f'data_batch_{i}.bin'][0] for i in range(1, 6)])
    np.testing.assert_array_equal(train.data, expected)
    np.testing.assert_array_equal(train.targets[:3], files['data_batch_1.bin'][1])
    test = D.CIFAR10(root=isolated / 'root', train=False)
    np.testing.assert_array_equal(test.data, files['test_batch.bin'][0])
    x, y = test[1]
    assert x.shape == (3, 32, 32) and x.dtype == np.float32
    np.testing.assert_array_equal(x, files['test_batch.bin'][0][1].transpose(2, 0, 1) / np.float32(255))
    assert y == files['test_batch.bin'][1][1]
    xb, yb = test.get_batch([2, 0])
    assert xb.shape == (2, 3, 32, 32) and xb.dtype == np.float32
    np.testing.assert_array_equal(xb[1], test[0][0])
    assert train.classes[0] == 'airplane' and len(train.classes) == 10


def test_cifar_channel_planes_are_decoded_in_rgb_order(tmp_path):
    record = np.zeros(3073, np.uint8)
    record[0] = 7
    record[1:1025] = 10                    # red plane
    record[1025:2049] = 20                 # green plane
    record[2049 + 32 * 1 + 2] = 99         # blue at row 1, column 2
    images, labels = D.read_cifar_bin(write_bytes(tmp_path / 'b.bin', record.tobytes()))
    assert labels.tolist() == [7]
    assert images[0, 0, 0].tolist() == [10, 20, 0]
    assert images[0, 1, 2].tolist() == [10, 20, 99]


def test_cifar_truncated_file_is_a_clear_error(isolated):
    write_cifar(isolated / 'root')
    path = isolated / 'root' / 'data_batch_3.bin'
    path.write_bytes(path.read_bytes()[:-100])
    with pytest.raises(ValueError, match='whole number of 3073-byte records') as info:
        D.CIFAR10(root=isolated / 'root')
    assert isinstance(info.value, D.CorruptFileError) and 'data_batch_3.bin' in str(info.value)


def test_cifar_bad_label_is_a_clear_error(tmp_path):
    images, _ = tiny_cifar(2, seed=0)
    path = write_bytes(tmp_path / 'x.bin', cifar_bytes(images, [3, 42]))
    with pytest.raises(D.CorruptFileError, match='CIFAR-100'):
        D.read_cifar_bin(path)


def test_cifar_missing_files_error(isolated):
    write_cifar(isolated / 'root')
    (isolated / 'root' / 'data_batch_4.bin').unlink()
    assert len(D.CIFAR10(root=isolated / 'root', train=False)) == 3  # the test split is complete
    with pytest.raises(FileNotFoundError) as info:
        D.CIFAR10(root=isolated / 'root')
    msg = str(info.value)
    assert 'data_batch_4.bin' in msg and 'data_batch_1.bin' not in msg
    assert str(isolated / 'root') in msg and 'download=True' in msg

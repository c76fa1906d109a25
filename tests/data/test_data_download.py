"""Downloads against a local HTTP server on 127.0.0.1: checksums, mirror fallback, atomic writes."""
import gzip
import hashlib
import io
import os
import socket
import tarfile

import numpy as np
import pytest

import minigrad.data as D
from data_test_helpers import cifar_bytes, idx_bytes, tiny_cifar, tiny_mnist


def sha(b):
    return hashlib.sha256(b).hexdigest()


def closed_port_url():
    s = socket.socket()
    s.bind(('127.0.0.1', 0))
    port = s.getsockname()[1]
    s.close()
    return f'http://127.0.0.1:{port}/'


def serve(folder, rel, payload):
    path = folder / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(payload)


def test_checksum_mismatch_falls_back_to_next_mirror(http_root, tmp_path):
    www, url = http_root
    good = b'the right bytes' * 100
    serve(www, 'm1/f.gz', gzip.compress(b'the wrong bytes'))
    serve(www, 'm2/f.gz', gzip.compress(good))
    target = tmp_path / 'out' / 'f'
    result = D.download_file([url + 'm1/f.gz', url + 'm2/f.gz'], target, sha256=sha(good),
                             gunzip=True, progress=False)
    assert os.fspath(result) == os.fspath(target)
    assert target.read_bytes() == good
    assert os.listdir(target.parent) == ['f']  # no temporary file left behind


def test_network_error_and_broken_gzip_fall_back(http_root, tmp_path):
    www, url = http_root
    good = b'payload'
    serve(www, 'bad/f.gz', gzip.compress(good)[:-6])  # truncated gzip stream
    serve(www, 'ok/f.gz', gzip.compress(good))
    target = tmp_path / 'out' / 'f'
    urls = [closed_port_url() + 'f.gz', url + 'missing/f.gz', url + 'bad/f.gz', url + 'ok/f.gz']
    D.download_file(urls, target, sha256=sha(good), gunzip=True, progress=False, timeout=5)
    assert target.read_bytes() == good
    assert os.listdir(target.parent) == ['f']


def test_all_mirrors_bad_raises_and_leaves_nothing(http_root, tmp_path):
    www, url = http_root
    serve(www, 'm1/f', b'wrong')
    target = tmp_path / 'out' / 'f'
    with pytest.raises(D.DownloadError) as info:
        D.download_file([url + 'm1/f', url + 'm2/f'], target, sha256=sha(b'right'), progress=False)
    msg = str(info.value)
    assert url + 'm1/f' in msg and 'SHA-256 mismatch' in msg
    assert url + 'm2/f' in msg and '404' in msg
    assert not target.exists()
    assert os.listdir(target.parent) == []


def test_existing_file_is_kept_when_download_fails(http_root, tmp_path):
    www, url = http_root
    serve(www, 'f', b'wrong')
    target = tmp_path / 'f'
    target.write_bytes(b'old')
    with pytest.raises(D.DownloadError):
        D.download_file([url + 'f'], target, sha256=sha(b'right'), progress=False)
    assert target.read_bytes() == b'old'
    assert sorted(os.listdir(tmp_path)) == ['f', 'www']


def test_mnist_download_true(http_root, isolated, monkeypatch):
    www, url = http_root
    images, labels = tiny_mnist(7)
    test_images, test_labels = tiny_mnist(2, seed=5)
    payloads = {'train-images-idx3-ubyte': idx_bytes(images), 'train-labels-idx1-ubyte': idx_bytes(labels),
                't10k-images-idx3-ubyte': idx_bytes(test_images), 't10k-labels-idx1-ubyte': idx_bytes(test_labels)}
    for name, payload in payloads.items():
        serve(www, 'good/' + name + '.gz', gzip.compress(payload))
        serve(www, 'evil/' + name + '.gz', gzip.compress(payload[:-1] + b'\x01'))
    monkeypatch.setattr(D.MNIST, 'mirrors', (url + 'evil/', url + 'good/'))
    monkeypatch.setattr(D.MNIST, 'sha256', {k: sha(v) for k, v in payloads.items()})
    root = isolated / 'root'
    with pytest.raises(FileNotFoundError):
        D.MNIST(root=root)
    ds = D.MNIST(root=root, download=True)
    np.testing.assert_array_equal(ds.data, images)
    assert sorted(os.listdir(root / 'mnist')) == ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte']
    monkeypatch.setattr(D.MNIST, 'mirrors', ())  # now found on disk, no network needed
    np.testing.assert_array_equal(D.MNIST(root=root).targets, labels)


def test_fashion_mnist_download_rejects_bytes_that_fail_the_real_checksums(http_root, isolated, monkeypatch):
    www, url = http_root
    images, labels = tiny_mnist(3)
    serve(www, 'train-images-idx3-ubyte.gz', gzip.compress(idx_bytes(images)))
    serve(www, 'train-labels-idx1-ubyte.gz', gzip.compress(idx_bytes(labels)))
    monkeypatch.setattr(D.FashionMNIST, 'mirrors', (url,))
    with pytest.raises(D.DownloadError, match='SHA-256 mismatch'):
        D.FashionMNIST(download=True)
    folder = isolated / 'env' / 'fashion-mnist'
    assert not folder.exists() or os.listdir(folder) == []


def cifar_archive(members):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode='w:gz') as tar:
        for name, payload in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(payload)
            tar.addfile(info, io.BytesIO(payload))
    return buf.getvalue()


def test_cifar10_download_true(http_root, isolated, monkeypatch):
    www, url = http_root
    names = [f'data_batch_{i}.bin' for i in range(1, 6)] + ['test_batch.bin']
    payloads = {n: cifar_bytes(*tiny_cifar(2, seed=k)) for k, n in enumerate(names)}
    members = {f'cifar-10-batches-bin/{n}': p for n, p in payloads.items()}
    incomplete = dict(list(members.items())[:-1])
    serve(www, 'm1/cifar.tar.gz', cifar_archive(incomplete))
    serve(www, 'm2/cifar.tar.gz', cifar_archive(members))
    monkeypatch.setattr(D.CIFAR10, 'mirrors', (url + 'm1/cifar.tar.gz', url + 'm2/cifar.tar.gz'))
    monkeypatch.setattr(D.CIFAR10, 'sha256', {n: sha(p) for n, p in payloads.items()})
    ds = D.CIFAR10(root=isolated / 'root', train=False, download=True)
    assert len(ds) == 2
    folder = isolated / 'root' / 'cifar-10-batches-bin'
    assert sorted(os.listdir(folder)) == sorted(names)
    assert (folder / 'data_batch_2.bin').read_bytes() == payloads['data_batch_2.bin']
    assert len(D.CIFAR10(root=isolated / 'root')) == 10


def test_archive_with_a_bad_member_leaves_nothing(http_root, tmp_path):
    www, url = http_root
    serve(www, 'a.tar.gz', cifar_archive({'d/x.bin': b'xx', 'd/y.bin': b'yy'}))
    out = tmp_path / 'out'
    with pytest.raises(D.DownloadError, match='SHA-256 mismatch'):
        D.download_archive_members([url + 'a.tar.gz'], out, {'d/x.bin': sha(b'xx'), 'd/y.bin': sha(b'zz')},
                                   progress=False)
    assert os.listdir(out) == []

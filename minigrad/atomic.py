"""Atomic file writes that leave no garbage: a temp file beside the target, fsync, rename.

``write_atomically(path, write)`` calls ``write(f)`` on a new temp file in the target's folder,
flushes and fsyncs it, gives it the old file's permissions and renames it over ``path``
(``os.replace``). A crash, an error or a kill at any moment leaves the previous file at ``path``
intact: readers see the old file or the new one, never half of one.

A process killed mid-write (SIGKILL, an out-of-memory kill, a power cut) cannot remove its temp
file, so the temp files are named to be found again later::

    .<target name>.<pid>-<host>.<random>.tmp      e.g.  .checkpoint.npz.4242-1f0c3a.k2x9q0ab.tmp

(``host`` is a short hash of the machine's name), and the writer holds an advisory lock
(``flock``) on its temp file while it writes. Each write to ``path`` first and last removes the
stale temp files of that same target: those whose lock nobody holds and whose writer is gone
(its pid is not alive on this machine) or that have not been touched for a minute. A concurrent
writer, in this or another process or on another machine sharing the folder, holds its lock and
keeps its temp file; where the file system has no locks, only temp files untouched for an hour
(or of dead pids on this machine) are removed. Nothing else in the folder is ever touched.
"""
import hashlib
import os
import re
import socket
import tempfile
import time

try:
    import fcntl
except ImportError:          # Windows: no advisory locks; ages and pids decide
    fcntl = None

__all__ = ['write_atomically', 'remove_stale_temps', 'temp_pattern']

UNLOCKED_STALE_S = 60        # unlocked and untouched this long: the writer is gone
UNLOCKABLE_STALE_S = 3600    # where locks cannot be taken, wait this long
_HOST = hashlib.sha1(socket.gethostname().encode('utf-8', 'replace')).hexdigest()[:6]


def _tag(name):
    """The target's name as it appears in its temp files (shortened when very long)."""
    if len(name) <= 200:
        return name
    return name[:180] + '~' + hashlib.sha1(name.encode('utf-8', 'surrogateescape')).hexdigest()[:12]


def temp_pattern(path):
    """The regular expression that matches the temp file names of writes to ``path``."""
    return re.compile(r'\.' + re.escape(_tag(os.path.basename(path)))
                      + r'\.(?P<pid>[0-9]+)-(?P<host>[0-9a-f]{6})\.[a-z0-9_]{8}\.tmp\Z')


def write_atomically(path, write, mode='wb'):
    """Write ``path`` through a temp file and a rename; ``write(f)`` writes the content to ``f``.

    Args:
        path: the target file (str or os.PathLike); its folder must exist.
        write: a function called with the open temp file.
        mode: ``'wb'`` (binary) or ``'w'`` (text, UTF-8).

    Raises:
        FileNotFoundError: the target's folder does not exist.
        Whatever ``write`` raises, after the temp file is removed.
    """
    path = os.fspath(path)
    if isinstance(path, bytes):
        path = os.fsdecode(path)
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise FileNotFoundError(f'cannot save to {path!r}: the folder {folder!r} does not exist')
    remove_stale_temps(path)              # first: frees the space that killed writes still hold
    fd, tmp = tempfile.mkstemp(dir=folder, suffix='.tmp',
                               prefix=f'.{_tag(os.path.basename(path))}.{os.getpid()}-{_HOST}.')
    try:
        with os.fdopen(fd, mode, **({} if 'b' in mode else {'encoding': 'utf-8'})) as f:
            _lock(f.fileno())
            write(f)
            f.flush()
            os.fsync(f.fileno())
        _set_mode(tmp, path)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    _fsync_folder(folder)
    remove_stale_temps(path)              # last: writers killed while this one was writing


def remove_stale_temps(path):
    """Remove the temp files that killed writes to ``path`` left behind; return their names.

    Only names matching ``temp_pattern(path)`` are considered, and of those only the ones no
    live writer can still own (see the module docstring). Never raises for a file-system error.
    """
    folder = os.path.dirname(os.path.abspath(os.fspath(path)))
    pattern = temp_pattern(os.fspath(path))
    try:
        names = os.listdir(folder)
    except OSError:
        return []
    removed = []
    for name in names:
        m = pattern.match(name)
        if m and _stale(os.path.join(folder, name), int(m['pid']), m['host']):
            try:
                os.unlink(os.path.join(folder, name))
                removed.append(name)
            except OSError:
                pass
    return removed


def _stale(tmp, pid, host):
    try:
        fd = os.open(tmp, os.O_RDONLY)
    except OSError:
        return False
    try:
        locked = _is_locked(fd)
        if locked:                          # a live writer holds it
            return False
        age = time.time() - os.fstat(fd).st_mtime
    except OSError:
        return False
    finally:
        os.close(fd)
    if host == _HOST and pid != os.getpid() and not _pid_alive(pid):
        return True
    return age > (UNLOCKED_STALE_S if locked is False else UNLOCKABLE_STALE_S)


def _lock(fd):
    """Hold an exclusive advisory lock on our temp file while writing (released on close or death)."""
    if fcntl is None:
        return
    for _ in range(20):                     # a cleaner may hold a shared lock for an instant
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            time.sleep(0.005)
        except OSError:                     # no locks on this file system
            return


def _is_locked(fd):
    """True if another open file holds a lock on this file, False if not, None if we cannot tell."""
    if fcntl is None:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    except OSError:
        return None
    fcntl.flock(fd, fcntl.LOCK_UN)
    return False


def _pid_alive(pid):
    if os.name == 'nt' or pid <= 0:        # os.kill(pid, 0) would end the process on Windows
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:                         # EPERM: alive, another user's
        return True
    return True


def _set_mode(tmp, path):
    """Give the new file the old file's permissions, or the usual 0666 & ~umask (mkstemp makes 0600)."""
    try:
        mode = os.stat(path).st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    try:
        os.chmod(tmp, mode)
    except OSError:
        pass


def _fsync_folder(folder):
    """Make the rename durable (POSIX); harmless where folders cannot be opened."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)

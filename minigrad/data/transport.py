"""How a DataLoader worker's batch reaches the main process: one message down a pipe.

A message is the batch pickled with protocol 5 and its arrays' bytes kept out of the pickle
("out-of-band buffers"), laid out as::

    total  count  header_len   (three little-endian uint64; total counts every byte after them)
    count x uint64             the arrays' sizes in bytes
    header                     the pickle, with the arrays left out
    array bytes, each starting at a multiple of 64 bytes

The worker writes it with plain ``os.write`` calls; the main process reads the fixed part, makes
one empty uint8 buffer of the rest and reads straight into it, and the arrays of the batch become
views of that buffer (writable and aligned, as arrays made in this process are). No queue, lock,
feeder thread or per-array message: with the trainer keeping every core busy, each microsecond
spent here is taken from a training step (``benchmarks/loader.py``).

Only bytes our own worker wrote a moment ago are unpickled here, through a pipe this process
created (what ``multiprocessing.Queue`` does anyway): never a file's or another program's bytes,
which minigrad never unpickles.
"""
import fcntl
import os
import pickle
import struct

import numpy as np

_FIXED = struct.Struct('<3Q')
_ALIGN = 64


def widen_pipe(conn):
    """Linux: let the pipe hold a whole batch (up to ``/proc/sys/fs/pipe-max-size``, 1 MiB by
    default, instead of 64 KiB), so that a worker writes its batch in one go and goes back to
    sleep, and the main process later reads it without waiting for the worker to be scheduled
    again to write the rest."""
    try:
        with open('/proc/sys/fs/pipe-max-size') as f:
            size = int(f.read())
        fcntl.fcntl(conn.fileno(), fcntl.F_SETPIPE_SZ, size)
    except (OSError, ValueError, AttributeError):
        pass                                   # not Linux, or over the user's pipe quota


def _aligned(n):
    return -(-n // _ALIGN) * _ALIGN


def _layout(sizes, header_len):
    """Where each array starts, counted from the end of the fixed part, and the total."""
    offset, starts = 8 * len(sizes) + header_len, []
    for size in sizes:
        offset = _aligned(offset)
        starts.append(offset)
        offset += size
    return starts, offset


def pack(message):
    """``message`` as the bytes of one message (a bytearray); raises what pickling raises."""
    buffers = []
    header = pickle.dumps(message, protocol=5, buffer_callback=buffers.append)
    raws = [b.raw() for b in buffers]
    sizes = [r.nbytes for r in raws]
    starts, total = _layout(sizes, len(header))
    out = bytearray(_FIXED.size + total)
    _FIXED.pack_into(out, 0, total, len(raws), len(header))
    at = _FIXED.size
    struct.pack_into(f'<{len(sizes)}Q', out, at, *sizes)
    at += 8 * len(sizes)
    out[at:at + len(header)] = header
    for start, r in zip(starts, raws):
        out[_FIXED.size + start:_FIXED.size + start + r.nbytes] = r
    return out


_RAW = hasattr(os, 'readv') and os.name == 'posix'     # file descriptors to read into; else Windows


def send(conn, packed):
    """Write a message made by ``pack`` to the pipe of ``conn`` (blocks while the pipe is full)."""
    if not _RAW:                         # Windows pipes are handles: multiprocessing frames it
        conn.send_bytes(packed)
        return
    data = memoryview(packed)
    fd = conn.fileno()
    while data:
        data = data[os.write(fd, data):]


def _read_into(fd, view):
    while view:
        n = os.readv(fd, [view])
        if n == 0:
            raise EOFError('the worker closed its pipe in the middle of a batch')
        view = view[n:]


def receive(conn):
    """Read one message from the pipe of ``conn`` and rebuild what was sent. Raises EOFError if
    the pipe was closed before a whole message came."""
    if _RAW:
        fd = conn.fileno()
        fixed = bytearray(_FIXED.size)
        first = os.readv(fd, [fixed])
        if first == 0:
            raise EOFError('the worker closed its pipe')
        _read_into(fd, memoryview(fixed)[first:])
        total, count, header_len = _FIXED.unpack(fixed)
        body = np.empty(total, np.uint8)
        _read_into(fd, memoryview(body))
    else:
        message = conn.recv_bytes()
        total, count, header_len = _FIXED.unpack_from(message)
        body = np.frombuffer(bytearray(message[_FIXED.size:]), np.uint8)
    sizes = struct.unpack_from(f'<{count}Q', body)
    header = memoryview(body)[8 * count:8 * count + header_len]
    starts, _ = _layout(sizes, header_len)
    buffers = [body[start:start + size] for start, size in zip(starts, sizes)]
    return pickle.loads(header, buffers=buffers)


def drain(conn):
    """Read and drop whatever is in the pipe now (at most 1 MiB, or one message on Windows);
    False at end of file."""
    try:
        return bool(os.read(conn.fileno(), 1 << 20) if _RAW else conn.recv_bytes())
    except (OSError, EOFError):
        return False

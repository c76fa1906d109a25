"""How a DataLoader worker's batch reaches the main process: one message down a pipe.

A message is the batch's structure as JSON (each node tagged with its type, as ``mg.save``
writes checkpoints) with the arrays' bytes kept apart, laid out as::

    total  count  header_len   (three little-endian uint64; total counts every byte after them)
    count x uint64             the arrays' sizes in bytes
    header                     the JSON, the arrays named by their position
    array bytes, each starting at a multiple of 64 bytes

The worker writes it with plain ``os.write`` calls; the main process reads the fixed part, makes
one empty uint8 buffer of the rest and reads straight into it, and the arrays of the batch become
views of that buffer (writable and aligned, as arrays made in this process are). No queue, lock,
feeder thread or per-array message: with the trainer keeping every core busy, each microsecond
spent here is taken from a training step (``benchmarks/loader.py``).

Nothing is pickled: a batch is made of NumPy arrays, Tensors, NumPy scalars, numbers, strings,
bytes, None and lists, tuples (named ones too), dicts of them, which is what default collation and
nearly every ``collate_fn`` return; anything else is refused with an error that says so (use
``num_workers=0`` for such batches). A worker's exception travels as its type's name, its
traceback text and where it happened (``ExceptionWrapper``).
"""
import fcntl
import json
import os
import struct
import sys
import traceback

import numpy as np

from .. import backend
from ..tensor import Tensor

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


class ExceptionWrapper:
    """An exception raised in a worker, carried to the main process with its traceback text."""

    def __init__(self, exc_info, where):
        self.exc_type = exc_info[0]
        self.msg = ''.join(traceback.format_exception(*exc_info))
        self.where = where

    def reraise(self):
        msg = f'Caught {self.exc_type.__name__} {self.where}.\nOriginal {self.msg}'
        try:
            exception = self.exc_type(msg)
        except Exception:                  # a type that cannot be built from one message
            raise RuntimeError(msg) from None
        raise exception


class Exhausted:
    """What a stream fetcher gives once its IterableDataset has no batch left."""


def _type_name(cls):
    return [cls.__module__, cls.__qualname__]


def _find_type(name, base):
    """The class ``[module, qualname]`` names, if its module is already imported and it is a
    subclass of ``base``; else None (nothing is imported on a worker's word)."""
    obj = sys.modules.get(name[0])
    for part in name[1].split('.'):
        obj = getattr(obj, part, None)
    return obj if isinstance(obj, type) and issubclass(obj, base) else None


class _Encoder:
    """A batch -> a JSON-able tree of tagged nodes plus the list of its arrays."""

    def __init__(self):
        self.arrays = []

    def array(self, a):
        if a.dtype.hasobject:
            raise TypeError('a DataLoader worker cannot send an array of dtype object')
        node = {'t': 'ndarray', 'a': len(self.arrays), 'dtype': a.dtype.str, 'shape': list(a.shape)}
        if not isinstance(a, np.ndarray):
            node['device'] = str(backend.device_of(a))
            a = backend.asnumpy(a)
        self.arrays.append(np.ascontiguousarray(a))
        return node

    def encode(self, obj):
        if obj is None or isinstance(obj, (bool, str)):
            return obj
        if isinstance(obj, int):
            return {'t': 'int', 'v': int(obj)}          # a bare JSON number would come back a float
        if isinstance(obj, float):
            return {'t': 'float', 'v': repr(float(obj))}
        if isinstance(obj, Tensor):
            return {'t': 'tensor', 'v': self.array(obj.array), 'grad': bool(obj.requires_grad)}
        if backend.is_array(obj):
            return self.array(obj)
        if isinstance(obj, np.generic):
            return {'t': 'npscalar', 'v': self.array(np.asarray(obj))}
        if isinstance(obj, (bytes, bytearray)):
            return {'t': 'bytes', 'v': self.array(np.frombuffer(bytes(obj), np.uint8))}
        if isinstance(obj, dict):
            return {'t': 'dict', 'type': _type_name(type(obj)),
                    'v': [[self.encode(k), self.encode(v)] for k, v in obj.items()]}
        if isinstance(obj, tuple) and hasattr(obj, '_fields'):
            return {'t': 'namedtuple', 'type': _type_name(type(obj)), 'v': [self.encode(v) for v in obj]}
        if isinstance(obj, (list, tuple)):
            return {'t': type(obj).__name__, 'v': [self.encode(v) for v in obj]}
        if isinstance(obj, ExceptionWrapper):
            return {'t': 'error', 'type': _type_name(obj.exc_type), 'msg': obj.msg, 'where': obj.where}
        if isinstance(obj, Exhausted):
            return {'t': 'exhausted'}
        raise TypeError(f'a DataLoader worker sends batches made of arrays, Tensors, numbers, strings, '
                        f'bytes, None and lists/tuples/dicts of them (never pickled); got a '
                        f'{type(obj).__module__}.{type(obj).__qualname__}: return those from '
                        f'collate_fn, or load with num_workers=0')


def _decode(node, arrays):
    if not isinstance(node, dict):
        return node                                   # None, bool, str
    t, v = node['t'], node.get('v')
    if t == 'int':
        return int(v)
    if t == 'float':
        return float(v)
    if t == 'ndarray':
        a = arrays[node['a']].view(np.dtype(node['dtype'])).reshape(node['shape'])
        return backend.to_device(a, node['device']) if 'device' in node else a
    if t == 'tensor':
        out = Tensor._wrap(_decode(v, arrays))
        return out.requires_grad_(True) if node['grad'] else out
    if t == 'npscalar':
        return _decode(v, arrays)[()]
    if t == 'bytes':
        return _decode(v, arrays).tobytes()
    if t in ('list', 'tuple'):
        items = [_decode(x, arrays) for x in v]
        return items if t == 'list' else tuple(items)
    if t == 'namedtuple':
        cls = _find_type(node['type'], tuple)
        items = [_decode(x, arrays) for x in v]
        return cls(*items) if cls is not None and hasattr(cls, '_fields') else tuple(items)
    if t == 'dict':
        cls = _find_type(node['type'], dict) or dict
        return cls((_decode(k, arrays), _decode(x, arrays)) for k, x in v)
    if t == 'error':
        wrapper = ExceptionWrapper.__new__(ExceptionWrapper)
        wrapper.exc_type = _find_type(node['type'], BaseException) or RuntimeError
        wrapper.msg, wrapper.where = node['msg'], node['where']
        return wrapper
    if t == 'exhausted':
        return Exhausted()
    raise ValueError(f'unknown node {t!r} in a DataLoader worker message')


def pack(message):
    """``message`` as the bytes of one message (a bytearray); raises TypeError for a batch it
    cannot send."""
    encoder = _Encoder()
    header = json.dumps(encoder.encode(message), separators=(',', ':')).encode()
    raws = [memoryview(a.reshape(-1).view(np.uint8)) for a in encoder.arrays]
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
    arrays = [body[start:start + size] for start, size in zip(starts, sizes)]
    return _decode(json.loads(bytes(header)), arrays)


def drain(conn):
    """Read and drop whatever is in the pipe now (at most 1 MiB, or one message on Windows);
    False at end of file."""
    try:
        return bool(os.read(conn.fileno(), 1 << 20) if _RAW else conn.recv_bytes())
    except (OSError, EOFError):
        return False

"""``mg.save`` / ``mg.load``: checkpoints as a ``.npz`` archive plus JSON metadata, never pickle.

The archive holds every array as its own ``.npy`` member (``t0``, ``t1``, ...) and one member,
``__minigrad__``, with UTF-8 JSON that describes the saved structure. Every node of the
structure is tagged with its type, so what comes back is what was saved:

- dicts (and OrderedDicts) keep their key order and their key types (``1`` stays an int, ``'1'``
  a string); lists, tuples, Python ints (of any size), floats (NaN and infinities included),
  bools, None, strings and bytes;
- Tensors (dtype, shape, ``requires_grad`` and device recorded; ``nn.Parameter`` stays one),
  NumPy arrays and NumPy scalars, bit for bit;
- a tensor or array that appears twice is written once and comes back as one object.

Files are written through a temporary file in the target's folder, flushed, fsync'ed and
renamed over the target (``os.replace``, see ``minigrad.atomic``): an interrupted save leaves the
previous file intact; temp files of killed saves are removed by the next save to the same path.
They are read with ``allow_pickle=False``, always: an archive with an object array is refused.
"""
import io
import json
import math
import os
import zipfile
from collections import OrderedDict

import numpy as np

from . import backend
from .atomic import write_atomically
from .tensor import Tensor

__all__ = ['save', 'load', 'SerializationError']

FORMAT = 'minigrad.checkpoint'
VERSION = 1
_META = '__minigrad__'
_ZIP_MAGIC = (b'PK\x03\x04', b'PK\x05\x06')
MAX_DEPTH = 100      # containers nested deeper are refused by save and load alike


class SerializationError(RuntimeError, ValueError):
    """A file that ``mg.load`` cannot read: empty, truncated, damaged, or not a minigrad checkpoint;
    or an object that ``mg.save`` cannot write."""


# ---------------------------------------------------------------- encoding

class _Encoder:
    """Turns an object into a JSON-able tree of tagged nodes and a dict of arrays."""

    def __init__(self):
        self.arrays = {}
        self.memo = {}       # id(tensor or array) -> node, so shared objects are written once
        self.keep = []       # keep memoised objects alive so their ids stay unique
        self.open = {}       # id(container) -> where, for the containers being encoded (cycles)

    def _array(self, arr, where):
        if arr.dtype.hasobject:
            raise SerializationError(f'cannot save {where}: an array of dtype object cannot be '
                                     'saved without pickle')
        name = f't{len(self.arrays)}'
        self.arrays[name] = backend.asnumpy(arr)
        return name

    def encode(self, obj, where='obj', depth=0):
        if obj is None:
            return {'t': 'none'}
        if obj is True or obj is False:
            return {'t': 'bool', 'v': obj}
        if isinstance(obj, Tensor):
            return self._shared(obj, where, self._tensor)
        if backend.is_array(obj):
            return self._shared(obj, where, self._ndarray)
        if isinstance(obj, np.generic):
            return {'t': 'npscalar', 'a': self._array(np.asarray(obj), where)}
        if isinstance(obj, int):
            return {'t': 'int', 'v': int(obj)}
        if isinstance(obj, float):
            v = float(obj)
            return {'t': 'float', 'v': v if math.isfinite(v) else repr(v)}
        if isinstance(obj, complex):
            return {'t': 'complex', 'v': [repr(obj.real), repr(obj.imag)]}
        if isinstance(obj, str):
            return {'t': 'str', 'v': obj}
        if isinstance(obj, (bytes, bytearray)):
            return {'t': 'bytes', 'a': self._array(np.frombuffer(bytes(obj), dtype=np.uint8), where)}
        if isinstance(obj, backend.Device):
            return {'t': 'device', 'v': str(obj)}
        if isinstance(obj, (dict, list, tuple)):
            return self._container(obj, where, depth)
        raise SerializationError(f'cannot save {where}: objects of type {type(obj).__module__}.'
                                 f'{type(obj).__qualname__} are not supported (save Tensors, NumPy '
                                 'arrays, numbers, strings, None, and dicts/lists/tuples of them)'
                                 # a whole Module or optimizer (torch.save(model, path)): say what to save
                                 + ('; minigrad never pickles objects: save obj.state_dict() and restore it '
                                    'with load_state_dict(mg.load(path))' if callable(getattr(obj, 'state_dict', None))
                                    else ''))

    def _container(self, obj, where, depth):
        kind = type(obj).__name__
        if id(obj) in self.open:
            raise SerializationError(f'cannot save {where}: it is the {kind} {self.open[id(obj)]} '
                                     'again, which contains itself (mg.save cannot write reference '
                                     'cycles)')
        if depth >= MAX_DEPTH:
            raise SerializationError(f'cannot save {_short(where)}: containers are nested more than '
                                     f'{MAX_DEPTH} levels deep')
        self.open[id(obj)] = where
        try:
            if isinstance(obj, dict):
                keys, values = [], []
                for k, v in obj.items():
                    keys.append(self._key(k, where, depth + 1))
                    values.append(self.encode(v, f'{where}[{k!r}]', depth + 1))
                return {'t': 'odict' if isinstance(obj, OrderedDict) else 'dict', 'k': keys,
                        'v': values}
            items = [self.encode(v, f'{where}[{i}]', depth + 1) for i, v in enumerate(obj)]
            return {'t': 'tuple' if isinstance(obj, tuple) else 'list', 'v': items}
        finally:
            del self.open[id(obj)]

    def _key(self, k, where, depth):
        if isinstance(k, (Tensor, dict, list)) or backend.is_array(k):
            raise SerializationError(f'cannot save {where}: dict keys must be str, int, float, bool, '
                                     f'None or tuples of them, got a {type(k).__name__}')
        return self.encode(k, f'a key of {where}', depth)

    def _shared(self, obj, where, fn):
        node = self.memo.get(id(obj))
        if node is None:
            node = fn(obj, where)
            self.memo[id(obj)] = node
            self.keep.append(obj)
        return node

    def _tensor(self, t, where):
        node = {'t': 'tensor', 'a': self._array(t.array, where), 'dtype': str(t.dtype),
                'shape': list(t.shape), 'requires_grad': bool(t.requires_grad),
                'device': str(t.device)}
        if type(t) is not Tensor and type(t).__name__ == 'Parameter':
            node['t'] = 'parameter'
        return node

    def _ndarray(self, a, where):
        node = {'t': 'ndarray', 'a': self._array(a, where), 'dtype': str(a.dtype), 'shape': list(a.shape)}
        dev = backend.device_of(a)
        if dev.type != 'cpu':
            node['device'] = str(dev)
        return node


# ---------------------------------------------------------------- decoding

class _Decoder:
    def __init__(self, archive, name, map_location):
        self.archive = archive
        self.name = name
        self.map_location = map_location
        self.memo = {}
        self.path = []       # where the node being decoded sits: ['[\'model\']', '[0]', ...]

    def damaged(self, what):
        return SerializationError(f'{self.name} is damaged: {what}')

    def array(self, key):
        if not isinstance(key, str) or key not in self.archive.files:
            raise self.damaged(f'its metadata refers to an array {key!r} that is missing')
        try:
            return self.archive[key]
        except ValueError as e:
            if 'pickle' in str(e).lower():
                raise SerializationError(f'{self.name}: the array {key!r} holds Python objects, '
                                         'which would need pickle to load; refusing to load it '
                                         '(allow_pickle is never enabled)') from None
            raise self.damaged(f'cannot read the array {key!r} ({e})') from e
        except (zipfile.BadZipFile, EOFError, OSError, KeyError) as e:
            raise self.damaged(f'cannot read the array {key!r} ({type(e).__name__}: {e}); '
                               'the file may be truncated') from e
        except Exception as e:                     # zlib.error from a corrupt compressed member
            raise self.damaged(f'cannot read the array {key!r} ({type(e).__name__}: {e})') from e

    def device_for(self, saved):
        loc = self.map_location
        if isinstance(loc, dict):
            loc = loc.get(saved, loc.get(str(backend.Device(saved)), saved))
        target = saved if loc is None else loc
        try:
            return backend.get_device(target)
        except RuntimeError as e:
            if loc is None and backend.Device(saved).type == 'cuda':
                raise SerializationError(
                    f'{self.name} holds tensors saved on {saved}, but that device is not available '
                    f'here ({e}). Pass map_location=\'cpu\' to mg.load to load them on the CPU.') from None
            raise

    def decode(self, node, depth=0):
        if not isinstance(node, dict) or 't' not in node:
            raise self.damaged(f'unexpected metadata node {str(node)[:80]!r}')
        t = node['t']
        try:
            if t == 'none':
                return None
            if t in ('bool', 'int', 'str'):
                want = {'bool': bool, 'int': int, 'str': str}[t]
                if type(node['v']) is not want:
                    raise self.damaged(f'a {t} node holds {node["v"]!r}')
                return node['v']
            if t == 'float':
                return float(node['v'])
            if t == 'complex':
                return complex(float(node['v'][0]), float(node['v'][1]))
            if t == 'bytes':
                return self.array(node['a']).tobytes()
            if t == 'device':
                return backend.Device(node['v'])
            if t == 'npscalar':
                return self.array(node['a'])[()]
            if t in ('dict', 'odict', 'list', 'tuple'):
                return self._container(node, t, depth)
            if t in ('tensor', 'parameter', 'ndarray'):
                key = node['a']
                if key not in self.memo:
                    self.memo[key] = self._array_node(node)
                return self.memo[key]
        except SerializationError:
            raise
        except (KeyError, TypeError, IndexError, ValueError) as e:
            raise self.damaged(f'a malformed {t!r} node in the metadata ({type(e).__name__}: {e})') from None
        raise self.damaged(f'unknown node type {t!r} (written by a newer minigrad?)')

    def _container(self, node, t, depth):
        if depth >= MAX_DEPTH:
            where = _short('obj' + ''.join(self.path))
            raise self.damaged(f'its metadata nests containers more than {MAX_DEPTH} levels deep '
                               f'(at {where}); mg.save never writes that')
        if t in ('list', 'tuple'):
            items = []
            for i, v in enumerate(node['v']):
                self.path.append(f'[{i}]')
                items.append(self.decode(v, depth + 1))
                self.path.pop()
            return items if t == 'list' else tuple(items)
        keys = [self.decode(k, depth + 1) for k in node['k']]
        if len(keys) != len(node['v']):
            raise self.damaged('a dict node has unequal numbers of keys and values')
        values = []
        for k, v in zip(keys, node['v']):
            self.path.append(f'[{k!r}]')
            values.append(self.decode(v, depth + 1))
            self.path.pop()
        return (OrderedDict if t == 'odict' else dict)(zip(keys, values))

    def _array_node(self, node):
        arr = self.array(node['a'])
        if 'dtype' in node and str(arr.dtype) != node['dtype']:
            raise self.damaged(f"the array {node['a']!r} has dtype {arr.dtype}, the metadata says "
                               f"{node['dtype']}")
        if 'shape' in node and list(arr.shape) != list(node['shape']):
            raise self.damaged(f"the array {node['a']!r} has shape {arr.shape}, the metadata says "
                               f"{tuple(node['shape'])}")
        if node['t'] == 'ndarray':
            if 'device' in node:
                arr = backend.to_device(arr, self.device_for(node['device']))
            return arr
        dev = self.device_for(node.get('device', 'cpu'))
        if dev.type != 'cpu':
            arr = backend.to_device(arr, dev)
        t = Tensor._wrap(arr)
        if node.get('requires_grad'):
            t.requires_grad_(True)
        if node['t'] == 'parameter':
            t = _as_parameter(t)
        return t


def _as_parameter(t):
    try:
        from .nn import Parameter
    except ImportError:       # nn not available: a plain tensor that requires grad
        return t
    return Parameter(t, requires_grad=t.requires_grad)


# ---------------------------------------------------------------- save / load

def _short(where, keep=60):
    """A long path within an object (obj[0][0][0]...) shortened for an error message."""
    return where if len(where) <= 2 * keep else f'{where[:keep]}...{where[-keep:]}'


def _describe(path):
    return repr(os.fspath(path)) if isinstance(path, (str, bytes, os.PathLike)) else repr(path)


def save(obj, path, compress=False):
    """Save ``obj`` to ``path`` (exactly that path, whatever its suffix), atomically.

    Args:
        obj: a Tensor, a NumPy array, a number, a string, None, or nested dicts/lists/tuples of
            them (a model's or an optimizer's ``state_dict()``, ``mg.get_rng_state()``, ...).
        path: a file path (str or os.PathLike), or a binary file object opened for writing
            (then written in place, without the atomic rename).
        compress: write a compressed archive (``np.savez_compressed``): smaller, slower.

    The file is written to a temporary file in the same folder, fsync'ed, then renamed over
    ``path``, so a crash or an error mid-save leaves any previous file at ``path`` untouched.
    Temp files that killed saves to ``path`` left behind (``.<name>.<pid>-<host>.<random>.tmp``)
    are removed by the next save to ``path`` once their writer is gone.

    Raises:
        SerializationError (a RuntimeError and a ValueError): ``obj`` holds an unsupported type,
            contains itself (a reference cycle), or nests containers more than ``MAX_DEPTH``
            (100) levels deep; the message says where within ``obj``.
    """
    enc = _Encoder()
    root = enc.encode(obj)
    meta = json.dumps({'format': FORMAT, 'version': VERSION, 'root': root},
                      allow_nan=False, separators=(',', ':')).encode('utf-8')
    members = dict(enc.arrays)
    members[_META] = np.frombuffer(meta, dtype=np.uint8)
    writer = np.savez_compressed if compress else np.savez

    if hasattr(path, 'write'):
        writer(path, **members)
        return
    write_atomically(path, lambda f: writer(f, **members))


def load(path, map_location=None, *, weights_only=None):
    """Load what ``mg.save`` wrote.

    Args:
        path: a file path, or a binary file object opened for reading.
        map_location: where to put the tensors: ``'cpu'``, ``'cuda'``, ``'cuda:N'``, a
            ``mg.device``, or a dict from saved device names to target devices. By default each
            tensor goes back to the device it was saved from; a checkpoint saved on a GPU then
            needs a GPU (or ``map_location='cpu'``).
        weights_only: accepted for PyTorch's ``torch.load`` signature, and ignored: a minigrad
            checkpoint only ever holds tensors, arrays, numbers, strings, None and containers of
            them, and is never unpickled, so every load is what PyTorch calls ``weights_only=True``.
            ``False`` loads the same way (there are no pickled objects it could allow).

    Raises:
        SerializationError (a RuntimeError and a ValueError): the file is empty, truncated,
            damaged (metadata nested more than ``MAX_DEPTH`` levels deep included), not a
            minigrad checkpoint, or holds pickled objects.
        FileNotFoundError: there is no such file.
    """
    if weights_only is not None and not isinstance(weights_only, bool):
        raise TypeError(f'mg.load: weights_only must be True, False or None, got '
                        f'{type(weights_only).__name__} {weights_only!r}')
    if map_location is not None and not isinstance(map_location, dict):
        map_location = backend.Device(map_location)    # validates the spelling early
    if hasattr(path, 'read'):
        name = f'the checkpoint file {getattr(path, "name", path)!r}'
        return _load_from(path, name, map_location)
    name = f'the checkpoint file {_describe(path)}'
    with open(path, 'rb') as f:
        return _load_from(f, name, map_location)


def _load_from(f, name, map_location):
    head = f.read(4)
    if len(head) == 0:
        raise SerializationError(f'{name} is empty (0 bytes): was the save interrupted?')
    if head not in _ZIP_MAGIC:
        hint = ' (it looks like a pickle: minigrad never loads pickles)' if head[:1] == b'\x80' else ''
        raise SerializationError(f'{name} is not a minigrad checkpoint: it is not an .npz/zip '
                                 f'archive{hint}')
    f.seek(-4, io.SEEK_CUR)
    try:
        archive = np.load(f, allow_pickle=False)
    except (zipfile.BadZipFile, EOFError, OSError, ValueError) as e:
        raise SerializationError(f'{name} is truncated or damaged: it cannot be opened as an '
                                 f'.npz archive ({type(e).__name__}: {e})') from None
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise SerializationError(f'{name} is not a minigrad checkpoint (not an .npz archive)')
    with archive:
        if _META not in archive.files:
            raise SerializationError(f'{name} is not a minigrad checkpoint: it is an .npz archive '
                                     f'without minigrad metadata (members: '
                                     f'{", ".join(archive.files[:8]) or "none"}); was it written by '
                                     'mg.save?')
        dec = _Decoder(archive, name, map_location)
        raw = dec.array(_META)
        try:
            meta = json.loads(raw.tobytes().decode('utf-8'))
        except (UnicodeDecodeError, ValueError) as e:
            raise dec.damaged(f'its metadata is not valid JSON ({e})') from None
        except RecursionError:
            raise dec.damaged(f'its metadata nests containers far more than {MAX_DEPTH} levels '
                              'deep; mg.save never writes that') from None
        if not isinstance(meta, dict) or meta.get('format') != FORMAT or 'root' not in meta:
            raise SerializationError(f'{name} is not a minigrad checkpoint: unknown metadata format')
        if not isinstance(meta.get('version'), int) or meta['version'] > VERSION:
            raise SerializationError(f'{name} was written by a newer minigrad (checkpoint format '
                                     f'version {meta.get("version")!r}; this one reads up to '
                                     f'{VERSION}); upgrade minigrad to load it')
        return dec.decode(meta['root'])

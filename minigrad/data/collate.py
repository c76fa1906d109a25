"""Collation: a list of samples -> one batch, as PyTorch's ``default_collate`` does it.

The rules (``torch.utils.data.default_collate``'s, checked against it in the tests):

- Tensors and NumPy/CuPy arrays are stacked along a new first axis, keeping their dtype;
- Python ints become an int64 tensor, Python floats a float64 tensor, bools a bool tensor, NumPy
  scalars a tensor of their own dtype;
- strings (and bytes) are left as the sequence of them;
- dicts are collated key by key, namedtuples field by field (same type back), tuples and lists
  position by position (a tuple gives a list, as in PyTorch);
- anything else is a ``TypeError`` naming what was found.

The loader works in two steps so that worker processes send plain NumPy arrays (cheap to pickle)
and the main process makes the Tensors: ``collate_arrays`` builds the batch with arrays at the
leaves, ``to_tensors`` turns every array leaf into a Tensor. ``default_collate`` is both steps.
"""
import collections.abc

import numpy as np

from .. import backend
from ..factory import as_tensor
from ..tensor import Tensor

_STRINGS = (str, bytes)


def _bad(found):
    return TypeError('default_collate: batch must contain tensors, numpy arrays, numbers, dicts or '
                     f'lists; found {found}')


def _leaf_array(x):
    """The array behind a Tensor or array, or None for anything else."""
    if isinstance(x, Tensor):
        return x.array
    if backend.is_array(x):
        return x
    return None


def _stack(arrays):
    if arrays[0].dtype.kind in 'OSUV':
        raise _bad(arrays[0].dtype)
    shapes = {tuple(a.shape) for a in arrays}
    if len(shapes) > 1:
        raise RuntimeError(f'stack expects each tensor to be equal size, but got shapes {sorted(shapes)} '
                           'in one batch (give the DataLoader a collate_fn that pads or crops them)')
    return backend.get_array_module(arrays[0]).stack(arrays)


def collate_arrays(batch):
    """``default_collate``'s structure, with NumPy/CuPy arrays where it would put Tensors."""
    elem = batch[0]
    array = _leaf_array(elem)
    if array is not None:
        return _stack([array] + [_leaf_array(b) if _leaf_array(b) is not None else np.asarray(b)
                                 for b in batch[1:]])
    if isinstance(elem, np.generic):
        return collate_arrays([np.asarray(b) for b in batch])
    if isinstance(elem, bool):
        return np.array(batch, dtype=np.bool_)
    if isinstance(elem, int):
        return np.array(batch, dtype=np.int64)
    if isinstance(elem, float):
        return np.array(batch, dtype=np.float64)
    if isinstance(elem, _STRINGS):
        return batch
    if isinstance(elem, collections.abc.Mapping):
        out = {key: collate_arrays([d[key] for d in batch]) for key in elem}
        try:
            return type(elem)(out)
        except TypeError:       # a mapping type that cannot be built from a dict
            return out
    if isinstance(elem, tuple) and hasattr(elem, '_fields'):          # namedtuple
        return type(elem)(*(collate_arrays(s) for s in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        size = len(elem)
        if any(len(b) != size for b in batch):
            raise RuntimeError('each element in list of batch should be of equal size')
        fields = [collate_arrays(s) for s in zip(*batch)]
        if isinstance(elem, tuple):
            return fields
        try:
            return type(elem)(fields)
        except TypeError:
            return fields
    raise _bad(type(elem))


def to_tensors(batch, device=None):
    """Every array leaf of ``batch`` (nested lists, tuples, dicts) as a Tensor, without a copy when
    it already lives on ``device`` (None: the default device for NumPy arrays); Tensors are moved to
    ``device`` when one is given; other leaves are left as they are."""
    if backend.is_array(batch):
        if not batch.flags.c_contiguous:   # a view (a crop, a flip) becomes one contiguous block
            batch = backend.get_array_module(batch).ascontiguousarray(batch)
        return as_tensor(batch, device=device)
    if isinstance(batch, Tensor):
        return batch if device is None else batch.to(device)
    if isinstance(batch, _STRINGS):
        return batch
    if isinstance(batch, collections.abc.Mapping):
        out = {k: to_tensors(v, device) for k, v in batch.items()}
        try:
            return type(batch)(out)
        except TypeError:
            return out
    if isinstance(batch, tuple) and hasattr(batch, '_fields'):
        return type(batch)(*(to_tensors(v, device) for v in batch))
    if isinstance(batch, (list, tuple)):
        return type(batch)(to_tensors(v, device) for v in batch)
    return batch


def default_collate(batch):
    """Merge a list of samples into a batch, as ``torch.utils.data.default_collate``.

    Args:
        batch: a list of samples (Tensors, arrays, numbers, strings, or dicts/tuples/lists of them).

    Returns:
        The batch: stacked Tensors (a new first dimension of size ``len(batch)``) in the samples'
        structure; see the module docstring for the rules.
    """
    return to_tensors(collate_arrays(batch))


def convert_arrays(data):
    """``default_convert``'s structure with arrays: NumPy scalars become 0-d arrays."""
    if isinstance(data, np.generic):
        return np.asarray(data)
    if isinstance(data, (Tensor, _STRINGS)) or backend.is_array(data):
        return data
    if isinstance(data, collections.abc.Mapping):
        out = {k: convert_arrays(v) for k, v in data.items()}
        try:
            return type(data)(out)
        except TypeError:
            return out
    if isinstance(data, tuple) and hasattr(data, '_fields'):
        return type(data)(*(convert_arrays(v) for v in data))
    if isinstance(data, tuple):
        return [convert_arrays(v) for v in data]
    if isinstance(data, collections.abc.Sequence):
        try:
            return type(data)([convert_arrays(v) for v in data])
        except TypeError:
            return [convert_arrays(v) for v in data]
    return data


def default_convert(data):
    """One sample's arrays as Tensors, nothing stacked (``torch.utils.data.default_convert``): what
    a DataLoader with ``batch_size=None`` yields. Python numbers are left as they are."""
    return to_tensors(convert_arrays(data))

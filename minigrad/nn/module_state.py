"""A Module's state: loading a state dict (the key and shape checks behind
``Module.load_state_dict``) and the array conversion behind ``Module.to``."""
import collections
import collections.abc
import itertools
import numbers

import numpy as np

from .. import backend
from ..autograd import no_grad
from ..tensor import Tensor, parse_to_args

__all__ = ['load_state_into', 'array_converter', 'apply_to_arrays']

class _IncompatibleKeys(collections.namedtuple('IncompatibleKeys',
                                                ['missing_keys', 'unexpected_keys'])):
    """``load_state_dict``'s result: ``(missing_keys, unexpected_keys)``, printed as PyTorch's."""

    def __repr__(self):
        if not self.missing_keys and not self.unexpected_keys:
            return '<All keys matched successfully>'
        return super().__repr__()

    __str__ = __repr__


def load_state_into(module, state_dict, strict=True):
    """Copy ``state_dict``'s values into ``module``'s parameters and persistent buffers, in place
    (all or nothing); see ``Module.load_state_dict``. Returns ``(missing_keys, unexpected_keys)``."""
    if not isinstance(state_dict, collections.abc.Mapping):
        raise TypeError(f'Expected state_dict to be dict-like, got {type(state_dict).__name__}.')
    expected = collections.OrderedDict()
    for mprefix, mod in module.named_modules(remove_duplicate=False):
        for k, v in mod._local_state():
            expected[mprefix + ('.' if mprefix else '') + k] = v
    missing = [k for k in expected if k not in state_dict]
    unexpected = [k for k in state_dict if k not in expected]
    errors, copies = [], []
    for key, target in expected.items():
        if key not in state_dict:
            continue
        value = state_dict[key]
        if isinstance(value, Tensor):
            arr = value.array
        elif backend.is_array(value) or isinstance(value, (np.generic, numbers.Number)):
            arr = value if backend.is_array(value) else np.asarray(value)
        else:
            errors.append(f'While copying the parameter named "{key}", expected a Tensor or an '
                          f'array from the checkpoint but received {type(value).__name__}')
            continue
        if hasattr(target, 'materialize') and tuple(arr.shape) != target.shape:
            target.materialize(arr.shape)       # a lazy module's placeholder takes its shape
        if tuple(arr.shape) != target.shape:
            if target.ndim == 0 and tuple(arr.shape) == (1,):
                arr = arr.reshape(())
            else:
                errors.append(f'size mismatch for {key}: copying a param with shape '
                              f'{tuple(arr.shape)} from checkpoint, the shape in current model '
                              f'is {target.shape}.')
                continue
        copies.append((target, arr))
    if strict:
        if unexpected:
            errors.insert(0, 'Unexpected key(s) in state_dict: '
                          + ', '.join(f'"{k}"' for k in unexpected) + '.')
        if missing:
            errors.insert(0, 'Missing key(s) in state_dict: '
                          + ', '.join(f'"{k}"' for k in missing) + '.')
    if errors:
        raise RuntimeError(f'Error(s) in loading state_dict for {type(module).__name__}:\n\t'
                           + '\n\t'.join(errors))
    with no_grad():
        for target, arr in copies:
            if backend.device_of(arr) != target.device:
                arr = backend.to_device(arr, target.device)
            target.array[...] = arr
            target._bump_version()      # an in-place change, as copy_ (autograd's version check)
    return _IncompatibleKeys(missing, unexpected)


def array_converter(args, kwargs):
    """The function ``Module.to(*args, **kwargs)`` applies to every parameter, gradient and buffer
    array: a move to the device, and a cast of floating arrays to the dtype, either if given."""
    if 'copy' in kwargs:
        raise TypeError("to() got unexpected keyword arguments ['copy']")
    device, dtype, _ = parse_to_args(args, kwargs)
    if dtype is not None:
        dtype = np.dtype(dtype)
        if not np.issubdtype(dtype, np.floating):
            raise TypeError('nn.Module.to only accepts floating point dtypes, but got desired '
                            f'dtype={dtype}')
    dev = backend.get_device(device) if device is not None else None

    def convert(a):
        if dev is not None and backend.device_of(a) != dev:
            a = backend.to_device(a, dev)
        if dtype is not None and np.issubdtype(a.dtype, np.floating) and a.dtype != dtype:
            a = a.astype(dtype)
        return a
    return convert


def apply_to_arrays(module, fn):
    """Replace the array of every parameter, gradient and buffer of ``module`` and its
    descendants by ``fn(array)``, in place (the Tensor objects stay the same); returns module."""
    seen = set()
    for m in module.modules():
        for t in itertools.chain(m._parameters.values(), m._buffers.values()):
            if t is None or id(t) in seen:
                continue
            seen.add(id(t))
            t.array = fn(t.array)
            if t.grad is not None:
                t.grad.array = fn(t.grad.array)
    return module

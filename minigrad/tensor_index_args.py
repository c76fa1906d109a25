"""Argument checks shared by the indexing mixins (tensor_index*.py), with PyTorch's messages:
index tensors (integer, on the tensor's device, in range), boolean masks, broadcastable shapes and
int arguments."""
import numpy as np

from . import argcheck
from . import dimargs as A


def is_tensor(x):
    return getattr(x, '_is_tensor', False)


def index_arg(op, index, like, name='index'):
    """The raw array of an integer index tensor on ``like``'s device."""
    if not is_tensor(index):
        raise TypeError(f"{op}(): argument '{name}' must be Tensor, not {type(index).__name__}")
    if not np.issubdtype(index.dtype, np.integer):
        raise RuntimeError(f'{op}(): Expected dtype int32/int64 for {name}, got {index.dtype}')
    argcheck.same_device(op, like, **{name: index})
    return index.array


def in_range(op, idx, size, dim):
    """RuntimeError unless every index is in [0, size) (negative indices are errors, as in torch)."""
    if idx.size:
        lo, hi = int(idx.min()), int(idx.max())
        if lo < 0 or hi >= size:
            raise RuntimeError(f'{op}(): index {lo if lo < 0 else hi} is out of bounds for '
                               f'dimension {dim} with size {size}')


def mask_arg(op, mask, like):
    if not is_tensor(mask):
        raise TypeError(f"{op}(): argument 'mask' must be Tensor, not {type(mask).__name__}")
    if mask.dtype != np.bool_:
        raise RuntimeError(f'{op} only supports boolean masks, but got mask with dtype {mask.dtype}')
    argcheck.same_device(op, like, mask=mask)
    return mask.array


def broadcast_shapes(op, *shapes):
    try:
        return np.broadcast_shapes(*shapes)
    except ValueError:
        raise RuntimeError(f'{op}: shapes {" and ".join(str(list(s)) for s in shapes)} do not '
                           'broadcast') from None


def int_arg(op, name, value):
    if not argcheck.is_int(value) and not (is_tensor(value) and value.ndim == 0
                                            and np.issubdtype(value.dtype, np.integer)):
        raise TypeError(f"{op}(): argument '{name}' must be int, not {type(value).__name__}")
    return int(value)


def as_1d(t, dim):
    """``(x, d)``: the tensor and ``dim`` normalised; a 0-d tensor (which takes dim 0 or -1, as
    in PyTorch) is seen as 1-d."""
    d = A.one_dim(dim, t.ndim)
    return (t.reshape(1) if t.ndim == 0 else t), d

"""dtypes and type promotion.

minigrad's dtypes are NumPy's. This module names them as PyTorch does (``mg.float32``,
``mg.long``...; the package re-exports ``bool_`` as ``mg.bool`` and ``float32`` as ``mg.float``,
so no builtin is shadowed here) and holds the promotion rule that every binary op follows.
Nothing here imports a Tensor: the helpers take anything with ``.dtype``/``.ndim``/``.to``.
"""
import numpy as np

float16 = half = np.float16
float32 = np.float32
float64 = double = np.float64
int8 = np.int8
int16 = short = np.int16
int32 = np.int32
int64 = long = np.int64
uint8 = np.uint8
bool_ = np.bool_

DEFAULT_FLOAT = np.dtype(np.float32)
_KINDS = 'biuf'        # bool, signed int, unsigned int, float: what a tensor may hold (c: complex)


def is_float(dtype):
    return np.issubdtype(dtype, np.floating)


def as_dtype(dtype):
    """``np.dtype(dtype)`` (None stays None); a clear TypeError for anything that is not one."""
    if dtype is None:
        return None
    try:
        dt = np.dtype(dtype)
    except TypeError:
        raise TypeError(f'expected a dtype such as mg.float32 or mg.int64, got {dtype!r}') from None
    if dt.kind not in _KINDS + 'c':
        raise TypeError(f'tensors hold numbers or bools; dtype {dt} is not supported')
    return dt


def _category(dtype):
    return 2 if is_float(dtype) else (0 if dtype == np.bool_ else 1)


def promote(dtypes):
    """Within the highest category (bool < int < float) the widest dtype; lower ones don't count."""
    top = max(_category(d) for d in dtypes)
    return np.result_type(*[d for d in dtypes if _category(d) == top])


def result_dtype(*tensors):
    """The dtype PyTorch gives an op on these tensors: bool < int < float, and a 0-d tensor
    does not widen a tensor with dims of the same category (float32 * 0-d float64 is float32)."""
    dims = [t.dtype for t in tensors if t.ndim]
    zero = [t.dtype for t in tensors if not t.ndim]
    if not dims or not zero:
        return promote(dims or zero)
    d, z = promote(dims), promote(zero)
    return d if _category(z) <= _category(d) else z


def coerce(a, b):
    """PyTorch-style promotion for two tensors (see ``result_dtype``): both get that dtype."""
    if a.dtype == b.dtype:
        return a, b
    dt = result_dtype(a, b)
    return (a if a.dtype == dt else a.to(dt)), (b if b.dtype == dt else b.to(dt))

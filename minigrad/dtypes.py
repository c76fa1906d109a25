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

DEFAULT_FLOAT = np.dtype(np.float32)      # the default unless set_default_dtype changes it
_default_float = [DEFAULT_FLOAT]
_KINDS = 'biuf'        # bool, signed int, unsigned int, float: what a tensor may hold (c: complex)


# PyTorch's legacy tensor-type names ('torch.FloatTensor'), by dtype
LEGACY_NAMES = {np.dtype(np.float32): 'FloatTensor', np.dtype(np.float64): 'DoubleTensor',
                np.dtype(np.float16): 'HalfTensor', np.dtype(np.int64): 'LongTensor',
                np.dtype(np.int32): 'IntTensor', np.dtype(np.int16): 'ShortTensor',
                np.dtype(np.int8): 'CharTensor', np.dtype(np.uint8): 'ByteTensor',
                np.dtype(np.bool_): 'BoolTensor'}


def get_default_dtype():
    """The dtype Python floats and the float factories give (float32 unless changed)."""
    return _default_float[0]


def set_default_dtype(dtype):
    """Make ``dtype`` (float16, float32 or float64) the default float dtype, as
    ``torch.set_default_dtype``: of Python floats made tensors, ``mg.zeros``/``rand``/``randn``...
    and new layers' parameters."""
    dt = as_dtype(dtype)
    if dt is None or not is_float(dt):
        raise TypeError(f'only floating-point types are supported as the default type, got {dtype!r}')
    _default_float[0] = dt


def finfo(dtype=None):
    """Machine limits of a float dtype (``.eps``, ``.max``, ``.min``, ``.tiny``, ``.bits``), as
    ``torch.finfo``; the default float dtype when none is given."""
    dt = get_default_dtype() if dtype is None else as_dtype(dtype)
    if not is_float(dt):
        raise TypeError(f'finfo expects a floating-point dtype, got {dt}')
    return np.finfo(dt)


def iinfo(dtype):
    """Machine limits of an integer dtype (``.max``, ``.min``, ``.bits``), as ``torch.iinfo``."""
    dt = as_dtype(dtype)
    if dt.kind not in 'iub':
        raise TypeError(f'iinfo expects an integer dtype, got {dt}')
    return np.iinfo(np.uint8 if dt == np.bool_ else dt)


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


def category(dtype):
    """0 bool, 1 integer, 2 float: the order of PyTorch's type promotion."""
    return 2 if is_float(dtype) else (0 if dtype == np.bool_ else 1)


def promote(dtypes):
    """Within the highest category (bool < int < float) the widest dtype; lower ones don't count."""
    top = max(category(d) for d in dtypes)
    return np.result_type(*[d for d in dtypes if category(d) == top])


def result_dtype(*tensors):
    """The dtype PyTorch gives an op on these tensors: bool < int < float, and a 0-d tensor
    does not widen a tensor with dims of the same category (float32 * 0-d float64 is float32)."""
    dims = [t.dtype for t in tensors if t.ndim]
    zero = [t.dtype for t in tensors if not t.ndim]
    if not dims or not zero:
        return promote(dims or zero)
    d, z = promote(dims), promote(zero)
    return d if category(z) <= category(d) else z


def coerce(a, b):
    """PyTorch-style promotion for two tensors (see ``result_dtype``): both get that dtype."""
    if a.dtype == b.dtype:
        return a, b
    dt = result_dtype(a, b)
    return (a if a.dtype == dt else a.to(dt)), (b if b.dtype == dt else b.to(dt))

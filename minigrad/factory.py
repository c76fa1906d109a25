"""Tensor factories: ``mg.tensor``, ``zeros``, ``ones``, ``rand``... with dtype/device/requires_grad."""
import numbers

import numpy as np

from . import backend
from .dimargs import shape_args as _shape_args
from .dtypes import get_default_dtype
from .tensor import Tensor


def tensor(data, dtype=None, device=None, requires_grad=False):
    """A new tensor holding a copy of ``data``.

    The dtype is inferred as in PyTorch: Python floats give float32, Python ints int64, bools
    bool; a NumPy/CuPy array keeps its dtype.
    """
    return Tensor._new(data, dtype=dtype, device=device, requires_grad=requires_grad)


def as_tensor(data, dtype=None, device=None):
    """Like ``tensor`` but shares memory with a NumPy/CuPy array when no conversion is needed."""
    if isinstance(data, Tensor) and (dtype is None or data.dtype == dtype) and \
            (device is None or data.device == backend.get_device(device)):
        return data
    if backend.is_array(data):
        dev = backend.get_device(device) if device is not None else (
            backend.get_default_device() if isinstance(data, np.ndarray) else backend.device_of(data))
        if dev == backend.device_of(data) and (dtype is None or data.dtype == dtype):
            return Tensor._wrap(data)
    return tensor(data, dtype=dtype, device=device)


def asarray(obj, *, dtype=None, device=None, copy=None, requires_grad=False):
    """``torch.asarray``: shares memory with a Tensor or array when it can (``copy=None``),
    always copies with ``copy=True``; else as ``mg.tensor``."""
    out = tensor(obj, dtype=dtype, device=device) if copy else as_tensor(obj, dtype=dtype, device=device)
    if copy is False and backend.is_array(getattr(obj, 'array', obj)) and out.array is not getattr(obj, 'array', obj):
        raise ValueError('asarray(copy=False): the data would have to be copied')
    if requires_grad:
        out.requires_grad_(True)
    return out


def from_numpy(array):
    """A CPU tensor sharing memory with a NumPy array."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f'from_numpy expects a NumPy array, got {type(array).__name__}')
    return Tensor._wrap(array)


def _sizes(sizes, size):
    """The shape from ``f(2, 3)``, ``f((2, 3))`` or ``f(size=(2, 3))``, as PyTorch's factories take it."""
    if size is None:
        return _shape_args(sizes)
    if sizes:
        raise TypeError('give the size either as positional arguments or as size=, not both')
    return _shape_args((size,))


def _make(array, requires_grad):
    t = Tensor._wrap(array)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _xp(device):
    dev = backend.get_device(device)
    return backend.xp_of_device(dev), dev


def _filled(kind, shape, dtype, device, requires_grad, value=None):
    xp, dev = _xp(device)
    dtype = np.dtype(dtype) if dtype is not None else get_default_dtype()
    with backend.device_context(dev):
        if kind == 'full':
            arr = xp.full(shape, value, dtype=dtype)
        else:
            arr = getattr(xp, kind)(shape, dtype=dtype)
    return _make(arr, requires_grad)


def zeros(*sizes, size=None, dtype=None, device=None, requires_grad=False):
    return _filled('zeros', _sizes(sizes, size), dtype, device, requires_grad)


def ones(*sizes, size=None, dtype=None, device=None, requires_grad=False):
    return _filled('ones', _sizes(sizes, size), dtype, device, requires_grad)


def empty(*sizes, size=None, dtype=None, device=None, requires_grad=False):
    return _filled('zeros', _sizes(sizes, size), dtype, device, requires_grad)


def full(size, fill_value, dtype=None, device=None, requires_grad=False):
    if dtype is None:
        dtype = (np.bool_ if isinstance(fill_value, bool) else
                 np.int64 if isinstance(fill_value, numbers.Integral) else get_default_dtype())
    return _filled('full', _shape_args((size,)), dtype, device, requires_grad, fill_value)


def _like(make, input, dtype, device, requires_grad, *args):
    """``make(shape, *args, ...)`` with ``input``'s shape, and its dtype and device by default."""
    return make(input.shape, *args, dtype=input.dtype if dtype is None else dtype,
                device=input.device if device is None else device, requires_grad=requires_grad)


def zeros_like(input, dtype=None, device=None, requires_grad=False):
    return _like(zeros, input, dtype, device, requires_grad)


def ones_like(input, dtype=None, device=None, requires_grad=False):
    return _like(ones, input, dtype, device, requires_grad)


def empty_like(input, dtype=None, device=None, requires_grad=False):
    return _like(empty, input, dtype, device, requires_grad)


def full_like(input, fill_value, dtype=None, device=None, requires_grad=False):
    return _like(full, input, dtype, device, requires_grad, fill_value)


def rand_like(input, dtype=None, device=None, requires_grad=False):
    """Uniform on [0, 1) with ``input``'s shape (and dtype and device unless given)."""
    return _like(rand, input, dtype, device, requires_grad)


def randn_like(input, dtype=None, device=None, requires_grad=False):
    """Standard normal with ``input``'s shape (and dtype and device unless given)."""
    return _like(randn, input, dtype, device, requires_grad)


def arange(start, end=None, step=1, dtype=None, device=None, requires_grad=False):
    """``[start, end)`` by ``step``; int64 when all are ints, else float32 (as PyTorch)."""
    if end is None:
        start, end = 0, start
    if dtype is None:
        ints = all(isinstance(v, numbers.Integral) for v in (start, end, step))
        dtype = np.int64 if ints else get_default_dtype()
    xp, dev = _xp(device)
    with backend.device_context(dev):
        arr = xp.arange(start, end, step).astype(dtype, copy=False)
    return _make(arr, requires_grad)


def rand(*sizes, size=None, generator=None, dtype=None, device=None, requires_grad=False):
    """Uniform on [0, 1), from ``generator`` (an ``mg.Generator``) or else the library's
    generator, seeded by ``mg.manual_seed``."""
    dtype = np.dtype(dtype or get_default_dtype())
    dev = backend.get_device(device)
    rs = backend.random_source(generator, dev)
    with backend.device_context(dev):
        arr = rs.random(_sizes(sizes, size), dtype=dtype)
    return _make(arr, requires_grad)


def randn(*sizes, size=None, generator=None, dtype=None, device=None, requires_grad=False):
    """Standard normal, from ``generator`` (an ``mg.Generator``) or else the library's
    generator, seeded by ``mg.manual_seed``."""
    dtype = np.dtype(dtype or get_default_dtype())
    dev = backend.get_device(device)
    rs = backend.random_source(generator, dev)
    with backend.device_context(dev):
        arr = rs.standard_normal(_sizes(sizes, size), dtype=dtype)
    return _make(arr, requires_grad)


def randint(low, high=None, size=None, *, generator=None, dtype=None, device=None):
    """Integers in ``[low, high)`` (``randint(high, size)`` also works, as in PyTorch)."""
    if size is None:
        if high is None or not isinstance(high, (tuple, list)):
            raise TypeError('randint() needs a size tuple: randint(low, high, size)')
        low, high, size = 0, low, high
    elif high is None:
        low, high = 0, low
    dev = backend.get_device(device)
    if dev.type == 'cpu' or generator is not None:
        arr = backend.random_source(generator, dev).integers(low, high, size=tuple(size))
    else:
        arr = backend.random_module(dev).randint(low, high, size=tuple(size))
    return _make(arr.astype(dtype or np.int64, copy=False), False)


def randperm(n, *, generator=None, dtype=None, device=None):
    """A random permutation of ``0 .. n-1`` (int64), from ``generator`` or the library's."""
    dev = backend.get_device(device)
    rng = backend.default_generator() if generator is None else backend.random_source(generator, dev)
    arr = rng.permutation(n).astype(dtype or np.int64)
    return _make(backend.to_device(arr, dev), False)


def linspace(start, end, steps, dtype=None, device=None, requires_grad=False):
    """``steps`` evenly spaced values from ``start`` to ``end`` (both included), float32 by
    default, as ``torch.linspace``."""
    if not isinstance(steps, numbers.Integral) or isinstance(steps, bool) or steps < 0:
        raise ValueError(f'linspace: steps must be a non-negative int, got {steps!r}')
    xp, dev = _xp(device)
    with backend.device_context(dev):
        arr = xp.linspace(start, end, int(steps))
        arr = arr.astype(np.dtype(dtype or get_default_dtype()), copy=False)
    return _make(arr, requires_grad)


def eye(n, m=None, dtype=None, device=None, requires_grad=False):
    """The ``n`` x ``m`` identity matrix (``m`` defaults to ``n``), float32 by default."""
    xp, dev = _xp(device)
    with backend.device_context(dev):
        arr = xp.eye(n, n if m is None else m, dtype=np.dtype(dtype or get_default_dtype()))
    return _make(arr, requires_grad)

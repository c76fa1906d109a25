"""The array backend: NumPy on the CPU, CuPy on an NVIDIA GPU.

This is the only module that imports CuPy, and it does so lazily, on first use of a
``'cuda'`` device. Everything else asks this module for the array module of its inputs
(``get_array_module``) and writes one code path for both, in the spirit of Chainer.

Devices are named like PyTorch's: ``'cpu'``, ``'cuda'`` (the current GPU) or ``'cuda:N'``.
"""
import os
import sys

import numpy as np

_cupy = None          # the cupy module once imported
_cupy_error = None    # why importing/using cupy failed, if it did
_default_device = None
_np_generator = np.random.default_rng(0)
_cp_seed = 0
_seed = [0]               # the last manual_seed value (initial_seed)


# ---------------------------------------------------------------- CPU memory (glibc malloc)
# A training step allocates and frees the same large arrays every step. glibc serves a block
# above its mmap threshold (dynamic, from 128 KiB) with a fresh mmap and unmaps it on free, and
# trims the heap top when more than twice that is free: the next step then pays a page fault per
# 4 KiB touched. LeNet-5 at batch 64 took ~1,900 faults (7 MB) per step and ran 1.5-2x slower
# than with the blocks kept. So, on glibc, we keep blocks up to MALLOC_KEEP_BYTES in the heap
# and do not trim it: steady-state steps reuse memory that is already mapped. The peak (VmHWM)
# is unchanged (3 training steps: LeNet-5 b256 72 MB, small VGG 364 MB, with or without); the
# process keeps what it used at its peak, as PyTorch's caching allocators do.
# Opt out with MINIGRAD_MALLOC_TUNING=0 (before importing minigrad).

MALLOC_KEEP_BYTES = 1 << 30
malloc_tuned = False


def _tune_malloc():
    global malloc_tuned
    if os.environ.get('MINIGRAD_MALLOC_TUNING', '1').strip() == '0' or not sys.platform.startswith('linux'):
        return
    try:
        import ctypes
        libc = ctypes.CDLL(None)
        if not hasattr(libc, 'gnu_get_libc_version') or not hasattr(libc, 'mallopt'):
            return                               # musl and others: leave their allocator alone
        M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
        malloc_tuned = bool(libc.mallopt(M_MMAP_THRESHOLD, MALLOC_KEEP_BYTES)
                            and libc.mallopt(M_TRIM_THRESHOLD, 2 * MALLOC_KEEP_BYTES))
    except (OSError, AttributeError, TypeError):
        pass


_tune_malloc()


# ---------------------------------------------------------------- devices

class Device:
    """A device name: ``type`` is ``'cpu'`` or ``'cuda'``; ``index`` is the GPU number or None.

    Compares equal to its string form, so ``t.device == 'cpu'`` works as in PyTorch.
    """
    __slots__ = ('type', 'index')

    def __init__(self, spec='cpu'):
        if isinstance(spec, Device):
            self.type, self.index = spec.type, spec.index
            return
        if not isinstance(spec, str):
            raise TypeError(f"device must be a string like 'cpu' or 'cuda:0', got {spec!r}")
        name, _, idx = spec.strip().lower().partition(':')
        if name not in ('cpu', 'cuda') or (name == 'cpu' and idx not in ('', '0')):
            raise ValueError(f"unknown device {spec!r}: expected 'cpu', 'cuda' or 'cuda:N'")
        if name == 'cuda' and idx and not idx.isdigit():
            raise ValueError(f"unknown device {spec!r}: the GPU index must be an integer")
        self.type = name
        self.index = int(idx) if (name == 'cuda' and idx) else None

    def __str__(self):
        return self.type if self.index is None else f'{self.type}:{self.index}'

    def __repr__(self):
        return f"device(type='{self.type}'" + ('' if self.index is None else f', index={self.index}') + ')'

    def __eq__(self, other):
        if isinstance(other, str):
            try:
                other = Device(other)
            except (ValueError, TypeError):
                return False
        if not isinstance(other, Device):
            return NotImplemented
        if self.type != other.type:
            return False
        # 'cuda' means the current GPU: treat it as cuda:0 unless told otherwise
        return (self.index or 0) == (other.index or 0)

    def __hash__(self):
        return hash((self.type, self.index or 0))


CPU = Device('cpu')


def _import_cupy():
    """Import cupy on first need; raise a clear RuntimeError when it cannot be used."""
    global _cupy, _cupy_error
    if _cupy is not None:
        return _cupy
    if _cupy_error is None:
        try:
            import cupy
            if cupy.cuda.runtime.getDeviceCount() < 1:
                raise RuntimeError('no CUDA device was found')
            _cupy = cupy
            _cupy.random.seed(_cp_seed)
            return _cupy
        except ImportError:
            _cupy_error = ("CuPy is not installed. Install minigrad with the GPU extra "
                           "(pip install 'minigrad[gpu]', or pip install cupy-cuda12x / cupy-cuda13x "
                           "to match your CUDA version)")
        except Exception as e:  # cupy imports without a GPU, but fails when used
            _cupy_error = f'CuPy is installed but no usable GPU was found ({type(e).__name__}: {e})'
    raise RuntimeError(f"device 'cuda' is not available: {_cupy_error}. "
                       "Use device='cpu', or check mg.cuda.is_available() first.")


def cuda_is_available():
    """True when CuPy imports and at least one GPU can be used."""
    try:
        _import_cupy()
        return True
    except RuntimeError:
        return False


def cuda_device_count():
    return _import_cupy().cuda.runtime.getDeviceCount() if cuda_is_available() else 0


def get_device(device=None):
    """Normalise a device spec (None means the default device); check that 'cuda' is usable."""
    if device is None:
        return get_default_device()
    dev = Device(device)
    if dev.type == 'cuda':
        cp = _import_cupy()
        n = cp.cuda.runtime.getDeviceCount()
        if (dev.index or 0) >= n:
            raise RuntimeError(f"device {dev} is not available: this machine has {n} GPU(s)")
    return dev


def set_default_device(device):
    """Make new tensors (factories, ``mg.tensor``) go to ``device`` by default."""
    global _default_device
    _default_device = get_device(device)


def get_default_device():
    """The default device: set by ``set_default_device`` or the ``MINIGRAD_DEVICE`` variable."""
    global _default_device
    if _default_device is None:
        env = os.environ.get('MINIGRAD_DEVICE')
        try:
            _default_device = get_device(env or 'cpu')
        except (RuntimeError, ValueError) as e:
            if not env:
                raise
            # say where the device came from: the variable may have been set long ago
            raise type(e)(f'{e} (the default device comes from the environment variable '
                          f'MINIGRAD_DEVICE={env!r})') from None
    return _default_device


# ---------------------------------------------------------------- arrays

def get_array_module(*arrays):
    """numpy or cupy, whichever the arrays belong to (numpy for plain Python values)."""
    for a in arrays:
        if type(a) is not np.ndarray and _cupy is not None and isinstance(a, _cupy.ndarray):
            return _cupy
    return np


def device_of(array):
    """The Device an array lives on."""
    if type(array) is np.ndarray or isinstance(array, (np.ndarray, np.generic)):
        return CPU
    if _cupy is not None and isinstance(array, _cupy.ndarray):
        return Device(f'cuda:{array.device.id}')
    raise TypeError(f'expected a NumPy or CuPy array, got {type(array).__name__}')


def is_array(x):
    return isinstance(x, np.ndarray) or (_cupy is not None and isinstance(x, _cupy.ndarray))


def xp_of_device(device):
    """The array module that serves a device."""
    return np if Device(device).type == 'cpu' else _import_cupy()


def to_device(array, device):
    """Copy an array to ``device`` (no copy when it is already there)."""
    device = get_device(device)
    if device.type == 'cpu':
        return asnumpy(array)
    cp = _import_cupy()
    with cp.cuda.Device(device.index or 0):
        return cp.asarray(array)


def asnumpy(array):
    """A NumPy array with the same contents (host copy of a CuPy array)."""
    if isinstance(array, np.ndarray):
        return array
    if _cupy is not None and isinstance(array, _cupy.ndarray):
        return _cupy.asnumpy(array)
    return np.asarray(array)


def asarray(data, dtype=None, device=None):
    """An array on ``device`` built from Python data, a NumPy or a CuPy array."""
    device = get_device(device)
    if device.type == 'cpu':
        return np.asarray(asnumpy(data) if not isinstance(data, (list, tuple)) else data, dtype=dtype)
    cp = _import_cupy()
    with cp.cuda.Device(device.index or 0):
        return cp.asarray(data, dtype=dtype)


def device_context(device):
    """A context manager that makes ``device`` current (a no-op on the CPU)."""
    device = Device(device)
    if device.type == 'cpu':
        import contextlib
        return contextlib.nullcontext()
    return _import_cupy().cuda.Device(device.index or 0)


def scatter_add(target, indices, values):
    """``target[indices] += values`` with repeated indices accumulating (np.add.at for both)."""
    xp = get_array_module(target)
    if xp is np:
        np.add.at(target, indices, values)
    else:
        import cupyx
        cupyx.scatter_add(target, indices, values)


def as_strided(array, shape, strides):
    """A view of ``array`` with the given shape and byte strides (NumPy's or CuPy's ``as_strided``).

    Used to build sliding-window views (convolution, pooling) without copying; the caller must
    keep every index of the view inside the array's memory.
    """
    if isinstance(array, np.ndarray):
        return np.lib.stride_tricks.as_strided(array, shape, strides, writeable=False)
    return _cupy.lib.stride_tricks.as_strided(array, shape, strides)


def cuda_device(device=None):
    """What ``.cuda(device)`` means: the current GPU for None, ``cuda:N`` for an int N, else as given."""
    return 'cuda' if device is None else (f'cuda:{device}' if isinstance(device, int) else device)


def data_ptr(array):
    """The address of an array's first element (NumPy's or CuPy's), as ``Tensor.data_ptr``."""
    if isinstance(array, np.ndarray):
        return array.__array_interface__['data'][0]
    return int(array.data.ptr)


def check_index_bounds(index, size, axis):
    """CuPy wraps out-of-range integer indices; NumPy raises. Make both raise."""
    if index.size and (int(index.max()) >= size or int(index.min()) < -size):
        raise IndexError(f'index out of range for dimension {axis} with size {size}')


# ---------------------------------------------------------------- random numbers

def manual_seed(seed):
    """Seed every random source the library uses: NumPy's generator and CuPy's (if loaded)."""
    global _np_generator, _cp_seed
    seed = int(seed)
    _seed[0] = seed
    _np_generator = np.random.default_rng(seed)
    _cp_seed = seed
    if _cupy is not None:
        _cupy.random.seed(seed)


def initial_seed():
    """The seed of the last ``manual_seed`` (or ``seed``) call, as ``torch.initial_seed``."""
    return _seed[0]


def seed():
    """Seed the library from the operating system's entropy and return that seed (``torch.seed``)."""
    value = int(np.random.SeedSequence().entropy % (2 ** 63))
    manual_seed(value)
    return value


def default_generator():
    """The library's NumPy random generator (reseeded by ``manual_seed``)."""
    return _np_generator


def random_module(device):
    """A random source for ``device``: the NumPy Generator or CuPy's random module."""
    return _np_generator if Device(device).type == 'cpu' else _import_cupy().random


def random_source(generator, device):
    """The NumPy (or CuPy) random source for a draw on ``device``: ``generator``'s if one is
    given (an ``mg.Generator`` or a ``numpy.random.Generator``), else the library's."""
    if generator is None:
        return random_module(device)
    rng = getattr(generator, 'numpy_generator', generator)      # mg.Generator wraps one
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f'generator must be an mg.Generator (or a numpy.random.Generator), got '
                        f'{type(generator).__name__}')
    kind = Device(device).type
    if kind != 'cpu':
        raise RuntimeError(f"Expected a '{kind}' device type for generator but found 'cpu'")
    return rng


def get_rng_state():
    """The state of the library's random sources, as JSON-serialisable data."""
    return {'numpy': _np_generator.bit_generator.state}


def set_rng_state(state):
    """Restore what ``get_rng_state`` returned."""
    _np_generator.bit_generator.state = state['numpy']


def gpu_memory_used(device='cuda'):
    """Bytes held by CuPy's memory pool on ``device`` (for leak checks); 0 on the CPU."""
    dev = Device(device)
    if dev.type == 'cpu':
        return 0
    cp = _import_cupy()
    with cp.cuda.Device(dev.index or 0):
        return int(cp.get_default_memory_pool().used_bytes())


def put_along_axis(target, indices, values, axis):
    """``np.put_along_axis`` for NumPy and CuPy (older CuPy lacks it: built from open grids)."""
    xp = get_array_module(target)
    if hasattr(xp, 'put_along_axis'):
        xp.put_along_axis(target, indices, values, axis=axis)
        return
    grid = list(xp.ogrid[tuple(slice(n) for n in indices.shape)])
    grid[axis] = indices
    target[tuple(grid)] = values


def nccl_module():
    """CuPy's NCCL bindings (``cupy.cuda.nccl``), for ``minigrad.distributed``'s 'nccl' backend;
    a clear RuntimeError when CuPy, a GPU or CuPy's NCCL support is missing."""
    _import_cupy()
    try:
        from cupy.cuda import nccl
        if not getattr(nccl, 'available', True):
            raise ImportError('CuPy was built without NCCL')
    except ImportError as e:
        raise RuntimeError(f"the 'nccl' backend needs CuPy with NCCL support ({e}); install NCCL "
                           "(e.g. pip install nvidia-nccl-cu12) or use backend='mpi'") from None
    return nccl

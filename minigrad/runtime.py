"""Process-wide settings that PyTorch scripts make at the top: how many threads the math library
uses (``mg.set_num_threads``, ``get_num_threads``) and the determinism switch
(``mg.use_deterministic_algorithms``).

minigrad's heavy work is NumPy's BLAS (OpenBLAS in NumPy's wheels), so ``set_num_threads`` sets
OpenBLAS's thread count at run time through its C API, found among the libraries this process
has loaded (as threadpoolctl does); where no OpenBLAS is loaded the number is only recorded.
minigrad's CPU runs are deterministic already (the same seed gives the same run, bit for bit),
so the determinism switch is recorded and reported, and changes nothing.
"""
import ctypes
import os

_SETTERS = ('openblas_set_num_threads', 'scipy_openblas_set_num_threads64_',
            'scipy_openblas_set_num_threads', 'openblas_set_num_threads64_')
_GETTERS = ('openblas_get_num_threads', 'scipy_openblas_get_num_threads64_',
            'scipy_openblas_get_num_threads', 'openblas_get_num_threads64_')
_state = {'threads': None, 'interop': 1, 'deterministic': False, 'warn_only': False, 'libs': None}


def _openblas():
    """``(setter, getter)`` C functions of every OpenBLAS loaded in this process (Linux)."""
    if _state['libs'] is None:
        import numpy  # noqa: F401  (loads NumPy's BLAS, so that it shows in the maps)
        found, paths = [], set()
        try:
            with open('/proc/self/maps') as f:
                for line in f:
                    path = line.split()[-1] if '/' in line else ''
                    if 'openblas' in os.path.basename(path).lower() and path not in paths:
                        paths.add(path)
        except OSError:
            pass
        for path in sorted(paths):
            try:
                lib = ctypes.CDLL(path)
            except OSError:
                continue
            setter = next((getattr(lib, n) for n in _SETTERS if hasattr(lib, n)), None)
            getter = next((getattr(lib, n) for n in _GETTERS if hasattr(lib, n)), None)
            if setter is not None and getter is not None:
                getter.restype = ctypes.c_int
                found.append((setter, getter))
        _state['libs'] = found
    return _state['libs']


def _positive(n, name):
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise ValueError(f'{name}: expected a positive number of threads, got {n!r}')
    return n


def set_num_threads(n):
    """Use ``n`` threads for the math library's parallel work (``torch.set_num_threads``)."""
    _state['threads'] = _positive(n, 'set_num_threads')
    for setter, _ in _openblas():
        setter(ctypes.c_int(n))


def get_num_threads():
    """The math library's thread count (``torch.get_num_threads``)."""
    libs = _openblas()
    if libs:
        return int(libs[0][1]())
    return _state['threads'] or os.cpu_count() or 1


def set_num_interop_threads(n):
    """Recorded only: minigrad runs independent ops one after another."""
    _state['interop'] = _positive(n, 'set_num_interop_threads')


def get_num_interop_threads():
    return _state['interop']


def use_deterministic_algorithms(mode, *, warn_only=False):
    """``torch.use_deterministic_algorithms``: recorded; minigrad's CPU ops are deterministic
    whatever it says (on a GPU, CuPy's atomics-based reductions may not be)."""
    _state['deterministic'], _state['warn_only'] = bool(mode), bool(warn_only)


def are_deterministic_algorithms_enabled():
    return _state['deterministic']


def is_deterministic_algorithms_warn_only_enabled():
    return _state['warn_only']


__all__ = ['set_num_threads', 'get_num_threads', 'set_num_interop_threads', 'get_num_interop_threads',
           'use_deterministic_algorithms', 'are_deterministic_algorithms_enabled',
           'is_deterministic_algorithms_warn_only_enabled']

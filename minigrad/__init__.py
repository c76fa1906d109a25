"""minigrad: a small deep-learning framework with reverse-mode autograd on NumPy or CuPy.

    import minigrad as mg
    x = mg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    (x * x).sum().backward()
    x.grad          # tensor([2., 4., 6.])
"""
__version__ = '0.1.0'

from . import accelerator, amp, autograd, backend, backends, cuda
from .amp import autocast
from .autograd import (enable_grad, inference_mode, is_grad_enabled, is_inference_mode_enabled, no_grad,
                       set_grad_enabled)
from .backend import Device as device
from .backend import (get_default_device, get_rng_state, initial_seed, manual_seed, seed,
                      set_default_device, set_rng_state)
from .dimargs import Size
from .factory import (arange, as_tensor, asarray, empty, empty_like, eye, from_numpy, full, full_like, linspace, ones,
                      ones_like, rand, rand_like, randint, randn, randn_like, randperm, tensor, zeros,
                      zeros_like)
from .dtypes import (bool_, double, finfo, float16, float32, float64, get_default_dtype, half, iinfo, int8,
                     int16, int32, int64, long, set_default_dtype, short, uint8)
from .generator import Generator
from .functions import *  # noqa: F401,F403  (cat, stack, where, ... and the methods as functions)
from .functions_index import *  # noqa: F401,F403
from .functions_pointwise import *  # noqa: F401,F403
from .legacy import *  # noqa: F401,F403  (FloatTensor, LongTensor, ...)
from .runtime import *  # noqa: F401,F403  (set_num_threads, use_deterministic_algorithms, ...)
from .generator import default_generator
from .tensor import Tensor

# PyTorch's short dtype names; they shadow builtins only inside this module's namespace
bool = bool_
float = float32
int = int32


def __getattr__(name):
    # subpackages that sit above the core are imported on first use
    import importlib
    if name in ('nn', 'optim', 'data', 'testing', 'serialization', 'utils', 'distributed', 'linalg',
                'distributions', 'special'):
        return importlib.import_module(f'.{name}', __name__)
    if name in ('save', 'load'):
        return getattr(importlib.import_module('.serialization', __name__), name)
    raise AttributeError(f"module 'minigrad' has no attribute {name!r}")

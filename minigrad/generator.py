"""``mg.Generator``: PyTorch's ``torch.Generator`` on minigrad, a seeded source of random numbers
that a caller owns (``generator=`` in ``mg.rand``/``randn``/``randint``/``randperm``,
``data.random_split``, ``DataLoader`` and the samplers), apart from the library's global one.

It wraps a ``numpy.random.Generator`` (PCG64), so the same seed gives the same draws, bit for
bit; it draws on the CPU only (a CUDA tensor asked for with a CPU generator is refused, as in
PyTorch).
"""
import json
import numbers
import secrets

import numpy as np

from . import backend
from .factory import tensor

__all__ = ['Generator', 'default_generator']

_DEFAULT_SEED = 67280421310721          # torch.Generator().initial_seed()
_SEED_RANGE = (-2 ** 63, 2 ** 64 - 1)   # what torch accepts; negatives wrap around 2**64


class Generator:
    """A random number generator with its own state, as ``torch.Generator``.

    Args:
        device: where it draws; only ``'cpu'``.

    Example::

        g = mg.Generator().manual_seed(42)
        train, val = mg.data.random_split(ds, [0.8, 0.2], generator=g)
        mg.rand(3, generator=g)
    """

    def __init__(self, device='cpu'):
        self.device = backend.Device(device)
        if self.device.type != 'cpu':
            raise RuntimeError(f"mg.Generator draws on the CPU only, got device '{self.device}' "
                               '(seed the library with mg.manual_seed for CUDA draws)')
        self.manual_seed(_DEFAULT_SEED)

    @property
    def numpy_generator(self):
        """The wrapped ``numpy.random.Generator`` (drawing from it advances this generator)."""
        return self._rng

    def manual_seed(self, seed):
        """Reseed; returns this generator. ``seed`` is an int in [-2**63, 2**64) (a negative one
        is taken modulo 2**64, as PyTorch)."""
        if not isinstance(seed, numbers.Integral) or isinstance(seed, bool):
            raise RuntimeError(f'manual_seed expected a long, but got {type(seed).__name__}')
        seed = int(seed)
        if not _SEED_RANGE[0] <= seed <= _SEED_RANGE[1]:
            raise RuntimeError(f'manual_seed: the seed must be in [{_SEED_RANGE[0]}, '
                               f'{_SEED_RANGE[1]}], got {seed}')
        self._seed = seed % 2 ** 64
        self._rng = np.random.default_rng(self._seed)
        return self

    def seed(self):
        """Reseed from a non-deterministic source of randomness; returns the new seed."""
        seed = secrets.randbits(64)
        self.manual_seed(seed)
        return seed

    def initial_seed(self):
        """The seed this generator was last seeded with."""
        return self._seed

    def get_state(self):
        """The current state, as a uint8 tensor (give it to ``set_state`` to come back here)."""
        state = {'seed': self._seed, 'bit_generator': self._rng.bit_generator.state}
        return tensor(np.frombuffer(json.dumps(state).encode(), dtype=np.uint8).copy())

    def set_state(self, new_state):
        """Restore a state from ``get_state``; returns this generator."""
        raw = getattr(new_state, 'array', new_state)
        try:
            state = json.loads(bytes(np.asarray(backend.asnumpy(raw), dtype=np.uint8)))
            rng = np.random.default_rng()
            rng.bit_generator.state = state['bit_generator']
            seed = int(state['seed'])
        except (TypeError, ValueError, KeyError) as e:
            raise RuntimeError('set_state: expected a state from Generator.get_state() (a uint8 '
                               f'tensor), got {type(new_state).__name__}: {e}') from None
        self._seed, self._rng = seed, rng
        return self

    def __repr__(self):
        return f'<minigrad.Generator device={self.device} initial_seed={self._seed}>'



class _DefaultGenerator(Generator):
    """``mg.default_generator``: the library's own generator (the one ``mg.manual_seed`` seeds)
    seen as a Generator, as ``torch.default_generator``."""

    def __init__(self):
        self.device = backend.Device('cpu')

    @property
    def numpy_generator(self):
        return backend.default_generator()

    @property
    def _rng(self):
        return backend.default_generator()

    def manual_seed(self, seed):
        backend.manual_seed(seed)
        return self

    def seed(self):
        return backend.seed()

    def initial_seed(self):
        return backend.initial_seed()

    def get_state(self):
        return backend.get_rng_state()

    def set_state(self, new_state):
        backend.set_rng_state(new_state)
        return self

    def __repr__(self):
        return f'<minigrad.default_generator initial_seed={backend.initial_seed()}>'


default_generator = _DefaultGenerator()

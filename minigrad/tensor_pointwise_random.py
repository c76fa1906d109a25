"""Random draws as PyTorch's Tensor methods: ``bernoulli``, ``bernoulli_``, ``multinomial`` and
the in-place fills ``exponential_ geometric_ log_normal_ cauchy_`` (``uniform_``/``normal_``/
``random_`` are in tensor_inplace.py): the ``TensorRandom`` mixin, a base of ``TensorPointwise``.

Every draw comes from ``generator`` (an ``mg.Generator``) or else the library's generator, so
``mg.manual_seed`` repeats a run bit for bit. Draws are not differentiable.
"""
import math
import numbers

import numpy as np

from . import backend
from .dtypes import is_float


def _is_tensor(x):
    return getattr(x, '_is_tensor', False)


def _check_probability(p):
    xp = backend.get_array_module(p)
    if not bool(((xp.asarray(p) >= 0) & (xp.asarray(p) <= 1)).all()):
        raise RuntimeError('bernoulli(): expected every probability p to satisfy 0 <= p <= 1')


class TensorRandom:
    """Bernoulli and multinomial draws, in-place fills from other distributions."""
    __slots__ = ()

    def _uniform(self, generator, shape=None, dtype=None):
        """Uniform [0, 1) draws (this tensor's shape, float32 or float64), from ``generator`` or
        the library's."""
        rs = backend.random_source(generator, self.device)
        if dtype is None:
            dtype = np.float64 if self.dtype == np.float64 else np.float32
        with backend.device_context(self.device):
            return rs.random(self.shape if shape is None else shape, dtype=dtype)

    def bernoulli(self, p=None, *, generator=None):
        """0/1 draws (in this tensor's dtype): 1 with probability ``self`` elementwise (or ``p``,
        a number, for every element)."""
        probs = self.array if p is None else p
        if p is None and not is_float(self.dtype):
            raise RuntimeError(f'bernoulli(): expected a floating-point tensor of probabilities, '
                               f'got {self.dtype}')
        _check_probability(probs)
        u = self._uniform(generator)
        return self._wrap((u < probs).astype(self.dtype))

    def bernoulli_(self, p=0.5, *, generator=None):
        """Fill in place with 0/1 draws, 1 with probability ``p`` (a number or a tensor)."""
        probs = p.array if _is_tensor(p) else p
        _check_probability(probs)
        u = self._uniform(generator)
        return self._put(self._wrap((u < probs).astype(self.dtype)))

    def _fill(self, values):
        return self._put(self._wrap(values.astype(self.dtype, copy=False)))

    def exponential_(self, lambd=1.0, *, generator=None):
        """Fill with draws from the exponential distribution of rate ``lambd``."""
        if not lambd > 0:
            raise RuntimeError(f'exponential_ expects lambda > 0.0, but found lambda={lambd}')
        xp = backend.get_array_module(self.array)
        return self._fill(-xp.log1p(-self._uniform(generator, dtype=np.float64)) / lambd)

    def geometric_(self, p, *, generator=None):
        """Fill with the number of Bernoulli(p) trials up to the first success (1, 2, ...)."""
        if not 0 < p < 1:
            raise RuntimeError(f'geometric_ expects p to be in (0, 1), but got p={p}')
        xp = backend.get_array_module(self.array)
        u = self._uniform(generator, dtype=np.float64)
        return self._fill(xp.floor(xp.log1p(-u) / math.log1p(-p)) + 1)

    def log_normal_(self, mean=1.0, std=2.0, *, generator=None):
        """Fill with ``exp(N(mean, std^2))`` draws."""
        if not std > 0:
            raise RuntimeError(f'log_normal_ expects std > 0.0, but found std={std}')
        rs = backend.random_source(generator, self.device)
        xp = backend.get_array_module(self.array)
        with backend.device_context(self.device):
            z = rs.standard_normal(self.shape, dtype=np.float64)
        return self._fill(xp.exp(z * std + mean))

    def cauchy_(self, median=0.0, sigma=1.0, *, generator=None):
        """Fill with draws from the Cauchy distribution (location ``median``, scale ``sigma``)."""
        xp = backend.get_array_module(self.array)
        return self._fill(median + sigma * xp.tan(math.pi * (self._uniform(generator, dtype=np.float64) - 0.5)))

    def multinomial(self, num_samples, replacement=False, *, generator=None):
        """Draw ``num_samples`` category indices (int64) per row of this 1-D or 2-D tensor of
        non-negative weights (need not sum to 1), as ``torch.multinomial``; without
        ``replacement`` each category is drawn at most once per row.

        Args:
            self: weights, (C,) or (N, C); every row needs a positive sum.
            num_samples: draws per row (at most C without replacement).
            replacement: draw with replacement.
            generator: an ``mg.Generator`` to draw from (else the library's).

        Shape: (num_samples,) or (N, num_samples), int64.
        """
        if self.ndim not in (1, 2):
            raise RuntimeError(f'multinomial(): prob_dist must be 1 or 2 dim, got shape {list(self.shape)}')
        if not isinstance(num_samples, numbers.Integral) or num_samples <= 0:
            raise RuntimeError(f'multinomial(): num_samples must be a positive int, got {num_samples!r}')
        w = self.detach().array.astype(np.float64) if self.ndim == 2 else self.detach().array[None].astype(np.float64)
        xp = backend.get_array_module(w)
        n = w.shape[1]
        if not bool(xp.isfinite(w).all()) or bool((w < 0).any()):
            raise RuntimeError('multinomial(): probability tensor contains either inf, nan or element < 0')
        if bool((w.sum(axis=1) <= 0).any()):
            raise RuntimeError('multinomial(): invalid multinomial distribution (sum of probabilities <= 0)')
        if not replacement and num_samples > n:
            raise RuntimeError(f'multinomial(): cannot sample n_sample ({num_samples}) > prob_dist.size(-1) '
                               f'({n}) samples without replacement')
        u = self._uniform(generator, (w.shape[0], num_samples if replacement else n), np.float64)
        if replacement:
            cdf = xp.cumsum(w, axis=1)
            cdf /= cdf[:, -1:]
            idx = xp.stack([xp.searchsorted(cdf[r], u[r], side='right') for r in range(w.shape[0])])
            idx = xp.minimum(idx, n - 1)
        else:
            # exponential race: the k smallest of E_i / w_i are k draws without replacement
            with np.errstate(divide='ignore'):
                keys = -xp.log1p(-u) / w
            idx = xp.argsort(keys, axis=1)[:, :num_samples]
        idx = idx.astype(np.int64)
        return self._wrap(idx if self.ndim == 2 else idx[0])

"""Samplers: which dataset indices a DataLoader visits, in what order and in what batches.

Names and arguments follow ``torch.utils.data``. A ``generator`` is an ``mg.Generator``, a
``numpy.random.Generator`` (``np.random.default_rng(seed)``) or an int seed; without one, the
random samplers draw from minigrad's global generator, so ``mg.manual_seed`` makes them
reproducible.
"""
import numbers

import numpy as np

from .. import backend
from ..generator import Generator


def as_generator(generator):
    """A ``numpy.random.Generator`` from an ``mg.Generator`` (the one it wraps: drawing advances
    it, as in PyTorch), a NumPy Generator, an int seed, or None (minigrad's global one)."""
    if generator is None:
        return backend.default_generator()
    if isinstance(generator, Generator):
        return generator.numpy_generator
    if isinstance(generator, numbers.Integral) and not isinstance(generator, bool):
        return np.random.default_rng(int(generator))
    if isinstance(generator, np.random.Generator):
        return generator
    raise TypeError(f'generator must be an mg.Generator, a numpy.random.Generator or an int seed, '
                    f'got {type(generator).__name__}')


class Sampler:
    """Base class: an iterable of dataset indices (or of lists of them, for a batch sampler)."""

    def __init__(self, data_source=None):
        pass

    def __iter__(self):
        raise NotImplementedError(f'{type(self).__name__} must define __iter__')


class SequentialSampler(Sampler):
    """``0, 1, ..., len(data_source) - 1``."""

    def __init__(self, data_source):
        self.data_source = data_source

    def __iter__(self):
        return iter(range(len(self.data_source)))

    def __len__(self):
        return len(self.data_source)


class RandomSampler(Sampler):
    """The indices of ``data_source`` in a random order.

    Args:
        data_source: the dataset.
        replacement: draw ``num_samples`` indices with replacement (else a permutation).
        num_samples: how many indices per pass (default ``len(data_source)``); without replacement
            more than ``len`` repeats whole permutations, as in PyTorch.
        generator: an ``mg.Generator``, a ``numpy.random.Generator`` or an int seed; each pass draws from it.
    """

    def __init__(self, data_source, replacement=False, num_samples=None, generator=None):
        if not isinstance(replacement, bool):
            raise TypeError(f'replacement should be a boolean value, but got replacement={replacement!r}')
        if num_samples is not None and (not isinstance(num_samples, numbers.Integral) or num_samples <= 0):
            raise ValueError(f'num_samples should be a positive integer value, but got num_samples={num_samples!r}')
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = None if generator is None else as_generator(generator)

    @property
    def num_samples(self):
        return len(self.data_source) if self._num_samples is None else int(self._num_samples)

    def _generator(self):
        return as_generator(self.generator)

    def __iter__(self):
        n, g = len(self.data_source), self._generator()
        if self.replacement:
            return iter(g.integers(0, n, size=self.num_samples).tolist())
        full, rest = divmod(self.num_samples, n)
        order = [g.permutation(n) for _ in range(full)] + ([g.permutation(n)[:rest]] if rest else [])
        return iter(np.concatenate(order).tolist())

    def __len__(self):
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given ``indices`` in a random order (a new one each pass).

    Args:
        indices: a sequence of dataset indices.
        generator: an ``mg.Generator``, a ``numpy.random.Generator`` or an int seed.
    """

    def __init__(self, indices, generator=None):
        self.indices = indices
        self.generator = None if generator is None else as_generator(generator)

    def __iter__(self):
        perm = as_generator(self.generator).permutation(len(self.indices))
        return (self.indices[i] for i in perm.tolist())

    def __len__(self):
        return len(self.indices)


class WeightedRandomSampler(Sampler):
    """``num_samples`` indices drawn with probabilities proportional to ``weights``.

    Args:
        weights: one non-negative weight per index.
        num_samples: how many to draw per pass.
        replacement: draw with replacement (without: each index at most once).
        generator: an ``mg.Generator``, a ``numpy.random.Generator`` or an int seed.
    """

    def __init__(self, weights, num_samples, replacement=True, generator=None):
        if not isinstance(num_samples, numbers.Integral) or isinstance(num_samples, bool) or num_samples <= 0:
            raise ValueError(f'num_samples should be a positive integer value, but got num_samples={num_samples!r}')
        weights = np.asarray(weights, dtype=np.float64)
        if weights.ndim != 1 or not np.all(np.isfinite(weights)) or np.any(weights < 0) or weights.sum() <= 0:
            raise ValueError('weights must be a 1-D sequence of finite, non-negative numbers with a positive '
                             f'sum, got shape {weights.shape}')
        if not replacement and num_samples > np.count_nonzero(weights):
            raise ValueError(f'cannot draw {num_samples} samples without replacement from '
                             f'{np.count_nonzero(weights)} non-zero weights')
        self.weights = weights
        self.num_samples = int(num_samples)
        self.replacement = bool(replacement)
        self.generator = None if generator is None else as_generator(generator)

    def __iter__(self):
        p = self.weights / self.weights.sum()
        drawn = as_generator(self.generator).choice(len(p), size=self.num_samples,
                                                    replace=self.replacement, p=p)
        return iter(drawn.tolist())

    def __len__(self):
        return self.num_samples


class BatchSampler(Sampler):
    """Group the indices of ``sampler`` into lists of ``batch_size``.

    Args:
        sampler: any iterable of indices.
        batch_size: indices per batch.
        drop_last: drop the last batch if it is smaller than ``batch_size``.
    """

    def __init__(self, sampler, batch_size, drop_last):
        if not isinstance(batch_size, numbers.Integral) or isinstance(batch_size, bool) or batch_size <= 0:
            raise ValueError(f'batch_size should be a positive integer value, but got batch_size={batch_size!r}')
        if not isinstance(drop_last, bool):
            raise ValueError(f'drop_last should be a boolean value, but got drop_last={drop_last!r}')
        self.sampler = sampler
        self.batch_size = int(batch_size)
        self.drop_last = drop_last

    def __iter__(self):
        batch = []
        for idx in self.sampler:
            batch.append(idx)
            if len(batch) == self.batch_size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def __len__(self):
        n = len(self.sampler)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

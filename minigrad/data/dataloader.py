"""DataLoader: batches of a dataset as Tensors, in a reproducible order, optionally loaded by
worker processes. Arguments as ``torch.utils.data.DataLoader``, plus minigrad's ``seed``,
``transform`` (a transform of whole input batches) and ``device``.

Determinism and resume
----------------------
Everything random about an epoch is a pure function of ``(seed, epoch)``: with ``shuffle=True``
the order comes from ``SeedSequence(seed, spawn_key=(epoch, 0, 0))``, and batch ``b`` is loaded
with a generator from ``SeedSequence(seed, spawn_key=(epoch, 1, b))`` that the random transforms
draw from (the loader's ``transform`` and the dataset's own, per sample). So batch ``b`` is the
same whether it is loaded in this process or by any of ``num_workers`` workers. Each
``iter(loader)`` runs the epoch ``loader.epoch`` and then advances it. To resume a run, call
``loader.set_epoch(k)`` before epoch ``k``, or save ``loader.state_dict()`` (seed, epoch, batches
done) and give it back to ``load_state_dict``: the run continues bit for bit, even mid-epoch.
A sampler you pass yourself draws from its own generator (or minigrad's global one).
"""
import itertools
import math
import multiprocessing
import numbers
import weakref

import numpy as np

from .collate import collate_arrays, convert_arrays, to_tensors
from .dataset import IterableDataset, fetch_batch
from .sampler import BatchSampler, RandomSampler, SequentialSampler, as_generator
from .transforms import apply_transform, generator_scope
from .worker import Exhausted, WorkerIterator, WorkerPool


def _rng(seed, *key):
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=key))


class _SeededRandomSampler(RandomSampler):
    """``shuffle=True``: a permutation that is a pure function of the loader's (seed, epoch)."""

    def __init__(self, data_source, seed):
        super().__init__(data_source)
        self.seed, self.epoch = seed, 0

    def __iter__(self):
        return iter(_rng(self.seed, self.epoch, 0, 0).permutation(len(self.data_source)).tolist())


class _Fetcher:
    """Loads one batch from its indices; runs in the main process or in a worker."""

    def __init__(self, dataset, auto_collation, collate_fn, transform):
        self.dataset, self.auto_collation = dataset, auto_collation
        self.collate_fn, self.transform = collate_fn, transform

    def __call__(self, seed, epoch, b, indices):
        generator = _rng(seed, epoch, 1, b)
        dataset, collate_fn = self.dataset, self.collate_fn
        if not self.auto_collation:
            with generator_scope(generator):
                sample = dataset[indices]
            batch = convert_arrays(sample) if collate_fn is None else collate_fn(sample)
        elif collate_fn is None:
            batch = fetch_batch(dataset, indices, generator)
            batch = list(batch) if type(batch) is tuple else batch
        else:
            with generator_scope(generator):
                getitems = getattr(dataset, '__getitems__', None)
                samples = getitems(list(indices)) if getitems else [dataset[i] for i in indices]
            batch = collate_fn(samples)
        return _batch_transform(self.transform, batch, generator)


def _batch_transform(transform, batch, generator):
    """The loader's ``transform=`` applied to the input field (the first) of a batch."""
    if transform is None:
        return batch
    if isinstance(batch, list) and batch:
        batch[0] = apply_transform(transform, batch[0], generator)
        return batch
    if isinstance(batch, tuple) and batch:
        return (apply_transform(transform, batch[0], generator),) + batch[1:]
    return apply_transform(transform, batch, generator)


class _StreamFetcher:
    """Loads the next batch of an IterableDataset; a new stream for each new ``token`` (iteration)."""

    def __init__(self, dataset, batch_size, drop_last, collate_fn, transform):
        self.dataset, self.batch_size, self.drop_last = dataset, batch_size, drop_last
        self.collate_fn, self.transform = collate_fn, transform
        self._token, self._stream, self._done = None, None, True

    def __call__(self, seed, epoch, b, token):
        if token != self._token:
            self._token, self._stream, self._done = token, iter(self.dataset), False
        if self._done:
            return Exhausted()
        generator = _rng(seed, epoch, 1, b)
        with generator_scope(generator):      # the dataset's transforms run as the stream advances
            chunk = list(itertools.islice(self._stream, 1 if self.batch_size is None else self.batch_size))
        if not chunk or (self.drop_last and len(chunk) < self.batch_size):
            self._done = True
            return Exhausted()
        if self.batch_size is None:
            batch = convert_arrays(chunk[0]) if self.collate_fn is None else self.collate_fn(chunk[0])
        else:
            batch = collate_arrays(chunk) if self.collate_fn is None else self.collate_fn(chunk)
        return _batch_transform(self.transform, batch, generator)


def _check_int(value, name, minimum):
    if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < minimum:
        raise ValueError(f'{name} should be an integer >= {minimum}, got {name}={value!r}')
    return int(value)


class DataLoader:
    """Iterate over a dataset in batches of Tensors, as ``torch.utils.data.DataLoader``.

    Args:
        dataset: a map-style dataset (``__len__`` and ``__getitem__``); array-backed ones with
            ``get_batch`` are batched without a Python loop per sample (default collation only).
        batch_size: samples per batch; None turns batching off (one sample at a time, arrays
            converted to Tensors).
        shuffle: a new order every epoch, deterministic from ``seed`` and the epoch.
        sampler: an iterable of indices (or a Sampler) to draw samples from instead.
        batch_sampler: an iterable of index lists; excludes batch_size, shuffle, sampler, drop_last.
        num_workers: load batches in this many worker processes (0: in this process).
        collate_fn: merges a list of samples into a batch (default: ``default_collate``).
        pin_memory: accepted for compatibility; batches go straight to ``device``.
        drop_last: drop the last batch if it is smaller than ``batch_size``.
        timeout: seconds to wait for a worker's batch before raising (0: forever).
        worker_init_fn: called as ``worker_init_fn(worker_id)`` in each worker after seeding.
        multiprocessing_context: a ``multiprocessing`` context or its name (default: the platform's).
        generator: an ``mg.Generator``, a ``numpy.random.Generator`` or an int seed; when ``seed`` is None the loader's
            seed is drawn from it once.
        prefetch_factor: batches each worker loads ahead (default 2 with workers).
        persistent_workers: keep the workers alive between epochs.
        pin_memory_device, in_order: accepted for compatibility (batches always come in order).
        seed: the loader's seed (minigrad); None draws one from ``generator`` or from minigrad's
            global generator, so ``mg.manual_seed`` controls it.
        transform: applied to each whole input batch (the first field), with the batch's generator.
        device: where the batches go (None: the default device).

    Yields:
        Batches as ``default_collate`` makes them: for ``(image, label)`` samples a list
        ``[x, y]`` of stacked Tensors (x keeps the samples' dtype; Python ints become int64).
    """

    def __init__(self, dataset, batch_size=1, shuffle=None, sampler=None, batch_sampler=None,
                 num_workers=0, collate_fn=None, pin_memory=False, drop_last=False, timeout=0,
                 worker_init_fn=None, multiprocessing_context=None, generator=None, *,
                 prefetch_factor=None, persistent_workers=False, pin_memory_device='', in_order=True,
                 seed=None, transform=None, device=None):
        self.num_workers = _check_int(num_workers, 'num_workers', 0)
        self._stream = isinstance(dataset, IterableDataset)
        if not self._stream and not hasattr(dataset, '__getitem__'):
            raise TypeError(f'DataLoader: dataset must be a map-style dataset (with __getitem__ and '
                            f'__len__: a Dataset, a list, ...) or an IterableDataset, got '
                            f'{type(dataset).__name__}')
        if self._stream:
            for name, value in (('shuffle', shuffle), ('sampler', sampler), ('batch_sampler', batch_sampler)):
                if value not in (None, False):
                    raise ValueError(f'DataLoader with IterableDataset: expected unspecified {name} option, '
                                     f'but got {name}={value!r}')
        if timeout < 0:
            raise ValueError(f'timeout option should be non-negative, got {timeout!r}')
        if self.num_workers == 0 and prefetch_factor is not None:
            raise ValueError('prefetch_factor option could only be specified in multiprocessing: let '
                             'num_workers > 0 to enable multiprocessing, otherwise set prefetch_factor to None')
        if persistent_workers and self.num_workers == 0:
            raise ValueError('persistent_workers option needs num_workers > 0')
        if sampler is not None and shuffle:
            raise ValueError('sampler option is mutually exclusive with shuffle')
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError('batch_sampler option is mutually exclusive with batch_size, shuffle, '
                                 'sampler, and drop_last')
            batch_size, drop_last = None, False
        elif batch_size is None:
            if drop_last:
                raise ValueError('batch_size=None option disables auto-batching and is mutually '
                                 'exclusive with drop_last')
        else:
            batch_size = _check_int(batch_size, 'batch_size', 1)
        self.dataset = dataset
        self.batch_size = batch_size
        self.drop_last = bool(drop_last)
        self.shuffle = bool(shuffle)
        if seed is None:
            seed = int(as_generator(generator).integers(2 ** 63))
        self.seed = int(seed)
        self.generator = generator
        if sampler is None and not self._stream:
            sampler = _SeededRandomSampler(dataset, self.seed) if self.shuffle else SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None and not self._stream:
            batch_sampler = BatchSampler(sampler, batch_size, self.drop_last)
        self.sampler, self.batch_sampler = sampler, batch_sampler
        self._auto_collation = batch_sampler is not None or (self._stream and batch_size is not None)
        self.collate_fn = collate_fn
        self.pin_memory, self.pin_memory_device, self.in_order = bool(pin_memory), pin_memory_device, in_order
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        if isinstance(multiprocessing_context, str):
            multiprocessing_context = multiprocessing.get_context(multiprocessing_context)
        self.multiprocessing_context = multiprocessing_context
        self.prefetch_factor = (2 if prefetch_factor is None else _check_int(prefetch_factor, 'prefetch_factor', 1)) \
            if self.num_workers else None
        self.persistent_workers = bool(persistent_workers)
        self.transform = transform
        self.device = device
        self.epoch = 0          # the epoch the next iter() runs
        self._start_batch = 0   # where the next iter() starts inside that epoch
        self._active = None     # [epoch, batches produced] of the iteration in progress
        self._pool = None       # the persistent workers
        self._iteration = 0

    def __len__(self):
        if self._stream:       # as PyTorch: from len(dataset), which a stream may lack (TypeError)
            n = len(self.dataset)
            if self.batch_size is None:
                return n
            return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)
        return len(self.batch_sampler if self._auto_collation else self.sampler)

    def set_epoch(self, epoch):
        """Make the next ``iter()`` run epoch ``epoch`` from its start."""
        self.epoch, self._start_batch = int(epoch), 0

    def order(self, epoch):
        """The sample indices of ``epoch`` in the order they are served (shuffle or sequential)."""
        if isinstance(self.sampler, _SeededRandomSampler):
            return _rng(self.seed, epoch, 0, 0).permutation(len(self.dataset))
        return np.arange(len(self.dataset))

    def batch_generator(self, epoch, batch):
        """The NumPy generator the transforms of batch ``batch`` of ``epoch`` draw from."""
        return _rng(self.seed, epoch, 1, batch)

    def _index_batches(self, epoch, start):
        if isinstance(self.sampler, _SeededRandomSampler):
            self.sampler.seed, self.sampler.epoch = self.seed, epoch
        source = self.batch_sampler if self._auto_collation else self.sampler
        return enumerate(itertools.islice(iter(source), start, None), start)

    def _fetcher(self):
        if self._stream:
            return _StreamFetcher(self.dataset, self.batch_size, self.drop_last, self.collate_fn, self.transform)
        return _Fetcher(self.dataset, self._auto_collation, self.collate_fn, self.transform)

    def _finish(self, batch):
        if self.collate_fn is None or self.device is not None:
            return to_tensors(batch, self.device)
        return batch

    def __iter__(self):
        epoch, start = self.epoch, self._start_batch
        self.epoch, self._start_batch = epoch + 1, 0
        self._active = state = [epoch, start]
        self._iteration += 1
        if self._stream:       # batch b of a stream: the b-th next batch; `start` are skipped
            tasks, skip = ((b, self._iteration) for b in itertools.count()), start
        else:
            tasks, skip = self._index_batches(epoch, start), 0
        if self.num_workers == 0:
            return self._serial(tasks, epoch, state, skip)
        return WorkerIterator(self, tasks, epoch, state, skip)

    def _serial(self, tasks, epoch, state, skip):
        fetch = self._fetcher()
        for b, indices in tasks:
            batch = fetch(self.seed, epoch, b, indices)
            if isinstance(batch, Exhausted):
                break
            if skip:
                skip -= 1
                continue
            state[1] += 1
            yield self._finish(batch)
        if self._active is state:
            self._active = None

    def _worker_pool(self, epoch):
        """A new pool of workers, or the persistent one."""
        if self._pool is not None and not self._pool.closed:
            return self._pool
        context = self.multiprocessing_context or multiprocessing.get_context()
        base_seed = int(_rng(self.seed, epoch, 2, 0).integers(2 ** 62))
        pool = WorkerPool(self._fetcher(), self.dataset, self.num_workers, base_seed,
                          self.worker_init_fn, context)
        if self.persistent_workers:
            self._pool = pool
            weakref.finalize(self, pool.shutdown)
        return pool

    def state_dict(self):
        """``{'seed', 'epoch', 'batch'}``: the position of the next batch this loader produces.

        During an epoch that is the epoch in progress and the number of batches already
        produced; between epochs it is the next epoch and 0.
        """
        epoch, batch = self._active if self._active is not None else (self.epoch, self._start_batch)
        return {'seed': self.seed, 'epoch': int(epoch), 'batch': int(batch)}

    def load_state_dict(self, state):
        """Continue from a ``state_dict()``: the next ``iter()`` resumes at that epoch and batch."""
        self.seed = int(state['seed'])
        self.epoch = int(state['epoch'])
        self._start_batch = int(state.get('batch', 0))
        self._active = None

    def __repr__(self):
        return (f'DataLoader(dataset={type(self.dataset).__name__}[{len(self.dataset)}], '
                f'batch_size={self.batch_size}, shuffle={self.shuffle}, drop_last={self.drop_last}, '
                f'num_workers={self.num_workers}, seed={self.seed})')

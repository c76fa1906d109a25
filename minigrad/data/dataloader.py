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
import multiprocessing
import numbers
import weakref

import numpy as np

from .. import backend
from .collate import collate_arrays, convert_arrays, to_tensors
from .dataset import fetch_batch
from .sampler import BatchSampler, RandomSampler, SequentialSampler, as_generator
from .transforms import apply_transform, generator_scope
from .worker import WorkerPool


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
        if self.transform is not None:
            if isinstance(batch, list) and batch:
                batch[0] = apply_transform(self.transform, batch[0], generator)
            elif isinstance(batch, tuple) and batch:
                batch = (apply_transform(self.transform, batch[0], generator),) + batch[1:]
            else:
                batch = apply_transform(self.transform, batch, generator)
        return batch


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
        generator: a ``numpy.random.Generator`` or int seed; when ``seed`` is None the loader's
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
        if sampler is None:
            sampler = _SeededRandomSampler(dataset, self.seed) if self.shuffle else SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None:
            batch_sampler = BatchSampler(sampler, batch_size, self.drop_last)
        self.sampler, self.batch_sampler = sampler, batch_sampler
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

    @property
    def _auto_collation(self):
        return self.batch_sampler is not None

    def __len__(self):
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
        return _Fetcher(self.dataset, self._auto_collation, self.collate_fn, self.transform)

    def _finish(self, batch):
        if self.collate_fn is None or self.device is not None:
            return to_tensors(batch, self.device)
        return batch

    def __iter__(self):
        epoch, start = self.epoch, self._start_batch
        self.epoch, self._start_batch = epoch + 1, 0
        self._active = state = [epoch, start]
        tasks = self._index_batches(epoch, start)
        if self.num_workers == 0:
            return self._serial(tasks, epoch, state)
        return _WorkerIterator(self, tasks, epoch, state)

    def _serial(self, tasks, epoch, state):
        fetch = self._fetcher()
        for b, indices in tasks:
            batch = self._finish(fetch(self.seed, epoch, b, indices))
            state[1] = b + 1
            yield batch
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


class _WorkerIterator:
    """One epoch loaded by worker processes: keeps ``prefetch_factor * num_workers`` batches in
    flight, yields them in order, and shuts non-persistent workers down when it ends, fails or is
    dropped."""

    def __init__(self, loader, tasks, epoch, state):
        self._loader, self._tasks, self._epoch, self._state = loader, tasks, epoch, state
        loader._iteration += 1
        self._iteration = loader._iteration
        self._pool = loader._worker_pool(epoch)
        self._sent = self._next = 0           # tasks handed out / next batch to yield (counts)
        self._buffer = {}
        self._first = None
        self._exhausted = False
        for _ in range(loader.prefetch_factor * loader.num_workers):
            self._put()

    @property
    def worker_pids(self):
        return self._pool.pids

    def _put(self):
        if self._exhausted:
            return
        try:
            b, indices = next(self._tasks)
        except StopIteration:
            self._exhausted = True
            return
        if self._first is None:
            self._first = b
        task = (self._iteration, b, self._epoch, self._loader.seed, list(indices) if
                isinstance(indices, (list, tuple, np.ndarray)) else indices)
        self._pool.put(self._sent % len(self._pool.workers), task)
        self._sent += 1

    def __iter__(self):
        return self

    def __next__(self):
        try:
            if self._next == self._sent:
                self._end()
                raise StopIteration
            b = self._first + self._next
            while b not in self._buffer:
                iteration, got, data = self._pool.get(self._loader.timeout)
                if iteration == self._iteration:
                    self._buffer[got] = data
            data = self._buffer.pop(b)
            self._next += 1
            self._put()
            if hasattr(data, 'reraise'):
                self._end()
                data.reraise()
            self._state[1] = b + 1
            return self._loader._finish(data)
        except StopIteration:
            raise
        except BaseException:       # a worker's error, a timeout, Ctrl-C: stop the workers first
            self._end()
            raise

    def _end(self):
        if not self._loader.persistent_workers:
            self._pool.shutdown()
        if self._loader._active is self._state and self._next == self._sent and self._exhausted:
            self._loader._active = None

    def __del__(self):
        pool = getattr(self, '_pool', None)
        if pool is not None and not self._loader.persistent_workers:
            pool.shutdown()

    def __len__(self):
        return len(self._loader)

"""Worker processes for ``DataLoader(num_workers > 0)`` and the iterator that drives them.

Each worker is a process (forked on Linux) that takes ``(iteration, batch index, epoch, seed,
indices)`` tasks from its own queue, loads and collates that batch, and puts the pickled result
on a queue shared by all workers; the main process hands out tasks ahead of time (prefetching) and
yields the results in batch order. What makes it safe:

- seeding as PyTorch's: worker ``i`` seeds minigrad's global generator, ``random`` and NumPy's
  legacy global with ``base_seed + i`` (``get_worker_info().seed``), then calls ``worker_init_fn(i)``;
  the random transforms themselves draw from per-batch generators (see dataloader.py), so a batch
  is the same whatever the number of workers;
- an exception in a worker is sent back with its formatted traceback and re-raised in the main
  process (same exception type when it can be rebuilt from a message, as PyTorch's ExceptionWrapper);
- no orphans or zombies: workers ignore SIGINT (the main process gets Ctrl-C and shuts them down),
  ask the kernel to kill them if the main process dies (Linux ``PR_SET_PDEATHSIG``) and also notice
  a changed parent pid; the main process joins them when the iterator ends, is dropped, or fails.
"""
import ctypes
import os
import pickle
import queue
import random
import signal
import sys
import traceback

import numpy as np

from .. import backend

_POLL_S = 2.0        # how often a waiting worker checks that its parent is alive
_JOIN_S = 5.0        # how long shutdown waits for a worker before terminating it

_worker_info = None


class WorkerInfo:
    """What ``get_worker_info()`` returns inside a worker: ``id``, ``num_workers``, ``seed``, ``dataset``."""

    def __init__(self, id, num_workers, seed, dataset):
        self.id, self.num_workers, self.seed, self.dataset = id, num_workers, seed, dataset

    def __repr__(self):
        return f'WorkerInfo(id={self.id}, num_workers={self.num_workers}, seed={self.seed})'


def get_worker_info():
    """Inside a DataLoader worker process, its ``WorkerInfo``; in the main process, None."""
    return _worker_info


class ExceptionWrapper:
    """An exception raised in a worker, carried to the main process with its traceback text."""

    def __init__(self, exc_info, where):
        self.exc_type = exc_info[0]
        self.msg = ''.join(traceback.format_exception(*exc_info))
        self.where = where

    def reraise(self):
        msg = f'Caught {self.exc_type.__name__} {self.where}.\nOriginal {self.msg}'
        try:
            exception = self.exc_type(msg)
        except Exception:                  # a type that cannot be built from one message
            raise RuntimeError(msg) from None
        raise exception


def _die_with_parent():
    """Linux: have the kernel send SIGKILL to this process when its parent exits."""
    if sys.platform.startswith('linux'):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)   # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass


def worker_loop(fetch, dataset, index_queue, result_queue, done_event, base_seed, worker_id,
                num_workers, worker_init_fn, parent_pid):
    """The body of worker ``worker_id``: load the batches it is asked for until told to stop."""
    global _worker_info
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with_parent()
    seed = int(base_seed) + worker_id
    _worker_info = WorkerInfo(worker_id, num_workers, seed, dataset)
    backend.manual_seed(seed)
    random.seed(seed)
    np.random.seed(seed % 2 ** 32)
    where = f'in DataLoader worker process {worker_id}'
    init_error = None
    if worker_init_fn is not None:
        try:
            worker_init_fn(worker_id)
        except Exception:
            init_error = ExceptionWrapper(sys.exc_info(), where)
    while True:
        try:
            task = index_queue.get(timeout=_POLL_S)
        except queue.Empty:
            if os.getppid() != parent_pid or done_event.is_set():
                break
            continue
        if task is None or done_event.is_set():
            break
        iteration, b, epoch, loader_seed, indices = task
        if init_error is not None:
            data = init_error
        else:
            try:
                data = fetch(loader_seed, epoch, b, indices)
            except Exception:
                data = ExceptionWrapper(sys.exc_info(), where)
        try:
            payload = pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:
            payload = pickle.dumps(ExceptionWrapper(sys.exc_info(), where + ' (pickling the batch)'))
        del data
        result_queue.put((iteration, b, payload))
    if done_event.is_set():
        result_queue.cancel_join_thread()   # the main process stopped reading: do not block on exit
    result_queue.close()


class WorkerPool:
    """``num_workers`` worker processes with one task queue each and one shared result queue."""

    def __init__(self, fetch, dataset, num_workers, base_seed, worker_init_fn, context):
        self.result_queue = context.Queue()
        self.done_event = context.Event()
        self.index_queues, self.workers = [], []
        self.closed = False
        for i in range(num_workers):
            q = context.Queue()
            q.cancel_join_thread()
            w = context.Process(target=worker_loop, daemon=True,
                                args=(fetch, dataset, q, self.result_queue, self.done_event, base_seed,
                                      i, num_workers, worker_init_fn, os.getpid()))
            w.start()
            self.index_queues.append(q)
            self.workers.append(w)

    def put(self, worker, task):
        self.index_queues[worker].put(task)

    def get(self, timeout):
        """The next ``(iteration, batch index, data)``; raises RuntimeError if a worker died or
        ``timeout`` (seconds, 0 = none) passed without a result."""
        waited = 0.0
        while True:
            step = _POLL_S if not timeout else min(_POLL_S, timeout - waited)
            try:
                iteration, b, payload = self.result_queue.get(timeout=step)
                # Only bytes our own forked worker pickled a moment ago, through a pipe this
                # process created (what multiprocessing.Queue does anyway): never a file's or
                # another program's bytes, which minigrad never unpickles.
                return iteration, b, pickle.loads(payload)
            except queue.Empty:
                waited += step
            dead = [w for w in self.workers if not w.is_alive()]
            if dead:
                pids = ', '.join(str(w.pid) for w in dead)
                codes = ', '.join(str(w.exitcode) for w in dead)
                raise RuntimeError(f'DataLoader worker (pid(s) {pids}) exited unexpectedly (exit code {codes})')
            if timeout and waited >= timeout:
                raise RuntimeError(f'DataLoader timed out after {timeout} seconds')

    def shutdown(self):
        """Stop and join every worker (terminating any that does not stop in time)."""
        if self.closed:
            return
        self.closed = True
        self.done_event.set()
        for q in self.index_queues:
            try:
                q.put(None)
            except (OSError, ValueError):
                pass
        for w in self.workers:
            w.join(timeout=_JOIN_S)
            if w.is_alive():
                w.terminate()
                w.join(timeout=_JOIN_S)
        for q in self.index_queues + [self.result_queue]:
            q.cancel_join_thread()
            q.close()

    @property
    def pids(self):
        return [w.pid for w in self.workers]


class Exhausted:
    """What a stream fetcher gives once its IterableDataset has no batch left."""


class WorkerIterator:
    """One epoch loaded by worker processes: keeps ``prefetch_factor * num_workers`` batches in
    flight, yields them in order, and shuts non-persistent workers down when it ends, fails or is
    dropped. With an IterableDataset each worker streams its own copy; a worker whose stream is
    exhausted gets no more tasks, and the epoch ends when every worker's is."""

    def __init__(self, loader, tasks, epoch, state, skip):
        self._loader, self._tasks, self._epoch, self._state = loader, tasks, epoch, state
        self._iteration, self._skip = loader._iteration, skip
        self._pool = loader._worker_pool(epoch)
        self._active = list(range(len(self._pool.workers)))    # workers that may still give batches
        self._owner = {}                                        # batch index -> worker
        self._turn = 0
        self._sent = self._next = 0           # tasks handed out / results consumed (counts)
        self._buffer = {}
        self._first = None
        self._exhausted = False
        for _ in range(loader.prefetch_factor * loader.num_workers):
            self._put()

    @property
    def worker_pids(self):
        return self._pool.pids

    def _put(self):
        if self._exhausted or not self._active:
            return
        try:
            b, indices = next(self._tasks)
        except StopIteration:
            self._exhausted = True
            return
        if self._first is None:
            self._first = b
        worker = self._active[self._turn % len(self._active)]
        self._turn += 1
        self._owner[b] = worker
        task = (self._iteration, b, self._epoch, self._loader.seed, list(indices) if
                isinstance(indices, (list, tuple, np.ndarray)) else indices)
        self._pool.put(worker, task)
        self._sent += 1

    def __iter__(self):
        return self

    def __next__(self):
        try:
            while True:
                if self._next == self._sent:
                    self._end()
                    raise StopIteration
                b = self._first + self._next
                while b not in self._buffer:
                    iteration, got, data = self._pool.get(self._loader.timeout)
                    if iteration == self._iteration:
                        self._buffer[got] = data
                data = self._buffer.pop(b)
                worker = self._owner.pop(b)
                self._next += 1
                if isinstance(data, Exhausted) and worker in self._active:
                    self._active.remove(worker)
                self._put()
                if hasattr(data, 'reraise'):
                    self._end()
                    data.reraise()
                if isinstance(data, Exhausted):
                    continue
                if self._skip:
                    self._skip -= 1
                    continue
                self._state[1] += 1
                return self._loader._finish(data)
        except StopIteration:
            raise
        except BaseException:       # a worker's error, a timeout, Ctrl-C: stop the workers first
            self._end()
            raise

    def _end(self):
        if not self._loader.persistent_workers:
            self._pool.shutdown()
        if self._loader._active is self._state and self._next == self._sent:
            self._loader._active = None

    def __del__(self):
        pool = getattr(self, '_pool', None)
        if pool is not None and not self._loader.persistent_workers:
            pool.shutdown()

    def __len__(self):
        return len(self._loader)

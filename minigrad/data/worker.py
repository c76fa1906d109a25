"""Worker processes for ``DataLoader(num_workers > 0)`` and the iterator that drives them.

Each worker is a process (forked on Linux) that takes ``(iteration, batch index, epoch, seed,
indices)`` tasks from its own pipe, loads and collates that batch, and sends it back on a pipe of
its own; the main process hands out tasks ahead of time (prefetching), in turn, and reads each
batch from the pipe of the worker that has it, so batches come in order. What makes it cheap: a
batch's arrays travel as raw bytes beside a small JSON description of the structure (never a
pickle: see transport.py), received straight into the memory that becomes the batch; no queue,
lock or feeder thread. With two cores busy training, every millisecond a worker spends is taken from
the training step, so the transport is what decides whether workers pay off
(``benchmarks/loader.py``). What makes it safe:

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
import random
import select
import signal
import sys
import time
import traceback
from multiprocessing.connection import wait

import numpy as np

from .. import backend
from . import transport
from .transport import ExceptionWrapper, Exhausted  # noqa: F401 (dataloader imports Exhausted here)

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


def _die_with_parent():
    """Linux: have the kernel send SIGKILL to this process when its parent exits."""
    if sys.platform.startswith('linux'):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)   # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass


def worker_loop(fetch, dataset, task_conn, result_conn, done_event, base_seed, worker_id,
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
    try:
        while not done_event.is_set():
            if not task_conn.poll(_POLL_S):
                if os.getppid() != parent_pid:
                    break
                continue
            tasks = task_conn.recv()
            if tasks is None:
                break
            for iteration, b, epoch, loader_seed, indices in tasks:
                if done_event.is_set():
                    break
                if init_error is not None:
                    data = init_error
                else:
                    try:
                        data = fetch(loader_seed, epoch, b, indices)
                    except Exception:
                        data = ExceptionWrapper(sys.exc_info(), where)
                try:
                    message = transport.pack((iteration, b, data))
                except Exception:            # a batch the transport cannot send
                    message = transport.pack((iteration, b, ExceptionWrapper(
                        sys.exc_info(), where + ' (sending the batch)')))
                transport.send(result_conn, message)   # OSError: the main process is gone
                del data
    except (EOFError, OSError, KeyboardInterrupt):
        pass                                 # the main process closed its end of a pipe
    finally:
        task_conn.close()
        result_conn.close()


class WorkerPool:
    """``num_workers`` worker processes, each with a task pipe from the main process and a result
    pipe back to it. A worker does its tasks in the order given, so the main process knows which
    worker's pipe the next batch comes from; no queue, lock or feeder thread on either side."""

    def __init__(self, fetch, dataset, num_workers, base_seed, worker_init_fn, context):
        self.done_event = context.Event()
        self.task_conns, self.result_conns, self.workers = [], [], []
        self.closed = False
        for i in range(num_workers):
            task_recv, task_send = context.Pipe(duplex=False)
            result_recv, result_send = context.Pipe(duplex=False)
            transport.widen_pipe(result_recv)
            w = context.Process(target=worker_loop, daemon=True,
                                args=(fetch, dataset, task_recv, result_send, self.done_event,
                                      base_seed, i, num_workers, worker_init_fn, os.getpid()))
            w.start()
            task_recv.close()                # the worker's ends: this process keeps its own
            result_send.close()
            self.task_conns.append(task_send)
            self.result_conns.append(result_recv)
            self.workers.append(w)
        self._pollers = None
        if hasattr(select, 'poll'):           # one poll object per worker: its pipe and its exit
            self._pollers = []
            for conn, w in zip(self.result_conns, self.workers):
                poller = select.poll()
                poller.register(conn.fileno(), select.POLLIN)
                poller.register(w.sentinel, select.POLLIN)
                self._pollers.append(poller)

    def put(self, worker, task):
        try:
            self.task_conns[worker].send(task)
        except (BrokenPipeError, OSError):
            self._raise_dead([self.workers[worker]])

    def _ready(self, worker, timeout):
        """Wait until ``worker`` has sent something or exited: 'data', 'exited' or None (timeout)."""
        conn, proc = self.result_conns[worker], self.workers[worker]
        if self._pollers is None:            # no poll(2) (Windows): multiprocessing's wait
            ready = wait([conn, proc.sentinel], timeout=timeout or None)
            return 'data' if conn in ready else 'exited' if ready else None
        events = dict(self._pollers[worker].poll(timeout * 1000 if timeout else None))
        if events.get(conn.fileno()):
            return 'data'
        return 'exited' if events else None

    def get(self, worker, timeout):
        """The next ``(iteration, batch index, data)`` from ``worker``; raises RuntimeError if it
        died or ``timeout`` (seconds, 0 = none) passed without a result."""
        ready = self._ready(worker, timeout)
        if ready == 'data':
            try:
                return transport.receive(self.result_conns[worker])
            except EOFError:
                pass                          # it died before sending a whole batch
            except BaseException:             # Ctrl-C mid-message: the pipe is out of step
                self.shutdown()
                raise
        elif ready is None:
            raise RuntimeError(f'DataLoader timed out after {timeout} seconds')
        proc = self.workers[worker]
        proc.join(timeout=_JOIN_S)
        self._raise_dead([proc])

    @staticmethod
    def _raise_dead(dead):
        pids = ', '.join(str(w.pid) for w in dead)
        codes = ', '.join(str(w.exitcode) for w in dead)
        raise RuntimeError(f'DataLoader worker (pid(s) {pids}) exited unexpectedly (exit code {codes})')

    def shutdown(self):
        """Stop and join every worker: tell each to stop, read and drop what they are still sending
        (a worker blocked writing a big batch must finish it to see the stop), and terminate any
        that has not stopped in time."""
        if self.closed:
            return
        self.closed = True
        self.done_event.set()
        for conn in self.task_conns:
            try:
                conn.send(None)
            except (OSError, ValueError):
                pass
        deadline = time.monotonic() + _JOIN_S
        alive = {w.sentinel: (w, c) for w, c in zip(self.workers, self.result_conns)}
        while alive and time.monotonic() < deadline:
            waiting = list(alive) + [c for _, c in alive.values() if not c.closed]
            for ready in wait(waiting, timeout=max(deadline - time.monotonic(), 0)):
                if ready in alive:
                    alive.pop(ready)[0].join()
                else:
                    if not transport.drain(ready):
                        ready.close()
        for w, _ in alive.values():
            w.terminate()
            w.join(timeout=_JOIN_S)
        for conn in self.task_conns + self.result_conns:
            conn.close()

    @property
    def pids(self):
        return [w.pid for w in self.workers]


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
        self._pending = [0] * len(self._active)                 # tasks each worker has not yet sent back
        # A worker gets its tasks in runs of `prefetch_factor`, refilled once it has sent them
        # all: one wake-up per run instead of one per batch. Each wake-up takes a core from the
        # training step, so this matters when training keeps every core busy. A stream keeps
        # PyTorch's one-batch turns, since there the turns decide which batch comes next.
        self._run = 1 if loader._stream else loader.prefetch_factor
        self._sent = self._next = 0           # tasks handed out / results consumed (counts)
        self._first = None
        self._exhausted = False
        for _ in range(loader.prefetch_factor // self._run):
            for worker in list(self._active):
                self._give(worker)

    @property
    def worker_pids(self):
        return self._pool.pids

    def _give(self, worker):
        """Hand ``worker`` its next run of tasks (fewer at the end of the epoch), in one message."""
        run = []
        while not self._exhausted and len(run) < self._run:
            try:
                b, indices = next(self._tasks)
            except StopIteration:
                self._exhausted = True
                break
            if self._first is None:
                self._first = b
            self._owner[b] = worker
            run.append((self._iteration, b, self._epoch, self._loader.seed, list(indices) if
                        isinstance(indices, (list, tuple, np.ndarray)) else indices))
        if run:
            self._pool.put(worker, run)
            self._pending[worker] += len(run)
            self._sent += len(run)

    def __iter__(self):
        return self

    def __next__(self):
        try:
            while True:
                if self._next == self._sent:
                    self._end()
                    raise StopIteration
                b = self._first + self._next
                worker = self._owner.pop(b)
                while True:          # a persistent worker may still send an abandoned epoch's batches
                    iteration, _, data = self._pool.get(worker, self._loader.timeout)
                    if iteration == self._iteration:
                        break
                self._next += 1
                self._pending[worker] -= 1
                if isinstance(data, Exhausted) and worker in self._active:
                    self._active.remove(worker)
                if self._pending[worker] == 0 and worker in self._active:
                    self._give(worker)
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

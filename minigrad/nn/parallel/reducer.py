"""The gradient reducer of DistributedDataParallel: buckets, hooks, overlap.

Averaging gradients one parameter at a time would pay the latency of one collective per
parameter; averaging them all after backward would leave the network idle while backward runs
and backward idle while the network runs. So, as PyTorch's reducer does:

1. Parameters are split into buckets of about ``bucket_bytes``, in reverse order of
   ``module.parameters()`` (roughly the order in which backward produces their gradients: the
   last layer first).
2. A hook on each parameter (``register_post_accumulate_grad_hook``) copies its finished
   gradient into its bucket's flat buffer. When a bucket is full, its non-blocking all-reduce
   (SUM) starts at once, while backward goes on computing earlier layers. Buckets start in the
   same order on every rank (collectives must match across ranks), so a full bucket waits for
   the ones before it.
3. When the last gradient has arrived (or, with unused parameters, at the end of backward),
   every all-reduce is waited for and the sums, divided by the world size, are copied back into
   ``.grad``: when ``backward()`` returns, every rank holds the averaged gradients.

MPI moves a non-blocking collective only while some MPI call runs in the process, so each hook
also ``test()``s the all-reduces in flight to let them progress.
"""
import time

import numpy as np

from ... import autograd, backend


class Bucket:
    """Parameters whose gradients are reduced together through one flat buffer."""

    def __init__(self, params):
        self.params = params
        self.offsets, n = [], 0
        for p in params:
            self.offsets.append(n)
            n += p.array.size
        first = params[0].array
        self.buffer = backend.get_array_module(first).empty(n, dtype=first.dtype)
        self.ready = 0
        self.got = [False] * len(params)      # which gradients arrived in this backward
        self.pending = None

    @property
    def nbytes(self):
        return self.buffer.nbytes


def assign_buckets(params, bucket_bytes):
    """Split ``params`` (already in reduction order) into buckets of at most ``bucket_bytes``
    (a parameter larger than that gets a bucket of its own); one dtype and device per bucket."""
    buckets, current, size, key = [], [], 0, None
    for p in params:
        k = (p.array.dtype, str(backend.device_of(p.array)))
        nbytes = p.array.nbytes
        if current and (k != key or size + nbytes > bucket_bytes):
            buckets.append(current)
            current, size = [], 0
        current.append(p)
        size, key = size + nbytes, k
    if current:
        buckets.append(current)
    return [Bucket(b) for b in buckets]


class Reducer:
    """Averages the gradients of ``params`` over ``group`` during backward (see module docstring).

    Args:
        params: the parameters that require grad, in ``module.parameters()`` order.
        group: a backend group of ``minigrad.distributed`` (``allreduce`` returns a Pending).
        bucket_bytes: the bucket size cap.
    """

    def __init__(self, params, group, bucket_bytes):
        self.group = group
        self.buckets = assign_buckets(list(reversed(params)), bucket_bytes)
        self.where = {}                       # id(param) -> (bucket index, position)
        for b, bucket in enumerate(self.buckets):
            for i, p in enumerate(bucket.params):
                self.where[id(p)] = (b, i)
        self.n_params = len(params)
        self.enabled = True                   # False inside no_sync() (set per forward)
        self.wait_seconds = 0.0               # time spent waiting for all-reduces (profiling)
        self._reset()
        self.handles = [p.register_post_accumulate_grad_hook(self._on_grad) for p in params]

    def _reset(self):
        self.arrived = 0
        self.next_launch = 0
        self.callback_queued = False
        for bucket in self.buckets:
            bucket.ready, bucket.pending = 0, None
            bucket.got = [False] * len(bucket.params)

    def remove(self):
        for h in self.handles:
            h.remove()
        self.handles = []

    # ------------------------------------------------------------ during backward
    def _on_grad(self, param):
        if not self.enabled:
            return
        b, i = self.where[id(param)]
        bucket = self.buckets[b]
        n = param.array.size
        o = bucket.offsets[i]
        bucket.buffer[o:o + n] = param.grad.array.reshape(-1)
        if not bucket.got[i]:
            bucket.got[i] = True
            bucket.ready += 1
            self.arrived += 1
        if not self.callback_queued:          # for parameters that get no gradient
            self.callback_queued = True
            autograd.queue_callback(self.finish)
        self._launch_ready()
        self._progress()
        if self.arrived == self.n_params:
            self.finish()

    def _launch_ready(self):
        while self.next_launch < len(self.buckets):
            bucket = self.buckets[self.next_launch]
            if bucket.ready < len(bucket.params):
                return
            bucket.pending = self.group.allreduce(bucket.buffer, 'sum')
            self.next_launch += 1

    def _progress(self):
        for bucket in self.buckets[:self.next_launch]:
            if bucket.pending is not None and not bucket.pending.test():
                return

    def finish(self):
        """Wait for every bucket and write the averaged gradients back (idempotent per backward).
        A parameter that got no gradient in this backward counts with its current ``.grad``
        (zeros when it has none) and keeps ``.grad`` None when it had none."""
        if self.arrived == 0:
            return
        for bucket in self.buckets[self.next_launch:]:
            for p, o, got in zip(bucket.params, bucket.offsets, bucket.got):
                if not got:
                    piece = bucket.buffer[o:o + p.array.size]
                    piece[...] = 0 if p.grad is None else p.grad.array.reshape(-1)
            bucket.ready = len(bucket.params)
        self._launch_ready()
        scale = 1.0 / self.group.size
        t0 = time.perf_counter()
        for bucket in self.buckets:
            bucket.pending.wait()
        self.wait_seconds += time.perf_counter() - t0
        for bucket in self.buckets:
            xp = backend.get_array_module(bucket.buffer)
            for p, o in zip(bucket.params, bucket.offsets):
                if p.grad is not None:
                    g = p.grad.array
                    xp.multiply(bucket.buffer[o:o + g.size].reshape(g.shape), scale, out=g)
        self._reset()


def broadcast_coalesced(group, arrays, src=0):
    """Give every rank rank ``src``'s values of ``arrays`` (in place), one broadcast per dtype."""
    if group.size == 1 or not arrays:
        return
    by_dtype = {}
    for a in arrays:
        by_dtype.setdefault(np.dtype(a.dtype), []).append(a)
    for group_arrays in by_dtype.values():
        xp = backend.get_array_module(group_arrays[0])
        flat = xp.concatenate([a.reshape(-1) for a in group_arrays])
        staged = group.needs_host and xp is not np
        buf = backend.asnumpy(flat) if staged else flat
        group.broadcast(buf, src)
        if staged:
            buf = xp.asarray(buf)
        o = 0
        for a in group_arrays:
            a[...] = buf[o:o + a.size].reshape(a.shape)
            o += a.size

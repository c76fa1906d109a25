"""DistributedDataParallel: one model replica per rank, gradients averaged during backward.

Each rank runs the same script on its own shard of every batch (see
``minigrad.data.DistributedSampler``). Wrapping the model makes every rank start from rank 0's
weights, and makes ``loss.backward()`` leave every rank with the gradients averaged over all
ranks, so the optimizer step (any optimizer, any scheduler, unchanged) is the same everywhere
and the replicas stay identical. The average of the ranks' mean losses over B/N samples each
is the mean loss over the B samples of the global batch: N ranks train as one process with
batch B does, up to float rounding.

How the averaging overlaps backward is in ``reducer.py``.
"""
import contextlib
import zlib

import numpy as np

from ... import autograd
from ...distributed.process_group import default_group
from ..module import Module
from .reducer import Reducer, broadcast_coalesced

# Measured on a 2-core machine (benchmarks/README.md, data-parallel section): small buckets
# start reducing earlier in backward, large ones pay less per-call latency.
DEFAULT_BUCKET_CAP_MB = 1.0


class DistributedDataParallel(Module):
    """Data-parallel training over the default process group (as ``torch.nn.parallel.DDP``).

    Args:
        module: the model; the same architecture on every rank.
        device_ids, output_device, dim: accepted for PyTorch compatibility (one device per
            rank: the module's own).
        broadcast_buffers: at the start of a forward, copy rank 0's buffers (e.g. BatchNorm
            running statistics) to every rank, as PyTorch does by default: the first forward, and
            every forward that follows one run with grad enabled outside ``no_sync`` (so a
            training step syncs, and so does the first forward of an evaluation under
            ``no_grad``; the ones after it do not). Batch statistics themselves are per rank:
            each rank normalises with its own shard's (no SyncBatchNorm), and between syncs each
            rank's running statistics follow its own shards.
        process_group: None (the default group).
        bucket_cap_mb: bucket size in MiB (see ``DEFAULT_BUCKET_CAP_MB``).
        find_unused_parameters: accepted; parameters that get no gradient in a backward are
            handled anyway: at the end of backward their buckets are reduced with their current
            ``.grad`` (zeros when None; a None ``.grad`` stays None).
        gradient_as_bucket_view, static_graph: accepted for compatibility, no effect.

    Shape:
        - Input and output: those of ``module``.

    ``state_dict()`` keys carry the ``module.`` prefix, as in PyTorch; save
    ``ddp.module.state_dict()`` for a checkpoint that loads into the bare model.
    """

    def __init__(self, module, device_ids=None, output_device=None, dim=0, broadcast_buffers=True,
                 process_group=None, bucket_cap_mb=None, find_unused_parameters=False,
                 gradient_as_bucket_view=False, static_graph=False):
        super().__init__()
        if not isinstance(module, Module):
            raise TypeError(f'DistributedDataParallel wraps a minigrad.nn.Module, got '
                            f'{type(module).__name__}')
        if process_group is not None:
            raise ValueError('only the default process group (process_group=None) is supported')
        self.module = module
        group = default_group()
        self.process_group = group
        self.broadcast_buffers = bool(broadcast_buffers)
        self.require_backward_grad_sync = True
        self.require_forward_param_sync = True
        self.bucket_cap_mb = DEFAULT_BUCKET_CAP_MB if bucket_cap_mb is None else float(bucket_cap_mb)
        params = [p for p in module.parameters() if p.requires_grad]
        _check_same_model(group, module)
        broadcast_coalesced(group, [p.array for p in module.parameters()] +
                            [b.array for b in module.buffers()])
        self.reducer = Reducer(params, group, int(self.bucket_cap_mb * 2 ** 20))

    def forward(self, *inputs, **kwargs):
        if self.broadcast_buffers and self.require_forward_param_sync:
            broadcast_coalesced(self.process_group, [b.array for b in self.module.buffers()])
        self.reducer.enabled = self.require_backward_grad_sync
        out = self.module(*inputs, **kwargs)
        # as PyTorch: the next forward syncs buffers only after one that prepared a synced backward
        self.require_forward_param_sync = autograd.is_grad_enabled() and self.require_backward_grad_sync
        return out

    @contextlib.contextmanager
    def no_sync(self):
        """Skip the gradient average for backward passes of forwards run inside the block:
        gradients accumulate locally, and the first backward after it averages the sums."""
        old = self.require_backward_grad_sync
        self.require_backward_grad_sync = False
        try:
            yield
        finally:
            self.require_backward_grad_sync = old

    def extra_repr(self):
        return (f'world_size={self.process_group.size}, bucket_cap_mb={self.bucket_cap_mb:g}, '
                f'buckets={len(self.reducer.buckets)}')


DDP = DistributedDataParallel


def _check_same_model(group, module):
    """The same ValueError on every rank when the ranks' models differ in their parameters or
    buffers (names, shapes, dtypes); cheap: one all-gather of a few numbers."""
    if group.size == 1:
        return
    tensors = list(module.named_parameters()) + list(module.named_buffers())
    layout = repr([(n, tuple(t.shape), str(t.dtype)) for n, t in tensors]).encode()
    nparams = sum(1 for _ in module.parameters())
    row = np.array([nparams, len(tensors) - nparams, sum(t.numel() for _, t in tensors),
                    zlib.crc32(layout)], dtype=np.int64)
    rows = group.allgather_rows(row)
    if (rows == rows[0]).all():
        return
    per_rank = '; '.join(f'rank {r}: {a} parameters and {b} buffers, {n} values'
                         for r, (a, b, n, _) in enumerate(rows.tolist()))
    raise ValueError('DistributedDataParallel needs the same model (parameter and buffer names, '
                     f'shapes and dtypes) on every rank, got {per_rank}')

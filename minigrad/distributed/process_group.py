"""The default process group and the collectives on tensors, named as in ``torch.distributed``.

One process per rank, all running the same script, started by ``mpirun -n N python script.py``
(or ``python -m models.train --nproc N``). ``init_process_group`` joins them into one group;
the collectives then combine a tensor across all ranks, in place:

    import minigrad as mg
    import minigrad.distributed as dist
    dist.init_process_group('mpi')
    t = mg.tensor([float(dist.get_rank())])
    dist.all_reduce(t)                      # every rank now holds 0 + 1 + ... + (N-1)

The work is done by a backend group object (``MPIGroup`` in ``mpi_group.py``, ``NCCLGroup`` in
``nccl_group.py``) that works on raw arrays; this module checks the arguments, stages arrays
that the backend cannot use directly (non-contiguous ones; GPU arrays under MPI) and wraps
non-blocking calls in a ``Work``.

Failing ranks: after ``init_process_group``, an uncaught exception in any rank prints that
rank's traceback and ends the whole job (MPI Abort), and ``sys.exit(code)`` with a non-zero
code does the same at exit, so no rank waits forever in a collective for a peer that is gone.
A rank killed by a signal is noticed by ``mpirun``, which ends the others.
"""
import enum
import sys
import traceback

import numpy as np

from .. import backend
from ..tensor import Tensor
from .mpi_group import INSTALL_HINT  # noqa: F401 (re-exported)

_group = None              # the default (WORLD) process group, once initialised
_saved_hooks = None        # (sys.excepthook, sys.exit) before init_process_group replaced them



class ReduceOp(enum.Enum):
    """How ``all_reduce`` combines the ranks' values (as ``torch.distributed.ReduceOp``)."""
    SUM = 'sum'
    AVG = 'avg'
    PRODUCT = 'product'
    MIN = 'min'
    MAX = 'max'


class Work:
    """A collective in progress (``async_op=True``); ``wait()`` blocks until it has finished
    and the tensor holds the result.

    Args:
        finish: a callable that completes the operation (waits, copies staged results back).
    """

    def __init__(self, finish):
        self._finish = finish
        self._done = False

    def wait(self, timeout=None):
        if not self._done:
            self._finish()
            self._done = True
        return True

    def is_completed(self):
        return self._done


# ---------------------------------------------------------------- the group

def is_available():
    """True: the distributed package is part of minigrad (a backend may still be missing; see
    ``is_mpi_available`` and ``is_nccl_available``)."""
    return True


def is_mpi_available():
    """True when mpi4py and an MPI library load (does not initialise MPI)."""
    from . import mpi_group
    return mpi_group.available()


def is_nccl_available():
    """True when CuPy, a GPU and CuPy's NCCL bindings are usable (and mpi4py, which starts NCCL)."""
    try:
        backend.nccl_module()
    except RuntimeError:
        return False
    return is_mpi_available()


def is_initialized():
    """Whether ``init_process_group`` has run (and ``destroy_process_group`` has not)."""
    return _group is not None


def init_process_group(backend=None, init_method=None, timeout=None, world_size=-1, rank=-1,
                       store=None, group_name='', pg_options=None, device_id=None):
    """Join this process to the default process group of all ranks of the job.

    Args:
        backend: ``'mpi'`` (CPU tensors; GPU tensors are staged through the host) or ``'nccl'``
            (``'cuda'`` tensors over NVIDIA's NCCL, through CuPy). None picks ``'mpi'``.
        init_method: only None or ``'env://'``: the ranks come from the MPI launcher
            (``mpirun``), which both backends use to start up.
        timeout: accepted for PyTorch compatibility; MPI has no timeout (a failing rank ends the
            job instead, see the module docstring).
        world_size, rank: optional checks: when given they must equal what ``mpirun`` set up.
        store, group_name, pg_options: accepted for compatibility; must be left at the default.
        device_id: for 'nccl', the GPU of this rank (default: rank modulo the number of GPUs).

    Raises:
        RuntimeError: called twice, or the backend cannot be used (with what to install).
        ValueError: an unknown backend, or ``world_size``/``rank`` that the launcher contradicts.
    """
    global _group
    if _group is not None:
        raise RuntimeError('trying to initialize the default process group twice: call '
                           'destroy_process_group() first')
    name = 'mpi' if backend is None else str(backend).lower()
    if name not in ('mpi', 'nccl'):
        raise ValueError(f"unknown backend {backend!r}: minigrad.distributed has 'mpi' (CPU, any "
                         "MPI) and 'nccl' (GPUs); 'gloo' jobs can use 'mpi'")
    if init_method not in (None, 'env://'):
        raise ValueError(f'init_method={init_method!r} is not supported: start the ranks with '
                         'mpirun (e.g. mpirun -n 2 python train.py), which tells each its rank')
    if store is not None or pg_options is not None:
        raise ValueError('store= and pg_options= are not supported (the ranks meet through MPI)')
    from . import mpi_group
    world = mpi_group.MPIGroup()
    for what, given, actual in (('world_size', world_size, world.size), ('rank', rank, world.rank)):
        if given is not None and int(given) >= 0 and int(given) != actual:
            world.close()
            raise ValueError(f'{what}={given} was given, but the MPI launcher started this process '
                             f'as {what} {actual}: drop the argument or start with mpirun -n N')
    if name == 'nccl':
        from . import nccl_group
        _group = nccl_group.NCCLGroup(world, device_id)
    else:
        _group = world
    _install_failure_hooks(world)


def destroy_process_group(group=None):
    """Leave the default process group (and restore ``sys.excepthook`` and ``sys.exit``)."""
    global _group, _saved_hooks
    _check_group(group)
    g, _group = _require_group('destroy_process_group'), None
    g.close()
    if _saved_hooks is not None:
        sys.excepthook, sys.exit = _saved_hooks
        _saved_hooks = None


def _install_failure_hooks(world):
    """An uncaught exception or ``sys.exit(non-zero)`` in this rank ends every rank of the job."""
    global _saved_hooks
    old_hook, old_exit = sys.excepthook, sys.exit

    def excepthook(etype, value, tb):
        try:
            traceback.print_exception(etype, value, tb)
            print(f'minigrad.distributed: rank {world.rank} of {world.size} failed with '
                  f'{etype.__name__}; ending all ranks of the job (MPI Abort)', file=sys.stderr)
            sys.stderr.flush()
            sys.stdout.flush()
        finally:
            world.abort(1)

    def exit(code=None):
        failed = code not in (None, 0) and not (isinstance(code, int) and code == 0)
        if failed:
            print(f'minigrad.distributed: rank {world.rank} of {world.size} called sys.exit({code!r}); '
                  'the job ends when it exits', file=sys.stderr)
            world.abort_at_exit(code if isinstance(code, int) else 1)
        old_exit(code)

    _saved_hooks = (old_hook, old_exit)
    sys.excepthook, sys.exit = excepthook, exit


def _require_group(fname):
    if _group is None:
        raise RuntimeError(f'{fname}() needs the default process group, which has not been '
                           "initialized: call minigrad.distributed.init_process_group('mpi') first "
                           '(and start the ranks with mpirun -n N)')
    return _group


def _check_group(group):
    if group is not None and group is not _group:
        raise ValueError('only the default process group (group=None) is supported')


def get_rank(group=None):
    """This process's rank, 0 .. world_size - 1."""
    _check_group(group)
    return _require_group('get_rank').rank


def get_world_size(group=None):
    """The number of ranks in the job."""
    _check_group(group)
    return _require_group('get_world_size').size


def get_backend(group=None):
    _check_group(group)
    return _require_group('get_backend').name


def default_group():
    """The backend group object (for ``nn.parallel``), or a clear error before init."""
    return _require_group('DistributedDataParallel')


# ---------------------------------------------------------------- argument checks

def _check_tensor(t, fname, arg='tensor'):
    if not isinstance(t, Tensor):
        raise TypeError(f'{fname}() expects a minigrad Tensor for {arg}, got {type(t).__name__}')
    kind = t.array.dtype.kind
    if kind not in 'fiu':
        raise TypeError(f'{fname}() works on floating point and integer tensors, got dtype '
                        f'{t.array.dtype}')


def _signature(t):
    """Shape and dtype as a fixed-length int64 row (for comparing across ranks)."""
    shape = tuple(t.shape)
    row = np.full(10, -1, dtype=np.int64)
    row[0], row[1] = len(shape), np.dtype(t.array.dtype).num
    if len(shape) <= 8:
        row[2:2 + len(shape)] = shape
    else:
        row[2] = hash(shape) & (2 ** 62 - 1)
    return row


def _describe(row):
    nd = int(row[0])
    shape = tuple(int(s) for s in row[2:2 + nd]) if nd <= 8 else f'<{nd}-d>'
    dtype = next((np.dtype(c) for c in np.typecodes['All'] if np.dtype(c).num == row[1]), row[1])
    return f'shape {shape} {dtype}'


def check_same_shape(g, t, fname):
    """Raise the same ValueError on every rank when the ranks' tensors differ in shape or dtype
    (one small all-gather); a mismatched collective would otherwise hang or corrupt memory."""
    if g.size == 1:
        return
    rows = g.allgather_rows(_signature(t))
    if (rows == rows[0]).all():
        return
    per_rank = '; '.join(f'rank {r}: {_describe(row)}' for r, row in enumerate(rows))
    raise ValueError(f'{fname}() needs a tensor of the same shape and dtype on every rank, got '
                     f'{per_rank}')


def _staged(g, t):
    """The array the backend works on for ``t`` and a function that writes results back."""
    a = t.array
    if g.needs_host and not isinstance(a, np.ndarray):
        buf = np.ascontiguousarray(backend.asnumpy(a))
    elif not a.flags.c_contiguous:
        buf = backend.get_array_module(a).ascontiguousarray(a)
    else:
        return a, lambda: None

    def write_back():
        a[...] = buf if isinstance(a, np.ndarray) else backend.to_device(buf, t.device)
    return buf, write_back


def _run(finish, async_op):
    if async_op:
        return Work(finish)
    finish()
    return None


# ---------------------------------------------------------------- collectives

def all_reduce(tensor, op=ReduceOp.SUM, group=None, async_op=False):
    """Combine ``tensor`` across ranks, in place: afterwards every rank holds the result.

    Args:
        tensor: a Tensor of the same shape and dtype on every rank.
        op: a ``ReduceOp`` (SUM, AVG, PRODUCT, MIN, MAX).
        async_op: return a ``Work`` at once (the tensor holds the result after ``.wait()``);
            otherwise block and return None.
    """
    _check_group(group)
    g = _require_group('all_reduce')
    _check_tensor(tensor, 'all_reduce')
    if not isinstance(op, ReduceOp):
        raise TypeError(f'op must be a minigrad.distributed.ReduceOp (e.g. ReduceOp.SUM), got {op!r}')
    if op is ReduceOp.AVG and tensor.array.dtype.kind != 'f':
        raise TypeError(f'ReduceOp.AVG needs a floating point tensor, got dtype {tensor.array.dtype}')
    check_same_shape(g, tensor, 'all_reduce')
    buf, write_back = _staged(g, tensor)
    pending = g.allreduce(buf, op.value)

    def finish():
        pending.wait()
        write_back()
    return _run(finish, async_op)


def broadcast(tensor, src, group=None, async_op=False):
    """Copy rank ``src``'s ``tensor`` into ``tensor`` on every other rank.

    Args:
        tensor: a Tensor of the same shape and dtype on every rank.
        src: the rank that sends.
    """
    _check_group(group)
    g = _require_group('broadcast')
    _check_tensor(tensor, 'broadcast')
    if not 0 <= int(src) < g.size:
        raise ValueError(f'src={src} is not a rank of this group of {g.size} (0 .. {g.size - 1})')
    check_same_shape(g, tensor, 'broadcast')
    buf, write_back = _staged(g, tensor)
    g.broadcast(buf, int(src))
    write_back()
    return _run(lambda: None, async_op)


def all_gather(tensor_list, tensor, group=None, async_op=False):
    """Gather every rank's ``tensor`` into ``tensor_list`` (entry r gets rank r's tensor).

    Args:
        tensor_list: a list of ``world_size`` Tensors shaped like ``tensor``, overwritten.
        tensor: this rank's contribution (same shape and dtype on every rank).
    """
    _check_group(group)
    g = _require_group('all_gather')
    _check_tensor(tensor, 'all_gather')
    if not isinstance(tensor_list, list) or len(tensor_list) != g.size:
        got = len(tensor_list) if isinstance(tensor_list, (list, tuple)) else type(tensor_list).__name__
        raise ValueError(f'all_gather() needs tensor_list to be a list of world_size={g.size} '
                         f'tensors, got {got}')
    for i, out in enumerate(tensor_list):
        _check_tensor(out, 'all_gather', f'tensor_list[{i}]')
        if out.shape != tensor.shape or out.array.dtype != tensor.array.dtype:
            raise ValueError(f'all_gather(): tensor_list[{i}] has shape {out.shape} {out.array.dtype}'
                             f' but tensor has shape {tensor.shape} {tensor.array.dtype}')
    check_same_shape(g, tensor, 'all_gather')
    send, _ = _staged(g, tensor)
    recv = g.allgather(send)                      # (world_size, *shape), on the backend's side
    for i, out in enumerate(tensor_list):
        piece = recv[i]
        out.array[...] = piece if backend.device_of(piece) == out.device else \
            backend.to_device(piece, out.device)
    return _run(lambda: None, async_op)


def barrier(group=None, async_op=False):
    """Wait until every rank has reached this call."""
    _check_group(group)
    _require_group('barrier').barrier()
    return _run(lambda: None, async_op)


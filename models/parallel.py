"""Data-parallel runs of ``python -m models.train``: one process per rank, started by ``mpirun``.

``python -m models.train --nproc N ...`` starts itself again as ``mpirun -n N python -m
models.train ...`` (``minigrad.distributed.launch`` builds the command: ``--oversubscribe``,
the root variables, ``cores // N`` BLAS threads per rank); started by ``mpirun`` yourself (a
hostfile for several machines) the same run happens. In each rank:

- the model is wrapped in ``DistributedDataParallel`` (rank 0's weights broadcast, gradients
  averaged during backward), the training split is read through a ``DistributedSampler`` and
  the global batch ``--batch-size`` is split evenly across the ranks, so batch ``k`` of all
  ranks together holds the samples of batch ``k`` of a one-process run: the results do not
  depend on N beyond float rounding (and the padding of a data set that N does not divide);
- every rank evaluates a shard of the test split with rank 0's weights and buffers, and the
  counts are summed: the test accuracy is over the whole test split;
- rank 0 alone prints, writes ``metrics.jsonl`` and the checkpoints; ``--resume`` works as in
  one process;
- after every batch the ranks agree (one small all-reduce) on whether to stop: a NaN/Inf loss
  on any rank stops all (exit 3), and so does a stop signal that reached any rank.

Stopping: ``mpirun`` turns SIGINT/SIGTERM into SIGTERM then SIGKILL for its ranks within about
a second, too soon to save; it forwards SIGUSR1 untouched. So the ``--nproc`` launcher runs
``mpirun`` in its own session and turns its own Ctrl-C/SIGTERM into SIGUSR1 for the ranks, which
save a checkpoint as one process does; under a hand-started ``mpirun``, send it SIGUSR1
(``kill -USR1 <pid of mpirun>``) to stop with a checkpoint.
"""
import os
import signal
import subprocess
import tempfile

import numpy as np

import minigrad as mg

from .errors import UsageError, one_line

#: environment variables through which MPI launchers tell a process its rank and the job's size
RANK_VARS = ('OMPI_COMM_WORLD_RANK', 'PMI_RANK', 'PMIX_RANK')
SIZE_VARS = ('OMPI_COMM_WORLD_SIZE', 'PMI_SIZE')
LOCAL_RANK_VARS = ('OMPI_COMM_WORLD_LOCAL_RANK', 'MPI_LOCALRANKID')
#: set by the ``--nproc`` launcher for its ranks: a file where rank 0 leaves the run's exit
#: code (the ranks then exit 0, so that mpirun does not report an agreed stop as failed ranks);
#: SIGUSR1 then means the user's Ctrl-C/SIGTERM, forwarded
LAUNCHER_VAR = 'MODELS_TRAIN_STATUS_FILE'


def _env_int(names, default):
    for name in names:
        value = os.environ.get(name)
        if value is not None and value.strip().isdigit():
            return int(value)
    return default


def launched_ranks():
    """``(rank, world size)`` as an MPI launcher set them, or ``(0, 1)`` outside one."""
    world = _env_int(SIZE_VARS, 1)
    return (_env_int(RANK_VARS, 0), world) if world > 1 else (0, 1)


def strip_nproc(argv):
    """``argv`` without its ``--nproc N`` (or ``--nproc=N``)."""
    out, skip = [], False
    for a in argv:
        if skip:
            skip = False
        elif a == '--nproc':
            skip = True
        elif not a.startswith('--nproc='):
            out.append(a)
    return out


def relaunch(nproc, argv):
    """Run ``python -m models.train ARGV`` (without ``--nproc``) as ``nproc`` ranks through
    ``mpirun``; the exit code of the job (128 + the signal after a forwarded Ctrl-C/SIGTERM whose
    ranks stopped with a checkpoint)."""
    try:
        from minigrad.distributed.launch import end_with_parent, mpirun_command
        cmd, env = mpirun_command(nproc, ['-m', 'models.train', *strip_nproc(argv)])
    except (ImportError, RuntimeError, ValueError) as e:
        raise UsageError(f'--nproc {nproc}: {one_line(e)}') from None
    fd, status_file = tempfile.mkstemp(prefix='models-train-', suffix='.status')
    os.close(fd)
    env[LAUNCHER_VAR] = status_file
    forwarded = []
    try:
        proc = subprocess.Popen(cmd, env=env, start_new_session=True, preexec_fn=end_with_parent)

        def forward(signum, frame):  # mpirun would kill the ranks at once; SIGUSR1 lets them save
            forwarded.append(signum)
            try:
                proc.send_signal(signal.SIGUSR1)
            except ProcessLookupError:
                pass

        old = {s: signal.signal(s, forward) for s in (signal.SIGINT, signal.SIGTERM)}
        try:
            code = proc.wait()
        finally:
            for sig, handler in old.items():
                signal.signal(sig, handler)
        with open(status_file) as f:
            status = f.read().strip()
    finally:
        os.unlink(status_file)
    if code == 0 and status.lstrip('-').isdigit():
        code = int(status)
    if forwarded and code == 128 + signal.SIGUSR1:
        return 128 + forwarded[0]
    return code


def _dist():
    """``minigrad.distributed``, imported only by data-parallel runs (it loads MPI)."""
    import minigrad.distributed as dist
    return dist


class Job:
    """The ranks of a run: one process (``world == 1``, every method a no-op) or an MPI job.

    Attributes:
        rank, world: this process's rank and the number of ranks.
        is_main: rank 0, the one that prints and writes.
    """

    def __init__(self, rank=0, world=1):
        self.rank, self.world = int(rank), int(world)
        self.is_main = self.rank == 0
        self.started = self.finished = False
        self.status_file = os.environ.get(LAUNCHER_VAR) if self.distributed else None

    @property
    def distributed(self):
        return self.world > 1

    def start(self, device):
        """Join the process group (``'nccl'`` for a GPU device, else ``'mpi'``); the device this
        rank uses (``cuda`` becomes ``cuda:<local rank mod GPUs>``)."""
        if not self.distributed:
            return device
        dist = _dist()
        if device.startswith('cuda') and ':' not in device:
            device = f'cuda:{_env_int(LOCAL_RANK_VARS, self.rank) % mg.cuda.device_count()}'
        try:
            dist.init_process_group('nccl' if device.startswith('cuda') else 'mpi')
        except (RuntimeError, ValueError) as e:
            raise UsageError(f'cannot start the data-parallel job: {one_line(e)}') from None
        if (dist.get_rank(), dist.get_world_size()) != (self.rank, self.world):
            raise UsageError(f'the MPI environment says rank {self.rank} of {self.world}, the '
                             f'process group {dist.get_rank()} of {dist.get_world_size()}')
        self.started = True
        return device

    def finish(self):
        """Wait for every rank (rank 0 may still be saving), then leave the process group."""
        if self.started:
            dist = _dist()
            dist.barrier()
            dist.destroy_process_group()
            self.started, self.finished = False, True

    def signal_names(self):
        """How the stop message names a signal: under the ``--nproc`` launcher SIGUSR1 is the
        user's Ctrl-C or SIGTERM, forwarded."""
        return {signal.SIGUSR1: 'interrupted'} if self.status_file else {}

    def exit_code(self, code):
        """This rank's exit code. Under the launcher, after an agreed end (``finish`` passed:
        every rank is done), rank 0 leaves ``code`` for the launcher and the ranks exit 0; any
        other end keeps its code, so that a failing rank still ends the whole job."""
        if not (self.status_file and self.finished):
            return code
        if self.is_main:
            with open(self.status_file, 'w') as f:
                f.write(str(int(code)))
        return 0

    def check_batch_size(self, batch_size):
        if batch_size % self.world:
            raise UsageError(f'--batch-size {batch_size} (the global batch) must divide evenly '
                             f'across the {self.world} ranks')
        return batch_size // self.world

    def wrap(self, model):
        """``DistributedDataParallel(model)``, or the model itself in one process."""
        if not self.distributed:
            return model
        from minigrad.nn.parallel import DistributedDataParallel
        return DistributedDataParallel(model)

    def train_sampler(self, dataset, seed):
        """This rank's shard of the training split (None in one process: the loader shuffles)."""
        if not self.distributed:
            return None
        return mg.data.DistributedSampler(dataset, num_replicas=self.world, rank=self.rank,
                                          shuffle=True, seed=seed)

    def test_shard(self, dataset):
        """Every ``world``-th test sample from ``rank`` on: the shards cover the split once."""
        if not self.distributed:
            return dataset
        return mg.data.Subset(dataset, np.arange(self.rank, len(dataset), self.world))

    def agree(self, loss_value, stop_requested):
        """After a batch: ``(loss, stop)`` agreed by all ranks: the mean of the ranks' losses
        (NaN/Inf when any is) and whether any rank was asked to stop."""
        if not self.distributed:
            return loss_value, stop_requested
        t = mg.tensor(np.array([loss_value, float(bool(stop_requested))], dtype=np.float64))
        _dist().all_reduce(t)
        loss, stops = (float(v) for v in t.numpy())
        return loss / self.world, stops > 0

    def sum(self, values):
        """A dict of numbers (or NumPy arrays) summed over the ranks, same keys and types."""
        if not self.distributed:
            return values
        keys = list(values)
        flat = np.concatenate([np.asarray(values[k], dtype=np.float64).ravel() for k in keys])
        t = mg.tensor(flat)
        _dist().all_reduce(t)
        flat, out, i = t.numpy(), {}, 0
        for k in keys:
            v = np.asarray(values[k])
            part = flat[i:i + v.size].reshape(v.shape)
            i += v.size
            out[k] = part.astype(v.dtype) if v.ndim else type(values[k])(part.item())
        return out

    def sync_buffers(self, model):
        """Give every rank rank 0's buffers (BatchNorm running statistics) before evaluation."""
        if not self.distributed:
            return
        for b in model.buffers():
            _dist().broadcast(b, src=0)

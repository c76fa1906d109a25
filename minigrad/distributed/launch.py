"""Start N ranks of a script on this machine through ``mpirun`` (like ``torchrun``):

    python -m minigrad.distributed.launch --nproc 2 train.py --epochs 3

is ``mpirun -n 2 python train.py --epochs 3`` with what a laptop needs: each rank gets
``cores // N`` BLAS threads (so ranks do not fight over cores), Open MPI gets
``--oversubscribe`` (more ranks than cores is allowed, just slower) and, when run as root, the
two variables it asks for. Several machines: call ``mpirun`` yourself with a hostfile (see the
README). ``mpirun_command`` gives the command and environment to programs that start ranks
themselves (``models.train --nproc``, the tests, the benchmarks).
"""
import argparse
import ctypes
import functools
import os
import shutil
import signal
import subprocess
import sys

from .mpi_group import INSTALL_HINT

THREAD_VARS = ('OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS', 'MKL_NUM_THREADS')


def find_mpirun():
    """The path of ``mpirun`` (on PATH, or next to this Python, where pip puts Open MPI's), or None."""
    found = shutil.which('mpirun')
    if found:
        return found
    here = os.path.join(os.path.dirname(sys.executable), 'mpirun')
    return here if os.access(here, os.X_OK) else None


@functools.lru_cache(maxsize=None)
def _is_open_mpi(mpirun):
    try:
        out = subprocess.run([mpirun, '--version'], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return False
    return 'open mpi' in (out.stdout + out.stderr).lower() or 'open-mpi' in out.stdout.lower()


def mpirun_command(nproc, argv, threads=None, python=None):
    """``(command, env)`` that runs ``python argv...`` as ``nproc`` ranks on this machine.

    Args:
        nproc: the number of ranks.
        argv: the script and its arguments (``['-m', 'models.train', ...]`` works too).
        threads: BLAS/OpenMP threads per rank (default: cores // nproc, at least 1).
        python: the interpreter (default: this one).

    Raises:
        RuntimeError: no ``mpirun`` was found (with what to install).
    """
    nproc = int(nproc)
    if nproc < 1:
        raise ValueError(f'nproc must be a positive integer, got {nproc}')
    mpirun = find_mpirun()
    if mpirun is None:
        raise RuntimeError(f'mpirun was not found (on PATH or next to {sys.executable}): '
                           f'{INSTALL_HINT} installs Open MPI from pip')
    if threads is None:
        threads = max(1, (os.cpu_count() or 1) // nproc)
    env = dict(os.environ)
    for var in THREAD_VARS:
        env[var] = str(int(threads))
    cmd = [mpirun, '-n', str(nproc)]
    if _is_open_mpi(mpirun):
        cmd.append('--oversubscribe')
        if hasattr(os, 'geteuid') and os.geteuid() == 0:
            env.setdefault('OMPI_ALLOW_RUN_AS_ROOT', '1')
            env.setdefault('OMPI_ALLOW_RUN_AS_ROOT_CONFIRM', '1')
    return cmd + [python or sys.executable] + list(argv), env


def end_with_parent():
    """``preexec_fn`` for ``mpirun``: on Linux the kernel sends it SIGTERM when the process that
    started it dies, even by SIGKILL, and ``mpirun`` then ends its ranks. Without this an
    ``mpirun`` whose launcher was killed lives on with its ranks (seen: two ranks spinning for an
    hour after a test killed their launcher)."""
    if sys.platform.startswith('linux'):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)   # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass


def main(args=None):
    p = argparse.ArgumentParser(prog='python -m minigrad.distributed.launch',
                                description='Run a script as N ranks on this machine (mpirun).')
    p.add_argument('--nproc', '--nproc-per-node', type=int, required=True, help='number of ranks')
    p.add_argument('--threads', type=int, default=None, help='BLAS threads per rank (default: cores // nproc)')
    p.add_argument('-m', dest='module', default=None, help='run a module (as python -m)')
    p.add_argument('argv', nargs=argparse.REMAINDER, help='the script and its arguments')
    a = p.parse_args(args)
    argv = (['-m', a.module] if a.module else []) + a.argv
    if not argv:
        p.error('give a script (or -m module) to run')
    try:
        cmd, env = mpirun_command(a.nproc, argv, a.threads)
    except (RuntimeError, ValueError) as e:
        p.exit(2, f'error: {e}\n')
    return subprocess.call(cmd, env=env, preexec_fn=end_with_parent)


if __name__ == '__main__':
    sys.exit(main())

"""Start ranks for the distributed tests: ``run_ranks(n, script, *args)`` runs
``tests/distributed/scripts/<script>`` as ``n`` ranks through mpirun (``n=0``: one plain process,
no mpirun) with a time limit, and skips the test (with the reason) when mpi4py or mpirun is
missing."""
import os
import signal
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'scripts')
INSTALL = 'pip install "minigrad[distributed]"'


def need_mpi():
    pytest.importorskip('mpi4py', reason=f'mpi4py is not installed ({INSTALL})')
    from minigrad.distributed.launch import find_mpirun
    if find_mpirun() is None:
        pytest.skip(f'mpirun is not installed ({INSTALL})')


def run_ranks(n, script, *args, timeout=240, check=True):
    """Run the script as ``n`` ranks (threads: 1 BLAS thread per rank); return the
    CompletedProcess. A run that passes ``timeout`` seconds fails the test (never hangs CI)."""
    need_mpi()
    from minigrad.distributed.launch import mpirun_command
    argv = [os.path.join(SCRIPTS, script)] + [str(a) for a in args]
    if n == 0:
        cmd, env = [sys.executable] + argv, dict(os.environ)
    else:
        cmd, env = mpirun_command(n, argv, threads=1)
    env['PYTHONPATH'] = ROOT + os.pathsep + env.get('PYTHONPATH', '')
    env['OMP_NUM_THREADS'] = env['OPENBLAS_NUM_THREADS'] = '1'
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)          # mpirun and every rank it started
        out, err = proc.communicate()
        pytest.fail(f'{" ".join(cmd)} did not finish in {timeout} s (a hang?)\n'
                    f'stdout: {out}\nstderr: {err}')
    res = subprocess.CompletedProcess(cmd, proc.returncode, out, err)
    if check and res.returncode != 0:
        pytest.fail(f'{" ".join(cmd)} exited with {res.returncode}\nstdout: {res.stdout}\n'
                    f'stderr: {res.stderr}')
    return res

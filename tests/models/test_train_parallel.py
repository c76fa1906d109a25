"""``python -m models.train --nproc N`` and ``mpirun -n N python -m models.train``: data-parallel
runs give the one-process results (to float rounding), rank 0 alone writes, resume works."""
import importlib.util
import os
import signal
import subprocess
import sys

import numpy as np
import pytest
from train_helpers import (REPO, cli, env_with_repo, read_metrics, train, train_until_signal,
                           without_time)

import minigrad as mg

pytestmark = pytest.mark.skipif(importlib.util.find_spec('mpi4py') is None,
                                reason='mpi4py is not installed (pip install "minigrad[distributed]")')

ARGS = ['--epochs', 2, '--limit-train', 512, '--limit-test', 250]


@pytest.fixture(scope='module')
def mpirun():
    from minigrad.distributed.launch import find_mpirun
    path = find_mpirun()
    if path is None:
        pytest.skip('mpirun is not installed (pip install "minigrad[distributed]")')
    return path


def weights(out):
    return {k: v.numpy() for k, v in mg.load(os.path.join(out, 'checkpoint.npz'))['model'].items()}


def assert_close_runs(a, b):
    """Two runs of the same recipe: the same weights and metrics up to float rounding."""
    wa, wb = weights(a), weights(b)
    assert set(wa) == set(wb)
    for k in wa:
        np.testing.assert_allclose(wa[k], wb[k], rtol=1e-3, atol=1e-4, err_msg=k)
    for ra, rb in zip(read_metrics(a), read_metrics(b), strict=True):
        assert ra['train_loss'] == pytest.approx(rb['train_loss'], rel=1e-4)
        assert ra['test_loss'] == pytest.approx(rb['test_loss'], rel=1e-4)
        assert abs(ra['test_acc'] - rb['test_acc']) <= 2 / 250       # a prediction may flip


@pytest.fixture(scope='module')
def runs(tmp_path_factory, mpirun):
    root = tmp_path_factory.mktemp('parallel')
    one, two = str(root / 'one'), str(root / 'two')
    train(one, *ARGS)
    p_two = train(two, *ARGS, '--nproc', 2)
    return dict(root=root, one=one, two=two, p_two=p_two)


def test_nproc_gives_the_one_process_result(runs):
    assert_close_runs(runs['one'], runs['two'])
    # the whole test split is counted, once: the accuracies are multiples of 1/250
    for row in read_metrics(runs['two']):
        assert abs(row['test_acc'] * 250 - round(row['test_acc'] * 250)) < 1e-9


def test_rank_0_alone_prints_and_writes(runs):
    out = runs['p_two'].stdout
    assert out.count('epoch 1/2:') == 1 and out.count('test accuracy:') == 1
    assert 'x 2 ranks' in out
    assert sorted(os.listdir(runs['two'])) == ['checkpoint.npz', 'metrics.jsonl']
    # the checkpoint holds the bare model (no DDP "module." prefix): evaluate reads it
    proc = cli('evaluate', os.path.join(runs['two'], 'checkpoint.npz'), '--limit-test', 250,
               '--no-progress', check=0)
    assert f"test accuracy: {read_metrics(runs['two'])[-1]['test_acc']:.4f}" in proc.stdout


def test_started_by_mpirun(runs, mpirun, tmp_path):
    from minigrad.distributed.launch import mpirun_command
    out = str(tmp_path / 'mpirun')
    cmd, env = mpirun_command(2, ['-m', 'models.train', '--out', out, '--no-progress',
                                  *map(str, ARGS)])
    env['PYTHONPATH'] = env_with_repo()['PYTHONPATH']
    proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.count('test accuracy:') == 1
    assert_close_runs(runs['one'], out)


def test_interrupted_nproc_run_resumes(runs, tmp_path):
    args = ['--nproc', 2, '--epochs', 2, '--batch-size', 8, '--limit-train', 2048,
            '--limit-test', 64]
    ref = str(tmp_path / 'ref')
    cli('train', '--out', ref, '--no-progress', *args, check=0)
    out = str(tmp_path / 'stopped')
    # metrics.jsonl appears as training starts (the ranks catch the signal from then on)
    code, stderr = train_until_signal(out, args, signal.SIGINT,
                                      wait_file=os.path.join(out, 'metrics.jsonl'))
    assert code == 130, stderr
    assert 'interrupted: checkpoint saved' in stderr and 'Traceback' not in stderr
    ckpt = mg.load(os.path.join(out, 'checkpoint.npz'))
    assert (ckpt['epoch'], ckpt['batch']) < (2, 0)
    cli('train', '--out', out, '--no-progress', '--nproc', 2, '--resume', check=0)
    assert without_time(read_metrics(out)) == without_time(read_metrics(ref))
    wa, wb = weights(ref), weights(out)
    assert all(np.array_equal(wa[k], wb[k]) for k in wa)


def test_nonfinite_loss_stops_every_rank(tmp_path, mpirun):
    out = str(tmp_path / 'run')
    proc = train(out, '--nproc', 2, '--epochs', 1, '--optimizer', 'sgd', '--lr', '1e30',
                 '--limit-train', 256, '--limit-test', 64, check=3)
    assert proc.stderr.count('loss became') == 1            # rank 0 alone reports
    assert not os.path.exists(os.path.join(out, 'checkpoint.npz'))


def test_nproc_arguments_are_checked(tmp_path):
    line = [ln for ln in cli('train', '--out', tmp_path / 'o', '--nproc', 3).stderr.splitlines()
            if ln.strip()]
    assert len(line) == 1 and '--batch-size 32' in line[0] and '3 ranks' in line[0]
    proc = cli('train', '--out', tmp_path / 'o', '--nproc', 0)
    assert proc.returncode == 2 and '--nproc' in proc.stderr


def _ranks_of(out):
    """Processes (mpirun and ranks) whose command line names this run's --out folder."""
    found = []
    for pid in os.listdir('/proc'):
        try:
            with open(f'/proc/{pid}/cmdline', 'rb') as f:
                if out.encode() in f.read():
                    found.append(int(pid))
        except (OSError, ValueError):
            continue
    return found


@pytest.mark.skipif(not sys.platform.startswith('linux'), reason='reads /proc')
def test_killed_launcher_takes_mpirun_and_its_ranks_with_it(tmp_path, mpirun):
    """SIGKILL of the --nproc launcher (its mpirun runs in a session of its own) must not leave
    mpirun and the ranks running (a test once left two ranks spinning for an hour). With the
    kernel's parent-death signal they end within ~1 s here; without it they took ~8 s."""
    import time
    out = str(tmp_path / 'run')
    proc = subprocess.Popen([sys.executable, '-m', 'models.train', '--out', out, '--nproc', '2',
                             '--epochs', '50', '--no-progress', '--limit-train', '2048'],
                            cwd=REPO, env=env_with_repo(), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)   # pipes held open, as a test's are
    try:
        deadline = time.monotonic() + 120
        while not os.path.exists(os.path.join(out, 'metrics.jsonl')) and proc.poll() is None \
                and time.monotonic() < deadline:
            time.sleep(0.1)
        assert proc.poll() is None, 'the run ended before it could be killed'
        assert len(_ranks_of(out)) >= 3            # mpirun and two ranks
    finally:
        proc.kill()
        proc.wait(timeout=30)
    deadline = time.monotonic() + 30
    while _ranks_of(out) and time.monotonic() < deadline:
        time.sleep(0.2)
    left = _ranks_of(out)
    for pid in left:                               # never leave them behind, even on failure
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    proc.stdout.close()
    proc.stderr.close()
    assert not left, f'processes of the killed run still alive: {left}'

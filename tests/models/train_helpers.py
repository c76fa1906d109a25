"""Shared by the tests of ``python -m models.train`` / ``models.evaluate``: running them, reading
what they wrote."""
import json
import os
import select
import subprocess
import sys
import time

import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SMALL = ['--limit-train', '512', '--limit-test', '256']

def env_with_repo(**extra):
    env = dict(os.environ)
    env['PYTHONPATH'] = REPO + os.pathsep + env.get('PYTHONPATH', '')
    env.update(extra)
    return env


def cli(module, *args, env=None, check=None):
    proc = subprocess.run([sys.executable, '-m', f'models.{module}', *map(str, args)], cwd=REPO,
                          env=env or env_with_repo(), capture_output=True, text=True, timeout=300)
    if check is not None and proc.returncode != check:
        raise AssertionError(f'exit code {proc.returncode}, expected {check}\nstdout:\n{proc.stdout}\n'
                             f'stderr:\n{proc.stderr}')
    return proc


def train(out, *args, check=0):
    return cli('train', '--out', out, '--no-progress', *SMALL, *args, check=check)


def read_metrics(out):
    with open(os.path.join(out, 'metrics.jsonl')) as f:
        return [json.loads(line) for line in f if line.strip()]


def without_time(rows):
    return [{k: v for k, v in r.items() if k != 'seconds'} for r in rows]


def assert_same_state(a, b, path=''):
    """Nested checkpoint contents equal, arrays bit for bit."""
    if isinstance(a, dict):
        assert set(a) == set(b), f'{path}: keys {sorted(a)} != {sorted(b)}'
        for k in a:
            assert_same_state(a[k], b[k], f'{path}.{k}')
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b)):
            assert_same_state(x, y, f'{path}[{i}]')
    elif hasattr(a, 'shape'):
        x, y = np.asarray(getattr(a, 'data', a)), np.asarray(getattr(b, 'data', b))
        assert x.dtype == y.dtype and x.shape == y.shape, path
        assert x.tobytes() == y.tobytes(), f'{path} differs'
    else:
        assert a == b, f'{path}: {a!r} != {b!r}'


def one_error_line(proc):
    assert proc.returncode == 2, proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    assert 'Traceback' not in proc.stderr
    return lines[0]


def train_until_signal(out, args, sig, wait_for=b'epoch 1/', wait_file=None, timeout=120):
    """Start ``python -m models.train --out OUT ARGS`` (progress bars on) and send it ``sig``
    once the first progress bar shows on its stderr (the signal handlers are installed by
    then), or, with ``wait_file``, once that file exists (for ``--nproc`` runs, whose ranks'
    output reaches the launcher late): ``(exit code, stderr text)``. Every wait is bounded by
    ``timeout`` seconds; the process is killed if it outlives them."""
    proc = subprocess.Popen([sys.executable, '-m', 'models.train', '--out', str(out),
                             *map(str, args)], cwd=REPO, env=env_with_repo(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    seen, rest = b'', b''
    deadline = time.monotonic() + timeout
    try:
        if wait_file is not None:
            while not os.path.exists(wait_file) and proc.poll() is None \
                    and time.monotonic() < deadline:
                time.sleep(0.05)
        while wait_file is None and wait_for not in seen:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([proc.stderr], [], [], left)[0]:
                break
            chunk = os.read(proc.stderr.fileno(), 4096)
            if not chunk:
                break
            seen += chunk
        proc.send_signal(sig)
        _, rest = proc.communicate(timeout=timeout)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=30)
    return proc.returncode, (seen + rest).decode(errors='replace')

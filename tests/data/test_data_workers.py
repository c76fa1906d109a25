"""DataLoader(num_workers > 0): same batches as in-process loading, PyTorch's worker seeding, errors
re-raised with the worker's traceback, timeouts, and no processes left behind (early drop, Ctrl-C,
a killed main process) -- the last ones in bounded subprocesses."""
import os
import random
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

import minigrad as mg
import minigrad.data as D
from minigrad.data import transforms as T

pytestmark = pytest.mark.skipif(not sys.platform.startswith('linux'), reason='worker tests use /proc')

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def batches(loader):
    return [(x.numpy(), y.numpy()) for x, y in loader]


def test_workers_give_the_same_batches_as_the_main_process():
    tf = T.Compose([T.RandomCrop(28, padding=2), T.RandomHorizontalFlip(), T.ToTensor(),
                    T.Normalize((0.1307,), (0.3081,))])
    ds = D.Subset(D.MNISTSample(train=False, transform=tf), np.arange(300))
    batch_tf = T.RandomCrop(26)

    def run(workers, **kw):
        loader = D.DataLoader(ds, batch_size=32, shuffle=True, seed=3, num_workers=workers,
                              transform=batch_tf, **kw)
        return [batches(loader) for _ in range(2)]

    serial, parallel = run(0), run(3, prefetch_factor=1)
    assert len(serial[0]) == 10
    for e in range(2):
        for (x0, y0), (x1, y1) in zip(serial[e], parallel[e]):
            np.testing.assert_array_equal(y0, y1)
            np.testing.assert_array_equal(x0, x1)
    assert not np.array_equal(serial[0][0][0], serial[1][0][0])     # epochs differ


class WhoLoads(D.Dataset):
    def __len__(self):
        return 8

    def __getitem__(self, i):
        info = D.get_worker_info()
        return np.array([info.id, info.seed, info.num_workers, random.getrandbits(30),
                         int(mg.backend.default_generator().integers(2 ** 30)), i])


def test_workers_are_seeded_base_seed_plus_id_and_see_worker_info():
    assert D.get_worker_info() is None
    calls = []

    def loaded(seed):
        loader = D.DataLoader(WhoLoads(), batch_size=2, num_workers=2, seed=seed,
                              worker_init_fn=lambda wid: calls.append(wid))
        return np.concatenate([b.numpy() for b in loader])

    rows = loaded(seed=1)
    ids, seeds = rows[:, 0], rows[:, 1]
    assert set(ids.tolist()) == {0, 1} and set(rows[:, 2].tolist()) == {2}
    base = seeds[ids == 0][0]
    np.testing.assert_array_equal(seeds, base + ids)
    first = {w: rows[ids == w][0] for w in (0, 1)}
    assert first[0][3] != first[1][3] and first[0][4] != first[1][4]   # random and mg streams differ
    np.testing.assert_array_equal(loaded(seed=1), rows)                  # same seed, same everything
    assert loaded(seed=2)[0, 1] != rows[0, 1]
    assert calls == []                    # worker_init_fn ran in the workers, not here


class Fails(D.Dataset):
    def __len__(self):
        return 20

    def __getitem__(self, i):
        if i == 13:
            raise ValueError(f'sample {i} is broken')
        return np.float32(i)


def test_a_worker_exception_is_reraised_with_its_traceback():
    loader = D.DataLoader(Fails(), batch_size=4, num_workers=2)
    seen = []
    with pytest.raises(ValueError) as info:
        for b in loader:
            seen.append(b)
    text = str(info.value)
    assert 'Caught ValueError in DataLoader worker process' in text
    assert 'sample 13 is broken' in text and 'in __getitem__' in text and 'Traceback' in text
    assert len(seen) == 3                 # the batches before the broken one were delivered


def test_worker_init_fn_error_and_timeout():
    def bad_init(worker_id):
        raise KeyError('no such resource')

    with pytest.raises(KeyError, match='worker_init_fn|bad_init'):
        list(D.DataLoader(Fails(), batch_size=4, num_workers=1, worker_init_fn=bad_init))

    class Slow(Fails):
        def __getitem__(self, i):
            time.sleep(1.0)
            return np.float32(i)

    with pytest.raises(RuntimeError, match='timed out after 0.2 seconds'):
        list(D.DataLoader(Slow(), batch_size=1, num_workers=1, timeout=0.2))


def test_a_worker_that_dies_is_reported():
    class Dies(Fails):
        def __getitem__(self, i):
            os._exit(7)

    with pytest.raises(RuntimeError, match='exited unexpectedly.*exit code 7'):
        list(D.DataLoader(Dies(), batch_size=2, num_workers=1))


def test_persistent_workers_survive_epochs_and_others_are_joined():
    ds = D.TensorDataset(np.arange(12, dtype=np.float32))
    loader = D.DataLoader(ds, batch_size=4, num_workers=2, persistent_workers=True)
    it = iter(loader)
    pids = it.worker_pids
    list(it)
    it2 = iter(loader)
    assert it2.worker_pids == pids
    assert np.concatenate([b[0].numpy() for b in it2]).tolist() == list(range(12))
    plain = D.DataLoader(ds, batch_size=4, num_workers=2)
    it3 = iter(plain)
    pids3 = it3.worker_pids
    list(it3)
    assert all(not os.path.exists(f'/proc/{p}') or _state(p) != 'Z' for p in pids3)
    assert not set(pids3) & set(_children(os.getpid()))


def _state(pid):
    try:
        with open(f'/proc/{pid}/stat') as f:
            return f.read().rsplit(')', 1)[1].split()[0]
    except OSError:
        return None


def _children(pid):
    out = []
    for entry in os.listdir('/proc'):
        if entry.isdigit():
            try:
                with open(f'/proc/{entry}/stat') as f:
                    fields = f.read().rsplit(')', 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                out.append(int(entry))
    return out


SCRIPT = textwrap.dedent('''
    import os, sys, time
    import numpy as np
    import minigrad.data as D
    sys.path.insert(0, {tests!r})
    from test_data_workers import _children

    class Slow(D.Dataset):
        def __len__(self):
            return 100000
        def __getitem__(self, i):
            time.sleep(0.002)
            return np.float32(i)

    it = iter(D.DataLoader(Slow(), batch_size=4, num_workers=2))
    next(it)
    print(' '.join(str(p) for p in it.worker_pids), flush=True)
    mode = sys.argv[1]
    if mode == 'drop':
        del it
        print('children:', _children(os.getpid()), flush=True)
    else:
        print('ready', flush=True)
        for _ in it:
            pass
''')


def _start(mode):
    code = SCRIPT.format(tests=os.path.dirname(os.path.abspath(__file__)))
    return subprocess.Popen([sys.executable, '-c', code, mode], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)


def _gone(pids, within=10.0):
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if all(_state(p) is None for p in pids):
            return True
        time.sleep(0.1)
    return False


def test_dropping_the_iterator_early_joins_the_workers():
    proc = _start('drop')
    try:
        out, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    pids = [int(p) for p in out.splitlines()[0].split()]
    assert len(pids) == 2
    assert out.splitlines()[1] == 'children: []'        # no live worker, no zombie


@pytest.mark.parametrize('how', ['ctrl-c', 'sigkill'])
def test_no_worker_outlives_an_interrupted_or_killed_main_process(how):
    proc = _start('loop')
    try:
        pids = [int(p) for p in proc.stdout.readline().split()]
        assert proc.stdout.readline().strip() == 'ready'
        if how == 'ctrl-c':
            os.killpg(proc.pid, signal.SIGINT)      # what the terminal sends to the whole group
        else:
            proc.kill()                             # the main process alone, no chance to clean up
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode != 0
    if how == 'ctrl-c':
        assert 'KeyboardInterrupt' in err and err.count('Traceback') == 1, err   # workers stay quiet
    assert _gone(pids), f'workers {pids} still running after the main process ended ({how})'

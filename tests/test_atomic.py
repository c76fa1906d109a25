"""minigrad.atomic: temp file + rename writes, and which stale temp files a later write removes.

The end-to-end test (a saving process SIGKILLed 20+ times) is in tests/test_serialization.py.
"""
import os
import subprocess
import sys
import time

import pytest

from minigrad import atomic
from minigrad.atomic import remove_stale_temps, temp_pattern, write_atomically


def _dead_pid():
    p = subprocess.Popen([sys.executable, '-c', 'pass'])
    p.wait()
    return p.pid


def _touch(path, age_s=0.0):
    path.write_bytes(b'partial')
    if age_s:
        t = time.time() - age_s
        os.utime(path, (t, t))
    return path.name


def test_the_temp_file_is_named_for_its_target_and_locked_while_writing(tmp_path):
    target = tmp_path / 'model.ckpt'
    seen = {}

    def write(f):
        (name,) = os.listdir(tmp_path)
        m = temp_pattern(target).match(name)
        seen['name'], seen['pid'] = name, m and int(m['pid'])
        fd = os.open(tmp_path / name, os.O_RDONLY)
        try:
            seen['locked'] = atomic._is_locked(fd)
            seen['stale'] = atomic._stale(str(tmp_path / name), int(m['pid']), m['host'])
        finally:
            os.close(fd)
        f.write(b'new')

    write_atomically(target, write)
    assert seen['name'].startswith('.model.ckpt.') and seen['name'].endswith('.tmp')
    assert seen['pid'] == os.getpid()
    assert seen['locked'] is (True if atomic.fcntl else None)
    assert seen['stale'] is False
    assert os.listdir(tmp_path) == ['model.ckpt'] and target.read_bytes() == b'new'


def test_a_failed_write_removes_its_temp_and_keeps_the_old_file(tmp_path):
    target = tmp_path / 'log.txt'
    write_atomically(target, lambda f: f.write('old'), mode='w')

    def fail(f):
        f.write('half')
        raise KeyboardInterrupt
    with pytest.raises(KeyboardInterrupt):
        write_atomically(target, fail, mode='w')
    assert os.listdir(tmp_path) == ['log.txt'] and target.read_text() == 'old'


def test_only_stale_temps_of_the_same_target_are_removed(tmp_path):
    me, host, dead = os.getpid(), atomic._HOST, _dead_pid()
    other_host = '000000' if host != '000000' else '111111'
    alive = os.getppid()
    removed = {
        _touch(tmp_path / f'.ck.npz.{dead}-{host}.aaaaaaaa.tmp'),                    # writer gone
        _touch(tmp_path / f'.ck.npz.{alive}-{host}.bbbbbbbb.tmp', age_s=120),        # untouched 2 min
        _touch(tmp_path / f'.ck.npz.{dead}-{other_host}.cccccccc.tmp', age_s=120),
    }
    kept = {
        _touch(tmp_path / f'.ck.npz.{alive}-{host}.dddddddd.tmp'),       # a live writer, fresh
        _touch(tmp_path / f'.ck.npz.{me}-{host}.eeeeeeee.tmp'),          # another thread of ours
        _touch(tmp_path / f'.ck.npz.{dead}-{other_host}.ffffffff.tmp'),  # another machine, fresh
        _touch(tmp_path / f'.other.npz.{dead}-{host}.gggggggg.tmp', age_s=9999),   # another target
        _touch(tmp_path / '.ck.npz.tmp', age_s=9999),                    # not our pattern
        _touch(tmp_path / f'.ck.npz.{dead}.hhhhhhhh.tmp', age_s=9999),
        _touch(tmp_path / 'notes.tmp', age_s=9999),
        _touch(tmp_path / 'ck.npz'),
    }
    held = []
    if atomic.fcntl is not None:                  # a writer that holds its lock is never disturbed
        for name in (f'.ck.npz.{dead}-{host}.iiiiiiii.tmp', f'.ck.npz.{alive}-{host}.jjjjjjjj.tmp'):
            kept.add(_touch(tmp_path / name, age_s=9999))
            f = open(tmp_path / name, 'rb')
            atomic.fcntl.flock(f.fileno(), atomic.fcntl.LOCK_EX)
            held.append(f)
    try:
        assert sorted(remove_stale_temps(tmp_path / 'ck.npz')) == sorted(removed)
        assert set(os.listdir(tmp_path)) == kept
    finally:
        for f in held:
            f.close()
    if held:                                      # once released, the old ones go too
        remove_stale_temps(tmp_path / 'ck.npz')
        assert set(os.listdir(tmp_path)) == kept - {f.name.rsplit('/', 1)[-1] for f in held}


def test_a_write_removes_stale_temps_of_its_target(tmp_path):
    stale = _touch(tmp_path / f'.ck.npz.{_dead_pid()}-{atomic._HOST}.aaaaaaaa.tmp')
    write_atomically(tmp_path / 'ck.npz', lambda f: f.write(b'x'))
    assert stale not in os.listdir(tmp_path)
    assert os.listdir(tmp_path) == ['ck.npz']


def test_long_target_names_still_fit(tmp_path):
    name = 'w' * 240 + '.npz'                     # temp names must stay under 255 bytes
    stale = f'.{atomic._tag(name)}.{_dead_pid()}-{atomic._HOST}.aaaaaaaa.tmp'
    assert len(stale) < 255
    _touch(tmp_path / stale)
    write_atomically(tmp_path / name, lambda f: f.write(b'x'))
    assert os.listdir(tmp_path) == [name]


def test_missing_folder_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match='does not exist'):
        write_atomically(tmp_path / 'no' / 'x', lambda f: None)


def test_concurrent_savers_to_one_path_never_remove_each_others_temp_files(tmp_path):
    """Three processes save to the same path at once, each cleaning stale temps before and after
    every save: none may take away a live writer's temp file (its rename would then fail)."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    code = ('import sys, numpy as np, minigrad as mg\n'
            'k = int(sys.argv[2])\n'
            'for i in range(40):\n'
            '    mg.save({"writer": k, "i": i, "a": np.full(500_000, i, np.float32)}, sys.argv[1])\n')
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [root] + [p for p in [os.environ.get('PYTHONPATH')] if p]), OPENBLAS_NUM_THREADS='1')
    path = tmp_path / 'shared.ckpt'
    procs = [subprocess.Popen([sys.executable, '-c', code, str(path), str(k)], env=env,
                              stderr=subprocess.PIPE, text=True) for k in range(3)]
    errors = [(p.wait(timeout=120), p.stderr.read()) for p in procs]
    for p in procs:
        p.stderr.close()
    assert all(rc == 0 for rc, _ in errors), '\n'.join(err for _, err in errors)
    import minigrad as mg
    back = mg.load(path)
    assert back['i'] == 39 and back['writer'] in (0, 1, 2) and (back['a'] == 39).all()
    assert os.listdir(tmp_path) == ['shared.ckpt']

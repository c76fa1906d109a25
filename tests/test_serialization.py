"""mg.save / mg.load: every supported type round-trips exactly; atomic writes; clear errors."""
import collections
import io
import json
import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest

import minigrad as mg
from minigrad import serialization
from minigrad.serialization import SerializationError

HAS_CUDA = mg.cuda.is_available()
ROOT = Path(__file__).resolve().parents[1]


def _everything():
    rng = np.random.default_rng(0)
    t = mg.tensor(rng.standard_normal((3, 4)).astype(np.float32), requires_grad=True)
    return {
        'int': 7, 'neg': -3, 'big': 2 ** 130 + 1, 'float': 0.1, 'nan': float('nan'),
        'inf': float('-inf'), 'true': True, 'false': False, 'none': None, 'str': 'héllo\n"x"',
        'empty_str': '', 'bytes': b'\x00\xffab',
        'tuple': (1, 'a', (2.5, None)), 'list': [1, [2, [3, {}]], ()],
        'int_keys': {0: 'a', 1: 'b', -5: 'c'}, 'str_int_keys': {'0': 'x', 0: 'y'},
        'mixed_keys': {1.5: 'f', (1, 'x'): 't', None: 'n', True: 'b'},
        'odict': collections.OrderedDict([('z', 1), ('a', 2), ('m', 3)]),
        'tensor': t, 'tensor64': mg.tensor(rng.standard_normal(5), dtype=mg.float64),
        'int_tensor': mg.tensor([[1, 2], [3, 4]]), 'bool_tensor': mg.tensor([True, False]),
        'scalar_tensor': mg.tensor(3.5),
        'array32': rng.standard_normal((2, 3)).astype(np.float32), 'array_u8': np.arange(10, dtype=np.uint8),
        'array_f16': np.array([1.5, -2.25], dtype=np.float16), 'empty_array': np.zeros((0, 3)),
        'np_scalar': np.float32(1.25), 'np_int': np.int64(9),
        'device': mg.device('cpu'),
    }


def _assert_same(a, b, where='obj'):
    assert type(a) is type(b), f'{where}: {type(a).__name__} came back as {type(b).__name__}'
    if isinstance(a, mg.Tensor):
        assert a.dtype == b.dtype and a.shape == b.shape and a.requires_grad == b.requires_grad
        assert a.device == b.device and a.grad is None and b.is_leaf
        assert a.numpy().tobytes() == b.numpy().tobytes(), f'{where}: tensor bytes differ'
    elif isinstance(a, np.ndarray):
        assert a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes(), where
    elif isinstance(a, dict):
        assert list(a.keys()) == list(b.keys()), f'{where}: keys {list(a)} != {list(b)}'
        for (ka, va), kb in zip(a.items(), b.keys()):
            assert type(ka) is type(kb), f'{where}: key {ka!r} changed type'
            _assert_same(va, b[kb], f'{where}[{ka!r}]')
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            _assert_same(x, y, f'{where}[{i}]')
    elif isinstance(a, float) and a != a:
        assert b != b, where
    else:
        assert a == b, f'{where}: {a!r} != {b!r}'


@pytest.mark.parametrize('compress', [False, True], ids=['stored', 'compressed'])
def test_every_type_round_trips_exactly(tmp_path, compress):
    obj = _everything()
    path = tmp_path / 'all.npz'
    mg.save(obj, path, compress=compress)
    back = mg.load(path)
    _assert_same(obj, back)
    assert type(back['big']) is int and back['big'] == 2 ** 130 + 1
    assert type(back['int_keys']) is dict and list(back['int_keys']) == [0, 1, -5]
    assert type(back['odict']) is collections.OrderedDict
    assert back['tensor'].requires_grad and not back['tensor64'].requires_grad


def test_top_level_objects_of_any_type(tmp_path):
    for i, obj in enumerate([mg.arange(5), np.eye(2), 3, 'text', None, [1, 2], (1,), 2.5]):
        mg.save(obj, tmp_path / f'x{i}')
        _assert_same(obj, mg.load(tmp_path / f'x{i}'))


def test_shared_tensors_stay_shared_and_are_written_once(tmp_path):
    t = mg.randn(100)
    mg.save({'a': t, 'b': [t, t]}, tmp_path / 's')
    back = mg.load(tmp_path / 's')
    assert back['a'] is back['b'][0] is back['b'][1]
    with zipfile.ZipFile(tmp_path / 's') as z:
        assert len([n for n in z.namelist() if not n.startswith('__minigrad__')]) == 1


@pytest.mark.parametrize('name', ['model.ckpt', 'noext', 'weights.pt', 'a.b.c', 'x.npz'])
def test_written_to_exactly_the_given_path(tmp_path, name):
    mg.save({'w': mg.ones(2)}, str(tmp_path / name))
    assert sorted(os.listdir(tmp_path)) == [name]       # no '.npz' appended, no temp left
    np.testing.assert_array_equal(mg.load(str(tmp_path / name))['w'].numpy(), np.ones(2, np.float32))


def test_file_objects_can_be_used(tmp_path):
    buf = io.BytesIO()
    mg.save({'a': [1, 2], 't': mg.ones(3)}, buf)
    buf.seek(0)
    back = mg.load(buf)
    assert back['a'] == [1, 2] and back['t'].shape == (3,)


def test_rng_state_with_huge_ints_round_trips(tmp_path):
    mg.manual_seed(123)
    mg.randn(7)
    state = mg.get_rng_state()
    mg.save(state, tmp_path / 'rng')
    expected = mg.randn(5).numpy()
    back = mg.load(tmp_path / 'rng')
    assert back == state
    inner = back['numpy']['state']
    assert type(inner['state']) is int and inner['state'].bit_length() > 64
    mg.set_rng_state(back)
    np.testing.assert_array_equal(mg.randn(5).numpy(), expected)


def test_overwrite_replaces_the_file_and_keeps_its_permissions(tmp_path):
    path = tmp_path / 'ckpt'
    mg.save({'v': 1}, path)
    os.chmod(path, 0o640)
    mg.save({'v': 2}, path)
    assert mg.load(path) == {'v': 2}
    assert os.stat(path).st_mode & 0o777 == 0o640
    assert os.listdir(tmp_path) == ['ckpt']


@pytest.mark.parametrize('where', ['writer', 'replace'])
def test_interrupted_save_leaves_the_previous_file_intact(tmp_path, monkeypatch, where):
    path = tmp_path / 'model.ckpt'
    mg.save({'epoch': 1, 'w': mg.randn(1000)}, path)
    before = path.read_bytes()

    class Boom(Exception):
        pass

    if where == 'writer':
        real = np.savez

        def half_then_fail(f, **arrays):
            real(f, **arrays)                 # write everything, then die before the rename
            f.truncate(f.tell() // 2)
            raise Boom('disk full')
        monkeypatch.setattr(np, 'savez', half_then_fail)
    else:
        def fail(*args):
            raise Boom('power cut')
        monkeypatch.setattr(os, 'replace', fail)
    with pytest.raises(Boom):
        mg.save({'epoch': 2, 'w': mg.randn(1000)}, path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ['model.ckpt']          # the temp file was removed
    assert mg.load(path)['epoch'] == 1


def test_save_into_a_missing_folder_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match='does not exist'):
        mg.save(1, tmp_path / 'nope' / 'x.ckpt')


def test_unsupported_objects_are_refused_naming_where(tmp_path):
    with pytest.raises(SerializationError, match=r"obj\['a'\]\[1\].*set"):
        mg.save({'a': [1, {1, 2}]}, tmp_path / 'x')
    with pytest.raises(SerializationError, match='dtype object'):
        mg.save({'a': np.array([{}, 1], dtype=object)}, tmp_path / 'x')
    assert os.listdir(tmp_path) == []


# ---------------------------------------------------------------- bad files

def _good_file(tmp_path):
    path = tmp_path / 'good.ckpt'
    mg.save({'w': mg.randn(2000), 'n': 3}, path)
    return path


def test_empty_file_is_a_clear_error(tmp_path):
    path = tmp_path / 'empty.ckpt'
    path.write_bytes(b'')
    with pytest.raises(SerializationError, match=r"empty\.ckpt.* is empty"):
        mg.load(path)


@pytest.mark.parametrize('fraction', [0.3, 0.9, 0.99])
def test_truncated_file_is_a_clear_error(tmp_path, fraction):
    data = _good_file(tmp_path).read_bytes()
    path = tmp_path / 'cut.ckpt'
    path.write_bytes(data[:int(len(data) * fraction)])
    with pytest.raises(SerializationError, match=r"cut\.ckpt.*(truncated|damaged)") as e:
        mg.load(path)
    assert isinstance(e.value, RuntimeError) and isinstance(e.value, ValueError)


def test_corrupted_member_is_a_clear_error(tmp_path):
    data = bytearray(_good_file(tmp_path).read_bytes())
    path = tmp_path / 'bad.ckpt'
    data[300:340] = b'\xff' * 40            # inside the first array's .npy member
    path.write_bytes(bytes(data))
    with pytest.raises(SerializationError, match=r"bad\.ckpt"):
        mg.load(path)


def test_text_file_is_not_a_checkpoint(tmp_path):
    path = tmp_path / 'notes.txt'
    path.write_text('hello, this is not a checkpoint\n')
    with pytest.raises(SerializationError, match=r"notes\.txt.*not a minigrad checkpoint"):
        mg.load(path)


def test_foreign_npz_and_npy_files_are_not_checkpoints(tmp_path):
    np.savez(tmp_path / 'foreign.npz', a=np.arange(3))
    with pytest.raises(SerializationError, match=r"foreign\.npz.*without minigrad metadata"):
        mg.load(tmp_path / 'foreign.npz')
    np.save(tmp_path / 'single.npy', np.arange(3))
    with pytest.raises(SerializationError, match=r"single\.npy.*not a minigrad checkpoint"):
        mg.load(tmp_path / 'single.npy')


def test_pickle_file_is_refused(tmp_path):
    import pickle
    path = tmp_path / 'model.pt'
    path.write_bytes(pickle.dumps({'a': 1}))
    with pytest.raises(SerializationError, match='never loads pickles'):
        mg.load(path)


def _rewrite(path, meta=None, extra=None):
    """Rewrite a checkpoint with edited metadata and/or extra members (for crafted bad files)."""
    with np.load(path, allow_pickle=False) as z:
        members = {k: z[k] for k in z.files}
    if meta is not None:
        members['__minigrad__'] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    members.update(extra or {})
    with open(path, 'wb') as f:
        np.savez(f, **members)


def _meta(path):
    with np.load(path, allow_pickle=False) as z:
        return json.loads(z['__minigrad__'].tobytes())


def test_object_arrays_are_never_unpickled(tmp_path, monkeypatch):
    path = tmp_path / 'evil.ckpt'
    mg.save({'x': np.zeros(2)}, path)
    meta = _meta(path)
    key = meta['root']['v'][0]['a']
    _rewrite(path, extra={key: np.array([{'payload': 1}, None], dtype=object)})
    calls = []
    real_load = np.load
    monkeypatch.setattr(np, 'load', lambda *a, **k: calls.append(k) or real_load(*a, **k))
    with pytest.raises(SerializationError, match=r'evil\.ckpt.*pickle'):
        mg.load(path)
    assert calls and all(k.get('allow_pickle') is False for k in calls)


def test_damaged_metadata_is_a_clear_error(tmp_path):
    path = tmp_path / 'm.ckpt'
    mg.save({'x': mg.ones(2)}, path)
    meta = _meta(path)
    meta['root']['v'][0]['a'] = 't99'
    _rewrite(path, meta)
    with pytest.raises(SerializationError, match=r"m\.ckpt' is damaged.*'t99'.*missing"):
        mg.load(path)
    _rewrite(path, {'format': 'something.else', 'root': {}})
    with pytest.raises(SerializationError, match='unknown metadata format'):
        mg.load(path)
    _rewrite(path, {'format': serialization.FORMAT, 'version': 99, 'root': {'t': 'none'}})
    with pytest.raises(SerializationError, match='newer minigrad'):
        mg.load(path)


def test_missing_file_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        mg.load(tmp_path / 'nothing.ckpt')


# ---------------------------------------------------------------- devices

def _as_if_saved_on_cuda(path):
    """Rewrite a CPU checkpoint's metadata so that its tensors say they were saved on cuda:0."""
    meta = _meta(path)

    def mark(node):
        if node.get('t') in ('tensor', 'parameter'):
            node['device'] = 'cuda:0'
        for child in node.get('v', []) if isinstance(node.get('v'), list) else []:
            if isinstance(child, dict):
                mark(child)
    mark(meta['root'])
    _rewrite(path, meta)


def test_map_location_cpu(tmp_path):
    path = tmp_path / 'gpu.ckpt'
    mg.save({'w': mg.ones(3), 'k': 1}, path)
    _as_if_saved_on_cuda(path)
    for loc in ['cpu', mg.device('cpu'), {'cuda:0': 'cpu'}]:
        back = mg.load(path, map_location=loc)
        assert back['w'].device == 'cpu' and back['k'] == 1
        np.testing.assert_array_equal(back['w'].numpy(), np.ones(3, np.float32))


@pytest.mark.skipif(HAS_CUDA, reason='checks the error raised without a GPU')
def test_cuda_checkpoint_without_cuda_says_to_pass_map_location(tmp_path):
    path = tmp_path / 'gpu.ckpt'
    mg.save({'w': mg.ones(3)}, path)
    _as_if_saved_on_cuda(path)
    with pytest.raises(SerializationError, match=r"gpu\.ckpt.*cuda:0.*map_location='cpu'"):
        mg.load(path)
    with pytest.raises(RuntimeError, match='cuda'):
        mg.load(path, map_location='cuda')


def test_bad_map_location_is_rejected(tmp_path):
    mg.save(1, tmp_path / 'x')
    with pytest.raises(ValueError, match='unknown device'):
        mg.load(tmp_path / 'x', map_location='tpu')


@pytest.mark.requires_cuda
def test_cuda_tensors_round_trip_and_map_location(tmp_path):
    t = mg.randn(4, 3, device='cuda', requires_grad=True)
    mg.save({'t': t}, tmp_path / 'g')
    back = mg.load(tmp_path / 'g')
    assert back['t'].device == 'cuda' and back['t'].requires_grad
    np.testing.assert_array_equal(back['t'].numpy(), t.numpy())
    cpu = mg.load(tmp_path / 'g', map_location='cpu')
    assert cpu['t'].device == 'cpu'
    mg.save({'c': mg.ones(2)}, tmp_path / 'c')
    assert mg.load(tmp_path / 'c', map_location='cuda')['c'].device == 'cuda'


# ---------------------------------------------------------------- with nn

def _nn():
    nn = pytest.importorskip('minigrad.nn')
    if not all(hasattr(nn, n) for n in ('Module', 'Parameter', 'Linear', 'Sequential', 'Tanh')):
        pytest.skip('minigrad.nn is not complete yet')
    return nn


def test_parameters_come_back_as_parameters(tmp_path):
    nn = _nn()
    p = nn.Parameter(mg.randn(3))
    mg.save({'p': p, 'frozen': nn.Parameter(mg.randn(2), requires_grad=False)}, tmp_path / 'p')
    back = mg.load(tmp_path / 'p')
    assert type(back['p']) is nn.Parameter and back['p'].requires_grad
    assert type(back['frozen']) is nn.Parameter and not back['frozen'].requires_grad
    np.testing.assert_array_equal(back['p'].numpy(), p.numpy())


@pytest.mark.parametrize('opt_name', ['SGD', 'Adam', 'RMSprop'])
def test_model_and_optimizer_resume_bit_identically(tmp_path, opt_name):
    nn = _nn()
    rng = np.random.default_rng(0)
    X = mg.tensor(rng.standard_normal((16, 5)).astype(np.float32))
    Y = mg.tensor(rng.standard_normal((16, 2)).astype(np.float32))

    def make(seed):
        mg.manual_seed(seed)
        model = nn.Sequential(nn.Linear(5, 8), nn.Tanh(), nn.Linear(8, 2))
        kw = dict(lr=0.05, momentum=0.9) if opt_name != 'Adam' else dict(lr=0.01, amsgrad=True)
        opt = getattr(mg.optim, opt_name)(model.parameters(), **kw)
        sched = mg.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=12)
        return model, opt, sched

    def train(model, opt, sched, steps):
        for _ in range(steps):
            opt.zero_grad()
            idx = mg.tensor(mg.backend.default_generator().permutation(16)[:8])   # uses the rng
            (((model(X[idx]) - Y[idx]) ** 2).mean()).backward()
            opt.step()
            sched.step()

    model, opt, sched = make(0)
    train(model, opt, sched, 5)
    mg.save({'model': model.state_dict(), 'optim': opt.state_dict(), 'sched': sched.state_dict(),
             'rng': mg.get_rng_state(), 'epoch': 5}, tmp_path / 'train.ckpt')
    train(model, opt, sched, 5)
    expected = [p.numpy().copy() for p in model.parameters()]

    model2, opt2, sched2 = make(1)                      # different initial weights
    ck = mg.load(tmp_path / 'train.ckpt')
    model2.load_state_dict(ck['model'])
    opt2.load_state_dict(ck['optim'])
    sched2.load_state_dict(ck['sched'])
    mg.set_rng_state(ck['rng'])
    assert ck['epoch'] == 5
    train(model2, opt2, sched2, 5)
    for a, b in zip(expected, model2.parameters()):
        assert b.dtype == np.float32
        np.testing.assert_array_equal(a, b.numpy())
    assert sched2.get_last_lr() == sched.get_last_lr()


# ---------------------------------------------------------------- killed saves leave no garbage

_SAVER = r'''
import os, sys, time
import numpy as np
import minigrad as mg

path, n = sys.argv[1], int(sys.argv[2])
state = {'step': 0, 'a': np.zeros(n, np.float32), 'b': mg.zeros(n)}
t0 = time.perf_counter()
mg.save(state, path)
print(time.perf_counter() - t0, flush=True)
for line in sys.stdin:                 # one line per round: fork a saver, report it, reap it
    step = int(line)
    pid = os.fork()
    if pid == 0:
        try:
            while True:
                step += 1
                state['step'] = step
                state['a'].fill(step)
                state['b'].array.fill(step)
                mg.save(state, path)
        finally:
            os._exit(1)
    print(pid, flush=True)
    _, status = os.waitpid(pid, 0)
    print(os.WTERMSIG(status) if os.WIFSIGNALED(status) else -os.WEXITSTATUS(status), flush=True)
'''


@pytest.mark.skipif(not hasattr(os, 'fork') or not hasattr(signal, 'SIGKILL'), reason='needs fork and SIGKILL')
def test_killed_saves_leave_no_garbage_and_the_checkpoint_stays_loadable(tmp_path):
    """Issue 12 item 5: SIGKILL a process that saves a 32 MB state in a loop, at random moments,
    at least 20 times. After each kill the checkpoint loads and is one whole save (its arrays
    all hold the step it records); killed saves' temp files do not pile up; and the next
    successful save leaves the folder holding the checkpoint and nothing else."""
    from minigrad.atomic import temp_pattern
    path = tmp_path / 'ckpt.npz'
    n = 4 * 1024 * 1024                                       # two float32 arrays: 32 MB
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(ROOT)] + [p for p in [os.environ.get('PYTHONPATH')] if p]), OPENBLAS_NUM_THREADS='1')
    # A zygote process imports minigrad once; each round it forks a saver, which is SIGKILLed.
    zygote = subprocess.Popen([sys.executable, '-c', _SAVER, str(path), str(n)], cwd=str(tmp_path),
                              env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                              start_new_session=True)    # its own process group, ended below
    rng = np.random.default_rng(0)
    pattern = temp_pattern(path)
    kills, last_step, garbage_seen, temps = 0, 0, 0, []
    try:
        line = zygote.stdout.readline()
        assert line, 'the saving process failed to start'
        save_s = float(line)
        give_up = time.monotonic() + 15
        # at least 20 kills; more (bounded) until the last one leaves a temp file to clean up
        while kills < 20 or (not temps and kills < 80 and time.monotonic() < give_up):
            zygote.stdin.write(f'{last_step}\n')
            zygote.stdin.flush()
            pid = int(zygote.stdout.readline())
            time.sleep(rng.uniform(0, 2.5 * save_s))
            os.kill(pid, signal.SIGKILL)
            assert int(zygote.stdout.readline()) == signal.SIGKILL, 'the saver died by itself'
            kills += 1
            back = mg.load(path)                              # the previous checkpoint, whole
            step = back['step']
            assert step >= last_step
            assert back['a'].shape == (n,) and np.all(back['a'] == step)
            assert np.all(back['b'].numpy() == step)
            last_step = step
            others = sorted(set(os.listdir(tmp_path)) - {'ckpt.npz'})
            temps = [t for t in others if pattern.match(t)]
            assert temps == others, f'unexpected files: {others}'
            assert len(temps) <= 1, f'temp files pile up after {kills} kills: {temps}'
            garbage_seen += len(temps)
    finally:                               # never leave a saver running, whatever failed
        try:
            os.killpg(zygote.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        zygote.wait()
        zygote.stdin.close()
        zygote.stdout.close()
    assert kills >= 20
    assert temps, (f'none of {kills} kills landed mid-write (a save takes {save_s:.3f} s), so '
                   'the clean-up was not exercised')
    mg.save({'step': last_step + 1, 'a': np.ones(3)}, path)
    assert os.listdir(tmp_path) == ['ckpt.npz']
    assert mg.load(path)['step'] == last_step + 1


# ---------------------------------------------------------------- cycles and deep nesting

def test_a_list_that_contains_itself_is_refused_naming_where(tmp_path):
    loop = [1, 2]
    loop.append(loop)
    with pytest.raises(SerializationError, match=r'cannot save obj\[2\]: it is the list obj again, '
                                                 r'which contains itself'):
        mg.save(loop, tmp_path / 'loop')
    d = {'a': [mg.ones(1)]}
    d['a'].append({'back': d})
    with pytest.raises(SerializationError, match=r"obj\['a'\]\[1\]\['back'\]: it is the dict obj again"):
        mg.save(d, tmp_path / 'd')
    assert os.listdir(tmp_path) == []                            # nothing written, no temp left


def test_shared_containers_that_are_not_cycles_are_saved(tmp_path):
    inner = [1, {'x': 2}]
    mg.save({'a': inner, 'b': inner, 'c': (inner, inner)}, tmp_path / 's')
    assert mg.load(tmp_path / 's') == {'a': inner, 'b': inner, 'c': (inner, inner)}


def _nested(depth, leaf=0):
    obj = leaf
    for i in range(depth):
        obj = [obj] if i % 2 else {'k': obj}
    return obj


def test_nesting_up_to_max_depth_round_trips_and_deeper_is_refused(tmp_path):
    limit = serialization.MAX_DEPTH
    mg.save(_nested(limit), tmp_path / 'deep')
    assert mg.load(tmp_path / 'deep') == _nested(limit)
    for depth in (limit + 1, 5000):
        with pytest.raises(SerializationError, match=rf'cannot save obj.*nested more than {limit} '
                                                     'levels deep'):
            mg.save(_nested(depth), tmp_path / 'deeper')
    assert sorted(os.listdir(tmp_path)) == ['deep']


@pytest.mark.parametrize('depth', [101, 900, 100_000])   # MAX_DEPTH is 100
def test_deeply_nested_metadata_is_a_clear_error_not_recursion(tmp_path, depth):
    """Issue 12 item 6: crafted metadata nested ~900 deep (or deeper than JSON itself can parse)
    gives the library's error naming the file, not RecursionError."""
    path = tmp_path / 'nested.ckpt'
    mg.save({'x': 1}, path)
    root = '{"t":"list","v":[' * depth + '{"t":"none"}' + ']}' * depth
    text = f'{{"format":"{serialization.FORMAT}","version":1,"root":{root}}}'
    _rewrite(path, extra={'__minigrad__': np.frombuffer(text.encode(), dtype=np.uint8)})
    with pytest.raises(SerializationError, match=r"nested\.ckpt' is damaged: its metadata nests "
                                                 r'containers .*more than 100 levels deep') as e:
        mg.load(path)
    if depth == 101:                                   # parsed as JSON: the error says where
        assert 'obj[0][0][0]' in str(e.value)


def test_weights_only_is_accepted_as_in_torch_load(tmp_path):
    path = tmp_path / 'w.pt'
    obj = {'w': mg.randn(3), 'step': 4}
    mg.save(obj, path)
    for flag in (True, False, None):
        _assert_same(obj, mg.load(path, weights_only=flag))
        _assert_same(obj, mg.load(path, map_location='cpu', weights_only=flag))
    with pytest.raises(TypeError, match="weights_only must be True, False or None, got str 'yes'"):
        mg.load(path, weights_only='yes')

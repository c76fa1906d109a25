"""Devices: names, the default device (set_default_device, MINIGRAD_DEVICE), clear errors when
CUDA is missing, mixed-device errors, and CPU-vs-GPU agreement when a GPU is there."""
import os
import subprocess
import sys

import numpy as np
import pytest

import minigrad as mg
from minigrad import backend
from minigrad.backend import Device
from test_ops_cases import CASES, case_params

HAS_CUDA = mg.cuda.is_available()
no_cuda = pytest.mark.skipif(HAS_CUDA, reason='tests the errors of a machine without a usable GPU')
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_cuda_is_available_is_a_bool():
    assert isinstance(mg.cuda.is_available(), bool)
    assert isinstance(mg.cuda.device_count(), int)
    assert (mg.cuda.device_count() > 0) == mg.cuda.is_available()
    mg.cuda.synchronize()          # a no-op without a GPU


def test_device_names():
    assert Device('cpu') == 'cpu' and Device('CPU') == Device('cpu')
    assert str(Device('cuda:1')) == 'cuda:1' and Device('cuda:1').index == 1
    assert Device('cuda').type == 'cuda' and Device('cuda') == 'cuda:0'
    assert Device('cuda:1') != 'cuda:0' and Device('cpu') != 'cuda'
    assert hash(Device('cuda')) == hash(Device('cuda:0'))
    assert mg.device('cpu') == Device(Device('cpu'))
    assert repr(Device('cuda:2')) == "device(type='cuda', index=2)"
    for bad in ('tpu', 'cuda:x', 'cpu:1'):
        with pytest.raises(ValueError, match='device'):
            Device(bad)
    with pytest.raises(TypeError):
        Device(3)


def test_default_device_is_cpu_here_and_can_be_set_to_cpu():
    if not os.environ.get('MINIGRAD_DEVICE'):
        assert mg.get_default_device() == 'cpu'
    mg.set_default_device('cpu')
    assert mg.get_default_device() == 'cpu' and mg.zeros(2).device == 'cpu'


def _assert_helpful_cuda_error(excinfo):
    msg = str(excinfo.value)
    assert excinfo.type is RuntimeError
    assert 'cuda' in msg and ('CuPy' in msg or 'GPU' in msg)
    assert "device='cpu'" in msg or 'is_available' in msg          # says what to do instead


@no_cuda
@pytest.mark.parametrize('make', [
    lambda: mg.tensor([1.0], device='cuda'),
    lambda: mg.tensor(np.ones(2), device='cuda:0'),
    lambda: mg.tensor([1.0]).to('cuda'),
    lambda: mg.tensor([1.0]).cuda(),
    lambda: mg.zeros(2, device='cuda'),
    lambda: mg.ones(2, device='cuda'),
    lambda: mg.rand(2, device='cuda'),
    lambda: mg.randn(2, device='cuda'),
    lambda: mg.arange(3, device='cuda'),
    lambda: mg.randint(0, 3, (2,), device='cuda'),
    lambda: mg.set_default_device('cuda'),
], ids=['tensor', 'tensor-np', 'to', 'cuda()', 'zeros', 'ones', 'rand', 'randn', 'arange', 'randint',
        'set_default_device'])
def test_asking_for_cuda_without_a_gpu_is_a_clear_error(make):
    with pytest.raises(RuntimeError) as excinfo:
        make()
    _assert_helpful_cuda_error(excinfo)
    assert mg.get_default_device() == 'cpu'            # a failed set_default_device changes nothing


@no_cuda
def test_missing_cupy_error_says_how_to_install(monkeypatch):
    monkeypatch.setattr(backend, '_cupy', None)
    monkeypatch.setattr(backend, '_cupy_error', None)
    monkeypatch.setitem(sys.modules, 'cupy', None)       # import cupy -> ImportError
    with pytest.raises(RuntimeError) as excinfo:
        mg.zeros(1, device='cuda')
    _assert_helpful_cuda_error(excinfo)
    assert 'pip install' in str(excinfo.value)
    assert not mg.cuda.is_available()


@no_cuda
def test_new_tensors_go_to_the_default_device(monkeypatch):
    # a default device of 'cuda' (as set by MINIGRAD_DEVICE=cuda) is honoured by every factory:
    # here, without a GPU, that shows as the clear CUDA error
    monkeypatch.setattr(backend, '_default_device', Device('cuda'))
    for make in (lambda: mg.tensor([1.0]), lambda: mg.tensor(np.ones(2)), lambda: mg.zeros(2),
                 lambda: mg.randn(2), lambda: mg.arange(2), lambda: mg.full((2,), 1.0)):
        with pytest.raises(RuntimeError) as excinfo:
            make()
        _assert_helpful_cuda_error(excinfo)
    assert mg.zeros(2, device='cpu').device == 'cpu'       # an explicit device still wins


def test_minigrad_device_environment_variable(monkeypatch):
    monkeypatch.setattr(backend, '_default_device', None)
    monkeypatch.setenv('MINIGRAD_DEVICE', 'cpu')
    assert mg.get_default_device() == 'cpu' and mg.zeros(1).device == 'cpu'
    monkeypatch.setattr(backend, '_default_device', None)
    monkeypatch.setenv('MINIGRAD_DEVICE', 'tpu')
    with pytest.raises(ValueError, match="'tpu'.*MINIGRAD_DEVICE"):
        mg.zeros(1)


def _run(code, **env):
    e = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get('PYTHONPATH', ''), **env)
    return subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, env=e,
                          cwd=ROOT, timeout=120)


def test_minigrad_device_in_a_fresh_process():
    code = 'import minigrad as mg; print(mg.zeros(1).device, mg.tensor([1.0]).device)'
    r = _run(code, MINIGRAD_DEVICE='cpu')
    assert r.returncode == 0 and r.stdout.split() == ['cpu', 'cpu'], r.stderr
    r = _run(code, MINIGRAD_DEVICE='cuda')
    if HAS_CUDA:
        assert r.returncode == 0 and r.stdout.split() == ['cuda:0', 'cuda:0'], r.stderr
    else:
        assert r.returncode != 0
        last = r.stderr.strip().splitlines()[-1]
        assert last.startswith('RuntimeError') and 'cuda' in last and 'CuPy' in last
        assert 'MINIGRAD_DEVICE' in last                     # says where 'cuda' came from
        assert 'During handling' not in r.stderr and 'ImportError' not in r.stderr


# ---------------------------------------------------------------- mixing devices

class FakeCudaArray(np.ndarray):
    """A NumPy array that claims to live on cuda:0 (backend.device_of is patched to say so)."""


@pytest.fixture
def fake_gpu(monkeypatch):
    real = backend.device_of

    def device_of(a):
        return Device('cuda:0') if isinstance(a, FakeCudaArray) else real(a)
    monkeypatch.setattr(backend, 'device_of', device_of)

    def on_gpu(values, requires_grad=False):
        t = mg.Tensor._wrap(np.asarray(values, np.float32).view(FakeCudaArray))
        t.requires_grad = requires_grad
        return t
    return on_gpu


@pytest.mark.parametrize('op', [
    lambda c, g: c + g, lambda c, g: g * c, lambda c, g: c @ g, lambda c, g: mg.cat([c, g]),
    lambda c, g: mg.stack([g, c]), lambda c, g: mg.maximum(c, g), lambda c, g: c ** g,
    lambda c, g: c > g, lambda c, g: mg.where(c > 0, c, g),
], ids=['add', 'mul', 'matmul', 'cat', 'stack', 'maximum', 'pow', 'compare', 'where'])
def test_mixing_devices_names_both_and_the_fix(fake_gpu, op):
    c = mg.tensor([1.0, 2.0], requires_grad=True)
    g = fake_gpu([3.0, 4.0])
    assert g.device == 'cuda:0' and c.device == 'cpu'
    with pytest.raises(RuntimeError) as excinfo:
        op(c, g)
    msg = str(excinfo.value)
    assert 'cpu' in msg and 'cuda:0' in msg and '.to(' in msg


def test_mixing_devices_in_where_condition_and_index(fake_gpu):
    c = mg.tensor([1.0, 2.0])
    with pytest.raises(RuntimeError, match=r"cuda:0.*cpu.*\.to\("):
        mg.where(mg.Tensor._wrap(np.array([True, False]).view(FakeCudaArray)), c, c)
    with pytest.raises(RuntimeError, match=r"cuda:0.*cpu.*\.to\("):
        c[mg.Tensor._wrap(np.array([0, 1]).view(FakeCudaArray))]


def test_python_scalars_work_with_any_device(fake_gpu):
    g = fake_gpu([1.0, 2.0])
    for out in (g * 2.0, 2.0 + g, g / 3, g ** 2, 1.5 ** g, -g):
        assert out.device == 'cuda:0'


# ---------------------------------------------------------------- on a GPU

@pytest.mark.requires_cuda
@pytest.mark.parametrize('case', case_params(CASES))
def test_cuda_matches_cpu(case):
    arrays = case.arrays(np.float32)
    cpu = [mg.tensor(a, requires_grad=True) for a in arrays]
    out_cpu = case.fn(mg, *cpu)
    g = np.random.default_rng(0).standard_normal(out_cpu.shape).astype(out_cpu.dtype)
    out_cpu.backward(mg.tensor(g))
    mg.set_default_device('cuda')               # also puts the cases' index/mask tensors there
    gpu = [mg.tensor(a, requires_grad=True) for a in arrays]
    out_gpu = case.fn(mg, *gpu)
    assert out_gpu.device == 'cuda:0' and out_gpu.dtype == out_cpu.dtype
    out_gpu.backward(mg.tensor(g))
    np.testing.assert_allclose(out_gpu.numpy(), out_cpu.numpy(), rtol=1e-4, atol=1e-5)
    for c, d in zip(cpu, gpu):
        assert d.grad.device == 'cuda:0' and d.grad.dtype == c.grad.dtype
        np.testing.assert_allclose(d.grad.numpy(), c.grad.numpy(), rtol=1e-4, atol=1e-5)


@pytest.mark.requires_cuda
def test_cuda_transfers_and_errors():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = x.to('cuda')
    assert y.device == 'cuda:0' and y.grad_fn is not None and y.to('cuda') is y
    z = (y * y).sum()
    assert isinstance(z.item(), float) and isinstance(z.numpy(), np.ndarray)
    z.backward()
    assert x.grad.device == 'cpu'
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 4.0])
    c = y.cpu()
    assert c.device == 'cpu'
    with pytest.raises(RuntimeError, match=r'cuda:0.*\.to\('):
        x + y
    with pytest.raises(IndexError):
        y[mg.tensor([5], device='cuda')]
    assert mg.tensor(y.array).device == 'cuda:0'        # a CuPy array stays on its GPU
    assert 'cuda' in repr(y)


@pytest.mark.requires_cuda
def test_cuda_random_is_reproducible_and_default_device_works():
    mg.manual_seed(7)
    a = mg.randn(5, device='cuda').numpy()
    mg.manual_seed(7)
    np.testing.assert_array_equal(mg.randn(5, device='cuda').numpy(), a)
    mg.set_default_device('cuda')
    assert mg.zeros(2).device == 'cuda:0' and mg.tensor([1.0]).device == 'cuda:0'
    assert mg.tensor(np.ones(2)).device == 'cuda:0'


# ---------------------------------------------------------------- glibc malloc tuning

def _malloc_state(env_value):
    env = dict(os.environ)
    env.pop('MINIGRAD_MALLOC_TUNING', None)
    if env_value is not None:
        env['MINIGRAD_MALLOC_TUNING'] = env_value
    code = ('import resource, numpy as np, minigrad\n'
            'a = np.ones(1 << 23); del a\n'                     # 64 MB: above glibc's own ceiling
            'r0 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt\n'
            'for _ in range(5):\n'
            '    a = np.ones(1 << 23); del a\n'
            'r1 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt\n'
            'print(minigrad.backend.malloc_tuned, r1 - r0)')
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, env=env,
                         cwd=root, check=True)
    tuned, faults = out.stdout.split()
    return tuned == 'True', int(faults)


@pytest.mark.skipif(not sys.platform.startswith('linux'), reason='glibc only')
def test_malloc_tuning_keeps_freed_blocks_mapped_and_can_be_turned_off():
    import ctypes
    if not hasattr(ctypes.CDLL(None), 'gnu_get_libc_version'):
        pytest.skip('not glibc')
    tuned, faults = _malloc_state(None)
    assert tuned
    off, faults_off = _malloc_state('0')
    assert not off
    # each fresh 64 MB mapping faults its pages in again (fewer with transparent huge pages)
    assert faults * 4 < faults_off, (faults, faults_off)

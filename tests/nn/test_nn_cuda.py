"""nn on the GPU (CuPy): skipped unless CuPy imports and a GPU is usable."""
import numpy as np
import pytest

import minigrad as mg
from minigrad import nn
import minigrad.nn.functional as F


def _cuda_ok():
    try:
        return bool(mg.cuda.is_available())
    except Exception:
        return False


pytestmark = pytest.mark.skipif(not _cuda_ok(), reason='needs CuPy and a CUDA GPU')


def _model():
    return nn.Sequential(nn.Conv2d(2, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(),
                         nn.MaxPool2d(2), nn.Flatten(), nn.Dropout(0.0), nn.Linear(4 * 4 * 4, 5))


def test_module_to_cuda_keeps_parameters_and_matches_cpu():
    mg.manual_seed(0)
    cpu = _model()
    gpu = _model()
    gpu.load_state_dict(cpu.state_dict())
    params = list(gpu.parameters())
    assert gpu.to('cuda') is gpu
    assert [id(p) for p in gpu.parameters()] == [id(p) for p in params]
    assert all(p.device.type == 'cuda' for p in gpu.parameters())
    assert all(b.device.type == 'cuda' for b in gpu.buffers())
    x = np.random.default_rng(0).standard_normal((6, 2, 8, 8)).astype(np.float32)
    y = np.array([0, 1, 2, 3, 4, 0])
    losses = []
    for m, dev in ((cpu, 'cpu'), (gpu, 'cuda')):
        loss = F.cross_entropy(m(mg.tensor(x, device=dev)), mg.tensor(y, device=dev),
                               label_smoothing=0.1)
        loss.backward()
        losses.append(loss.item())
    assert losses[0] == pytest.approx(losses[1], rel=1e-4)
    for (k, p), q in zip(cpu.named_parameters(), gpu.parameters()):
        assert q.grad.device.type == 'cuda'
        np.testing.assert_allclose(q.grad.numpy(), p.grad.numpy(), rtol=1e-3, atol=1e-5, err_msg=k)
    for k, v in cpu.state_dict().items():
        np.testing.assert_allclose(gpu.state_dict()[k].numpy(), v.numpy(), rtol=1e-4, atol=1e-6,
                                   err_msg=k)
    assert gpu.cpu() is gpu and all(p.device == 'cpu' for p in gpu.parameters())


def test_load_state_dict_moves_values_to_the_module_device():
    m = nn.Linear(3, 2).to('cuda')
    m.load_state_dict({'weight': np.ones((2, 3), np.float32), 'bias': mg.zeros(2)})
    assert m.weight.device.type == 'cuda' and float(m.weight.numpy().sum()) == 6


def test_dropout_and_losses_on_gpu():
    mg.manual_seed(0)
    x = mg.ones(100, 100, device='cuda', requires_grad=True)
    y = F.dropout(x, 0.25)
    kept = (y.numpy() != 0).mean()
    assert abs(kept - 0.75) < 0.02
    y.sum().backward()
    assert x.grad.device.type == 'cuda'
    with pytest.raises(IndexError, match='Target 3 is out of bounds for 3 classes'):
        F.cross_entropy(mg.zeros(2, 3, device='cuda'), mg.tensor([0, 3], device='cuda'))
    with pytest.raises(RuntimeError, match='cuda.*cpu|cpu.*cuda'):
        F.cross_entropy(mg.zeros(2, 3, device='cuda'), mg.tensor([0, 1]))
    a = mg.randn(4, 3, device='cuda', requires_grad=True)
    F.mse_loss(a, mg.zeros(4, 3, device='cuda')).backward()
    F.nll_loss(a.log_softmax(1), mg.tensor([0, 1, 2, 1], device='cuda')).backward()
    assert a.grad.device.type == 'cuda'

"""nn.utils.weight_norm / spectral_norm (and their remove_*) and LPPool1d/2d against torch:
state-dict names, outputs, gradients, power-iteration buffers, removal."""
import numpy as np
import pytest

import minigrad as mg
from minigrad import nn
from minigrad.testing import gradcheck

torch = pytest.importorskip('torch')


def rand(*shape, seed=0, dtype=np.float32):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def twins(make):
    m, t = make(nn), make(torch.nn)
    m.load_state_dict({k: v.detach().numpy() for k, v in t.state_dict().items()})
    return m, t


LAYERS = [(lambda L: L.Linear(3, 4), (2, 3), 0), (lambda L: L.Conv1d(2, 3, 3), (2, 2, 5), 0),
          (lambda L: L.Linear(3, 4), (2, 3), None),
          (lambda L: L.ConvTranspose2d(2, 3, 3), (2, 2, 4, 4), 1)]


@pytest.mark.filterwarnings("ignore:`torch.nn.utils.weight_norm` is deprecated")
@pytest.mark.parametrize('make,shape,dim', LAYERS, ids=['linear', 'conv1d', 'whole', 'convt'])
def test_weight_norm_matches_torch(make, shape, dim):
    m, t = twins(make)
    nn.utils.weight_norm(m, dim=dim)
    torch.nn.utils.weight_norm(t, dim=dim)
    assert list(m.state_dict()) == list(t.state_dict())
    x = rand(*shape)
    y, ty = m(mg.tensor(x)), t(torch.tensor(x))
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-5, atol=1e-6)
    y.sum().backward()
    ty.sum().backward()
    for k in ('weight_g', 'weight_v'):
        np.testing.assert_allclose(getattr(m, k).grad.numpy(), getattr(t, k).grad.numpy(),
                                   rtol=1e-5, atol=1e-5, err_msg=k)
    nn.utils.remove_weight_norm(m)
    torch.nn.utils.remove_weight_norm(t)
    assert list(m.state_dict()) == list(t.state_dict())
    np.testing.assert_allclose(m.weight.detach().numpy(), t.weight.detach().numpy(), atol=1e-6)
    assert isinstance(m.weight, nn.Parameter)


@pytest.mark.parametrize('make,shape', [(lambda L: L.Linear(3, 4), (2, 3)),
                                        (lambda L: L.ConvTranspose2d(2, 3, 3), (2, 2, 4, 4)),
                                        (lambda L: L.Conv2d(2, 3, 3), (2, 2, 4, 4))],
                         ids=['linear', 'convt', 'conv'])
def test_spectral_norm_matches_torch(make, shape):
    torch.manual_seed(0)
    m, t = twins(make)
    nn.utils.spectral_norm(m, n_power_iterations=2)
    torch.nn.utils.spectral_norm(t, n_power_iterations=2)
    assert list(m.state_dict()) == list(t.state_dict())
    m.load_state_dict({k: v.detach().numpy() for k, v in t.state_dict().items()})  # same u, v
    x = rand(*shape)
    for _ in range(3):                                   # each training forward iterates once more
        y, ty = m(mg.tensor(x)), t(torch.tensor(x))
        y.sum().backward()
        ty.sum().backward()
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(m.weight_u.numpy(), t.weight_u.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(m.weight_orig.grad.numpy(), t.weight_orig.grad.numpy(),
                               rtol=1e-4, atol=1e-5)
    u = m.weight_u.numpy().copy()
    m.eval()
    m(mg.tensor(x))
    np.testing.assert_array_equal(m.weight_u.numpy(), u)          # eval: no iteration
    sigma = np.linalg.svd(m.weight.detach().numpy().reshape(m.weight.shape[0], -1)
                          if not isinstance(m, nn.ConvTranspose2d) else
                          m.weight.detach().numpy().transpose(1, 0, 2, 3).reshape(3, -1),
                          compute_uv=False)[0]
    assert sigma >= 1 - 1e-5       # power iteration underestimates sigma: ||W / estimate|| >= 1
    nn.utils.remove_spectral_norm(m)
    torch.nn.utils.remove_spectral_norm(t.eval())
    assert list(m.state_dict()) == list(t.state_dict())
    np.testing.assert_allclose(m.weight.detach().numpy(), t.weight.detach().numpy(), atol=1e-6)


def test_norm_errors():
    m = nn.utils.weight_norm(nn.Linear(2, 2))
    with pytest.raises(RuntimeError, match='Cannot register two weight_norm hooks'):
        nn.utils.weight_norm(m)
    with pytest.raises(ValueError, match="spectral_norm of 'weight' not found"):
        nn.utils.remove_spectral_norm(nn.Linear(2, 2))
    with pytest.raises(ValueError, match="has no parameter 'kernel'"):
        nn.utils.spectral_norm(nn.Linear(2, 2), name='kernel')


@pytest.mark.parametrize('make,shape', [(lambda L: L.LPPool2d(2, 3), (2, 3, 7, 8)),
                                        (lambda L: L.LPPool2d(1.5, (2, 3), (1, 2)), (2, 3, 7, 8)),
                                        (lambda L: L.LPPool2d(3, 2, None, True), (2, 3, 7, 8)),
                                        (lambda L: L.LPPool1d(2, 3, 2), (2, 3, 9))])
def test_lp_pool_matches_torch_and_gradchecks(make, shape):
    m, t = make(nn), make(torch.nn)
    assert repr(m) == repr(t)
    x = np.abs(rand(*shape)) + 0.1
    X, tX = mg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y, ty = m(X), t(tX)
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-5, atol=1e-6)
    y.sum().backward()
    ty.sum().backward()
    np.testing.assert_allclose(X.grad.numpy(), tX.grad.numpy(), rtol=1e-5, atol=1e-6)
    assert gradcheck(m, [mg.tensor(x.astype(np.float64), requires_grad=True)])

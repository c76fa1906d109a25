"""nn.utils.parametrize (register/remove, chained, the tutorial's Symmetric) and
nn.utils.parametrizations.weight_norm / spectral_norm against torch."""
import numpy as np
import pytest

import minigrad as mg
from minigrad import nn
from minigrad.nn.utils import parametrize as P

torch = pytest.importorskip('torch')


def rand(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def twins(make):
    m, t = make(nn), make(torch.nn)
    m.load_state_dict({k: v.detach().numpy() for k, v in t.state_dict().items()})
    return m, t


@pytest.mark.parametrize('which', ['weight_norm', 'spectral_norm'])
@pytest.mark.parametrize('make,shape', [(lambda L: L.Linear(3, 4), (2, 3)),
                                        (lambda L: L.Conv2d(2, 3, 3), (2, 2, 5, 5)),
                                        (lambda L: L.ConvTranspose2d(2, 3, 3), (2, 2, 4, 4))],
                         ids=['linear', 'conv', 'convt'])
def test_parametrizations_match_torch(which, make, shape):
    m, t = twins(make)
    getattr(nn.utils.parametrizations, which)(m)
    getattr(torch.nn.utils.parametrizations, which)(t)
    assert type(m).__name__ == type(t).__name__
    assert list(m.state_dict()) == list(t.state_dict())
    m.load_state_dict({k: v.detach().numpy() for k, v in t.state_dict().items()})
    x = rand(*shape)
    for _ in range(2):
        y, ty = m(mg.tensor(x)), t(torch.tensor(x))
        y.sum().backward()
        ty.sum().backward()
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-5, atol=1e-5)
    theirs = dict(t.named_parameters())
    assert list(dict(m.named_parameters())) == list(theirs)
    for k, p in m.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), theirs[k].grad.numpy(), rtol=1e-4, atol=1e-5,
                                   err_msg=k)
    P.remove_parametrizations(m, 'weight')
    torch.nn.utils.parametrize.remove_parametrizations(t, 'weight')
    assert type(m) is make(nn).__class__ and list(m.state_dict()) == list(t.state_dict())
    np.testing.assert_allclose(m.weight.detach().numpy(), t.weight.detach().numpy(), atol=1e-5)


class Symmetric(nn.Module):                       # the parametrizations tutorial's example
    def forward(self, X):
        return X.triu() + X.triu(1).transpose(-1, -2)


class Scale(nn.Module):
    def forward(self, X):
        return X * 2.0


def test_register_parametrization_tutorial_example():
    layer = nn.Linear(3, 3)
    P.register_parametrization(layer, 'weight', Symmetric())
    w = layer.weight.numpy()
    np.testing.assert_array_equal(w, w.T)                        # symmetric on every access
    assert P.is_parametrized(layer) and P.is_parametrized(layer, 'weight')
    assert not P.is_parametrized(layer, 'bias')
    assert P.type_before_parametrizations(layer) is nn.Linear
    opt = mg.optim.SGD(layer.parameters(), lr=0.1)
    layer(mg.ones(2, 3)).pow(2).sum().backward()
    opt.step()                                                   # trains 'original'
    w = layer.weight.numpy()
    np.testing.assert_array_equal(w, w.T)
    P.register_parametrization(layer, 'weight', Scale())          # chained after Symmetric
    np.testing.assert_allclose(layer.weight.numpy(), 2 * w)
    with P.cached():
        assert layer.weight.shape == (3, 3)
    P.remove_parametrizations(layer, 'weight')
    assert type(layer) is nn.Linear and isinstance(layer.weight, nn.Parameter)
    np.testing.assert_allclose(layer.weight.numpy(), 2 * w)
    with pytest.raises(ValueError, match="has no parameter or buffer with name 'kernel'"):
        P.register_parametrization(layer, 'kernel', Scale())
    with pytest.raises(ValueError, match='does not have a parametrization on weight'):
        P.remove_parametrizations(layer, 'weight')

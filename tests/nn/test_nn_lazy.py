"""Lazy modules (LazyLinear, LazyConv*d, LazyConvTranspose*d, LazyBatchNorm*d): sizes inferred
at the first forward as PyTorch, placeholders materialized in place (an optimizer built before
works), state dicts load into them, reprs and shapes as torch's."""
import numpy as np
import pytest

import minigrad as mg
import minigrad.nn.functional as F
from minigrad import nn
from nn_helpers import copy_from_torch, run_parity


def randn(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def d2l_net(nn):
    return nn.Sequential(nn.LazyConv2d(6, 5, padding=2), nn.LazyBatchNorm2d(), nn.Sigmoid(),
                         nn.AvgPool2d(2, 2), nn.Flatten(), nn.LazyLinear(10))


def test_lazy_shapes_and_reprs_match_torch():
    torch = pytest.importorskip('torch')
    m, t = d2l_net(nn), d2l_net(torch.nn)
    assert repr(m) == repr(t)
    x = randn(2, 3, 8, 8)
    m(mg.tensor(x))
    t(torch.tensor(x))
    assert repr(m) == repr(t)                 # now Conv2d(3, 6, ...), BatchNorm2d(6), Linear(96, 10)
    assert [type(a).__name__ for a in m] == [type(b).__name__ for b in t]
    assert [(k, p.shape) for k, p in m.named_parameters()] == \
        [(k, tuple(p.shape)) for k, p in t.named_parameters()]
    assert [(k, b.shape) for k, b in m.named_buffers()] == \
        [(k, tuple(b.shape)) for k, b in t.named_buffers()]
    copy_from_torch(m, t)
    run_parity(m, t, randn(2, 3, 8, 8, seed=1), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize('make,shape', [
    (lambda nn: nn.LazyConv1d(4, 3, stride=2), (2, 3, 9)),
    (lambda nn: nn.LazyConvTranspose1d(4, 3, stride=2, groups=2), (2, 6, 5)),
    (lambda nn: nn.LazyConvTranspose2d(4, 4, 2, 1, bias=False), (2, 3, 4, 4)),
    (lambda nn: nn.LazyBatchNorm1d(momentum=None), (4, 3)),
    (lambda nn: nn.LazyLinear(7, bias=False), (2, 5, 3)),
], ids=['conv1d', 'convt1d', 'convt2d', 'bn1d', 'linear'])
def test_each_lazy_layer_becomes_torchs(make, shape):
    torch = pytest.importorskip('torch')
    m, t = make(nn), make(torch.nn)
    assert repr(m) == repr(t)
    x = randn(*shape)
    m(mg.tensor(x))
    t(torch.tensor(x))
    assert repr(m) == repr(t) and type(m).__name__ == type(t).__name__
    copy_from_torch(m, t)
    run_parity(m, t, x, rtol=1e-4, atol=1e-5)


def test_placeholders_materialize_in_place_and_initialise():
    mg.manual_seed(0)
    m = nn.LazyLinear(64)
    w = m.weight
    assert isinstance(w, nn.UninitializedParameter) and m.has_uninitialized_params()
    opt = mg.optim.SGD(m.parameters(), lr=0.1)            # built before the first forward
    x = mg.tensor(randn(8, 100))
    loss = m(x).pow(2).mean()
    assert type(m) is nn.Linear and m.in_features == 100
    assert m.weight is w and type(w) is nn.Parameter and w.shape == (64, 100)
    bound = 1 / np.sqrt(100)
    assert 0.9 * bound < np.abs(w.numpy()).max() <= bound     # Linear's default init
    before = w.numpy().copy()
    loss.backward()
    opt.step()
    assert not np.array_equal(before, w.numpy())              # the optimizer trained it
    m64 = nn.LazyConv2d(2, 3, dtype=mg.float64)
    assert m64(mg.zeros(1, 4, 5, 5, dtype=mg.float64)).dtype == np.float64
    assert m64.weight.dtype == np.float64


def test_apply_init_after_first_forward_d2l_style():
    net = nn.Sequential(nn.LazyLinear(8), nn.ReLU(), nn.LazyLinear(1))
    net(mg.rand(2, 4))

    def init_normal(module):
        if type(module) is nn.Linear:
            nn.init.normal_(module.weight, mean=0, std=0.01)
            nn.init.zeros_(module.bias)
    net.apply(init_normal)
    assert net[0].weight.shape == (8, 4) and net[2].weight.shape == (1, 8)
    assert float(net[0].bias.abs().sum().item()) == 0.0
    assert np.abs(net[0].weight.numpy()).max() < 0.1


def test_state_dict_loads_into_a_lazy_model():
    mg.manual_seed(0)
    src = d2l_net(nn)
    src(mg.tensor(randn(2, 3, 8, 8)))
    dst = d2l_net(nn)
    result = dst.load_state_dict(src.state_dict())
    assert result.missing_keys == [] and result.unexpected_keys == []
    x = mg.tensor(randn(1, 3, 8, 8, seed=1))
    np.testing.assert_array_equal(dst.eval()(x).numpy(), src.eval()(x).numpy())
    assert repr(dst) == repr(src)                             # loaded weights kept, not re-drawn


def test_lazy_errors():
    with pytest.raises(RuntimeError, match=r'LazyConv2d: the input has 3 channels .* not '
                                           r'divisible by groups=2'):
        nn.LazyConv2d(4, 3, groups=2)(mg.zeros(1, 3, 5, 5))
    with pytest.raises(RuntimeError, match=r'LazyConv2d: expected a 3-D or 4-D input, got shape'):
        nn.LazyConv2d(4, 3)(mg.zeros(3, 5))
    m = nn.LazyLinear(3)
    m(mg.zeros(2, 4))
    with pytest.raises(RuntimeError, match=r'Linear\(in_features=4\): expected input with last '
                                           r'dimension 4, got shape \(2, 5\)'):
        m(mg.zeros(2, 5))
    assert F.linear(mg.zeros(2, 4), m.weight, m.bias).shape == (2, 3)


@pytest.mark.parametrize('make', [lambda L: L.BatchNorm3d(3), lambda L: L.InstanceNorm3d(3, affine=True),
                                  lambda L: L.LazyBatchNorm3d()], ids=['bn3d', 'in3d', 'lazybn3d'])
def test_3d_normalisation_matches_torch(make):
    torch = pytest.importorskip('torch')
    m, t = make(nn), make(torch.nn)
    assert repr(m) == repr(t)
    x = randn(2, 3, 4, 5, 6)
    if 'Lazy' in repr(m):
        m(mg.tensor(x))
        t(torch.tensor(x))
    copy_from_torch(m, t)
    run_parity(m, t, x, rtol=1e-4, atol=1e-5)                 # training: batch statistics
    m.eval()
    t.eval()
    run_parity(m, t, randn(2, 3, 4, 5, 6, seed=1), rtol=1e-4, atol=1e-5)


def test_deepcopy_of_an_uninitialised_model_stays_lazy():
    import copy
    a = nn.Sequential(nn.LazyLinear(3), nn.LazyBatchNorm1d())
    b = copy.deepcopy(a)
    assert b(mg.ones(2, 5)).shape == (2, 3) and a(mg.ones(2, 7)).shape == (2, 3)
    assert b[0].in_features == 5 and a[0].in_features == 7

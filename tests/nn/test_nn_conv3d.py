"""Conv3d, MaxPool3d, AvgPool3d (composed from the 2-D ops) against torch, gradcheck, errors."""
import numpy as np
import pytest

import minigrad as mg
import minigrad.nn.functional as F
from minigrad import nn
from minigrad.testing import gradcheck
from nn_helpers import copy_from_torch, run_parity

torch = pytest.importorskip('torch')


def randn(*shape, seed=0, dtype=np.float32):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


CONVS = [dict(kernel_size=3),
         dict(kernel_size=(3, 2, 3), stride=(2, 1, 2), padding=(1, 0, 1), dilation=(1, 2, 1)),
         dict(kernel_size=3, padding='same', groups=2, bias=False),
         dict(kernel_size=2, padding='same')]


@pytest.mark.filterwarnings('ignore:Using padding=.same. with even kernel')
@pytest.mark.parametrize('kw', CONVS, ids=[str(i) for i in range(len(CONVS))])
def test_conv3d_matches_torch(kw):
    m, t = nn.Conv3d(4, 6, **kw), torch.nn.Conv3d(4, 6, **kw)
    assert repr(m) == repr(t) and m.weight.shape == tuple(t.weight.shape)
    copy_from_torch(m, t)
    run_parity(m, t, randn(2, 4, 6, 7, 5), rtol=1e-4, atol=1e-5)
    run_parity(m, t, randn(4, 5, 5, 5, seed=1), rtol=1e-4, atol=1e-5)          # unbatched


POOLS = [lambda L: L.MaxPool3d(2), lambda L: L.MaxPool3d(3, 2, 1, ceil_mode=True),
         lambda L: L.MaxPool3d((2, 3, 2), dilation=(2, 1, 1)), lambda L: L.AvgPool3d(2),
         lambda L: L.AvgPool3d(3, 2, 1),
         lambda L: L.AvgPool3d(3, 2, 1, ceil_mode=True, count_include_pad=False),
         lambda L: L.AvgPool3d((3, 2, 2), (2, 2, 1), (1, 1, 0), ceil_mode=True)]


@pytest.mark.parametrize('make', POOLS, ids=[str(i) for i in range(len(POOLS))])
def test_pool3d_matches_torch(make):
    m, t = make(nn), make(torch.nn)
    assert repr(m) == repr(t)
    run_parity(m, t, randn(2, 4, 6, 7, 5), check_params=False)


def test_3d_gradcheck_and_errors():
    x = mg.tensor(randn(1, 2, 4, 4, 3, dtype=np.float64), requires_grad=True)
    w = mg.tensor(randn(2, 2, 2, 3, 2, seed=1, dtype=np.float64), requires_grad=True)
    assert gradcheck(lambda x, w: F.conv3d(x, w, stride=(1, 2, 1), padding=1), [x, w])
    assert gradcheck(lambda x: F.avg_pool3d(x, 2, 1, 1, count_include_pad=False), [x])
    with pytest.raises(RuntimeError, match=r'Conv3d\(in_channels=3\): expected input of shape '
                                           r'\(N, 3, D, H, W\)'):
        nn.Conv3d(3, 2, 3)(mg.zeros(1, 2, 4, 4, 4))
    with pytest.raises(RuntimeError, match=r'conv3d: expected a 4-D \(C, D, H, W\) or 5-D'):
        F.conv3d(mg.zeros(2, 4, 4), w)
    with pytest.raises(NotImplementedError, match='return_indices=True is not supported'):
        F.max_pool3d(x, 2, return_indices=True)
    with pytest.raises(TypeError, match='kernel_size must be an int or a 3-tuple'):
        nn.Conv3d(2, 2, (3, 3))


@pytest.mark.parametrize('make', [lambda L: L.AdaptiveAvgPool3d(1),
                                  lambda L: L.AdaptiveAvgPool3d((3, None, 2)),
                                  lambda L: L.AdaptiveAvgPool3d((4, 4, 3))], ids=['1', 'none', 'up'])
def test_adaptive_avg_pool3d_matches_torch(make):
    m, t = make(nn), make(torch.nn)
    assert repr(m) == repr(t)
    run_parity(m, t, randn(2, 4, 7, 6, 5), check_params=False)
    run_parity(m, t, randn(4, 7, 6, 5, seed=1), check_params=False)


def test_lazy_conv3d_becomes_conv3d():
    m, t = nn.LazyConv3d(3, 2), torch.nn.LazyConv3d(3, 2)
    x = randn(2, 4, 5, 5, 5)
    m(mg.tensor(x))
    t(torch.tensor(x))
    assert type(m) is nn.Conv3d and repr(m) == repr(t)
    copy_from_torch(m, t)
    run_parity(m, t, x, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize('make', [lambda L: L.AdaptiveMaxPool3d(2),
                                  lambda L: L.AdaptiveMaxPool3d((3, None, 2)),
                                  lambda L: L.LPPool3d(2, 2),
                                  lambda L: L.LPPool3d(1.5, (2, 3, 2), (1, 2, 2))],
                         ids=['amax', 'amax_none', 'lp', 'lp_stride'])
def test_more_3d_pools_match_torch(make):
    m, t = make(nn), make(torch.nn)
    assert repr(m) == repr(t)
    run_parity(m, t, np.abs(randn(2, 3, 7, 6, 5)) + 0.1, check_params=False)


@pytest.mark.parametrize('name,shape', [('LazyInstanceNorm1d', (2, 3, 8)),
                                        ('LazyInstanceNorm2d', (2, 3, 4, 4)),
                                        ('LazyInstanceNorm3d', (2, 3, 3, 3, 3))])
def test_lazy_instance_norm_matches_torch(name, shape):
    m, t = getattr(nn, name)(), getattr(torch.nn, name)()
    assert repr(m) == repr(t)
    x = randn(*shape)
    m(mg.tensor(x))
    t(torch.tensor(x))
    assert repr(m) == repr(t)
    copy_from_torch(m, t)
    run_parity(m, t, x, rtol=1e-4, atol=1e-5)
    u = getattr(nn, name)()
    assert u(mg.tensor(x[0])).shape == x.shape[1:] and u.num_features == 3   # unbatched: dim 0


@pytest.mark.filterwarnings('ignore:`NLLLoss2d` has been deprecated')
def test_nll_loss_2d_is_nll_loss():
    logp = nn.functional.log_softmax(mg.tensor(randn(2, 4, 3, 3)), 1)
    target = mg.tensor(np.random.default_rng(0).integers(0, 4, (2, 3, 3)))
    assert repr(nn.NLLLoss2d()) == repr(torch.nn.NLLLoss2d())
    assert nn.NLLLoss2d()(logp, target).item() == nn.NLLLoss()(logp, target).item()
    with pytest.warns(FutureWarning, match='NLLLoss2d'):
        nn.NLLLoss2d()


CT3 = [dict(kernel_size=3), dict(kernel_size=4, stride=2, padding=1),
       dict(kernel_size=(3, 2, 3), stride=(2, 1, 3), dilation=(2, 1, 1), padding=(2, 0, 1),
            output_padding=(1, 0, 2), groups=2, bias=False)]


@pytest.mark.parametrize('kw', CT3, ids=[str(i) for i in range(len(CT3))])
def test_conv_transpose3d_matches_torch(kw):
    m, t = nn.ConvTranspose3d(4, 6, **kw), torch.nn.ConvTranspose3d(4, 6, **kw)
    assert repr(m) == repr(t) and m.weight.shape == tuple(t.weight.shape)
    copy_from_torch(m, t)
    x = randn(2, 4, 3, 4, 5)
    run_parity(m, t, x, rtol=1e-4, atol=1e-5)
    run_parity(m, t, x[0], rtol=1e-4, atol=1e-5)


def test_conv_transpose3d_output_size_lazy_gradcheck():
    m, t = nn.ConvTranspose3d(4, 2, 3, stride=2), torch.nn.ConvTranspose3d(4, 2, 3, stride=2)
    copy_from_torch(m, t)
    x = randn(2, 4, 3, 4, 5)
    assert m(mg.tensor(x), output_size=(8, 10, 12)).shape == \
        tuple(t(torch.tensor(x), output_size=(8, 10, 12)).shape)
    lazy, tlazy = nn.LazyConvTranspose3d(2, 3), torch.nn.LazyConvTranspose3d(2, 3)
    lazy(mg.tensor(x))
    tlazy(torch.tensor(x))
    assert repr(lazy) == repr(tlazy) and type(lazy) is nn.ConvTranspose3d
    X = mg.tensor(randn(1, 2, 2, 3, 2, dtype=np.float64), requires_grad=True)
    W = mg.tensor(randn(2, 2, 2, 2, 3, seed=1, dtype=np.float64), requires_grad=True)
    assert gradcheck(lambda x, w: F.conv_transpose3d(x, w, stride=(2, 1, 2), padding=(1, 0, 1),
                                                     output_padding=(1, 0, 0)), [X, W])
    with pytest.raises(RuntimeError, match='output_padding must be smaller than either stride'):
        F.conv_transpose3d(X, W, stride=1, output_padding=1)

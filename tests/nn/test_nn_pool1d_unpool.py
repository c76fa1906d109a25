"""1-D pooling, AdaptiveMaxPool2d, MaxUnpool1d/2d, the in-place activation functions, RReLU and
DataParallel: gradcheck, PyTorch parity (values, indices, gradients, reprs), errors."""
import numpy as np
import pytest

import minigrad as mg
import minigrad.nn.functional as F
from minigrad import nn
from minigrad.testing import gradcheck
from nn_helpers import close, copy_from_torch, run_parity

torch = pytest.importorskip('torch')


def randn(*shape, seed=0, dtype=np.float32):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


POOLS = [
    (lambda nn: nn.MaxPool1d(3), (2, 3, 10)),
    (lambda nn: nn.MaxPool1d(3, 2, 1, dilation=2, ceil_mode=True), (2, 3, 11)),
    (lambda nn: nn.AvgPool1d(3, 2, 1, count_include_pad=False), (2, 3, 10)),
    (lambda nn: nn.AvgPool1d(4, ceil_mode=True), (3, 10)),
    (lambda nn: nn.AdaptiveAvgPool1d(4), (2, 3, 10)),
    (lambda nn: nn.AdaptiveMaxPool1d(3), (2, 3, 10)),
    (lambda nn: nn.AdaptiveMaxPool2d((2, 3)), (2, 3, 5, 7)),
    (lambda nn: nn.AdaptiveMaxPool2d(4), (3, 8, 8)),
]


@pytest.mark.parametrize('make,shape', POOLS, ids=[str(i) for i in range(len(POOLS))])
def test_pool_layers_match_torch_and_gradcheck(make, shape):
    m, t = make(nn), make(torch.nn)
    assert repr(m) == repr(t)
    run_parity(m, t, randn(*shape), check_params=False)
    m64 = make(nn)
    assert gradcheck(m64, [mg.tensor(randn(*shape, seed=2, dtype=np.float64), requires_grad=True)])


def test_pools_return_indices_like_torch():
    x = randn(2, 3, 10)
    for fn in ('max_pool1d_with_indices', 'adaptive_max_pool1d_with_indices'):
        args = (3,) if fn.startswith('max') else (4,)
        (y, i), (ty, ti) = getattr(F, fn)(mg.tensor(x), *args), getattr(
            torch.nn.functional, fn)(torch.tensor(x), *args)
        close(y, ty)
        np.testing.assert_array_equal(i.numpy(), ti.numpy())
        assert i.dtype == np.int64
    y, i = nn.MaxPool1d(2, return_indices=True)(mg.tensor(x))
    assert i.shape == y.shape == (2, 3, 5)


@pytest.mark.parametrize('dims', [1, 2])
def test_max_unpool_matches_torch_and_inverts_the_pool(dims):
    shape = (2, 3, 9) if dims == 1 else (2, 3, 7, 9)
    x = np.abs(randn(*shape)) + 0.1                       # positive: the maxima beat the zeros
    pool = {1: (nn.MaxPool1d, torch.nn.MaxPool1d, nn.MaxUnpool1d, torch.nn.MaxUnpool1d),
            2: (nn.MaxPool2d, torch.nn.MaxPool2d, nn.MaxUnpool2d, torch.nn.MaxUnpool2d)}[dims]
    p, tp = pool[0](2, return_indices=True), pool[1](2, return_indices=True)
    u, tu = pool[2](2), pool[3](2)
    assert repr(u) == repr(tu)
    y, idx = p(mg.tensor(x))
    ty, tidx = tp(torch.tensor(x))
    Y, tY = mg.tensor(y.numpy(), requires_grad=True), torch.tensor(ty.numpy(), requires_grad=True)
    size = shape[2:]                                      # the odd size the pool dropped
    out, tout = u(Y, idx, output_size=size), tu(tY, tidx, output_size=size)
    close(out, tout)
    assert out.shape == shape
    g = randn(*shape, seed=3)
    out.backward(mg.tensor(g))
    tout.backward(torch.tensor(g))
    close(Y.grad, tY.grad)
    again, _ = p(out)                                     # pooling the unpooled gives y back
    np.testing.assert_array_equal(again.numpy(), y.numpy())
    assert gradcheck(lambda v: F.max_unpool2d(v, idx, 2, output_size=size) if dims == 2
                     else F.max_unpool1d(v, idx, 2, output_size=size),
                     [mg.tensor(y.numpy().astype(np.float64), requires_grad=True)])


def test_unpool_and_pool1d_errors():
    y, idx = F.max_pool2d(mg.tensor(randn(1, 1, 4, 4)), 2, return_indices=True)
    with pytest.raises(RuntimeError, match=r'indices of the same shape, got input of shape '
                                           r'\(1, 1, 2, 2\) and indices of shape \(1, 1, 4\)'):
        F.max_unpool2d(y, idx.reshape(1, 1, 4), 2)
    with pytest.raises(ValueError, match=r'invalid output_size \(9, 9\)'):
        F.max_unpool2d(y, idx, 2, output_size=(9, 9))
    with pytest.raises(RuntimeError, match=r'found an invalid max index \d+ \(output volume '
                                           r'of size \(2, 2\) has 4'):
        F.max_unpool2d(y, idx, 1)
    with pytest.raises(RuntimeError, match=r'max_pool1d: expected a 2-D \(C, L\) or 3-D '
                                           r'\(N, C, L\) input, got a 4-D'):
        F.max_pool1d(mg.zeros(1, 1, 4, 4), 2)
    with pytest.raises(TypeError, match='kernel_size must be an int or a 1-tuple'):
        F.avg_pool1d(mg.zeros(1, 1, 4), (2, 2))


@pytest.mark.parametrize('name,args', [('relu_', ()), ('elu_', (0.5,)), ('leaky_relu_', (0.2,)),
                                       ('hardtanh_', (-0.5, 0.5)), ('threshold_', (0.1, 2.0)),
                                       ('selu_', ()), ('celu_', (0.7,)),
                                       ('rrelu_', (0.1, 0.3, False))])
def test_inplace_functions_write_into_their_input_like_torch(name, args):
    x = randn(20)
    a, t = mg.tensor(x.copy()), torch.tensor(x.copy())
    assert getattr(F, name)(a, *args) is a
    getattr(torch.nn.functional, name)(t, *args)
    close(a, t, 1e-6, 1e-6)


def test_rrelu():
    m, t = nn.RReLU(0.1, 0.3), torch.nn.RReLU(0.1, 0.3)
    assert repr(m) == repr(t) and repr(nn.RReLU(inplace=True)) == repr(torch.nn.RReLU(inplace=True))
    x = mg.tensor(randn(4000))
    mg.manual_seed(0)
    y = m(x)
    slopes = (y / x).numpy()[x.numpy() < 0]
    assert 0.1 <= slopes.min() < 0.11 and 0.29 < slopes.max() <= 0.3      # drawn in [lower, upper]
    np.testing.assert_array_equal(y.numpy()[x.numpy() >= 0], x.numpy()[x.numpy() >= 0])
    mg.manual_seed(0)
    np.testing.assert_array_equal(m(x).numpy(), y.numpy())                 # same seed, same draw
    m.eval()
    t.eval()
    close(m(x), t(torch.tensor(x.numpy())))
    xg = mg.tensor(randn(6, dtype=np.float64), requires_grad=True)
    assert gradcheck(lambda v: (mg.manual_seed(3), F.rrelu(v, training=True))[1], [xg])
    with pytest.raises(ValueError, match='expected 0 <= lower <= upper'):
        F.rrelu(x, 0.5, 0.1)


def test_data_parallel_wraps_like_torch():
    m, t = nn.DataParallel(nn.Linear(3, 2)), torch.nn.DataParallel(torch.nn.Linear(3, 2))
    assert repr(m) == repr(t)
    assert list(m.state_dict()) == list(t.state_dict()) == ['module.weight', 'module.bias']
    copy_from_torch(m, t)
    run_parity(m, t, randn(4, 3))
    assert nn.parallel.data_parallel(m.module, mg.ones(2, 3)).shape == (2, 2)


@pytest.mark.parametrize('make', [lambda L: L.MaxPool2d(2), lambda L: L.MaxPool2d(3, 2, 1),
                                  lambda L: L.MaxPool2d(2, return_indices=False, ceil_mode=True),
                                  lambda L: L.AdaptiveMaxPool2d(2), lambda L: L.MaxPool1d(2)],
                         ids=['2x2', '3x3s2', 'ceil', 'adaptive', '1d'])
def test_max_pool_then_inplace_relu_backward_like_torch(make):
    """torch keeps the pool's indices, not its output, so an in-place ReLU after it is fine."""
    shape = (2, 3, 7, 6) if not isinstance(make(nn), nn.MaxPool1d) else (2, 3, 8)
    x = randn(*shape)
    X, tX = mg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    (nn.ReLU(inplace=True)(make(nn)(X)) * 2).sum().backward()
    (torch.nn.ReLU(inplace=True)(make(torch.nn)(tX)) * 2).sum().backward()
    close(X.grad, tX.grad)

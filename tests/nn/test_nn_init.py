"""nn.init: gains as PyTorch's, distributions with the right bounds/std, seeding, in-place."""
import math

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn
from minigrad.nn import init


@pytest.mark.parametrize('name,param', [('linear', None), ('conv2d', None), ('sigmoid', None),
                                        ('tanh', None), ('relu', None), ('leaky_relu', None),
                                        ('leaky_relu', 0.2), ('leaky_relu', math.sqrt(5)),
                                        ('selu', None)])
def test_calculate_gain_matches_torch(name, param):
    torch = pytest.importorskip('torch')
    assert init.calculate_gain(name, param) == pytest.approx(torch.nn.init.calculate_gain(name, param))


def test_calculate_gain_errors():
    with pytest.raises(ValueError, match='Unsupported nonlinearity gelu'):
        init.calculate_gain('gelu')
    with pytest.raises(ValueError, match='not a valid number'):
        init.calculate_gain('leaky_relu', 'x')


def _check_uniform(w, bound):
    sigma = bound / math.sqrt(3)
    assert np.abs(w).max() <= bound * (1 + 1e-6)
    assert np.abs(w).max() > 0.98 * bound
    assert abs(w.std() - sigma) < 5 * sigma / math.sqrt(2 * w.size)


def _check_normal(w, std):
    assert abs(w.mean()) < 5 * std / math.sqrt(w.size)
    assert abs(w.std() - std) < 5 * std / math.sqrt(2 * w.size)


def test_kaiming_and_xavier_statistics():
    mg.manual_seed(0)
    w = mg.empty(64, 32, 3, 3)                       # fan_in 288, fan_out 576
    fan_in, fan_out = 32 * 9, 64 * 9
    assert init.kaiming_uniform_(w) is w
    _check_uniform(w.numpy(), math.sqrt(3) * math.sqrt(2) / math.sqrt(fan_in))    # a=0: slope 0
    init.kaiming_uniform_(w, a=math.sqrt(5))         # the layers' default: bound 1/sqrt(fan_in)
    _check_uniform(w.numpy(), 1 / math.sqrt(fan_in))
    init.kaiming_uniform_(w, mode='fan_out', nonlinearity='relu')
    _check_uniform(w.numpy(), math.sqrt(3) * math.sqrt(2) / math.sqrt(fan_out))
    init.kaiming_normal_(w, nonlinearity='relu')
    _check_normal(w.numpy(), math.sqrt(2) / math.sqrt(fan_in))
    init.kaiming_normal_(w, a=0.1, mode='fan_out')
    _check_normal(w.numpy(), math.sqrt(2 / 1.01) / math.sqrt(fan_out))
    init.xavier_uniform_(w, gain=2.0)
    _check_uniform(w.numpy(), 2.0 * math.sqrt(6 / (fan_in + fan_out)))
    init.xavier_normal_(w)
    _check_normal(w.numpy(), math.sqrt(2 / (fan_in + fan_out)))
    init.uniform_(w, -3, 1)
    assert w.numpy().min() >= -3 and w.numpy().max() < 1 and abs(w.numpy().mean() + 1) < 0.05
    init.normal_(w, 2.0, 0.5)
    _check_normal(w.numpy() - 2.0, 0.5)
    assert w.dtype == np.float32


def test_constant_inits_work_on_parameters_in_place():
    p = nn.Parameter(mg.empty(3, 4))
    arr = p.array
    assert init.zeros_(p) is p and (p.numpy() == 0).all()
    assert init.ones_(p) is p and (p.numpy() == 1).all()
    init.constant_(p, 2.5)
    assert (p.numpy() == 2.5).all() and p.array is arr
    init.kaiming_uniform_(p)                           # no error for a leaf that requires grad
    assert p.requires_grad and p.grad_fn is None and p.array is arr


def test_init_is_seeded_and_keeps_dtype():
    a, b = mg.empty(5, 5, dtype=mg.float64), mg.empty(5, 5, dtype=mg.float64)
    mg.manual_seed(11)
    init.xavier_normal_(a)
    mg.manual_seed(11)
    init.xavier_normal_(b)
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert a.dtype == np.float64


def test_fan_errors():
    with pytest.raises(ValueError, match='fewer than 2 dimensions'):
        init.xavier_uniform_(mg.empty(5))
    with pytest.raises(ValueError, match='Mode fan_avg not supported'):
        init.kaiming_uniform_(mg.empty(3, 3), mode='fan_avg')
    with pytest.warns(UserWarning, match='zero-element'):
        init.kaiming_uniform_(mg.empty(0, 3))


def test_conv_default_init_bounds_like_torch():
    torch = pytest.importorskip('torch')
    mg.manual_seed(0)
    m, t = nn.Conv2d(16, 32, 3), torch.nn.Conv2d(16, 32, 3)
    bound = 1 / math.sqrt(16 * 9)
    _check_uniform(m.weight.numpy(), bound)
    assert np.abs(m.bias.numpy()).max() <= bound
    assert abs(m.weight.numpy().std() - t.weight.detach().numpy().std()) < 0.05 * bound
    g = nn.Conv2d(8, 8, 3, groups=4)                 # fan_in = in/groups * k * k
    assert np.abs(g.weight.numpy()).max() <= 1 / math.sqrt(2 * 9)


def _pdf(x):
    return math.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)


def _cdf(x):
    return 0.5 * (1 + math.erf(x / math.sqrt(2)))


def truncated_normal_moments(mean, std, a, b):
    """(mean, variance) of N(mean, std^2) restricted to [a, b]."""
    al, be = (a - mean) / std, (b - mean) / std
    z = _cdf(be) - _cdf(al)
    m = mean + std * (_pdf(al) - _pdf(be)) / z
    v = std ** 2 * (1 + (al * _pdf(al) - be * _pdf(be)) / z - ((_pdf(al) - _pdf(be)) / z) ** 2)
    return m, v


def test_trunc_normal_bounds_moments_and_seed():
    mg.manual_seed(3)
    w = mg.empty(200, 300)
    v = w._version
    assert init.trunc_normal_(w, mean=0.5, std=2.0, a=-1.0, b=3.0) is w
    a = w.numpy()
    assert w._version > v and w.dtype == np.float32
    assert a.min() >= -1.0 and a.max() <= 3.0 and a.min() < -0.99 and a.max() > 2.99
    mean, var = truncated_normal_moments(0.5, 2.0, -1.0, 3.0)
    assert abs(a.mean() - mean) < 5 * math.sqrt(var / a.size)
    assert abs(a.var() - var) < 5 * var * math.sqrt(2 / a.size)
    mg.manual_seed(3)
    np.testing.assert_array_equal(init.trunc_normal_(mg.empty(200, 300), 0.5, 2.0, -1.0, 3.0).numpy(), a)


@pytest.mark.parametrize('shape,gain', [((6, 10), 1.0), ((10, 6), 2.0), ((4, 3, 2, 2), 0.5)])
def test_orthogonal_rows_or_columns_are_orthonormal(shape, gain):
    w = init.orthogonal_(mg.empty(*shape, dtype=mg.float64), gain=gain)
    m = w.numpy().reshape(shape[0], -1)
    small = m @ m.T if m.shape[0] <= m.shape[1] else m.T @ m
    np.testing.assert_allclose(small, gain ** 2 * np.eye(small.shape[0]), atol=1e-12)


def test_eye_and_dirac_equal_torch():
    torch = pytest.importorskip('torch')
    np.testing.assert_array_equal(init.eye_(mg.empty(3, 5)).numpy(),
                                  torch.nn.init.eye_(torch.empty(3, 5)).numpy())
    for shape, groups in (((4, 2, 3, 3), 1), ((6, 2, 3), 2), ((2, 3, 1, 3, 3), 1), ((4, 4, 2, 2), 2)):
        ours = init.dirac_(mg.ones(*shape), groups=groups).numpy()
        np.testing.assert_array_equal(ours, torch.nn.init.dirac_(torch.ones(*shape), groups).numpy())
    with pytest.raises(ValueError, match='2 dimensions'):
        init.eye_(mg.empty(2, 2, 2))


def test_generator_argument_is_checked():
    with pytest.raises(TypeError, match='generator must be an mg.Generator'):
        init.kaiming_uniform_(mg.empty(3, 3), generator=object())
    init.normal_(mg.empty(2), generator=None)            # torch's default is accepted


@pytest.mark.parametrize('fn,args', [
    (init.uniform_, (-0.5, 0.5)), (init.normal_, (0.0, 2.0)), (init.xavier_uniform_, ()),
    (init.xavier_normal_, ()), (init.kaiming_uniform_, ()), (init.kaiming_normal_, ()),
    (init.trunc_normal_, (0.0, 1.0, -0.5, 0.5)), (init.orthogonal_, ()),
])
def test_init_draws_from_an_mg_generator(fn, args):
    """generator= as torch's: the same seed fills the same values, the global generator is
    left alone."""
    mg.manual_seed(0)
    untouched = mg.rand(4).numpy()
    mg.manual_seed(0)
    a = fn(mg.empty(6, 5), *args, generator=mg.Generator().manual_seed(11)).numpy()
    b = fn(mg.empty(6, 5), *args, generator=mg.Generator().manual_seed(11)).numpy()
    c = fn(mg.empty(6, 5), *args, generator=mg.Generator().manual_seed(12)).numpy()
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    np.testing.assert_array_equal(mg.rand(4).numpy(), untouched)


def test_tensor_uniform_and_normal_take_a_generator():
    for method in ('uniform_', 'normal_'):
        a = getattr(mg.empty(5), method)(generator=mg.Generator().manual_seed(1)).numpy()
        b = getattr(mg.empty(5), method)(generator=mg.Generator().manual_seed(1)).numpy()
        np.testing.assert_array_equal(a, b)

"""ConvTranspose2d / ConvTranspose1d / Conv1d and their functions: gradcheck, PyTorch parity
(forward, input/weight/bias gradients, init, repr), output_size, and clear errors."""
import numpy as np
import pytest

import minigrad as mg
import minigrad.nn.functional as F
from minigrad import nn
from minigrad.ops.conv_transpose import transposed_out_size
from minigrad.testing import gradcheck
from nn_helpers import close, copy_from_torch, run_parity


def randn(*shape, seed=0, dtype=np.float32):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


T2_CASES = [
    dict(in_channels=3, out_channels=4, kernel_size=3),
    dict(in_channels=4, out_channels=2, kernel_size=4, stride=2, padding=1),          # DCGAN
    dict(in_channels=3, out_channels=2, kernel_size=(3, 2), stride=(2, 3), padding=(1, 0),
         output_padding=(1, 2)),
    dict(in_channels=4, out_channels=6, kernel_size=3, stride=2, groups=2, bias=False),
    dict(in_channels=2, out_channels=3, kernel_size=3, stride=2, dilation=2, output_padding=1),
    dict(in_channels=2, out_channels=2, kernel_size=3, dilation=3, output_padding=2, stride=1),
]


def test_transposed_out_size_matches_the_formula():
    assert transposed_out_size(4, 4, 2, 1, 0, 1) == 8           # DCGAN doubles the size
    assert transposed_out_size(1, 4, 1, 0, 0, 1) == 4           # 1x1 latent -> 4x4


@pytest.mark.parametrize('kw', T2_CASES, ids=[str(i) for i in range(len(T2_CASES))])
def test_conv_transpose2d_gradcheck(kw):
    m = nn.ConvTranspose2d(**kw, dtype=np.float64)
    x = mg.tensor(randn(2, kw['in_channels'], 4, 3, dtype=np.float64), requires_grad=True)
    params = [m.weight] + ([m.bias] if m.bias is not None else [])
    opts = dict(stride=m.stride, padding=m.padding, output_padding=m.output_padding,
                groups=m.groups, dilation=m.dilation)
    assert gradcheck(lambda x, w, *b: F.conv_transpose2d(x, w, *(b or (None,)), **opts),
                     [x] + params)


@pytest.mark.parametrize('kw', T2_CASES, ids=[str(i) for i in range(len(T2_CASES))])
def test_conv_transpose2d_parity(kw):
    torch = pytest.importorskip('torch')
    m, t = nn.ConvTranspose2d(**kw), torch.nn.ConvTranspose2d(**kw)
    assert m.weight.shape == tuple(t.weight.shape)
    assert repr(m) == repr(t)
    copy_from_torch(m, t)
    y = run_parity(m, t, randn(2, kw['in_channels'], 5, 4), rtol=1e-4, atol=1e-5)
    assert y.dtype == np.float32
    run_parity(m, t, randn(kw['in_channels'], 3, 3), rtol=1e-4, atol=1e-5)     # unbatched


def test_conv_transpose2d_output_size():
    torch = pytest.importorskip('torch')
    m, t = nn.ConvTranspose2d(3, 2, 3, stride=2, padding=1), torch.nn.ConvTranspose2d(3, 2, 3, 2, 1)
    copy_from_torch(m, t)
    x = randn(1, 3, 5, 5)
    for size in [(10, 10), (9, 10), [1, 2, 10, 9]]:
        y, ty = m(mg.tensor(x), output_size=size), t(torch.tensor(x), output_size=size)
        assert y.shape == tuple(ty.shape)
        np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match=r'requested an output size of \(20, 20\), but valid '
                                         r'sizes range from \(9, 9\) to \(10, 10\)'):
        m(mg.tensor(x), output_size=(20, 20))


def test_conv_transpose2d_init_matches_torch_bounds():
    mg.manual_seed(0)
    m = nn.ConvTranspose2d(64, 8, 4)
    bound = 1 / np.sqrt(8 * 4 * 4)            # fan_in = out_channels/groups * kh * kw, as torch
    w, b = m.weight.numpy(), m.bias.numpy()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.9 * bound
    assert np.abs(b).max() <= bound


def test_conv_transpose2d_errors():
    m = nn.ConvTranspose2d(4, 3, 3)
    with pytest.raises(RuntimeError, match=r'ConvTranspose2d\(in_channels=4\): expected input of '
                                           r'shape \(N, 4, H, W\).*got shape \(1, 5, 5, 5\)'):
        m(mg.zeros(1, 5, 5, 5))
    with pytest.raises(RuntimeError, match=r'expected input of shape .*got shape \(4, 5\)'):
        m(mg.zeros(4, 5))
    w = mg.zeros(4, 3, 3, 3)
    with pytest.raises(RuntimeError, match=r'conv_transpose2d: weight of shape \(4, 3, 3, 3\) '
                                           r'expects input with 4 channels, got 5'):
        F.conv_transpose2d(mg.zeros(1, 5, 5, 5), w)
    with pytest.raises(RuntimeError, match='output_padding must be smaller than either stride'):
        F.conv_transpose2d(mg.zeros(1, 4, 5, 5), w, stride=2, output_padding=2)
    with pytest.raises(RuntimeError, match=r'groups=3 must divide weight.shape\[0\]'):
        F.conv_transpose2d(mg.zeros(1, 4, 5, 5), w, groups=3)
    with pytest.raises(RuntimeError, match=r'bias must have shape \(3,\)'):
        F.conv_transpose2d(mg.zeros(1, 4, 5, 5), w, mg.zeros(4))
    with pytest.raises(RuntimeError, match='output size .* is not positive'):
        F.conv_transpose2d(mg.zeros(1, 4, 1, 1), w, padding=2)
    with pytest.raises(ValueError, match='Only "zeros" padding mode'):
        nn.ConvTranspose2d(4, 3, 3, padding_mode='reflect')
    with pytest.raises(ValueError, match='out_channels must be divisible by groups'):
        nn.ConvTranspose2d(4, 3, 3, groups=2)
    with pytest.raises(RuntimeError, match='input dtype .* and weight dtype'):
        F.conv_transpose2d(mg.zeros(1, 4, 5, 5, dtype=mg.float64), w)


T1_CASES = [
    dict(in_channels=3, out_channels=4, kernel_size=3),
    dict(in_channels=4, out_channels=2, kernel_size=4, stride=2, padding=1, output_padding=1),
    dict(in_channels=4, out_channels=6, kernel_size=3, groups=2, dilation=2, bias=False),
]


@pytest.mark.parametrize('kw', T1_CASES, ids=[str(i) for i in range(len(T1_CASES))])
def test_conv_transpose1d_parity_and_gradcheck(kw):
    torch = pytest.importorskip('torch')
    m, t = nn.ConvTranspose1d(**kw), torch.nn.ConvTranspose1d(**kw)
    assert m.weight.shape == tuple(t.weight.shape) and repr(m) == repr(t)
    copy_from_torch(m, t)
    run_parity(m, t, randn(2, kw['in_channels'], 6), rtol=1e-4, atol=1e-5)
    run_parity(m, t, randn(kw['in_channels'], 5), rtol=1e-4, atol=1e-5)
    x = randn(1, kw['in_channels'], 6)
    (k,), (s,), (p,), (d,) = m.kernel_size, m.stride, m.padding, m.dilation
    size = [transposed_out_size(6, k, s, p, 0, d) + s - 1]          # the largest reachable size
    close(m(mg.tensor(x), output_size=size), t(torch.tensor(x), output_size=size), 1e-4, 1e-5)
    m64 = nn.ConvTranspose1d(**kw, dtype=np.float64)
    x = mg.tensor(randn(2, kw['in_channels'], 4, dtype=np.float64), requires_grad=True)
    assert gradcheck(lambda x, w: F.conv_transpose1d(x, w, None, m64.stride, m64.padding,
                                                     m64.output_padding, m64.groups, m64.dilation),
                     [x, m64.weight])


C1_CASES = [
    dict(in_channels=3, out_channels=4, kernel_size=3),
    dict(in_channels=4, out_channels=6, kernel_size=3, stride=2, padding=1, groups=2),
    dict(in_channels=3, out_channels=2, kernel_size=4, padding='same', dilation=2, bias=False),
    dict(in_channels=3, out_channels=2, kernel_size=3, padding=2, padding_mode='reflect'),
    dict(in_channels=3, out_channels=2, kernel_size=3, padding=1, padding_mode='circular'),
]


@pytest.mark.filterwarnings('ignore:Using padding=.same. with even kernel')
@pytest.mark.parametrize('kw', C1_CASES, ids=[str(i) for i in range(len(C1_CASES))])
def test_conv1d_parity(kw):
    torch = pytest.importorskip('torch')
    m, t = nn.Conv1d(**kw), torch.nn.Conv1d(**kw)
    assert m.weight.shape == tuple(t.weight.shape) and repr(m) == repr(t)
    copy_from_torch(m, t)
    run_parity(m, t, randn(2, kw['in_channels'], 9), rtol=1e-4, atol=1e-5)
    run_parity(m, t, randn(kw['in_channels'], 7), rtol=1e-4, atol=1e-5)


def test_conv1d_gradcheck_and_errors():
    x = mg.tensor(randn(2, 4, 7, dtype=np.float64), requires_grad=True)
    w = mg.tensor(randn(6, 2, 3, seed=1, dtype=np.float64), requires_grad=True)
    b = mg.tensor(randn(6, seed=2, dtype=np.float64), requires_grad=True)
    assert gradcheck(lambda x, w, b: F.conv1d(x, w, b, stride=2, padding=1, groups=2), [x, w, b])
    with pytest.raises(RuntimeError, match=r'Conv1d\(in_channels=3\): expected input of shape '
                                           r'\(N, 3, L\) or \(3, L\), got shape \(2, 4, 5\)'):
        nn.Conv1d(3, 2, 3)(mg.zeros(2, 4, 5))
    with pytest.raises(RuntimeError, match=r'conv1d: expected a 2-D \(C, L\) or 3-D \(N, C, L\) '
                                           r'input, got a 4-D input'):
        F.conv1d(mg.zeros(1, 2, 3, 4), mg.zeros(2, 2, 3))
    with pytest.raises(TypeError, match='stride must be an int'):
        F.conv1d(mg.zeros(1, 2, 5), mg.zeros(2, 2, 3), stride=(1, 2))


def test_dcgan_generator_trains():
    """A small DCGAN generator (ConvTranspose2d + BatchNorm2d + ReLU + Tanh) learns to fit a
    fixed target image: the loss falls."""
    mg.manual_seed(0)
    g = nn.Sequential(nn.ConvTranspose2d(8, 16, 4, 1, 0, bias=False), nn.BatchNorm2d(16), nn.ReLU(True),
                      nn.ConvTranspose2d(16, 1, 4, 2, 1, bias=False), nn.Tanh())
    z = mg.randn(4, 8, 1, 1)
    target = mg.tensor(np.tanh(randn(4, 1, 8, 8)))
    opt = mg.optim.Adam(g.parameters(), lr=1e-2)
    losses = []
    for _ in range(30):
        opt.zero_grad()
        loss = F.mse_loss(g(z), target)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert g(z).shape == (4, 1, 8, 8)
    assert losses[-1] < 0.5 * losses[0]

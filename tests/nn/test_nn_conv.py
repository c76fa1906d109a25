"""Conv2d and pooling layers against PyTorch, and a small CNN end to end (loss and gradients)."""
import numpy as np
import pytest

import minigrad as mg
from minigrad import nn
import minigrad.nn.functional as F
from nn_helpers import close, copy_from_torch

torch = pytest.importorskip('torch')
tnn = torch.nn

def randn(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def run_parity(m, t, x_np, rtol=1e-4, atol=1e-5):
    x = mg.tensor(x_np, requires_grad=True)
    tx = torch.tensor(x_np, requires_grad=True)
    y, ty = m(x), t(tx)
    close(y, ty, rtol, atol, 'forward')
    gy = np.random.default_rng(1).standard_normal(y.shape).astype(np.float32)
    y.backward(mg.tensor(gy))
    ty.backward(torch.tensor(gy))
    close(x.grad, tx.grad, rtol, atol, 'input grad')
    ours, theirs = dict(m.named_parameters()), dict(t.named_parameters())
    assert list(ours) == list(theirs)
    for k in ours:
        close(ours[k].grad, theirs[k].grad, rtol, atol, f'grad of {k}')


CONV_CASES = [
    dict(in_channels=3, out_channels=4, kernel_size=3),
    dict(in_channels=3, out_channels=6, kernel_size=(3, 2), stride=(2, 1), padding=(1, 2)),
    dict(in_channels=4, out_channels=6, kernel_size=3, groups=2, dilation=2, padding=2),
    dict(in_channels=3, out_channels=4, kernel_size=4, padding='same', bias=False),
    dict(in_channels=3, out_channels=4, kernel_size=3, padding='valid', stride=2),
    dict(in_channels=3, out_channels=2, kernel_size=3, padding=1, padding_mode='reflect'),
    dict(in_channels=3, out_channels=2, kernel_size=3, padding=(2, 1), padding_mode='replicate'),
    dict(in_channels=3, out_channels=2, kernel_size=3, padding=1, padding_mode='circular'),
    dict(in_channels=3, out_channels=2, kernel_size=2, padding='same', padding_mode='reflect'),
]


@pytest.mark.filterwarnings('ignore:Using padding=.same. with even kernel')
@pytest.mark.parametrize('kw', CONV_CASES, ids=[str(i) for i in range(len(CONV_CASES))])
def test_conv2d_parity(kw):
    m, t = nn.Conv2d(**kw), tnn.Conv2d(**kw)
    copy_from_torch(m, t)
    assert m.weight.shape == tuple(t.weight.shape)
    run_parity(m, t, randn(2, kw['in_channels'], 7, 8))


def test_conv2d_unbatched_and_errors():
    m, t = nn.Conv2d(3, 4, 3), tnn.Conv2d(3, 4, 3)
    copy_from_torch(m, t)
    run_parity(m, t, randn(3, 6, 6))
    with pytest.raises(RuntimeError, match=r'Conv2d\(in_channels=3\): expected input of shape '
                                           r'\(N, 3, H, W\).*got shape \(2, 5, 6, 6\)'):
        m(mg.zeros(2, 5, 6, 6))
    with pytest.raises(ValueError, match='in_channels must be divisible by groups'):
        nn.Conv2d(3, 4, 3, groups=2)
    with pytest.raises(ValueError, match='strided'):
        nn.Conv2d(3, 4, 3, stride=2, padding='same')
    with pytest.raises(ValueError, match='padding_mode'):
        nn.Conv2d(3, 4, 3, padding_mode='mirror')


@pytest.mark.parametrize('make', [
    lambda n: n.MaxPool2d(2), lambda n: n.MaxPool2d(3, stride=2, padding=1),
    lambda n: n.MaxPool2d((2, 3), stride=1, dilation=(1, 2), ceil_mode=True),
    lambda n: n.AvgPool2d(2), lambda n: n.AvgPool2d(3, stride=2, padding=1),
    lambda n: n.AvgPool2d(3, stride=2, padding=1, count_include_pad=False, ceil_mode=True),
    lambda n: n.AdaptiveAvgPool2d(1), lambda n: n.AdaptiveAvgPool2d((3, 2)),
    lambda n: n.AdaptiveAvgPool2d((None, 4))],
    ids=['max2', 'max3s2p1', 'maxdil', 'avg2', 'avg3s2p1', 'avgnopad', 'adapt1', 'adapt32',
         'adaptNone4'])
def test_pool_layers_parity(make):
    m, t = make(nn), make(tnn)
    assert repr(m) == repr(t)
    run_parity(m, t, randn(2, 3, 7, 8) * 2, rtol=1e-5, atol=1e-6)


def test_max_pool_return_indices():
    m, t = nn.MaxPool2d(2, return_indices=True), tnn.MaxPool2d(2, return_indices=True)
    x = randn(1, 2, 4, 4)
    (y, idx), (ty, tidx) = m(mg.tensor(x)), t(torch.tensor(x))
    close(y, ty)
    np.testing.assert_array_equal(idx.numpy(), tidx.numpy())


# ---------------------------------------------------------------- a small CNN end to end

class SmallCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(4, 8, 3), nn.ReLU(), nn.MaxPool2d(2))
        self.classifier = nn.Linear(8 * 3 * 3, 10)

    def forward(self, x):
        return self.classifier(self.features(x).flatten(1))


class TorchSmallCNN(tnn.Module):
    def __init__(self):
        super().__init__()
        self.features = tnn.Sequential(
            tnn.Conv2d(1, 4, 3, padding=1), tnn.ReLU(), tnn.MaxPool2d(2),
            tnn.Conv2d(4, 8, 3), tnn.ReLU(), tnn.MaxPool2d(2))
        self.classifier = tnn.Linear(8 * 3 * 3, 10)

    def forward(self, x):
        return self.classifier(self.features(x).flatten(1))


def test_small_cnn_matches_torch():
    torch.manual_seed(0)
    m, t = SmallCNN(), TorchSmallCNN()
    assert list(m.state_dict()) == list(t.state_dict())
    copy_from_torch(m, t)
    x = randn(8, 1, 16, 16)
    y = np.random.default_rng(3).integers(0, 10, 8)
    loss = F.cross_entropy(m(mg.tensor(x)), mg.tensor(y))
    tloss = torch.nn.functional.cross_entropy(t(torch.tensor(x)), torch.tensor(y))
    loss.backward()
    tloss.backward()
    close(loss, tloss, rtol=1e-5, atol=0)
    for (k, p), (tk, tp) in zip(m.named_parameters(), t.named_parameters()):
        assert k == tk
        g, tg = p.grad.numpy(), tp.grad.numpy()
        # 1e-5 relative to the size of the gradient
        np.testing.assert_allclose(g, tg, rtol=1e-5, atol=1e-5 * np.abs(tg).max(), err_msg=k)
    assert repr(m).replace('SmallCNN', '') == repr(t).replace('TorchSmallCNN', '')


def test_small_cnn_20_sgd_momentum_steps_match_torch():
    """Same weights, same batches: after 20 SGD-momentum steps the weights agree to 1e-4."""
    torch.manual_seed(1)
    m, t = SmallCNN(), TorchSmallCNN()
    copy_from_torch(m, t)
    opt = mg.optim.SGD(m.parameters(), lr=0.05, momentum=0.9)
    topt = torch.optim.SGD(t.parameters(), lr=0.05, momentum=0.9)
    rng = np.random.default_rng(7)
    for _ in range(20):
        x = rng.standard_normal((8, 1, 16, 16)).astype(np.float32)
        y = rng.integers(0, 10, 8)
        opt.zero_grad()
        F.cross_entropy(m(mg.tensor(x)), mg.tensor(y)).backward()
        opt.step()
        topt.zero_grad()
        torch.nn.functional.cross_entropy(t(torch.tensor(x)), torch.tensor(y)).backward()
        topt.step()
    for (k, p), (_, tp) in zip(m.named_parameters(), t.named_parameters()):
        tw = tp.detach().numpy()
        assert not np.allclose(tw, 0)
        np.testing.assert_allclose(p.numpy(), tw, rtol=1e-4, atol=1e-4 * np.abs(tw).max(), err_msg=k)


# one exception type per mistake, whichever door the bad argument comes through
BAD_CONV_ARGS = [
    (dict(stride=0), ValueError, 'non-positive stride'),
    (dict(stride=(1, -1)), ValueError, 'non-positive stride'),
    (dict(dilation=0), ValueError, 'non-positive dilation'),
    (dict(padding=-1), ValueError, 'negative padding'),
    (dict(padding='full'), ValueError, "invalid padding string 'full'"),
    (dict(padding='same', stride=2), ValueError, "padding='same' is not supported for strided"),
    (dict(groups=0), ValueError, 'groups must be a positive integer'),
    (dict(stride='2'), TypeError, 'stride must be an int or a pair'),
    (dict(stride=(1, 2, 3)), TypeError, 'stride must be an int or a pair'),
    (dict(stride=1.5), TypeError, 'stride must be an int or a pair'),
    (dict(padding=True), TypeError, 'padding must be an int or a pair'),
    (dict(groups=1.5), TypeError, 'groups must be a positive integer'),
]


@pytest.mark.parametrize('kw, exc, msg', BAD_CONV_ARGS, ids=lambda v: repr(v)[:30])
def test_conv_bad_arguments_raise_the_same_exception_from_layer_and_function(kw, exc, msg):
    x, w = mg.zeros(1, 2, 6, 6), mg.zeros(2, 2, 3, 3)
    with pytest.raises(exc, match=msg):
        F.conv2d(x, w, **kw)
    with pytest.raises(exc, match=msg):
        nn.Conv2d(2, 2, 3, **kw)(x)


@pytest.mark.parametrize('kw, exc', [(dict(kernel_size=0), ValueError),
                                     (dict(kernel_size=(3, 3, 3)), TypeError),
                                     (dict(kernel_size='3'), TypeError)])
def test_conv_layer_kernel_size_errors_match_the_pair_check(kw, exc):
    with pytest.raises(exc, match='kernel_size'):
        nn.Conv2d(2, 2, **kw)
    with pytest.raises(exc, match='kernel_size'):
        F.max_pool2d(mg.zeros(1, 2, 6, 6), **kw)


def test_conv_and_linear_dtype_and_kind_mismatches_are_runtime_errors():
    x64 = mg.zeros(1, 2, 6, 6, dtype=mg.float64)
    with pytest.raises(RuntimeError, match=r'input dtype \(float64\) and weight dtype \(float32\)'):
        nn.Conv2d(2, 2, 3)(x64)
    with pytest.raises(RuntimeError, match=r'input dtype \(float64\) and weight dtype \(float32\)'):
        nn.Linear(6, 2)(x64)
    with pytest.raises(RuntimeError, match='expected a floating point input, got dtype int64'):
        F.conv2d(mg.zeros(1, 2, 6, 6, dtype=mg.int64), mg.zeros(2, 2, 3, 3, dtype=mg.int64))
    with pytest.raises(RuntimeError, match='expected a floating point input, got dtype int64'):
        F.linear(mg.zeros(2, 3, dtype=mg.int64), mg.zeros(4, 3, dtype=mg.int64))
    with pytest.raises(TypeError, match="argument 'weight' must be a minigrad Tensor"):
        F.conv2d(mg.zeros(1, 2, 6, 6), np.zeros((2, 2, 3, 3), np.float32))

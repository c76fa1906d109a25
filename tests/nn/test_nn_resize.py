"""Upsample / F.interpolate, PixelShuffle, PixelUnshuffle, ChannelShuffle, Unfold / Fold,
LocalResponseNorm, Bilinear, AlphaDropout: gradcheck, PyTorch parity (forward, gradients,
repr), clear errors."""
import numpy as np
import pytest

import minigrad as mg
import minigrad.nn.functional as F
from minigrad import nn
from minigrad.testing import gradcheck
from nn_helpers import close, copy_from_torch, run_parity


def randn(*shape, seed=0, dtype=np.float32):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def t64(*shape, seed=0):
    return mg.tensor(randn(*shape, seed=seed, dtype=np.float64), requires_grad=True)


INTERP = [
    ((2, 3, 5, 7), dict(scale_factor=2)),
    ((2, 3, 5, 7), dict(size=(8, 11))),
    ((2, 3, 5, 7), dict(size=(3, 4))),
    ((2, 3, 5, 7), dict(scale_factor=1.7)),
    ((2, 3, 5, 7), dict(scale_factor=(2, 0.5))),
    ((2, 3, 5, 7), dict(size=(9, 13), mode='nearest-exact')),
    ((2, 3, 5, 7), dict(scale_factor=2, mode='bilinear')),
    ((2, 3, 5, 7), dict(scale_factor=2, mode='bilinear', align_corners=True)),
    ((2, 3, 5, 7), dict(size=(9, 4), mode='bilinear', align_corners=True)),
    ((2, 3, 5, 7), dict(scale_factor=1.7, mode='bilinear')),
    ((2, 3, 5, 7), dict(scale_factor=1.7, mode='bilinear', recompute_scale_factor=True)),
    ((2, 3, 5, 7), dict(size=(1, 1), mode='bilinear', align_corners=True)),
    ((2, 3, 5), dict(scale_factor=3, mode='linear')),
    ((2, 3, 5), dict(size=4, mode='linear', align_corners=True)),
    ((2, 3, 5), dict(size=7)),
    ((1, 2, 3, 4, 5), dict(scale_factor=2, mode='trilinear')),
    ((1, 2, 3, 4, 5), dict(size=(2, 5, 7))),
    ((2, 3, 5, 7), dict(scale_factor=2, mode='bicubic')),
    ((2, 3, 5, 7), dict(size=(9, 4), mode='bicubic', align_corners=True)),
    ((2, 3, 5, 7), dict(scale_factor=1.7, mode='bicubic')),
    ((2, 3, 5, 7), dict(size=(3, 4), mode='area')),
    ((2, 3, 5, 7), dict(size=(11, 9), mode='area')),
    ((2, 3, 7), dict(size=3, mode='area')),
]


@pytest.mark.parametrize('shape,kw', INTERP, ids=[str(i) for i in range(len(INTERP))])
def test_interpolate_parity_and_gradcheck(shape, kw):
    torch = pytest.importorskip('torch')
    x = randn(*shape)
    X, tX = mg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y, ty = F.interpolate(X, **kw), torch.nn.functional.interpolate(tX, **kw)
    close(y, ty, 1e-5, 1e-5, 'forward')
    assert y.dtype == np.float32
    g = randn(*ty.shape, seed=1)
    y.backward(mg.tensor(g))
    ty.backward(torch.tensor(g))
    close(X.grad, tX.grad, 1e-5, 1e-5, 'input grad')
    assert gradcheck(lambda a: F.interpolate(a, **kw), [t64(*shape)])


def test_upsample_modules_match_torch():
    torch = pytest.importorskip('torch')
    pairs = [(nn.Upsample(scale_factor=2), torch.nn.Upsample(scale_factor=2)),
             (nn.Upsample(size=(8, 9), mode='bilinear', align_corners=False),
              torch.nn.Upsample(size=(8, 9), mode='bilinear', align_corners=False)),
             (nn.UpsamplingNearest2d(scale_factor=3), torch.nn.UpsamplingNearest2d(scale_factor=3)),
             (nn.UpsamplingBilinear2d(size=(6, 5)), torch.nn.UpsamplingBilinear2d(size=(6, 5))),
             (nn.PixelShuffle(2), torch.nn.PixelShuffle(2)),
             (nn.PixelUnshuffle(2), torch.nn.PixelUnshuffle(2)),
             (nn.ChannelShuffle(2), torch.nn.ChannelShuffle(2)),
             (nn.Unfold(3, padding=1, stride=2), torch.nn.Unfold(3, padding=1, stride=2)),
             (nn.LocalResponseNorm(3, alpha=1e-2, k=2.0), torch.nn.LocalResponseNorm(3, 1e-2, k=2.0))]
    for m, t in pairs:
        assert repr(m) == repr(t)
        run_parity(m, t, randn(2, 8, 4, 6), check_params=False)
    m, t = nn.Fold((5, 6), 2, stride=1), torch.nn.Fold((5, 6), 2, stride=1)
    assert repr(m) == repr(t)
    run_parity(m, t, randn(2, 12, 20), check_params=False)
    assert nn.Upsample(scale_factor=(2, 3)).scale_factor == (2.0, 3.0)


def test_interpolate_errors():
    x = mg.zeros(1, 2, 4, 4)
    with pytest.raises(ValueError, match='exactly one of size or scale_factor'):
        F.interpolate(x)
    with pytest.raises(ValueError, match='exactly one of size or scale_factor'):
        F.interpolate(x, size=3, scale_factor=2)
    with pytest.raises(NotImplementedError, match=r"mode 'bilinear' needs a 4-D input, got a 3-D"):
        F.interpolate(mg.zeros(1, 2, 4), scale_factor=2, mode='bilinear')
    with pytest.raises(ValueError, match='align_corners option can only be set'):
        F.interpolate(x, scale_factor=2, align_corners=True)
    with pytest.raises(ValueError, match=r'size must have 2 elements .* got \(1, 2, 3\)'):
        F.interpolate(x, size=(1, 2, 3))
    with pytest.raises(NotImplementedError, match="mode 'lanczos' is not supported"):
        F.interpolate(x, scale_factor=2, mode='lanczos')
    with pytest.raises(NotImplementedError, match=r"mode 'bicubic' needs a 4-D input"):
        F.interpolate(mg.zeros(1, 2, 4), scale_factor=2, mode='bicubic')


@pytest.mark.parametrize('fn,shape', [
    (lambda x: F.pixel_shuffle(x, 2), (2, 8, 3, 2)),
    (lambda x: F.pixel_unshuffle(x, 2), (2, 2, 4, 6)),
    (lambda x: F.channel_shuffle(x, 3), (2, 6, 2, 2)),
    (lambda x: F.unfold(x, (2, 3), dilation=(1, 2), padding=1, stride=(2, 1)), (2, 2, 5, 6)),
    (lambda x: F.unfold(x, 2), (2, 4, 3)),
    (lambda x: F.fold(x, (4, 5), 2, padding=1), (2, 8, 30)),
    (lambda x: F.fold(x, (3, 3), 2), (4, 4)),
    (lambda x: F.local_response_norm(x, 3, alpha=0.5, beta=0.75, k=1.0), (2, 5, 3, 2)),
    (lambda x: F.local_response_norm(x, 4, alpha=0.5), (2, 5, 3)),
], ids=['pixel_shuffle', 'pixel_unshuffle', 'channel_shuffle', 'unfold', 'unfold_unbatched',
        'fold', 'fold_unbatched', 'lrn', 'lrn_3d'])
def test_rearrangements_gradcheck(fn, shape):
    assert gradcheck(fn, [t64(*shape)])


def test_fold_is_the_adjoint_of_unfold():
    """<unfold(x), c> == <x, fold(c)> for any x and c."""
    x, c = randn(2, 3, 6, 5, dtype=np.float64), randn(2, 27, 9, seed=1, dtype=np.float64)
    u = F.unfold(mg.tensor(x), 3, padding=1, stride=2).numpy()
    f = F.fold(mg.tensor(c), (6, 5), 3, padding=1, stride=2).numpy()
    assert u.shape == c.shape
    np.testing.assert_allclose((u * c).sum(), (x * f).sum(), rtol=1e-12)


def test_rearrangement_errors():
    with pytest.raises(RuntimeError, match=r'pixel_shuffle: .*divisible by upscale_factor\*\*2 = 4,'
                                           r' got shape \(1, 6, 2, 2\)'):
        F.pixel_shuffle(mg.zeros(1, 6, 2, 2), 2)
    with pytest.raises(RuntimeError, match=r'pixel_unshuffle: .*divisible by downscale_factor=2'):
        F.pixel_unshuffle(mg.zeros(1, 1, 3, 4), 2)
    with pytest.raises(RuntimeError, match=r'channel_shuffle: .*divisible by groups=4'):
        F.channel_shuffle(mg.zeros(1, 6, 2, 2), 4)
    with pytest.raises(RuntimeError, match=r'unfold: expected a 3-D \(C, H, W\) or 4-D'):
        F.unfold(mg.zeros(2, 3), 2)
    with pytest.raises(RuntimeError, match='does not fit the padded input'):
        F.unfold(mg.zeros(1, 1, 2, 2), 3)
    with pytest.raises(RuntimeError, match=r'fold: .*expected size of input.s last dimension to '
                                           r'be 12 blocks, but got 11'):
        F.fold(mg.zeros(1, 4, 11), (4, 5), 2)
    with pytest.raises(RuntimeError, match=r'divisible by the product of kernel_size'):
        F.fold(mg.zeros(1, 5, 12), (4, 5), 2)
    with pytest.raises(ValueError, match='expected 3D or higher dimensionality input'):
        F.local_response_norm(mg.zeros(2, 3), 2)


def test_bilinear_parity_gradcheck_init_errors():
    torch = pytest.importorskip('torch')
    m, t = nn.Bilinear(3, 4, 5), torch.nn.Bilinear(3, 4, 5)
    assert repr(m) == repr(t) and m.weight.shape == tuple(t.weight.shape)
    assert np.abs(m.weight.numpy()).max() <= 1 / np.sqrt(3)
    copy_from_torch(m, t)
    x1, x2 = randn(2, 6, 3), randn(2, 6, 4, seed=1)
    X1, X2 = mg.tensor(x1, requires_grad=True), mg.tensor(x2, requires_grad=True)
    tX1, tX2 = torch.tensor(x1, requires_grad=True), torch.tensor(x2, requires_grad=True)
    y, ty = m(X1, X2), t(tX1, tX2)
    close(y, ty, 1e-5, 1e-5, 'forward')
    y.sum().backward()
    ty.sum().backward()
    for a, b in [(X1.grad, tX1.grad), (X2.grad, tX2.grad), (m.weight.grad, t.weight.grad),
                 (m.bias.grad, t.bias.grad)]:
        close(a, b, 1e-5, 1e-5)
    assert gradcheck(F.bilinear, [t64(4, 3), t64(4, 2, seed=1), t64(5, 3, 2, seed=2),
                                  t64(5, seed=3)])
    assert nn.Bilinear(3, 4, 5, bias=False).bias is None
    with pytest.raises(RuntimeError, match=r'bilinear: weight of shape \(5, 3, 4\) expects '
                                           r'input1 \(\*, 3\) and input2 \(\*, 4\)'):
        m(mg.zeros(2, 3), mg.zeros(2, 5))


def test_alpha_dropout():
    x = mg.tensor(randn(400, 500))
    m = nn.AlphaDropout(0.2)
    assert repr(m) == 'AlphaDropout(p=0.2, inplace=False)'
    mg.manual_seed(0)
    y = m(x).numpy()
    mg.manual_seed(0)
    np.testing.assert_array_equal(m(x).numpy(), y)                   # same seed, same mask
    assert y.dtype == np.float32
    assert abs(y.mean()) < 0.01 and abs(y.std() - 1) < 0.01         # SELU's fixed point kept
    a = ((1.7580993408473766 ** 2 * 0.2 + 1) * 0.8) ** -0.5
    dropped = np.isclose(y, -1.7580993408473766 * a + 1.7580993408473766 * a * 0.2 - 0 * a)
    kept = ~dropped
    assert 0.18 < dropped.mean() < 0.22
    np.testing.assert_allclose(y[kept], a * x.numpy()[kept] + 1.7580993408473766 * a * 0.2,
                               rtol=1e-5, atol=1e-6)
    m.eval()
    assert m(x) is x
    f = nn.FeatureAlphaDropout(0.5)
    yf = f(mg.tensor(randn(4, 6, 3, 3))).numpy()
    const = np.ptp(yf.reshape(24, 9), axis=1) == 0                 # dropped channels are constant
    assert const.any() and not const.all()
    with pytest.raises(ValueError, match='dropout probability has to be between 0 and 1'):
        F.alpha_dropout(x, 1.5, True)
    xg = t64(3, 4)
    mg.manual_seed(1)
    assert gradcheck(lambda v: (mg.manual_seed(1), F.alpha_dropout(v, 0.3, True))[1], [xg])


@pytest.mark.parametrize('make,shape', [
    (lambda L: L.Unfold(2), (0, 3, 4, 4)), (lambda L: L.Fold((4, 4), 2), (0, 12, 9)),
    (lambda L: L.Upsample(scale_factor=2, mode='bilinear'), (0, 3, 4, 4)),
    (lambda L: L.PixelShuffle(2), (0, 4, 2, 2)), (lambda L: L.LocalResponseNorm(2), (0, 3, 4, 4)),
    (lambda L: L.ConvTranspose2d(3, 2, 3, stride=2), (0, 3, 4, 4)),
], ids=['unfold', 'fold', 'upsample', 'pixel_shuffle', 'lrn', 'convtranspose'])
def test_empty_batches_like_torch(make, shape):
    torch = pytest.importorskip('torch')
    x = mg.zeros(*shape, requires_grad=True)
    y = make(nn)(x)
    y.sum().backward()
    assert y.shape == tuple(make(torch.nn)(torch.zeros(*shape)).shape)
    assert x.grad.shape == shape


@pytest.mark.parametrize('p', [2, 1, 3.5, float('inf'), 0])
def test_pdist_matches_torch_including_zero_distances(p):
    torch = pytest.importorskip('torch')
    x = randn(5, 3, dtype=np.float64)
    x[3] = x[1]                                   # a zero distance: zero gradient, not NaN
    X, tX = mg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y, ty = F.pdist(X, p), torch.nn.functional.pdist(tX, p)
    close(y, ty, 1e-10, 1e-12)
    if p:
        y.sum().backward()
        ty.sum().backward()
        close(X.grad, tX.grad, 1e-10, 1e-12)
    if p not in (0, float('inf')):
        assert gradcheck(lambda v: F.pdist(v, p), [t64(4, 3)])
    with pytest.raises(RuntimeError, match='pdist: only supports 2D tensors'):
        F.pdist(mg.zeros(2, 2, 2))

"""GELU, SiLU, LogSigmoid, LayerNorm, GroupNorm, Embedding, Dropout2d: float64 gradcheck and
parity with PyTorch (forward, input gradient, parameter gradients)."""
import math

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn
from minigrad.nn.functional_activation import erf, erfc
from minigrad.testing import gradcheck
import minigrad.nn.functional as F
from nn_helpers import close, copy_from_torch, run_parity

torch = pytest.importorskip('torch')
tnn = torch.nn
TF = torch.nn.functional


def randn(*shape, seed=0, dtype=np.float32, scale=1.0):
    return (np.random.default_rng(seed).standard_normal(shape) * scale).astype(dtype)


def parity(m, t, x_np, rtol=1e-5, atol=1e-6):
    return run_parity(m, t, x_np, rtol, atol, seed=9)


# ---------------------------------------------------------------- activations

def test_erf_matches_math_erf_to_double_precision():
    x = np.concatenate([np.linspace(-8, 8, 4001), [0.0, 2.9999999, 3.0, 3.0000001, np.inf, -np.inf]])
    ref = np.array([math.erf(v) for v in x])
    np.testing.assert_allclose(erf(x), ref, rtol=4e-15, atol=4e-16)
    x = x[np.abs(x) < 26]
    np.testing.assert_allclose(erfc(x), [math.erfc(v) for v in x], rtol=1e-12, atol=0)
    assert erf(x.astype(np.float32)).dtype == np.float32
    assert np.isnan(erf(np.array([np.nan])))[0]


@pytest.mark.parametrize('make,tmake', [
    (lambda: nn.GELU(), lambda: tnn.GELU()),
    (lambda: nn.GELU(approximate='tanh'), lambda: tnn.GELU(approximate='tanh')),
    (lambda: nn.SiLU(), lambda: tnn.SiLU()),
    (lambda: nn.LogSigmoid(), lambda: tnn.LogSigmoid()),
], ids=['gelu', 'gelu-tanh', 'silu', 'logsigmoid'])
@pytest.mark.parametrize('dtype', [np.float32, np.float64])
def test_activation_parity(make, tmake, dtype):
    x = randn(4, 5, 6, dtype=dtype, scale=4.0)
    x[0, 0, :3] = [0.0, 40.0, -40.0]                  # the middle and both tails
    y = parity(make(), tmake(), x, rtol=1e-5 if dtype == np.float32 else 1e-12,
               atol=5e-6 if dtype == np.float32 else 1e-14)   # float32: tanh's rounding at -5
    assert y.dtype == dtype


@pytest.mark.parametrize('fn', [lambda x: F.gelu(x), lambda x: F.gelu(x, approximate='tanh'),
                                F.silu, F.logsigmoid], ids=['gelu', 'gelu-tanh', 'silu', 'logsigmoid'])
def test_activation_gradcheck(fn):
    x = mg.tensor(randn(3, 4, dtype=np.float64, scale=2.0), requires_grad=True)
    assert gradcheck(fn, (x,))


def test_logsigmoid_is_finite_at_the_tails():
    x = mg.tensor([-1000.0, 1000.0, 0.0], dtype=mg.float64, requires_grad=True)
    y = F.logsigmoid(x)
    np.testing.assert_allclose(y.numpy(), [-1000.0, 0.0, -math.log(2)])
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [1.0, 0.0, 0.5])


def test_activation_errors():
    with pytest.raises(ValueError, match="'none' or 'tanh'"):
        nn.GELU(approximate='fast')
    with pytest.raises(RuntimeError, match='floating point'):
        F.gelu(mg.tensor([1, 2]))
    with pytest.raises(TypeError, match='Tensor'):
        F.silu([1.0, 2.0])


# ---------------------------------------------------------------- LayerNorm, GroupNorm

@pytest.mark.parametrize('shape,normalized,kw', [
    ((4, 7), 7, {}),
    ((2, 3, 4, 5), (4, 5), {}),
    ((3, 6), [6], dict(elementwise_affine=False)),
    ((3, 2, 6), 6, dict(bias=False, eps=1e-3)),
])
def test_layer_norm_parity(shape, normalized, kw):
    m, t = nn.LayerNorm(normalized, **kw), tnn.LayerNorm(normalized, **kw)
    with torch.no_grad():
        for p in t.parameters():
            p.copy_(torch.randn(p.shape))      # not the ones/zeros init: test the affine part
    copy_from_torch(m, t)
    parity(m, t, randn(*shape, scale=3.0) + 2.0, rtol=1e-4, atol=1e-5)
    m.zero_grad()
    t.zero_grad()
    parity(m.double(), t.double(), randn(*shape, dtype=np.float64), rtol=1e-10, atol=1e-12)
    assert repr(m) == repr(t)


@pytest.mark.parametrize('shape,groups,kw', [
    ((4, 6, 5, 5), 3, {}),
    ((2, 6, 7), 2, {}),
    ((3, 4), 2, {}),
    ((2, 6, 3, 3), 1, dict(affine=False, eps=1e-3)),
])
def test_group_norm_parity(shape, groups, kw):
    c = shape[1]
    m, t = nn.GroupNorm(groups, c, **kw), tnn.GroupNorm(groups, c, **kw)
    with torch.no_grad():
        for p in t.parameters():
            p.copy_(torch.randn(p.shape))
    copy_from_torch(m, t)
    parity(m, t, randn(*shape, scale=2.0) - 1.0, rtol=1e-4, atol=1e-5)
    m.zero_grad()
    t.zero_grad()
    parity(m.double(), t.double(), randn(*shape, dtype=np.float64), rtol=1e-10, atol=1e-12)
    assert repr(m) == repr(t)


def test_norm_gradcheck():
    x = mg.tensor(randn(2, 4, 3, dtype=np.float64), requires_grad=True)
    w = mg.tensor(randn(4, 3, dtype=np.float64, seed=1), requires_grad=True)
    b = mg.tensor(randn(4, 3, dtype=np.float64, seed=2), requires_grad=True)
    assert gradcheck(lambda x, w, b: F.layer_norm(x, (4, 3), w, b), (x, w, b))
    w4, b4 = (mg.tensor(randn(4, dtype=np.float64, seed=s), requires_grad=True) for s in (3, 4))
    assert gradcheck(lambda x, w, b: F.group_norm(x, 2, w, b), (x, w4, b4))


def test_norm_errors_name_what_was_expected():
    with pytest.raises(RuntimeError, match=r'normalized_shape=\[5\].*\(3, 4\)'):
        nn.LayerNorm(5)(mg.zeros(3, 4))
    with pytest.raises(ValueError, match='divisible'):
        nn.GroupNorm(4, 6)
    with pytest.raises(RuntimeError, match='divisible'):
        F.group_norm(mg.zeros(2, 6, 3), 4)
    with pytest.raises(RuntimeError, match='dtype'):
        nn.LayerNorm(4)(mg.zeros(2, 4, dtype=mg.float64))


# ---------------------------------------------------------------- Embedding

@pytest.mark.parametrize('padding_idx', [None, 2, -1])
def test_embedding_parity(padding_idx):
    m, t = nn.Embedding(7, 4, padding_idx=padding_idx), tnn.Embedding(7, 4, padding_idx=padding_idx)
    assert m.padding_idx == t.padding_idx
    if padding_idx is not None:
        assert not m.weight.numpy()[padding_idx].any()
    with torch.no_grad():
        t.weight.copy_(torch.randn(7, 4))          # the padding row non-zero too
    copy_from_torch(m, t)
    idx = np.array([[0, 2, 6, 2], [6, 6, 1, 3]])
    y, ty = m(mg.tensor(idx)), t(torch.tensor(idx))
    close(y, ty, msg='forward')
    gy = randn(2, 4, 4, seed=3)
    y.backward(mg.tensor(gy))
    ty.backward(torch.tensor(gy))
    close(m.weight.grad, t.weight.grad, msg='weight grad (repeats add up, padding row none)')
    assert repr(m) == repr(t)


def test_embedding_gradcheck_and_from_pretrained():
    w = mg.tensor(randn(5, 3, dtype=np.float64), requires_grad=True)
    idx = mg.tensor([[1, 1, 4], [0, 3, 1]])
    assert gradcheck(lambda w: F.embedding(idx, w), (w,))
    F.embedding(idx, w, padding_idx=3).sum().backward()
    assert not w.grad.numpy()[3].any() and w.grad.numpy()[1].tolist() == [3.0, 3.0, 3.0]
    pre = mg.tensor(randn(5, 3))
    e = nn.Embedding.from_pretrained(pre)
    assert not e.weight.requires_grad and np.array_equal(e(mg.tensor(2)).numpy(), pre.numpy()[2])
    assert nn.Embedding.from_pretrained(pre, freeze=False).weight.requires_grad


def test_embedding_errors():
    e = nn.Embedding(5, 2)
    with pytest.raises(IndexError, match='index 5 is out of range for 5 embeddings'):
        e(mg.tensor([1, 5]))
    with pytest.raises(IndexError, match='-1'):
        e(mg.tensor([-1]))
    with pytest.raises(RuntimeError, match='integer indices'):
        e(mg.tensor([1.0]))
    with pytest.raises(ValueError, match='padding_idx'):
        nn.Embedding(5, 2, padding_idx=5)
    with pytest.raises(NotImplementedError, match='max_norm'):
        nn.Embedding(5, 2, max_norm=1.0)


# ---------------------------------------------------------------- Dropout2d

def test_dropout2d_zeroes_whole_channels_and_scales_the_rest():
    mg.manual_seed(0)
    m = nn.Dropout2d(p=0.4)
    x = mg.ones(64, 32, 3, 3, requires_grad=True)
    y = m(x)
    per_channel = y.numpy().reshape(64, 32, 9)
    assert np.all((per_channel == 0).all(-1) | (per_channel == 1 / 0.6).all(-1))
    dropped = (per_channel == 0).all(-1).mean()
    assert abs(dropped - 0.4) < 5 * math.sqrt(0.4 * 0.6 / (64 * 32))
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), per_channel.reshape(x.shape))
    m.eval()
    assert m(x) is x
    mg.manual_seed(0)
    again = nn.Dropout2d(p=0.4)(x)
    np.testing.assert_array_equal(again.numpy(), y.numpy())          # seeded
    assert repr(m) == repr(tnn.Dropout2d(p=0.4))


def test_dropout2d_3d_input_warns_like_torch_and_drops_channels():
    with pytest.warns(UserWarning, match='3D input to dropout2d'):
        y = F.dropout2d(mg.ones(4, 8, 5), 0.5)
    rows = y.numpy()
    assert np.all((rows == 0).all(-1) | (rows == 2.0).all(-1))
    with pytest.raises(ValueError, match='between 0 and 1'):
        nn.Dropout2d(1.5)
    assert not F.dropout2d(mg.ones(2, 3, 2, 2), 1.0).numpy().any()


# ---------------------------------------------------------------- more activations, Unflatten

KINKS = np.array([[0.0, -1.0, 1.0, -3.0, 3.0, 6.0, 25.0, -25.0],
                  [0.5, -0.5, 20.0, -20.0, 1.0, 1.0, -1.0, 0.0]], dtype=np.float64)

ACTIVATIONS = [
    ('ELU', {}), ('ELU', dict(alpha=0.4)), ('Softplus', {}), ('Softplus', dict(beta=2.0, threshold=5.0)),
    ('Mish', {}), ('Softsign', {}), ('Hardtanh', {}), ('Hardtanh', dict(min_val=-2.0, max_val=0.5)),
    ('ReLU6', {}), ('Hardsigmoid', {}), ('Hardswish', {}), ('PReLU', {}), ('PReLU', dict(num_parameters=5)),
    ('SELU', {}), ('CELU', {}), ('CELU', dict(alpha=2.5)), ('Threshold', dict(threshold=1.0, value=-2.0)),
    ('GLU', {}), ('GLU', dict(dim=-1)), ('Softshrink', {}), ('Softshrink', dict(lambd=1.0)),
    ('Hardshrink', dict(lambd=1.0)), ('Tanhshrink', {}), ('Softmin', dict(dim=1)), ('Softmax2d', {}),
]


@pytest.mark.parametrize('name,kw', ACTIVATIONS, ids=[f'{n}-{i}' for i, (n, _) in enumerate(ACTIVATIONS)])
@pytest.mark.parametrize('dtype', [np.float32, np.float64])
def test_more_activations_parity_including_kinks(name, kw, dtype):
    m, t = getattr(nn, name)(**kw), getattr(tnn, name)(**kw)
    if name == 'PReLU':
        with torch.no_grad():
            t.weight.copy_(torch.linspace(-0.5, 0.7, t.weight.numel()))
        copy_from_torch(m, t)
    x = randn(3, 5, 8, dtype=dtype, scale=4.0)
    x[:2, :, :] = KINKS[:, None, :].astype(dtype)     # the points where the pieces meet
    # torch's float64 hardsigmoid backward multiplies by a float32 1/6 (relative error 3e-8)
    loose = name == 'Hardsigmoid'
    y = parity(m.to(dtype), t.to(torch.float64 if dtype == np.float64 else torch.float32), x,
               rtol=1e-5 if dtype == np.float32 or loose else 1e-12,
               atol=1e-6 if dtype == np.float32 or loose else 1e-14)
    assert y.dtype == dtype
    assert repr(m) == repr(t)


@pytest.mark.parametrize('fn', [F.elu, F.softplus, F.mish, F.softsign, F.hardtanh, F.relu6,
                                F.hardsigmoid, F.hardswish, F.selu, F.celu, F.glu, F.softshrink,
                                F.hardshrink, F.tanhshrink, lambda x: F.softmin(x, 1),
                                lambda x: F.threshold(x, 0.5, 3.0)],
                         ids=['elu', 'softplus', 'mish', 'softsign', 'hardtanh', 'relu6',
                              'hardsigmoid', 'hardswish', 'selu', 'celu', 'glu', 'softshrink',
                              'hardshrink', 'tanhshrink', 'softmin', 'threshold'])
def test_more_activations_gradcheck(fn):
    x = mg.tensor(randn(4, 6, dtype=np.float64, scale=3.0) + 0.013, requires_grad=True)
    assert gradcheck(fn, (x,))


def test_prelu_gradcheck_and_errors():
    x = mg.tensor(randn(2, 3, 4, dtype=np.float64), requires_grad=True)
    w = mg.tensor([0.2, -0.1, 0.5], dtype=mg.float64, requires_grad=True)
    assert gradcheck(F.prelu, (x, w))
    with pytest.raises(RuntimeError, match=r'\(1,\) or \(3,\)'):
        F.prelu(x, mg.ones(2, dtype=mg.float64))


def test_normalize_and_one_hot_like_torch():
    x = randn(3, 4, dtype=np.float64)
    x[1] = 0.0                                        # an all-zero row: zeros, zero gradient
    for p, dim in ((2.0, 1), (1.0, 0), (3.0, -1)):
        a, b = mg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        y, ty = F.normalize(a, p=p, dim=dim), TF.normalize(b, p=p, dim=dim)
        close(y, ty, 1e-12, 1e-14, 'normalize')
        g = randn(3, 4, dtype=np.float64, seed=4)
        y.backward(mg.tensor(g))
        ty.backward(torch.tensor(g))
        close(a.grad, b.grad, 1e-12, 1e-14, 'normalize grad')
    xg = mg.tensor(randn(3, 4, dtype=np.float64), requires_grad=True)
    assert gradcheck(lambda v: F.normalize(v, dim=0), (xg,))
    idx = np.array([[0, 3], [2, 1]])
    oh = F.one_hot(mg.tensor(idx))
    assert oh.dtype == np.int64
    np.testing.assert_array_equal(oh.numpy(), TF.one_hot(torch.tensor(idx)).numpy())
    assert F.one_hot(mg.tensor([1]), num_classes=5).shape == (1, 5)
    with pytest.raises(RuntimeError, match=r'\[0, 3\)'):
        F.one_hot(mg.tensor([3]), num_classes=3)


def test_unflatten_like_torch():
    x = np.arange(24.0).reshape(2, 12)
    for dim, size in ((1, (3, 4)), (1, (2, -1, 3)), (-1, (12,)), (0, (1, 2))):
        y = nn.Unflatten(dim, size)(mg.tensor(x))
        np.testing.assert_array_equal(y.numpy(), tnn.Unflatten(dim, size)(torch.tensor(x)).numpy())
    assert repr(nn.Unflatten(1, (3, 4))) == repr(tnn.Unflatten(1, (3, 4)))
    with pytest.raises(RuntimeError, match='do not multiply'):
        nn.Unflatten(1, (5, 2))(mg.tensor(x))


def test_glu_and_softmax2d_errors():
    with pytest.raises(RuntimeError, match='Halving dimension must be even'):
        F.glu(mg.zeros(2, 3))
    with pytest.raises(ValueError, match='3 or 4 dimensions'):
        nn.Softmax2d()(mg.zeros(2, 3))


# ---------------------------------------------------------------- RMSNorm, InstanceNorm

@pytest.mark.parametrize('normalized,kw', [(6, {}), ((3, 6), dict(eps=1e-3)),
                                           (6, dict(elementwise_affine=False))])
def test_rms_norm_parity(normalized, kw):
    m, t = nn.RMSNorm(normalized, **kw), tnn.RMSNorm(normalized, **kw)
    with torch.no_grad():
        for p in t.parameters():
            p.copy_(torch.randn(p.shape))
    copy_from_torch(m, t)
    parity(m, t, randn(4, 3, 6, scale=2.0), rtol=1e-5, atol=1e-6)
    m.zero_grad()
    t.zero_grad()
    parity(m.double(), t.double(), randn(4, 3, 6, dtype=np.float64), rtol=1e-12, atol=1e-13)
    assert repr(m) == repr(t)
    x = mg.tensor(randn(2, 3, 6, dtype=np.float64), requires_grad=True)
    w = mg.tensor(randn(6, dtype=np.float64, seed=5), requires_grad=True)
    assert gradcheck(lambda x, w: F.rms_norm(x, (6,), w), (x, w))


@pytest.mark.parametrize('cls,shape', [('InstanceNorm1d', (4, 3, 7)), ('InstanceNorm2d', (2, 3, 4, 5)),
                                       ('InstanceNorm2d', (3, 4, 5))])
@pytest.mark.parametrize('kw', [{}, dict(affine=True), dict(affine=True, track_running_stats=True),
                                dict(track_running_stats=True, momentum=None)])
def test_instance_norm_parity_train_and_eval(cls, shape, kw):
    m, t = getattr(nn, cls)(3, **kw), getattr(tnn, cls)(3, **kw)      # (3, 4, 5): unbatched
    with torch.no_grad():
        for p in t.parameters():
            p.copy_(torch.randn(p.shape))
    copy_from_torch(m, t)
    for step in range(3):
        m.zero_grad()
        t.zero_grad()
        parity(m, t, randn(*shape, seed=step, scale=2.0) + 1.0, rtol=1e-4, atol=1e-5)
        for k, v in t.state_dict().items():
            close(m.state_dict()[k], v, 1e-5, 1e-6, k)
    m.eval()
    t.eval()
    m.zero_grad()
    t.zero_grad()
    parity(m, t, randn(*shape, seed=7), rtol=1e-4, atol=1e-5)
    assert repr(m) == repr(t)


def test_instance_norm_gradcheck():
    x = mg.tensor(randn(2, 3, 5, dtype=np.float64), requires_grad=True)
    w, b = (mg.tensor(randn(3, dtype=np.float64, seed=s), requires_grad=True) for s in (1, 2))
    assert gradcheck(lambda x, w, b: F.instance_norm(x, weight=w, bias=b), (x, w, b))


@pytest.mark.parametrize('name,args,shape', [
    ('ZeroPad2d', (1,), (2, 3, 4, 5)), ('ZeroPad2d', ((1, 2, 0, 3),), (3, 4, 5)),
    ('ZeroPad1d', ((2, 1),), (2, 3, 4)), ('ConstantPad1d', (2, 3.5), (2, 3, 4)),
    ('ConstantPad2d', ((0, 1, 2, 0), -1.0), (1, 2, 3, 3)), ('ReflectionPad1d', (2,), (2, 3, 5)),
    ('ReflectionPad2d', ((1, 2, 2, 1),), (1, 2, 4, 5)), ('ReplicationPad1d', ((3, 1),), (2, 3, 4)),
    ('ReplicationPad2d', (2,), (1, 2, 3, 3)), ('CircularPad1d', (1,), (2, 3, 4)),
    ('CircularPad2d', ((1, 2, 2, 1),), (1, 2, 4, 5)),
])
def test_padding_layers_match_torch(name, args, shape):
    m, t = getattr(nn, name)(*args), getattr(tnn, name)(*args)
    parity(m, t, randn(*shape, dtype=np.float64), rtol=1e-12, atol=1e-14)
    assert repr(m) == repr(t)


def test_padding_layer_errors():
    with pytest.raises(TypeError, match='tuple of 4 ints'):
        nn.ZeroPad2d((1, 2))


@pytest.mark.parametrize('name,shape,channels', [
    ('Dropout1d', (16, 32, 5), (16, 32)), ('Dropout1d', (32, 5), (32,)),
    ('Dropout3d', (8, 16, 2, 3, 2), (8, 16)), ('Dropout3d', (16, 2, 3, 2), (16,)),
])
def test_dropout1d_3d_zero_whole_channels(name, shape, channels):
    mg.manual_seed(1)
    x = mg.ones(*shape, requires_grad=True)
    y = getattr(nn, name)(p=0.3)(x)
    per = y.numpy().reshape(channels + (-1,))
    assert np.all((per == 0).all(-1) | np.isclose(per, 1 / 0.7).all(-1))
    assert 0.1 < (per == 0).all(-1).mean() < 0.5
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), y.numpy())
    assert repr(getattr(nn, name)(0.3)) == repr(getattr(tnn, name)(0.3))
    with pytest.raises(RuntimeError, match='Expected 2D or 3D input'):
        F.dropout1d(mg.ones(2, 3, 4, 5))


@pytest.mark.parametrize('kw', [{}, dict(is_causal=True), dict(scale=0.3), dict(mask='bool'),
                                dict(mask='float')])
def test_scaled_dot_product_attention_matches_torch(kw):
    kw = dict(kw)
    mask = kw.pop('mask', None)
    rng = np.random.default_rng(3)
    q, k, v = (rng.standard_normal(s) for s in ((2, 3, 4, 8), (2, 3, 6, 8), (2, 3, 6, 5)))
    ours = [mg.tensor(a, requires_grad=True) for a in (q, k, v)]
    theirs = [torch.tensor(a, requires_grad=True) for a in (q, k, v)]
    if mask == 'bool':
        m = rng.uniform(size=(4, 6)) > 0.3
        m[:, 0] = True                                  # every query attends somewhere
        kw_o, kw_t = dict(attn_mask=mg.tensor(m)), dict(attn_mask=torch.tensor(m))
    elif mask == 'float':
        m = rng.standard_normal((3, 4, 6))
        kw_o, kw_t = dict(attn_mask=mg.tensor(m)), dict(attn_mask=torch.tensor(m))
    else:
        kw_o = kw_t = {}
    y = F.scaled_dot_product_attention(*ours, **kw, **kw_o)
    ty = TF.scaled_dot_product_attention(*theirs, **kw, **kw_t)
    close(y, ty, 1e-10, 1e-12, 'attention')
    g = randn(*y.shape, dtype=np.float64, seed=4)
    y.backward(mg.tensor(g))
    ty.backward(torch.tensor(g))
    for a, b, n in zip(ours, theirs, 'qkv'):
        close(a.grad, b.grad, 1e-10, 1e-12, f'grad of {n}')
    assert gradcheck(lambda q: F.scaled_dot_product_attention(q, ours[1].detach(), ours[2].detach(),
                                                              **kw, **kw_o),
                     (mg.tensor(q, requires_grad=True),))


def test_scaled_dot_product_attention_dropout_and_errors():
    q = mg.randn(2, 4, 8)
    mg.manual_seed(0)
    a = F.scaled_dot_product_attention(q, q, q, dropout_p=0.5)
    mg.manual_seed(0)
    np.testing.assert_array_equal(a.numpy(), F.scaled_dot_product_attention(q, q, q, dropout_p=0.5).numpy())
    assert not np.allclose(a.numpy(), F.scaled_dot_product_attention(q, q, q).numpy())
    with pytest.raises(RuntimeError, match='should not be set when is_causal'):
        F.scaled_dot_product_attention(q, q, q, attn_mask=mg.ones(4, 4), is_causal=True)

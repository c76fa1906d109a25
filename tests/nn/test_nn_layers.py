"""Layers against PyTorch: forward, input gradient and weight gradients with weights copied over."""
import math

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn
from minigrad.testing import gradcheck
import minigrad.nn.functional as F
from nn_helpers import close, copy_from_torch, run_parity

torch = pytest.importorskip('torch')
tnn = torch.nn


def randn(*shape, seed=0, dtype=np.float32):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


# ---------------------------------------------------------------- Linear

@pytest.mark.parametrize('shape', [(5, 7), (2, 3, 7), (7,)])
@pytest.mark.parametrize('bias', [True, False])
def test_linear_parity(shape, bias):
    m, t = nn.Linear(7, 4, bias=bias), tnn.Linear(7, 4, bias=bias)
    copy_from_torch(m, t)
    y = run_parity(m, t, randn(*shape))
    assert y.shape == shape[:-1] + (4,)


def test_linear_bad_input_names_both_shapes():
    m = nn.Linear(10, 3)
    with pytest.raises(RuntimeError) as e:
        m(mg.zeros(4, 12))
    assert str(e.value) == ('Linear(in_features=10): expected input with last dimension 10, got '
                            'shape (4, 12)')
    with pytest.raises(RuntimeError, match=r'\(4, 12\).*\(3, 10\)'):
        F.linear(mg.zeros(4, 12), m.weight)
    with pytest.raises(RuntimeError, match="float64"):
        m(mg.zeros(4, 10, dtype=mg.float64))


def test_linear_default_init_statistics():
    mg.manual_seed(0)
    m, t = nn.Linear(400, 300), tnn.Linear(400, 300)
    bound = 1 / math.sqrt(400)
    for ours, theirs in [(m.weight, t.weight), (m.bias, t.bias)]:
        w = ours.numpy()
        sigma = bound / math.sqrt(3)                     # the std of U(-bound, bound)
        assert np.abs(w).max() <= bound
        assert np.abs(w).max() > 0.95 * bound
        # each within 5 standard errors
        assert abs(w.std() - sigma) < 5 * sigma / math.sqrt(2 * w.size)
        assert abs(w.mean()) < 5 * sigma / math.sqrt(w.size)
        assert abs(w.std() - theirs.detach().numpy().std()) < 10 * sigma / math.sqrt(2 * w.size)
    assert m.weight.dtype == np.float32 and m.weight.shape == (300, 400)


def test_init_is_seeded():
    mg.manual_seed(5)
    a = nn.Linear(3, 3)
    mg.manual_seed(5)
    b = nn.Linear(3, 3)
    np.testing.assert_array_equal(a.weight.numpy(), b.weight.numpy())
    np.testing.assert_array_equal(a.bias.numpy(), b.bias.numpy())
    assert not np.array_equal(a.weight.numpy(), nn.Linear(3, 3).weight.numpy())


def test_linear_gradcheck():
    mg.manual_seed(0)
    x = mg.randn(3, 4, dtype=mg.float64, requires_grad=True)
    w = mg.randn(2, 4, dtype=mg.float64, requires_grad=True)
    b = mg.randn(2, dtype=mg.float64, requires_grad=True)
    assert gradcheck(F.linear, (x, w, b))
    x3 = mg.randn(2, 3, 4, dtype=mg.float64, requires_grad=True)
    assert gradcheck(lambda a: F.linear(a, w, b), (x3,))


def test_layer_dtype_and_device_kwargs():
    m = nn.Linear(3, 2, dtype=mg.float64, device='cpu')
    assert m.weight.dtype == np.float64 and m.bias.dtype == np.float64
    assert nn.BatchNorm1d(3, dtype=mg.float64).running_var.dtype == np.float64


# ---------------------------------------------------------------- activations and shape layers

@pytest.mark.parametrize('make', [
    lambda nn_: nn_.ReLU(), lambda nn_: nn_.LeakyReLU(0.1), lambda nn_: nn_.LeakyReLU(),
    lambda nn_: nn_.Tanh(), lambda nn_: nn_.Sigmoid(), lambda nn_: nn_.Softmax(dim=1),
    lambda nn_: nn_.LogSoftmax(dim=-1), lambda nn_: nn_.Identity(), lambda nn_: nn_.Flatten(),
    lambda nn_: nn_.Flatten(0, 1), lambda nn_: nn_.Softmax(0)],
    ids=['relu', 'leaky0.1', 'leaky', 'tanh', 'sigmoid', 'softmax1', 'logsoftmax', 'identity',
         'flatten', 'flatten01', 'softmax0'])
def test_parameterless_layer_parity(make):
    x = randn(4, 5, 3) * 3
    y = run_parity(make(nn), make(tnn), x)
    assert y.dtype == np.float32


def test_softmax_implicit_dim_warns_like_torch():
    x = randn(4, 5)
    with pytest.warns(UserWarning, match='Implicit dimension'):
        y = nn.Softmax()(mg.tensor(x))
    with pytest.warns(UserWarning):
        ty = tnn.Softmax()(torch.tensor(x))
    close(y, ty)


def test_functional_activations_parity():
    x = randn(3, 4) * 2
    tx = torch.tensor(x)
    close(F.relu(mg.tensor(x)), torch.nn.functional.relu(tx))
    close(F.leaky_relu(mg.tensor(x), 0.3), torch.nn.functional.leaky_relu(tx, 0.3))
    close(F.sigmoid(mg.tensor(x)), torch.sigmoid(tx))
    close(F.tanh(mg.tensor(x)), torch.tanh(tx))
    close(F.log_softmax(mg.tensor(x), dim=0), torch.log_softmax(tx, 0))
    close(F.softmax(mg.tensor(x), 1, dtype=mg.float64), torch.softmax(tx, 1, dtype=torch.float64))
    close(F.flatten(mg.tensor(randn(2, 3, 4)), 1), torch.flatten(torch.tensor(randn(2, 3, 4)), 1))
    close(F.pad(mg.tensor(x), (1, 2)), torch.nn.functional.pad(tx, (1, 2)))
    close(F.pad(mg.tensor(x), (1, 1), mode='reflect', value=None),
          torch.nn.functional.pad(tx[None], (1, 1), mode='reflect')[0])


# ---------------------------------------------------------------- Dropout

def test_dropout_statistics_and_eval_identity():
    mg.manual_seed(0)
    d = nn.Dropout(0.3)
    x = mg.ones(200, 500, requires_grad=True)
    y = d(x)
    yv = y.numpy()
    kept = yv != 0
    assert abs(kept.mean() - 0.7) < 0.005
    np.testing.assert_allclose(yv[kept], 1 / 0.7, rtol=1e-6)
    assert abs(yv.mean() - 1.0) < 0.01
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), yv)          # gradient = the scaled mask
    d.eval()
    assert d(x) is x
    assert F.dropout(x, 0.3, training=False) is x
    assert F.dropout(x, 0.0) is x
    d1 = nn.Dropout(1.0)
    assert (d1(x).numpy() == 0).all()


def test_dropout_mask_follows_seed():
    x = mg.ones(50, 50)
    mg.manual_seed(3)
    a = F.dropout(x, 0.5).numpy()
    mg.manual_seed(3)
    b = F.dropout(x, 0.5).numpy()
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, F.dropout(x, 0.5).numpy())


def test_dropout_bad_p():
    with pytest.raises(ValueError, match='between 0 and 1, but got 1.5'):
        nn.Dropout(1.5)
    with pytest.raises(ValueError, match='between 0 and 1'):
        F.dropout(mg.ones(2), -0.1)


def test_dropout_gradcheck_with_fixed_mask():
    mg.manual_seed(0)
    x = mg.randn(4, 5, dtype=mg.float64, requires_grad=True)

    def f(a):
        mg.manual_seed(1)            # the same mask on every call
        return F.dropout(a, 0.4)
    assert gradcheck(f, (x,))
    mg.manual_seed(1)
    assert (f(x).numpy() == 0).any()


# ---------------------------------------------------------------- BatchNorm

def _bn_steps(m, t, shape, steps=3, rtol=1e-5, atol=1e-5, dtype=np.float32):
    for s in range(steps):
        x = randn(*shape, seed=s, dtype=dtype) * (s + 1) + s
        run_parity(m, t, x, rtol, atol, seed=s)
        for p in m.parameters():
            p.grad = None
        t.zero_grad()
    for name in ('running_mean', 'running_var'):
        if t.track_running_stats:
            close(getattr(m, name), getattr(t, name), rtol, atol, name)
    if t.track_running_stats:
        assert m.num_batches_tracked.item() == t.num_batches_tracked.item() == steps
        assert m.num_batches_tracked.dtype == np.int64


@pytest.mark.parametrize('cls,shape', [('BatchNorm1d', (8, 5)), ('BatchNorm1d', (6, 5, 7)),
                                       ('BatchNorm2d', (4, 5, 6, 3))])
@pytest.mark.parametrize('kw', [{}, {'momentum': None}, {'affine': False}, {'momentum': 0.3},
                                {'track_running_stats': False}, {'bias': False}],
                         ids=['default', 'cumulative', 'noaffine', 'mom0.3', 'notrack', 'nobias'])
def test_batchnorm_train_then_eval_parity(cls, shape, kw):
    m, t = getattr(nn, cls)(5, **kw), getattr(tnn, cls)(5, **kw)
    if t.affine:
        with torch.no_grad():
            t.weight.uniform_(0.5, 1.5)
            if t.bias is not None:
                t.bias.uniform_(-1, 1)
    copy_from_torch(m, t)
    _bn_steps(m, t, shape)
    m.eval(), t.eval()
    x = randn(*shape, seed=9) * 2 + 1
    run_parity(m, t, x)
    if t.track_running_stats:
        assert m.num_batches_tracked.item() == 3           # eval does not count


def test_batchnorm_default_init_and_buffers():
    bn = nn.BatchNorm2d(4)
    np.testing.assert_array_equal(bn.weight.numpy(), np.ones(4))
    np.testing.assert_array_equal(bn.bias.numpy(), np.zeros(4))
    np.testing.assert_array_equal(bn.running_mean.numpy(), np.zeros(4))
    np.testing.assert_array_equal(bn.running_var.numpy(), np.ones(4))
    assert bn.num_batches_tracked.shape == () and bn.num_batches_tracked.dtype == np.int64
    assert [n for n, _ in bn.named_buffers()] == ['running_mean', 'running_var',
                                                   'num_batches_tracked']
    assert not any(b.requires_grad for b in bn.buffers())


def test_batchnorm_float64_parity():
    m, t = nn.BatchNorm2d(3).double(), tnn.BatchNorm2d(3).double()
    _bn_steps(m, t, (4, 3, 5, 5), steps=2, rtol=1e-10, atol=1e-10, dtype=np.float64)
    assert m.running_var.dtype == np.float64


def test_batchnorm_gradcheck_train_and_eval():
    mg.manual_seed(0)
    x = mg.randn(4, 3, 2, 2, dtype=mg.float64, requires_grad=True)
    w = (mg.rand(3, dtype=mg.float64) + 0.5).requires_grad_()
    b = mg.randn(3, dtype=mg.float64, requires_grad=True)
    rm, rv = mg.randn(3, dtype=mg.float64), mg.rand(3, dtype=mg.float64) + 0.5
    assert gradcheck(lambda a, ww, bb: F.batch_norm(a, None, None, ww, bb, training=True), (x, w, b))
    assert gradcheck(lambda a, ww, bb: F.batch_norm(a, rm, rv, ww, bb, training=False), (x, w, b))
    x2 = mg.randn(6, 3, dtype=mg.float64, requires_grad=True)
    assert gradcheck(lambda a: F.batch_norm(a, None, None, training=True), (x2,))
    assert gradcheck(lambda a, bb: F.batch_norm(a, None, None, None, bb, training=True), (x2, b))


def test_batchnorm_functional_updates_running_stats_in_place():
    x = randn(10, 3)
    rm, rv = mg.zeros(3), mg.ones(3)
    trm, trv = torch.zeros(3), torch.ones(3)
    arrays = rm.array, rv.array
    F.batch_norm(mg.tensor(x), rm, rv, training=True, momentum=0.2)
    torch.nn.functional.batch_norm(torch.tensor(x), trm, trv, training=True, momentum=0.2)
    close(rm, trm)
    close(rv, trv)
    assert (rm.array, rv.array) == arrays


def test_batchnorm_bad_inputs():
    with pytest.raises(ValueError, match=r'expected 4D input \(got 2D input'):
        nn.BatchNorm2d(3)(mg.zeros(4, 3))
    with pytest.raises(ValueError, match=r'expected 2D or 3D input \(got 4D'):
        nn.BatchNorm1d(3)(mg.zeros(4, 3, 2, 2))
    with pytest.raises(ValueError, match=r'BatchNorm2d\(3\): expected input with 3 channels in dim '
                                         r'1, got shape \(2, 4, 5, 5\)'):
        nn.BatchNorm2d(3)(mg.zeros(2, 4, 5, 5))
    with pytest.raises(ValueError, match='Expected more than 1 value per channel when training'):
        nn.BatchNorm1d(3)(mg.zeros(1, 3))
    bn = nn.BatchNorm1d(3).eval()
    assert bn(mg.zeros(1, 3)).shape == (1, 3)                 # fine in eval mode
    with pytest.raises(RuntimeError, match="float64"):
        nn.BatchNorm1d(3)(mg.zeros(4, 3, dtype=mg.float64))


def test_batchnorm_speed_path_is_one_op():
    bn = nn.BatchNorm2d(3)
    y = bn(mg.randn(4, 3, 5, 5, requires_grad=True))
    assert type(y.grad_fn).__name__ == 'BatchNorm'
    assert all(p.is_leaf for p in y.grad_fn.parents[1:])

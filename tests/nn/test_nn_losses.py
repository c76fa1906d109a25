"""Losses against PyTorch: cross_entropy (every option), nll_loss, mse_loss; gradchecks; errors."""
import numpy as np
import pytest

import minigrad as mg
from minigrad import nn
from minigrad.testing import gradcheck
import minigrad.nn.functional as F
from nn_helpers import close

torch = pytest.importorskip('torch')
TF = torch.nn.functional


def _logits(shape, seed=0, dtype=np.float32):
    return (np.random.default_rng(seed).standard_normal(shape) * 3).astype(dtype)


def _targets(shape, n_classes, seed=1, ignore=None):
    t = np.random.default_rng(seed).integers(0, n_classes, shape)
    if ignore is not None:
        t.reshape(-1)[::3] = ignore
    return t


def _probs(shape, seed=2):
    p = np.random.default_rng(seed).random(shape).astype(np.float32)
    return p / p.sum(axis=1, keepdims=True)


def _compare(fn_ours, fn_torch, x_np, target_np, kwargs, rtol=1e-5, atol=1e-6, target_grad=False):
    x = mg.tensor(x_np, requires_grad=True)
    tx = torch.tensor(x_np, requires_grad=True)
    t = mg.tensor(target_np, requires_grad=target_grad)
    tt = torch.tensor(target_np, requires_grad=target_grad)
    tkw = {k: (torch.tensor(v.numpy()) if isinstance(v, mg.Tensor) else v) for k, v in kwargs.items()}
    y, ty = fn_ours(x, t, **kwargs), fn_torch(tx, tt, **tkw)
    close(y, ty, rtol, atol, 'loss')
    g = np.random.default_rng(5).standard_normal(y.shape).astype(np.float32)
    y.backward(mg.tensor(g))
    ty.backward(torch.tensor(g))
    close(x.grad, tx.grad, rtol, atol, 'input grad')
    if target_grad:
        close(t.grad, tt.grad, rtol, atol, 'target grad')
    return y


WEIGHT = mg.tensor(np.linspace(0.5, 2.0, 5).astype(np.float32))
CE_OPTIONS = [
    {}, {'reduction': 'sum'}, {'reduction': 'none'}, {'weight': WEIGHT},
    {'weight': WEIGHT, 'reduction': 'none'}, {'ignore_index': 2}, {'label_smoothing': 0.1},
    {'label_smoothing': 0.2, 'weight': WEIGHT}, {'label_smoothing': 0.3, 'reduction': 'sum'},
    {'label_smoothing': 0.1, 'weight': WEIGHT, 'ignore_index': 0, 'reduction': 'none'},
    {'label_smoothing': 0.15, 'weight': WEIGHT, 'ignore_index': -100},
]


@pytest.mark.parametrize('kwargs', CE_OPTIONS, ids=lambda kw: ','.join(kw) or 'default')
@pytest.mark.parametrize('shape', [(6, 5), (3, 5, 4, 2), (5,)], ids=['NC', 'NCHW', 'C'])
def test_cross_entropy_class_targets_parity(kwargs, shape):
    x = _logits(shape)
    tshape = shape[:1] + shape[2:] if len(shape) > 1 else ()
    ignore = kwargs.get('ignore_index')
    t = _targets(tshape, 5, ignore=ignore if len(shape) > 1 else None)
    if ignore == -100 and len(shape) > 1:
        t.reshape(-1)[1] = -100
    _compare(F.cross_entropy, TF.cross_entropy, x, t, kwargs)


@pytest.mark.parametrize('kwargs', [{}, {'reduction': 'sum'}, {'reduction': 'none'},
                                    {'weight': WEIGHT}, {'label_smoothing': 0.2},
                                    {'label_smoothing': 0.1, 'weight': WEIGHT, 'reduction': 'none'}],
                         ids=lambda kw: ','.join(kw) or 'default')
@pytest.mark.parametrize('shape', [(6, 5), (2, 5, 3, 3), (5,)], ids=['NC', 'NCHW', 'C'])
def test_cross_entropy_probability_targets_parity(kwargs, shape):
    x = _logits(shape)
    p = _probs(shape if len(shape) > 1 else (1,) + shape).reshape(shape)
    _compare(F.cross_entropy, TF.cross_entropy, x, p, kwargs, target_grad=True)


def test_cross_entropy_module_and_numerics():
    m, t = nn.CrossEntropyLoss(weight=WEIGHT, label_smoothing=0.1), torch.nn.CrossEntropyLoss(
        weight=torch.tensor(WEIGHT.numpy()), label_smoothing=0.1)
    x, y = _logits((8, 5)), _targets((8,), 5)
    close(m(mg.tensor(x), mg.tensor(y)), t(torch.tensor(x), torch.tensor(y)))
    assert 'weight' in m.state_dict()
    # huge logits stay finite, and the fused op gives softmax - onehot
    big = np.array([[1000.0, 0.0, -1000.0]], np.float32)
    xb = mg.tensor(big, requires_grad=True)
    loss = F.cross_entropy(xb, mg.tensor([1]))
    loss.backward()
    close(loss, TF.cross_entropy(torch.tensor(big), torch.tensor([1])))
    np.testing.assert_allclose(xb.grad.numpy(), [[1.0, -1.0, 0.0]], atol=1e-6)
    assert type(loss.grad_fn).__name__ == 'CrossEntropy'
    assert loss.dtype == np.float32


def test_cross_entropy_float64_and_all_ignored():
    x = _logits((4, 3), dtype=np.float64)
    y = _targets((4,), 3)
    loss = F.cross_entropy(mg.tensor(x), mg.tensor(y))
    assert loss.dtype == np.float64
    close(loss, TF.cross_entropy(torch.tensor(x), torch.tensor(y)), rtol=1e-12)
    ours = F.cross_entropy(mg.tensor(x), mg.tensor([-100] * 4)).item()
    theirs = TF.cross_entropy(torch.tensor(x), torch.tensor([-100] * 4)).item()
    assert np.isnan(ours) and np.isnan(theirs)


def test_cross_entropy_gradcheck():
    mg.manual_seed(0)
    x = mg.randn(4, 3, 2, dtype=mg.float64, requires_grad=True)
    y = mg.tensor(_targets((4, 2), 3, ignore=-100))
    w = mg.tensor([0.3, 1.0, 2.0], dtype=mg.float64)
    assert gradcheck(lambda a: F.cross_entropy(a, y), (x,))
    assert gradcheck(lambda a: F.cross_entropy(a, y, weight=w, label_smoothing=0.2,
                                               reduction='none'), (x,))
    assert gradcheck(lambda a: F.cross_entropy(a, y, reduction='sum', label_smoothing=0.1), (x,))
    p = mg.tensor(_probs((4, 3, 2)).astype(np.float64), requires_grad=True)
    assert gradcheck(lambda a, b: F.cross_entropy(a, b, weight=w, label_smoothing=0.1), (x, p))


def test_cross_entropy_bad_inputs():
    x = mg.zeros(4, 10)
    with pytest.raises(IndexError, match='^Target 10 is out of bounds for 10 classes$'):
        F.cross_entropy(x, mg.tensor([0, 10, 1, 2]))
    with pytest.raises(IndexError, match='Target -3 is out of bounds for 10 classes'):
        F.cross_entropy(x, mg.tensor([0, -3, 1, 2]))
    F.cross_entropy(x, mg.tensor([0, -100, 1, 2]))                     # ignore_index is fine
    with pytest.raises(ValueError, match=r'target of shape \(4,\) for an input of shape \(4, 10\), '
                                         r'got target of shape \(3,\)'):
        F.cross_entropy(x, mg.tensor([0, 1, 2]))
    with pytest.raises(ValueError, match=r'shape \(4, 10\).*use target.long\(\)'):
        F.cross_entropy(x, mg.tensor([0.0, 1.0, 2.0, 3.0]))
    with pytest.raises(ValueError, match=r'target of shape \(4, 9\).*input\'s shape \(4, 10\)'):
        F.cross_entropy(x, mg.zeros(4, 9))
    with pytest.raises(TypeError, match='integer class indices or float class probabilities'):
        F.cross_entropy(x, mg.tensor([True, False, True, True]))
    with pytest.raises(RuntimeError, match='floating point input'):
        F.cross_entropy(mg.zeros(4, 10, dtype=mg.int64), mg.tensor([0, 1, 2, 3]))
    with pytest.raises(RuntimeError, match=r'weight of shape \(3,\)'):
        F.cross_entropy(x, mg.tensor([0, 1, 2, 3]), weight=mg.ones(3))
    with pytest.raises(ValueError, match="'avg' is not a valid value for reduction"):
        F.cross_entropy(x, mg.tensor([0, 1, 2, 3]), reduction='avg')
    with pytest.raises(ValueError, match='label_smoothing'):
        F.cross_entropy(x, mg.tensor([0, 1, 2, 3]), label_smoothing=1.5)


# ---------------------------------------------------------------- NLL and MSE

@pytest.mark.parametrize('kwargs', [{}, {'reduction': 'sum'}, {'reduction': 'none'},
                                    {'weight': WEIGHT}, {'ignore_index': 1, 'weight': WEIGHT}],
                         ids=lambda kw: ','.join(kw) or 'default')
@pytest.mark.parametrize('shape', [(6, 5), (2, 5, 3)], ids=['NC', 'NCL'])
def test_nll_loss_parity(kwargs, shape):
    x = np.log(_probs(shape))
    t = _targets(shape[:1] + shape[2:], 5, ignore=kwargs.get('ignore_index'))
    _compare(F.nll_loss, TF.nll_loss, x, t, kwargs)
    m = nn.NLLLoss(**kwargs)
    tkw = {k: (torch.tensor(v.numpy()) if isinstance(v, mg.Tensor) else v) for k, v in kwargs.items()}
    close(m(mg.tensor(x), mg.tensor(t)), torch.nn.NLLLoss(**tkw)(torch.tensor(x), torch.tensor(t)))


def test_nll_of_log_softmax_equals_cross_entropy_and_gradcheck():
    x = mg.tensor(_logits((5, 4), dtype=np.float64), requires_grad=True)
    y = mg.tensor(_targets((5,), 4))
    close(F.nll_loss(F.log_softmax(x, 1), y), F.cross_entropy(x, y).numpy(), rtol=1e-12)
    assert gradcheck(lambda a: F.nll_loss(a, y, reduction='sum'), (x,))
    with pytest.raises(TypeError, match='integer class indices'):
        F.nll_loss(x, mg.zeros(5, dtype=mg.float64))
    with pytest.raises(IndexError, match='Target 4 is out of bounds for 4 classes'):
        F.nll_loss(x, mg.tensor([0, 1, 2, 3, 4]))


@pytest.mark.parametrize('reduction', ['mean', 'sum', 'none'])
def test_mse_loss_parity(reduction):
    a, b = _logits((4, 3)), _logits((4, 3), seed=7)
    _compare(F.mse_loss, TF.mse_loss, a, b, {'reduction': reduction}, target_grad=True)
    close(nn.MSELoss(reduction=reduction)(mg.tensor(a), mg.tensor(b)),
          torch.nn.MSELoss(reduction=reduction)(torch.tensor(a), torch.tensor(b)))


def test_mse_loss_broadcast_warns_and_gradcheck():
    a = mg.tensor(_logits((4, 3), dtype=np.float64), requires_grad=True)
    b = mg.tensor(_logits((3,), seed=3, dtype=np.float64), requires_grad=True)
    with pytest.warns(UserWarning, match='different to the input size'):
        loss = F.mse_loss(a, b)
    with pytest.warns(UserWarning):
        tloss = TF.mse_loss(torch.tensor(a.numpy()), torch.tensor(b.numpy()))
    close(loss, tloss, rtol=1e-12)
    with pytest.warns(UserWarning):
        assert gradcheck(lambda p, q: F.mse_loss(p, q), (a, b))
    with pytest.raises(ValueError, match=r'\(4, 3\).*\(2,\).*cannot be broadcast'):
        F.mse_loss(a, mg.zeros(2, dtype=mg.float64))


def test_legacy_size_average_reduce():
    x, y = mg.tensor(_logits((4, 3))), mg.tensor(_targets((4,), 3))
    with pytest.warns(UserWarning, match='size_average and reduce'):
        m = nn.CrossEntropyLoss(reduce=False)
    assert m.reduction == 'none' and m(x, y).shape == (4,)
    with pytest.warns(UserWarning):
        assert nn.MSELoss(size_average=False).reduction == 'sum'


def test_ops_stay_float32_forward_and_backward():
    """No silent promotion to float64 in any nn op, for every reduction and option."""
    w = mg.rand(3) + 0.5
    cases = []
    for red in ('mean', 'sum', 'none'):
        for ls in (0.0, 0.1):
            cases.append(lambda x, red=red, ls=ls: F.cross_entropy(
                x, mg.tensor([0, 1, 2, -100]), weight=w, reduction=red, label_smoothing=ls))
            cases.append(lambda x, red=red, ls=ls: F.cross_entropy(
                x, mg.rand(4, 3, requires_grad=True), weight=w, reduction=red, label_smoothing=ls))
        cases.append(lambda x, red=red: F.nll_loss(x, mg.tensor([0, 1, 2, 1]), weight=w,
                                                   reduction=red))
        cases.append(lambda x, red=red: F.mse_loss(x, mg.randn(4, 3, requires_grad=True),
                                                   reduction=red))
    for training in (True, False):
        cases.append(lambda x, tr=training: F.batch_norm(
            x, mg.zeros(3), mg.ones(3), w.requires_grad_(), mg.zeros(3, requires_grad=True),
            training=tr))
    cases.append(lambda x: F.dropout(x, 0.3))
    for fn in cases:
        x = mg.randn(4, 3, requires_grad=True)
        y = fn(x)
        assert y.array.dtype == np.float32
        grads = y.grad_fn.backward(np.ones(y.shape, np.float32))
        for gr in grads if isinstance(grads, tuple) else (grads,):
            assert gr is None or gr.dtype == np.float32

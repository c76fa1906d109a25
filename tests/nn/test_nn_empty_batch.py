"""Empty batches (issue 12): layers return empty results as PyTorch does, and BatchNorm's running
statistics stay as they were (never NaN)."""
import warnings

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn

torch = pytest.importorskip('torch')


@pytest.mark.parametrize('cls,shape', [
    ('BatchNorm1d', (0, 3)), ('BatchNorm1d', (0, 3, 5)), ('BatchNorm2d', (0, 3, 4, 4)),
    ('BatchNorm2d', (2, 3, 0, 4)),
])
@pytest.mark.parametrize('momentum', [0.1, None])
def test_batchnorm_on_an_empty_batch_matches_torch(cls, shape, momentum):
    m, t = getattr(nn, cls)(3, momentum=momentum), getattr(torch.nn, cls)(3, momentum=momentum)
    warm = np.random.default_rng(0).standard_normal((4,) + shape[1:2] + (2,) * (len(shape) - 2))
    m(mg.tensor(warm.astype(np.float32)))            # running statistics away from 0 and 1
    t(torch.tensor(warm.astype(np.float32)))
    before = {k: v.numpy().copy() for k, v in m.state_dict().items()}
    x, tx = mg.zeros(*shape, requires_grad=True), torch.zeros(*shape, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter('error')               # no 0/0 along the way
        y = m(x)
        y.sum().backward()
    ty = t(tx)
    ty.sum().backward()
    assert y.shape == tuple(ty.shape) == shape and x.grad.shape == shape
    for k, v in m.state_dict().items():
        tv = t.state_dict()[k].numpy()
        np.testing.assert_allclose(v.numpy(), tv, rtol=1e-6, err_msg=k)
        assert np.all(np.isfinite(v.numpy()))
        if k != 'num_batches_tracked':
            np.testing.assert_array_equal(v.numpy(), before[k])      # unchanged
    assert m.num_batches_tracked.item() == 2          # counted, as torch counts it
    np.testing.assert_array_equal(m.weight.grad.numpy(), t.weight.grad.numpy())   # zeros
    np.testing.assert_array_equal(m.bias.grad.numpy(), t.bias.grad.numpy())
    m.eval()
    assert m(x).shape == shape


def test_flatten_on_an_empty_batch():
    for start, end, shape in ((1, -1, (0, 16, 5, 5)), (1, 2, (0, 2, 3, 4)), (0, -1, (0, 3))):
        y = nn.Flatten(start, end)(mg.zeros(*shape))
        assert y.shape == tuple(torch.nn.Flatten(start, end)(torch.zeros(*shape)).shape)
    x = mg.arange(24.0).reshape(2, 3, 4)
    np.testing.assert_array_equal(nn.Flatten()(x).numpy(), x.numpy().reshape(2, 12))


def test_lenet5_forward_on_an_empty_batch():
    models = pytest.importorskip('models')
    y = models.LeNet5()(mg.zeros(0, 1, 28, 28))
    assert y.shape == (0, 10)


@pytest.mark.parametrize('shape', [(0, 3), (0, 3, 5), (0, 3, 4, 4)])
@pytest.mark.parametrize('affine', [True, False])
def test_functional_batch_norm_on_an_empty_batch_matches_torch(shape, affine):
    import minigrad.nn.functional as F
    rm0, rv0 = np.array([0.5, -1.0, 2.0], np.float32), np.array([0.25, 3.0, 1.5], np.float32)
    rm, rv = mg.tensor(rm0), mg.tensor(rv0)
    trm, trv = torch.tensor(rm0), torch.tensor(rv0)
    x, tx = mg.zeros(*shape, requires_grad=True), torch.zeros(*shape, requires_grad=True)
    w, b = (mg.ones(3, requires_grad=True), mg.zeros(3, requires_grad=True)) if affine else (None,) * 2
    tw, tb = (torch.ones(3, requires_grad=True), torch.zeros(3, requires_grad=True)) if affine \
        else (None,) * 2
    with warnings.catch_warnings():
        warnings.simplefilter('error')               # no 0/0 along the way
        y = F.batch_norm(x, rm, rv, w, b, training=True, momentum=0.3)
        y.sum().backward()
    ty = torch.nn.functional.batch_norm(tx, trm, trv, tw, tb, training=True, momentum=0.3)
    ty.sum().backward()
    assert y.shape == tuple(ty.shape) == shape and x.grad.shape == tuple(tx.grad.shape)
    np.testing.assert_array_equal(rm.numpy(), trm.numpy())       # unchanged, never NaN
    np.testing.assert_array_equal(rv.numpy(), trv.numpy())
    np.testing.assert_array_equal(rm.numpy(), rm0)
    if affine:
        np.testing.assert_array_equal(w.grad.numpy(), tw.grad.numpy())
        np.testing.assert_array_equal(b.grad.numpy(), tb.grad.numpy())


def test_tensor_flatten_on_an_empty_batch():
    for start, end, shape in ((1, -1, (0, 16, 5, 5)), (1, 2, (0, 2, 3, 4)), (0, -1, (0, 3)),
                              (0, 1, (2, 0, 3)), (2, 3, (4, 5, 0, 2))):
        want = tuple(torch.zeros(*shape).flatten(start, end).shape)
        assert mg.zeros(*shape).flatten(start, end).shape == want
        assert mg.flatten(mg.zeros(*shape), start, end).shape == want
    assert mg.zeros(0, 16, 5, 5).flatten(1).shape == (0, 400)


def test_conv2d_backward_on_an_empty_batch_matches_torch():
    conv = nn.Conv2d(1, 2, 3, padding=1)
    tconv = torch.nn.Conv2d(1, 2, 3, padding=1)
    x, tx = mg.zeros(0, 1, 8, 8, requires_grad=True), torch.zeros(0, 1, 8, 8, requires_grad=True)
    conv(x).sum().backward()
    tconv(tx).sum().backward()
    assert x.grad.shape == tuple(tx.grad.shape)
    np.testing.assert_array_equal(conv.weight.grad.numpy(), tconv.weight.grad.numpy())
    np.testing.assert_array_equal(conv.bias.grad.numpy(), tconv.bias.grad.numpy())


def _torch_lenet5(model):
    """torch's LeNet-5 with the same layout and weights as ``model``."""
    tnn = torch.nn
    t = tnn.Sequential(
        tnn.Conv2d(1, 6, 5, padding=2), tnn.ReLU(), tnn.MaxPool2d(2),
        tnn.Conv2d(6, 16, 5), tnn.ReLU(), tnn.MaxPool2d(2),
        tnn.Flatten(), tnn.Linear(400, 120), tnn.ReLU(), tnn.Linear(120, 84), tnn.ReLU(),
        tnn.Linear(84, 10))
    params = [p.numpy() for p in model.parameters()]
    with torch.no_grad():
        for tp, p in zip(t.parameters(), params, strict=True):
            tp.copy_(torch.tensor(p))
    return t


def test_lenet5_forward_and_backward_on_an_empty_batch_match_torch():
    models = pytest.importorskip('models')
    import minigrad.nn.functional as F
    mg.manual_seed(0)
    model = models.LeNet5()
    tmodel = _torch_lenet5(model)
    x, tx = mg.zeros(0, 1, 28, 28), torch.zeros(0, 1, 28, 28)
    y, ty = model(x), tmodel(tx)
    assert y.shape == tuple(ty.shape) == (0, 10)
    target, ttarget = mg.zeros(0, dtype=mg.int64), torch.zeros(0, dtype=torch.long)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        loss = F.cross_entropy(y, target)
    tloss = torch.nn.functional.cross_entropy(ty, ttarget)
    assert np.isnan(loss.item()) and np.isnan(tloss.item())        # mean of nothing, as torch
    loss.backward()
    tloss.backward()
    for p, tp in zip(model.parameters(), tmodel.parameters(), strict=True):
        np.testing.assert_array_equal(p.grad.numpy(), tp.grad.numpy())
    assert F.cross_entropy(y, target, reduction='sum').item() == \
        torch.nn.functional.cross_entropy(ty, ttarget, reduction='sum').item() == 0.0

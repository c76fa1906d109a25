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

"""torch's arguments in nn.functional: softmax/log_softmax's ``_stacklevel`` and ``dtype``,
mse_loss's ``weight`` (torch 2.13), and ``__all__`` naming every public function."""
import inspect
import warnings

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn.functional as F

torch = pytest.importorskip('torch')
TF = torch.nn.functional


@pytest.mark.parametrize('name', ['softmax', 'log_softmax'])
def test_softmax_takes_stacklevel_and_dtype_as_torch(name):
    v = np.random.default_rng(0).standard_normal((3, 4)).astype(np.float32)
    ours, theirs = getattr(F, name), getattr(TF, name)
    # positionally, as torch: (input, dim, _stacklevel, dtype)
    y = ours(mg.tensor(v), 1, 5, mg.float64)
    ty = theirs(torch.tensor(v), 1, 5, torch.float64)
    assert y.dtype == mg.float64
    np.testing.assert_allclose(y.numpy(), ty.numpy(), rtol=1e-12)
    y = ours(mg.tensor(v), dim=0, dtype=mg.float64)
    np.testing.assert_allclose(y.numpy(), theirs(torch.tensor(v), dim=0, dtype=torch.float64),
                               rtol=1e-12)
    assert ours(mg.tensor(v), 1).dtype == mg.float32


def _ours(stacklevel):
    return F.softmax(mg.ones(2, 3), None, stacklevel), inspect.currentframe().f_lineno


def _torchs(stacklevel):
    return TF.softmax(torch.ones(2, 3), None, stacklevel), inspect.currentframe().f_lineno


def _warned_at(fn, stacklevel):
    """(file, line) the implicit-dim warning points at, and the line of the softmax call."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        _, call_line = fn(stacklevel)
    [w] = [w for w in caught if 'Implicit dimension' in str(w.message)]
    return (w.filename, w.lineno), call_line


def test_softmax_stacklevel_places_the_implicit_dim_warning_as_torch():
    for fn in (_ours, _torchs):
        (where, line), call_line = _warned_at(fn, 3)               # torch's default: the caller
        assert where == __file__ and line == call_line
    # one frame further out: both point at the same line of _warned_at
    assert _warned_at(_ours, 4)[0] == _warned_at(_torchs, 4)[0]
    assert _warned_at(_ours, 4)[0][1] != _warned_at(_ours, 3)[0][1]


@pytest.mark.parametrize('reduction', ['mean', 'sum', 'none'])
def test_mse_loss_weight_as_torch(reduction):
    rng = np.random.default_rng(1)
    x, t, w = rng.standard_normal((3, 4)), rng.standard_normal((3, 4)), rng.random((3, 4))
    xi, txi = mg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    wi, twi = mg.tensor(w, requires_grad=True), torch.tensor(w, requires_grad=True)
    loss = F.mse_loss(xi, mg.tensor(t), reduction=reduction, weight=wi)
    tloss = TF.mse_loss(txi, torch.tensor(t), reduction=reduction, weight=twi)
    np.testing.assert_allclose(loss.detach().numpy(), tloss.detach().numpy(), rtol=1e-12)
    loss.sum().backward()
    tloss.sum().backward()
    np.testing.assert_allclose(xi.grad.numpy(), txi.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(wi.grad.numpy(), twi.grad.numpy(), rtol=1e-12)
    # positional, as torch's signature
    np.testing.assert_allclose(
        F.mse_loss(mg.tensor(x), mg.tensor(t), None, None, reduction, mg.tensor(w)).numpy(),
        tloss.detach().numpy(), rtol=1e-12)


def test_mse_loss_weight_of_another_shape_raises_as_torch():
    x, w = mg.zeros(2, 3), mg.ones(3)
    with pytest.raises(ValueError, match='Weights and input must have the same size'):
        F.mse_loss(x, x, weight=w)
    with pytest.raises(ValueError, match='Weights and input must have the same size'):
        TF.mse_loss(torch.zeros(2, 3), torch.zeros(2, 3), weight=torch.ones(3))
    with pytest.raises(TypeError, match='weight'):
        F.mse_loss(x, x, weight=np.ones((2, 3)))


def test_all_names_every_public_function():
    public = {n for n, o in vars(F).items() if not n.startswith('_') and inspect.isfunction(o)}
    assert public <= set(F.__all__), sorted(public - set(F.__all__))
    assert len(F.__all__) == len(set(F.__all__))
    for name in ('gelu', 'layer_norm', 'binary_cross_entropy', 'scaled_dot_product_attention',
                 'relu6', 'one_hot'):
        assert name in F.__all__
    space = {}
    exec('from minigrad.nn.functional import *', space)
    assert {'gelu', 'conv2d', 'huber_loss', 'cosine_embedding_loss'} <= set(space)

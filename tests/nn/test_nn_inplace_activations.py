"""``inplace=True`` activations (issue 12): ``F.relu(x, inplace=True)``, ``nn.ReLU(inplace=True)``
and the others that take ``inplace`` write into their input as PyTorch does, with PyTorch's
gradients, and refuse a leaf that requires grad."""
import numpy as np
import pytest

import minigrad as mg
import minigrad.nn.functional as F
from minigrad import nn

torch = pytest.importorskip('torch')
TF = torch.nn.functional

# (functional name, extra positional args, module name, module args)
CASES = [
    ('relu', (), 'ReLU', ()), ('leaky_relu', (0.2,), 'LeakyReLU', (0.2,)),
    ('elu', (0.7,), 'ELU', (0.7,)), ('selu', (), 'SELU', ()), ('celu', (1.3,), 'CELU', (1.3,)),
    ('hardtanh', (-0.5, 0.8), 'Hardtanh', (-0.5, 0.8)), ('relu6', (), 'ReLU6', ()),
    ('threshold', (0.1, -2.0), 'Threshold', (0.1, -2.0)), ('silu', (), 'SiLU', ()),
    ('mish', (), 'Mish', ()), ('hardsigmoid', (), 'Hardsigmoid', ()),
    ('hardswish', (), 'Hardswish', ()),
]


def _values():
    v = np.random.default_rng(3).standard_normal((4, 5)) * 4
    v[np.isclose(np.abs(v), 3, atol=1e-3)] += 0.1     # keep off hardsigmoid's kinks
    return v


@pytest.mark.parametrize('name,args,cls,cargs', CASES)
@pytest.mark.parametrize('form', ['functional', 'module'])
def test_inplace_activation_writes_into_its_input_with_torchs_gradients(name, args, cls, cargs,
                                                                        form):
    v = _values()
    results = []
    for lib, fn in ((mg, None), (torch, None)):
        leaf = lib.tensor(v.copy(), requires_grad=True)
        h = leaf * 1.5                                   # a non-leaf: in place is allowed
        if form == 'functional':
            f = getattr(F if lib is mg else TF, name)
            out = f(h, *args, inplace=True)
        else:
            out = getattr(nn if lib is mg else torch.nn, cls)(*cargs, inplace=True)(h)
        assert out is h                                  # the input itself, changed
        (out * out).sum().backward()
        results.append((h.detach().numpy().copy(), leaf.grad.numpy().copy(), h._version))
    (mv, mgrad, mver), (tv, tgrad, tver) = results
    np.testing.assert_allclose(mv, tv, rtol=1e-12, atol=1e-12)
    # the out-of-place forms of celu and hardsigmoid already differ from torch's by ~3e-8
    rtol = 1e-7 if name in ('celu', 'hardsigmoid') else 1e-10
    np.testing.assert_allclose(mgrad, tgrad, rtol=rtol, atol=1e-12)
    assert mver == tver == 1
    leaf = mg.tensor(v.copy(), requires_grad=True)        # and equal to our out-of-place form
    out = getattr(F, name)(leaf * 1.5, *args)
    (out * out).sum().backward()
    np.testing.assert_allclose(mgrad, leaf.grad.numpy(), rtol=1e-14, atol=1e-15)


@pytest.mark.parametrize('name,args,cls,cargs', CASES)
def test_inplace_activation_on_a_leaf_that_requires_grad_raises_as_torch(name, args, cls, cargs):
    for lib, f in ((mg, getattr(F, name)), (torch, getattr(TF, name))):
        x = lib.tensor(_values(), requires_grad=True)
        with pytest.raises(RuntimeError, match='leaf Variable that requires grad'):
            f(x, *args, inplace=True)
    with mg.no_grad():                                   # allowed there, as in torch
        x = mg.tensor(_values(), requires_grad=True)
        getattr(F, name)(x, *args, inplace=True)
        np.testing.assert_allclose(x.numpy(), getattr(TF, name)(
            torch.tensor(_values()), *args).numpy(), rtol=1e-12, atol=1e-12)


def test_inplace_relu_without_grad_changes_the_tensor_and_its_views():
    x = mg.tensor([[-1.0, 2.0], [3.0, -4.0]])
    view = x[0]
    assert F.relu(x, inplace=True) is x
    np.testing.assert_array_equal(x.numpy(), [[0.0, 2.0], [3.0, 0.0]])
    np.testing.assert_array_equal(view.numpy(), [0.0, 2.0])
    assert x._version == 1
    y = mg.tensor([-1.0, 2.0])
    assert F.relu(y).numpy().tolist() == [0.0, 2.0] and y.numpy().tolist() == [-1.0, 2.0]
    with pytest.raises(TypeError, match="relu\\(\\): argument 'input' must be Tensor"):
        F.relu(np.zeros(2), inplace=True)


def test_inplace_relu_after_an_op_that_saved_its_output_raises_as_torch():
    for lib, f in ((mg, F.relu), (torch, TF.relu)):
        x = lib.tensor([0.5, -1.0], requires_grad=True)
        y = x.sigmoid()                                  # sigmoid saves its output
        f(y, inplace=True)
        with pytest.raises(RuntimeError, match='modified by an inplace operation'):
            y.sum().backward()


def test_conv_relu_inplace_training_step_matches_torch():
    mg.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(2, 3, 3, padding=1), nn.ReLU(inplace=True),
                          nn.Conv2d(3, 2, 3), nn.LeakyReLU(0.1, inplace=True), nn.Flatten(),
                          nn.Linear(2 * 4 * 4, 5))
    tmodel = torch.nn.Sequential(torch.nn.Conv2d(2, 3, 3, padding=1), torch.nn.ReLU(inplace=True),
                                 torch.nn.Conv2d(3, 2, 3), torch.nn.LeakyReLU(0.1, inplace=True),
                                 torch.nn.Flatten(), torch.nn.Linear(2 * 4 * 4, 5)).double()
    model.to(mg.float64)
    with torch.no_grad():
        for tp, p in zip(tmodel.parameters(), model.parameters(), strict=True):
            tp.copy_(torch.tensor(p.numpy()))
    rng = np.random.default_rng(1)
    x, target = rng.standard_normal((4, 2, 6, 6)), rng.integers(0, 5, 4)
    opt = mg.optim.SGD(model.parameters(), lr=0.1)
    topt = torch.optim.SGD(tmodel.parameters(), lr=0.1)
    for _ in range(2):
        loss = F.cross_entropy(model(mg.tensor(x)), mg.tensor(target))
        tloss = TF.cross_entropy(tmodel(torch.tensor(x)), torch.tensor(target))
        opt.zero_grad()
        topt.zero_grad()
        loss.backward()
        tloss.backward()
        np.testing.assert_allclose(loss.item(), tloss.item(), rtol=1e-12)
        for p, tp in zip(model.parameters(), tmodel.parameters(), strict=True):
            np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), rtol=1e-10, atol=1e-12)
        opt.step()
        topt.step()
    assert repr(model[1]) == 'ReLU(inplace=True)'

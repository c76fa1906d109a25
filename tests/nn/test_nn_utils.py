"""nn.utils: clip_grad_norm_, clip_grad_value_, parameters_to_vector, vector_to_parameters,
against PyTorch."""
import math

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn

torch = pytest.importorskip('torch')


def _params_with_grads(dtype=np.float32, scale=1.0):
    rng = np.random.default_rng(0)
    shapes = [(3, 4), (4,), (2, 2, 2)]
    vals = [rng.standard_normal(s).astype(dtype) for s in shapes]
    grads = [(rng.standard_normal(s) * scale).astype(dtype) for s in shapes]
    ours = [mg.tensor(v, requires_grad=True) for v in vals]
    theirs = [torch.tensor(v, requires_grad=True) for v in vals]
    for p, q, g in zip(ours, theirs, grads):
        p.grad, q.grad = mg.tensor(g.copy()), torch.tensor(g.copy())
    no_grad_p, no_grad_q = mg.zeros(3, requires_grad=True), torch.zeros(3, requires_grad=True)
    return ours + [no_grad_p], theirs + [no_grad_q]


@pytest.mark.parametrize('norm_type', [2.0, 1.0, 3.5, math.inf, 0.0])
@pytest.mark.parametrize('max_norm', [0.5, 1e3])
@pytest.mark.parametrize('dtype', [np.float32, np.float64])
def test_clip_grad_norm_matches_torch(norm_type, max_norm, dtype):
    ours, theirs = _params_with_grads(dtype)
    before = [p.grad for p in ours]
    total = nn.utils.clip_grad_norm_(ours, max_norm, norm_type=norm_type)
    t_total = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type=norm_type)
    tol = dict(rtol=1e-5, atol=1e-7) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-14)
    assert isinstance(total, mg.Tensor) and total.shape == () and total.dtype == dtype
    np.testing.assert_allclose(total.item(), t_total.item(), **tol)
    for p, q, b in zip(ours, theirs, before):
        if q.grad is None:
            assert p.grad is None
            continue
        assert p.grad is b                                 # changed in place
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), **tol)


def test_clip_grad_norm_single_tensor_no_grads_and_nonfinite():
    p = mg.tensor([3.0, 4.0], requires_grad=True)
    p.grad = mg.tensor([3.0, 4.0])
    assert nn.utils.clip_grad_norm_(p, 1.0).item() == pytest.approx(5.0)
    np.testing.assert_allclose(p.grad.numpy(), np.array([3.0, 4.0]) / (5.0 + 1e-6), rtol=1e-6)
    assert nn.utils.clip_grad_norm_([mg.zeros(2, requires_grad=True)], 1.0).item() == 0.0
    p.grad = mg.tensor([np.inf, 1.0])
    with pytest.raises(RuntimeError, match='non-finite'):
        nn.utils.clip_grad_norm_([p], 1.0, error_if_nonfinite=True)
    np.testing.assert_array_equal(p.grad.numpy(), [np.inf, 1.0])     # untouched after the error
    q = torch.tensor([0.0, 0.0], requires_grad=True)
    q.grad = torch.tensor([np.inf, 1.0])
    t_total = torch.nn.utils.clip_grad_norm_([q], 1.0)
    total = nn.utils.clip_grad_norm_([p], 1.0)
    assert math.isinf(total.item()) and math.isinf(t_total.item())
    np.testing.assert_array_equal(np.isnan(p.grad.numpy()), np.isnan(q.grad.numpy()))
    with pytest.raises(TypeError, match='Tensor'):
        nn.utils.clip_grad_norm_([1.0], 1.0)


def test_clip_grad_value_matches_torch():
    ours, theirs = _params_with_grads(scale=3.0)
    assert nn.utils.clip_grad_value_(ours, 1.5) is None
    torch.nn.utils.clip_grad_value_(theirs, 1.5)
    for p, q in zip(ours, theirs):
        if q.grad is not None:
            np.testing.assert_array_equal(p.grad.numpy(), q.grad.numpy())
            assert np.abs(p.grad.numpy()).max() <= 1.5
    assert ours[-1].grad is None


def test_parameters_to_vector_and_back():
    m, t = nn.Linear(3, 2), torch.nn.Linear(3, 2)
    m.load_state_dict({k: v.detach().numpy() for k, v in t.state_dict().items()})
    v = nn.utils.parameters_to_vector(m.parameters())
    tv = torch.nn.utils.parameters_to_vector(t.parameters())
    np.testing.assert_array_equal(v.numpy(), tv.detach().numpy())
    (v * mg.arange(8, dtype=mg.float32)).sum().backward()       # differentiable, as torch's
    np.testing.assert_array_equal(m.weight.grad.numpy().ravel(), np.arange(6))
    w = m.weight
    nn.utils.vector_to_parameters(mg.arange(8, dtype=mg.float32), m.parameters())
    assert m.weight is w
    np.testing.assert_array_equal(m.weight.numpy(), np.arange(6).reshape(2, 3))
    np.testing.assert_array_equal(m.bias.numpy(), [6, 7])
    with pytest.raises(RuntimeError, match='8 elements'):
        nn.utils.vector_to_parameters(mg.zeros(5), m.parameters())

"""GaussianNLLLoss, MultiMarginLoss, MultiLabelMarginLoss, TripletMarginWithDistanceLoss and
F.gumbel_softmax against torch (values, gradients, reprs), gradcheck, errors."""
import numpy as np
import pytest

import minigrad as mg
import minigrad.nn.functional as F
from minigrad import nn
from minigrad.testing import gradcheck

torch = pytest.importorskip('torch')
rng = np.random.default_rng(0)
X, Y = rng.standard_normal((4, 5)).astype(np.float32), rng.standard_normal((4, 5)).astype(np.float32)
VAR = np.abs(rng.standard_normal((4, 5))).astype(np.float32) + 0.1
CLS = rng.integers(0, 5, 4)
MULTI = np.array([[3, 0, -1, 1, 2], [1, 2, 3, 4, 0], [-1, 0, 0, 0, 0], [4, -1, 2, 2, 2]])
W = np.abs(rng.standard_normal(5)).astype(np.float32)
A, P, N = (rng.standard_normal((4, 3)).astype(np.float32) for _ in range(3))


def cosine_distance(lib):
    return lambda a, b: 1 - lib.nn.functional.cosine_similarity(a, b)


CASES = [
    (lambda L: L.GaussianNLLLoss(), (X, Y, VAR)),
    (lambda L: L.GaussianNLLLoss(full=True, reduction='none'), (X, Y, VAR[:, :1].copy())),
    (lambda L: L.GaussianNLLLoss(reduction='sum'), (X, Y, VAR[:, 0].copy())),
    (lambda L: L.MultiMarginLoss(), (X, CLS)),
    (lambda L: L.MultiMarginLoss(p=2, margin=0.5, weight=(mg if L is nn else torch).tensor(W)),
     (X, CLS)),
    (lambda L: L.MultiLabelMarginLoss(), (X, MULTI)),
    (lambda L: L.MultiLabelMarginLoss(reduction='none'), (X[0], MULTI[0])),
    (lambda L: L.TripletMarginWithDistanceLoss(), (A, P, N)),
    (lambda L: L.TripletMarginWithDistanceLoss(margin=0.3, swap=True, distance_function=(
        cosine_distance(mg) if L is nn else cosine_distance(torch))), (A, P, N)),
]


@pytest.mark.parametrize('make,arrays', CASES, ids=[str(i) for i in range(len(CASES))])
def test_losses_match_torch(make, arrays):
    m, t = make(nn), make(torch.nn)
    assert repr(m) == repr(t)
    ours = [mg.tensor(a, requires_grad=a.dtype.kind == 'f') for a in arrays]
    theirs = [torch.tensor(a, requires_grad=a.dtype.kind == 'f') for a in arrays]
    y, ty = m(*ours), t(*theirs)
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-5, atol=1e-6)
    y.sum().backward()
    ty.sum().backward()
    for a, b in zip(ours, theirs):
        if b.grad is not None:
            np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-4, atol=1e-6)


def test_gradchecks():
    f64 = [mg.tensor(a.astype(np.float64), requires_grad=True) for a in (X, Y, VAR)]
    assert gradcheck(lambda x, y, v: F.gaussian_nll_loss(x, y, v), f64)
    x = mg.tensor(X.astype(np.float64) * 0.3, requires_grad=True)
    assert gradcheck(lambda x: F.multi_margin_loss(x, mg.tensor(CLS), p=2), [x])
    assert gradcheck(lambda x: F.multilabel_margin_loss(x, mg.tensor(MULTI)), [x])


def test_loss_errors():
    with pytest.raises(ValueError, match='var is of incorrect size'):
        F.gaussian_nll_loss(mg.zeros(4, 5), mg.zeros(4, 5), mg.ones(3))
    with pytest.raises(ValueError, match='var has negative entry'):
        F.gaussian_nll_loss(mg.zeros(2), mg.zeros(2), -mg.ones(2))
    with pytest.raises(RuntimeError, match=r'expected 4 target class indices in \[0, 5\)'):
        F.multi_margin_loss(mg.zeros(4, 5), mg.tensor([0, 1, 7, 2]))
    with pytest.raises(ValueError, match='margin must be greater than 0'):
        nn.TripletMarginWithDistanceLoss(margin=0)


def test_gumbel_softmax():
    logits = mg.tensor(np.log(np.array([[0.1, 0.2, 0.7]], np.float32)).repeat(4000, 0))
    mg.manual_seed(0)
    soft = F.gumbel_softmax(logits, tau=0.5)
    assert soft.dtype == np.float32
    np.testing.assert_allclose(soft.numpy().sum(1), 1, rtol=1e-5)
    mg.manual_seed(0)
    hard = F.gumbel_softmax(logits, tau=0.5, hard=True)
    picks = hard.numpy().argmax(1)
    assert set(np.unique(hard.numpy())) == {0.0, 1.0}
    np.testing.assert_array_equal(picks, soft.numpy().argmax(1))      # same noise, same pick
    np.testing.assert_allclose(np.bincount(picks, minlength=3) / 4000, [0.1, 0.2, 0.7], atol=0.03)
    x = mg.tensor(logits.numpy()[:3], requires_grad=True)
    (F.gumbel_softmax(x, hard=True) * mg.tensor([[1.0, 2.0, 3.0]])).sum().backward()
    assert x.grad is not None and np.abs(x.grad.numpy()).sum() > 0   # straight-through gradient

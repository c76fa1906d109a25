"""BCELoss, BCEWithLogitsLoss, L1Loss, SmoothL1Loss, HuberLoss, KLDivLoss and the distances:
float64 gradcheck and parity with PyTorch (loss, input gradient, target gradient), every reduction, and the edges."""
import warnings

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn
from minigrad.testing import gradcheck
import minigrad.nn.functional as F
from nn_helpers import close

torch = pytest.importorskip('torch')
TF = torch.nn.functional


def _data(shape=(4, 5), dtype=np.float64, seed=0):
    rng = np.random.default_rng(seed)
    x = (rng.standard_normal(shape) * 3).astype(dtype)
    t = rng.uniform(0, 1, shape).astype(dtype)
    return x, t


def _both(fn_ours, fn_torch, inputs, kwargs=(), constants=(), rtol=1e-10, atol=1e-12,
          grad_target=True):
    """Run the loss on minigrad and torch; compare the value and the input (and target) grads."""
    kwargs = dict(kwargs)
    a = [mg.tensor(v, requires_grad=(i == 0 or grad_target)) for i, v in enumerate(inputs)]
    b = [torch.tensor(v, requires_grad=(i == 0 or grad_target)) for i, v in enumerate(inputs)]
    ca = {k: mg.tensor(v) for k, v in dict(constants).items()}
    cb = {k: torch.tensor(v) for k, v in dict(constants).items()}
    y, ty = fn_ours(*a, **kwargs, **ca), fn_torch(*b, **kwargs, **cb)
    close(y, ty, rtol, atol, 'loss')
    g = np.random.default_rng(5).standard_normal(y.shape).astype(inputs[0].dtype)
    y.backward(mg.tensor(g))
    ty.backward(torch.tensor(g))
    for i, (p, q) in enumerate(zip(a, b)):
        if q.grad is not None:
            close(p.grad, q.grad, rtol, atol, f'grad of argument {i}')
    return y


REDUCTIONS = ['mean', 'sum', 'none']


@pytest.mark.parametrize('reduction', REDUCTIONS)
@pytest.mark.parametrize('with_weight', [False, True])
def test_bce_parity(reduction, with_weight):
    x, t = _data()
    p = 1 / (1 + np.exp(-x))
    consts = {'weight': np.random.default_rng(2).uniform(0.5, 2, (5,))} if with_weight else {}
    _both(F.binary_cross_entropy, TF.binary_cross_entropy, (p, t), dict(reduction=reduction),
          consts)


@pytest.mark.parametrize('reduction', REDUCTIONS)
@pytest.mark.parametrize('weights', ['none', 'weight', 'pos_weight', 'both'])
def test_bce_with_logits_parity(reduction, weights):
    x, t = _data()
    rng = np.random.default_rng(3)
    consts = {}
    if weights in ('weight', 'both'):
        consts['weight'] = rng.uniform(0.5, 2, (4, 1))
    if weights in ('pos_weight', 'both'):
        consts['pos_weight'] = rng.uniform(0.5, 3, (5,))
    _both(F.binary_cross_entropy_with_logits, TF.binary_cross_entropy_with_logits, (x, t),
          dict(reduction=reduction), consts)


@pytest.mark.parametrize('name', ['l1_loss', 'smooth_l1_loss', 'huber_loss'])
@pytest.mark.parametrize('reduction', REDUCTIONS)
def test_l1_family_parity(name, reduction):
    x, t = _data()
    t = t * 6 - 3
    x[0, :3] = t[0, :3]                        # differences of exactly 0
    kw = dict(reduction=reduction)
    _both(getattr(F, name), getattr(TF, name), (x, t), kw)
    if name == 'smooth_l1_loss':
        for beta in (0.0, 0.3, 2.5):
            _both(F.smooth_l1_loss, TF.smooth_l1_loss, (x, t), dict(kw, beta=beta))
    if name == 'huber_loss':
        _both(F.huber_loss, TF.huber_loss, (x, t), dict(kw, delta=0.4))


def test_float32_stays_float32_and_layers_match_functions():
    x, t = _data(dtype=np.float32)
    pairs = [(nn.BCEWithLogitsLoss(pos_weight=mg.tensor(np.full(5, 2.0, np.float32))),
              torch.nn.BCEWithLogitsLoss(pos_weight=torch.full((5,), 2.0)), x),
             (nn.BCELoss(), torch.nn.BCELoss(), 1 / (1 + np.exp(-x))),
             (nn.L1Loss(reduction='sum'), torch.nn.L1Loss(reduction='sum'), x),
             (nn.SmoothL1Loss(beta=0.5), torch.nn.SmoothL1Loss(beta=0.5), x),
             (nn.HuberLoss(delta=2.0), torch.nn.HuberLoss(delta=2.0), x)]
    for m, tm, inp in pairs:
        y = _both(m, tm, (inp, t), rtol=1e-5, atol=1e-6)
        assert y.dtype == np.float32, type(m).__name__
        assert repr(m) == repr(tm)


def test_bce_with_logits_is_stable_and_exact_at_zero():
    x = mg.tensor([-1000.0, 1000.0, 0.0, 0.0], dtype=mg.float64, requires_grad=True)
    t = mg.tensor([1.0, 0.0, 1.0, 0.0], dtype=mg.float64)
    loss = F.binary_cross_entropy_with_logits(x, t, reduction='none')
    np.testing.assert_allclose(loss.numpy(), [1000.0, 1000.0, np.log(2), np.log(2)])
    loss.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [-1.0, 1.0, -0.5, 0.5])   # sigmoid(x) - t


def test_bce_at_exact_zero_and_one_like_torch():
    p = np.array([0.0, 1.0, 0.0, 1.0, 0.5])
    t = np.array([1.0, 0.0, 0.0, 1.0, 1.0])
    y = _both(F.binary_cross_entropy, TF.binary_cross_entropy, (p, t), dict(reduction='none'),
              rtol=1e-8, atol=1e-12)       # gradients of 1e12 (the 1e-12 floor): rounding
    np.testing.assert_array_equal(y.numpy()[:4], [100.0, 100.0, 0.0, 0.0])    # logs clamped


@pytest.mark.parametrize('fn', [
    lambda x, t: F.binary_cross_entropy(x.sigmoid(), t),
    lambda x, t: F.binary_cross_entropy_with_logits(x, t, pos_weight=mg.tensor([1.5, 0.5, 2.0],
                                                                            dtype=mg.float64)),
    lambda x, t: F.l1_loss(x, t * 4),
    lambda x, t: F.smooth_l1_loss(x, t * 4, beta=0.7),
    lambda x, t: F.huber_loss(x, t * 4, delta=1.5),
], ids=['bce', 'bce_logits', 'l1', 'smooth_l1', 'huber'])
def test_gradcheck_input_and_target(fn):
    x, t = _data((4, 3))
    x = mg.tensor(x, requires_grad=True)
    t = mg.tensor(t, requires_grad=True)
    assert gradcheck(fn, (x, t))


def test_loss_errors_like_torch():
    x = mg.rand(3)
    with pytest.raises(ValueError, match='different to the input size'):
        F.binary_cross_entropy(x, mg.rand(3, 1))
    with pytest.raises(ValueError, match='must be the same as input size'):
        F.binary_cross_entropy_with_logits(x, mg.rand(3, 1))
    with pytest.raises(RuntimeError, match='between 0 and 1'):
        F.binary_cross_entropy(x + 1.5, mg.rand(3))
    with pytest.raises(RuntimeError, match="not differentiable with respect to argument 'weight'"):
        F.binary_cross_entropy_with_logits(x, mg.rand(3), weight=mg.rand(3, requires_grad=True))
    with pytest.raises(ValueError, match='not a valid value for reduction'):
        nn.L1Loss(reduction='avg')
    with pytest.raises(ValueError, match='non-negative'):
        F.smooth_l1_loss(x, x, beta=-1.0)
    with pytest.warns(UserWarning, match='target size'):
        F.l1_loss(mg.rand(3, 1), mg.rand(3))


@pytest.mark.parametrize('reduction', ['batchmean', 'sum', 'none', 'mean'])
@pytest.mark.parametrize('log_target', [False, True])
def test_kl_div_parity(reduction, log_target):
    rng = np.random.default_rng(4)
    logp = rng.standard_normal((5, 6))
    logp = logp - np.log(np.exp(logp).sum(1, keepdims=True))
    q = rng.dirichlet(np.ones(6), size=5)
    q[0, :2] = 0.0                                 # zeros in the target: 0 log 0 = 0
    target = np.log(q + 1e-3) if log_target else q
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')           # 'mean' warns in both libraries
        _both(F.kl_div, TF.kl_div, (logp, target), dict(reduction=reduction, log_target=log_target),
              grad_target=log_target)
    m, t = nn.KLDivLoss(reduction=reduction), torch.nn.KLDivLoss(reduction=reduction)
    assert repr(m) == repr(t)


def test_kl_div_gradcheck_and_mean_warning():
    x = mg.tensor(np.random.default_rng(0).standard_normal((3, 4)), requires_grad=True)
    q = mg.tensor(np.random.default_rng(1).uniform(0.1, 1, (3, 4)), requires_grad=True)
    assert gradcheck(lambda a, b: F.kl_div(a, b, reduction='batchmean'), (x, q))
    with pytest.warns(UserWarning, match='batchmean'):
        F.kl_div(x, q)


@pytest.mark.parametrize('shapes,dim', [(((4, 5), (4, 5)), 1), (((3, 4, 5), (1, 4, 5)), 2),
                                        (((6, 3), (6, 3)), 0)])
def test_cosine_similarity_and_pairwise_distance_parity(shapes, dim):
    rng = np.random.default_rng(6)
    a, b = (rng.standard_normal(s) for s in shapes)
    a[0] = 0.0                                         # a zero vector: clamped by eps
    _both(lambda x, y: F.cosine_similarity(x, y, dim=dim), lambda x, y: TF.cosine_similarity(x, y, dim=dim),
          (a, b))
    for p, keepdim in ((2.0, False), (1.0, True), (3.0, False)):
        _both(lambda x, y: F.pairwise_distance(x, y, p=p, keepdim=keepdim),
              lambda x, y: TF.pairwise_distance(x, y, p=p, keepdim=keepdim), (a, b))
    assert repr(nn.CosineSimilarity()) == repr(torch.nn.CosineSimilarity())


def test_distance_gradcheck():
    rng = np.random.default_rng(2)
    a, b = (mg.tensor(rng.standard_normal((3, 4)), requires_grad=True) for _ in range(2))
    assert gradcheck(lambda x, y: F.cosine_similarity(x, y), (a, b))
    assert gradcheck(lambda x, y: nn.PairwiseDistance(p=3.0)(x, y), (a, b))


def _signs(shape, seed):
    return np.where(np.random.default_rng(seed).uniform(size=shape) > 0.5, 1.0, -1.0)


MARGIN_CASES = [
    ('margin_ranking_loss', 'MarginRankingLoss', lambda: ((4, 5), (4, 5)), dict(margin=0.3), 'y'),
    ('hinge_embedding_loss', 'HingeEmbeddingLoss', lambda: ((4, 5),), dict(margin=0.7), 'y'),
    ('soft_margin_loss', 'SoftMarginLoss', lambda: ((4, 5),), {}, 'y'),
    ('cosine_embedding_loss', 'CosineEmbeddingLoss', lambda: ((6, 5), (6, 5)), dict(margin=0.2), 'y6'),
    ('triplet_margin_loss', 'TripletMarginLoss', lambda: ((4, 5), (4, 5), (4, 5)),
     dict(margin=0.5, p=3.0, swap=True), None),
    ('multilabel_soft_margin_loss', 'MultiLabelSoftMarginLoss', lambda: ((4, 5),), {}, '01'),
    ('poisson_nll_loss', 'PoissonNLLLoss', lambda: ((4, 5),), dict(full=True), 'counts'),
    ('poisson_nll_loss', 'PoissonNLLLoss', lambda: ((4, 5),), dict(log_input=False), 'counts'),
]


@pytest.mark.parametrize('fname,cname,shapes,kw,target', MARGIN_CASES,
                         ids=[f'{c[0]}-{i}' for i, c in enumerate(MARGIN_CASES)])
@pytest.mark.parametrize('reduction', REDUCTIONS)
def test_margin_and_embedding_losses_match_torch(fname, cname, shapes, kw, target, reduction):
    rng = np.random.default_rng(8)
    inputs = [rng.standard_normal(s) for s in shapes()]
    if fname == 'poisson_nll_loss' and not kw.get('log_input', True):
        inputs[0] = np.abs(inputs[0]) + 0.1            # a rate
    extra = []
    if target == 'y':
        extra = [_signs(shapes()[0], 3)]
    elif target == 'y6':
        extra = [_signs((6,), 3)]
    elif target == '01':
        extra = [(rng.uniform(size=shapes()[0]) > 0.5).astype(np.float64)]
    elif target == 'counts':
        extra = [rng.poisson(2.0, size=shapes()[0]).astype(np.float64)]
    args = tuple(inputs) + tuple(extra)
    _both(lambda *a: getattr(F, fname)(*a, **kw, reduction=reduction),
          lambda *a: getattr(TF, fname)(*a, **kw, reduction=reduction), args, grad_target=False)
    layer_kw = {k: v for k, v in kw.items()}
    m, t = getattr(nn, cname)(**layer_kw, reduction=reduction), getattr(torch.nn, cname)(**layer_kw, reduction=reduction)
    _both(m, t, args, grad_target=False)
    assert repr(m) == repr(t)


def test_margin_losses_gradcheck():
    rng = np.random.default_rng(9)
    a, p, n = (mg.tensor(rng.standard_normal((3, 4)), requires_grad=True) for _ in range(3))
    assert gradcheck(lambda a, p, n: F.triplet_margin_loss(a, p, n, margin=2.0), (a, p, n))
    y = mg.tensor(_signs((3,), 1))
    assert gradcheck(lambda a, p: F.cosine_embedding_loss(a, p, y, margin=-0.5), (a, p))
    t = mg.tensor((rng.uniform(size=(3, 4)) > 0.5).astype(np.float64))
    assert gradcheck(lambda a: F.multilabel_soft_margin_loss(a, t), (a,))

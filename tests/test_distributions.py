"""minigrad.distributions against torch.distributions: log_prob, entropy, cdf/icdf, moments and
kl_divergence forward and backward; samples checked by shape, dtype, seeding and statistics."""
import numpy as np
import pytest

import minigrad as mg
import minigrad.distributions as D
from minigrad.testing import gradcheck

torch = pytest.importorskip('torch')
TD = torch.distributions

RNG = np.random.default_rng(11)
A = RNG.standard_normal((3, 4))
B = RNG.standard_normal((3, 4))
V = np.array([0, 3, 1])
BITS = (B > 0).astype(np.float64)
U = np.abs(B) % 1 * 0.9 + 0.05

CASES = [  # (name, call(lib, dists, a, b), ...): dists is minigrad.distributions or torch's
    ('categorical_logits_log_prob', lambda L, d, a, b: d.Categorical(logits=a).log_prob(L.tensor(V))),
    ('categorical_probs_log_prob', lambda L, d, a, b: d.Categorical(probs=a.abs() + 0.1).log_prob(L.tensor(V))),
    ('categorical_entropy', lambda L, d, a, b: d.Categorical(logits=a).entropy()),
    ('categorical_probs_entropy', lambda L, d, a, b: d.Categorical(probs=a.abs() + 0.1).entropy()),
    ('categorical_probs_attr', lambda L, d, a, b: d.Categorical(logits=a).probs),
    ('categorical_logits_attr', lambda L, d, a, b: d.Categorical(probs=a.abs() + 0.1).logits),
    ('normal_log_prob', lambda L, d, a, b: d.Normal(a, b.abs() + 0.1).log_prob(b * 2)),
    ('normal_entropy', lambda L, d, a, b: d.Normal(a, b.abs() + 0.1).entropy() * a),
    ('normal_cdf', lambda L, d, a, b: d.Normal(a, b.abs() + 0.1).cdf(b)),
    ('normal_icdf', lambda L, d, a, b: d.Normal(a, b.abs() + 0.1).icdf(L.tensor(U))),
    ('normal_moments', lambda L, d, a, b: (lambda n: n.mean + n.variance + n.stddev)(d.Normal(a, b.abs() + 0.1))),
    ('normal_scalar_params', lambda L, d, a, b: d.Normal(0.5, 2.0).log_prob(a)),
    ('bernoulli_logits_log_prob', lambda L, d, a, b: d.Bernoulli(logits=a).log_prob(L.tensor(BITS))),
    ('bernoulli_probs_log_prob', lambda L, d, a, b: d.Bernoulli(probs=a.sigmoid()).log_prob(L.tensor(BITS))),
    ('bernoulli_entropy', lambda L, d, a, b: d.Bernoulli(logits=a).entropy()),
    ('bernoulli_moments', lambda L, d, a, b: (lambda x: x.mean + x.variance)(d.Bernoulli(probs=a.sigmoid()))),
    ('uniform_log_prob', lambda L, d, a, b: d.Uniform(a, a + b.abs() + 0.5).log_prob(a + 0.1)),
    ('uniform_entropy', lambda L, d, a, b: d.Uniform(a, a + b.abs() + 0.5).entropy()),
    ('uniform_moments', lambda L, d, a, b: (lambda x: x.mean + x.variance)(d.Uniform(a, a + b.abs() + 0.5))),
    ('kl_normal', lambda L, d, a, b: d.kl_divergence(d.Normal(a, b.abs() + 0.1), d.Normal(b, a.abs() + 0.2))),
    ('kl_categorical', lambda L, d, a, b: d.kl_divergence(d.Categorical(logits=a), d.Categorical(logits=b))),
    ('kl_bernoulli', lambda L, d, a, b: d.kl_divergence(d.Bernoulli(logits=a), d.Bernoulli(logits=b))),
    ('kl_uniform', lambda L, d, a, b: d.kl_divergence(d.Uniform(a, a + 3), d.Uniform(a - 1, a + 5))),
]


@pytest.mark.parametrize('name,call', CASES, ids=[c[0] for c in CASES])
def test_matches_torch(name, call):
    ms = [mg.tensor(x.astype(np.float32), requires_grad=True) for x in (A, B)]
    ts = [torch.tensor(x.astype(np.float32), requires_grad=True) for x in (A, B)]
    om, ot = call(mg, D, *ms), call(torch, TD, *ts)
    assert om.shape == tuple(ot.shape) and str(om.dtype) == str(ot.dtype).replace('torch.', '')
    np.testing.assert_allclose(om.detach().numpy(), ot.detach().numpy(), rtol=1e-5, atol=1e-6)
    w = np.linspace(0.5, 1.5, ot.numel()).reshape(tuple(ot.shape)).astype(np.float32)
    if ot.requires_grad:
        (om * mg.tensor(w)).sum().backward()
        (ot * torch.tensor(w)).sum().backward()
        for m, t in zip(ms, ts):
            gm = np.zeros(m.shape) if m.grad is None else m.grad.numpy()
            gt = np.zeros(m.shape) if t.grad is None else t.grad.numpy()
            np.testing.assert_allclose(gm, gt, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize('name,call', CASES, ids=[c[0] for c in CASES])
def test_gradcheck(name, call):
    ms = [mg.tensor(x, requires_grad=True) for x in (A, B)]
    assert gradcheck(lambda a, b: call(mg, D, a, b), ms)


def test_samples_shapes_seeds_and_statistics():
    mg.manual_seed(0)
    c = D.Categorical(logits=mg.tensor(A))
    assert c.sample().shape == (3,) and c.sample().dtype == np.int64 and c.sample((5, 2)).shape == (5, 2, 3)
    n = D.Normal(mg.zeros(2), mg.ones(2))
    assert n.sample((3,)).shape == (3, 2) and not n.sample().requires_grad
    assert D.Bernoulli(probs=mg.full((2,), 0.3)).sample((4,)).shape == (4, 2)
    assert D.Uniform(0.0, 1.0).sample((2,)).dtype == np.float32
    mg.manual_seed(4)
    first = [c.sample((6,)).numpy(), n.rsample((2,)).detach().numpy()]
    mg.manual_seed(4)
    for a, b in zip(first, [c.sample((6,)).numpy(), n.rsample((2,)).detach().numpy()]):
        np.testing.assert_array_equal(a, b)
    p = np.array([0.1, 0.2, 0.7])
    draws = D.Categorical(probs=mg.tensor(p)).sample((20000,)).numpy()
    np.testing.assert_allclose(np.bincount(draws, minlength=3) / 20000, p, atol=0.015)
    z = D.Normal(mg.tensor(2.0), mg.tensor(0.5)).sample((20000,)).numpy()
    assert abs(z.mean() - 2.0) < 0.02 and abs(z.std() - 0.5) < 0.02
    b = D.Bernoulli(logits=mg.tensor(0.0)).sample((20000,)).numpy()
    assert set(np.unique(b)) == {0.0, 1.0} and abs(b.mean() - 0.5) < 0.02


def test_rsample_carries_gradients_and_reinforce_step():
    loc = mg.tensor([0.5, -1.0], requires_grad=True)
    scale = mg.tensor([1.0, 2.0], requires_grad=True)
    D.Normal(loc, scale).rsample((100,)).mean().backward()
    np.testing.assert_allclose(loc.grad.numpy(), [0.5, 0.5], rtol=1e-6)
    assert scale.grad is not None
    # the REINFORCE update of pytorch/examples reinforcement_learning/reinforce.py
    logits = mg.tensor([[0.2, -0.3, 0.1]], requires_grad=True)
    m = D.Categorical(probs=logits.softmax(1))
    action = m.sample()
    (-m.log_prob(action) * 2.0).sum().backward()
    assert logits.grad.shape == (1, 3) and abs(float(logits.grad.sum())) < 1e-6


def test_errors():
    with pytest.raises(ValueError, match='either probs or logits'):
        D.Categorical()
    with pytest.raises(ValueError, match='either probs or logits'):
        D.Bernoulli(probs=mg.ones(2) * 0.5, logits=mg.zeros(2))
    with pytest.raises(ValueError, match='scale > 0'):
        D.Normal(0.0, -1.0)
    with pytest.raises(ValueError, match='low < high'):
        D.Uniform(1.0, 0.0)
    with pytest.raises(ValueError, match='in 0 .. 3'):
        D.Categorical(logits=mg.zeros(4)).log_prob(mg.tensor(4))
    with pytest.raises(NotImplementedError, match='same kind'):
        D.kl_divergence(D.Normal(0.0, 1.0), D.Uniform(0.0, 1.0))


COV = np.array([[2.0, 0.3, -0.2], [0.3, 1.0, 0.1], [-0.2, 0.1, 0.5]])


@pytest.mark.parametrize('kw', ['covariance_matrix', 'precision_matrix', 'scale_tril'])
def test_multivariate_normal_matches_torch(kw):
    m = COV if kw != 'scale_tril' else np.linalg.cholesky(COV)
    loc, x = RNG.standard_normal((2, 3)), RNG.standard_normal((4, 2, 3))
    ms = [mg.tensor(a.astype(np.float32), requires_grad=True) for a in (loc, m)]
    ts = [torch.tensor(a.astype(np.float32), requires_grad=True) for a in (loc, m)]
    dm, dt = D.MultivariateNormal(ms[0], **{kw: ms[1]}), TD.MultivariateNormal(ts[0], **{kw: ts[1]})
    om = dm.log_prob(mg.tensor(x.astype(np.float32))).sum() + dm.entropy().sum()
    ot = dt.log_prob(torch.tensor(x.astype(np.float32))).sum() + dt.entropy().sum()
    np.testing.assert_allclose(om.item(), ot.item(), rtol=1e-5)
    om.backward()
    ot.backward()
    for a, b in zip(ms, ts):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(dm.covariance_matrix.detach().numpy(), dt.covariance_matrix.detach().numpy(), rtol=1e-5, atol=1e-6)
    assert dm.sample((5,)).shape == (5, 2, 3) and dm.rsample().requires_grad
    # (cholesky reads one triangle: perturb symmetric matrices, as torch's own tests do)
    assert gradcheck(lambda a, b: D.MultivariateNormal(a, **{kw: b if kw == 'scale_tril' else (b + b.mT) * 0.5})
                     .log_prob(mg.tensor(x)),
                     [mg.tensor(loc, requires_grad=True), mg.tensor(m, requires_grad=True)])
    mg.manual_seed(1)
    draws = D.MultivariateNormal(mg.zeros(3), covariance_matrix=mg.tensor(COV)).sample((40000,)).numpy()
    np.testing.assert_allclose(np.cov(draws.T), COV, atol=0.04)

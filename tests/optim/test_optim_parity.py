"""Optimizer trajectories against PyTorch's, option by option, in float32 and float64."""
import numpy as np
import pytest

import minigrad as mg

torch = pytest.importorskip('torch')

STEPS = 20
SHAPES = {'W': (3, 4), 'b': (4,), 'v': (5,)}


def _data(dtype):
    rng = np.random.default_rng(1234)
    init = {k: rng.uniform(-1.0, 1.0, size=s).astype(dtype) for k, s in SHAPES.items()}
    X = rng.standard_normal((6, 3)).astype(dtype)
    Y = rng.uniform(-0.5, 0.5, size=(6, 4)).astype(dtype)
    return init, X, Y


def _loss(p, X, Y):
    """A nonconvex function of three tensors: a tanh regression, a double well, a coupling term.
    The same code runs on minigrad and on torch tensors."""
    fit = ((((X @ p['W']) + p['b']).tanh() - Y) ** 2).mean()
    well = (p['v'] ** 4 * 0.25 - p['v'] ** 2).sum() * 0.1
    return fit + well + p['v'].sum() * p['b'].sum() * 0.05


def _run_mg(opt_name, kwargs, dtype, steps=STEPS, groups=None, uses=None):
    init, X, Y = _data(dtype)
    p = {k: mg.tensor(a, requires_grad=True) for k, a in init.items()}
    Xt, Yt = mg.tensor(X), mg.tensor(Y)
    params = [p[k] for k in SHAPES] if groups is None else [dict(g, params=[p[k] for k in g['params']]) for g in groups]
    opt = getattr(mg.optim, opt_name)(params, **kwargs)
    traj = []
    for i in range(steps):
        opt.zero_grad()
        _loss_with_uses(p, Xt, Yt, uses, i).backward()
        opt.step()
        traj.append({k: t.numpy().copy() for k, t in p.items()})
    return traj, opt, p


def _run_torch(opt_name, kwargs, dtype, steps=STEPS, groups=None, uses=None):
    init, X, Y = _data(dtype)
    p = {k: torch.tensor(a, requires_grad=True) for k, a in init.items()}
    Xt, Yt = torch.tensor(X), torch.tensor(Y)
    params = [p[k] for k in SHAPES] if groups is None else [dict(g, params=[p[k] for k in g['params']]) for g in groups]
    opt = getattr(torch.optim, opt_name)(params, foreach=False, **kwargs)
    traj = []
    for i in range(steps):
        opt.zero_grad()
        _loss_with_uses(p, Xt, Yt, uses, i).backward()
        opt.step()
        traj.append({k: t.detach().numpy().copy() for k, t in p.items()})
    return traj


def _loss_with_uses(p, X, Y, uses, i):
    """The loss, or (for the None-grad tests) a variant in which some tensors get no gradient."""
    if uses is None:
        return _loss(p, X, Y)
    used = uses(i)
    loss = ((((X @ p['W']) + p['b']).tanh() - Y) ** 2).mean()
    if 'v' in used:
        loss = loss + (p['v'] ** 4 * 0.25 - p['v'] ** 2).sum() * 0.1
    return loss


def _tol(dtype):
    return dict(rtol=1e-5, atol=1e-6) if dtype == np.float32 else dict(rtol=1e-8, atol=1e-10)


def _assert_same_trajectory(ours, theirs, dtype):
    assert len(ours) == len(theirs)
    for step, (a, b) in enumerate(zip(ours, theirs)):
        for k in SHAPES:
            assert a[k].dtype == np.dtype(dtype), f'{k} changed dtype to {a[k].dtype}'
            np.testing.assert_allclose(a[k], b[k], **_tol(dtype), err_msg=f'step {step + 1}, {k}')
    # the run must actually have moved the parameters
    assert any(not np.allclose(ours[-1][k], ours[0][k]) for k in SHAPES)


CASES = [
    ('SGD', dict(lr=0.1)),
    ('SGD', dict(lr=0.1, momentum=0.9)),
    ('SGD', dict(lr=0.1, momentum=0.9, dampening=0.5)),
    ('SGD', dict(lr=0.1, momentum=0.9, nesterov=True)),
    ('SGD', dict(lr=0.1, weight_decay=0.1)),
    ('SGD', dict(lr=0.05, momentum=0.8, weight_decay=0.1, nesterov=True)),
    ('SGD', dict(lr=0.05, momentum=0.8, dampening=0.3, weight_decay=0.1)),
    ('SGD', dict(lr=0.02, maximize=True)),
    ('SGD', dict(lr=0.02, momentum=0.5, weight_decay=0.1, maximize=True)),
    ('Adam', dict(lr=0.05)),
    ('Adam', dict(lr=0.05, weight_decay=0.1)),
    ('Adam', dict(lr=0.05, amsgrad=True)),
    ('Adam', dict(lr=0.05, amsgrad=True, weight_decay=0.1)),
    ('Adam', dict(lr=0.02, maximize=True)),
    ('Adam', dict(lr=0.05, betas=(0.3, 0.6), eps=1e-3)),     # lerp's other branch (1 - beta1 >= 0.5)
    ('AdamW', dict(lr=0.05)),
    ('AdamW', dict(lr=0.05, weight_decay=0.5)),
    ('AdamW', dict(lr=0.05, weight_decay=0.1, amsgrad=True)),
    ('AdamW', dict(lr=0.02, weight_decay=0.1, maximize=True)),
    ('RMSprop', dict(lr=0.01)),
    ('RMSprop', dict(lr=0.01, alpha=0.9)),
    ('RMSprop', dict(lr=0.01, centered=True)),
    ('RMSprop', dict(lr=0.01, momentum=0.9)),
    ('RMSprop', dict(lr=0.01, momentum=0.5, centered=True, weight_decay=0.1)),
    ('RMSprop', dict(lr=0.01, weight_decay=0.1)),
    ('RMSprop', dict(lr=0.005, alpha=0.3, centered=True, eps=0.1)),   # lerp's other branch
    ('RMSprop', dict(lr=0.005, momentum=0.9, maximize=True)),
    ('Adadelta', dict()),
    ('Adadelta', dict(lr=0.5, rho=0.95)),
    ('Adadelta', dict(lr=1.0, eps=1e-3, weight_decay=0.1)),
    ('Adadelta', dict(lr=0.7, maximize=True)),
    ('Adadelta', dict(lr=2.0, rho=0.5, weight_decay=0.05, maximize=True)),
    ('Adagrad', dict(lr=0.1)),
    ('Adagrad', dict(lr=0.1, lr_decay=0.05, weight_decay=0.1)),
    ('Adagrad', dict(lr=0.05, initial_accumulator_value=0.5, eps=1e-3, maximize=True)),
    ('Adamax', dict(lr=0.05)),
    ('Adamax', dict(lr=0.05, betas=(0.3, 0.95), weight_decay=0.1)),   # lerp's other branch
    ('Adamax', dict(lr=0.02, eps=1e-3, maximize=True)),
    ('NAdam', dict(lr=0.05)),
    ('NAdam', dict(lr=0.05, weight_decay=0.1, momentum_decay=0.01)),
    ('NAdam', dict(lr=0.05, weight_decay=0.1, decoupled_weight_decay=True, maximize=True)),
    ('NAdam', dict(lr=0.05, betas=(0.3, 0.95), eps=1e-3)),
    ('RAdam', dict(lr=0.05)),
    ('RAdam', dict(lr=0.05, betas=(0.9, 0.9))),          # rho_t > 5 from step 6: both branches
    ('RAdam', dict(lr=0.05, weight_decay=0.1, decoupled_weight_decay=True)),
    ('RAdam', dict(lr=0.02, betas=(0.3, 0.8), weight_decay=0.1, maximize=True)),
    ('Rprop', dict()),
    ('Rprop', dict(lr=0.05, etas=(0.3, 1.5), step_sizes=(1e-3, 0.2))),
    ('Rprop', dict(lr=0.02, maximize=True)),
    ('ASGD', dict()),
    ('ASGD', dict(lr=0.05, t0=5, lambd=0.01, alpha=0.5, weight_decay=0.1)),   # averaging from step 6
    ('ASGD', dict(lr=0.05, t0=3, maximize=True)),
]


@pytest.mark.parametrize('dtype', [np.float32, np.float64], ids=['float32', 'float64'])
@pytest.mark.parametrize('name,kwargs', CASES, ids=[f'{n}-{"-".join(f"{k}={v}" for k, v in kw.items())}'
                                                    for n, kw in CASES])
def test_trajectory_matches_torch(name, kwargs, dtype):
    ours, _, _ = _run_mg(name, kwargs, dtype)
    theirs = _run_torch(name, kwargs, dtype)
    _assert_same_trajectory(ours, theirs, dtype)


@pytest.mark.parametrize('name,kwargs', [
    ('SGD', dict(lr=0.1, momentum=0.9)),
    ('Adam', dict(lr=0.01)),
    ('RMSprop', dict(lr=0.01, momentum=0.5)),
    ('Adadelta', dict(lr=1.0)),
])
def test_param_groups_with_their_own_options(name, kwargs):
    groups = [{'params': ['W'], 'lr': 2 * kwargs['lr']},
              {'params': ['b', 'v'], 'weight_decay': 0.1}]
    ours, opt, _ = _run_mg(name, kwargs, np.float64, groups=groups)
    theirs = _run_torch(name, kwargs, np.float64, groups=groups)
    _assert_same_trajectory(ours, theirs, np.float64)
    assert opt.param_groups[0]['lr'] == 2 * kwargs['lr'] and opt.param_groups[1]['lr'] == kwargs['lr']
    assert opt.param_groups[1]['weight_decay'] == 0.1 and opt.param_groups[0]['weight_decay'] == 0


@pytest.mark.parametrize('name,kwargs', [
    ('SGD', dict(lr=0.1, momentum=0.9)),
    ('Adam', dict(lr=0.05, amsgrad=True)),
    ('AdamW', dict(lr=0.05)),
    ('RMSprop', dict(lr=0.01, centered=True, momentum=0.5)),
    ('Adadelta', dict(lr=1.0, weight_decay=0.1)),
    ('Adagrad', dict(lr=0.1, lr_decay=0.1)),
    ('Adamax', dict(lr=0.05)),
    ('NAdam', dict(lr=0.05)),
    ('RAdam', dict(lr=0.05, betas=(0.9, 0.9))),
    ('Rprop', dict(lr=0.05)),
    ('ASGD', dict(lr=0.05, t0=2)),
])
def test_params_without_grad_are_skipped_like_torch(name, kwargs):
    # v gets a gradient on even steps only; its per-parameter step count must lag behind W's
    def uses(i):
        return {'W', 'b', 'v'} if i % 2 == 0 else {'W', 'b'}
    ours, opt, p = _run_mg(name, kwargs, np.float64, steps=9, uses=uses)
    theirs = _run_torch(name, kwargs, np.float64, steps=9, uses=uses)
    _assert_same_trajectory(ours, theirs, np.float64)
    for i in range(1, 9, 2):          # odd steps: v had no grad and did not move
        np.testing.assert_array_equal(ours[i]['v'], ours[i - 1]['v'])
    if 'step' in opt.state[p['W']]:
        assert opt.state[p['W']]['step'] == 9 and opt.state[p['v']]['step'] == 5


def test_a_param_that_never_gets_a_grad_has_no_state():
    a = mg.randn(3, requires_grad=True)
    unused = mg.randn(3, requires_grad=True)
    opt = mg.optim.Adam([a, unused], lr=0.1)
    before = unused.numpy().copy()
    for _ in range(3):
        opt.zero_grad()
        (a * a).sum().backward()
        opt.step()
    assert unused.grad is None
    np.testing.assert_array_equal(unused.numpy(), before)
    assert len(opt.state[unused]) == 0 and opt.state[a]['step'] == 3


@pytest.mark.parametrize('dtype', [np.float32, np.float64], ids=['float32', 'float64'])
@pytest.mark.parametrize('name,kwargs', CASES, ids=[f'{n}-{"-".join(f"{k}={v}" for k, v in kw.items())}'
                                                    for n, kw in CASES])
def test_same_gradients_give_the_same_update_to_rounding(name, kwargs, dtype):
    """Fed the very same gradients, the updates differ from torch's by rounding only (torch's CPU
    kernels fuse some multiply-adds; NumPy rounds each op), a few units in the last place."""
    rng = np.random.default_rng(7)
    x0 = rng.standard_normal(500).astype(dtype)
    grads = [(rng.standard_normal(500) * (0.1 + i)).astype(dtype) for i in range(STEPS)]
    a, t = mg.tensor(x0, requires_grad=True), torch.tensor(x0, requires_grad=True)
    ours = getattr(mg.optim, name)([a], **kwargs)
    theirs = getattr(torch.optim, name)([t], foreach=False, **kwargs)
    for g in grads:
        a.grad, t.grad = mg.tensor(g), torch.tensor(g)
        ours.step()
        theirs.step()
        ref = t.detach().numpy()
        assert a.dtype == np.dtype(dtype)
        assert np.abs(a.numpy() - ref).max() <= 16 * np.finfo(dtype).eps * np.abs(ref).max()
    assert not np.allclose(a.numpy(), x0)


@pytest.mark.parametrize('name,kwargs', [
    ('SGD', dict(lr=0.1, momentum=0.9, weight_decay=0.1)),
    ('SGD', dict(lr=0.05, momentum=0.9, nesterov=True, maximize=True)),
    ('Adam', dict(lr=0.1, amsgrad=True, weight_decay=0.1)),
    ('AdamW', dict(lr=0.1, maximize=True)),
    ('RMSprop', dict(lr=0.05, momentum=0.5, centered=True, weight_decay=0.1)),
    ('RMSprop', dict(lr=0.05, maximize=True)),
    ('Adadelta', dict(lr=1.0, weight_decay=0.1, maximize=True)),
    ('Adagrad', dict(lr=0.1, lr_decay=0.01, weight_decay=0.1)),
    ('Adamax', dict(lr=0.1, weight_decay=0.1, maximize=True)),
    ('NAdam', dict(lr=0.1, weight_decay=0.1)),
    ('RAdam', dict(lr=0.1, betas=(0.9, 0.9), weight_decay=0.1, decoupled_weight_decay=True)),
    ('Rprop', dict(lr=0.1, maximize=True)),
    ('ASGD', dict(lr=0.05, t0=2, weight_decay=0.1)),
])
def test_zero_dim_parameters(name, kwargs):
    a, t = mg.tensor(1.5, requires_grad=True), torch.tensor(1.5, requires_grad=True)
    ours = getattr(mg.optim, name)([a], **kwargs)
    theirs = getattr(torch.optim, name)([t], foreach=False, **kwargs)
    for i in range(8):
        for x, opt in ((a, ours), (t, theirs)):
            opt.zero_grad()
            (x * x * (i + 1) - x).backward()
            opt.step()
        assert a.shape == () and a.dtype == np.float32
        np.testing.assert_allclose(a.item(), t.item(), rtol=1e-5)
    for v in ours.state[a].values():
        assert not isinstance(v, mg.Tensor) or type(v.array) is np.ndarray

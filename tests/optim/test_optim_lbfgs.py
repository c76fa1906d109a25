"""LBFGS against torch.optim.LBFGS (closure-based steps, history, fixed steps and the strong-Wolfe
line search), plus Rprop/ASGD state against torch's and the optimizers' argument errors."""
import numpy as np
import pytest

import minigrad as mg
from minigrad.optim.lbfgs_search import cubic_interpolate

torch = pytest.importorskip('torch')

SHAPES = {'W': (3, 4), 'b': (4,), 'v': (5,)}


def _data(dtype):
    rng = np.random.default_rng(1234)
    init = {k: rng.uniform(-1.0, 1.0, size=s).astype(dtype) for k, s in SHAPES.items()}
    return init, rng.standard_normal((6, 3)).astype(dtype), rng.uniform(-0.5, 0.5, (6, 4)).astype(dtype)


def _loss(p, X, Y):
    """Nonconvex (a tanh fit, a double well, a coupling) but bounded below, so L-BFGS converges."""
    fit = ((((X @ p['W']) + p['b']).tanh() - Y) ** 2).mean()
    well = (p['v'] ** 4 * 0.25 - p['v'] ** 2).sum() * 0.1
    return (fit + well + p['v'].sum() * p['b'].sum() * 0.05 + (p['b'] ** 2).sum() * 0.1
            + (p['W'] ** 2).sum() * 0.01)


def _run(lib, kwargs, dtype, steps):
    init, X, Y = _data(dtype)
    if lib is mg:
        p = {k: mg.tensor(a, requires_grad=True) for k, a in init.items()}
        opt = mg.optim.LBFGS([p[k] for k in SHAPES], **kwargs)
    else:
        p = {k: torch.tensor(a, requires_grad=True) for k, a in init.items()}
        opt = torch.optim.LBFGS([p[k] for k in SHAPES], **kwargs)
    X, Y = lib.tensor(X), lib.tensor(Y)

    def closure():
        opt.zero_grad()
        loss = _loss(p, X, Y)
        loss.backward()
        return loss
    traj, losses = [], []
    for _ in range(steps):
        losses.append(opt.step(closure).item())
        traj.append({k: t.detach().numpy().copy() for k, t in p.items()})
    state = opt.state[p['W']]
    return traj, losses, (state['func_evals'], state['n_iter'])


CASES = [
    dict(),
    dict(history_size=3, max_iter=7),
    dict(lr=0.5, max_iter=4),
    dict(line_search_fn='strong_wolfe'),
    dict(line_search_fn='strong_wolfe', history_size=2, max_iter=10),
    dict(lr=0.1, line_search_fn='strong_wolfe', max_eval=8),
    dict(max_iter=30, tolerance_grad=1e-3, tolerance_change=1e-4),
]


@pytest.mark.parametrize('kwargs', CASES, ids=[str(i) for i in range(len(CASES))])
def test_lbfgs_float64_trajectory_matches_torch(kwargs):
    ours, our_losses, our_counts = _run(mg, kwargs, np.float64, 4)
    theirs, their_losses, their_counts = _run(torch, kwargs, np.float64, 4)
    assert our_counts == their_counts                     # the same evaluations and iterations
    np.testing.assert_allclose(our_losses, their_losses, rtol=1e-10)
    for a, b in zip(ours, theirs):
        for k in SHAPES:
            np.testing.assert_allclose(a[k], b[k], rtol=1e-8, atol=1e-10, err_msg=k)
    assert our_losses[-1] < our_losses[0]


@pytest.mark.parametrize('kwargs', [dict(max_iter=5), dict(max_iter=5, line_search_fn='strong_wolfe')],
                         ids=['fixed', 'strong_wolfe'])
def test_lbfgs_float32_stays_float32_and_follows_torch(kwargs):
    ours, our_losses, _ = _run(mg, kwargs, np.float32, 1)
    theirs, their_losses, _ = _run(torch, kwargs, np.float32, 1)
    for k in SHAPES:
        assert ours[0][k].dtype == np.float32
        np.testing.assert_allclose(ours[0][k], theirs[0][k], rtol=1e-4, atol=1e-5, err_msg=k)
    np.testing.assert_allclose(our_losses, their_losses, rtol=1e-6)


def test_lbfgs_minimises_rosenbrock_with_strong_wolfe():
    results = []
    for lib in (mg, torch):
        xy = lib.tensor([-1.5, 2.0], dtype=lib.float64, requires_grad=True)
        opt = lib.optim.LBFGS([xy], lr=1, max_iter=100, line_search_fn='strong_wolfe')

        def closure():
            opt.zero_grad()
            x, y = xy[0], xy[1]
            loss = (1 - x) ** 2 + 100 * (y - x * x) ** 2
            loss.backward()
            return loss
        for _ in range(3):
            opt.step(closure)
        results.append(xy.detach().numpy())
    np.testing.assert_allclose(results[0], [1.0, 1.0], atol=1e-5)     # from (-1.5, 2) to (1, 1)
    np.testing.assert_allclose(results[0], results[1], rtol=1e-9)


def test_lbfgs_state_dict_round_trip_continues_identically():
    def make():
        init, X, Y = _data(np.float64)
        p = {k: mg.tensor(a, requires_grad=True) for k, a in init.items()}
        opt = mg.optim.LBFGS([p[k] for k in SHAPES], max_iter=3, history_size=4)

        def closure():
            opt.zero_grad()
            loss = _loss(p, mg.tensor(X), mg.tensor(Y))
            loss.backward()
            return loss
        return p, opt, closure
    p, opt, closure = make()
    opt.step(closure)
    sd = opt.state_dict()
    q, opt2, closure2 = make()
    for k in SHAPES:
        q[k].array[...] = p[k].array
    opt2.load_state_dict(sd)
    opt.step(closure)
    opt2.step(closure2)
    for k in SHAPES:
        np.testing.assert_array_equal(p[k].numpy(), q[k].numpy())


def test_cubic_interpolate_finds_the_cubic_minimum():
    # f(x) = (x - 1)^2 has its minimum at 1; its cubic fit through x=0 and x=3 is exact
    assert cubic_interpolate(0.0, 1.0, -2.0, 3.0, 4.0, 4.0) == pytest.approx(1.0)
    assert cubic_interpolate(0.0, 1.0, -2.0, 3.0, 4.0, 4.0, bounds=(2.0, 3.0)) == 2.0


def test_asgd_average_matches_torch():
    a, t = mg.tensor(np.linspace(-1, 1, 6), requires_grad=True), \
        torch.tensor(np.linspace(-1, 1, 6), requires_grad=True)
    ours, theirs = mg.optim.ASGD([a], lr=0.1, t0=2), torch.optim.ASGD([t], lr=0.1, t0=2)
    for i in range(6):
        for x, opt in ((a, ours), (t, theirs)):
            opt.zero_grad()
            ((x ** 4).sum() - (x * (i + 1)).sum()).backward()
            opt.step()
    np.testing.assert_allclose(ours.state[a]['ax'].numpy(), theirs.state[t]['ax'].numpy(),
                               rtol=1e-10)
    assert ours.state[a]['eta'] == theirs.state[t]['eta'].item()
    assert ours.state[a]['mu'] == theirs.state[t]['mu'].item()


def test_optimizer_argument_errors():
    p = mg.zeros(2, requires_grad=True)
    with pytest.raises(ValueError, match=r'Invalid eta values: 1.5, 1.2'):
        mg.optim.Rprop([p], etas=(1.5, 1.2))
    with pytest.raises(ValueError, match='Invalid learning rate'):
        mg.optim.ASGD([p], lr=-1)
    with pytest.raises(ValueError, match="line_search_fn must be None or 'strong_wolfe'"):
        mg.optim.LBFGS([p], line_search_fn='armijo')
    with pytest.raises(ValueError, match="LBFGS doesn't support per-parameter options"):
        mg.optim.LBFGS([{'params': [p]}, {'params': [mg.zeros(1, requires_grad=True)]}])
    with pytest.raises(TypeError, match='LBFGS.step needs a closure'):
        mg.optim.LBFGS([p]).step()

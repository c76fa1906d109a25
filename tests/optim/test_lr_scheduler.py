"""Learning-rate schedulers: the same sequences as torch's, exactly; state round trips."""
import numpy as np
import pytest

import minigrad as mg
from minigrad.optim import lr_scheduler as S

torch = pytest.importorskip('torch')


def _pair(opt_name, opt_kwargs, n_groups=2):
    """A minigrad and a torch optimizer over two groups (second group lr halved)."""
    ours = [mg.zeros(2, requires_grad=True) for _ in range(n_groups)]
    theirs = [torch.zeros(2, requires_grad=True) for _ in range(n_groups)]

    def groups(ps):
        return [{'params': [p], 'lr': opt_kwargs['lr'] / (i + 1)} for i, p in enumerate(ps)]
    return (getattr(mg.optim, opt_name)(groups(ours), **opt_kwargs),
            getattr(torch.optim, opt_name)(groups(theirs), **opt_kwargs))


def _momenta(opt):
    return [g['betas'][0] if 'betas' in g else g.get('momentum') for g in opt.param_groups]


def _sequences(sched, opt, steps):
    lrs, moms = [list(sched.get_last_lr())], [_momenta(opt)]
    for _ in range(steps):
        opt.step()
        sched.step()
        lrs.append(list(sched.get_last_lr()))
        moms.append(_momenta(opt))
    return lrs, moms


SCHEDULERS = [
    ('StepLR', dict(step_size=3, gamma=0.5), 'SGD', 25),
    ('StepLR', dict(step_size=1, gamma=0.9), 'Adam', 12),
    ('MultiStepLR', dict(milestones=[2, 5, 5, 9], gamma=0.3), 'SGD', 15),
    ('CosineAnnealingLR', dict(T_max=10), 'SGD', 45),
    ('CosineAnnealingLR', dict(T_max=7, eta_min=0.001), 'Adam', 40),
    ('OneCycleLR', dict(max_lr=1.0, total_steps=40), 'SGD', 40),
    ('OneCycleLR', dict(max_lr=[0.5, 0.2], total_steps=30, anneal_strategy='linear'), 'SGD', 30),
    ('OneCycleLR', dict(max_lr=0.1, epochs=4, steps_per_epoch=9, three_phase=True), 'SGD', 36),
    ('OneCycleLR', dict(max_lr=0.01, total_steps=25, pct_start=0.4, div_factor=10.0,
                        final_div_factor=100.0, base_momentum=0.8, max_momentum=0.9), 'Adam', 25),
    ('OneCycleLR', dict(max_lr=0.01, total_steps=20, cycle_momentum=False), 'AdamW', 20),
    ('ExponentialLR', dict(gamma=0.9), 'SGD', 30),
    ('ExponentialLR', dict(gamma=0.5), 'Adadelta', 10),
    ('LinearLR', dict(), 'SGD', 12),
    ('LinearLR', dict(start_factor=0.1, end_factor=0.7, total_iters=9), 'Adam', 20),
    ('LinearLR', dict(start_factor=1.0, end_factor=0.0, total_iters=7), 'SGD', 10),
    ('LambdaLR', dict(lr_lambda=lambda epoch: 0.95 ** epoch), 'SGD', 25),
    ('LambdaLR', dict(lr_lambda=[lambda e: 1.0 / (e + 1), lambda e: min(1.0, (e + 1) / 5)]),
     'Adam', 15),
    ('MultiplicativeLR', dict(lr_lambda=lambda e: 0.9 if e % 2 else 0.97), 'SGD', 20),
    ('ConstantLR', dict(), 'SGD', 10),
    ('ConstantLR', dict(factor=0.5, total_iters=3), 'Adam', 8),
    ('PolynomialLR', dict(), 'SGD', 8),
    ('PolynomialLR', dict(total_iters=10, power=2.5), 'Adadelta', 14),
    ('CosineAnnealingWarmRestarts', dict(T_0=5), 'SGD', 23),
    ('CosineAnnealingWarmRestarts', dict(T_0=3, T_mult=2, eta_min=0.01), 'Adam', 30),
    ('CyclicLR', dict(base_lr=0.01, max_lr=0.1, step_size_up=4), 'SGD', 30),
    ('CyclicLR', dict(base_lr=[0.01, 0.02], max_lr=0.2, step_size_up=3, step_size_down=5,
                      mode='triangular2'), 'SGD', 40),
    ('CyclicLR', dict(base_lr=0.001, max_lr=0.01, step_size_up=5, mode='exp_range', gamma=0.97,
                      base_momentum=0.7, max_momentum=0.95), 'Adam', 40),
    ('CyclicLR', dict(base_lr=0.01, max_lr=0.05, step_size_up=2, cycle_momentum=False,
                      scale_fn=lambda x: 0.5 ** x, scale_mode='iterations'), 'Adadelta', 20),
]


@pytest.mark.parametrize('name,kwargs,opt_name,steps', SCHEDULERS,
                         ids=[f'{s[0]}-{s[2]}-{i}' for i, s in enumerate(SCHEDULERS)])
def test_lr_and_momentum_sequences_equal_torch(name, kwargs, opt_name, steps):
    opt_kwargs = dict(lr=0.1, momentum=0.9) if opt_name == 'SGD' else dict(lr=0.1)
    ours_opt, torch_opt = _pair(opt_name, opt_kwargs)
    ours = getattr(S, name)(ours_opt, **kwargs)
    theirs = getattr(torch.optim.lr_scheduler, name)(torch_opt, **kwargs)
    assert ours.last_epoch == theirs.last_epoch == 0
    assert ours.base_lrs == theirs.base_lrs
    our_lrs, our_moms = _sequences(ours, ours_opt, steps)
    their_lrs, their_moms = _sequences(theirs, torch_opt, steps)
    assert our_lrs == their_lrs            # exactly: the same float operations in the same order
    assert our_moms == their_moms
    assert len({tuple(x) for x in our_lrs}) >= 2      # the schedule really changed the lr
    assert [g['lr'] for g in ours_opt.param_groups] == our_lrs[-1]
    assert ours.last_epoch == steps


def test_initial_lr_is_recorded_and_construction_sets_last_epoch():
    opt, _ = _pair('SGD', dict(lr=0.1))
    sched = S.StepLR(opt, step_size=2)
    assert [g['initial_lr'] for g in opt.param_groups] == [0.1, 0.05]
    assert sched.base_lrs == [0.1, 0.05] and sched.last_epoch == 0
    assert sched.get_last_lr() == [0.1, 0.05]
    with pytest.raises(KeyError, match='initial_lr'):
        S.StepLR(mg.optim.SGD([mg.zeros(1, requires_grad=True)], lr=0.1), step_size=2, last_epoch=3)
    with pytest.raises(TypeError, match='is not an Optimizer'):
        S.StepLR(object(), step_size=2)


def test_onecycle_errors_like_torch():
    opt, _ = _pair('SGD', dict(lr=0.1, momentum=0.9))
    sched = S.OneCycleLR(opt, max_lr=1.0, total_steps=3)
    for _ in range(3):
        sched.step()
    with pytest.raises(ValueError, match='Tried to step 4 times'):
        sched.step()
    with pytest.raises(ValueError, match='either total_steps OR'):
        S.OneCycleLR(opt, max_lr=1.0)
    with pytest.raises(ValueError, match='max_lr must have the same length'):
        S.OneCycleLR(opt, max_lr=[1.0, 2.0, 3.0], total_steps=5)
    with pytest.raises(ValueError, match='anneal_strategy'):
        S.OneCycleLR(opt, max_lr=1.0, total_steps=5, anneal_strategy='exp')


def test_scheduler_without_momentum_support_refuses_cycle_momentum():
    class NoMomentum(mg.optim.Optimizer):
        def __init__(self, params):
            super().__init__(params, {'lr': 0.1})
    with pytest.raises(ValueError, match='must support momentum'):
        S.OneCycleLR(NoMomentum([mg.zeros(1, requires_grad=True)]), max_lr=1.0, total_steps=5)


@pytest.mark.parametrize('make', [
    lambda o: S.StepLR(o, step_size=3, gamma=0.5),
    lambda o: S.MultiStepLR(o, milestones=[3, 6, 6], gamma=0.5),
    lambda o: S.CosineAnnealingLR(o, T_max=8, eta_min=0.01),
    lambda o: S.OneCycleLR(o, max_lr=0.5, total_steps=20, three_phase=True),
], ids=['StepLR', 'MultiStepLR', 'CosineAnnealingLR', 'OneCycleLR'])
def test_scheduler_state_round_trip_through_a_file(make, tmp_path):
    p = mg.zeros(2, requires_grad=True)
    opt = mg.optim.SGD([p], lr=0.1, momentum=0.9)
    sched = make(opt)
    for _ in range(7):
        opt.step()
        sched.step()
    mg.save({'opt': opt.state_dict(), 'sched': sched.state_dict()}, tmp_path / 'sched.ckpt')
    expected = []
    for _ in range(10):
        opt.step()
        sched.step()
        expected.append((sched.get_last_lr(), opt.param_groups[0]['momentum']))

    ck = mg.load(tmp_path / 'sched.ckpt')
    q = mg.zeros(2, requires_grad=True)
    opt2 = mg.optim.SGD([q], lr=0.1, momentum=0.9)
    sched2 = make(opt2)                  # construct first, then load (as in PyTorch)
    opt2.load_state_dict(ck['opt'])
    sched2.load_state_dict(ck['sched'])
    assert sched2.last_epoch == 7
    got = []
    for _ in range(10):
        opt2.step()
        sched2.step()
        got.append((sched2.get_last_lr(), opt2.param_groups[0]['momentum']))
    assert got == expected


def test_deprecated_step_with_epoch_uses_the_closed_form():
    opt, topt = _pair('SGD', dict(lr=0.1))
    ours = S.MultiStepLR(opt, milestones=[2, 4], gamma=0.5)
    theirs = torch.optim.lr_scheduler.MultiStepLR(topt, milestones=[2, 4], gamma=0.5)
    with pytest.warns(UserWarning, match='deprecated'):
        ours.step(5)
    with pytest.warns(UserWarning):
        theirs.step(5)
    assert ours.get_last_lr() == theirs.get_last_lr()
    assert np.isclose(ours.get_last_lr()[0], 0.025)


def _sequential(lib, opt):
    sch = lib.optim.lr_scheduler if lib is torch else S
    warm = sch.LinearLR(opt, start_factor=0.1, total_iters=4)
    decay = sch.ExponentialLR(opt, gamma=0.8)
    step = sch.StepLR(opt, step_size=3, gamma=0.5)
    return sch.SequentialLR(opt, [warm, decay, step], milestones=[5, 11])


def test_sequential_lr_equals_torch():
    ours_opt, torch_opt = _pair('SGD', dict(lr=0.1, momentum=0.9))
    ours, theirs = _sequential(mg, ours_opt), _sequential(torch, torch_opt)
    assert ours.get_last_lr() == theirs.get_last_lr()
    our_lrs, _ = _sequences(ours, ours_opt, 25)
    their_lrs, _ = _sequences(theirs, torch_opt, 25)
    assert our_lrs == their_lrs
    assert len({tuple(x) for x in our_lrs}) > 10


def test_sequential_lr_errors_like_torch():
    opt, _ = _pair('SGD', dict(lr=0.1))
    other, _ = _pair('SGD', dict(lr=0.1))
    a = S.ExponentialLR(opt, gamma=0.9)
    with pytest.raises(ValueError, match='one more than the number of milestone'):
        S.SequentialLR(opt, [a, S.StepLR(opt, 2)], milestones=[])
    with pytest.raises(ValueError, match='same optimizer'):
        S.SequentialLR(opt, [a, S.StepLR(other, 2)], milestones=[3])
    with pytest.raises(ValueError, match='ReduceLROnPlateau'):
        S.SequentialLR(opt, [a, S.ReduceLROnPlateau(opt)], milestones=[3])


METRICS = [1.0, 0.9, 0.9, 0.91, 0.95, 0.9, 0.89999, 0.95, 0.96, 0.97, 0.5, 0.5, 0.5, 0.5, 0.49,
           0.6, 0.7, 0.8, 0.9, 1.0, 1.1, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3]


@pytest.mark.parametrize('kwargs', [
    dict(),
    dict(patience=2),
    dict(mode='max', patience=1, factor=0.5),
    dict(patience=1, threshold=0.05, threshold_mode='abs', cooldown=2),
    dict(patience=0, factor=0.3, min_lr=[0.02, 0.001]),
    dict(mode='max', patience=0, threshold=0.01, threshold_mode='rel', min_lr=0.004, eps=1e-3),
], ids=lambda kw: '-'.join(f'{k}={v}' for k, v in kw.items()) or 'defaults')
def test_reduce_lr_on_plateau_equals_torch(kwargs):
    ours_opt, torch_opt = _pair('SGD', dict(lr=0.1, momentum=0.9))
    ours = S.ReduceLROnPlateau(ours_opt, **kwargs)
    theirs = torch.optim.lr_scheduler.ReduceLROnPlateau(torch_opt, **kwargs)
    our_lrs, their_lrs = [], []
    for m in METRICS * 2:
        ours.step(mg.tensor(m, dtype=mg.float64))      # a 0-d Tensor works, as in torch
        theirs.step(m)
        our_lrs.append(ours.get_last_lr())
        their_lrs.append(theirs.get_last_lr())
        assert (ours.best, ours.num_bad_epochs, ours.cooldown_counter) == \
            (theirs.best, theirs.num_bad_epochs, theirs.cooldown_counter)
    assert our_lrs == their_lrs
    assert len({tuple(x) for x in our_lrs}) > 1


def test_reduce_lr_on_plateau_state_round_trip_and_errors(tmp_path):
    opt, _ = _pair('SGD', dict(lr=0.1))
    sched = S.ReduceLROnPlateau(opt, patience=1, mode='max')
    for m in METRICS[:6]:
        sched.step(m)
    mg.save({'opt': opt.state_dict(), 'sched': sched.state_dict()}, tmp_path / 's.ckpt')
    expected = []
    for m in METRICS[6:]:
        sched.step(m)
        expected.append(sched.get_last_lr())
    ck = mg.load(tmp_path / 's.ckpt')
    opt2, _ = _pair('SGD', dict(lr=0.1))
    sched2 = S.ReduceLROnPlateau(opt2)
    opt2.load_state_dict(ck['opt'])
    sched2.load_state_dict(ck['sched'])
    got = []
    for m in METRICS[6:]:
        sched2.step(m)
        got.append(sched2.get_last_lr())
    assert got == expected and sched2.mode == 'max'
    with pytest.raises(ValueError, match='Factor should be < 1.0'):
        S.ReduceLROnPlateau(opt, factor=1.0)
    with pytest.raises(ValueError, match="mode 'up' is unknown"):
        S.ReduceLROnPlateau(opt, mode='up')
    with pytest.raises(ValueError, match='expected 2 min_lrs'):
        S.ReduceLROnPlateau(opt, min_lr=[0.1])


class _Warmup:
    """A callable object: LambdaLR saves its __dict__ (plain functions are not saved)."""

    def __init__(self, n):
        self.n = n

    def __call__(self, epoch):
        return min(1.0, (epoch + 1) / self.n)


def test_lambda_lr_state_dict_keeps_callable_objects_like_torch():
    opt, topt = _pair('SGD', dict(lr=0.1))
    ours = S.LambdaLR(opt, [_Warmup(4), lambda e: 0.9 ** e])
    theirs = torch.optim.lr_scheduler.LambdaLR(topt, [_Warmup(4), lambda e: 0.9 ** e])
    sd, tsd = ours.state_dict(), theirs.state_dict()
    assert sd['lr_lambdas'] == tsd['lr_lambdas'] == [{'n': 4}, None]
    ours.lr_lambdas[0].n = 10
    ours.load_state_dict(sd)
    assert ours.lr_lambdas[0].n == 4
    with pytest.raises(ValueError, match='Expected 2 lr_lambdas'):
        S.LambdaLR(opt, [lambda e: 1.0])


def test_linear_and_exponential_closed_forms_like_torch():
    for name, kw in (('LinearLR', dict(start_factor=0.2, total_iters=6)),
                     ('ExponentialLR', dict(gamma=0.7))):
        opt, topt = _pair('SGD', dict(lr=0.1))
        ours, theirs = getattr(S, name)(opt, **kw), getattr(torch.optim.lr_scheduler, name)(topt, **kw)
        with pytest.warns(UserWarning):
            ours.step(4)
        with pytest.warns(UserWarning):
            theirs.step(4)
        assert ours.get_last_lr() == theirs.get_last_lr()
    with pytest.raises(ValueError, match='Starting multiplicative factor'):
        S.LinearLR(opt, start_factor=0.0)


@pytest.mark.parametrize('opt_name,opt_kw,make', [
    ('SGD', dict(lr=0.1, momentum=0.9), _sequential),
    ('Adadelta', dict(lr=1.0), lambda lib, o: (lib.optim.lr_scheduler if lib is torch else S)
     .LambdaLR(o, lambda e: 1.0 / (1 + 0.3 * e))),
    ('Adam', dict(lr=0.05), lambda lib, o: (lib.optim.lr_scheduler if lib is torch else S)
     .LinearLR(o, start_factor=0.25, total_iters=8)),
])
def test_parameter_trajectories_under_a_schedule_equal_torch(opt_name, opt_kw, make):
    """Train the same problem 30 steps with each library; parameters must agree at every step."""
    rng = np.random.default_rng(0)
    w0, X = rng.standard_normal(5), rng.standard_normal((16, 5))
    y = X @ rng.standard_normal(5) + 0.1 * rng.standard_normal(16)
    trajs = []
    for lib in (mg, torch):
        w = lib.tensor(w0, requires_grad=True)
        Xt, yt = lib.tensor(X), lib.tensor(y)
        opt = getattr(lib.optim, opt_name)([w], **opt_kw)
        sched = make(lib, opt)
        traj = []
        for _ in range(30):
            opt.zero_grad()
            (((Xt @ w) - yt) ** 2).mean().backward()
            opt.step()
            sched.step()
            traj.append(w.detach().numpy().copy())
        trajs.append(np.array(traj))
    np.testing.assert_allclose(trajs[0], trajs[1], rtol=1e-10, atol=1e-12)
    assert not np.allclose(trajs[0][-1], w0)


def test_reduce_on_plateau_trajectory_equals_torch():
    rng = np.random.default_rng(1)
    w0, X = rng.standard_normal(4), rng.standard_normal((12, 4))
    y = rng.standard_normal(12)
    trajs, lrs = [], []
    for lib in (mg, torch):
        w = lib.tensor(w0, requires_grad=True)
        Xt, yt = lib.tensor(X), lib.tensor(y)
        opt = getattr(lib, 'optim').SGD([w], lr=0.3, momentum=0.9)
        sched = lib.optim.lr_scheduler.ReduceLROnPlateau(opt, patience=1, factor=0.5)
        traj, lr = [], []
        for _ in range(40):
            opt.zero_grad()
            loss = (((Xt @ w) - yt) ** 2).mean()
            loss.backward()
            opt.step()
            sched.step(loss.item())
            traj.append(w.detach().numpy().copy())
            lr.append(opt.param_groups[0]['lr'])
        trajs.append(np.array(traj))
        lrs.append(lr)
    assert lrs[0] == lrs[1] and len(set(lrs[0])) > 2
    np.testing.assert_allclose(trajs[0], trajs[1], rtol=1e-10, atol=1e-12)



def _chained(lib, opt):
    sch = lib.optim.lr_scheduler if lib is torch else S
    return sch.ChainedScheduler([sch.ConstantLR(opt, factor=0.25, total_iters=4),
                                 sch.ExponentialLR(opt, gamma=0.9),
                                 sch.MultiStepLR(opt, milestones=[6, 9], gamma=0.5)])


def test_chained_scheduler_equals_torch_and_round_trips(tmp_path):
    ours_opt, torch_opt = _pair('SGD', dict(lr=0.1, momentum=0.9))
    ours, theirs = _chained(mg, ours_opt), _chained(torch, torch_opt)
    assert ours.get_last_lr() == theirs.get_last_lr()
    our_lrs, _ = _sequences(ours, ours_opt, 15)
    their_lrs, _ = _sequences(theirs, torch_opt, 15)
    assert our_lrs == their_lrs and len({tuple(x) for x in our_lrs}) > 8
    mg.save({'opt': ours_opt.state_dict(), 'sched': ours.state_dict()}, tmp_path / 'c.ckpt')
    expected, _ = _sequences(ours, ours_opt, 5)
    opt2, _ = _pair('SGD', dict(lr=0.1, momentum=0.9))
    again = _chained(mg, opt2)
    ck = mg.load(tmp_path / 'c.ckpt')
    opt2.load_state_dict(ck['opt'])
    again.load_state_dict(ck['sched'])
    assert _sequences(again, opt2, 5)[0][1:] == expected[1:]


def test_warm_restarts_with_fractional_epochs_like_torch():
    ours_opt, torch_opt = _pair('SGD', dict(lr=0.1))
    ours = S.CosineAnnealingWarmRestarts(ours_opt, T_0=4, T_mult=2)
    theirs = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(torch_opt, T_0=4, T_mult=2)
    for epoch in (0.5, 1.25, 3.9, 4.0, 7.3, 12.0, 13.5, 30.2):
        ours.step(epoch)
        theirs.step(epoch)
        assert ours.get_last_lr() == theirs.get_last_lr()
    with pytest.raises(ValueError, match='positive integer T_0'):
        S.CosineAnnealingWarmRestarts(ours_opt, T_0=0)



def test_cyclic_lr_state_round_trip_and_errors(tmp_path):
    p = mg.zeros(2, requires_grad=True)
    opt = mg.optim.SGD([p], lr=0.1, momentum=0.9)
    sched = S.CyclicLR(opt, base_lr=0.01, max_lr=0.1, step_size_up=3, mode='triangular2')
    for _ in range(7):
        opt.step()
        sched.step()
    mg.save({'opt': opt.state_dict(), 'sched': sched.state_dict()}, tmp_path / 'c.ckpt')
    expected = _sequences(sched, opt, 8)
    ck = mg.load(tmp_path / 'c.ckpt')
    q = mg.zeros(2, requires_grad=True)
    opt2 = mg.optim.SGD([q], lr=0.1, momentum=0.9)
    sched2 = S.CyclicLR(opt2, base_lr=0.01, max_lr=0.1, step_size_up=3, mode='triangular2')
    opt2.load_state_dict(ck['opt'])
    sched2.load_state_dict(ck['sched'])
    got = _sequences(sched2, opt2, 8)
    assert got[0][1:] == expected[0][1:] and got[1][1:] == expected[1][1:]
    with pytest.raises(ValueError, match='mode .* is invalid'):
        S.CyclicLR(opt, 0.01, 0.1, mode='sawtooth')
    with pytest.raises(ValueError, match='must support momentum'):
        S.CyclicLR(mg.optim.Adagrad([q]), 0.01, 0.1)

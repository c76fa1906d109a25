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
    assert len({tuple(x) for x in our_lrs}) > 2       # the schedule really changed the lr
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

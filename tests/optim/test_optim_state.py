"""Optimizer API: parameter groups, zero_grad, in-place updates, state_dict round trips, errors."""
import warnings

import numpy as np
import pytest

import minigrad as mg
from minigrad.optim import (ASGD, SGD, Adadelta, Adagrad, Adam, Adamax, AdamW, NAdam, Optimizer,
                            RAdam, RMSprop, Rprop)


def _params(dtype=np.float32, seed=0):
    rng = np.random.default_rng(seed)
    return [mg.tensor(rng.standard_normal(s).astype(dtype), requires_grad=True)
            for s in [(4, 3), (3,), (2, 2)]]


def _loss(params):
    a, b, c = params
    return ((a * a).sum() * 0.5 + (a.sum(dim=0) * b).tanh().sum() + (c ** 4).sum() * 0.1
            - (c * b[:2]).sum())


def _train(opt, params, steps):
    for _ in range(steps):
        opt.zero_grad()
        _loss(params).backward()
        opt.step()


ALL = [
    (SGD, dict(lr=0.1)),
    (SGD, dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01)),
    (SGD, dict(lr=0.1, momentum=0.9, dampening=0.2)),
    (Adam, dict(lr=0.05)),
    (Adam, dict(lr=0.05, amsgrad=True, weight_decay=0.1)),
    (AdamW, dict(lr=0.05, amsgrad=True)),
    (RMSprop, dict(lr=0.01, momentum=0.9, centered=True)),
    (RMSprop, dict(lr=0.01, weight_decay=0.1)),
    (Adadelta, dict(lr=1.0, weight_decay=0.1)),
    (Adagrad, dict(lr=0.1, lr_decay=0.01, initial_accumulator_value=0.1)),
    (Adamax, dict(lr=0.05, weight_decay=0.1)),
    (NAdam, dict(lr=0.05, weight_decay=0.1)),
    (RAdam, dict(lr=0.05, betas=(0.9, 0.9))),
    (Rprop, dict(lr=0.05, etas=(0.4, 1.3))),
    (ASGD, dict(lr=0.05, t0=3, weight_decay=0.1)),
]
IDS = [f'{c.__name__}-{"-".join(f"{k}={v}" for k, v in kw.items())}' for c, kw in ALL]


@pytest.mark.parametrize('cls,kwargs', ALL, ids=IDS)
def test_state_dict_round_trip_through_a_file_continues_bit_identically(cls, kwargs, tmp_path):
    ref = _params()
    opt = cls(ref, **kwargs)
    _train(opt, ref, 10)

    # checkpoint mid-trajectory, to disk and back, into fresh objects
    mg.save({'params': [p.detach() for p in ref], 'optim': opt.state_dict()}, tmp_path / 'ckpt')
    _train(opt, ref, 10)

    ck = mg.load(tmp_path / 'ckpt')
    fresh = [mg.tensor(p.numpy(), requires_grad=True) for p in ck['params']]
    opt2 = cls(fresh, lr=123.0)               # options come back from the state dict
    opt2.load_state_dict(ck['optim'])
    assert opt2.param_groups[0]['lr'] == kwargs['lr']
    _train(opt2, fresh, 10)
    for a, b in zip(ref, fresh):
        assert a.dtype == b.dtype == np.float32
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert all(k in opt2.state[fresh[0]] for k in opt.state[ref[0]])


def test_state_dict_layout_is_torch_like():
    params = _params()
    opt = Adam([{'params': params[:1], 'lr': 0.1}, {'params': params[1:]}], lr=0.01, amsgrad=True)
    _train(opt, params, 2)
    sd = opt.state_dict()
    assert set(sd) == {'state', 'param_groups'}
    assert sorted(sd['state']) == [0, 1, 2]
    assert [g['params'] for g in sd['param_groups']] == [[0], [1, 2]]
    assert sd['param_groups'][0]['lr'] == 0.1 and sd['param_groups'][1]['lr'] == 0.01
    assert sd['param_groups'][0]['betas'] == (0.9, 0.999)
    st = sd['state'][1]
    assert st['step'] == 2 and type(st['step']) is int
    assert set(st) == {'step', 'exp_avg', 'exp_avg_sq', 'max_exp_avg_sq'}
    assert isinstance(st['exp_avg'], mg.Tensor) and st['exp_avg'].shape == params[1].shape
    # the state dict does not hold the parameters themselves
    assert all(not isinstance(v, mg.Tensor) for g in sd['param_groups'] for v in g['params'])


def test_load_state_dict_copies_and_casts_to_the_params_dtype():
    src = _params(np.float64)
    opt = SGD(src, lr=0.1, momentum=0.9)
    _train(opt, src, 3)
    dst = _params(np.float32)
    opt2 = SGD(dst, lr=0.1, momentum=0.9)
    sd = opt.state_dict()
    opt2.load_state_dict(sd)
    buf = opt2.state[dst[0]]['momentum_buffer']
    assert buf.dtype == np.float32
    np.testing.assert_allclose(buf.numpy(), sd['state'][0]['momentum_buffer'].numpy(), rtol=1e-6)
    before = sd['state'][0]['momentum_buffer'].numpy().copy()
    _train(opt2, dst, 2)      # updating the loaded state must not write into the source
    np.testing.assert_array_equal(sd['state'][0]['momentum_buffer'].numpy(), before)


def test_load_state_dict_accepts_numpy_arrays_and_keeps_unknown_keys_of_the_group():
    params = _params()
    opt = Adam(params, lr=0.01)
    _train(opt, params, 1)
    sd = opt.state_dict()
    sd = {'state': {k: {kk: (vv.numpy() if isinstance(vv, mg.Tensor) else vv) for kk, vv in v.items()}
                    for k, v in sd['state'].items()},
          'param_groups': [dict(g, initial_lr=0.5) for g in sd['param_groups']]}
    opt2 = Adam(_params(), lr=0.01)
    opt2.load_state_dict(sd)
    st = opt2.state[opt2.param_groups[0]['params'][0]]
    assert isinstance(st['exp_avg'], mg.Tensor) and st['step'] == 1
    assert opt2.param_groups[0]['initial_lr'] == 0.5
    assert opt2.param_groups[0]['params'][0] is not params[0]


def test_load_state_dict_rejects_mismatched_groups_with_a_clear_error():
    params = _params()
    opt = SGD(params, lr=0.1, momentum=0.9)
    _train(opt, params, 1)
    sd = opt.state_dict()
    with pytest.raises(ValueError, match=r'1 parameter group\(s\), but the optimizer has 2'):
        SGD([{'params': params[:1]}, {'params': params[1:]}], lr=0.1).load_state_dict(sd)
    with pytest.raises(ValueError, match=r'group 0 has 3 parameter\(s\), but the optimizer.s group 0 has 2'):
        SGD(params[:2], lr=0.1).load_state_dict(sd)
    other = [mg.randn(5, requires_grad=True), params[1], params[2]]
    with pytest.raises(ValueError, match=r"'momentum_buffer' of parameter 0 has shape \(4, 3\)"):
        SGD(other, lr=0.1).load_state_dict(sd)
    with pytest.raises(ValueError, match="'state' and 'param_groups'"):
        SGD(params, lr=0.1).load_state_dict({'weights': 1})


@pytest.mark.parametrize('cls,kwargs', ALL, ids=IDS)
def test_updates_are_in_place_keep_identity_and_dtype_and_bump_versions(cls, kwargs):
    params = _params()
    arrays = [p.array for p in params]
    opt = cls(params, **kwargs)
    before = [a.copy() for a in arrays]
    versions = [p._version for p in params]
    _train(opt, params, 2)
    for p, a, b, v in zip(params, arrays, before, versions):
        assert p.array is a and p.dtype == np.float32 and p.requires_grad and p.is_leaf
        assert not np.array_equal(a, b)
        assert p._version == v + 2                   # each step is an in-place change


@pytest.mark.parametrize('cls', [SGD, Adam, AdamW, RMSprop, Adadelta, Adagrad, Adamax, NAdam,
                                 RAdam, Rprop, ASGD])
def test_numpy_float64_hyperparameters_do_not_promote_float32(cls):
    params = _params()
    opt = cls(params, lr=0.01)
    for g in opt.param_groups:
        g['lr'] = np.float64(0.01)
        if 'betas' in g:
            g['betas'] = (np.float64(0.9), np.float64(0.999))
        g['weight_decay'] = np.float64(0.1)
    _train(opt, params, 2)
    assert all(p.dtype == np.float32 for p in params)
    assert all(v.dtype == np.float32 for s in opt.state.values() for v in s.values()
               if isinstance(v, mg.Tensor))


def test_zero_grad_sets_to_none_or_zeros():
    params = _params()
    opt = SGD(params, lr=0.1)
    _loss(params).backward()
    opt.zero_grad(set_to_none=False)
    assert all(p.grad is not None and not p.grad.numpy().any() for p in params)
    grads = [p.grad for p in params]
    _loss(params).backward()             # accumulates into the zeroed grads
    assert all(p.grad.numpy().any() for p in params)
    opt.zero_grad()
    assert all(p.grad is None for p in params)
    assert grads[0].shape == params[0].shape


def test_step_with_closure_returns_its_loss():
    params = _params()
    opt = SGD(params, lr=0.1)

    def closure():
        opt.zero_grad()
        loss = _loss(params)
        loss.backward()
        return loss

    with mg.no_grad():           # the closure runs with grad enabled regardless
        loss = opt.step(closure)
    assert isinstance(loss, mg.Tensor) and params[0].grad is not None


def test_param_groups_add_param_group_and_defaults():
    a, b, c = _params()
    opt = SGD([{'params': [a], 'lr': 0.5}, {'params': b}], lr=0.1, momentum=0.9)
    assert [g['lr'] for g in opt.param_groups] == [0.5, 0.1]
    assert all(g['momentum'] == 0.9 for g in opt.param_groups)
    assert opt.param_groups[1]['params'][0] is b
    opt.add_param_group({'params': [c], 'momentum': 0.0})
    assert opt.param_groups[2]['lr'] == 0.1 and opt.param_groups[2]['momentum'] == 0.0
    with pytest.raises(ValueError, match='more than one parameter group'):
        opt.add_param_group({'params': [a]})
    with pytest.raises(TypeError, match='must be a dict'):
        opt.add_param_group([a])
    assert 'Parameter Group 2' in repr(opt) and 'lr: 0.5' in repr(opt)


def test_plain_sgd_keeps_no_state_like_torch():
    params = _params()
    opt = SGD(params, lr=0.1)
    _train(opt, params, 2)
    assert opt.state_dict()['state'] == {}


def test_named_parameters_are_accepted_and_names_kept():
    a, b, _ = _params()
    opt = Adam([('w', a), ('b', b)], lr=0.1)
    assert opt.param_groups[0]['params'][0] is a
    assert opt.state_dict()['param_groups'][0]['param_names'] == ['w', 'b']


def test_constructor_errors_are_clear():
    a, b, _ = _params()
    with pytest.raises(TypeError, match='iterable of Tensors or dicts'):
        SGD(a, lr=0.1)
    with pytest.raises(ValueError, match='empty parameter list'):
        SGD([], lr=0.1)
    with pytest.raises(TypeError, match='ordered collections'):
        SGD({a, b}, lr=0.1)
    with pytest.raises(TypeError, match='can only optimize Tensors'):
        SGD([a, np.zeros(3)], lr=0.1)
    with pytest.raises(ValueError, match='non-leaf'):
        SGD([a * 2], lr=0.1)
    with pytest.raises(ValueError, match='Invalid learning rate'):
        SGD([a], lr=-1.0)
    with pytest.raises(ValueError, match='Nesterov momentum requires'):
        SGD([a], lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match='beta parameter at index 1'):
        Adam([a], betas=(0.9, 1.0))
    with pytest.raises(ValueError, match='Invalid epsilon'):
        RMSprop([a], eps=-1e-8)
    with pytest.raises(ValueError, match='Invalid momentum'):
        RMSprop([a], momentum=-0.1)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter('always')
        SGD([a, a], lr=0.1)
    assert any('duplicate' in str(x.message) for x in w)


def test_base_class_step_is_abstract_and_custom_optimizers_can_subclass():
    class Halve(Optimizer):
        def __init__(self, params):
            super().__init__(params, {'factor': 0.5})

        def step(self, closure=None):
            for group in self.param_groups:
                for p, x, g in self._params_with_grad(group):
                    self.state[p]['n'] = self.state[p].get('n', 0) + 1
                    x *= group['factor']

    a = mg.ones(3, requires_grad=True)
    opt = Halve([a])
    (a * 1.0).sum().backward()
    opt.step()
    np.testing.assert_array_equal(a.numpy(), np.full(3, 0.5, np.float32))
    assert opt.state_dict()['state'] == {0: {'n': 1}}
    with pytest.raises(NotImplementedError):
        Optimizer([a], {}).step()


def test_step_pre_and_post_hooks_like_torch():
    torch = pytest.importorskip('torch')
    logs = []
    for lib in (mg, torch):
        p = lib.ones(2, requires_grad=True)
        opt = lib.optim.SGD([p], lr=0.5)
        log = []
        pre = opt.register_step_pre_hook(
            lambda o, a, k, log=log: log.append(('pre', a == (o,), k)))
        opt.register_step_post_hook(lambda o, a, k, log=log: log.append(('post', a == (o,), k)))
        (p * p).sum().backward()
        opt.step()
        pre.remove()
        opt.step()
        logs.append(log)
        np.testing.assert_allclose(np.array(p.detach().numpy()), [-1.0, -1.0])
    assert logs[0] == logs[1] == [('pre', True, {}), ('post', True, {}), ('post', True, {})]
    p = mg.ones(1, requires_grad=True)
    opt = Adadelta([p])
    opt.register_step_pre_hook(lambda o, a, k: 'bad')
    with pytest.raises(RuntimeError, match='must return None or a tuple'):
        opt.step()


def test_torch_implementation_switches_are_accepted_or_refused_clearly():
    p = mg.zeros(2, requires_grad=True)
    for cls in (SGD, Adam, AdamW, RMSprop, Adadelta, Adagrad, Adamax, NAdam, RAdam, Rprop, ASGD):
        opt = cls([p], foreach=False)
        assert opt.param_groups[0]['foreach'] is False
    assert SGD([p]).param_groups[0]['lr'] == 1e-3              # torch 2.13's default
    with pytest.raises(NotImplementedError, match='fused=True'):
        Adam([p], fused=True)
    with pytest.raises(NotImplementedError, match='differentiable=True'):
        RMSprop([p], differentiable=True)


def test_a_module_instead_of_its_parameters_says_what_to_pass():
    with pytest.raises(TypeError, match=r'got a Linear module: pass model.parameters\(\)'):
        SGD(mg.nn.Linear(2, 2), lr=0.1)

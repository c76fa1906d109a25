"""Module hooks against PyTorch's: forward pre-hooks, forward hooks, full backward (pre-)hooks."""
import numpy as np
import pytest

import minigrad as mg
from minigrad import nn
from nn_helpers import close, copy_from_torch

torch = pytest.importorskip('torch')
tnn = torch.nn


def _pair():
    mg.manual_seed(0)
    torch.manual_seed(0)
    m = nn.Sequential(nn.Linear(4, 3), nn.Tanh(), nn.Linear(3, 2))
    t = tnn.Sequential(tnn.Linear(4, 3), tnn.Tanh(), tnn.Linear(3, 2))
    copy_from_torch(m, t)
    return m, t


def _x(requires_grad=True):
    a = np.random.default_rng(1).standard_normal((5, 4)).astype(np.float32)
    return mg.tensor(a, requires_grad=requires_grad), torch.tensor(a, requires_grad=requires_grad)


def test_forward_hooks_replace_input_and_output_like_torch():
    m, t = _pair()
    calls = []
    for mod, lib in ((m, 'mg'), (t, 'torch')):
        mod[0].register_forward_pre_hook(lambda mod_, args, lib=lib: (calls.append((lib, 'pre')),
                                                                      args[0] * 2)[1])
        mod[1].register_forward_hook(lambda mod_, args, out, lib=lib: (calls.append((lib, 'fwd')),
                                                                       out + 1)[1])
        mod[2].register_forward_hook(lambda mod_, args, out: None)     # None keeps the output
    x, tx = _x()
    y, ty = m(x), t(tx)
    close(y, ty, msg='forward')
    y.sum().backward()
    ty.sum().backward()
    close(x.grad, tx.grad, msg='input grad through the replaced input')
    assert [c for c in calls if c[0] == 'mg'] == [('mg', 'pre'), ('mg', 'fwd')]
    assert [c[1] for c in calls if c[0] == 'torch'] == ['pre', 'fwd']


def test_hooks_see_args_kwargs_and_run_in_order_with_prepend():
    class Scale(nn.Module):
        def forward(self, x, factor=1.0):
            return x * factor
    m = Scale()
    seen = []
    m.register_forward_hook(lambda mod, args, out: seen.append('a'))
    m.register_forward_hook(lambda mod, args, out: seen.append('b'), prepend=True)
    m.register_forward_pre_hook(lambda mod, args, kwargs: (args, {'factor': 3.0}), with_kwargs=True)
    m.register_forward_hook(lambda mod, args, kwargs, out: seen.append(kwargs['factor']),
                            with_kwargs=True)
    y = m(mg.ones(2), factor=2.0)
    np.testing.assert_array_equal(y.numpy(), [3.0, 3.0])
    assert seen == ['b', 'a', 3.0]


def test_handle_remove_and_context_manager():
    m = nn.Linear(2, 2)
    count = []
    h = m.register_forward_hook(lambda *a: count.append(1))
    m(mg.ones(1, 2))
    h.remove()
    h.remove()                      # twice is harmless
    m(mg.ones(1, 2))
    with m.register_forward_pre_hook(lambda *a: count.append(2)):
        m(mg.ones(1, 2))
    m(mg.ones(1, 2))
    assert count == [1, 2]
    assert not m._forward_hooks and not m._forward_pre_hooks


def test_always_call_forward_hook_runs_when_forward_raises():
    m = nn.Linear(3, 2)
    seen = []
    m.register_forward_hook(lambda mod, args, out: seen.append(out), always_call=True)
    with pytest.raises(RuntimeError, match='in_features=3'):
        m(mg.ones(2, 5))
    assert seen == [None]


def _np(g):
    """A hook's gradient (minigrad or torch Tensor, or None) as a NumPy array or None."""
    if g is None:
        return None
    return g.detach().numpy() if isinstance(g, torch.Tensor) else g.numpy()


def _record_backward(mod, store):
    def hook(module, grad_input, grad_output):
        store.append(([_np(g) for g in grad_input], [_np(g) for g in grad_output]))
    return mod.register_full_backward_hook(hook)


@pytest.mark.filterwarnings('ignore:Full backward hook is firing')
def test_full_backward_hook_sees_what_torch_sees():
    m, t = _pair()
    ours, theirs = [], []
    for i in range(3):
        _record_backward(m[i], ours)
        _record_backward(t[i], theirs)
    x, tx = _x(requires_grad=False)          # the first layer's input needs no grad
    m(x).sum().backward()
    t(tx).sum().backward()
    assert len(ours) == len(theirs) == 3
    for (gi, go), (tgi, tgo) in zip(ours, theirs):
        assert len(gi) == len(tgi) and len(go) == len(tgo)
        for a, b in zip(gi + go, tgi + tgo):
            if b is None:
                assert a is None
            else:
                np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert ours[-1][0] == [None]             # layer 0: its input does not require grad


def test_full_backward_hook_replaces_grad_input_like_torch():
    m, t = _pair()
    m[1].register_full_backward_hook(lambda mod, gi, go: (gi[0] * 0.5,))
    t[1].register_full_backward_hook(lambda mod, gi, go: (gi[0] * 0.5,))
    pre_m = m[2].register_full_backward_pre_hook(lambda mod, go: (go[0] * 3,))
    t[2].register_full_backward_pre_hook(lambda mod, go: (go[0] * 3,))
    x, tx = _x()
    m(x).sum().backward()
    t(tx).sum().backward()
    close(x.grad, tx.grad, msg='input grad')
    for (k, p), (_, tp) in zip(m.named_parameters(), t.named_parameters()):
        close(p.grad, tp.grad, msg=k)
    pre_m.remove()
    m.zero_grad()
    m(x).sum().backward()
    assert not np.allclose(m[2].weight.grad.numpy(), t[2].weight.grad.numpy())


def test_backward_hook_on_a_module_with_two_inputs():
    class Mul(nn.Module):
        def forward(self, a, b):
            return a * b
    a_np = np.arange(1.0, 4.0)
    got = []
    for lib in (mg, torch):
        m = Mul() if lib is mg else type('TMul', (tnn.Module,), {'forward': lambda s, a, b: a * b})()
        seen = []
        m.register_full_backward_hook(lambda mod, gi, go: seen.append([_np(g) for g in gi]))
        a = lib.tensor(a_np, requires_grad=True)
        b = lib.tensor(a_np * 10, requires_grad=True)
        m(a, b).sum().backward()
        got.append(seen)
    assert len(got[0]) == len(got[1]) == 1
    for x, y in zip(got[0][0], got[1][0]):
        np.testing.assert_allclose(x, y)
    m = Mul()
    m.register_full_backward_hook(lambda mod, gi, go: (gi[0], gi[1]))
    with pytest.raises(RuntimeError, match='one input that requires grad'):
        m(mg.ones(2, requires_grad=True), mg.ones(2, requires_grad=True)).sum().backward()


def test_hooks_do_not_enter_state_dict_and_plain_call_is_unchanged():
    m = nn.Linear(2, 2)
    m.register_forward_hook(lambda *a: None)
    m.register_full_backward_hook(lambda *a: None)
    assert list(m.state_dict()) == ['weight', 'bias']
    x = mg.ones(3, 2, requires_grad=True)
    m(x).sum().backward()
    assert x.grad.shape == (3, 2)
    with pytest.raises(TypeError, match='callable'):
        m.register_forward_hook(3)

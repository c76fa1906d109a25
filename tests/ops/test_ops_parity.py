"""PyTorch parity: forward values AND input gradients of every op, on the same float32 inputs.

Also PyTorch's conventions at the points where an op is not differentiable (ties of max/amax/
maximum, relu/abs at 0, clip at its bounds, pow at 0), var's default correction, the
(values, indices) of max/min with a dim, and softmax/log_softmax at logits of +-1e4.
"""
import numpy as np
import pytest

import minigrad as mg
from test_ops_cases import CASES, TorchLib, case_params

torch = pytest.importorskip('torch')
T = TorchLib()


def _both(arrays, requires_grad=True):
    """The same float arrays as minigrad and torch leaves."""
    ms = [mg.tensor(a, requires_grad=requires_grad) for a in arrays]
    ts = [torch.tensor(a, requires_grad=requires_grad) for a in arrays]
    return ms, ts


def _np(t):
    return t.detach().numpy() if isinstance(t, torch.Tensor) else t.numpy()


def _close(mine, theirs, rtol=1e-5, atol=1e-6, what=''):
    a, b = _np(mine), _np(theirs)
    assert a.shape == b.shape, f'{what}: shape {a.shape} != torch {b.shape}'
    assert str(a.dtype) == str(b.dtype).replace('torch.', ''), f'{what}: dtype {a.dtype} != torch {b.dtype}'
    np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, err_msg=what)


def _forward_backward(fn, arrays, grad_seed=0):
    """Run fn on both libraries, backward with the same random upstream gradient."""
    ms, ts = _both(arrays)
    mo, to = fn(mg, *ms), fn(T, *ts)
    g = np.random.default_rng(grad_seed).standard_normal(to.shape).astype(_np(to).dtype)
    mo.backward(mg.tensor(g))
    to.backward(torch.tensor(g))
    return ms, ts, mo, to


@pytest.mark.parametrize('case', case_params(CASES))
def test_parity(case):
    ms, ts, mo, to = _forward_backward(case.fn, case.arrays(np.float32))
    _close(mo, to, case.rtol, case.atol, f'{case.name} forward')
    for i, (m, t) in enumerate(zip(ms, ts)):
        assert m.grad is not None, f'{case.name}: input {i} got no gradient'
        _close(m.grad, t.grad, case.rtol, case.atol, f'{case.name} grad of input {i}')


# ---------------------------------------------------------------- non-differentiable points

def _grads_match(fn, arrays):
    ms, ts, mo, to = _forward_backward(fn, arrays)
    _close(mo, to, what='forward')
    for i, (m, t) in enumerate(zip(ms, ts)):
        _close(m.grad, t.grad, what=f'grad of input {i}')
    return ms


def test_maximum_minimum_ties_split_the_gradient_like_torch():
    a = np.array([1.0, 2.0, 3.0, -1.0], np.float32)
    b = np.array([1.0, 0.0, 3.0, 5.0], np.float32)
    ms = _grads_match(lambda lib, x, y: lib.maximum(x, y), [a, b])
    ga, gb = ms[0].grad.numpy(), ms[1].grad.numpy()
    assert ga[0] == gb[0] != 0 and ga[2] == gb[2] != 0     # the convention itself: equal halves
    _grads_match(lambda lib, x, y: lib.minimum(x, y), [a, b])
    _grads_match(lambda lib, x, y: lib.maximum(x, y), [a.reshape(2, 2), np.float32([[1.0], [-1.0]])])


TIED = np.array([[3.0, 1.0, 3.0, 0.0], [2.0, 2.0, 2.0, 2.0], [-1.0, 5.0, 0.0, 5.0]], np.float32)


@pytest.mark.parametrize('fn', [
    lambda lib, x: x.amax(),
    lambda lib, x: x.amax(dim=1),
    lambda lib, x: x.amax(dim=(0, 1), keepdim=True),
    lambda lib, x: x.amin(dim=0),
    lambda lib, x: x.max(),
    lambda lib, x: x.min(),
    lambda lib, x: x.max(dim=1).values,
    lambda lib, x: x.max(dim=0, keepdim=True).values,
    lambda lib, x: x.min(dim=1).values,
], ids=['amax', 'amax1', 'amax01k', 'amin0', 'max', 'min', 'max1', 'max0k', 'min1'])
def test_max_ties_follow_torch(fn):
    _grads_match(fn, [TIED])


def test_max_min_with_dim_return_values_and_first_index_like_torch():
    m, t = mg.tensor(TIED), torch.tensor(TIED)
    for dim in (0, 1, -1):
        for keepdim in (False, True):
            mv, mi = m.max(dim, keepdim=keepdim)
            tv, ti = t.max(dim, keepdim=keepdim)
            _close(mv, tv)
            _close(mi, ti)
            mv, mi = m.min(dim=dim, keepdim=keepdim)
            tv, ti = t.min(dim=dim, keepdim=keepdim)
            _close(mv, tv)
            _close(mi, ti)
    r = m.max(1)
    assert r.values is r[0] and r.indices is r[1]
    assert m.max().shape == () and m.max().item() == 5.0
    _close(m.argmax(1), t.argmax(1))
    _close(m.argmax(), t.argmax())


def test_relu_abs_clip_pow_at_nondifferentiable_points_like_torch():
    x = np.array([-1.0, 0.0, 0.5, 1.0, 2.0], np.float32)
    _grads_match(lambda lib, t: t.relu(), [x])
    _grads_match(lambda lib, t: t.abs(), [x])
    _grads_match(lambda lib, t: t.clip(0.0, 1.0), [x])            # bounds are inclusive
    _grads_match(lambda lib, t: t.clip(min=0.5), [x])
    _grads_match(lambda lib, t: t ** 2, [x])
    _grads_match(lambda lib, t: t ** 0, [x])                        # 0 ** 0: gradient 0, not nan
    _grads_match(lambda lib, t: t ** 1, [x])
    with np.errstate(divide='ignore', invalid='ignore'):      # 0 ** -0.5: inf, as torch
        _grads_match(lambda lib, a, b: a ** b,
                     [np.float32([0.0, 0.0, 0.0, 2.0, 0.0]), np.float32([2.0, 0.5, 0.0, 1.5, 1.0])])


def test_sqrt_log_at_zero_like_torch():
    x = np.array([0.0, 1.0], np.float32)
    with np.errstate(divide='ignore', invalid='ignore'):
        _grads_match(lambda lib, t: t.sqrt(), [x])
        _grads_match(lambda lib, t: t.log(), [x])


# ---------------------------------------------------------------- var, softmax

def test_var_default_is_unbiased_like_torch():
    a = np.random.default_rng(0).standard_normal((4, 5)).astype(np.float32)
    m, t = mg.tensor(a), torch.tensor(a)
    _close(m.var(), t.var())
    _close(m.var(0), t.var(0))
    _close(m.var(dim=1, unbiased=False), t.var(dim=1, unbiased=False))
    _close(m.var(1, correction=0), t.var(1, correction=0))
    _close(m.var(1, correction=2), t.var(1, correction=2))
    _close(m.std(1), t.std(1))
    np.testing.assert_allclose(m.var().item(), a.astype(np.float64).var(ddof=1), rtol=1e-5)


@pytest.mark.parametrize('name', ['softmax', 'log_softmax'])
def test_softmax_stable_at_huge_logits(name):
    a = np.array([[1e4, -1e4, 0.0], [-1e4, -1e4, -1e4], [1e4, 1e4, 1e4 - 1], [3.0, 1e4, -1e4]],
                 np.float32)
    ms, ts = _both([a])
    mo, to = getattr(ms[0], name)(dim=-1), getattr(ts[0], name)(dim=-1)
    assert np.isfinite(mo.numpy()).all()
    _close(mo, to, what='forward')
    g = np.random.default_rng(0).standard_normal(a.shape).astype(np.float32)
    mo.backward(mg.tensor(g))
    to.backward(torch.tensor(g))
    assert np.isfinite(ms[0].grad.numpy()).all()
    _close(ms[0].grad, ts[0].grad, what='grad')


def test_sigmoid_saturates_without_overflow_like_torch():
    a = np.array([-1e4, -100.0, -20.0, 0.0, 20.0, 100.0, 1e4], np.float32)
    with np.errstate(over='raise', invalid='raise', divide='raise'):
        _grads_match(lambda lib, t: t.sigmoid(), [a])
    _grads_match(lambda lib, t: t.tanh(), [a])


@pytest.mark.parametrize('dtype', [np.float32, np.int64, np.int32, np.uint8])
def test_argmax_argmin_like_torch(dtype):
    a = np.array([[3, 1, 3, 0], [2, 2, 0, 5], [1, 0, 4, 4]]).astype(dtype)
    m, t = mg.tensor(a), torch.tensor(a)
    for name in ('argmax', 'argmin'):
        _close(getattr(m, name)(), getattr(t, name)(), what=name)
        for dim in (0, 1, -1):
            for keepdim in (False, True):
                _close(getattr(m, name)(dim, keepdim=keepdim), getattr(t, name)(dim, keepdim=keepdim),
                       what=f'{name}({dim}, keepdim={keepdim})')
    assert mg.tensor([True, False, True]).argmin().item() == 1
    assert mg.tensor(3.0).argmax(0).item() == 0 and mg.tensor(3.0).argmin().item() == 0

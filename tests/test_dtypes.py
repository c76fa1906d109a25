"""dtypes: float32 stays float32 through every op and its backward, Python scalars don't
promote, float64 works end to end, and int/bool tensors follow PyTorch's promotion rules."""
import os
import sys

import numpy as np
import pytest

import minigrad as mg

sys.path.insert(0, os.path.join(os.path.dirname(__file__), 'ops'))   # the shared op table
from test_ops_cases import CASES, TorchLib, case_params


def _instrument(out):
    """Wrap the backward of every node of out's graph to record gradients of the wrong dtype:
    the gradient reaching a node must have the node's dtype, and the one it sends to an
    input the input's dtype (a float64 detour inside backward would otherwise be hidden)."""
    bad, seen, stack = [], set(), [out]
    while stack:
        t = stack.pop()
        fn = t.grad_fn
        if fn is None or id(fn) in seen:
            continue
        seen.add(id(fn))

        def wrapped(g, fn=fn, orig=fn.backward, t_dtype=t.dtype, parents=fn.parents):
            if g.dtype != t_dtype:
                bad.append(f'{fn.name} received a {g.dtype} gradient for a {t_dtype} output')
            res = orig(g)
            for p, r in zip(parents, res if isinstance(res, tuple) else (res,)):
                if r is not None and r.dtype != p.dtype:
                    bad.append(f'{fn.name} sent a {r.dtype} gradient to a {p.dtype} input')
            return res
        fn.backward = wrapped
        stack.extend(fn.parents)
    return bad


@pytest.mark.parametrize('dtype', [np.float32, np.float64], ids=['float32', 'float64'])
@pytest.mark.parametrize('case', case_params(CASES))
def test_op_keeps_the_float_dtype_forward_and_backward(case, dtype):
    xs = [mg.tensor(a, requires_grad=True) for a in case.arrays(dtype)]
    out = case.fn(mg, *xs)
    expected = case.out_dtype(dtype) if case.out_dtype else dtype
    assert out.dtype == expected, f'{case.name}: output is {out.dtype}, expected {np.dtype(expected)}'
    assert isinstance(out.array, np.ndarray)
    bad = _instrument(out)
    out.backward(mg.ones(out.shape, dtype=out.dtype))
    assert not bad, bad
    for i, x in enumerate(xs):
        assert x.grad is not None and x.grad.dtype == dtype, f'input {i}: grad {x.grad.dtype}'


# ---------------------------------------------------------------- Python scalars

@pytest.mark.parametrize('expr', [
    lambda x: x * 2.5, lambda x: 2.5 * x, lambda x: x / 3, lambda x: 3 / x, lambda x: x ** 0.5,
    lambda x: 2.5 ** x, lambda x: x + 1, lambda x: x - 1e-300, lambda x: x * 1e300 * 0.0,
    lambda x: x * np.float64(2.5), lambda x: np.float64(2.5) * x, lambda x: x + np.int64(3),
    lambda x: x ** 2, lambda x: x ** np.float64(2.0), lambda x: x ** np.int64(3), lambda x: x.clip(-0.5, 0.5),
    lambda x: mg.where(x > 0, x, 0.1), lambda x: mg.where(x > 0, 2.5, x),
    lambda x: x * mg.tensor(2.0, dtype=mg.float64),      # a 0-d float64 tensor: like PyTorch
    lambda x: mg.tensor(2.0, dtype=mg.float64) + x,
    lambda x: mg.pad(x, (1, 1), value=0.5), lambda x: x.var() / 7,
], ids=['x*2.5', '2.5*x', 'x/3', '3/x', 'x**0.5', '2.5**x', 'x+1', 'x-1e-300', 'x*1e300*0',
        'x*np.float64', 'np.float64*x', 'x+np.int64', 'x**2', 'x**np.float64', 'x**np.int64', 'clip', 'where-x-s',
        'where-s-x', 'x*0d-float64', '0d-float64+x', 'pad-value', 'var/7'])
def test_python_scalars_do_not_promote_float32(expr):
    x = mg.tensor([0.5, 1.5, 2.0], requires_grad=True)
    with np.errstate(over='ignore', invalid='ignore'):
        out = expr(x)
        assert out.dtype == np.float32
        bad = _instrument(out)
        out.sum().backward()
    assert not bad, bad
    assert x.grad.dtype == np.float32


def test_float64_end_to_end():
    mg.manual_seed(0)
    x = mg.randn(8, 4, dtype=mg.float64)
    w = mg.randn(4, 3, dtype=mg.float64, requires_grad=True)
    b = mg.zeros(3, dtype=mg.float64, requires_grad=True)
    h = (x @ w + b).tanh()
    loss = (h.log_softmax(-1)[mg.arange(8), mg.tensor([0, 1, 2, 0, 1, 2, 0, 1])]).mean() * -1.0
    assert h.dtype == np.float64 and loss.dtype == np.float64
    bad = _instrument(loss)
    loss.backward()
    assert not bad, bad
    assert w.grad.dtype == np.float64 and b.grad.dtype == np.float64
    assert mg.testing.gradcheck(lambda w_, b_: ((x @ w_ + b_).tanh().log_softmax(-1)).mean(), [w, b])


# ---------------------------------------------------------------- int and bool tensors

def test_int_and_bool_tensors_follow_pytorch():
    i = mg.tensor([1, 2, 3, 4])
    b = mg.tensor([True, False, True, True])
    assert i.dtype == np.int64
    assert (i / i).dtype == np.float32 and (i / i).numpy().tolist() == [1.0] * 4
    assert (i / 2).dtype == np.float32 and (i / 2).numpy().tolist() == [0.5, 1.0, 1.5, 2.0]
    assert (2 / i).dtype == np.float32
    assert (i + 2.5).dtype == np.float32 and (2.5 - i).dtype == np.float32
    assert (i * 2).dtype == np.int64 and (i - 1).dtype == np.int64 and (-i).dtype == np.int64
    assert (i ** 2).dtype == np.int64 and (2 ** i).dtype == np.int64
    assert (2 ** i).numpy().tolist() == [2, 4, 8, 16]
    assert (i ** 0.5).dtype == np.float32 and (2.5 ** i).dtype == np.float32
    assert i.mean().dtype == np.float32 and i.mean().item() == 2.5
    assert i.var().dtype == np.float32
    assert i.sum().dtype == np.int64 and i.sum().item() == 10
    assert b.sum().dtype == np.int64 and b.sum().item() == 3
    assert b.sum(0).dtype == np.int64
    assert mg.tensor([1, 2], dtype=mg.int32).sum().dtype == np.int64
    assert (b + 1).dtype == np.int64 and (b * 2.5).dtype == np.float32
    assert i.exp().dtype == np.float32 and i.sqrt().dtype == np.float32
    assert i.abs().dtype == np.int64 and i.relu().dtype == np.int64
    assert i.amax().dtype == np.int64 and i.max(0).values.dtype == np.int64
    assert i.argmax().dtype == np.int64 and i.argmax().item() == 3
    f = mg.tensor([1.0, 2.0, 3.0, 4.0])
    assert (i + f).dtype == np.float32 and (f * i).dtype == np.float32
    assert mg.cat([i, f]).dtype == np.float32 and mg.stack([i, f]).dtype == np.float32
    assert i.clip(0.5, 2).dtype == np.float32 and i.clip(1, 2).dtype == np.int64
    assert (mg.tensor([1, 2], dtype=mg.int32) * 2.5).dtype == np.float32
    assert (mg.tensor([1, 2], dtype=mg.int32) * 2).dtype == np.int32


def test_int_tensors_cannot_require_grad_but_mix_with_float_ones():
    with pytest.raises(RuntimeError, match='floating point'):
        mg.tensor([1, 2], requires_grad=True)
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    i = mg.tensor([3, 4])
    (x * i).sum().backward()
    assert x.grad.dtype == np.float32 and x.grad.numpy().tolist() == [3.0, 4.0]
    x.grad = None
    (x.double() * mg.tensor([1, 1], dtype=mg.int32)).sum().backward()
    assert x.grad.dtype == np.float32


# the result dtype of mixed-dtype expressions, compared with PyTorch's
_I, _F, _B, _I32, _D = range(5)
MIXED = {
    'i/i': lambda L, t: t[_I] / t[_I], '2/i': lambda L, t: 2 / t[_I], 'i+2.5': lambda L, t: t[_I] + 2.5,
    'i*2': lambda L, t: t[_I] * 2, 'i**2': lambda L, t: t[_I] ** 2, '2**i': lambda L, t: 2 ** t[_I],
    '2.5**i': lambda L, t: 2.5 ** t[_I], 'i**i': lambda L, t: t[_I] ** t[_I],
    'i.exp': lambda L, t: t[_I].exp(), 'i.sigmoid': lambda L, t: t[_I].sigmoid(),
    'i.sum': lambda L, t: t[_I].sum(), 'i32.sum': lambda L, t: t[_I32].sum(),
    'b.sum': lambda L, t: t[_B].sum(), 'i.amax': lambda L, t: t[_I].amax(),
    'i+f': lambda L, t: t[_I] + t[_F], 'i*d': lambda L, t: t[_I] * t[_D], 'f*d': lambda L, t: t[_F] * t[_D],
    'f*d0': lambda L, t: t[_F] * t[_D].sum(), 'd0*f': lambda L, t: t[_D].sum() * t[_F],
    'i32*i0': lambda L, t: t[_I32] * t[_I].sum(), 'i32+i': lambda L, t: t[_I32] + t[_I],
    'i32*2': lambda L, t: t[_I32] * 2, 'i32*2.5': lambda L, t: t[_I32] * 2.5,
    'i*f0': lambda L, t: t[_I] * t[_F].sum(), 'b+1': lambda L, t: t[_B] + 1,
    'b*2.5': lambda L, t: t[_B] * 2.5, 'b+b': lambda L, t: t[_B] + t[_B], 'b*f': lambda L, t: t[_B] * t[_F],
    'b+i': lambda L, t: t[_B] + t[_I], 'i>1': lambda L, t: t[_I] > 1, 'f==i': lambda L, t: t[_F] == t[_I],
    'i@i': lambda L, t: t[_I] @ t[_I], 'cat(i,f)': lambda L, t: L.cat([t[_I], t[_F]]),
    'cat(i,i32)': lambda L, t: L.cat([t[_I], t[_I32]]), 'cat(f,d)': lambda L, t: L.cat([t[_F], t[_D]]),
    'cat(b,i)': lambda L, t: L.cat([t[_B], t[_I]]), 'stack(i,f)': lambda L, t: L.stack([t[_I], t[_F]]),
    'where(i,f)': lambda L, t: L.where(t[_B], t[_I], t[_F]),
    'where(i,2.5)': lambda L, t: L.where(t[_B], t[_I], 2.5),
    'where(2.5,i)': lambda L, t: L.where(t[_B], 2.5, t[_I]), 'where(i,2)': lambda L, t: L.where(t[_B], t[_I], 2),
    'maximum(i,f)': lambda L, t: L.maximum(t[_I], t[_F]), 'maximum(i,i32)': lambda L, t: L.maximum(t[_I], t[_I32]),
    'clip(i,0.5)': lambda L, t: t[_I].clip(0.5), 'clip(i,1,2)': lambda L, t: t[_I].clip(1, 2),
    'i.float.mean': lambda L, t: t[_I].float().mean(), 'i[0]': lambda L, t: t[_I][0],
    'pad(i)': lambda L, t: L.pad(t[_I].reshape(1, 4), (1, 1)), 'd.softmax': lambda L, t: t[_D].softmax(0),
    'f*np.float64': lambda L, t: t[_F] * np.float64(2.5), 'np.float64*f': lambda L, t: np.float64(2.5) * t[_F],
    'f+np.int64': lambda L, t: t[_F] + np.int64(2), 'i32+np.int64': lambda L, t: t[_I32] + np.int64(2),
}


@pytest.mark.parametrize('name', list(MIXED))
def test_mixed_dtype_results_match_pytorch(name):
    pytest.importorskip('torch')
    T = TorchLib()

    def make(L):
        return (L.tensor([1, 2, 3, 4]), L.tensor([1.0, 2.0, 3.0, 4.0]), L.tensor([True, False, True, True]),
                L.tensor([1, 2, 3, 4], dtype=L.int32), L.tensor([1.0, 2.0, 3.0, 4.0], dtype=L.float64))
    mine, theirs = MIXED[name](mg, make(mg)), MIXED[name](T, make(T))
    assert str(mine.dtype).replace('bool_', 'bool') == str(theirs.dtype).replace('torch.', '')
    np.testing.assert_allclose(mine.numpy().astype(np.float64),
                               theirs.numpy().astype(np.float64), rtol=1e-6)


def test_pytorch_dtype_aliases():
    torch = pytest.importorskip('torch')
    for name in ('float', 'double', 'half', 'long', 'int', 'short', 'bool', 'float32', 'float64',
                 'float16', 'int64', 'int32', 'int16', 'int8', 'uint8'):
        ours, theirs = getattr(mg, name), getattr(torch, name)
        assert np.dtype(ours).itemsize == theirs.itemsize, name
        assert np.dtype(ours).kind == ('b' if theirs is torch.bool else 'f' if theirs.is_floating_point
                                       else 'u' if theirs is torch.uint8 else 'i'), name
    assert mg.ones(2, dtype=mg.float).dtype == np.float32
    assert mg.ones(2).long().dtype == mg.long
    assert not hasattr(__import__('minigrad.dtypes').dtypes, 'bool')   # no shadowed builtin


def test_tensor_has_no_instance_dict():
    assert '__dict__' not in mg.Tensor.__slots__
    with pytest.raises(AttributeError):
        mg.tensor([1.0]).anything = 1

"""The table of differentiable ops shared by the gradcheck, PyTorch-parity and dtype tests.

Each ``Case`` is one op on one set of input shapes. ``fn(lib, *xs)`` is written once and runs
on minigrad (``lib`` is the ``minigrad`` module) and on PyTorch (``lib`` is ``TorchLib()``),
so the same line of code is checked against finite differences and against PyTorch.

Input domains keep the inputs away from the points where an op is not differentiable
(0 for abs/relu, ties for max, the bounds for clip, non-positive numbers for log/sqrt);
those points are tested on their own against PyTorch's conventions in test_ops_parity.py.

This module holds no tests itself.
"""
import numpy as np
import pytest

import minigrad as mg


class Case:
    def __init__(self, name, fn, inputs, rtol=1e-5, atol=1e-6, gradcheck=None, out_dtype=None):
        self.name = name
        self.fn = fn
        self.inputs = inputs          # list of (shape, domain)
        self.rtol, self.atol = rtol, atol
        self.gradcheck = gradcheck or {}   # extra keyword arguments for mg.testing.gradcheck
        self.out_dtype = out_dtype         # input dtype -> expected output dtype (default: same)

    def arrays(self, dtype):
        """The case's input arrays (deterministic: seeded by the case name)."""
        rng = np.random.default_rng(sum(map(ord, self.name)) * 7919 % 2**32)
        return [DOMAINS[dom](rng, shape).astype(dtype) for shape, dom in self.inputs]

    def __repr__(self):
        return self.name


def _any(rng, shape):
    return rng.standard_normal(shape)


def _pos(rng, shape):
    return rng.uniform(0.5, 2.0, shape)


def _nonzero(rng, shape):
    return rng.choice([-1.0, 1.0], shape) * rng.uniform(0.3, 1.5, shape)


def _distinct(rng, shape):
    """Values at least 0.25 apart (no ties, also after a finite-difference step)."""
    n = int(np.prod(shape, dtype=np.int64))
    return ((rng.permutation(n) - n / 2) * 0.3 + rng.uniform(0, 0.05, n)).reshape(shape)


def _off_bounds(rng, shape):
    """Normal values kept 0.05 away from the clip bounds +-0.5."""
    v = rng.standard_normal(shape)
    near = np.abs(np.abs(v) - 0.5) < 0.05
    return np.where(near, v + 0.1 * np.sign(v), v)


DOMAINS = {'any': _any, 'pos': _pos, 'nz': _nonzero, 'distinct': _distinct, 'clip': _off_bounds}


class TorchLib:
    """The ``lib`` of the PyTorch side: torch's namespace, with ``pad`` from torch.nn.functional."""

    def __init__(self):
        import torch
        import torch.nn.functional as F
        self._torch, self.pad = torch, F.pad

    def __getattr__(self, name):
        return getattr(self._torch, name)


# fixed non-input data of some cases (conditions, masks, index arrays)
_rng = np.random.default_rng(1234)
COND_34 = _rng.random((3, 4)) > 0.5
MASK_34 = np.array([[True, False, True, True], [False, False, True, False], [True, True, False, True]])
ROWS_3 = np.array([True, False, True])
IDX_REPEAT = np.array([2, 0, 2, 2, 1])


def _binary_cases():
    shapes = [((3, 4), (3, 4)), ((2, 3, 4), (4,)), ((3, 1), (1, 4)), ((2, 1, 4), (3, 1)),
              ((), (2, 3)), ((2, 3), ())]
    out = []
    for sa, sb in shapes:
        tag = f'{sa}-{sb}'.replace(' ', '')
        out += [
            Case(f'add{tag}', lambda lib, a, b: a + b, [(sa, 'any'), (sb, 'any')]),
            Case(f'sub{tag}', lambda lib, a, b: a - b, [(sa, 'any'), (sb, 'any')]),
            Case(f'mul{tag}', lambda lib, a, b: a * b, [(sa, 'any'), (sb, 'any')]),
            Case(f'div{tag}', lambda lib, a, b: a / b, [(sa, 'any'), (sb, 'nz')]),
            Case(f'pow{tag}', lambda lib, a, b: a ** b, [(sa, 'pos'), (sb, 'any')]),
            Case(f'maximum{tag}', lambda lib, a, b: lib.maximum(a, b), [(sa, 'distinct'), (sb, 'any')]),
            Case(f'minimum{tag}', lambda lib, a, b: lib.minimum(a, b), [(sa, 'distinct'), (sb, 'any')]),
        ]
    return out


def _scalar_cases():
    s = [((2, 3), 'any')]
    p = [((2, 3), 'pos')]
    nz = [((2, 3), 'nz')]
    return [
        Case('x+2.5', lambda lib, x: x + 2.5, s),
        Case('2.5+x', lambda lib, x: 2.5 + x, s),
        Case('x+2', lambda lib, x: x + 2, s),
        Case('x-2.5', lambda lib, x: x - 2.5, s),
        Case('2.5-x', lambda lib, x: 2.5 - x, s),
        Case('x*2.5', lambda lib, x: x * 2.5, s),
        Case('2.5*x', lambda lib, x: 2.5 * x, s),
        Case('x/3', lambda lib, x: x / 3, s),
        Case('3/x', lambda lib, x: 3 / x, nz),
        Case('x**2', lambda lib, x: x ** 2, s),
        Case('x**3', lambda lib, x: x ** 3, s),
        Case('x**0', lambda lib, x: x ** 0, s),
        Case('x**0.5', lambda lib, x: x ** 0.5, p),
        Case('x**-1.5', lambda lib, x: x ** -1.5, p),
        Case('2.5**x', lambda lib, x: 2.5 ** x, s),
        Case('0.5**x', lambda lib, x: 0.5 ** x, s),
        Case('neg', lambda lib, x: -x, s),
        Case('neg-0d', lambda lib, x: -x, [((), 'any')]),
    ]


def _unary_cases():
    out = []
    for shape in [(2, 3), (4,), ()]:
        t = str(shape).replace(' ', '')
        out += [
            Case(f'exp{t}', lambda lib, x: x.exp(), [(shape, 'any')]),
            Case(f'log{t}', lambda lib, x: x.log(), [(shape, 'pos')]),
            Case(f'sqrt{t}', lambda lib, x: x.sqrt(), [(shape, 'pos')]),
            Case(f'abs{t}', lambda lib, x: x.abs(), [(shape, 'nz')]),
            Case(f'tanh{t}', lambda lib, x: x.tanh(), [(shape, 'any')]),
            Case(f'sigmoid{t}', lambda lib, x: x.sigmoid(), [(shape, 'any')]),
            Case(f'relu{t}', lambda lib, x: x.relu(), [(shape, 'nz')]),
        ]
    out += [
        Case('sigmoid-large', lambda lib, x: (x * 30.0).sigmoid(), [((2, 3), 'any')]),
        Case('clip', lambda lib, x: x.clip(-0.5, 0.5), [((3, 4), 'clip')]),
        Case('clip-min', lambda lib, x: x.clip(min=-0.5), [((3, 4), 'clip')]),
        Case('clip-max', lambda lib, x: x.clip(max=0.5), [((3, 4), 'clip')]),
        Case('clamp', lambda lib, x: x.clamp(-0.5, 0.5), [((3, 4), 'clip')]),
        Case('where', lambda lib, a, b: lib.where(lib.tensor(COND_34), a, b),
             [((3, 4), 'any'), ((4,), 'any')]),
        Case('where-bcast-cond', lambda lib, a, b: lib.where(lib.tensor(COND_34[0]), a, b),
             [((3, 4), 'any'), ((3, 1), 'any')]),
        Case('where-scalar', lambda lib, a: lib.where(lib.tensor(COND_34), a, 0.5), [((3, 4), 'any')]),
        Case('where-scalar-first', lambda lib, b: lib.where(lib.tensor(COND_34), -1.5, b),
             [((3, 4), 'any')]),
    ]
    return out


def _matmul_cases():
    pairs = [((4,), (4,)), ((4,), (4, 3)), ((3, 4), (4,)), ((3, 4), (4, 2)), ((2, 3, 4), (2, 4, 2)),
             ((2, 1, 3, 4), (5, 4, 2)), ((2, 3, 4), (4,)), ((4,), (2, 4, 3)), ((1, 3, 4), (2, 4, 2))]
    out = []
    for sa, sb in pairs:
        tag = f'{sa}@{sb}'.replace(' ', '')
        out.append(Case(f'matmul{tag}', lambda lib, a, b: a @ b, [(sa, 'any'), (sb, 'any')],
                        rtol=1e-5, atol=1e-5))
    out.append(Case('matmul-method', lambda lib, a, b: a.matmul(b), [((3, 4), 'any'), ((4, 2), 'any')],
                    atol=1e-5))
    out.append(Case('lib.matmul', lambda lib, a, b: lib.matmul(a, b), [((3, 4), 'any'), ((4, 2), 'any')],
                    atol=1e-5))
    return out


def _reduce_cases():
    x = [((2, 3, 4), 'any')]
    d = [((2, 3, 4), 'distinct')]
    out = []
    dims = [('None', {}), ('1', {'dim': 1}), ('-1k', {'dim': -1, 'keepdim': True}),
            ('(0,2)', {'dim': (0, 2)}), ('(0,-1)k', {'dim': (0, -1), 'keepdim': True})]
    for tag, kw in dims:
        out += [
            Case(f'sum{tag}', lambda lib, x, kw=kw: x.sum(**kw), x, atol=1e-5),
            Case(f'mean{tag}', lambda lib, x, kw=kw: x.mean(**kw), x),
            Case(f'amax{tag}', lambda lib, x, kw=kw: x.amax(**kw), d),
            Case(f'amin{tag}', lambda lib, x, kw=kw: x.amin(**kw), d),
            Case(f'var{tag}', lambda lib, x, kw=kw: x.var(**kw), x, atol=1e-5),
        ]
    out += [
        Case('var-correction0', lambda lib, x: x.var(1, correction=0), x),
        Case('var-unbiased-False', lambda lib, x: x.var(dim=(0, 1), unbiased=False, keepdim=True), x),
        Case('sum-0d', lambda lib, x: x.sum(), [((), 'any')]),
        # a 0-d tensor takes dim 0 / -1 and reduces over nothing
        Case('sum-0d-dim', lambda lib, x: x.sum(0), [((), 'any')]),
        Case('mean-0d-dim', lambda lib, x: x.mean(-1, keepdim=True), [((), 'any')]),
        Case('amax-0d-dim', lambda lib, x: x.amax(0), [((), 'any')]),
        Case('amin-0d-dim', lambda lib, x: x.amin((0,)), [((), 'any')]),
        Case('max-0d-dim', lambda lib, x: x.max(0).values, [((), 'any')]),
        Case('var-0d-dim', lambda lib, x: x.var(0, correction=0), [((), 'any')]),
        Case('softmax-0d', lambda lib, x: x.log_softmax(0) + x.softmax(-1) * x, [((), 'any')]),
        Case('transpose-0d', lambda lib, x: x.transpose(0, -1) * x, [((), 'any')]),
        Case('max', lambda lib, x: x.max(), d),
        Case('min', lambda lib, x: x.min(), d),
        Case('max-dim', lambda lib, x: x.max(dim=1).values, d),
        Case('max-dim-keepdim', lambda lib, x: x.max(-1, keepdim=True)[0], d),
        Case('min-dim', lambda lib, x: x.min(0).values, d),
        Case('min-dim-keepdim', lambda lib, x: x.min(dim=2, keepdim=True).values, d),
        Case('softmax-1', lambda lib, x: x.softmax(dim=-1), x),
        Case('softmax0', lambda lib, x: x.softmax(0), x),
        Case('log_softmax-1', lambda lib, x: x.log_softmax(dim=-1), x),
        Case('log_softmax1', lambda lib, x: x.log_softmax(1), x),
        Case('softmax-large-logits', lambda lib, x: (x * 1e4).softmax(-1), d, atol=1e-5),
        Case('log_softmax-large-logits', lambda lib, x: (x * 1e4).log_softmax(-1), d, rtol=1e-5, atol=1e-2),
    ]
    return out


def _shape_cases():
    x = [((2, 3, 4), 'any')]
    m = [((3, 4), 'any')]
    return [
        Case('reshape', lambda lib, x: x.reshape(4, -1), x),
        Case('reshape-tuple', lambda lib, x: x.reshape((6, 4)), x),
        Case('view', lambda lib, x: x.view(2, 12), x),
        Case('flatten', lambda lib, x: x.flatten(), x),
        Case('flatten1', lambda lib, x: x.flatten(1), x),
        Case('flatten0-1', lambda lib, x: x.flatten(0, 1), x),
        Case('transpose', lambda lib, x: x.transpose(0, 2), x),
        Case('transpose-neg', lambda lib, x: x.transpose(-1, -2), x),
        Case('permute', lambda lib, x: x.permute(2, 0, 1), x),
        Case('T', lambda lib, x: x.T, m),
        Case('unsqueeze', lambda lib, x: x.unsqueeze(1), x),
        Case('unsqueeze-neg', lambda lib, x: x.unsqueeze(-1), x),
        Case('squeeze', lambda lib, x: x.squeeze(), [((3, 1, 4, 1), 'any')]),
        Case('squeeze1', lambda lib, x: x.squeeze(1), [((3, 1, 4, 1), 'any')]),
        Case('expand', lambda lib, x: x.expand(2, 3, 4), [((3, 1), 'any')]),
        Case('expand-minus1', lambda lib, x: x.expand(-1, 4), [((3, 1), 'any')]),
        # __getitem__
        Case('getitem-int', lambda lib, x: x[1], x),
        Case('getitem-int-slice', lambda lib, x: x[-1, 1:3], x),
        # torch has no negative steps: its side of these cases is written with flip()
        Case('getitem-negstep', lambda lib, x: x[:, ::-1] if lib is mg else x.flip(1), x),
        Case('getitem-negstep2', lambda lib, x: x[..., 3:0:-2] if lib is mg else x.flip(-1)[..., 0:3:2], x),
        Case('getitem-none-ellipsis', lambda lib, x: x[::2, None, ..., 1], x),
        Case('getitem-scalar', lambda lib, x: x[1, 2, 3], x),
        Case('getitem-list-repeat', lambda lib, x: x[[0, 0, 2]], m),
        Case('getitem-tensor-repeat', lambda lib, x: x[lib.tensor(IDX_REPEAT)], m),
        Case('getitem-tensor-slice', lambda lib, x: x[lib.tensor(IDX_REPEAT), 1:], m),
        Case('getitem-slice-tensor', lambda lib, x: x[:, lib.tensor(IDX_REPEAT[:3])], m),
        Case('getitem-pairs-repeat', lambda lib, x: x[[0, 0, 2, 0], [1, 1, 3, 1]], m),
        Case('getitem-2d-index', lambda lib, x: x[lib.tensor(np.array([[0, 2], [2, 2]]))], m),
        Case('getitem-mask', lambda lib, x: x[lib.tensor(MASK_34)], m),
        Case('getitem-rowmask', lambda lib, x: x[lib.tensor(ROWS_3)], m),
        # cat / stack
        Case('cat0', lambda lib, a, b: lib.cat([a, b]), [((2, 3), 'any'), ((4, 3), 'any')]),
        Case('cat1', lambda lib, a, b, c: lib.cat([a, b, c], dim=1),
             [((2, 3), 'any'), ((2, 1), 'any'), ((2, 2), 'any')]),
        Case('cat-neg', lambda lib, a, b: lib.cat((a, b), -1), [((2, 2, 3), 'any'), ((2, 2, 1), 'any')]),
        Case('stack0', lambda lib, a, b: lib.stack([a, b]), [((2, 3), 'any'), ((2, 3), 'any')]),
        Case('stack1', lambda lib, a, b, c: lib.stack([a, b, c], dim=1),
             [((2, 3), 'any'), ((2, 3), 'any'), ((2, 3), 'any')]),
        Case('stack-neg', lambda lib, a, b: lib.stack([a, b], -1), [((2, 3), 'any'), ((2, 3), 'any')]),
        # pad
        Case('pad-constant', lambda lib, x: lib.pad(x, (1, 2)), m),
        Case('pad-constant-2d-value', lambda lib, x: lib.pad(x, (1, 1, 2, 0), value=0.5), m),
        Case('pad-constant-crop', lambda lib, x: lib.pad(x, (-1, 2, 1, -1)), m),
        Case('pad-constant-3dims', lambda lib, x: lib.pad(x, (0, 1, 1, 0, 1, 1)), x),
        Case('pad-reflect', lambda lib, x: lib.pad(x, (2, 1), mode='reflect'), [((2, 3, 5), 'any')]),
        Case('pad-reflect-2d', lambda lib, x: lib.pad(x, (1, 1, 2, 1), mode='reflect'),
             [((1, 2, 4, 5), 'any')]),
        Case('pad-replicate', lambda lib, x: lib.pad(x, (2, 1), mode='replicate'), [((2, 3, 4), 'any')]),
        Case('pad-replicate-2d', lambda lib, x: lib.pad(x, (1, 2, 2, 1), mode='replicate'),
             [((1, 2, 3, 4), 'any')]),
        Case('pad-circular', lambda lib, x: lib.pad(x, (1, 2), mode='circular'), [((1, 2, 4), 'any')]),
        Case('pad-circular-2d', lambda lib, x: lib.pad(x, (1, 1, 2, 0), mode='circular'),
             [((1, 2, 3, 4), 'any')]),
        # dtype cast: to the other float dtype (float32 <-> float64); the gradient comes back cast
        Case('to-dtype', lambda lib, x: x.to(lib.float64 if x.dtype == lib.float32 else lib.float32), m,
             gradcheck={'eps': 1e-3}, out_dtype=lambda dt: np.float64 if dt == np.float32 else np.float32),
        Case('double', lambda lib, x: x.double() * 2.0, m, out_dtype=lambda dt: np.float64),
    ]


def _composite_cases():
    return [
        Case('diamond', lambda lib, x: x.exp() * x.tanh() - x, [((3,), 'any')]),
        Case('mlp', lambda lib, x, w, b: ((x @ w + b).tanh() ** 2).mean(dim=0).log_softmax(-1),
             [((4, 3), 'any'), ((3, 5), 'any'), ((5,), 'any')], atol=1e-5),
    ]


CASES = (_binary_cases() + _scalar_cases() + _unary_cases() + _matmul_cases() + _reduce_cases()
         + _shape_cases() + _composite_cases())


def case_params(cases=CASES):
    """pytest parameters of the cases, each with the case name as its id."""
    return [pytest.param(c, id=c.name) for c in cases]

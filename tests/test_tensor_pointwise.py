"""The pointwise/math family of issue 13 (tensor_pointwise.py, functions_pointwise.py): each op
checked against float64 finite differences (gradcheck), against PyTorch forward and backward,
for PyTorch's dtypes and for clear errors."""
import numpy as np
import pytest

import minigrad as mg
from minigrad.testing import gradcheck
from minigrad.tensor_pointwise import FUNCTIONS


@pytest.fixture
def torch():
    return pytest.importorskip('torch')


RNG = np.random.default_rng(0)


def values(kind, shape=(3, 4)):
    x = RNG.standard_normal(shape)
    if kind == 'pos':
        return np.abs(x) + 0.3
    if kind == 'unit':
        return np.clip(x, -1, 1) * 0.8
    if kind == 'small':
        return np.clip(x, -1, 1)
    return x * 2


def torch_pair(torch, arr, requires_grad=True, dtype=np.float32):
    a = np.asarray(arr, dtype=dtype)
    return mg.tensor(a, requires_grad=requires_grad), torch.tensor(a, requires_grad=requires_grad)


def weights(shape):
    n = int(np.prod(shape))
    return np.linspace(0.5, 1.5, n).reshape(shape).astype(np.float32)


def check_torch(torch, fn_mg, fn_torch, arrays, rtol=1e-5, atol=1e-6, grads=True):
    """Forward and (for float results that require grad) backward of both libraries agree."""
    pairs = [torch_pair(torch, a, requires_grad=grads) for a in arrays]
    out_m = fn_mg(*[p[0] for p in pairs])
    out_t = fn_torch(*[p[1] for p in pairs])
    assert out_m.shape == tuple(out_t.shape)
    assert str(out_m.dtype) == str(out_t.dtype).replace('torch.', '')
    np.testing.assert_allclose(out_m.numpy(), out_t.detach().numpy(), rtol=rtol, atol=atol)
    if grads and out_t.requires_grad:
        w = weights(out_m.shape)
        (out_m * mg.tensor(w)).sum().backward()
        (out_t * torch.tensor(w)).sum().backward()
        for (m, t) in pairs:
            gt = t.grad if t.grad is not None else torch.zeros_like(t)
            gm = m.grad.numpy() if m.grad is not None else np.zeros(m.shape, np.float32)
            np.testing.assert_allclose(gm, gt.numpy(), rtol=rtol, atol=atol)


def f64(arr):
    return mg.tensor(np.asarray(arr, dtype=np.float64), requires_grad=True)


# ---------------------------------------------------------------- unary

UNARY = [('log2', 'pos'), ('log10', 'pos'), ('log1p', 'pos'), ('expm1', 'any'), ('exp2', 'any'),
         ('reciprocal', 'pos'), ('rsqrt', 'pos'), ('erf', 'any'), ('tan', 'small'),
         ('sinh', 'any'), ('cosh', 'any'), ('asin', 'unit'), ('acos', 'unit'), ('atan', 'any'),
         ('square', 'any'), ('frac', 'any')]
ROUNDING = ['floor', 'ceil', 'trunc', 'round', 'sign']


@pytest.mark.parametrize('name,kind', UNARY)
def test_unary_gradcheck(name, kind):
    x = f64(values(kind))
    assert gradcheck(lambda t: getattr(t, name)(), (x,))
    y = f64(values(kind, (2, 3)))                       # reused input: x op x
    assert gradcheck(lambda t: getattr(t, name)() * t, (y,))


@pytest.mark.parametrize('name,kind', UNARY)
def test_unary_matches_torch(torch, name, kind):
    check_torch(torch, lambda t: getattr(mg, name)(t), lambda t: getattr(torch, name)(t),
                [values(kind)], rtol=2e-5)


@pytest.mark.parametrize('name', ROUNDING)
def test_rounding_matches_torch_with_zero_gradient(torch, name):
    x = np.array([[-2.5, -1.5, -0.5, 0.0], [0.5, 1.5, 2.5, 3.7], [-3.7, 1e-3, -0.0, 2.2]])
    check_torch(torch, lambda t: getattr(t, name)(), lambda t: getattr(t, name)(), [x])
    t = mg.tensor(x, requires_grad=True)
    getattr(t, name)().sum().backward()
    assert (t.grad.numpy() == 0).all()


def test_round_decimals_and_sign_of_nan(torch):
    x = np.array([2.5, 0.125, 1.005, -1234.5678, 0.555], np.float32)
    for d in (0, 1, 2, 3, -1, -2):
        np.testing.assert_allclose(mg.tensor(x).round(decimals=d).numpy(),
                                   torch.round(torch.tensor(x), decimals=d).numpy(), rtol=1e-6)
    s = mg.sign(mg.tensor([float('nan'), -0.0, -3.0, 2.0]))
    np.testing.assert_array_equal(s.numpy(), torch.sign(torch.tensor([float('nan'), -0.0, -3.0, 2.0])).numpy())


def test_unary_dtypes_follow_torch(torch):
    i = np.array([[1, 2, 3]], np.int32)
    for name, _ in UNARY:
        if name == 'frac':
            continue
        m, t = getattr(mg, name)(mg.tensor(i)), getattr(torch, name)(torch.tensor(i))
        assert str(m.dtype) == str(t.dtype).replace('torch.', ''), name   # float32, never float64
    for name in ('floor', 'ceil', 'trunc', 'round', 'sign'):
        assert getattr(mg, name)(mg.tensor(i)).dtype == np.int32
    assert mg.sign(mg.tensor([True, False])).dtype == np.bool_
    assert mg.square(mg.tensor([True])).dtype == np.int64
    assert mg.erf(mg.tensor([1.0], dtype=mg.float64)).dtype == np.float64


def test_float_only_ops_refuse_ints():
    with pytest.raises(RuntimeError, match='floating-point'):
        mg.tensor([1, 2]).frac()
    with pytest.raises(RuntimeError, match='decimals'):
        mg.tensor([1, 2]).round(decimals=1)
    with pytest.raises(TypeError, match='decimals must be an int'):
        mg.tensor([1.0]).round(decimals=1.5)
    with pytest.raises(RuntimeError, match='floating-point'):
        mg.hypot(mg.tensor([1, 2]), mg.tensor([1, 2]))


# ---------------------------------------------------------------- tests and logical ops

def test_tests_are_bool_and_match_torch(torch):
    x = np.array([1.0, float('nan'), float('inf'), -float('inf'), 0.0], np.float32)
    for name in ('isnan', 'isinf', 'isfinite', 'logical_not'):
        m, t = getattr(mg, name)(mg.tensor(x)), getattr(torch, name)(torch.tensor(x))
        assert m.dtype == np.bool_
        np.testing.assert_array_equal(m.numpy(), t.numpy())
    ints = mg.tensor([1, 0, 3])
    assert not mg.isnan(ints).numpy().any() and mg.isfinite(ints).numpy().all()
    a, b = np.array([0, 1, 2, 0]), np.array([0.0, 0.0, 1.5, 2.0])
    for name in ('logical_and', 'logical_or', 'logical_xor'):
        m = getattr(mg, name)(mg.tensor(a), mg.tensor(b.astype(np.int64)))
        t = getattr(torch, name)(torch.tensor(a), torch.tensor(b.astype(np.int64)))
        assert m.dtype == np.bool_
        np.testing.assert_array_equal(m.numpy(), t.numpy())


def test_isclose_allclose_equal(torch):
    a = np.array([1.0, 2.0, float('nan'), 1e-9], np.float32)
    b = np.array([1.0 + 1e-6, 2.1, float('nan'), 0.0], np.float32)
    for kw in ({}, {'equal_nan': True}, {'rtol': 0.1}, {'atol': 0.2}):
        np.testing.assert_array_equal(mg.isclose(mg.tensor(a), mg.tensor(b), **kw).numpy(),
                                      torch.isclose(torch.tensor(a), torch.tensor(b), **kw).numpy())
        assert mg.allclose(mg.tensor(a), mg.tensor(b), **kw) == torch.allclose(
            torch.tensor(a), torch.tensor(b), **kw)
    assert mg.allclose(mg.ones(3), mg.ones(3) + 1e-9) is True
    assert mg.equal(mg.ones(2), mg.ones(2)) is True
    assert mg.equal(mg.ones(2), mg.ones(3)) is False
    assert mg.tensor([1, 2]).equal(mg.tensor([1, 3])) is False
    with pytest.raises(RuntimeError, match='same dtype'):
        mg.isclose(mg.ones(2), mg.ones(2, dtype=mg.float64))


# ---------------------------------------------------------------- binary

BINARY = [('fmod', lambda t: t.fmod), ('remainder', lambda t: t.remainder),
          ('atan2', lambda t: t.atan2), ('hypot', lambda t: t.hypot)]


@pytest.mark.parametrize('name', ['fmod', 'remainder', 'atan2', 'hypot'])
def test_binary_gradcheck_with_broadcasting(name):
    a = f64(values('any', (3, 4)))
    b = f64(values('pos', (4,)) * np.array([1, -1, 1, -1]))
    assert gradcheck(lambda x, y: getattr(x, name)(y), (a, b))
    assert gradcheck(lambda x: getattr(x, name)(x * 0.7 + 0.1), (f64(values('pos', (2, 3))),))


@pytest.mark.parametrize('name', ['fmod', 'remainder', 'atan2', 'hypot', 'floor_divide'])
def test_binary_matches_torch(torch, name):
    a = values('any', (3, 4))
    b = values('pos', (4,)) * np.array([1, -1, 1, -1])
    grads = name != 'floor_divide'
    check_torch(torch, getattr(mg, name), getattr(torch, name), [a, b], grads=grads)
    for c in ((2, -1.5) if name in ('fmod', 'remainder', 'floor_divide') else ()):   # a number
        np.testing.assert_allclose(getattr(mg, name)(mg.tensor(a, dtype=mg.float32), c).numpy(),
                                   getattr(torch, name)(torch.tensor(a, dtype=torch.float32), c).numpy(),
                                   rtol=1e-6, atol=1e-6)


def test_mod_and_floordiv_operators_keep_ints(torch):
    a = np.array([-7, -3, 0, 3, 7, 8])
    for m, t in [(mg.tensor(a) % 3, torch.tensor(a) % 3), (mg.tensor(a) // 3, torch.tensor(a) // 3),
                 (mg.tensor(a) % -3, torch.tensor(a) % -3), (mg.tensor(a) // 2.5, torch.tensor(a) // 2.5),
                 (20 % mg.tensor([3, -7]), 20 % torch.tensor([3, -7])),
                 (20 // mg.tensor([3, -7]), 20 // torch.tensor([3, -7])),
                 (mg.fmod(mg.tensor(a), 3), torch.fmod(torch.tensor(a), 3)),
                 (mg.tensor(a, dtype=mg.int32) % mg.tensor([3], dtype=mg.int64),
                  torch.tensor(a, dtype=torch.int32) % torch.tensor([3]))]:
        assert str(m.dtype) == str(t.dtype).replace('torch.', '')
        np.testing.assert_array_equal(m.numpy(), t.numpy())
    with pytest.raises(ZeroDivisionError):
        mg.tensor([1, 2]) // 0
    with pytest.raises(ZeroDivisionError):
        mg.tensor([1, 2]) % mg.tensor([1, 0])
    with pytest.raises(TypeError, match='Tensor or a number'):
        mg.fmod(mg.ones(2), 'x')


def test_floor_divide_is_not_differentiable():
    x = mg.tensor([1.0, 3.0], requires_grad=True)
    y = x // 2
    assert y.requires_grad
    with pytest.raises(RuntimeError, match='floor_divide'):
        y.sum().backward()


def test_lerp(torch):
    s, e = values('any', (3, 4)), values('any', (3, 4))
    w = values('unit', (4,))
    check_torch(torch, lambda a, b, c: a.lerp(b, c), lambda a, b, c: a.lerp(b, c), [s, e, w])
    check_torch(torch, lambda a, b: mg.lerp(a, b, 0.3), lambda a, b: torch.lerp(a, b, 0.3), [s, e])
    assert gradcheck(lambda a, b, c: a.lerp(b, c), (f64(s), f64(e), f64(w)))
    with pytest.raises(RuntimeError, match='dtype'):
        mg.ones(2).lerp(mg.ones(2, dtype=mg.float64), 0.5)


# ---------------------------------------------------------------- scans and products

WITH_ZEROS = np.array([[1.5, 0.0, -2.0, 0.7], [0.0, 0.0, 1.2, -0.4], [0.9, -1.1, 0.5, 2.0]])


@pytest.mark.parametrize('dim', [0, 1, -1])
def test_scans_match_torch(torch, dim):
    for x in (values('any'), WITH_ZEROS):
        check_torch(torch, lambda t: mg.cumsum(t, dim), lambda t: torch.cumsum(t, dim), [x])
        check_torch(torch, lambda t: mg.cumprod(t, dim), lambda t: torch.cumprod(t, dim), [x])
        check_torch(torch, lambda t: t.cumprod(dim=dim), lambda t: t.cumprod(dim=dim), [x])
        for keepdim in (False, True):
            check_torch(torch, lambda t: mg.prod(t, dim, keepdim), lambda t: torch.prod(t, dim, keepdim), [x])
            check_torch(torch, lambda t: mg.logsumexp(t, dim, keepdim),
                        lambda t: torch.logsumexp(t, dim, keepdim), [x])
        check_torch(torch, lambda t: mg.prod(t), lambda t: torch.prod(t), [x])


def test_scans_gradcheck_with_zeros():
    for x in (values('any'), WITH_ZEROS):
        for dim in (0, 1):
            assert gradcheck(lambda t: t.cumsum(dim), (f64(x),))
            assert gradcheck(lambda t: t.cumprod(dim), (f64(x),))
            assert gradcheck(lambda t: t.prod(dim, keepdim=bool(dim)), (f64(x),))
            assert gradcheck(lambda t: t.logsumexp(dim), (f64(x),))
        assert gradcheck(lambda t: t.prod(), (f64(x),))
        assert gradcheck(lambda t: t.logsumexp((0, 1)) * t.cumprod(1), (f64(x),))


def test_scan_dtypes_and_edges(torch):
    for dt in (np.int32, np.int64, np.bool_):
        a = np.array([1, 0, 1], dtype=dt)
        for name in ('cumsum', 'cumprod'):
            assert str(getattr(mg, name)(mg.tensor(a), 0).dtype) == str(
                getattr(torch, name)(torch.tensor(a), 0).dtype).replace('torch.', '')
        assert mg.prod(mg.tensor(a)).dtype == np.int64
    assert mg.cumsum(mg.tensor([1, 2]), 0, dtype=mg.float64).dtype == np.float64
    assert mg.prod(mg.ones(2, 3), dtype=mg.float64).dtype == np.float64
    assert mg.logsumexp(mg.tensor([1, 2]), 0).dtype == np.float32
    assert mg.cumsum(mg.tensor(3.0), 0).item() == 3.0
    inf = float('inf')
    np.testing.assert_array_equal(mg.logsumexp(mg.tensor([[-inf, -inf], [inf, 1.0]]), 1).numpy(),
                                  torch.logsumexp(torch.tensor([[-inf, -inf], [inf, 1.0]]), 1).numpy())
    np.testing.assert_allclose(mg.logsumexp(mg.tensor([[1000.0, 1000.0]]), (0, 1)).item(),
                               1000 + np.log(2), rtol=1e-6)
    with pytest.raises(TypeError, match='one int'):
        mg.ones(2, 3).prod((0, 1))
    with pytest.raises(IndexError, match='Dimension out of range'):
        mg.ones(2, 3).cumsum(2)


# ---------------------------------------------------------------- matrix and vector products

def test_products_match_torch(torch):
    a, b = values('any', (2, 3, 4)), values('any', (2, 4, 5))
    check_torch(torch, mg.bmm, torch.bmm, [a, b])
    check_torch(torch, mg.dot, torch.dot, [values('any', (4,)), values('any', (4,))])
    check_torch(torch, mg.mv, torch.mv, [values('any', (3, 4)), values('any', (4,))])
    check_torch(torch, mg.outer, torch.outer, [values('any', (3,)), values('any', (4,))])
    m, m1, m2 = values('any', (3, 5)), values('any', (3, 4)), values('any', (4, 5))
    check_torch(torch, mg.addmm, torch.addmm, [m, m1, m2])
    check_torch(torch, lambda x, y, z: mg.addmm(x, y, z, beta=0.5, alpha=2.0),
                lambda x, y, z: torch.addmm(x, y, z, beta=0.5, alpha=2.0), [values('any', (5,)), m1, m2])


def test_products_gradcheck():
    assert gradcheck(lambda x, y: x.bmm(y), (f64(values('any', (2, 3, 4))), f64(values('any', (2, 4, 2)))))
    assert gradcheck(lambda x, y: x.outer(y), (f64(values('any', (3,))), f64(values('any', (2,)))))
    assert gradcheck(lambda x: x.dot(x), (f64(values('any', (3,))),))
    assert gradcheck(lambda x, y, z: x.addmm(y, z, beta=2, alpha=-1),
                     (f64(values('any', (1, 2))), f64(values('any', (3, 4))), f64(values('any', (4, 2)))))


def test_product_errors_are_torch_like():
    with pytest.raises(RuntimeError, match='3-D'):
        mg.bmm(mg.ones(3, 4), mg.ones(3, 4, 5))
    with pytest.raises(RuntimeError, match=r'\[2, 4, \*\]'):
        mg.bmm(mg.ones(2, 3, 4), mg.ones(3, 4, 5))
    with pytest.raises(RuntimeError, match='same dtype'):
        mg.bmm(mg.ones(2, 3, 4), mg.ones(2, 4, 5, dtype=mg.float64))
    with pytest.raises(RuntimeError, match='same number of elements'):
        mg.dot(mg.ones(3), mg.ones(4))
    with pytest.raises(RuntimeError, match='1-D'):
        mg.dot(mg.ones(3, 1), mg.ones(3))
    with pytest.raises(RuntimeError, match='1-D'):
        mg.outer(mg.ones(3, 1), mg.ones(3))


# ---------------------------------------------------------------- einsum

EINSUM = [('ij,jk->ik', [(3, 4), (4, 5)]), ('bij,bjk->bik', [(2, 3, 4), (2, 4, 5)]),
          ('ii->i', [(4, 4)]), ('ii', [(3, 3)]), ('i,i->', [(4,), (4,)]), ('ij->ji', [(3, 4)]),
          ('ijk->', [(2, 3, 4)]), ('ij,k->ijk', [(2, 3), (4,)]), ('bi,bi->b', [(3, 4), (3, 4)]),
          ('ij,jk', [(3, 4), (4, 2)]), ('...ij,...jk->...ik', [(2, 1, 3, 4), (5, 4, 2)]),
          ('b...,b...->b', [(2, 3, 4), (2, 3, 4)]), ('ij,jk,kl->il', [(2, 3), (3, 4), (4, 2)]),
          ('iij->ij', [(3, 3, 2)]), ('ij,ij->ij', [(1, 4), (3, 4)]), ('i...->...', [(3, 2, 2)]),
          ('bhqd,bhkd->bhqk', [(2, 2, 3, 4), (2, 2, 5, 4)]), ('...ii->...i', [(2, 3, 3)]),
          ('bn,anm,bm->ba', [(2, 5), (3, 5, 4), (2, 4)])]


@pytest.mark.parametrize('eq,shapes', EINSUM)
def test_einsum_matches_torch(torch, eq, shapes):
    check_torch(torch, lambda *ts: mg.einsum(eq, *ts), lambda *ts: torch.einsum(eq, *ts),
                [values('any', s) for s in shapes], rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize('eq,shapes', EINSUM)
def test_einsum_gradcheck(eq, shapes):
    assert gradcheck(lambda *ts: mg.einsum(eq, *ts), tuple(f64(values('any', s)) for s in shapes))


def test_einsum_list_form_reuse_and_errors():
    a = f64(values('any', (3, 3)))
    assert gradcheck(lambda t: mg.einsum('ij,jk->ik', [t, t]), (a,))
    assert mg.einsum('ij,jk', [mg.ones(2, 3), mg.ones(3, 2)]).shape == (2, 2)
    assert mg.einsum('i,i', mg.tensor([1, 2]), mg.tensor([3, 4])).item() == 11
    with pytest.raises(RuntimeError, match='operand'):
        mg.einsum('ij,jk->ik', mg.ones(2, 3))
    with pytest.raises(RuntimeError, match='number of subscripts'):
        mg.einsum('ij->i', mg.ones(2, 3, 4))
    with pytest.raises(RuntimeError, match='size'):
        mg.einsum('ij,jk->ik', mg.ones(2, 3), mg.ones(4, 2))
    with pytest.raises(RuntimeError, match='output subscripts'):
        mg.einsum('ij->ik', mg.ones(2, 3))
    with pytest.raises(TypeError, match='Tensor'):
        mg.einsum('ij->ji', np.ones((2, 3)))


# ---------------------------------------------------------------- random draws and factories

def test_random_draws_repeat_with_the_seed_and_generator():
    def draws(**kw):
        return [mg.normal(0.0, 1.0, (5,), **kw).numpy(), mg.normal(mg.zeros(3), 2.0, **kw).numpy(),
                mg.bernoulli(mg.full((6,), 0.5), **kw).numpy(),
                mg.multinomial(mg.tensor([1.0, 2.0, 3.0, 4.0]), 3, **kw).numpy(),
                mg.multinomial(mg.tensor([[1.0, 2.0], [3.0, 1.0]]), 4, replacement=True, **kw).numpy(),
                mg.randint_like(mg.zeros(4), 10, **kw).numpy(),
                mg.ones(5).bernoulli_(0.3, **kw).numpy()]
    mg.manual_seed(7)
    first = draws()
    mg.manual_seed(7)
    for a, b in zip(first, draws()):
        np.testing.assert_array_equal(a, b)
    g1, g2 = mg.Generator().manual_seed(3), mg.Generator().manual_seed(3)
    for a, b in zip(draws(generator=g1), draws(generator=g2)):
        np.testing.assert_array_equal(a, b)


def test_normal_overloads():
    mg.manual_seed(0)
    assert mg.normal(2.0, 3.0, size=(2,)).dtype == np.float32
    assert mg.normal(2.0, 3.0, (2, 3), dtype=mg.float64).dtype == np.float64
    assert mg.normal(mg.zeros(2, 1), mg.ones(3)).shape == (2, 3)
    assert mg.normal(0.0, mg.ones(4, dtype=mg.float64)).dtype == np.float64
    big = mg.normal(mg.full((20000,), 3.0), 2.0).numpy()
    assert abs(big.mean() - 3.0) < 0.1 and abs(big.std() - 2.0) < 0.1
    spread = mg.normal(0.0, mg.tensor([0.0, 1.0])).numpy()
    assert spread[0] == 0.0
    with pytest.raises(RuntimeError, match='std >= 0'):
        mg.normal(mg.zeros(2), -1.0)
    with pytest.raises(TypeError, match='size'):
        mg.normal(0.0, 1.0)
    out = mg.zeros(3)
    assert mg.normal(0.0, 1.0, (3,), out=out) is out
    mean = mg.zeros(3, requires_grad=True)       # as torch: in the graph, gradient 0
    z = mg.normal(mean, mg.ones(1))
    assert z.requires_grad and z.shape == (3,)
    z.sum().backward()
    assert mean.grad.tolist() == [0.0, 0.0, 0.0]


def test_bernoulli():
    mg.manual_seed(1)
    p = mg.tensor([0.0, 1.0, 0.25] * 4000)
    draws = mg.bernoulli(p).numpy().reshape(-1, 3)
    assert (draws[:, 0] == 0).all() and (draws[:, 1] == 1).all()
    assert abs(draws[:, 2].mean() - 0.25) < 0.03
    assert p.bernoulli().dtype == np.float32
    assert abs(mg.bernoulli(mg.zeros(5000), 0.7).numpy().mean() - 0.7) < 0.03
    x = mg.zeros(5000, dtype=mg.float64)
    assert x.bernoulli_(mg.full((5000,), 0.2, dtype=mg.float64)) is x and abs(x.numpy().mean() - 0.2) < 0.03
    with pytest.raises(RuntimeError, match='0 <= p <= 1'):
        mg.bernoulli(mg.tensor([1.5]))
    with pytest.raises(RuntimeError, match='floating-point'):
        mg.bernoulli(mg.tensor([1, 0]))


def test_multinomial():
    mg.manual_seed(2)
    w = mg.tensor([1.0, 0.0, 3.0, 6.0])
    picks = mg.multinomial(w, 20000, replacement=True).numpy()
    assert picks.dtype == np.int64 and (picks != 1).all()
    np.testing.assert_allclose(np.bincount(picks, minlength=4) / 20000, [0.1, 0, 0.3, 0.6], atol=0.02)
    rows = mg.multinomial(mg.ones(5, 6), 6)
    assert rows.shape == (5, 6) and all(sorted(r) == list(range(6)) for r in rows.numpy().tolist())
    first = [mg.multinomial(w, 1).item() for _ in range(3000)]
    np.testing.assert_allclose(np.bincount(first, minlength=4) / 3000, [0.1, 0, 0.3, 0.6], atol=0.03)
    for bad, match in [((mg.ones(3), 4), 'without replacement'), ((mg.tensor([1.0, -1.0]), 1), 'element < 0'),
                       ((mg.ones(2, 2, 2), 1), '1 or 2 dim'), ((mg.zeros(3), 1), 'sum of probabilities')]:
        with pytest.raises(RuntimeError, match=match):
            mg.multinomial(*bad)


def test_randint_like_and_logspace(torch):
    x = mg.zeros(2, 3, dtype=mg.int32)
    r = mg.randint_like(x, 3, 10)
    assert r.dtype == np.int32 and r.shape == (2, 3) and (r.numpy() >= 3).all() and (r.numpy() < 10).all()
    assert mg.randint_like(mg.zeros(4), 5).dtype == np.float32
    for args, kw in [((0, 2, 3), {}), ((-1, 1, 5), {'base': 2}), ((0, 3, 4), {'dtype': mg.float64})]:
        tkw = dict(kw, dtype=torch.float64) if 'dtype' in kw else kw
        m, t = mg.logspace(*args, **kw), torch.logspace(*args, **tkw)
        assert str(m.dtype) == str(t.dtype).replace('torch.', '')
        np.testing.assert_allclose(m.numpy(), t.numpy(), rtol=1e-6)


def test_every_listed_method_is_a_function():
    for name in FUNCTIONS:
        assert callable(getattr(mg, name)), name
    for name in ('einsum', 'logspace', 'normal', 'multinomial', 'randint_like'):
        assert callable(getattr(mg, name)), name


def test_inplace_forms(torch):
    x = np.array([[1.5, -2.5, 3.7], [0.2, 4.0, -0.6]], np.float32)
    for name, args in [('floor_', ()), ('round_', ()), ('sign_', ()), ('frac_', ()), ('square_', ()),
                       ('cumsum_', (1,)), ('cumprod_', (0,)), ('fmod_', (1.5,)), ('remainder_', (-2,)),
                       ('logical_not_', ()), ('erf_', ())]:
        m, t = mg.tensor(x), torch.tensor(x)
        alias = m
        assert getattr(m, name)(*args) is m and alias.array is m.array
        getattr(t, name)(*args)
        np.testing.assert_allclose(m.numpy(), t.numpy(), rtol=1e-6, err_msg=name)
    z = mg.tensor([7, 8, 9])
    ref = z
    z //= 2
    z %= 3
    assert z is ref and z.tolist() == [0, 1, 1] and z.dtype == np.int64
    with pytest.raises(RuntimeError, match="can't be cast"):
        mg.tensor([1, 2]).reciprocal_()
    a = mg.tensor([1.0, 2.0], requires_grad=True)
    b = a * 1
    b.log1p_()            # recorded in the graph like the out-of-place op
    b.sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), [0.5, 1 / 3], rtol=1e-6)


# ---------------------------------------------------------------- more math and reductions

W4 = np.array([0.5, 1.5, 2.0, 0.25], np.float32)
NANS = np.array([[1.5, np.nan, -3.0, 0.0], [np.inf, -2.0, 0.5, -np.inf], [0.7, 1.1, np.nan, 2.0]])

MORE = [  # (mg call, torch call, input values): forward and backward parity
    (lambda t: t.clamp_min(0.3), lambda t: t.clamp_min(0.3), values('any')),
    (lambda t: t.clamp_max(0.3), lambda t: t.clamp_max(0.3), values('any')),
    (lambda t: abs(t), lambda t: abs(t), values('any')),
    (lambda t: t.deg2rad(), lambda t: t.deg2rad(), values('any')),
    (lambda t: t.rad2deg(), lambda t: t.rad2deg(), values('any')),
    (lambda t: t.logit(), lambda t: t.logit(), values('unit') * 0.5 + 0.5),
    (lambda t: t.logit(eps=0.2), lambda t: t.logit(eps=0.2), values('unit') * 0.5 + 0.5),
    (lambda t: mg.nan_to_num(t, posinf=9.0), lambda t: torch_mod().nan_to_num(t, posinf=9.0), NANS),
    (lambda t: t.nan_to_num(), lambda t: t.nan_to_num(), NANS),
    (lambda t: mg.nansum(t, 1), lambda t: torch_mod().nansum(t, 1), np.where(np.isinf(NANS), 1.0, NANS)),
    (lambda t: mg.nanmean(t, 0), lambda t: torch_mod().nanmean(t, 0), np.where(np.isinf(NANS), 1.0, NANS)),
    (lambda t: t.diff(), lambda t: t.diff(), values('any')),
    (lambda t: mg.diff(t, 2, 0), lambda t: torch_mod().diff(t, 2, 0), values('any')),
    (lambda t: mg.var_mean(t, 1)[0] + mg.var_mean(t, 1)[1], lambda t: sum(torch_mod().var_mean(t, 1)), values('any')),
    (lambda t: sum(mg.std_mean(t, 0, keepdim=True)), lambda t: sum(torch_mod().std_mean(t, 0, keepdim=True)), values('any')),
    (lambda t: t.aminmax(dim=1).max - t.aminmax(dim=1).min, lambda t: t.aminmax(dim=1).max - t.aminmax(dim=1).min, values('any')),
    (lambda t: mg.xlogy(t, t.abs() + 0.5), lambda t: torch_mod().xlogy(t, t.abs() + 0.5), values('any')),
    (lambda t: mg.trace(t), lambda t: torch_mod().trace(t), values('any')),
    (lambda t: mg.inverse(t), lambda t: torch_mod().inverse(t), values('any', (3, 3)) + 3 * np.eye(3)),
    (lambda t: mg.det(t), lambda t: torch_mod().det(t), values('any', (2, 3, 3))),
    (lambda t: mg.matrix_power(t, 3), lambda t: torch_mod().matrix_power(t, 3), values('any', (3, 3))),
    (lambda t: mg.matrix_power(t, -2), lambda t: torch_mod().matrix_power(t, -2), values('any', (3, 3)) + 3 * np.eye(3)),
    (lambda t: mg.cdist(t, t[:2] + 0.5), lambda t: torch_mod().cdist(t, t[:2] + 0.5), values('any')),
    (lambda t: mg.cdist(t, t[1:] * 2, p=1.0), lambda t: torch_mod().cdist(t, t[1:] * 2, p=1.0), values('any')),
    (lambda t: mg.dist(t, t * 0.5 + 1), lambda t: torch_mod().dist(t, t * 0.5 + 1), values('any')),
    (lambda t: mg.tensordot(t, t.T, 1), lambda t: torch_mod().tensordot(t, t.T, 1), values('any')),
    (lambda t: mg.tensordot(t, t), lambda t: torch_mod().tensordot(t, t), values('any')),
    (lambda t: mg.tensordot(t, t, ([0], [0])), lambda t: torch_mod().tensordot(t, t, ([0], [0])), values('any')),
    (lambda t: mg.inner(t, t[:2]), lambda t: torch_mod().inner(t, t[:2]), values('any')),
    (lambda t: mg.addmv(t[:, 0], t, t[0]), lambda t: torch_mod().addmv(t[:, 0], t, t[0]), values('any', (4, 4))),
    (lambda t: mg.baddbmm(t[0], t, t, beta=0.5), lambda t: torch_mod().baddbmm(t[0], t, t, beta=0.5), values('any', (2, 3, 3))),
    (lambda t: mg.asinh(t), lambda t: torch_mod().asinh(t), values('any')),
    (lambda t: mg.acosh(t), lambda t: torch_mod().acosh(t), values('pos') + 1.1),
    (lambda t: mg.atanh(t), lambda t: torch_mod().atanh(t), values('unit')),
    (lambda t: mg.fmax(t, t.flip(0)), lambda t: torch_mod().fmax(t, t.flip(0)), values('any')),
    (lambda t: mg.fmin(t, 0.2), lambda t: torch_mod().fmin(t, torch_mod().tensor(0.2)), values('any')),
    (lambda t: mg.copysign(t, t.flip(1)), lambda t: torch_mod().copysign(t, t.flip(1)), values('any')),
    (lambda t: mg.ldexp(t, mg.tensor([1, 2, 3, 0])), lambda t: torch_mod().ldexp(t, torch_mod().tensor([1, 2, 3, 0])), values('any')),
    (lambda t: mg.logcumsumexp(t, 1), lambda t: torch_mod().logcumsumexp(t, 1), values('any') * 30),
    (lambda t: mg.logcumsumexp(t, 0), lambda t: torch_mod().logcumsumexp(t, 0), values('any')),
    (lambda t: mg.cov(t), lambda t: torch_mod().cov(t), values('any')),
    (lambda t: mg.cov(t, correction=0, aweights=mg.tensor(W4)), lambda t: torch_mod().cov(t, correction=0, aweights=torch_mod().tensor(W4)), values('any')),
    (lambda t: mg.cov(t, fweights=mg.tensor([1, 3, 2, 1]), aweights=mg.tensor(W4)),
     lambda t: torch_mod().cov(t, fweights=torch_mod().tensor([1, 3, 2, 1]), aweights=torch_mod().tensor(W4)), values('any')),
    (lambda t: mg.corrcoef(t), lambda t: torch_mod().corrcoef(t), values('any')),
    (lambda t: mg.cross(t[:, :3], t[:, 1:], dim=1), lambda t: torch_mod().cross(t[:, :3], t[:, 1:], dim=1), values('any')),
    (lambda t: mg.cross(t[:, :3], t[:, 1:]), lambda t: torch_mod().cross(t[:, :3], t[:, 1:]), values('any')),
    (lambda t: mg.kron(t, t[:2, :2]), lambda t: torch_mod().kron(t, t[:2, :2]), values('any')),
    (lambda t: mg.addr(t, t[:, 0], t[0], alpha=2), lambda t: torch_mod().addr(t, t[:, 0], t[0], alpha=2), values('any')),
    (lambda t: mg.addbmm(t[0], t, t), lambda t: torch_mod().addbmm(t[0], t, t), values('any', (2, 3, 3))),
    (lambda t: mg.trapezoid(t), lambda t: torch_mod().trapezoid(t), values('any')),
    (lambda t: mg.trapezoid(t, t[0].cumsum(0), dim=1), lambda t: torch_mod().trapezoid(t, t[0].cumsum(0), dim=1), values('any')),
    (lambda t: mg.cumulative_trapezoid(t, dx=0.5, dim=0), lambda t: torch_mod().cumulative_trapezoid(t, dx=0.5, dim=0), values('any')),
]


def torch_mod():
    import torch as _torch
    return _torch


@pytest.mark.parametrize('k', range(len(MORE)))
def test_more_math_matches_torch(torch, k):
    fm, ft, x = MORE[k]
    check_torch(torch, fm, ft, [x], rtol=2e-4, atol=1e-5)


@pytest.mark.parametrize('k', range(len(MORE)))
def test_more_math_gradcheck(k):
    fm, _, x = MORE[k]
    if not np.isfinite(x).all():
        x = np.where(np.isfinite(x), x, 0.3)
    assert gradcheck(fm, (f64(x),))


def test_more_math_dtypes_and_errors():
    assert mg.count_nonzero(mg.tensor([[0, 1], [2, 0]]), 0).tolist() == [1, 1]
    assert mg.count_nonzero(mg.tensor([[0, 1], [2, 0]])).dtype == np.int64
    assert mg.float_power(mg.tensor([2]), 3).dtype == np.float64
    assert mg.deg2rad(mg.tensor([180])).dtype == np.float32
    assert mg.diff(mg.tensor([True, False, False])).tolist() == [True, False]
    assert mg.nan_to_num(mg.tensor([1, 2])).dtype == np.int64
    i = mg.tensor([5, 3])
    assert (i ^ 1).tolist() == [4, 2] and (1 | i).tolist() == [5, 3] and (6 & i).tolist() == [4, 2]
    assert mg.bitwise_not(mg.tensor([True])).tolist() == [False]
    with pytest.raises(RuntimeError, match='square matrix'):
        mg.inverse(mg.ones(2, 3))
    with pytest.raises(RuntimeError, match='not invertible'):
        mg.inverse(mg.zeros(2, 2))
    with pytest.raises(RuntimeError, match='same number of columns'):
        mg.cdist(mg.ones(2, 3), mg.ones(2, 4))
    with pytest.raises(RuntimeError, match='2-D'):
        mg.trace(mg.ones(3))
    with pytest.raises(RuntimeError, match='different sizes'):
        mg.tensordot(mg.ones(2, 3), mg.ones(2, 3), 1)
    with pytest.raises(RuntimeError, match='except in dim'):
        mg.diff(mg.ones(2, 3), prepend=mg.ones(2, 2), dim=0)


def test_div_rounding_helper_matches_torch(torch):
    # the helper behind Tensor.div(rounding_mode=...) (tensor_math.py calls it)
    a = np.array([-7, -6, -1, 0, 1, 6, 7])
    for mode in ('floor', 'trunc'):
        for b in (2, -3):
            m = mg.tensor(a)._div_rounding(b, mode)
            t = torch.div(torch.tensor(a), b, rounding_mode=mode)
            assert m.dtype == np.int64 and m.tolist() == t.tolist()
        x = mg.tensor(a * 0.7, dtype=mg.float32, requires_grad=True)
        m = x._div_rounding(mg.tensor([1.5]), mode)
        np.testing.assert_array_equal(m.detach().numpy(), torch.div(
            torch.tensor(a * 0.7, dtype=torch.float32), torch.tensor([1.5]), rounding_mode=mode).numpy())
        m.sum().backward()
        assert (x.grad.numpy() == 0).all()
    with pytest.raises(RuntimeError, match='rounding_mode'):
        mg.ones(2)._div_rounding(2, 'round')


def test_bad_arguments_give_clear_errors():
    x = mg.ones(2, 3)
    for call, exc, match in [(lambda: x.cumsum(None), TypeError, 'dim must be an int'),
                             (lambda: mg.isclose(x, 'a'), TypeError, 'Tensor for other'),
                             (lambda: x.logical_and('a'), TypeError, 'Tensor for other'),
                             (lambda: mg.tensordot(x, x, 'a'), TypeError, 'pair of dim lists'),
                             (lambda: mg.randint_like(x, 0), RuntimeError, 'less than'),
                             (lambda: mg.einsum(3, x), TypeError, 'string'),
                             (lambda: mg.dot(x[0], [1, 2, 3]), TypeError, 'Tensor for other'),
                             (lambda: x.lerp(3, 0.5), RuntimeError, 'end'),
                             (lambda: mg.normal(mg.ones(2, dtype=mg.int64), 1.0), RuntimeError, 'floating-point')]:
        with pytest.raises(exc, match=match):
            call()



# ---------------------------------------------------------------- order statistics and counts

STAT_X = np.array([[3.0, 1.0, 2.0, 2.0, -1.5], [0.5, 4.0, -2.0, 0.25, 1.0], [1.0, 1.0, 1.0, 0.0, 2.0]])


@pytest.mark.parametrize('call', [
    lambda lib, t: lib.median(t, 1), lambda lib, t: lib.median(t, 0, keepdim=True),
    lambda lib, t: lib.median(t), lambda lib, t: lib.nanmedian(t, 1), lambda lib, t: lib.nanmedian(t),
    lambda lib, t: lib.mode(t, 1), lambda lib, t: lib.cummax(t, 1), lambda lib, t: lib.cummin(t, 0),
    lambda lib, t: lib.quantile(t, 0.3), lambda lib, t: lib.quantile(t, 0.3, dim=1, keepdim=True),
    lambda lib, t: lib.quantile(t, lib.tensor([0.1, 0.5, 0.9]), dim=0),
    lambda lib, t: lib.quantile(t, 0.7, dim=1, interpolation='midpoint'),
    lambda lib, t: lib.nanquantile(t, lib.tensor([0.25, 1.0]), dim=1, interpolation='nearest'),
])
def test_order_statistics_match_torch(torch, call):
    for x in (STAT_X, np.where(STAT_X == 4.0, np.nan, STAT_X)):
        m, t = torch_pair(torch, x)
        om, ot = call(mg, m), call(torch, t)
        om = list(om) if isinstance(om, tuple) else [om]
        ot = list(ot) if isinstance(ot, tuple) else [ot]
        for a, b in zip(om, ot):
            assert a.shape == tuple(b.shape)
            np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-6, atol=1e-7)
        if not np.isnan(ot[0].detach().numpy()).any():
            w = weights(om[0].shape)
            (om[0] * mg.tensor(w)).sum().backward()
            (ot[0] * torch.tensor(w)).sum().backward()
            np.testing.assert_allclose(m.grad.numpy(), t.grad.numpy(), rtol=1e-5, atol=1e-6)


def test_order_statistics_gradcheck():
    x = f64(values('any', (3, 5)))
    for fn in (lambda t: t.median(1).values, lambda t: t.median(), lambda t: t.cummax(1).values,
               lambda t: t.cummin(0).values, lambda t: t.quantile(mg.tensor([0.3, 0.8]), dim=1),
               lambda t: t.nanmedian(0).values, lambda t: t.mode(1).values * t.mean()):
        assert gradcheck(fn, (x,))


def test_counts_match_torch(torch):
    i = np.array([1, 1, 3, 0, 7, 3, 3])
    w = np.linspace(0.1, 1.0, 7)
    for kw in ({}, {'minlength': 10}):
        np.testing.assert_array_equal(mg.bincount(mg.tensor(i), **kw).numpy(), torch.bincount(torch.tensor(i), **kw).numpy())
    for dt, tdt in ((mg.float32, torch.float32), (mg.float64, torch.float64)):
        m = mg.bincount(mg.tensor(i), weights=mg.tensor(w, dtype=dt))
        t = torch.bincount(torch.tensor(i), weights=torch.tensor(w, dtype=tdt))
        assert str(m.dtype) == str(t.dtype).replace('torch.', '')
        np.testing.assert_allclose(m.numpy(), t.numpy(), rtol=1e-6)
    x = values('any', (50,)).astype(np.float32)
    for kw in ({}, {'bins': 7}, {'bins': 5, 'min': -1, 'max': 1}, {'bins': 3, 'min': 2, 'max': 2}):
        np.testing.assert_array_equal(mg.histc(mg.tensor(x), **kw).numpy(), torch.histc(torch.tensor(x), **kw).numpy())
    with pytest.raises(RuntimeError, match='non-negative integral'):
        mg.bincount(mg.tensor([1, -1]))
    with pytest.raises(RuntimeError, match='non-negative integral'):
        mg.bincount(mg.tensor([1.0]))
    with pytest.raises(RuntimeError, match='float or double'):
        mg.quantile(mg.tensor([1, 2]), 0.5)
    with pytest.raises(RuntimeError, match=r'range \[0, 1\]'):
        mg.quantile(mg.tensor([1.0, 2.0]), 1.5)
    with pytest.raises(RuntimeError, match='empty'):
        mg.median(mg.zeros(0))


# ---------------------------------------------------------------- special functions

SPECIAL = [('erfc', values('any')), ('erfinv', values('unit') * 1.2), ('lgamma', values('pos') * 3),
           ('lgamma', values('any') * 2 + 0.5), ('digamma', values('pos') * 3),
           ('digamma', -values('pos') - 0.05), ('sinc', values('any'))]


@pytest.mark.parametrize('name,x', SPECIAL)
def test_special_match_torch_and_gradcheck(torch, name, x):
    x = np.where(np.abs(np.round(x) - x) < 0.05, x + 0.1, x)     # keep off the poles
    check_torch(torch, getattr(mg, name), getattr(torch, name), [x], rtol=1e-5, atol=1e-5)
    m64, t64 = getattr(mg, name)(mg.tensor(x)), getattr(torch, name)(torch.tensor(x))
    np.testing.assert_allclose(m64.numpy(), t64.numpy(), rtol=1e-9, atol=1e-11)   # float64: ~exact
    assert gradcheck(lambda t: getattr(t, name)(), (f64(x),))


def test_special_edges_and_dtypes(torch):
    for name, x in [('erfinv', [-1.0, 1.0, 1.5, 0.0, 0.999999, -0.9999999999]),
                    ('lgamma', [0.0, -1.0, -2.5, 1e-3, 30.0]), ('digamma', [0.0, -1.0, -2.5, 1e-3, 30.0]),
                    ('erfc', [0.0, 3.0, -4.0, 27.0]), ('sinc', [0.0, 1.0, -2.5])]:
        m, t = getattr(mg, name)(mg.tensor(x, dtype=mg.float64)), getattr(torch, name)(torch.tensor(x, dtype=torch.float64))
        np.testing.assert_allclose(m.numpy(), t.numpy(), rtol=1e-9, err_msg=name)
        assert getattr(mg, name)(mg.tensor([1, 2])).dtype == np.float32
    a, b = values('any', (3, 4)), values('any', (4,))
    for name in ('logaddexp', 'logaddexp2'):
        check_torch(torch, getattr(mg, name), getattr(torch, name), [a, b])
        assert gradcheck(lambda x, y: getattr(x, name)(y), (f64(a), f64(b)))
    inf = float('inf')
    np.testing.assert_array_equal(mg.logaddexp(mg.tensor([-inf, 1e4]), mg.tensor([-inf, 1e4])).numpy(),
                                  torch.logaddexp(torch.tensor([-inf, 1e4]), torch.tensor([-inf, 1e4])).numpy())
    e, s = np.array([[1, 2], [3, 4]]), np.array([2, 3, 9])
    for kw in ({}, {'invert': True}):
        np.testing.assert_array_equal(mg.isin(mg.tensor(e), mg.tensor(s), **kw).numpy(),
                                      torch.isin(torch.tensor(e), torch.tensor(s), **kw).numpy())
    assert mg.isin(mg.tensor([1, 2]), 2).tolist() == [False, True]
    f = [1.0, inf, -inf, float('nan')]
    assert mg.isposinf(mg.tensor(f)).tolist() == torch.isposinf(torch.tensor(f)).tolist()
    assert mg.isneginf(mg.tensor(f)).tolist() == torch.isneginf(torch.tensor(f)).tolist()
    assert mg.isneginf(mg.tensor([1, 2])).tolist() == [False, False]
    p, q = np.array([0, -4, 12, 7]), np.array([0, 6, -18, 3])
    for name in ('gcd', 'lcm'):
        np.testing.assert_array_equal(getattr(mg, name)(mg.tensor(p), mg.tensor(q)).numpy(),
                                      getattr(torch, name)(torch.tensor(p), torch.tensor(q)).numpy())
    with pytest.raises(RuntimeError, match='integer'):
        mg.gcd(mg.ones(2), mg.ones(2))
    x = mg.ones(2)
    assert mg.positive(x) is x


def test_binary_shape_mismatch_is_torchs_error(torch):
    for name in ('fmod', 'remainder', 'atan2', 'logaddexp', 'xlogy', 'floor_divide'):
        with pytest.raises(RuntimeError) as got:
            getattr(mg, name)(mg.ones(4, 5), mg.ones(3))
        with pytest.raises(RuntimeError) as want:
            getattr(torch, name)(torch.ones(4, 5), torch.ones(3))
        assert str(got.value).startswith(str(want.value))      # (minigrad adds the shapes)



def test_random_fills_and_multinomial_method(torch):
    mg.manual_seed(5)
    n = 40000
    e = mg.empty(n).exponential_(2.0).numpy()
    assert e.dtype == np.float32 and (e >= 0).all() and abs(e.mean() - 0.5) < 0.02
    g = mg.empty(n, dtype=mg.float64).geometric_(0.25).numpy()
    assert (g >= 1).all() and (g == np.round(g)).all() and abs(g.mean() - 4.0) < 0.1
    ln = mg.empty(n).log_normal_(0.0, 0.5).numpy()
    assert (ln > 0).all() and abs(np.log(ln).std() - 0.5) < 0.02
    c = mg.empty(n).cauchy_(1.0, 2.0).numpy()
    assert abs(np.median(c) - 1.0) < 0.1 and abs(np.median(np.abs(c - 1.0)) - 2.0) < 0.1
    probs = mg.tensor([[0.1, 0.9], [1.0, 0.0]]).softmax(-1)
    assert probs.multinomial(3, replacement=True).shape == (2, 3)
    gen = [mg.Generator().manual_seed(9) for _ in range(2)]
    a = [mg.empty(5).exponential_(generator=gen[0]).numpy(), mg.tensor([1.0, 2.0, 3.0]).multinomial(2, generator=gen[0]).numpy()]
    b = [mg.empty(5).exponential_(generator=gen[1]).numpy(), mg.tensor([1.0, 2.0, 3.0]).multinomial(2, generator=gen[1]).numpy()]
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)
    with pytest.raises(RuntimeError, match='lambda > 0'):
        mg.empty(2).exponential_(0.0)
    with pytest.raises(RuntimeError, match=r'\(0, 1\)'):
        mg.empty(2).geometric_(1.5)


def test_aliases_and_small_functions(torch):
    a, b = np.array([1.0, 2.0, 3.0]), np.array([2.0, 2.0, 1.0])
    for name in ('greater', 'greater_equal', 'less', 'less_equal', 'not_equal'):
        np.testing.assert_array_equal(getattr(mg, name)(mg.tensor(a), mg.tensor(b)).numpy(),
                                      getattr(torch, name)(torch.tensor(a), torch.tensor(b)).numpy())
    assert mg.absolute(mg.tensor([-2])).tolist() == [2]
    assert mg.signbit(mg.tensor([-0.0, 0.0, -1.0])).tolist() == [True, False, True]
    np.testing.assert_array_equal(mg.heaviside(mg.tensor([-1.0, 0.0, 2.0]), mg.tensor([0.5])).numpy(),
                                  torch.heaviside(torch.tensor([-1.0, 0.0, 2.0]), torch.tensor([0.5])).numpy())
    assert mg.vdot(mg.tensor([1.0, 2.0]), mg.tensor([3.0, 4.0])).item() == 11.0
    m = [mg.tensor(values('any', s)) for s in ((2, 3), (3, 4), (4, 1))]
    np.testing.assert_allclose(mg.chain_matmul(*m).numpy(), (m[0] @ m[1] @ m[2]).numpy(), rtol=1e-6)
    big = mg.logcumsumexp(mg.tensor([[-1000.0, 0.0, 3.0, 1000.0]]), 1)
    np.testing.assert_allclose(big.numpy(), torch.logcumsumexp(torch.tensor([[-1000.0, 0.0, 3.0, 1000.0]]), 1).numpy())
    assert mg.cov(mg.tensor([1.0, 2.0, 4.0])).shape == ()
    with pytest.raises(RuntimeError, match='size 3'):
        mg.cross(mg.ones(2, 2), mg.ones(2, 2))



def test_histogram_frexp_nextafter(torch):
    x = values('any', (40,)).astype(np.float32)
    for args, kw in [((5,), {}), ((4,), {'range': (-1.0, 1.0)}), ((3,), {'density': True}),
                     ((None,), {'weight': np.linspace(0, 1, 40).astype(np.float32)})]:
        bins_m = mg.tensor([-2.0, -0.5, 0.0, 0.7, 3.0]) if args[0] is None else args[0]
        bins_t = torch.tensor([-2.0, -0.5, 0.0, 0.7, 3.0]) if args[0] is None else args[0]
        kw_m = {k: (mg.tensor(v) if k == 'weight' else v) for k, v in kw.items()}
        kw_t = {k: (torch.tensor(v) if k == 'weight' else v) for k, v in kw.items()}
        hm, em = mg.histogram(mg.tensor(x), bins_m, **kw_m)
        ht, et = torch.histogram(torch.tensor(x), bins_t, **kw_t)
        np.testing.assert_allclose(hm.numpy(), ht.numpy(), rtol=1e-5)
        np.testing.assert_allclose(em.numpy(), et.numpy(), rtol=1e-6)
    f = np.array([8.0, 0.3, -5.5, 0.0], np.float32)
    mm, me = mg.frexp(mg.tensor(f))
    tm, te = torch.frexp(torch.tensor(f))
    np.testing.assert_array_equal(mm.numpy(), tm.numpy())
    assert me.dtype == np.int32 and me.tolist() == te.tolist()
    np.testing.assert_array_equal(mg.nextafter(mg.tensor(f), mg.tensor([1.0])).numpy(),
                                  torch.nextafter(torch.tensor(f), torch.tensor([1.0])).numpy())


def test_einsum_sublist_form(torch):
    a, b = values('any', (2, 3, 3)), values('any', (3, 4))
    for mg_args, t_args in [((mg.tensor(a), [Ellipsis, 0, 1], [Ellipsis, 1, 0]),
                             (torch.tensor(a), [Ellipsis, 0, 1], [Ellipsis, 1, 0])),
                            ((mg.tensor(a[0]), [0, 1], mg.tensor(b), [1, 2]),
                             (torch.tensor(a[0]), [0, 1], torch.tensor(b), [1, 2])),
                            ((mg.tensor(a[0]), [0, 1], mg.tensor(b), [1, 2], [2, 0]),
                             (torch.tensor(a[0]), [0, 1], torch.tensor(b), [1, 2], [2, 0]))]:
        np.testing.assert_allclose(mg.einsum(*mg_args).numpy(), torch.einsum(*t_args).numpy(), rtol=1e-10)
    with pytest.raises(ValueError, match='sublist'):
        mg.einsum(mg.ones(2), [60])


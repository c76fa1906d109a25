"""Pooling: float64 gradcheck, PyTorch parity (forward, input gradient, indices), ties, errors."""
import numpy as np
import pytest

import minigrad as mg
from minigrad.nn.functional import adaptive_avg_pool2d, adaptive_max_pool2d, avg_pool2d, max_pool2d
from minigrad.testing import gradcheck

MAX_CONFIGS = [
    dict(kernel_size=2),                                               # tiles the input exactly
    dict(kernel_size=2, stride=2),                                     # 7x9: a remainder is dropped
    dict(kernel_size=3, stride=1),                                     # overlapping
    dict(kernel_size=3, stride=2, padding=1),                          # overlapping + -inf padding
    dict(kernel_size=3, stride=2, ceil_mode=True),
    dict(kernel_size=2, stride=2, padding=1, ceil_mode=True),
    dict(kernel_size=(2, 3), stride=(1, 2), padding=(1, 1), dilation=(2, 1)),
    dict(kernel_size=3, stride=2, padding=1, dilation=2, ceil_mode=True),
]
AVG_CONFIGS = [
    dict(kernel_size=2),
    dict(kernel_size=3, stride=1),
    dict(kernel_size=3, stride=2, padding=1),
    dict(kernel_size=3, stride=2, padding=1, count_include_pad=False),
    dict(kernel_size=3, stride=2, padding=1, ceil_mode=True),
    dict(kernel_size=3, stride=2, padding=1, ceil_mode=True, count_include_pad=False),
    dict(kernel_size=4, stride=3, ceil_mode=True),
    dict(kernel_size=(2, 3), stride=(3, 1), padding=(1, 1), divisor_override=5),
]
# divisible, non-divisible, 1x1 (global), None entries, upsampling, identity
ADAPTIVE_SIZES = [(2, 3), (3, 4), (5, 2), 1, (None, 2), (4, None), (9, 11), (6, 9)]
SHAPES = [(2, 3, 6, 9), (3, 7, 8)]          # batched, and one unbatched (C, H, W) image with odd H


def _id(kw):
    return '-'.join(f'{k}={v}' for k, v in kw.items()).replace(' ', '')


def _gradcheck(fn, shape, **kw):
    x = mg.tensor(np.random.default_rng(0).standard_normal(shape), requires_grad=True)
    assert gradcheck(lambda t: fn(t, **kw), [x])


@pytest.mark.parametrize('shape', SHAPES, ids=str)
@pytest.mark.parametrize('kw', MAX_CONFIGS, ids=_id)
def test_max_pool2d_gradcheck(kw, shape):
    _gradcheck(max_pool2d, shape, **kw)


@pytest.mark.parametrize('shape', SHAPES, ids=str)
@pytest.mark.parametrize('kw', AVG_CONFIGS, ids=_id)
def test_avg_pool2d_gradcheck(kw, shape):
    _gradcheck(avg_pool2d, shape, **kw)


@pytest.mark.parametrize('size', ADAPTIVE_SIZES, ids=str)
def test_adaptive_avg_pool2d_gradcheck(size):
    _gradcheck(adaptive_avg_pool2d, (2, 2, 6, 9), output_size=size)
    _gradcheck(adaptive_avg_pool2d, (2, 5, 7), output_size=size)


@pytest.mark.parametrize('size', ADAPTIVE_SIZES, ids=str)
def test_adaptive_max_pool2d_gradcheck(size):
    _gradcheck(adaptive_max_pool2d, (2, 2, 6, 9), output_size=size)
    _gradcheck(adaptive_max_pool2d, (2, 5, 7), output_size=size)


# ---------------------------------------------------------------- PyTorch parity

def _parity(ours, theirs, x, **kw):
    torch = pytest.importorskip('torch')
    a = mg.tensor(x, requires_grad=True)
    ta = torch.tensor(x, requires_grad=True)
    y, ty = ours(a, **kw), theirs(ta, **kw)
    if kw.get('return_indices'):
        (y, idx), (ty, tidx) = y, ty
        assert idx.dtype == np.int64
        np.testing.assert_array_equal(idx.numpy(), tidx.numpy())
    assert y.shape == tuple(ty.shape) and y.dtype == x.dtype
    g = np.random.default_rng(5).standard_normal(y.shape).astype(x.dtype)
    y.backward(mg.tensor(g))
    ty.backward(torch.tensor(g))
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), rtol=1e-5, atol=1e-6)
    assert a.grad.dtype == x.dtype
    np.testing.assert_allclose(a.grad.numpy(), ta.grad.numpy(), rtol=1e-5, atol=1e-6)


def _data(shape, seed=1):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


@pytest.mark.parametrize('shape', [(2, 3, 7, 9), (3, 8, 7)], ids=str)
@pytest.mark.parametrize('kw', MAX_CONFIGS, ids=_id)
def test_max_pool2d_matches_pytorch(kw, shape):
    torch = pytest.importorskip('torch')
    _parity(max_pool2d, torch.nn.functional.max_pool2d, _data(shape), return_indices=True, **kw)


@pytest.mark.parametrize('shape', [(2, 3, 7, 9), (3, 8, 7)], ids=str)
@pytest.mark.parametrize('kw', AVG_CONFIGS, ids=_id)
def test_avg_pool2d_matches_pytorch(kw, shape):
    torch = pytest.importorskip('torch')
    _parity(avg_pool2d, torch.nn.functional.avg_pool2d, _data(shape), **kw)


@pytest.mark.parametrize('size', ADAPTIVE_SIZES + [(7, 9), (16, 32)], ids=str)
def test_adaptive_pools_match_pytorch(size):
    torch = pytest.importorskip('torch')
    F = torch.nn.functional
    for shape in ((2, 3, 7, 9), (3, 8, 16), (2, 2, 16, 32)):
        _parity(adaptive_avg_pool2d, F.adaptive_avg_pool2d, _data(shape), output_size=size)
        _parity(adaptive_max_pool2d, F.adaptive_max_pool2d, _data(shape), output_size=size,
                return_indices=True)


@pytest.mark.parametrize('kw', [dict(kernel_size=2), dict(kernel_size=3, stride=1, padding=1),
                                dict(kernel_size=3, stride=2, ceil_mode=True)], ids=_id)
def test_max_pool2d_ties_match_pytorch(kw):
    """Ties (common after ReLU) send the gradient to the first maximum, as PyTorch's CPU kernel."""
    torch = pytest.importorskip('torch')
    x = np.maximum(_data((2, 3, 8, 7)), 0).round(0)            # many zeros and repeated values
    _parity(max_pool2d, torch.nn.functional.max_pool2d, x, return_indices=True, **kw)
    _parity(adaptive_max_pool2d, torch.nn.functional.adaptive_max_pool2d, x, output_size=(3, 5))


def test_max_pool2d_ties_go_to_the_first_maximum():
    x = mg.tensor(np.ones((1, 1, 4, 4), dtype=np.float32), requires_grad=True)
    y, idx = max_pool2d(x, 2, return_indices=True)
    y.sum().backward()
    expected = np.zeros((4, 4), dtype=np.float32)
    expected[::2, ::2] = 1
    np.testing.assert_array_equal(x.grad.numpy()[0, 0], expected)
    np.testing.assert_array_equal(idx.numpy()[0, 0], [[0, 2], [8, 10]])


def test_max_pool2d_pads_with_minus_infinity():
    """An all-negative input with padding must never pool to the padding (0)."""
    x = -1 - np.abs(_data((2, 3, 5, 6)))
    for kw in (dict(kernel_size=3, stride=1, padding=1), dict(kernel_size=2, stride=2, padding=1),
               dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)):
        t = mg.tensor(x, requires_grad=True)
        y = max_pool2d(t, **kw)
        assert (y.numpy() <= -1).all(), kw
        y.sum().backward()
        # every window's gradient lands on a real input element: nothing is lost to the padding
        assert t.grad.numpy().sum() == pytest.approx(y.numel())
    # a 1-pixel image: padded windows hold only that pixel
    y = max_pool2d(mg.tensor([[[-3.0]]]), 2, stride=1, padding=1)
    np.testing.assert_array_equal(y.numpy(), np.full((1, 2, 2), -3.0, dtype=np.float32))


def test_max_pool2d_non_finite_gradient_stays_in_place():
    """The tiling fast path multiplies by a mask; an inf gradient must not become nan elsewhere."""
    x = mg.tensor(_data((1, 1, 4, 4)), requires_grad=True)
    y = max_pool2d(x, 2)
    g = np.ones(y.shape, dtype=np.float32)
    g[0, 0, 0, 0] = np.inf
    y.backward(mg.tensor(g))
    dx = x.grad.numpy()[0, 0, :2, :2]
    assert np.isinf(dx).sum() == 1 and (dx[np.isfinite(dx)] == 0).all()


def test_avg_pool2d_known_values():
    x = mg.tensor(np.arange(16, dtype=np.float32).reshape(1, 1, 4, 4), requires_grad=True)
    y = avg_pool2d(x, 2)
    np.testing.assert_array_equal(y.numpy()[0, 0], [[2.5, 4.5], [10.5, 12.5]])
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.full((1, 1, 4, 4), 0.25, dtype=np.float32))
    # padding 1, corner window holds one element: divisor 4 with the padding counted, 1 without
    y1 = avg_pool2d(x, 2, stride=2, padding=1)
    y2 = avg_pool2d(x, 2, stride=2, padding=1, count_include_pad=False)
    assert y1.numpy()[0, 0, 0, 0] == 0 / 4 and y2.numpy()[0, 0, 0, 0] == 0
    assert y1.numpy()[0, 0, 2, 2] == 15 / 4 and y2.numpy()[0, 0, 2, 2] == 15


def test_adaptive_avg_pool2d_known_windows():
    """H=5 -> 3: rows [0, 2), [1, 4), [3, 5) (floor start, ceil end), overlapping."""
    x = mg.tensor(np.arange(5, dtype=np.float64).reshape(1, 1, 5, 1))
    y = adaptive_avg_pool2d(x, (3, 1))
    np.testing.assert_allclose(y.numpy().ravel(), [0.5, 2.0, 3.5])
    ym = adaptive_max_pool2d(x, (3, 1))
    np.testing.assert_array_equal(ym.numpy().ravel(), [1, 3, 4])


@pytest.mark.parametrize('dtype', [np.float32, np.float64])
def test_pools_keep_the_dtype(dtype):
    x = mg.tensor(_data((2, 3, 6, 6)).astype(dtype), requires_grad=True)
    for y in (max_pool2d(x, 2), max_pool2d(x, 3, 2, 1), avg_pool2d(x, 3, 2, 1), avg_pool2d(x, 2),
              adaptive_avg_pool2d(x, 4), adaptive_avg_pool2d(x, 1), adaptive_max_pool2d(x, 4)):
        assert y.dtype == dtype
        x.grad = None
        y.sum().backward()
        assert x.grad.dtype == dtype


# ---------------------------------------------------------------- errors

def _t(*shape, dtype=np.float32):
    return mg.tensor(np.zeros(shape, dtype=dtype))


def test_pool_padding_at_most_half_the_kernel():
    with pytest.raises(ValueError, match='pad should be at most half of kernel size'):
        max_pool2d(_t(1, 1, 8, 8), 3, padding=2)
    with pytest.raises(ValueError, match='half of effective kernel size.*dilation'):
        max_pool2d(_t(1, 1, 8, 8), 2, padding=2, dilation=2)       # effective 3: pad 1 at most
    max_pool2d(_t(1, 1, 8, 8), 2, padding=1, dilation=2)             # allowed
    with pytest.raises(ValueError, match='pad should be at most half'):
        avg_pool2d(_t(1, 1, 8, 8), 2, padding=2)


def test_pool_argument_errors():
    x = _t(1, 1, 4, 4)
    with pytest.raises(ValueError, match='max_pool2d: non-positive stride'):
        max_pool2d(x, 2, stride=0)
    with pytest.raises(ValueError, match='avg_pool2d: non-positive kernel_size'):
        avg_pool2d(x, 0)
    with pytest.raises(ValueError, match='non-positive dilation'):
        max_pool2d(x, 2, dilation=0)
    with pytest.raises(ValueError, match='negative padding'):
        max_pool2d(x, 2, padding=-1)
    with pytest.raises(TypeError, match='stride must be an int or a pair'):
        avg_pool2d(x, 2, stride='2')
    with pytest.raises(TypeError, match='kernel_size must be an int or a pair'):
        max_pool2d(x, (2, 2, 2))
    with pytest.raises(RuntimeError, match=r'output size \(0 x 0\) is too small'):
        max_pool2d(x, 5)
    with pytest.raises(RuntimeError, match=r'2-D input of shape \(4, 4\)'):
        max_pool2d(_t(4, 4), 2)
    with pytest.raises(RuntimeError, match='floating point'):
        avg_pool2d(_t(1, 1, 4, 4, dtype=np.int64), 2)
    with pytest.raises(ValueError, match='divisor_override'):
        avg_pool2d(x, 2, divisor_override=0)


def test_adaptive_max_pool2d_with_indices_computes_the_forward_once(monkeypatch):
    from minigrad.ops import pool
    calls = []
    real = pool.adaptive_max

    def counting(*args):
        calls.append(1)
        return real(*args)
    monkeypatch.setattr(pool, 'adaptive_max', counting)
    x = mg.tensor(np.random.default_rng(0).standard_normal((2, 3, 7, 9)), requires_grad=True)
    y, idx = adaptive_max_pool2d(x, (3, 4), return_indices=True)
    assert len(calls) == 1
    flat = x.numpy().reshape(2, 3, -1)
    np.testing.assert_array_equal(np.take_along_axis(flat, idx.numpy().reshape(2, 3, -1), -1),
                                  y.numpy().reshape(2, 3, -1))
    y.sum().backward()
    assert x.grad.numpy().sum() == 2 * 3 * 3 * 4


def test_adaptive_pool_argument_errors():
    with pytest.raises(ValueError, match='output_size must be positive'):
        adaptive_avg_pool2d(_t(1, 1, 4, 4), (0, 2))
    with pytest.raises(TypeError, match='output_size must be an int or a pair'):
        adaptive_max_pool2d(_t(1, 1, 4, 4), (1, 2, 3))
    with pytest.raises(RuntimeError, match=r'5-D input of shape'):
        adaptive_avg_pool2d(_t(1, 1, 1, 4, 4), 2)


@pytest.mark.requires_cuda
def test_pools_on_gpu_match_cpu():
    x = _data((2, 3, 9, 8))
    fns = [lambda t: max_pool2d(t, 2), lambda t: max_pool2d(t, 3, 2, 1, ceil_mode=True),
           lambda t: avg_pool2d(t, 3, 2, 1, count_include_pad=False),
           lambda t: adaptive_avg_pool2d(t, (4, 3)), lambda t: adaptive_max_pool2d(t, (4, 3))]
    for fn in fns:
        res = []
        for dev in ('cpu', 'cuda'):
            t = mg.tensor(x, device=dev, requires_grad=True)
            y = fn(t)
            (y * y).sum().backward()
            res.append((y.numpy(), t.grad.numpy()))
        for a, b in zip(*res):
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def _pool_grad(x, g):
    t = mg.tensor(x, requires_grad=True)
    y = max_pool2d(t, 2)
    fast = y.grad_fn.picks is not None
    y.backward(mg.tensor(g))
    return y.numpy(), t.grad.numpy(), fast


def test_max_pool2d_2x2_picks_route_like_pytorch_with_ties():
    """The 2x2 path (max + three comparisons) routes each window's gradient to its first maximum,
    as PyTorch does: ties from ReLU zeros, repeated values, -inf, in every tie pattern."""
    torch = pytest.importorskip('torch')
    rng = np.random.default_rng(3)
    x = np.maximum(rng.integers(-2, 3, (4, 3, 8, 10)), 0).astype(np.float32)    # many ties
    x[0, 0, :2, :2] = -np.inf
    x[1, 1] = 1.0                                                                # all tied
    g = rng.standard_normal((4, 3, 4, 5)).astype(np.float32)
    y, dx, fast = _pool_grad(x, g)
    assert fast
    tx = torch.tensor(x, requires_grad=True)
    ty = torch.nn.functional.max_pool2d(tx, 2)
    ty.backward(torch.tensor(g))
    np.testing.assert_array_equal(y, ty.detach().numpy())
    np.testing.assert_array_equal(dx, tx.grad.numpy())


def test_max_pool2d_2x2_picks_agree_with_the_general_route():
    """Same gradient as the slice-by-slice route, which an inf anywhere in g switches to."""
    rng = np.random.default_rng(4)
    x = np.round(rng.standard_normal((2, 4, 6, 6)), 1).astype(np.float32)      # some ties
    g = rng.standard_normal((2, 4, 3, 3)).astype(np.float32)
    _, dx_fast, fast = _pool_grad(x, g)
    assert fast
    g_inf = g.copy()
    g_inf[0, 0, 0, 0] = np.inf                  # takes the general route for the whole tensor
    _, dx_general, _ = _pool_grad(x, g_inf)
    keep = np.ones(dx_fast.shape, bool)
    keep[0, 0, :2, :2] = False
    np.testing.assert_array_equal(dx_fast[keep], dx_general[keep])


def test_max_pool2d_2x2_with_nan_takes_the_general_route():
    x = np.arange(16, dtype=np.float32).reshape(1, 1, 4, 4)
    x[0, 0, 0, 1] = np.nan
    y, dx, fast = _pool_grad(x, np.ones((1, 1, 2, 2), np.float32))
    assert not fast and np.isnan(y[0, 0, 0, 0])
    assert dx[0, 0, 2:, 2:].sum() == 1 and dx[0, 0, 3, 3] == 1


@pytest.mark.parametrize('pool', [
    lambda F, t: F.max_pool2d(t, 2), lambda F, t: F.avg_pool2d(t, 3, 2, 1),
    lambda F, t: F.adaptive_avg_pool2d(t, 3), lambda F, t: F.adaptive_avg_pool2d(t, 1),
    lambda F, t: F.adaptive_max_pool2d(t, 3), lambda F, t: F.adaptive_max_pool2d(t, 4),
    lambda F, t: F.max_pool2d(t, 2, return_indices=True)[0],
    lambda F, t: F.adaptive_max_pool2d(t, 3, return_indices=True)[0]])
def test_pools_on_an_empty_batch_as_pytorch(pool):
    torch = pytest.importorskip('torch')
    import minigrad.nn.functional as F
    x = mg.zeros(0, 3, 8, 8, requires_grad=True)
    y = pool(F, x)
    assert y.shape == tuple(pool(torch.nn.functional, torch.zeros(0, 3, 8, 8)).shape)
    y.sum().backward()
    assert x.grad.shape == (0, 3, 8, 8)

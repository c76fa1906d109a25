"""The convolution plans (minigrad.ops.conv_plans) against the plain convolution (minigrad.ops.conv).

* every plan, with its variants (blocks of images, chunks of the input gradient, windows kept or
  rebuilt, both weight-gradient orientations), gives the plain convolution's output and
  gradients to 1e-12 in float64, and passes gradcheck;
* the plain convolution passes gradcheck and matches PyTorch; each plan matches PyTorch in float32;
* ``choose_plan`` picks the plan its thresholds say, and ``F.conv2d`` runs the plan it picks;
* scratch buffers are never handed out while anything still references them (retain_graph,
  two forwards before one backward, results kept by the caller);
* the fused Linear op matches PyTorch and passes gradcheck.
Plans are run through their public API: ``plan.function.apply(..., geom=, plan=)``.
"""
import dataclasses

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn.functional as F
from minigrad.ops import conv_plans
from minigrad.ops.conv import Conv2d, ConvGeometry
from minigrad.ops.conv_plans import Plan, choose_plan
from minigrad.testing import gradcheck


def _two(v):
    return v if isinstance(v, tuple) else (v, v)


def _geom(xs, ws, stride=1, padding=0, dilation=1, groups=1):
    ph, pw = _two(padding)
    return ConvGeometry.of(xs, ws, _two(stride), (ph, ph, pw, pw), _two(dilation), groups)


# (input, weight, stride, padding, dilation, groups)
CASES = [
    ((5, 3, 7, 6), (4, 3, 3, 3), 1, 1, 1, 1),           # C < O: col2im side of the switch
    ((5, 6, 7, 6), (4, 6, 3, 3), 1, 1, 1, 1),           # C > O: transposed-conv side
    ((4, 4, 6, 6), (8, 2, 5, 5), 1, 2, 1, 2),           # groups
    ((5, 2, 9, 8), (3, 2, 2, 3), (2, 1), (1, 0), (1, 2), 1),    # stride, dilation, odd kernel
    ((5, 4, 7, 6), (6, 2, 3, 2), 2, (1, 0), 1, 2),      # stride and groups
    ((3, 2, 5, 5), (3, 2, 1, 1), 1, 0, 1, 1),           # 1x1 kernel
]


def _variants(geom):
    """Every plan that can run ``geom``, with blocks/chunks smaller than the batch (uneven)."""
    G, N = geom.groups, geom.N
    stride1 = geom.stride == (1, 1) and max(geom.padding[:2]) <= geom.dilation[0] * (geom.KH - 1) \
        and max(geom.padding[2:]) <= geom.dilation[1] * (geom.KW - 1)
    plans = []
    for grad in ('col2im',) + (('transposed_conv',) if stride1 else ()):
        for chunk in (2, N):
            plans.append(Plan('window_matrix', N, grad, chunk, G > 1, True))
        plans.append(Plan('window_matrix', N, grad, 2, G > 1, False))      # windows rebuilt
        if G == 1:
            plans.append(Plan('window_matrix', N, grad, N, False, True))   # g @ cols^T
            plans.append(Plan('image_blocks', 2, grad, 2, True))
    for transposed in (False, True):
        plans.append(Plan('batch_last', 2, weight_grad_transposed=transposed and G == 1))
    plans.append(Plan('batch_last', N))
    return plans


def _run(fn, arrays, geom, **options):
    ts = [mg.tensor(a, requires_grad=True) for a in arrays]
    y = fn.apply(*ts, geom=geom, **options)
    g = np.cos(np.arange(y.numel())).reshape(y.shape).astype(y.dtype)
    y.backward(mg.tensor(g))
    return [y.numpy()] + [t.grad.numpy() for t in ts]


def _arrays(case, rng, dtype=np.float64):
    xs, ws = case[:2]
    return [rng.standard_normal(s).astype(dtype) for s in (xs, ws, (ws[0],))]


@pytest.mark.parametrize('case', CASES)
def test_every_plan_agrees_with_the_plain_convolution(case):
    geom = _geom(*case)
    arrays = _arrays(case, np.random.default_rng(0))
    ref = _run(Conv2d, arrays, geom)
    for plan in _variants(geom):
        got = _run(plan.function, arrays, geom, plan=plan)
        for name, a, b in zip(('output', 'input grad', 'weight grad', 'bias grad'), got, ref):
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12, err_msg=f'{plan} {name}')


@pytest.mark.parametrize('case', CASES[:5])
def test_every_plan_passes_gradcheck(case):
    geom = _geom(*((3,) + case[0][1:],) + case[1:])         # 3 images: blocks of 2 are uneven
    arrays = _arrays(((3,) + case[0][1:],) + case[1:], np.random.default_rng(1))
    for plan in [None] + _variants(geom):
        ts = [mg.tensor(a, requires_grad=True) for a in arrays]
        if plan is None:
            assert gradcheck(lambda *t: Conv2d.apply(*t, geom=geom), ts)
        else:
            assert gradcheck(lambda *t: plan.function.apply(*t, geom=geom, plan=plan), ts), plan


def test_plans_without_bias_and_with_only_some_gradients():
    case = CASES[0]
    geom = _geom(*case)
    x, w, _ = _arrays(case, np.random.default_rng(2))
    for plan in [None] + _variants(geom):
        results = []
        for x_grad, w_grad in ((True, False), (False, True), (False, False)):
            tx, tw = mg.tensor(x, requires_grad=x_grad), mg.tensor(w, requires_grad=w_grad)
            fn, opts = (Conv2d, {}) if plan is None else (plan.function, {'plan': plan})
            y = fn.apply(tx, tw, geom=geom, **opts)
            if x_grad or w_grad:
                (y * y).sum().backward()
            results.append((y.numpy(), tx.grad, tw.grad))
        assert results[0][2] is None and results[1][1] is None
        np.testing.assert_allclose(results[0][0], results[2][0], rtol=1e-12, atol=1e-12)


def test_unbatched_image_through_every_plan():
    case = ((1, 3, 6, 5), (4, 3, 3, 3), 1, 1, 1, 1)
    geom = _geom(*case)
    x, w, b = _arrays(case, np.random.default_rng(3))
    ref = _run(Conv2d, [x[0], w, b], geom)
    for plan in _variants(geom):
        got = _run(plan.function, [x[0], w, b], geom, plan=plan)
        assert got[0].shape == (4, 6, 5) and got[1].shape == (3, 6, 5)
        for a, r in zip(got, ref):
            np.testing.assert_allclose(a, r, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize('case', CASES)
def test_plain_convolution_matches_pytorch(case):
    torch = pytest.importorskip('torch')
    xs, ws, s, p, d, groups = case
    arrays = _arrays(case, np.random.default_rng(4), np.float32)
    got = _run(Conv2d, arrays, _geom(*case))
    tt = [torch.tensor(a, requires_grad=True) for a in arrays]
    ty = torch.nn.functional.conv2d(*tt, stride=s, padding=p, dilation=d, groups=groups)
    ty.backward(torch.tensor(np.cos(np.arange(ty.numel())).reshape(ty.shape).astype(np.float32)))
    for a, t in zip(got, [ty.detach()] + [t.grad for t in tt]):
        assert a.dtype == np.float32
        np.testing.assert_allclose(a, t.numpy(), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize('name', ['window_matrix', 'image_blocks', 'batch_last'])
def test_each_plan_matches_pytorch_in_float32(name):
    torch = pytest.importorskip('torch')
    case = ((6, 3, 12, 11), (5, 3, 5, 5), 1, 2, 1, 1)
    geom = _geom(*case)
    plan = next(p for p in _variants(geom) if p.name == name)
    arrays = _arrays(case, np.random.default_rng(5), np.float32)
    got = _run(plan.function, arrays, geom, plan=plan)
    tt = [torch.tensor(a, requires_grad=True) for a in arrays]
    ty = torch.nn.functional.conv2d(*tt, padding=2)
    ty.backward(torch.tensor(np.cos(np.arange(ty.numel())).reshape(ty.shape).astype(np.float32)))
    for a, t in zip(got, [ty.detach()] + [t.grad for t in tt]):
        assert a.dtype == np.float32
        np.testing.assert_allclose(a, t.numpy(), rtol=1e-4, atol=1e-3)


# ---------------------------------------------------------------- choosing a plan

def test_choose_plan_follows_its_thresholds():
    f32 = 4
    lenet1 = choose_plan(_geom((64, 1, 28, 28), (6, 1, 5, 5), padding=2), f32)
    assert lenet1.name == 'image_blocks' and 4 <= lenet1.images_per_block < 64
    lenet2 = choose_plan(_geom((64, 6, 14, 14), (16, 6, 5, 5)), f32)     # 10 wide
    assert lenet2.name == 'batch_last' and lenet2.images_per_block == 64
    few = choose_plan(_geom((2, 6, 14, 14), (16, 6, 5, 5)), f32)          # 2 images: NCHW
    assert few.name == 'window_matrix'
    vgg = choose_plan(_geom((32, 64, 32, 32), (64, 64, 3, 3), padding=1), f32)
    assert (vgg.name, vgg.input_grad) == ('window_matrix', 'transposed_conv')
    assert vgg.grad_images == (32 << 20) // (64 * 9 * 32 * 32 * 4)          # 32 MiB chunks
    strided = choose_plan(_geom((8, 16, 32, 32), (32, 16, 3, 3), stride=2, padding=1), f32)
    assert strided.input_grad == 'col2im'                                  # any stride: col2im
    big = choose_plan(_geom((8, 512, 32, 32), (512, 512, 3, 3), padding=1), f32)
    small = choose_plan(_geom((8, 16, 32, 32), (32, 16, 3, 3), padding=1), f32)
    assert not big.weight_grad_transposed and small.weight_grad_transposed
    # batch_last blocks: at least max(2 MiB / 60 kB of windows = 34, 4096 / 100 columns = 41)
    # images, made equal: 256 -> 6 blocks of 43
    b256 = choose_plan(_geom((256, 6, 14, 14), (16, 6, 5, 5)), f32)
    assert b256.name == 'batch_last' and b256.images_per_block == 43
    # on a GPU: no cache-sized blocks, batch_last in one block
    assert choose_plan(_geom((64, 1, 28, 28), (6, 1, 5, 5), padding=2), f32, cpu=False).name \
        == 'window_matrix'
    assert choose_plan(_geom((256, 6, 14, 14), (16, 6, 5, 5)), f32, cpu=False).images_per_block \
        == 256


def test_conv2d_runs_the_chosen_plan(monkeypatch):
    rng = np.random.default_rng(9)
    w = mg.tensor(rng.standard_normal((4, 3, 3, 3)).astype(np.float32), requires_grad=True)
    for shape, padding in (((8, 3, 12, 12), 0), ((8, 3, 32, 32), 1), ((2, 3, 12, 12), 0)):
        x = mg.tensor(rng.standard_normal(shape).astype(np.float32))
        plan = choose_plan(_geom(shape, w.shape, padding=padding), 4)
        assert type(F.conv2d(x, w, padding=padding).grad_fn) is plan.function
    monkeypatch.setattr(conv_plans, 'SAVE_WINDOWS', False)
    assert not choose_plan(_geom((2, 3, 12, 12), w.shape), 4).save_windows


def test_plans_are_frozen_and_named():
    plan = choose_plan(_geom((2, 3, 12, 12), (4, 3, 3, 3)), 4)
    with pytest.raises(dataclasses.FrozenInstanceError):
        plan.name = 'batch_last'
    assert set(conv_plans.PLANS) == {'window_matrix', 'image_blocks', 'batch_last'}


# ---------------------------------------------------------------- scratch buffers

def test_scratch_never_hands_out_a_referenced_buffer():
    a = conv_plans.scratch(np, (1 << 19,), np.float32)           # 2 MiB: kept for reuse
    a[...] = 1
    b = conv_plans.scratch(np, (1 << 19,), np.float32)           # a is alive: a new buffer
    assert not np.shares_memory(a, b)
    view = a[10:20]
    del a
    c = conv_plans.scratch(np, (1 << 19,), np.float32)           # a view still holds a's buffer
    assert not np.shares_memory(view, c)
    assert np.all(view == 1)


def _net_grads(twice):
    """Gradients of a small conv net; ``twice``: two forwards (kept) before their backwards."""
    rng = np.random.default_rng(5)
    x = mg.tensor(rng.standard_normal((4, 3, 12, 12)).astype(np.float32), requires_grad=True)
    w1 = mg.tensor(rng.standard_normal((8, 3, 3, 3)).astype(np.float32), requires_grad=True)
    w2 = mg.tensor(rng.standard_normal((16, 8, 3, 3)).astype(np.float32), requires_grad=True)

    def loss(s):
        h = F.relu(F.conv2d(x * s, w1, padding=1))
        return (F.conv2d(h, w2, padding=1) ** 2).mean()
    if twice:
        l1, l2 = loss(1.0), loss(0.5)            # both graphs alive: their windows must differ
        l1.backward(retain_graph=True)
        l2.backward()
        l1.backward()                            # the retained graph's windows are intact
    else:
        loss(1.0).backward()
        loss(1.0).backward()
        loss(0.5).backward()
    return [t.grad.numpy().copy() for t in (x, w1, w2)]


def test_scratch_reuse_with_live_graphs_and_retain_graph():
    a = _net_grads(True)
    b = _net_grads(False)
    for ga, gb in zip(a, b):
        np.testing.assert_allclose(ga, gb, rtol=1e-4, atol=1e-4)


def test_conv_outputs_kept_by_the_caller_are_not_overwritten():
    rng = np.random.default_rng(6)
    x = mg.tensor(rng.standard_normal((8, 4, 16, 16)).astype(np.float32))
    w = mg.tensor(rng.standard_normal((8, 4, 3, 3)).astype(np.float32))
    y1 = F.conv2d(x, w, padding=1)
    keep = y1.numpy().copy()
    for _ in range(3):
        F.conv2d(x * 2.0, w, padding=1)
    np.testing.assert_array_equal(y1.numpy(), keep)


# ---------------------------------------------------------------- fused linear

@pytest.mark.parametrize('bias', [True, False])
@pytest.mark.parametrize('lead', [(5,), (2, 3)])
def test_linear_fused_matches_pytorch(bias, lead):
    torch = pytest.importorskip('torch')
    rng = np.random.default_rng(3)
    x = rng.standard_normal(lead + (7,)).astype(np.float32)
    w = rng.standard_normal((4, 7)).astype(np.float32)
    b = rng.standard_normal(4).astype(np.float32)
    tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    mx, mw, mb = (mg.tensor(a, requires_grad=True) for a in (x, w, b))
    ty = torch.nn.functional.linear(tx, tw, tb if bias else None)
    my = F.linear(mx, mw, mb if bias else None)
    assert my.dtype == np.float32 and my.shape == tuple(ty.shape)
    g = rng.standard_normal(tuple(ty.shape)).astype(np.float32)
    ty.backward(torch.tensor(g))
    my.backward(mg.tensor(g))
    np.testing.assert_allclose(my.numpy(), ty.detach().numpy(), rtol=1e-5, atol=1e-5)
    pairs = [(mx, tx), (mw, tw)] + ([(mb, tb)] if bias else [])
    for m, t in pairs:
        np.testing.assert_allclose(m.grad.numpy(), t.grad.numpy(), rtol=1e-5, atol=1e-5)
    if not bias:
        assert mb.grad is None


def test_linear_fused_gradcheck():
    rng = np.random.default_rng(4)
    x = mg.tensor(rng.standard_normal((3, 4)), requires_grad=True)
    w = mg.tensor(rng.standard_normal((2, 4)), requires_grad=True)
    b = mg.tensor(rng.standard_normal(2), requires_grad=True)
    gradcheck(lambda a, c, d: F.linear(a, c, d), (x, w, b))
    gradcheck(lambda a, c: F.linear(a, c), (x, w))


def test_linear_only_weight_needs_grad():
    x = mg.tensor(np.ones((2, 3), np.float32))
    w = mg.tensor(np.full((4, 3), 2.0, np.float32), requires_grad=True)
    F.linear(x, w).sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(), np.full((4, 3), 2.0, np.float32))

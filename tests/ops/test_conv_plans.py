"""The fast paths added for speed (issue 5) give the same answers as the plain ones and PyTorch.

* conv2d's two input-gradient forms (the conv of the padded gradient, and col2im) agree with
  each other and with PyTorch on either side of the switch between them;
* the fused Linear op matches PyTorch and passes gradcheck, with and without bias, 3-D input;
* scratch buffers are never handed out while anything still references them (retain_graph,
  two forwards before one backward, results kept by the caller).
"""
import numpy as np
import pytest

import minigrad as mg
import minigrad.nn.functional as F
from minigrad.ops import conv as conv_mod
from minigrad.ops.conv import Conv2d, conv2d
from minigrad.testing import gradcheck


def _conv_fn(x_shape, w_shape, stride, padding, groups=1):
    """A Conv2d node with its geometry set, to call both input-gradient forms directly."""
    N, C, H, W = x_shape
    O, _, KH, KW = w_shape
    OH = (H + 2 * padding - KH) // stride + 1
    OW = (W + 2 * padding - KW) // stride + 1
    fn = Conv2d()
    fn.unbatched = False
    fn.geom = (N, C, H, W, OH, OW, (stride, stride), (padding,) * 4, (1, 1), groups)
    return fn, (N, O, OH, OW)


@pytest.mark.parametrize('x_shape, w_shape, padding, groups', [
    ((2, 3, 7, 6), (5, 3, 3, 3), 1, 1),      # C < O: the col2im side of the switch
    ((2, 6, 7, 6), (4, 6, 3, 3), 1, 1),      # C > O: the conv-form side
    ((2, 4, 6, 6), (8, 2, 5, 5), 2, 2),      # groups
    ((3, 2, 5, 5), (3, 2, 2, 3), 0, 1),      # no padding, non-square kernel
])
@pytest.mark.parametrize('chunk_bytes', [1, 1 << 30])       # one image per block / one block
def test_conv_input_gradient_forms_agree(x_shape, w_shape, padding, groups, chunk_bytes, monkeypatch):
    monkeypatch.setattr(conv_mod, 'COL2IM_CHUNK_BYTES', chunk_bytes)
    rng = np.random.default_rng(0)
    fn, g_shape = _conv_fn(x_shape, w_shape, 1, padding, groups)
    w = rng.standard_normal(w_shape)
    g = rng.standard_normal(g_shape)
    N, O, OH, OW = g_shape
    gt = np.ascontiguousarray(g.reshape(N, O, -1).transpose(1, 0, 2)).reshape(O, -1)
    a = fn._input_grad_as_conv(g, w).copy()
    b = fn._input_grad_col2im(gt, w).copy()
    assert a.shape == b.shape == x_shape
    np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize('x_shape, w_shape, stride, padding', [
    ((4, 6, 14, 14), (16, 6, 5, 5), 1, 0),   # LeNet's second conv: col2im
    ((2, 8, 9, 9), (8, 8, 3, 3), 1, 1),      # C == O: conv form
    ((2, 3, 9, 8), (4, 3, 3, 3), 2, 1),      # stride 2: col2im
])
def test_conv_paths_match_pytorch(x_shape, w_shape, stride, padding):
    torch = pytest.importorskip('torch')
    rng = np.random.default_rng(1)
    x = rng.standard_normal(x_shape).astype(np.float32)
    w = rng.standard_normal(w_shape).astype(np.float32)
    b = rng.standard_normal(w_shape[0]).astype(np.float32)
    tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    ty = torch.nn.functional.conv2d(tx, tw, tb, stride=stride, padding=padding)
    g = rng.standard_normal(tuple(ty.shape)).astype(np.float32)
    ty.backward(torch.tensor(g))
    mx, mw, mb = (mg.tensor(a, requires_grad=True) for a in (x, w, b))
    my = conv2d(mx, mw, mb, stride=stride, padding=padding)
    my.backward(mg.tensor(g))
    np.testing.assert_allclose(my.numpy(), ty.detach().numpy(), rtol=1e-4, atol=1e-4)
    for m, t in ((mx, tx), (mw, tw), (mb, tb)):
        np.testing.assert_allclose(m.grad.numpy(), t.grad.numpy(), rtol=1e-4, atol=1e-3)


def test_conv_col2im_gradcheck():
    rng = np.random.default_rng(2)
    x = mg.tensor(rng.standard_normal((2, 2, 5, 5)), requires_grad=True)
    w = mg.tensor(rng.standard_normal((5, 2, 3, 3)), requires_grad=True)    # C < O
    gradcheck(lambda a, b: conv2d(a, b, padding=1), (x, w))


# ---------------------------------------------------------------- batch-innermost conv layout

# (input, weight, stride, padding, dilation, groups): LeNet's conv2, padding, stride/dilation, groups
BATCH_LAST = [
    ((8, 6, 14, 14), (16, 6, 5, 5), 1, 0, 1, 1),
    ((9, 3, 7, 6), (4, 3, 3, 3), 1, 1, 1, 1),
    ((8, 2, 7, 7), (3, 2, 3, 3), (2, 1), 2, 2, 1),
    ((9, 4, 7, 6), (6, 2, 3, 2), 2, (1, 0), 1, 2),
]


def _conv_run(arrays, geom, batch_last, monkeypatch, save_windows=True):
    monkeypatch.setattr(conv_mod, 'CHWN_MAX_WIDTH', 1 << 20 if batch_last else 0)
    monkeypatch.setattr(conv_mod, 'CHWN_MIN_BATCH', 1)
    monkeypatch.setattr(conv_mod, 'SAVE_WINDOWS', save_windows)
    s, p, d, groups = geom
    ts = [mg.tensor(a, requires_grad=True) for a in arrays]
    y = conv2d(*ts, stride=s, padding=p, dilation=d, groups=groups)
    assert y.grad_fn.batch_last == batch_last
    if batch_last and conv_mod.CHWN_BLOCK_BYTES == 1:
        assert y.grad_fn.nbl == (4 if arrays[0].shape[0] == 8 else 5)
    g = np.cos(np.arange(y.numel())).reshape(y.shape).astype(y.dtype)
    y.backward(mg.tensor(g))
    return [y.numpy()] + [t.grad.numpy() for t in ts], g


@pytest.mark.parametrize('cfg', BATCH_LAST)
def test_conv_batch_last_layout_agrees_with_nchw(cfg, monkeypatch):
    """Same output and gradients (float64: to rounding) from both layouts, windows kept or rebuilt."""
    xs, ws, s, p, d, groups = cfg
    rng = np.random.default_rng(6)
    arrays = [rng.standard_normal(xs), rng.standard_normal(ws), rng.standard_normal(ws[0])]
    ref, _ = _conv_run(arrays, (s, p, d, groups), False, monkeypatch)
    for save in (True, False):
        got, _ = _conv_run(arrays, (s, p, d, groups), True, monkeypatch, save)
        for a, b in zip(got, ref):
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
    # blocks of at least 4 images: 8 -> 4 + 4, 9 -> 5 + 4 (the uneven last block)
    L = ref[0].shape[2] * ref[0].shape[3]
    monkeypatch.setattr(conv_mod, 'CHWN_BLOCK_BYTES', 1)
    monkeypatch.setattr(conv_mod, 'CHWN_MIN_COLUMNS', 4 * L)
    got, _ = _conv_run(arrays, (s, p, d, groups), True, monkeypatch)
    for a, b in zip(got, ref):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize('cfg', BATCH_LAST[1:])
def test_conv_batch_last_gradcheck(cfg, monkeypatch):
    xs, ws, s, p, d, groups = cfg
    monkeypatch.setattr(conv_mod, 'CHWN_MAX_WIDTH', 1 << 20)
    monkeypatch.setattr(conv_mod, 'CHWN_MIN_BATCH', 1)
    rng = np.random.default_rng(7)
    xs = (2,) + xs[1:]                      # small batch: gradcheck perturbs every element
    ts = [mg.tensor(rng.standard_normal(a), requires_grad=True) for a in (xs, ws, (ws[0],))]
    assert conv2d(*ts, stride=s, padding=p, dilation=d, groups=groups).grad_fn.batch_last
    assert gradcheck(lambda *t: conv2d(*t, stride=s, padding=p, dilation=d, groups=groups), ts)


@pytest.mark.parametrize('cfg', BATCH_LAST)
def test_conv_batch_last_matches_pytorch(cfg, monkeypatch):
    torch = pytest.importorskip('torch')
    xs, ws, s, p, d, groups = cfg
    rng = np.random.default_rng(8)
    arrays = [rng.standard_normal(a).astype(np.float32) for a in (xs, ws, (ws[0],))]
    got, g = _conv_run(arrays, (s, p, d, groups), True, monkeypatch)
    tt = [torch.tensor(a, requires_grad=True) for a in arrays]
    ty = torch.nn.functional.conv2d(*tt, stride=s, padding=p, dilation=d, groups=groups)
    ty.backward(torch.tensor(g))
    for a, t in zip(got, [ty.detach()] + [t.grad for t in tt]):
        assert a.dtype == np.float32
        np.testing.assert_allclose(a, t.numpy(), rtol=1e-4, atol=1e-4)


def test_conv_layout_choice_follows_output_width():
    rng = np.random.default_rng(9)
    w = mg.tensor(rng.standard_normal((4, 3, 3, 3)).astype(np.float32), requires_grad=True)
    narrow = conv2d(mg.tensor(rng.standard_normal((8, 3, 12, 12)).astype(np.float32)), w)   # 10 wide
    wide = conv2d(mg.tensor(rng.standard_normal((8, 3, 32, 32)).astype(np.float32)), w, padding=1)
    few = conv2d(mg.tensor(rng.standard_normal((2, 3, 12, 12)).astype(np.float32)), w)      # 2 images
    assert narrow.grad_fn.batch_last and not wide.grad_fn.batch_last and not few.grad_fn.batch_last


# ---------------------------------------------------------------- blocks of images (small windows)

@pytest.mark.parametrize('cfg', [
    ((11, 1, 12, 12), (6, 1, 5, 5), 1, 2, 1),      # LeNet's first conv, an uneven last block
    ((10, 3, 9, 8), (4, 3, 3, 3), 2, 1, 1),         # stride 2
    ((9, 2, 9, 9), (3, 2, 3, 3), 1, 2, 2),          # dilation
])
def test_conv_blocks_of_images_agree_with_one_window_matrix(cfg, monkeypatch):
    xs, ws, s, p, d = cfg
    monkeypatch.setattr(conv_mod, 'CHWN_MAX_WIDTH', 0)
    monkeypatch.setattr(conv_mod, 'BLOCK_MIN_IMAGES', 2)
    rng = np.random.default_rng(10)
    arrays = [rng.standard_normal(xs), rng.standard_normal(ws), rng.standard_normal(ws[0])]
    per_image = ws[1] * ws[2] * ws[3] * 8 * np.prod(
        [(n + 2 * p - d * (k - 1) - 1) // s + 1 for n, k in zip(xs[2:], ws[2:])])
    results = []
    for block_bytes in (3 * per_image, 0):           # blocks of 3 images / no blocks
        monkeypatch.setattr(conv_mod, 'BLOCK_BYTES', int(block_bytes))
        ts = [mg.tensor(a, requires_grad=True) for a in arrays]
        y = conv2d(*ts, stride=s, padding=p, dilation=d)
        assert y.grad_fn.block == (3 if block_bytes else 0)
        (y * y).sum().backward()
        results.append([y.numpy()] + [t.grad.numpy() for t in ts])
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
    # gradcheck (float64) through blocks of 2 images
    monkeypatch.setattr(conv_mod, 'BLOCK_BYTES', int(2 * per_image))
    small = [mg.tensor(a[:5] if i == 0 else a, requires_grad=True) for i, a in enumerate(arrays)]
    assert conv2d(*small, stride=s, padding=p, dilation=d).grad_fn.block == 2
    assert gradcheck(lambda *t: conv2d(*t, stride=s, padding=p, dilation=d), small)


def test_conv_blocks_match_pytorch(monkeypatch):
    torch = pytest.importorskip('torch')
    rng = np.random.default_rng(11)
    arrays = [rng.standard_normal(a).astype(np.float32) for a in ((64, 1, 28, 28), (6, 1, 5, 5), (6,))]
    ts = [mg.tensor(a, requires_grad=True) for a in arrays]
    y = conv2d(*ts, padding=2)                        # LeNet-5's first layer at batch 64
    assert y.grad_fn.block >= 4
    tt = [torch.tensor(a, requires_grad=True) for a in arrays]
    ty = torch.nn.functional.conv2d(*tt, padding=2)
    g = rng.standard_normal(y.shape).astype(np.float32)
    y.backward(mg.tensor(g))
    ty.backward(torch.tensor(g))
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), rtol=1e-4, atol=1e-4)
    for a, t in zip(ts, tt):
        assert a.grad.dtype == np.float32
        np.testing.assert_allclose(a.grad.numpy(), t.grad.numpy(), rtol=1e-4, atol=2e-3)


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


# ---------------------------------------------------------------- scratch buffers

def test_scratch_never_hands_out_a_referenced_buffer():
    a = conv_mod.scratch(np, (1 << 19,), np.float32)           # 2 MiB: kept for reuse
    a[...] = 1
    b = conv_mod.scratch(np, (1 << 19,), np.float32)           # a is alive: a new buffer
    assert not np.shares_memory(a, b)
    view = a[10:20]
    del a
    c = conv_mod.scratch(np, (1 << 19,), np.float32)           # a view still holds a's buffer
    assert not np.shares_memory(view, c)
    assert np.all(view == 1)


def _net_grads(twice):
    """Gradients of a small conv net; ``twice``: two forwards (kept) before their backwards."""
    rng = np.random.default_rng(5)
    x = mg.tensor(rng.standard_normal((4, 3, 12, 12)).astype(np.float32), requires_grad=True)
    w1 = mg.tensor(rng.standard_normal((8, 3, 3, 3)).astype(np.float32), requires_grad=True)
    w2 = mg.tensor(rng.standard_normal((16, 8, 3, 3)).astype(np.float32), requires_grad=True)

    def loss(s):
        h = F.relu(conv2d(x * s, w1, padding=1))
        return (conv2d(h, w2, padding=1) ** 2).mean()
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
    y1 = conv2d(x, w, padding=1)
    keep = y1.numpy().copy()
    for _ in range(3):
        conv2d(x * 2.0, w, padding=1)
    np.testing.assert_array_equal(y1.numpy(), keep)

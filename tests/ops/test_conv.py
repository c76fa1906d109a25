"""conv2d: float64 gradcheck, PyTorch parity (forward and every gradient), dtypes and errors."""
import numpy as np
import pytest

import minigrad as mg
import minigrad.nn.functional as F
from minigrad.ops import conv_plans
from minigrad.ops.conv import ConvGeometry
from minigrad.ops.conv_plans import Plan
from minigrad.testing import gradcheck

conv2d = F.conv2d

# PyTorch warns that it pads a copy for 'same' with an even kernel; that is what we compare against
pytestmark = pytest.mark.filterwarnings("ignore:Using padding='same':UserWarning")

# (input shape, weight shape, stride, padding, dilation, groups, bias)
CONFIGS = [
    ((2, 3, 5, 6), (4, 3, 3, 3), 1, 0, 1, 1, True),
    ((2, 3, 5, 6), (4, 3, 3, 3), 1, 1, 1, 1, False),
    ((2, 4, 7, 6), (6, 2, 3, 2), 2, (1, 0), 1, 2, True),          # groups, odd sizes, stride 2
    ((1, 2, 7, 7), (3, 2, 3, 3), (2, 1), 2, 2, 1, True),           # dilation + padding
    ((2, 3, 6, 5), (3, 1, 3, 3), 1, 'same', 1, 3, True),            # depthwise, 'same'
    ((1, 2, 6, 7), (2, 2, 2, 4), 1, 'same', (2, 1), 1, False),      # 'same', even kernel: asymmetric
    ((2, 2, 5, 5), (3, 2, 2, 2), 3, 'valid', 1, 1, True),           # stride larger than the kernel
    ((3, 5, 6), (2, 3, 3, 3), 1, 1, 1, 1, True),                    # unbatched (C, H, W)
    ((1, 1, 4, 4), (2, 1, 1, 1), 1, 0, 1, 1, True),                 # 1x1 kernel
    ((2, 2, 4, 3), (3, 2, 1, 2), 1, (1, 2), 1, 1, True),            # padding wider than the kernel
]


def _ids(cfg):
    xs, ws, s, p, d, g, b = cfg
    return f'x{xs}-w{ws}-s{s}-p{p}-d{d}-g{g}-{"bias" if b else "nobias"}'.replace(' ', '')


def _make(cfg, dtype, rng):
    xs, ws, s, p, d, g, b = cfg
    x = rng.standard_normal(xs).astype(dtype)
    w = rng.standard_normal(ws).astype(dtype)
    bias = rng.standard_normal(ws[0]).astype(dtype) if b else None
    return x, w, bias, dict(stride=s, padding=p, dilation=d, groups=g)


@pytest.mark.parametrize('cfg', CONFIGS, ids=_ids)
def test_conv2d_gradcheck(cfg):
    rng = np.random.default_rng(0)
    x, w, b, kw = _make(cfg, np.float64, rng)
    ts = [mg.tensor(a, requires_grad=True) for a in (x, w) + ((b,) if b is not None else ())]
    assert gradcheck(lambda *t: conv2d(*t, **kw), ts)


@pytest.mark.parametrize('cfg', CONFIGS, ids=_ids)
def test_conv2d_matches_pytorch(cfg):
    torch = pytest.importorskip('torch')
    rng = np.random.default_rng(1)
    x, w, b, kw = _make(cfg, np.float32, rng)
    arrays = (x, w) + ((b,) if b is not None else ())
    ours = [mg.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    y = conv2d(*ours, **kw)
    ty = torch.nn.functional.conv2d(*theirs, **kw)
    assert y.shape == tuple(ty.shape) and y.dtype == np.float32
    g = rng.standard_normal(y.shape).astype(np.float32)
    y.backward(mg.tensor(g))
    ty.backward(torch.tensor(g))
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), rtol=1e-5, atol=1e-5)
    for name, a, ta in zip(('input', 'weight', 'bias'), ours, theirs):
        assert a.grad.dtype == np.float32, name
        np.testing.assert_allclose(a.grad.numpy(), ta.grad.numpy(), rtol=1e-5, atol=1e-5, err_msg=name)


def test_conv2d_larger_case_matches_pytorch():
    """A layer-sized case (many terms per sum) in float32 against PyTorch."""
    torch = pytest.importorskip('torch')
    rng = np.random.default_rng(2)
    x = rng.standard_normal((4, 16, 12, 12)).astype(np.float32)
    w = (rng.standard_normal((8, 16, 3, 3)) * 0.1).astype(np.float32)
    b = rng.standard_normal(8).astype(np.float32)
    ours = [mg.tensor(a, requires_grad=True) for a in (x, w, b)]
    theirs = [torch.tensor(a, requires_grad=True) for a in (x, w, b)]
    y = conv2d(*ours, stride=2, padding=1)
    ty = torch.nn.functional.conv2d(*theirs, stride=2, padding=1)
    y.sum().backward()
    ty.sum().backward()
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), rtol=1e-5, atol=1e-5)
    for a, ta in zip(ours, theirs):
        np.testing.assert_allclose(a.grad.numpy(), ta.grad.numpy(), rtol=1e-5, atol=1e-4)


def test_conv2d_known_values():
    """A hand-computed case that needs no PyTorch: a 2x2 box filter with padding 1."""
    x = mg.tensor(np.arange(4, dtype=np.float32).reshape(1, 1, 2, 2))
    w = mg.ones((1, 1, 2, 2))
    y = conv2d(x, w, mg.tensor([10.0]), padding=1)
    expected = np.array([[0, 1, 1], [2, 6, 4], [2, 5, 3]], dtype=np.float32) + 10
    np.testing.assert_array_equal(y.numpy()[0, 0], expected)


def test_conv2d_dtypes():
    rng = np.random.default_rng(3)
    for dtype in (np.float32, np.float64):
        x = mg.tensor(rng.standard_normal((2, 3, 5, 5)).astype(dtype), requires_grad=True)
        w = mg.tensor(rng.standard_normal((4, 3, 3, 3)).astype(dtype), requires_grad=True)
        b = mg.tensor(rng.standard_normal(4).astype(dtype), requires_grad=True)
        y = conv2d(x, w, b, padding=1)
        y.sum().backward()
        assert y.dtype == dtype
        assert x.grad.dtype == w.grad.dtype == b.grad.dtype == dtype


def test_conv2d_only_bias_requires_grad():
    rng = np.random.default_rng(8)
    x = mg.tensor(rng.standard_normal((2, 3, 5, 5)).astype(np.float32))
    w = mg.tensor(rng.standard_normal((4, 3, 3, 3)).astype(np.float32))
    b = mg.tensor(np.zeros(4, dtype=np.float32), requires_grad=True)
    y = conv2d(x, w, b)
    assert y.grad_fn.saved == (None, None)               # no input/weight gradient: nothing kept
    g = rng.standard_normal(y.shape).astype(np.float32)
    y.backward(mg.tensor(g))
    np.testing.assert_allclose(b.grad.numpy(), g.sum(axis=(0, 2, 3)), rtol=1e-5)


def test_conv2d_saves_windows_only_for_the_weight_gradient():
    rng = np.random.default_rng(4)
    x = mg.tensor(rng.standard_normal((2, 3, 6, 6)).astype(np.float32), requires_grad=True)
    w = mg.tensor(rng.standard_normal((4, 3, 3, 3)).astype(np.float32))
    y = conv2d(x, w, padding=1)                  # frozen weight: no window matrix kept
    windows, weight = y.grad_fn.saved
    assert windows is None and weight is not None
    w.requires_grad_()
    y = conv2d(x.detach(), w, padding=1)         # frozen input: the weight itself is not kept
    windows, weight = y.grad_fn.saved
    assert windows.shape == (3 * 3 * 3, 2 * 6 * 6) and weight is None
    with mg.no_grad():
        assert conv2d(x, w).grad_fn is None


def test_conv2d_recomputing_windows_gives_the_same_gradients(monkeypatch):
    rng = np.random.default_rng(5)
    arrays = (rng.standard_normal((2, 4, 7, 5)), rng.standard_normal((6, 2, 3, 3)), rng.standard_normal(6))
    grads = []
    for save in (True, False):
        monkeypatch.setattr(conv_plans, 'SAVE_WINDOWS', save)
        ts = [mg.tensor(a.astype(np.float32), requires_grad=True) for a in arrays]
        y = conv2d(*ts, stride=(2, 1), padding=1, dilation=(1, 2), groups=2)
        assert y.grad_fn.saved[0].ndim == (2 if save else 4)
        (y * y).sum().backward()
        grads.append([t.grad.numpy() for t in ts])
    for a, b in zip(*grads):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize('chunk_images', [1, 2])
def test_conv2d_input_gradient_in_chunks(chunk_images):
    """The stride-1 input gradient builds output-gradient windows a few images at a time."""
    rng = np.random.default_rng(9)
    x0, w0 = rng.standard_normal((3, 4, 6, 5)), rng.standard_normal((6, 2, 3, 2))
    geom = ConvGeometry.of(x0.shape, w0.shape, padding=(1, 1, 0, 0), dilation=(2, 1), groups=2)
    grads = []
    for chunk in (3, chunk_images):             # one chunk / chunks of 1 or 2 (uneven) images
        plan = Plan('window_matrix', 3, 'transposed_conv', chunk, True)
        x, w = mg.tensor(x0, requires_grad=True), mg.tensor(w0, requires_grad=True)
        y = plan.function.apply(x, w, geom=geom, plan=plan)
        (y * y).sum().backward()
        grads.append(x.grad.numpy())
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-12, atol=1e-12)


def test_conv2d_backward_twice_with_retain_graph():
    rng = np.random.default_rng(6)
    x = mg.tensor(rng.standard_normal((1, 2, 4, 4)).astype(np.float32), requires_grad=True)
    w = mg.tensor(rng.standard_normal((3, 2, 3, 3)).astype(np.float32), requires_grad=True)
    y = conv2d(x, w, padding=1).sum()
    y.backward(retain_graph=True)
    gx, gw = x.grad.numpy().copy(), w.grad.numpy().copy()
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * gx, rtol=1e-6)
    np.testing.assert_allclose(w.grad.numpy(), 2 * gw, rtol=1e-6)


# ---------------------------------------------------------------- errors

def _t(*shape, dtype=np.float32):
    return mg.tensor(np.zeros(shape, dtype=dtype))


def test_conv2d_wrong_channel_count_names_both_shapes():
    with pytest.raises(RuntimeError) as e:
        conv2d(_t(8, 1, 28, 28), _t(16, 3, 5, 5))
    msg = str(e.value)
    assert 'expected input with 3 channels, got 1' in msg
    assert '(16, 3, 5, 5)' in msg and '(8, 1, 28, 28)' in msg


def test_conv2d_groups_errors():
    with pytest.raises(RuntimeError, match=r'input channels \(5.*not divisible by groups=2'):
        conv2d(_t(1, 5, 4, 4), _t(4, 2, 3, 3), groups=2)
    with pytest.raises(RuntimeError, match=r'out_channels \(3.*divisible by groups=2'):
        conv2d(_t(1, 4, 4, 4), _t(3, 2, 3, 3), groups=2)
    with pytest.raises(RuntimeError, match='expected input with 6 channels .*groups=2.*got 4'):
        conv2d(_t(1, 4, 4, 4), _t(4, 3, 3, 3), groups=2)
    with pytest.raises(ValueError, match='groups must be a positive integer'):
        conv2d(_t(1, 4, 4, 4), _t(4, 4, 3, 3), groups=0)


def test_conv2d_input_rank_error_names_the_shape():
    with pytest.raises(RuntimeError, match=r'3-D \(C, H, W\) or 4-D.*2-D input of shape \(3, 4\)'):
        conv2d(_t(3, 4), _t(2, 3, 1, 1))
    with pytest.raises(RuntimeError, match=r'5-D input of shape \(1, 1, 1, 4, 4\)'):
        conv2d(_t(1, 1, 1, 4, 4), _t(2, 1, 1, 1))
    with pytest.raises(RuntimeError, match=r'weight must be 4-D.*\(2, 3, 3\)'):
        conv2d(_t(1, 3, 4, 4), _t(2, 3, 3))


def test_conv2d_kernel_larger_than_padded_input_names_both():
    with pytest.raises(RuntimeError) as e:
        conv2d(_t(1, 3, 2, 2), _t(4, 3, 5, 5), padding=1)
    msg = str(e.value)
    assert '5 x 5' in msg and '4 x 4' in msg and "can't be greater" in msg
    with pytest.raises(RuntimeError, match='dilated to 5 x 5'):
        conv2d(_t(1, 1, 4, 4), _t(1, 1, 3, 3), dilation=2)


def test_conv2d_bad_stride_dilation_padding():
    x, w = _t(1, 1, 5, 5), _t(1, 1, 3, 3)
    with pytest.raises(ValueError, match='non-positive stride'):
        conv2d(x, w, stride=0)
    with pytest.raises(ValueError, match='non-positive stride'):
        conv2d(x, w, stride=(1, -1))
    with pytest.raises(ValueError, match='non-positive dilation'):
        conv2d(x, w, dilation=0)
    with pytest.raises(ValueError, match='negative padding'):
        conv2d(x, w, padding=-1)
    with pytest.raises(ValueError, match="padding='same' is not supported for strided"):
        conv2d(x, w, stride=2, padding='same')
    with pytest.raises(ValueError, match="invalid padding string 'full'"):
        conv2d(x, w, padding='full')
    with pytest.raises(TypeError, match='stride must be an int or a pair'):
        conv2d(x, w, stride=(1, 2, 3))


def test_conv2d_bias_shape_error():
    with pytest.raises(RuntimeError, match=r'bias must have shape \(4,\).*got shape \(3,\)'):
        conv2d(_t(1, 3, 5, 5), _t(4, 3, 3, 3), _t(3))
    with pytest.raises(RuntimeError, match=r'bias must have shape \(4,\).*got shape \(1, 4\)'):
        conv2d(_t(1, 3, 5, 5), _t(4, 3, 3, 3), _t(1, 4))


def test_conv2d_dtype_mismatch_is_an_error():
    with pytest.raises(RuntimeError, match=r'input dtype \(float64\) and weight dtype \(float32\)'):
        conv2d(_t(1, 3, 5, 5, dtype=np.float64), _t(4, 3, 3, 3))
    with pytest.raises(RuntimeError, match='bias dtype'):
        conv2d(_t(1, 3, 5, 5), _t(4, 3, 3, 3), _t(4, dtype=np.float64))
    with pytest.raises(RuntimeError, match='floating point'):
        conv2d(_t(1, 3, 5, 5, dtype=np.int64), _t(4, 3, 3, 3, dtype=np.int64))


@pytest.mark.requires_cuda
def test_conv2d_on_gpu_matches_cpu():
    rng = np.random.default_rng(7)
    arrays = [rng.standard_normal(s).astype(np.float32) for s in ((2, 4, 9, 8), (6, 2, 3, 3), (6,))]
    results = []
    for dev in ('cpu', 'cuda'):
        ts = [mg.tensor(a, device=dev, requires_grad=True) for a in arrays]
        y = conv2d(*ts, stride=2, padding=1, dilation=(1, 2), groups=2)
        (y * y).sum().backward()
        results.append([y.numpy()] + [t.grad.numpy() for t in ts])
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-4)


@pytest.mark.requires_cuda
def test_conv2d_device_mismatch_names_both_devices():
    with pytest.raises(RuntimeError, match=r"input is on cpu but weight is on cuda.*\.to\("):
        conv2d(_t(1, 3, 5, 5), _t(4, 3, 3, 3).to('cuda'))


@pytest.mark.parametrize('kw, w_shape', [({}, (4, 3, 3, 3)), (dict(padding=1), (4, 3, 3, 3)),
                                         (dict(stride=2), (4, 3, 3, 3)), (dict(groups=3), (3, 1, 3, 3)),
                                         (dict(padding='same'), (4, 3, 2, 2))])
def test_conv2d_empty_batch_as_pytorch(kw, w_shape):
    """An empty batch gives an empty result and zero weight/bias gradients, as PyTorch."""
    torch = pytest.importorskip('torch')
    x = mg.zeros(0, 3, 8, 8, requires_grad=True)
    w = mg.tensor(np.random.default_rng(0).standard_normal(w_shape).astype(np.float32),
                  requires_grad=True)
    b = mg.zeros(w_shape[0], requires_grad=True)
    y = conv2d(x, w, b, **kw)
    ty = torch.nn.functional.conv2d(torch.zeros(0, 3, 8, 8), torch.tensor(w.numpy()), **kw)
    assert y.shape == tuple(ty.shape)
    y.sum().backward()
    assert x.grad.shape == (0, 3, 8, 8)
    np.testing.assert_array_equal(w.grad.numpy(), np.zeros(w_shape, np.float32))
    np.testing.assert_array_equal(b.grad.numpy(), np.zeros(w_shape[0], np.float32))

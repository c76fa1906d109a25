"""PyTorch names of the core (issue 13): the Tensor methods as module functions (``mg.sum``,
``mg.max(x, 1)``, ``mg.flatten(x, 1)``...), the named arithmetic methods and their in-place
forms, ``norm``, the ``*_like`` factories and ``grad_fn.next_functions``; each compared with
PyTorch, forward and backward."""
import re

import numpy as np
import pytest

import minigrad as mg
from minigrad.functions import METHODS
from minigrad.testing import gradcheck

torch = pytest.importorskip('torch')


def pair(values, requires_grad=True, dtype=np.float32):
    a = np.asarray(values, dtype=dtype)
    return (mg.tensor(a, requires_grad=requires_grad),
            torch.tensor(a, requires_grad=requires_grad))


def as_list(out):
    return list(out) if isinstance(out, tuple) else [out]


def compare(fn_mg, fn_torch, values, backward=True, rtol=1e-5):
    """Run both, compare every output and (for float outputs) the input gradients."""
    x, t = pair(values)
    outs_m, outs_t = as_list(fn_mg(x)), as_list(fn_torch(t))
    assert len(outs_m) == len(outs_t)
    for om, ot in zip(outs_m, outs_t):
        if isinstance(ot, torch.Tensor):
            np.testing.assert_allclose(om.numpy(), ot.detach().numpy(), rtol=rtol, atol=1e-6)
            assert om.shape == tuple(ot.shape)
        else:
            assert om == ot
    first_m, first_t = outs_m[0], outs_t[0]
    if backward and isinstance(first_t, torch.Tensor) and first_t.requires_grad:
        w = np.linspace(0.5, 1.5, first_t.numel()).reshape(first_t.shape).astype(np.float32)
        (first_m * mg.tensor(w)).sum().backward()
        (first_t * torch.tensor(w)).sum().backward()
        np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=rtol, atol=1e-6)


X = [[0.5, -1.0, 2.0, 0.25], [1.5, 3.0, -0.5, 1.0], [0.75, 0.1, 0.2, -2.0]]
POS = [[0.5, 1.0, 2.0, 0.25], [1.5, 3.0, 0.5, 1.0], [0.75, 0.1, 0.2, 2.0]]

# (name, args, kwargs, input): one call of mg.NAME / torch.NAME per row, covering every METHODS name
CALLS = [
    ('abs', (), {}, X), ('add', (2.0,), {'alpha': 3}, X),
    ('addcmul', lambda lib: (lib.full((3, 4), 1.5), lib.full((3, 4), 2.0)), {'value': 0.5}, X),
    ('addcdiv', lambda lib: (lib.full((3, 4), 1.5), lib.full((3, 4), 2.0)), {'value': -2}, X), ('all', (), {}, X), ('amax', (1,), {}, X),
    ('amin', ((0, 1),), {}, X), ('any', (), {}, X), ('argmax', (1,), {}, X), ('argmin', (), {}, X),
    ('clamp', (), {'min': -0.5, 'max': 1.0}, X), ('clip', (0.0,), {}, X), ('clone', (), {}, X),
    ('detach', (), {}, X), ('div', (4.0,), {}, X), ('divide', (2.0,), {}, X), ('eq', (1.0,), {}, X),
    ('exp', (), {}, X), ('flatten', (1,), {}, [X, X]), ('ge', (1.0,), {}, X), ('gt', (1.0,), {}, X),
    ('le', (1.0,), {}, X), ('log', (), {}, POS), ('log_softmax', (1,), {}, X), ('lt', (1.0,), {}, X),
    ('mean', (0,), {'keepdim': True}, X), ('mm', lambda lib: (lib.ones(4, 2),), {}, X), ('mul', (3.0,), {}, X), ('multiply', (0.5,), {}, X),
    ('ne', (1.0,), {}, X), ('neg', (), {}, X), ('negative', (), {}, X), ('norm', (), {}, X),
    ('numel', (), {}, X), ('permute', ((1, 0),), {}, X), ('pow', (3,), {}, X), ('relu', (), {}, X),
    ('reshape', ((4, 3),), {}, X), ('sigmoid', (), {}, X), ('softmax', (0,), {}, X),
    ('sqrt', (), {}, POS), ('squeeze', (), {}, [X]), ('sin', (), {}, X), ('cos', (), {}, X),
    ('scatter', lambda lib: (1, lib.tensor([[0, 2], [1, 1], [3, 0]])), {'value': 2.5}, X), ('std', (1,), {}, X), ('sub', (1.0,), {'alpha': 2}, X),
    ('subtract', (1.0,), {}, X), ('sum', (1,), {}, X), ('t', (), {}, X), ('tanh', (), {}, X),
    ('transpose', (0, 1), {}, X), ('true_divide', (3.0,), {}, X), ('unsqueeze', (1,), {}, X),
    ('var', (), {'dim': 0, 'keepdim': True}, X),
]


def test_every_method_function_is_tested():
    assert sorted(name for name, *_ in CALLS) == sorted(METHODS)


@pytest.mark.parametrize('name,args,kwargs,values', CALLS, ids=[c[0] for c in CALLS])
def test_method_functions_match_pytorch(name, args, kwargs, values):
    am, at = (args(mg), args(torch)) if callable(args) else (args, args)
    compare(lambda x: getattr(mg, name)(x, *am, **kwargs),
            lambda t: getattr(torch, name)(t, *at, **kwargs), values)
    compare(lambda x: getattr(x, name)(*am, **kwargs),          # and the method itself
            lambda t: getattr(t, name)(*at, **kwargs), values)


@pytest.mark.parametrize('call', [
    lambda lib, x: lib.max(x), lambda lib, x: lib.max(x, 1), lambda lib, x: lib.max(x, 0, True),
    lambda lib, x: lib.min(x), lambda lib, x: lib.min(x, dim=1), lambda lib, x: lib.max(x, x * 0.5),
    lambda lib, x: lib.min(x, x.neg()), lambda lib, x: lib.flatten(x), lambda lib, x: lib.argmax(x, 1),
    lambda lib, x: lib.matmul(x, x.t()), lambda lib, x: lib.stack([x, x], 1),
], ids=['max', 'max_dim', 'max_dim_keepdim', 'min', 'min_dim', 'max_other', 'min_other', 'flatten',
        'argmax', 'matmul', 'stack'])
def test_pytorch_style_calls(call):
    compare(lambda x: call(mg, x), lambda t: call(torch, t), X)


def test_torch_max_of_outputs_data_idiom():
    out, _ = pair(X)
    _, predicted = mg.max(out.data, 1)     # the tutorial idiom: torch.max(outputs.data, 1)
    np.testing.assert_array_equal(predicted.numpy(), np.argmax(np.asarray(X), 1))
    assert predicted.dtype == np.int64


@pytest.mark.parametrize('p', [2, 'fro', 1, 3, 0.5, float('inf'), float('-inf'), 0])
@pytest.mark.parametrize('dim,keepdim', [(None, False), (1, False), (0, True), ((0, 1), False)])
def test_norm_matches_pytorch(p, dim, keepdim):
    values = np.asarray(X, dtype=np.float32)
    values[0, 0] = 0.0                     # the 2-norm's gradient at 0 is 0, as PyTorch's
    smooth = p not in (0, 0.5)             # |x|^0.5 has an infinite slope at 0
    compare(lambda x: x.norm(p, dim, keepdim), lambda t: t.norm(p, dim, keepdim), values,
            backward=smooth)


def test_norm_gradcheck_and_zero_vector():
    x = mg.tensor(np.random.default_rng(0).standard_normal((3, 4)), dtype=mg.float64, requires_grad=True)
    assert gradcheck(lambda a: a.norm(dim=1), x)
    assert gradcheck(lambda a: a.norm(3, dim=0, keepdim=True), x)
    z = mg.zeros(3, requires_grad=True)
    z.norm().backward()
    np.testing.assert_array_equal(z.grad.numpy(), [0, 0, 0])
    assert mg.ones(2, 2).norm().dtype == np.float32
    with pytest.raises(ValueError, match='norm'):
        mg.ones(2).norm('nuc')


def test_inplace_arithmetic_matches_pytorch_and_keeps_memory():
    x, t = pair(X, requires_grad=False)
    before = x.array
    steps = [lambda a: a.add_(1.5, alpha=2), lambda a: a.sub_(0.25), lambda a: a.mul_(-2.0),
             lambda a: a.div_(4.0), lambda a: a.neg_(), lambda a: a.clamp_(-1.0, 1.5),
             lambda a: a.pow_(2), lambda a: a.abs_(), lambda a: a.sqrt_(), lambda a: a.exp_(),
             lambda a: a.log_(), lambda a: a.tanh_(), lambda a: a.sigmoid_(), lambda a: a.relu_()]
    for step in steps:
        assert step(x) is x and step(t) is t
        np.testing.assert_allclose(x.numpy(), t.numpy(), rtol=1e-6)
    assert x.array is before


def test_like_factories():
    x = mg.ones(2, 3, dtype=mg.float64)
    for f in (mg.rand_like, mg.randn_like, mg.zeros_like, mg.ones_like, mg.empty_like):
        y = f(x)
        assert y.shape == (2, 3) and y.dtype == np.float64 and y.device == x.device
        assert f(x, dtype=mg.float32).dtype == np.float32
        assert f(x, requires_grad=True).requires_grad
    f = mg.full_like(x, 7)
    assert f.dtype == np.float64 and (f.numpy() == 7).all()
    mg.manual_seed(3)
    a = mg.randn_like(x)
    mg.manual_seed(3)
    b = mg.randn_like(x)
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    u = mg.rand_like(mg.zeros(1000))
    assert 0 <= u.numpy().min() and u.numpy().max() < 1


def _names(fn):
    """The graph below ``fn`` as nested (name, [children]) with PyTorch's numeric suffix removed."""
    if fn is None:
        return None
    name = fn.name() if callable(fn.name) else fn.name
    name = re.sub(r'\d+$', '', name.replace('Backward', '').replace('torch::autograd::', ''))
    return name, [_names(f) for f, _ in fn.next_functions]


def test_next_functions_walk_the_graph_as_pytorch():
    out = []
    for lib in (mg, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        c = lib.tensor([3.0, 4.0])
        y = ((x * c).exp() + x).sum()
        out.append(_names(y.grad_fn))
        leaf_node = y.grad_fn.next_functions[0][0].next_functions[1][0]
        assert leaf_node.variable is x
    assert out[0] == out[1]


def test_from_numpy_and_device():
    a = np.arange(3.0)
    t = mg.from_numpy(a)
    a[0] = 10
    assert t.numpy()[0] == 10
    assert mg.device('cpu') == mg.zeros(1).device
    assert mg.zeros(1, device=mg.device('cpu')).device.type == 'cpu'


def test_scatter_with_a_source_and_in_place():
    rng = np.random.default_rng(1)
    index = np.array([[0, 1, 2, 0], [2, 0, 0, 1]])
    src = rng.standard_normal((2, 4)).astype(np.float32)
    for dim, idx in ((0, index), (1, index % 4)):
        compare(lambda x: x.scatter(dim, mg.tensor(idx), mg.tensor(src)),
                lambda t: t.scatter(dim, torch.tensor(idx), torch.tensor(src)), X)
    # the tutorial's one-hot target transform: a 0-d index into a vector
    np.testing.assert_array_equal(mg.zeros(10).scatter_(0, mg.tensor(3), value=1).numpy(),
                                  torch.zeros(10).scatter_(0, torch.tensor(3), value=1).numpy())
    x = mg.tensor(np.asarray(X, dtype=np.float64), requires_grad=True)
    s = mg.tensor(src.astype(np.float64), requires_grad=True)
    assert gradcheck(lambda a, b: a.scatter(0, mg.tensor(index), b) ** 2, (x, s))
    assert gradcheck(lambda a: a.sin() * a.cos(), (x,))
    with pytest.raises(TypeError, match='one of src'):
        mg.zeros(3).scatter(0, mg.tensor([0]))


def test_linspace_and_eye_match_pytorch():
    for args, kw in (((-np.pi, np.pi, 7), {}), ((0, 1, 1), {}), ((2, 3, 0), {}),
                     ((0, 10, 5), {'dtype': 'float64'})):
        tkw = {'dtype': torch.float64} if kw else {}
        a, b = mg.linspace(*args, **kw), torch.linspace(*args, **tkw)
        assert a.dtype == np.dtype(str(b.dtype).replace('torch.', ''))
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-6)
    for args in ((3,), (4, 5), (2, 1)):
        np.testing.assert_array_equal(mg.eye(*args).numpy(), torch.eye(*args).numpy())
    e = mg.eye(4, 5, requires_grad=True)
    (e * 2).sum().backward()
    np.testing.assert_array_equal(e.grad.numpy(), np.full((4, 5), 2.0))
    with pytest.raises(ValueError, match='steps'):
        mg.linspace(0, 1, -1)


def test_out_argument_as_pytorch():
    for lib in (mg, torch):
        t = lib.ones(4, 4)
        y3 = lib.rand_like(t)
        assert lib.matmul(t, t.T, out=y3) is y3
        np.testing.assert_array_equal(y3.numpy(), np.full((4, 4), 4.0))
        z3 = lib.zeros(0)                  # resized to the result's shape
        lib.mul(t, t * 3, out=z3)
        assert tuple(z3.shape) == (4, 4) and float(z3.sum()) == 48.0
        w = lib.ones(2, requires_grad=True)
        with pytest.raises(RuntimeError, match="out=... arguments don't support automatic"):
            lib.mul(w, w, out=lib.zeros(2))


def test_device_selection_names():
    assert mg.accelerator.is_available() == mg.cuda.is_available()
    device = mg.accelerator.current_accelerator() if mg.accelerator.is_available() else mg.device('cpu')
    assert mg.ones(2).to(device).device == device
    assert mg.backends.mps.is_available() is False


def _legendre(lib):
    class LegendrePolynomial3(lib.autograd.Function):
        @staticmethod
        def forward(ctx, input, scale=1.0):
            ctx.save_for_backward(input)
            ctx.scale = scale
            return 0.5 * (5 * input ** 3 - 3 * input) * scale

        @staticmethod
        def backward(ctx, grad_output):
            input, = ctx.saved_tensors
            return grad_output * 1.5 * (5 * input ** 2 - 1) * ctx.scale, None
    return LegendrePolynomial3


def test_pytorch_style_custom_function():
    def run(lib):
        P3 = _legendre(lib).apply
        x = lib.tensor([-0.7, 0.2, 1.3], requires_grad=True)
        c = lib.tensor(0.5, requires_grad=True)
        y = P3(c + x * 2, 3.0)
        assert y.grad_fn is not None and not y.is_leaf
        (y * y).sum().backward()
        with lib.no_grad():
            assert not P3(x).requires_grad
        return x.grad.numpy(), c.grad.numpy(), y.detach().numpy()
    for m, t in zip(run(mg), run(torch)):
        np.testing.assert_allclose(m, t, rtol=1e-5)


def test_pytorch_style_custom_function_checks_saved_versions():
    for lib in (mg, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        h = x * 1
        y = _legendre(lib).apply(h)
        h.mul_(2)
        with pytest.raises(RuntimeError, match='modified by an inplace operation'):
            y.sum().backward()


def test_format_of_a_0d_tensor_as_pytorch():
    for lib in (mg, torch):
        assert '{:+.2f}'.format(lib.tensor(1.5)) == '+1.50'
        assert f'{lib.tensor(2.0, dtype=lib.float64) * 3:.3f}' == '6.000'
        with pytest.raises(TypeError):
            '{:.2f}'.format(lib.tensor([1.0, 2.0]))
    with pytest.raises(RuntimeError, match='2-D'):
        mg.ones(3).mm(mg.ones(3, 1))

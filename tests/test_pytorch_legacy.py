"""What older and everyday PyTorch code writes, beside the modern API: ``torch.Tensor(2, 3)``,
``torch.FloatTensor(data)``, ``x.type()``, ``Variable``, ``torch.backends.cudnn`` flags,
``set_default_dtype``, ``finfo``/``iinfo``, ``Size``, ``random_``, ``addcmul``/``addcdiv``,
``size=`` on the factories, ``initial_seed``/``seed``. Each is checked against torch when torch
is installed, and for its meaning without it."""
import numpy as np
import pytest

import minigrad as mg
from minigrad.testing import gradcheck


@pytest.fixture
def torch():
    return pytest.importorskip('torch')


def test_tensor_constructor_takes_sizes_or_data_as_torch_tensor(torch):
    assert mg.Tensor(2, 3).shape == tuple(torch.Tensor(2, 3).shape) == (2, 3)
    assert mg.Tensor(2, 3).dtype == np.float32 and not mg.Tensor(2, 3).numpy().any()
    assert mg.Tensor(mg.Size([4, 1])).shape == (4, 1)
    assert mg.Tensor().shape == tuple(torch.Tensor().shape) == (0,)
    for data in ([1, 2], [[1, 0], [0, 1]], np.arange(3), (1.5, 2.5)):
        ours, theirs = mg.Tensor(data), torch.Tensor(data)
        assert str(ours.dtype) == str(theirs.dtype).replace('torch.', '')     # float32, even for ints
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    assert mg.tensor([1, 2]).dtype == np.int64                              # mg.tensor still infers
    with pytest.raises(TypeError, match='data or sizes'):
        mg.Tensor(2, 'a')
    with pytest.raises(TypeError, match='data or sizes'):
        mg.Tensor(2, -1)


@pytest.mark.parametrize('name', ['FloatTensor', 'DoubleTensor', 'LongTensor', 'IntTensor',
                                  'ByteTensor', 'BoolTensor', 'HalfTensor', 'ShortTensor', 'CharTensor'])
def test_legacy_tensor_types_build_check_and_convert_as_torch(torch, name):
    ours, theirs = getattr(mg, name), getattr(torch, name)
    a, b = ours([1, 0, 2]), theirs([1, 0, 2])
    assert str(a.dtype) == str(b.dtype).replace('torch.', '').replace('bool', 'bool')
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert ours(2, 3).shape == tuple(theirs(2, 3).shape)
    assert isinstance(a, ours) and isinstance(a, mg.Tensor)
    assert not isinstance(mg.tensor([1.0]) if name != 'FloatTensor' else mg.tensor([1]), ours)
    x = mg.tensor([1.7, -2.0])
    assert x.type(ours).dtype == a.dtype
    assert x.type() == 'torch.FloatTensor'
    assert a.type() == b.type()
    assert x.type(b.type()).dtype == a.dtype                   # the name string works as well


def test_type_as_ndimension_and_the_short_casts(torch):
    x, t = mg.tensor([1.5, 2.5]), torch.tensor([1.5, 2.5])
    assert x.type_as(mg.tensor([1])).dtype == np.int64
    assert str(t.type_as(torch.tensor([1])).dtype) == 'torch.int64'
    assert x.ndimension() == t.ndimension() == 1
    for cast in ('byte', 'char', 'short'):
        assert str(getattr(x, cast)().dtype) == str(getattr(t, cast)().dtype).replace('torch.', '')
    with pytest.raises(TypeError, match='invalid type'):
        x.type('torch.NoSuchTensor')


def test_variable_returns_the_tensor_itself():
    x = mg.ones(2)
    v = mg.autograd.Variable(x, requires_grad=True)
    assert v is x and x.requires_grad
    (v * 3).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [3, 3])
    assert mg.autograd.Variable(mg.ones(1)).requires_grad is False


def test_inference_mode_is_a_context_and_a_decorator():
    x = mg.ones(2, requires_grad=True)
    with mg.inference_mode():
        assert not (x * 2).requires_grad
    with mg.inference_mode(False):
        assert (x * 2).requires_grad

    @mg.inference_mode()
    def f(t):
        return t * 2
    assert not f(x).requires_grad and (x * 2).requires_grad


def test_backends_flags_that_scripts_set_are_accepted():
    mg.backends.cudnn.benchmark = True
    mg.backends.cudnn.deterministic = True
    mg.backends.cuda.matmul.allow_tf32 = True
    assert mg.backends.cudnn.is_available() is False
    assert mg.backends.cudnn.deterministic is True


def test_default_dtype_follows_set_default_dtype(torch):
    try:
        mg.set_default_dtype(mg.float64)
        assert mg.get_default_dtype() == np.float64
        for make in (lambda m: m.zeros(2), lambda m: m.tensor([1.5]), lambda m: m.rand(2),
                     lambda m: m.randn(2), lambda m: m.arange(0, 1, 0.5), lambda m: m.full((2,), 1.5),
                     lambda m: m.Tensor(2), lambda m: m.linspace(0, 1, 3)):
            torch.set_default_dtype(torch.float64)
            assert str(make(mg).dtype) == str(make(torch).dtype).replace('torch.', '')
        assert mg.tensor([1]).dtype == np.int64                 # ints stay ints
    finally:
        mg.set_default_dtype(mg.float32)
        torch.set_default_dtype(torch.float32)
    assert mg.zeros(1).dtype == np.float32
    with pytest.raises(TypeError, match='floating-point'):
        mg.set_default_dtype(mg.int64)


def test_finfo_and_iinfo_match_torch(torch):
    for d in ('float32', 'float64', 'float16'):
        f, g = mg.finfo(getattr(mg, d)), torch.finfo(getattr(torch, d))
        assert (f.eps, f.max, f.min, f.tiny, f.bits) == pytest.approx((g.eps, g.max, g.min, g.tiny, g.bits))
    for d in ('int8', 'int16', 'int32', 'int64', 'uint8'):
        i, j = mg.iinfo(getattr(mg, d)), torch.iinfo(getattr(torch, d))
        assert (i.max, i.min, i.bits) == (j.max, j.min, j.bits)
    assert mg.finfo().eps == torch.finfo().eps
    with pytest.raises(TypeError, match='integer dtype'):
        mg.iinfo(mg.float32)
    with pytest.raises(TypeError, match='floating-point dtype'):
        mg.finfo(mg.int64)


def test_size_is_a_tuple_with_numel():
    s = mg.Size([2, 3, 4])
    assert s == (2, 3, 4) and mg.ones(2, 3, 4).shape == s and s.numel() == 24
    assert isinstance(s, tuple) and repr(s) == 'minigrad.Size([2, 3, 4])'


def test_random_fills_integers_in_range_reproducibly():
    mg.manual_seed(1)
    a = mg.zeros(1000).random_(3, 7)
    assert a.dtype == np.float32 and set(np.unique(a.numpy())) == {3, 4, 5, 6}
    b = mg.zeros(1000, dtype=mg.long).random_(5)
    assert b.dtype == np.int64 and set(np.unique(b.numpy())) == {0, 1, 2, 3, 4}
    mg.manual_seed(1)
    np.testing.assert_array_equal(mg.zeros(1000).random_(3, 7).numpy(), a.numpy())
    c = mg.zeros(100, dtype=mg.uint8).random_()
    assert c.numpy().max() <= 255
    g = mg.Generator().manual_seed(4)
    d1 = mg.zeros(50).random_(0, 100, generator=g).numpy()
    g.manual_seed(4)
    np.testing.assert_array_equal(mg.zeros(50).random_(0, 100, generator=g).numpy(), d1)


def test_addcmul_addcdiv_match_torch_forward_and_backward(torch):
    rng = np.random.default_rng(0)
    a, b, c = (rng.standard_normal((3, 4)).astype(np.float32) for _ in range(3))
    c = np.abs(c) + 0.5
    for name in ('addcmul', 'addcdiv'):
        xs = [mg.tensor(v, requires_grad=True) for v in (a, b, c)]
        ts = [torch.tensor(v, requires_grad=True) for v in (a, b, c)]
        out = getattr(mg, name)(*xs, value=0.5)
        ref = getattr(torch, name)(*ts, value=0.5)
        np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=1e-6)
        (out * out).sum().backward()
        (ref * ref).sum().backward()
        for x, t in zip(xs, ts):
            np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-5)
        y = mg.tensor(a.copy())
        getattr(y, name + '_')(mg.tensor(b), mg.tensor(c), value=2)
        np.testing.assert_allclose(y.numpy(), getattr(torch.tensor(a), name + '_')(
            torch.tensor(b), torch.tensor(c), value=2).numpy(), rtol=1e-6)


def test_addcmul_addcdiv_gradcheck():
    rng = np.random.default_rng(1)
    a, b = (rng.standard_normal((2, 3)) for _ in range(2))
    c = np.abs(rng.standard_normal((2, 3))) + 0.5
    for f in (lambda x, y, z: x.addcmul(y, z, value=0.3), lambda x, y, z: x.addcdiv(y, z, value=-2)):
        assert gradcheck(f, [mg.tensor(v, dtype=mg.float64, requires_grad=True) for v in (a, b, c)])


def test_factories_take_size_as_a_keyword(torch):
    for name in ('zeros', 'ones', 'empty', 'rand', 'randn'):
        assert getattr(mg, name)(size=(2, 3)).shape == tuple(getattr(torch, name)(size=(2, 3)).shape)
        assert getattr(mg, name)((2, 3)).shape == getattr(mg, name)(2, 3).shape == (2, 3)
    with pytest.raises(TypeError, match='not both'):
        mg.zeros(2, size=(2,))


def test_initial_seed_and_seed():
    mg.manual_seed(123)
    assert mg.initial_seed() == 123
    s = mg.seed()
    assert mg.initial_seed() == s and 0 <= s < 2 ** 63
    first = mg.rand(3).numpy()
    mg.manual_seed(s)
    np.testing.assert_array_equal(mg.rand(3).numpy(), first)


def test_inference_mode_decorates_without_parentheses_and_keeps_its_mode():
    x = mg.ones(2, requires_grad=True)

    @mg.inference_mode
    def bare(t):
        assert mg.is_inference_mode_enabled()
        return t * 2

    @mg.inference_mode(False)
    def recording(t):
        assert not mg.is_inference_mode_enabled()
        return t * 2
    assert not bare(x).requires_grad and recording(x).requires_grad
    assert not mg.is_inference_mode_enabled()


def test_backends_namespaces_import_as_modules():
    import importlib
    cudnn = importlib.import_module('minigrad.backends.cudnn')
    assert cudnn is mg.backends.cudnn
    assert importlib.import_module('minigrad.backends.mps').is_available() is False


def test_broadcasting_mistakes_raise_torchs_error(torch):
    a, b = mg.randn(4, 5), mg.randn(3)
    with pytest.raises(RuntimeError) as ours:
        a + b
    with pytest.raises(RuntimeError) as theirs:
        torch.randn(4, 5) + torch.randn(3)
    assert str(ours.value).startswith(str(theirs.value)) and '(shapes (4, 5) and (3,))' in str(ours.value)
    for op in (lambda p, q: p - q, lambda p, q: p * q, lambda p, q: p / q, lambda p, q: p == q,
               lambda p, q: p < q):
        with pytest.raises(RuntimeError, match=r'size of tensor a \(5\) must match .* tensor b \(3\)'):
            op(a, b)


def test_div_rounding_modes_match_torch(torch):
    for mode in ('trunc', 'floor'):
        for a, b in (([-7, 7, 5], 2), ([-7.5, 7.5, 2.0], [2.0, -2.0, 0.5])):
            ours = mg.div(mg.tensor(a), b if np.isscalar(b) else mg.tensor(b), rounding_mode=mode)
            ref = torch.div(torch.tensor(a), b if np.isscalar(b) else torch.tensor(b), rounding_mode=mode)
            np.testing.assert_array_equal(ours.numpy(), ref.numpy())
            assert str(ours.dtype) == str(ref.dtype).replace('torch.', '')


def test_contiguous_makes_a_c_ordered_copy_only_when_needed(torch):
    x = mg.tensor(np.arange(6.0, dtype=np.float32).reshape(2, 3), requires_grad=True)
    assert x.contiguous() is x
    t = x.t()
    c = t.contiguous()
    assert c.array.flags.c_contiguous and c.is_contiguous() == torch.ones(2, 3).t().contiguous().is_contiguous()
    np.testing.assert_array_equal(c.numpy(), x.numpy().T)
    (c * mg.tensor(np.arange(6.0, dtype=np.float32).reshape(3, 2))).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.arange(6.0).reshape(3, 2).T)
    assert c.view(-1).shape == (6,)


def test_set_printoptions_changes_the_repr():
    try:
        mg.set_printoptions(precision=2)
        assert repr(mg.tensor([1.23456])) == 'tensor([1.23])'
    finally:
        mg.set_printoptions(profile='default')
    assert repr(mg.tensor([1.23456])) == 'tensor([1.2346])'


def test_fault_habits_match_torch(torch):
    """Mistakes PyTorch users make, and what torch says: the same exception type and words."""
    def both(make):
        out = []
        for lib in (mg, torch):
            with pytest.raises(Exception) as info:
                make(lib)
            out.append(info)
        return out
    for make in (lambda m: m.zeros(2, 2).__setitem__(slice(None), m.tensor([1., 2., 3.])),
                 lambda m: m.zeros(2, 3, 4).__setitem__((0, [0, 1]), m.tensor([7., 8.])),
                 lambda m: m.zeros(0).max(), lambda m: m.zeros(0).argmax(),
                 lambda m: m.zeros(0, 3).max(0), lambda m: m.zeros(0, 3).amax(0),
                 lambda m: list(m.tensor(1.0))):
        ours, theirs = both(make)
        assert ours.type is theirs.type and str(ours.value) == str(theirs.value)
    x = mg.zeros(2, 3, requires_grad=True) * 1
    with pytest.raises(RuntimeError, match=r'shape mismatch: value tensor of shape \[2, 3\]'):
        x[0] = mg.ones(2, 3)
    assert (mg.ones(2) == None) is False and (mg.ones(2) != None) is True   # noqa: E711
    with pytest.raises(TypeError, match='expected Tensor as element 1 in argument 0, but got ndarray'):
        mg.cat([mg.ones(2), np.zeros(2)])
    assert [t.item() for t in mg.tensor([3, 4])] == [3, 4]
    np.testing.assert_array_equal(mg.where(mg.tensor([0, 3, 0, 5]) > 0)[0].numpy(),
                                  torch.where(torch.tensor([0, 3, 0, 5]) > 0)[0].numpy())
    with pytest.raises(TypeError, match='condition alone'):
        mg.where(mg.tensor([True]), mg.ones(1))


def test_index_put_backward_through_a_0d_gradient():
    x = mg.tensor(1.5, requires_grad=True)
    h = x * 2
    h[mg.tensor(True)] = 5.0
    (h * mg.tensor(np.float32(2.0))).backward()
    assert x.grad.item() == 0.0


def test_set_num_threads_reaches_the_blas_and_determinism_is_recorded():
    before = mg.get_num_threads()
    try:
        mg.set_num_threads(1)
        assert mg.get_num_threads() == 1
    finally:
        mg.set_num_threads(before)
    assert mg.get_num_threads() == before
    with pytest.raises(ValueError, match='positive number of threads'):
        mg.set_num_threads(0)
    mg.set_num_interop_threads(2)
    assert mg.get_num_interop_threads() == 2
    try:
        mg.use_deterministic_algorithms(True, warn_only=True)
        assert mg.are_deterministic_algorithms_enabled()
        assert mg.is_deterministic_algorithms_warn_only_enabled()
    finally:
        mg.use_deterministic_algorithms(False)


def test_default_generator_is_the_librarys_generator():
    g = mg.default_generator
    g.manual_seed(11)
    assert mg.initial_seed() == g.initial_seed() == 11
    a = mg.rand(4).numpy()
    mg.manual_seed(11)
    np.testing.assert_array_equal(mg.rand(4, generator=g).numpy(), a)
    state = g.get_state()
    b = mg.rand(3).numpy()
    g.set_state(state)
    np.testing.assert_array_equal(mg.rand(3).numpy(), b)


def test_autocast_and_grad_scaler_run_a_step_unchanged():
    mg.manual_seed(0)
    w = mg.randn(3, requires_grad=True)
    opt = mg.optim.SGD([w], lr=0.1)
    scaler = mg.amp.GradScaler()
    before = w.detach().clone()
    with mg.autocast(device_type='cpu', dtype=mg.float16):
        loss = (w * w).sum()
    assert loss.dtype == np.float32
    scaler.scale(loss).backward()
    scaler.unscale_(opt)
    scaler.step(opt)
    scaler.update()
    np.testing.assert_allclose(w.detach().numpy(), before.numpy() * 0.8, rtol=1e-6)
    assert mg.cuda.amp.GradScaler is mg.amp.GradScaler and scaler.get_scale() == 1.0

    @mg.autocast('cpu')
    def f(t):
        return t * 2
    assert f(mg.ones(1)).item() == 2


def test_dtype_helpers_and_asarray_match_torch(torch):
    pairs = [('int64', 'float32'), ('uint8', 'int8'), ('bool', 'int32'), ('float16', 'float64'),
             ('int32', 'int64')]
    for a, b in pairs:
        assert np.dtype(mg.promote_types(getattr(mg, a), getattr(mg, b))).name == \
            str(torch.promote_types(getattr(torch, a), getattr(torch, b))).replace('torch.', '')
        assert mg.can_cast(getattr(mg, a), getattr(mg, b)) == torch.can_cast(getattr(torch, a), getattr(torch, b))
        assert mg.can_cast(getattr(mg, b), getattr(mg, a)) == torch.can_cast(getattr(torch, b), getattr(torch, a))
    for x, y in ((mg.tensor([1]), 1.0), (mg.tensor([1], dtype=mg.int32), 5), (mg.tensor([1.0]), True),
                 (mg.tensor([True]), 2)):
        tx = torch.tensor(x.numpy())
        assert np.dtype(mg.result_type(x, y)).name == str(torch.result_type(tx, y)).replace('torch.', '')
    a = np.arange(3, dtype=np.float32)
    assert mg.asarray(a).data_ptr() == a.ctypes.data                   # shared
    assert mg.asarray(a, copy=True).data_ptr() != a.ctypes.data
    assert mg.asarray([1, 2]).dtype == np.int64
    t = mg.ones(4)
    assert t.view(2, 2).data_ptr() == t.data_ptr() and t[1:].data_ptr() == t.data_ptr() + 4


def test_rsub_is_a_function_as_in_torch(torch):
    x, t = mg.tensor([1.0, 2.0]), torch.tensor([1.0, 2.0])
    np.testing.assert_array_equal(mg.rsub(x, 5).numpy(), torch.rsub(t, 5).numpy())
    np.testing.assert_array_equal(mg.rsub(x, mg.tensor([3.0, 3.0]), alpha=2).numpy(),
                                  torch.rsub(t, torch.tensor([3.0, 3.0]), alpha=2).numpy())
    assert not hasattr(x, 'rsub') and not hasattr(t, 'rsub')


def test_repr_prints_floats_as_torch_does(torch):
    for v in ([1.23456, 2.0], [1.0, 2.0], [0.5, float('nan'), 3.0], [[2.5, 0.0], [0.0, 1.0]], 3.14159,
              [1e-5, 1.0], [-1.5, 100.25]):
        assert repr(mg.tensor(v)) == repr(torch.tensor(v))


def test_scatter_takes_a_number_as_src_and_reduce_add(torch):
    labels = [0, 2, 1]
    ours = mg.zeros(3, 4).scatter_(1, mg.tensor(labels).unsqueeze(1), 1)
    theirs = torch.zeros(3, 4).scatter_(1, torch.tensor(labels).unsqueeze(1), 1)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    idx, src = [[0, 0, 1]], [[1.0, 2.0, 3.0]]
    ours = mg.zeros(2, 4).scatter(1, mg.tensor(idx), mg.tensor(src), reduce='add')
    theirs = torch.zeros(2, 4).scatter_add(1, torch.tensor(idx), torch.tensor(src))
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    with pytest.raises(RuntimeError, match="either 'add' or 'multiply'"):
        mg.zeros(2).scatter(0, mg.tensor([0]), 1.0, reduce='max')


def test_batchnorm_in_eval_mode_backpropagates_through_an_empty_batch(torch):
    for dims in ((0, 3, 4, 4), (0, 3, 2, 2, 2), (0, 3, 5)):
        layer = {4: mg.nn.BatchNorm2d, 5: mg.nn.BatchNorm3d, 3: mg.nn.BatchNorm1d}[len(dims)](3).eval()
        x = mg.zeros(*dims, requires_grad=True)
        layer(x).sum().backward()
        assert x.grad.shape == dims and layer.weight.grad.numpy().tolist() == [0.0, 0.0, 0.0]


def test_log_of_zero_and_division_by_zero_are_silent_as_in_torch(torch):
    """In a script (warnings turned into errors, so any RuntimeWarning would fail it): log(0),
    x/0 and their gradients give torch's -inf/inf quietly, and NumPy's own warnings still work."""
    import subprocess
    import sys
    script = (
        'import numpy as np, minigrad as mg\n'
        'x = mg.tensor([0.0, 1.0], requires_grad=True)\n'
        'y = mg.log(x); y.sum().backward()\n'
        'print(y.detach().numpy().tolist(), (mg.tensor([1.0]) / 0).item(), x.grad.numpy().tolist())\n'
        'try:\n    np.log(np.zeros(1)); print("numpy silent")\n'
        'except RuntimeWarning:\n    print("numpy warns")\n')
    done = subprocess.run([sys.executable, '-W', 'error::RuntimeWarning', '-c', script],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    values, numpy_line = done.stdout.splitlines()
    assert values == f"{torch.log(torch.tensor([0.0, 1.0])).tolist()} inf [inf, 1.0]"
    assert numpy_line == 'numpy warns'

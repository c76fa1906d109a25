"""Autograd safety (DESIGN.md "Autograd safety"): version counters catch in-place changes to
tensors that backward needs, in-place ops are recorded in the graph, and anomaly mode names the
op whose gradient went NaN/Inf. Every scenario runs on minigrad and on PyTorch, which is the
reference for what raises and for the gradients."""
import numpy as np
import pytest

import minigrad as mg
from minigrad.testing import gradcheck

torch = pytest.importorskip('torch')
LIBS = pytest.mark.parametrize('lib', [mg, torch], ids=['minigrad', 'torch'])
STALE = 'modified by an inplace operation'


def leaf(lib, values):
    return lib.tensor(values, requires_grad=True)


def npy(t):
    return np.asarray(t.detach().numpy(), dtype=np.float64)


def grads_of(scenario):
    """Run ``scenario(lib) -> tensors`` on both libraries and check the results match."""
    got = [[None if t is None else npy(t) for t in scenario(lib)] for lib in (mg, torch)]
    for m, t in zip(*got):
        assert (m is None) == (t is None)
        if m is not None:
            np.testing.assert_allclose(m, t, rtol=1e-6, atol=1e-7)
    return got[0]


# ---------------------------------------------------------------- stale saved tensors raise

@LIBS
def test_changed_input_of_mul_raises(lib):
    x = leaf(lib, [1.0, 2.0, 3.0])
    y = x * 1
    z = (y * y).sum()
    y.mul_(10)
    with pytest.raises(RuntimeError, match=STALE):
        z.backward()


@LIBS
def test_changed_output_of_exp_raises(lib):
    x = leaf(lib, [1.0, 2.0, 3.0])
    z = x.exp()
    z.zero_()
    with pytest.raises(RuntimeError, match=STALE):
        z.sum().backward()


@LIBS
def test_optimizer_step_between_forward_and_backward_raises(lib):
    lib.manual_seed(0)
    model = lib.nn.Sequential(lib.nn.Linear(3, 4), lib.nn.ReLU(), lib.nn.Linear(4, 2))
    opt = lib.optim.SGD(model.parameters(), lr=0.1)
    x = lib.ones(5, 3)
    model(x).sum().backward()              # grads exist, so step() changes the weights
    loss = model(x).sum()
    opt.step()
    with pytest.raises(RuntimeError, match=STALE):
        loss.backward()


def test_the_message_names_op_shape_dtype_and_versions():
    x = leaf(mg, [[1.0, 2.0, 3.0]])
    y = x * 1
    z = (y * y).sum()
    y.mul_(10)
    y.add_(1)
    with pytest.raises(RuntimeError, match=r'float32 tensor of shape \[1, 3\], saved by MulBackward '
                                           r'as its input \d, is at version 2; expected version 0'):
        z.backward()


@LIBS
@pytest.mark.parametrize('alias', ['view', 'slice', 'detach', 'transpose'])
def test_change_through_a_view_or_detach_raises(lib, alias):
    x = leaf(lib, [[1.0, 2.0], [3.0, 4.0]])
    y = x * 1
    z = (y * y).sum()
    with lib.no_grad():
        a = {'view': lambda: y.view(4), 'slice': lambda: y[1:], 'detach': lambda: y.detach(),
             'transpose': lambda: y.t() if lib is torch else y.T}[alias]()
        a.mul_(2)
    with pytest.raises(RuntimeError, match=STALE):
        z.backward()


def test_change_through_dot_data_is_not_seen_as_in_pytorch():
    def scenario(lib):
        x = leaf(lib, [1.0, 2.0])
        y = x * 1
        z = (y * y).sum()
        v0 = y._version
        y.data.mul_(3)                     # .data has its own counter: no error, new values used
        assert y._version == v0
        z.backward()
        return [x.grad]
    grads_of(scenario)


def test_version_counter_counts_like_pytorch():
    def scenario(lib):
        x = lib.zeros(2, 3)
        seen = [x._version]
        x.add_(1)
        seen.append(x._version)
        x[0] = 2.0
        seen.append(x._version)
        x.detach().mul_(2)
        seen.append(x._version)
        x.view(6).zero_()
        seen.append(x._version)
        x.data.add_(1)
        seen.append(x._version)
        x += 1
        seen.append(x._version)
        return [lib.tensor(seen, dtype=lib.float64)]
    grads_of(scenario)


@LIBS
def test_ops_that_saved_nothing_changed_still_work(lib):
    x = leaf(lib, [1.0, -2.0, 3.0])
    y = x * 1
    a = (y + 1).sum()                      # Add saves nothing
    b = (y * 2).sum()                      # Mul by a constant keeps only the constant
    c = y.exp().sum()                      # Exp keeps its output, not y
    y.mul_(5)
    (a + b + c).backward()
    np.testing.assert_allclose(npy(x.grad), 1 + 2 + np.exp([1.0, -2.0, 3.0]), rtol=1e-6)


# ---------------------------------------------------------------- in-place ops in the graph

def test_inplace_ops_are_recorded_in_the_graph():
    def scenario(lib):
        x = leaf(lib, [1.0, -2.0, 3.0])
        w = leaf(lib, [0.5, 2.0, -1.0])
        y = x * 2
        y.mul_(3)                          # x.grad 6 as in PyTorch (not 2)
        y.add_(w, alpha=2)
        y.sub_(1).div_(w)
        u = x * 1
        u.mul_(w)                          # mul_ by a tensor that requires grad: needs old u
        u.exp_()
        v = (x - 1) * 1
        v.neg_().pow_(2).clamp_(min=0.5, max=3.0)
        r = x * 1
        r.sub_(1.5).relu_()                # PyTorch: nothing may change r after relu_ (saved)
        (y.sum() + u.sum() + v.sum() + (r * r).sum()).backward()
        return [x.grad, w.grad, y, u, v, r]
    grads_of(scenario)


def test_augmented_assignment_inside_forward():
    def scenario(lib):
        x = leaf(lib, [0.5, -1.0, 2.0])
        h = x * 2
        h += 1
        h *= x
        h -= 0.5
        h /= 3
        (h * h).sum().backward()
        return [x.grad, h]
    grads_of(scenario)


def test_setitem_and_fills_are_recorded_in_the_graph():
    def scenario(lib):
        x = leaf(lib, [1.0, 2.0, 3.0, 4.0])
        w = leaf(lib, [10.0, 20.0])
        y = x * 2
        y[0] = 0.0
        y[2:] = w * x[1]
        z = x * 1
        z.zero_()
        z2 = x * 1
        z2.copy_(w.sum().expand(4) if lib is torch else w.sum().expand(4))
        z3 = x * 3
        z3.fill_(7.0)
        (y * y).sum().backward(retain_graph=True)
        (z + z2 + z3).sum().backward()
        return [x.grad, w.grad, y, z2]
    grads_of(scenario)


@LIBS
def test_inplace_on_a_leaf_that_requires_grad_raises_outside_no_grad(lib):
    w = leaf(lib, [1.0, 2.0])
    for op in (lambda: w.mul_(2), lambda: w.add_(1), lambda: w.zero_(), lambda: w.copy_(w * 0)):
        with pytest.raises(RuntimeError, match='leaf Variable that requires grad'):
            op()
    with pytest.raises(RuntimeError, match='leaf Variable that requires grad'):
        w += 1
    with lib.no_grad():
        w.mul_(2).add_(1)
        w[0] = 0.5
    np.testing.assert_allclose(npy(w), [0.5, 5.0])
    assert w.is_leaf and w.requires_grad


def test_inplace_writes_into_the_same_memory():
    p = mg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    p.grad = mg.tensor([1.0, 1.0, 1.0])
    before = p.array
    p.data.sub_(0.5 * p.grad)              # the PyTorch idiom for a manual SGD step
    assert p.array is before
    np.testing.assert_allclose(p.numpy(), [0.5, 1.5, 2.5])
    q = mg.tensor(np.arange(6.0, dtype=np.float32)).reshape(2, 3)
    q[1].mul_(10)                          # through a view
    np.testing.assert_allclose(q.numpy(), [[0, 1, 2], [30, 40, 50]])


@LIBS
def test_inplace_keeps_shape_and_dtype_kind(lib):
    x = lib.zeros(3, dtype=lib.int64)
    with pytest.raises(RuntimeError, match="can't be cast"):
        x.add_(0.5)
    with pytest.raises(RuntimeError, match="doesn't match the broadcast shape"):
        lib.zeros(3).add_(lib.ones(2, 3))


def test_inplace_through_views_rewrites_the_base_as_pytorch():
    def scenario(lib):
        x = leaf(lib, [[1.0, -2.0, 3.0], [0.5, 1.5, -1.0]])
        w = leaf(lib, [2.0, -1.0, 0.5])
        y = x * 2
        before = (y * 1).sum()             # used y before the changes: keeps the old value
        y[1].mul_(3)                       # a row, through basic indexing
        y[:, 0] += 1                       # Python: t = y[:, 0]; t += 1; y[:, 0] = t
        y.view(6)[2:4].add_(w[:2])         # a view of a view, with an operand that needs grad
        y.t()[1].exp_()                    # through a transpose
        z = (y * y).sum() + before
        z.backward()
        return [x.grad, w.grad, y]
    grads_of(scenario)


def test_view_of_a_buffer_gets_a_history_from_its_operand():
    def scenario(lib):
        w = leaf(lib, [1.0, 2.0])
        buf = lib.zeros(3, 2)              # does not require grad
        buf[1].add_(w * 3)                 # now buf depends on w, as in PyTorch
        (buf * buf).sum().backward()
        return [w.grad, buf]
    grads_of(scenario)


@LIBS
def test_inplace_on_a_view_of_a_leaf_that_requires_grad_raises(lib):
    x = leaf(lib, [1.0, 2.0, 3.0])
    with pytest.raises(RuntimeError, match='view of a leaf Variable that requires grad'):
        x[1:].mul_(2)


# ---------------------------------------------------------------- anomaly mode

def test_anomaly_mode_names_the_op_and_where_it_was_made():
    x = leaf(mg, [0.0, 1.0])
    assert not mg.autograd.is_anomaly_enabled()
    with mg.autograd.detect_anomaly():
        assert mg.autograd.is_anomaly_enabled()
        y = x.sqrt()                       # d sqrt at 0 is inf
        with pytest.raises(RuntimeError) as info:
            (y * 2).sum().backward()
    assert not mg.autograd.is_anomaly_enabled()
    msg = str(info.value)
    assert "Function 'SqrtBackward' returned inf values in its 0th output" in msg
    assert 'test_autograd_safety.py' in msg and 'y = x.sqrt()' in msg
    assert 'minigrad/autograd.py' not in msg          # the user's code, not ours


def test_anomaly_mode_raises_its_own_runtime_error_class():
    assert issubclass(mg.autograd.AnomalyError, RuntimeError)
    x = leaf(mg, [0.0, 1.0])
    with mg.autograd.detect_anomaly():
        y = x / x                          # 0/0: NaN in Div's gradient
        with pytest.raises(mg.autograd.AnomalyError, match="Function 'DivBackward' returned nan"):
            y.sum().backward()
    # other backward errors (here a version-counter error) are not anomaly errors
    z = x * 1
    w = z * z
    z.add_(1)
    with mg.autograd.detect_anomaly(), pytest.raises(RuntimeError) as info:
        w.sum().backward()
    assert not isinstance(info.value, mg.autograd.AnomalyError)


def test_anomaly_mode_nan_and_pytorch_agrees_on_the_op():
    for lib, name in ((mg, 'DivBackward'), (torch, 'DivBackward0')):
        x = leaf(lib, [0.0, 1.0])
        with lib.autograd.detect_anomaly():
            y = x / x                          # 0/0: the gradient of Div holds NaN
            with pytest.raises(RuntimeError, match=f"Function '{name}' returned nan values"):
                y.sum().backward()


def test_anomaly_mode_is_off_by_default_and_set_by_the_function_and_decorator():
    x = leaf(mg, [0.0])
    x.sqrt().sum().backward()              # no check when off: the inf gradient arrives
    assert np.isinf(x.grad.numpy()).all()
    mg.autograd.set_detect_anomaly(True)
    try:
        with pytest.raises(RuntimeError, match='SqrtBackward'):
            x.sqrt().sum().backward()
    finally:
        mg.autograd.set_detect_anomaly(False)

    @mg.autograd.detect_anomaly()
    def step():
        assert mg.autograd.is_anomaly_enabled()
        x.sqrt().sum().backward()
    with pytest.raises(RuntimeError, match='SqrtBackward'):
        step()
    assert not mg.autograd.is_anomaly_enabled()


def test_anomaly_mode_adds_the_creation_place_to_the_version_error():
    x = leaf(mg, [1.0, 2.0])
    with mg.autograd.detect_anomaly():
        y = x * 1
        z = (y * y).sum()
        y.mul_(2)
        with pytest.raises(RuntimeError, match=r'(?s)modified by an inplace.*z = \(y \* y\)\.sum\(\)'):
            z.backward()


# ---------------------------------------------------------------- writers outside tensor.py

def test_init_fills_and_load_state_dict_bump_versions_as_pytorch():
    def scenario(lib):
        lib.manual_seed(0)
        lin = lib.nn.Linear(3, 2)
        seen = [lin.weight._version]
        lib.nn.init.kaiming_uniform_(lin.weight)
        seen.append(lin.weight._version)
        lib.nn.init.zeros_(lin.weight)
        seen.append(lin.weight._version)
        lin.load_state_dict(lin.state_dict())
        seen.append(lin.weight._version)
        return [lib.tensor([float(v > seen[0]) for v in seen[1:]])]   # each one counts
    grads_of(scenario)


def test_load_state_dict_between_forward_and_backward_raises():
    for lib in (mg, torch):
        lin = lib.nn.Linear(3, 2)
        x = lib.ones(4, 3, requires_grad=True)
        loss = lin(x).sum()                # saves the weight (for x's gradient)
        lin.load_state_dict(lin.state_dict())
        with pytest.raises(RuntimeError, match=STALE):
            loss.backward()


def test_index_put_gradcheck():
    rng = np.random.default_rng(0)
    x = mg.tensor(rng.standard_normal((4, 3)), dtype=mg.float64, requires_grad=True)
    v = mg.tensor(rng.standard_normal((3,)), dtype=mg.float64, requires_grad=True)

    def f(x, v):
        y = x * 1
        y[1] = v                           # basic index, v broadcast over nothing
        y[2:, 1:] = v[:2] * 2              # a block, broadcast over rows
        return y * y
    assert gradcheck(f, (x, v))

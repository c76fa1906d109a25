"""The backward engine and grad mode: graph shapes, retain_graph, accumulation, grad mode,
detach/retain_grad, autograd.grad, memory release, and a 100,000-op chain."""
import gc
import time
import weakref

import numpy as np
import pytest

import minigrad as mg
from minigrad.autograd import Function


def leaf(values, dtype=None):
    return mg.tensor(values, dtype=dtype, requires_grad=True)


# ---------------------------------------------------------------- graph shapes

def test_simple_chain_rule():
    x = leaf([1.0, -2.0, 3.0])
    y = (x * x * 3.0 + x).sum()
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), 6 * x.numpy() + 1)
    assert x.grad.dtype == np.float32 and x.grad.shape == x.shape


def test_diamond():
    a = leaf([0.5, -1.0, 2.0])
    b = a * 2.0           # two paths from a to d
    c = a.exp()
    d = (b * c).sum()
    d.backward()
    av = a.numpy().astype(np.float64)
    np.testing.assert_allclose(a.grad.numpy(), 2 * np.exp(av) + 2 * av * np.exp(av), rtol=1e-6)


def test_reuse_of_one_tensor_gives_exactly_8a():
    a = leaf([1.5, -2.25, 3.0, 0.1])
    b = a + a
    c = b * b
    c.sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), 8 * a.numpy())


def test_shared_node_gets_its_grad_summed_before_propagating():
    calls = []

    class Double(Function):
        def forward(self, x):
            return x * 2

        # d(2x) = 2 dx
        def backward(self, g):
            calls.append(g.copy())
            return g * 2

    x = leaf([1.0, 2.0])
    y = Double.apply(x)
    out = (y * 3.0 + y.exp() + y).sum()       # three uses of y
    out.backward()
    assert len(calls) == 1                      # each node's backward runs once
    yv = 2 * x.numpy().astype(np.float64)
    np.testing.assert_allclose(calls[0], 3 + np.exp(yv) + 1, rtol=1e-6)
    np.testing.assert_allclose(x.grad.numpy(), 2 * (4 + np.exp(yv)), rtol=1e-6)


def test_branch_without_grad_is_a_constant():
    x = leaf([1.0, 2.0])
    c = mg.tensor([3.0, 4.0])
    y = (x * c + c * c).sum()
    y.backward()
    np.testing.assert_array_equal(x.grad.numpy(), c.numpy())
    assert c.grad is None and not c.requires_grad


def test_backward_twice_with_retain_graph_doubles_the_grad():
    x = leaf([1.0, 2.0, 3.0])
    y = (x * x).sum()
    y.backward(retain_graph=True)
    first = x.grad.numpy().copy()
    y.backward(retain_graph=True)
    np.testing.assert_array_equal(x.grad.numpy(), 2 * first)
    y.backward()                                  # a last one may free the graph
    np.testing.assert_array_equal(x.grad.numpy(), 3 * first)


def test_grads_accumulate_across_graphs():
    x = leaf([1.0, 2.0])
    (x * 3.0).sum().backward()
    (x * x).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), 3 + 2 * x.numpy())
    x.grad = None
    (x * 5.0).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [5.0, 5.0])


def test_accumulated_grad_is_not_aliased_to_the_graph():
    x = leaf([1.0, 2.0])
    g = mg.tensor([1.0, 1.0])
    x.backward(g)                      # a leaf as the root
    x.grad.array += 1                   # must not write into g
    np.testing.assert_array_equal(g.numpy(), [1.0, 1.0])


def test_second_backward_without_retain_graph_raises():
    x = leaf([1.0, 2.0])
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match='retain_graph=True'):
        y.backward()
    # also from a new root that reaches the freed part of the graph
    z = leaf([1.0])
    h = z * 2.0
    (h * 3.0).sum().backward()
    with pytest.raises(RuntimeError, match='second time'):
        (h * 4.0).sum().backward()


def test_backward_of_a_non_scalar_needs_gradient():
    x = leaf([1.0, 2.0, 3.0])
    y = x * 2.0
    with pytest.raises(RuntimeError, match=r'scalar outputs.*\(3,\)'):
        y.backward()
    y.backward(gradient=mg.tensor([1.0, 0.5, -1.0]))
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 1.0, -2.0])
    x.grad = None
    z = x.reshape(3, 1) * mg.tensor([[1.0, 2.0]])
    z.backward(np.ones((3, 2), np.float32))        # an array works too
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 3.0, 3.0])


def test_gradient_of_the_wrong_shape_raises():
    x = leaf([1.0, 2.0])
    with pytest.raises(RuntimeError, match=r'gradient has shape \(3,\).*\(2,\)'):
        (x * 2.0).backward(mg.tensor([1.0, 1.0, 1.0]))


def test_backward_on_a_tensor_without_grad_raises():
    x = mg.tensor([1.0, 2.0])
    with pytest.raises(RuntimeError, match='does not require grad'):
        (x * 2.0).sum().backward()


def test_only_leaves_get_grad():
    x = leaf([1.0, 2.0])
    y = x * 2.0
    z = y.sum()
    z.backward()
    assert x.grad is not None
    assert y.grad is None and z.grad is None
    assert x.is_leaf and not y.is_leaf and not z.is_leaf
    assert x.grad_fn is None and y.grad_fn is not None


def test_requires_grad_propagates():
    a, b = leaf([1.0]), mg.tensor([2.0])
    assert (a * b).requires_grad and not (b * b).requires_grad
    assert (b * b).grad_fn is None and (b * b).is_leaf
    assert (a * b).grad_fn.name == 'Mul'
    assert 'Mul' in repr((a * b).grad_fn)


# ---------------------------------------------------------------- grad mode

def test_no_grad_context_manager():
    x = leaf([1.0])
    assert mg.is_grad_enabled() is True
    with mg.no_grad():
        assert mg.is_grad_enabled() is False
        y = x * 2.0
        with mg.enable_grad():
            assert mg.is_grad_enabled() is True
            z = x * 2.0
        assert mg.is_grad_enabled() is False
    assert mg.is_grad_enabled() is True
    assert not y.requires_grad and y.grad_fn is None
    assert z.requires_grad and z.grad_fn is not None


def test_grad_mode_decorators():
    x = leaf([1.0])

    @mg.no_grad()
    def f(t):
        assert not mg.is_grad_enabled()
        return t * 2.0

    @mg.enable_grad()
    def g(t):
        assert mg.is_grad_enabled()
        return t * 2.0

    assert f.__name__ == 'f'
    assert not f(x).requires_grad
    assert mg.is_grad_enabled()
    with mg.no_grad():
        assert g(x).requires_grad
        assert not mg.is_grad_enabled()


def test_grad_mode_is_restored_after_an_exception():
    with pytest.raises(ValueError):
        with mg.no_grad():
            raise ValueError('boom')
    assert mg.is_grad_enabled()

    @mg.no_grad()
    def fails():
        raise KeyError('x')
    with pytest.raises(KeyError):
        fails()
    assert mg.is_grad_enabled()


def test_set_grad_enabled():
    x = leaf([1.0])
    with mg.set_grad_enabled(False):
        assert not mg.is_grad_enabled()
        assert not (x * 2.0).requires_grad
    assert mg.is_grad_enabled()
    mg.set_grad_enabled(False)                  # a plain call sets the mode, as in PyTorch
    assert not mg.is_grad_enabled()
    mg.set_grad_enabled(True)
    assert mg.is_grad_enabled()

    @mg.set_grad_enabled(False)
    def f():
        return mg.is_grad_enabled()
    assert mg.is_grad_enabled()                 # decorating changes nothing now
    assert f() is False
    assert mg.is_grad_enabled()


# ---------------------------------------------------------------- detach, retain_grad

def test_detach_shares_data_and_cuts_the_graph():
    x = leaf([1.0, 2.0])
    y = x * 3.0
    d = y.detach()
    assert not d.requires_grad and d.grad_fn is None and d.is_leaf
    assert np.shares_memory(d.numpy(), y.numpy())
    (x * d).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), d.numpy())     # d is a constant


def test_retain_grad_on_intermediates():
    x = leaf([1.0, 2.0])
    y = x * 3.0
    y.retain_grad()
    z = y * y
    z.retain_grad()
    z.sum().backward()
    np.testing.assert_array_equal(z.grad.numpy(), [1.0, 1.0])
    np.testing.assert_array_equal(y.grad.numpy(), 2 * y.numpy())
    np.testing.assert_array_equal(x.grad.numpy(), 6 * y.numpy())
    x.retain_grad()                        # on a leaf: a no-op
    with pytest.raises(RuntimeError, match='requires_grad'):
        mg.tensor([1.0]).retain_grad()


# ---------------------------------------------------------------- autograd.grad

def test_autograd_grad_returns_grads_and_leaves_dot_grad_alone():
    x, w = leaf([1.0, 2.0]), leaf([3.0, -1.0])
    y = (x * w).sum()
    gx, gw = mg.autograd.grad(y, [x, w])
    np.testing.assert_array_equal(gx.numpy(), w.numpy())
    np.testing.assert_array_equal(gw.numpy(), x.numpy())
    assert x.grad is None and w.grad is None
    assert isinstance(gx, mg.Tensor) and not gx.requires_grad


def test_autograd_grad_options():
    x = leaf([1.0, 2.0])
    h = x * x
    y = h * 2.0
    (gh,) = mg.autograd.grad(y, h, grad_outputs=mg.tensor([1.0, 10.0]), retain_graph=True)
    np.testing.assert_array_equal(gh.numpy(), [2.0, 20.0])     # an intermediate as input
    (gx,) = mg.autograd.grad(y.sum(), x)
    np.testing.assert_array_equal(gx.numpy(), 4 * x.numpy())
    unused = leaf([5.0])
    z = (x * 2.0).sum()
    with pytest.raises(RuntimeError, match='allow_unused'):
        mg.autograd.grad(z, [x, unused], retain_graph=True)
    gx, gu = mg.autograd.grad(z, [x, unused], allow_unused=True)
    assert gu is None and gx is not None
    with pytest.raises(RuntimeError, match='scalar'):
        mg.autograd.grad(x * 2.0, x)


# ---------------------------------------------------------------- memory

def test_intermediate_is_freed_after_del_and_backward():
    gc.disable()            # no reference cycles: reference counting alone must free it
    try:
        x = leaf(np.ones(4, np.float32))
        h = x * 2.0
        ref = weakref.ref(h)
        loss = (h * h).sum()
        del h
        assert ref() is not None            # the graph holds it until backward
        loss.backward()
        assert ref() is None
        np.testing.assert_array_equal(x.grad.numpy(), 8 * x.numpy())
    finally:
        gc.enable()


def test_intermediate_dies_with_the_graph_without_backward():
    gc.disable()
    try:
        x = leaf([1.0, 2.0])
        h = x.exp()
        ref = weakref.ref(h)
        loss = (h * 3.0).sum()
        del h
        assert ref() is not None
        del loss
        assert ref() is None
    finally:
        gc.enable()


def test_saved_arrays_are_released_after_backward():
    x = leaf(np.arange(6, dtype=np.float32))
    h = x * 2.0
    y = h * h                              # Mul saves h's array twice
    fn = y.grad_fn
    saved = weakref.ref(fn.saved[0])
    assert fn.saved[0] is h.array
    del h
    loss = y.sum()
    loss.backward(retain_graph=True)       # retained: still there
    assert saved() is not None and len(fn.saved) == 2
    loss.backward()
    assert fn.saved == () and saved() is None
    assert getattr(fn, 'parents', None) is None


def test_graph_is_freed_after_backward_even_if_the_output_lives():
    x = leaf([1.0, 2.0])
    out = ((x * 2.0).exp() * 3.0).sum()
    out.backward()
    assert getattr(out.grad_fn, 'parents', None) is None        # the root no longer holds the graph


# ---------------------------------------------------------------- deep graphs

N_CHAIN = 100_000


def test_100k_op_chain_backpropagates_without_recursion():
    x = leaf([1.0, 2.0], dtype=mg.float64)
    c = 1.0001
    t0 = time.perf_counter()
    y = x
    for _ in range(N_CHAIN):
        y = y * c
    t1 = time.perf_counter()
    y.sum().backward()
    t2 = time.perf_counter()
    print(f'\n100k-op chain: build {t1 - t0:.2f} s, backward {t2 - t1:.2f} s')
    np.testing.assert_allclose(x.grad.numpy(), [c ** N_CHAIN] * 2, rtol=1e-9)
    np.testing.assert_allclose(y.numpy(), x.numpy() * c ** N_CHAIN, rtol=1e-9)


def test_deep_chain_of_additions_float32_exact():
    x = leaf([1.0, -1.0])
    y = x
    for _ in range(20_000):
        y = y + 1.0
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [1.0, 1.0])


def test_deep_graph_can_be_dropped_without_backward():
    x = leaf([1.0])
    first = x + 1.0
    ref = weakref.ref(first)
    y = first
    del first
    for _ in range(N_CHAIN):
        y = y + 1.0
    assert ref() is not None
    del y                                   # deallocating a 100k-deep chain must not crash
    assert ref() is None


def test_repeated_indices_accumulate():
    x = leaf([10.0, 20.0, 30.0, 40.0])
    x[[0, 0, 2, 0]].sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 0.0, 1.0, 0.0])
    m = leaf(np.zeros((2, 3), np.float32))
    (m[mg.tensor([1, 1]), mg.tensor([2, 2])] * mg.tensor([1.0, 5.0])).sum().backward()
    np.testing.assert_array_equal(m.grad.numpy(), [[0, 0, 0], [0, 0, 6.0]])


# ---------------------------------------------------------------- graph picture

def test_to_dot_describes_the_graph():
    x = leaf([1.0, 2.0])
    y = (x * 2.0).sum()
    dot = mg.autograd.to_dot(y)
    assert dot.startswith('digraph') and dot.rstrip().endswith('}')
    assert 'Mul' in dot and 'Sum' in dot and '(2,) float32' in dot


def test_start_gradient_is_cast_to_the_output_dtype():
    seen = []

    class Spy(Function):
        def forward(self, x):
            return x * 1

        # d(x) = dx
        def backward(self, g):
            seen.append(g.dtype)
            return g

    x = leaf([1.0, 2.0])
    Spy.apply(x).backward(mg.tensor([1.0, 1.0], dtype=mg.float64))
    Spy.apply(x).backward(np.ones(2))                 # a float64 NumPy array
    (g,) = mg.autograd.grad(Spy.apply(x), x, grad_outputs=np.ones(2))
    (h,) = mg.autograd.grad([Spy.apply(x)], [x], grad_outputs=[[1.0, 3.0]])
    assert seen == [np.float32] * 4
    assert g.dtype == np.float32 and h.numpy().tolist() == [1.0, 3.0]
    with pytest.raises(RuntimeError, match='grad_outputs has 2 entries for 1 outputs'):
        mg.autograd.grad([x * 2.0], [x], grad_outputs=[None, None])
    with pytest.raises(RuntimeError, match=r'grad_outputs has shape \(3,\)'):
        mg.autograd.grad(x * 2.0, x, grad_outputs=mg.ones(3))


def test_leaf_grad_is_a_writable_array_of_its_own():
    x = leaf([1.0, 2.0, 3.0])
    x.sum().backward()                       # Sum's backward gives a read-only broadcast view
    assert x.grad.array.flags.writeable and x.grad.array.base is None
    x.grad.zero_()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.0, 0.0])

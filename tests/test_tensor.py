"""mg.tensor and the factories, Tensor attributes and methods, repr, in-place helpers."""
import numpy as np
import pytest

import minigrad as mg


# ---------------------------------------------------------------- mg.tensor

@pytest.mark.parametrize('data, dtype', [
    (1.5, np.float32),
    ([1.0, 2.0], np.float32),
    ([[1, 2], [3, 4.5]], np.float32),       # any float makes it float
    ([], np.float32),
    (3, np.int64),
    ([1, 2, 3], np.int64),
    (True, np.bool_),
    ([True, False], np.bool_),
    (np.arange(3, dtype=np.int32), np.int32),
    (np.ones(2, dtype=np.float64), np.float64),
    (np.ones(2, dtype=np.float16), np.float16),
    (np.ones(2, dtype=np.uint8), np.uint8),
    (np.float64(2.0), np.float64),
    (np.int32(2), np.int32),
], ids=repr)
def test_tensor_infers_dtype_like_pytorch(data, dtype):
    t = mg.tensor(data)
    assert t.dtype == dtype
    np.testing.assert_array_equal(t.numpy(), np.asarray(data))


def test_tensor_dtype_argument_and_exported_dtypes():
    assert mg.tensor([1, 2], dtype=mg.float32).dtype == np.float32
    assert mg.tensor([1.5], dtype=mg.float64).dtype == np.float64
    assert mg.tensor([1.7], dtype=mg.int64).dtype == np.int64
    assert mg.tensor([1], dtype='int32').dtype == np.int32
    assert mg.tensor(np.ones(2), dtype=mg.float32).dtype == np.float32
    assert (mg.float32, mg.float64, mg.int64, mg.int32, mg.uint8, mg.bool) == (
        np.float32, np.float64, np.int64, np.int32, np.uint8, np.bool_)


def test_tensor_copies_its_data():
    a = np.array([1.0, 2.0], np.float32)
    t = mg.tensor(a)
    a[0] = 100
    assert t.numpy()[0] == 1.0
    u = mg.tensor(t)
    t.array[1] = 50
    assert u.numpy()[1] == 2.0
    assert not u.requires_grad


def test_tensor_from_nested_tensors_and_requires_grad():
    t = mg.tensor([mg.tensor(1.0), mg.tensor(2.0)], requires_grad=True)
    assert t.shape == (2,) and t.requires_grad and t.is_leaf and t.grad is None
    assert mg.Tensor([1.0, 2.0]).dtype == np.float32


def test_tensor_rejects_ragged_data():
    with pytest.raises((TypeError, ValueError)):
        mg.tensor([[1.0, 2.0], [3.0]])


# ---------------------------------------------------------------- factories

@pytest.mark.parametrize('name', ['zeros', 'ones', 'empty'])
def test_filled_factories(name):
    f = getattr(mg, name)
    for t in (f(2, 3), f((2, 3)), f([2, 3])):
        assert t.shape == (2, 3) and t.dtype == np.float32 and t.device == 'cpu'
        assert not t.requires_grad
    assert f(4, dtype=mg.int64).dtype == np.int64
    assert f(2, dtype=np.dtype('float64')).dtype == np.float64
    assert f(2, requires_grad=True).requires_grad
    assert f(2, device='cpu').device == 'cpu'
    assert f(()).shape == ()
    if name != 'empty':
        np.testing.assert_array_equal(f(3).numpy(), np.full(3, 1.0 if name == 'ones' else 0.0))


def test_full_and_like_factories():
    assert mg.full((2, 2), 1.5).dtype == np.float32
    assert mg.full((2,), 3).dtype == np.int64
    assert mg.full((2,), True).dtype == np.bool_
    np.testing.assert_array_equal(mg.full(3, 7.0, dtype=mg.float64).numpy(), [7.0, 7.0, 7.0])
    x = mg.tensor([[1, 2, 3]], dtype=mg.int32)
    for f, v in ((mg.zeros_like, 0), (mg.ones_like, 1)):
        y = f(x)
        assert y.shape == (1, 3) and y.dtype == np.int32
        np.testing.assert_array_equal(y.numpy(), np.full((1, 3), v))
        assert f(x, dtype=mg.float64).dtype == np.float64
        assert f(x.float(), requires_grad=True).requires_grad
    assert mg.full_like(x, 4).numpy().tolist() == [[4, 4, 4]]


def test_arange_like_pytorch():
    a = mg.arange(5)
    assert a.dtype == np.int64 and a.numpy().tolist() == [0, 1, 2, 3, 4]
    assert mg.arange(2, 8, 3).numpy().tolist() == [2, 5]
    b = mg.arange(0, 1, 0.25)
    assert b.dtype == np.float32 and b.numpy().tolist() == [0.0, 0.25, 0.5, 0.75]
    assert mg.arange(3, dtype=mg.float64).dtype == np.float64
    assert mg.arange(3.0, requires_grad=True).requires_grad


def test_random_factories(seed):
    r = mg.rand(1000)
    assert r.dtype == np.float32 and r.shape == (1000,)
    assert 0 <= r.numpy().min() and r.numpy().max() < 1
    n = mg.randn(2000, dtype=mg.float64)
    assert n.dtype == np.float64 and abs(n.numpy().mean()) < 0.1 and abs(n.numpy().std() - 1) < 0.1
    assert mg.randn(2, 3).shape == (2, 3) and mg.rand((2, 3)).shape == (2, 3)
    assert mg.randn(3, requires_grad=True).requires_grad
    i = mg.randint(3, 7, (500,))
    assert i.dtype == np.int64 and set(i.numpy().tolist()) == {3, 4, 5, 6}
    assert mg.randint(5, (4,)).numpy().max() < 5                  # randint(high, size)
    assert mg.randint(0, 5, (4,), dtype=mg.int32).dtype == np.int32
    p = mg.randperm(10)
    assert sorted(p.numpy().tolist()) == list(range(10)) and p.dtype == np.int64


def test_manual_seed_makes_random_factories_reproducible():
    def draw():
        return [mg.rand(3).numpy(), mg.randn(2, 2).numpy(), mg.randint(0, 100, (5,)).numpy(),
                mg.randperm(6).numpy(), mg.empty(4).uniform_().numpy(), mg.empty(4).normal_().numpy()]
    mg.manual_seed(123)
    a = draw()
    mg.manual_seed(123)
    b = draw()
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)
    mg.manual_seed(124)
    assert not np.array_equal(draw()[0], a[0])


def test_rng_state_roundtrip():
    mg.manual_seed(0)
    state = mg.get_rng_state()
    a = mg.rand(4).numpy()
    mg.set_rng_state(state)
    np.testing.assert_array_equal(mg.rand(4).numpy(), a)


# ---------------------------------------------------------------- attributes and methods

def test_attributes():
    x = mg.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
    assert x.shape == (2, 3) and isinstance(x.shape, tuple)
    assert x.ndim == 2 and x.dim() == 2 and len(x) == 2
    assert x.dtype == np.float32
    assert x.device == 'cpu' and x.device == mg.device('cpu') and str(x.device) == 'cpu'
    assert x.is_leaf and x.grad_fn is None and x.grad is None and x.requires_grad
    assert x.size() == (2, 3) and x.size(1) == 3 and x.size(-1) == 3
    assert x.numel() == 6
    assert isinstance(x.array, np.ndarray)
    y = x * 2.0
    assert not y.is_leaf and y.grad_fn is not None


def test_item_numpy_tolist():
    assert mg.tensor(2.5).item() == 2.5 and isinstance(mg.tensor(2.5).item(), float)
    assert mg.tensor([7]).item() == 7 and isinstance(mg.tensor([7]).item(), int)
    assert isinstance(mg.tensor(True).item(), bool)
    x = mg.tensor([[1.0, 2.0]])
    a = x.numpy()
    assert isinstance(a, np.ndarray) and a.dtype == np.float32
    assert np.shares_memory(a, x.array)                 # same memory on the CPU, like PyTorch
    assert x.tolist() == [[1.0, 2.0]]
    assert float(mg.tensor([3.0])) == 3.0 and int(mg.tensor(4)) == 4
    assert bool(mg.tensor([1.0])) and not bool(mg.tensor(0))
    assert np.asarray(x).shape == (1, 2)


def test_zero_dim_results_are_arrays():
    x = mg.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    for t in (x.sum(), x[0, 1], x.amax(), x.mean()):
        assert isinstance(t.array, np.ndarray) and t.shape == ()
    p = mg.tensor(3.0, requires_grad=True)
    (p * p).backward()
    assert isinstance(p.grad.array, np.ndarray) and p.grad.item() == 6.0
    p.grad.zero_()                                     # a 0-d grad can be zeroed in place
    assert p.grad.item() == 0.0
    s = x.sum().detach()
    s.fill_(1.0)
    assert s.item() == 1.0


def test_to_cpu_float_double():
    x = mg.tensor([1.5, 2.5])
    assert x.to('cpu') is x and x.cpu() is x and x.float() is x
    assert x.to(mg.float32) is x
    d = x.double()
    assert d.dtype == np.float64 and d.to(mg.float32).dtype == np.float32
    assert x.to(mg.float64).dtype == np.float64
    assert x.to('cpu', mg.float64).dtype == np.float64
    assert x.to(dtype=mg.int64).numpy().tolist() == [1, 2]
    assert x.to(mg.tensor([1], dtype=mg.int32)).dtype == np.int32
    assert x.long().dtype == np.int64 and x.int().dtype == np.int32 and x.bool().dtype == np.bool_
    c = x.to(copy=True)
    c.array[0] = 9
    assert x.numpy()[0] == 1.5


def test_to_dtype_is_differentiable_and_int_cast_is_not():
    x = mg.tensor([1.5, 2.5], requires_grad=True)
    y = x.double()
    assert y.requires_grad and y.grad_fn is not None
    (y * y).sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 5.0])
    assert not x.long().requires_grad


def test_requires_grad_():
    x = mg.tensor([1.0])
    assert x.requires_grad_() is x and x.requires_grad
    x.requires_grad_(False)
    assert not x.requires_grad
    y = mg.tensor([1.0], requires_grad=True) * 2.0
    with pytest.raises(RuntimeError, match='leaf'):
        y.requires_grad_(False)


def test_clone_is_a_differentiable_copy():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    c = x.clone()
    assert c.grad_fn is not None and not np.shares_memory(c.array, x.array)
    (c * 3.0).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 3.0])


def test_comparisons_give_bool_without_grad():
    x = mg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    for r in (x > 1.5, x >= 2, x < 2, x <= 2, x == 2, x != 2, x == mg.tensor([1.0, 0.0, 3.0])):
        assert r.dtype == np.bool_ and not r.requires_grad
    assert (x > 1.5).numpy().tolist() == [False, True, True]
    assert ((x > 1.5) & (x < 3)).numpy().tolist() == [False, True, False]
    assert (~(x > 1.5)).numpy().tolist() == [True, False, False]
    assert bool((x > 0).all()) and bool((x > 2.5).any())


def test_repr():
    assert repr(mg.tensor([1.0, 2.0])) == 'tensor([1., 2.])'
    assert repr(mg.tensor([1, 2])) == 'tensor([1, 2])'
    assert 'dtype=float64' in repr(mg.tensor([1.0], dtype=mg.float64))
    assert repr(mg.tensor([1.0], requires_grad=True)).endswith('requires_grad=True)')
    r = repr(mg.tensor([1.0], requires_grad=True) * 2)
    assert 'grad_fn=<Mul' in r and 'requires_grad' not in r
    assert str(mg.zeros(2, 2)).startswith('tensor([[0., 0.],')
    big = repr(mg.zeros(10000))
    assert '...' in big and len(big) < 200


# ---------------------------------------------------------------- in-place helpers

def test_inplace_on_a_leaf_that_requires_grad_needs_no_grad():
    w = mg.tensor([1.0, 2.0], requires_grad=True)
    for op in (lambda: w.zero_(), lambda: w.fill_(1.0), lambda: w.add_(1.0), lambda: w.mul_(2.0),
               lambda: w.copy_(mg.tensor([0.0, 0.0])), lambda: w.uniform_(), lambda: w.normal_()):
        with pytest.raises(RuntimeError, match='no_grad'):
            op()
    with pytest.raises(RuntimeError, match='no_grad'):
        w[0] = 5.0
    with mg.no_grad():
        w.mul_(2.0).add_(mg.tensor([1.0, 1.0]), alpha=0.5)
        w[1] = 10.0
    np.testing.assert_array_equal(w.numpy(), [2.5, 10.0])
    with mg.no_grad():
        w.copy_(np.array([3.0, 4.0]))
        assert w.dtype == np.float32
        np.testing.assert_array_equal(w.numpy(), [3.0, 4.0])
        w.zero_()
    np.testing.assert_array_equal(w.numpy(), [0.0, 0.0])


def test_setitem_on_plain_tensors():
    x = mg.zeros(3, 3)
    x[0] = 1.0
    x[:, 2] = mg.tensor([5.0, 6.0, 7.0])
    x[mg.tensor([1, 2]), 0] = 9.0
    np.testing.assert_array_equal(x.numpy(), [[1, 1, 5], [9, 0, 6], [9, 0, 7]])


def test_data_is_a_detached_tensor_sharing_memory_as_in_pytorch():
    p = mg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    d = p.data
    assert isinstance(d, mg.Tensor) and not d.requires_grad and d.grad_fn is None
    assert d.array is p.array                          # the same memory: in-place changes show in p
    (p * p).sum().backward()
    p.data.sub_(mg.tensor(0.5) * p.grad.data) if hasattr(d, 'sub_') else p.data.add_(p.grad.data, alpha=-0.5)
    np.testing.assert_allclose(p.numpy(), [0.0, 0.0, 0.0])
    p.data = mg.tensor([7.0, 8.0, 9.0])                # swapping values keeps identity and grad settings
    assert p.requires_grad and p.tolist() == [7.0, 8.0, 9.0]
    assert isinstance(p.array, np.ndarray)             # .array is the raw backend array

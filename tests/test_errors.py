"""Bad input gives a clear error that names what was expected and what was given."""
import numpy as np
import pytest

import minigrad as mg


def test_matmul_shape_mismatch_names_both_shapes():
    with pytest.raises(RuntimeError, match=r'\[3, 4\] and \[5, 2\].*4 != 5'):
        mg.ones(3, 4) @ mg.ones(5, 2)
    with pytest.raises(RuntimeError, match=r'\[3\] and \[4\]'):
        mg.ones(3) @ mg.ones(4)
    with pytest.raises(RuntimeError, match=r'\[2, 3, 4\] and \[5, 4, 2\]'):
        mg.ones(2, 3, 4) @ mg.ones(5, 4, 2)                 # batch dims that don't broadcast
    with pytest.raises(RuntimeError, match='at least 1 dimension'):
        mg.tensor(2.0) @ mg.ones(2)
    with pytest.raises(RuntimeError, match=r'\[2, 3\] and \[2, 3\]'):
        mg.ones(2, 3).matmul(mg.ones(2, 3))


def test_reshape_and_view_of_the_wrong_size():
    x = mg.ones(2, 3)
    with pytest.raises(RuntimeError, match=r'shape \[4, 2\] is invalid for input of size 6'):
        x.reshape(4, 2)
    with pytest.raises(RuntimeError, match='size 6'):
        x.view(-1, 4)
    with pytest.raises(RuntimeError, match='size 6'):
        x.reshape(-1, -1)


def test_cat_and_stack_mismatches():
    with pytest.raises(RuntimeError, match=r'except in dim 0.*\[2, 3\] and \[2, 4\]'):
        mg.cat([mg.ones(2, 3), mg.ones(2, 4)])
    with pytest.raises(RuntimeError, match=r'\[2, 3\] and \[3\]'):
        mg.cat([mg.ones(2, 3), mg.ones(3)])
    with pytest.raises(ValueError, match='non-empty'):
        mg.cat([])
    with pytest.raises(RuntimeError, match=r'equal size.*\[2\] and \[3\]'):
        mg.stack([mg.ones(2), mg.ones(3)])


def test_broadcasting_mismatch_names_both_shapes():
    with pytest.raises((ValueError, RuntimeError), match=r'\(3,\).*\(4,\)'):
        mg.ones(3) + mg.ones(4)


@pytest.mark.parametrize('bad', [
    lambda x: x.sum(dim=3), lambda x: x.mean(-4), lambda x: x.amax(dim=(0, 5)),
    lambda x: x.max(dim=3), lambda x: x.var(7), lambda x: x.softmax(dim=3),
    lambda x: x.log_softmax(-4), lambda x: x.transpose(0, 3), lambda x: x.unsqueeze(5),
    lambda x: x.squeeze(4), lambda x: mg.cat([x, x], dim=3), lambda x: mg.stack([x, x], dim=5),
    lambda x: x.argmax(3),
], ids=['sum', 'mean', 'amax', 'max', 'var', 'softmax', 'log_softmax', 'transpose', 'unsqueeze',
        'squeeze', 'cat', 'stack', 'argmax'])
def test_invalid_dim(bad):
    x = mg.ones(2, 3, 4)
    with pytest.raises(IndexError, match=r'Dimension out of range.*got'):
        bad(x)


def test_other_dim_errors():
    x = mg.ones(2, 3)
    with pytest.raises(RuntimeError, match='multiple times'):
        x.sum(dim=(0, -2))
    with pytest.raises(TypeError, match='amax'):
        x.max(dim=(0, 1))
    with pytest.raises(TypeError, match='dim or axis'):
        x.sum(dim=0, axis=1)
    with pytest.raises(RuntimeError, match='permute'):
        x.permute(0)
    with pytest.raises(RuntimeError, match='repeat or skip'):
        x.permute(0, 0)
    with pytest.raises(RuntimeError, match='start_dim'):
        mg.ones(2, 3, 4).flatten(2, 1)
    with pytest.raises(RuntimeError, match=r'expand.*dim 1.*\[2, 5\]'):
        x.expand(2, 5)
    with pytest.raises(RuntimeError, match='at least the number of dims'):
        x.expand(3)


def test_numpy_axis_aliases_work():
    x = mg.tensor([[1.0, 2.0], [3.0, 5.0]])
    assert x.sum(axis=0).numpy().tolist() == [4.0, 7.0]
    assert x.mean(axis=1, keepdims=True).shape == (2, 1)
    assert x.amax(axis=(0, 1)).item() == 5.0
    assert x.max(axis=0).values.numpy().tolist() == [3.0, 5.0]


def test_item_and_truth_value_of_many_elements():
    with pytest.raises((ValueError, RuntimeError), match='3 elements.*exactly one'):
        mg.ones(3).item()
    with pytest.raises(RuntimeError, match='ambiguous'):
        bool(mg.ones(2))
    with pytest.raises(TypeError, match='0-d'):
        len(mg.tensor(1.0))
    with pytest.raises(TypeError, match='integer'):
        [1, 2][mg.tensor(1.0)]
    assert [1, 2][mg.tensor(1)] == 2


def test_requires_grad_on_non_float_tensors():
    for make in (lambda: mg.tensor([1, 2], requires_grad=True),
                 lambda: mg.tensor([True], requires_grad=True),
                 lambda: mg.zeros(2, dtype=mg.int64, requires_grad=True),
                 lambda: mg.arange(3, requires_grad=True),
                 lambda: mg.tensor([1, 2]).requires_grad_()):
        with pytest.raises(RuntimeError, match='floating point.*int64|floating point.*bool'):
            make()


def test_backward_through_a_freed_graph():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = (x.exp() * 2.0).sum()
    y.backward()
    with pytest.raises(RuntimeError, match=r'second time.*retain_graph=True'):
        y.backward()
    with pytest.raises(RuntimeError, match='second time'):
        mg.autograd.grad(y, x)


def test_backward_misuse():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r'scalar outputs.*\(2,\).*gradient='):
        (x * 2.0).backward()
    with pytest.raises(RuntimeError, match='does not require grad'):
        mg.tensor([1.0]).sum().backward()
    with pytest.raises(RuntimeError, match='does not require grad'):
        mg.autograd.grad((x * 2.0).sum(), mg.tensor([1.0]))
    with pytest.raises(RuntimeError, match='leaf'):
        (x * 2.0).requires_grad_(False)


def test_bad_operands():
    x = mg.ones(2)
    with pytest.raises(TypeError):
        x + 'a'
    with pytest.raises(TypeError, match=r'mg\.tensor\(array\)'):
        x + np.ones(2)
    with pytest.raises(TypeError):
        x @ [1.0, 2.0]
    with pytest.raises(TypeError, match='unexpected keyword'):
        x.to(devices='cpu')
    with pytest.raises(TypeError, match='at least one tensor'):
        mg.where(mg.tensor([True]), 1.0, 2.0)
    with pytest.raises(ValueError, match='min and max'):
        x.clip()
    with pytest.raises(TypeError, match='size'):
        mg.randint(5)
    with pytest.raises((TypeError, ValueError)):
        mg.tensor([[1.0], [1.0, 2.0]])


def test_indexing_errors():
    x = mg.ones(3, 2)
    with pytest.raises(IndexError):
        x[3]
    with pytest.raises(IndexError):
        x[mg.tensor([0, 5])]
    with pytest.raises(IndexError):
        x[0, 0, 0]


def test_pad_errors():
    x = mg.ones(2, 3)
    with pytest.raises(ValueError, match='even length'):
        mg.pad(x, (1, 2, 3))
    with pytest.raises(ValueError, match='even length'):
        mg.pad(x, (1, 1, 1, 1, 1, 1))
    with pytest.raises(ValueError, match=r'reflect padding.*smaller than the size 3'):
        mg.pad(x, (3, 0), mode='reflect')
    with pytest.raises(ValueError, match='circular padding'):
        mg.pad(x, (4, 0), mode='circular')
    with pytest.raises(ValueError, match="unknown padding mode 'wrap'"):
        mg.pad(x, (1, 1), mode='wrap')


@pytest.mark.parametrize('data', [['a'], 'abc', [b'x'], {'a': 1}, [None]])
def test_tensor_of_non_numbers_is_a_type_error(data):
    torch = pytest.importorskip('torch')
    with pytest.raises((TypeError, ValueError, RuntimeError)):   # torch refuses it too
        torch.tensor(data)
    with pytest.raises(TypeError, match='tensor'):
        mg.tensor(data)


def test_bad_dtype_is_a_type_error():
    with pytest.raises(TypeError, match='dtype'):
        mg.tensor([1.0], dtype='nonsense')
    with pytest.raises(TypeError, match='not supported'):
        mg.zeros(2).to(np.dtype('U3'))

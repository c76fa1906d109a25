"""minigrad.argcheck: one exception type per kind of mistake, and messages that name the op,
the argument, what was expected and what was given."""
import types
import warnings

import numpy as np
import pytest

import minigrad as mg
from minigrad import argcheck


def test_pair_accepts_ints_pairs_and_one_tuples():
    assert argcheck.pair(3, 'stride', 'op') == (3, 3)
    assert argcheck.pair((2, 5), 'stride', 'op') == (2, 5)
    assert argcheck.pair([np.int64(4)], 'stride', 'op') == (4, 4)
    out = argcheck.pair((np.int32(1), 2), 'stride', 'op')
    assert out == (1, 2) and all(type(v) is int for v in out)


@pytest.mark.parametrize('value', ['2', 1.5, True, (1, 2, 3), (1, 2.0), None, (True, 1), ()])
def test_pair_wrong_type_is_a_type_error(value):
    with pytest.raises(TypeError, match=r"conv2d: stride must be an int or a pair of ints, got "):
        argcheck.pair(value, 'stride', 'conv2d')


def test_pair_out_of_range_is_a_value_error():
    with pytest.raises(ValueError, match=r'conv2d: non-positive stride is not supported, got '
                                         r'stride=\(1, 0\)'):
        argcheck.pair((1, 0), 'stride', 'conv2d', minimum=1)
    with pytest.raises(ValueError, match=r'negative padding is not supported, got padding=\(-1, -1\)'):
        argcheck.pair(-1, 'padding', 'conv2d', minimum=0)
    with pytest.raises(ValueError, match=r'op: size must be at least 2, got size=\(1, 1\)'):
        argcheck.pair(1, 'size', 'op', minimum=2)
    assert argcheck.pair(0, 'padding', 'conv2d') == (0, 0)


def test_positive_int():
    assert argcheck.positive_int(np.int64(3), 'groups', 'op') == 3
    with pytest.raises(TypeError, match='groups must be a positive integer, got 1.5'):
        argcheck.positive_int(1.5, 'groups', 'op')
    with pytest.raises(ValueError, match='groups must be a positive integer, got 0'):
        argcheck.positive_int(0, 'groups', 'op')


def test_conv_padding_strings_and_numbers():
    one = (1, 1)
    assert argcheck.conv_padding('valid', (3, 3), one, one, 'op') == (0, 0, 0, 0)
    assert argcheck.conv_padding('same', (3, 5), one, one, 'op') == (1, 1, 2, 2)
    # even kernel: the extra row/column goes last, as PyTorch; dilation widens the kernel
    assert argcheck.conv_padding('same', (2, 4), one, (3, 1), 'op') == (1, 2, 1, 2)
    assert argcheck.conv_padding((1, 2), (3, 3), one, one, 'op') == (1, 1, 2, 2)
    with pytest.raises(ValueError, match="op: padding='same' is not supported for strided"):
        argcheck.conv_padding('same', (3, 3), (2, 1), one, 'op')
    with pytest.raises(ValueError, match="op: invalid padding string 'full'"):
        argcheck.conv_padding('full', (3, 3), one, one, 'op')
    with pytest.raises(TypeError, match='padding must be an int or a pair'):
        argcheck.conv_padding(1.0, (3, 3), one, one, 'op')


def _fake(device='cpu', dtype=np.float32, ndim=4):
    return types.SimpleNamespace(device=device, dtype=np.dtype(dtype), ndim=ndim,
                                 shape=(1,) * ndim)


def test_tensor_check_is_duck_typed():
    assert argcheck.tensor('op', mg.zeros(2)) is not None
    with pytest.raises(TypeError, match=r"op: argument 'weight' must be a minigrad Tensor, got ndarray"):
        argcheck.tensor('op', np.zeros(2), 'weight')


def test_same_device_names_both_devices_and_the_fix():
    argcheck.same_device('op', _fake(), weight=_fake(), bias=None)
    with pytest.raises(RuntimeError, match=r"op: input is on cpu but weight is on cuda:0; move them "
                                           r"to one device first, e.g. weight.to\('cpu'\)"):
        argcheck.same_device('op', _fake(), weight=_fake('cuda:0'))


def test_one_device_accepts_numpy_arrays_and_scalars():
    argcheck.one_device('Add', [np.zeros(2), np.float32(1.0), np.zeros(3)])


def test_same_dtype_and_floating_are_runtime_errors():
    argcheck.same_dtype('op', _fake(), weight=_fake(), bias=None)
    with pytest.raises(RuntimeError, match=r'op: input dtype \(float64\) and bias dtype \(float32\) '
                                           'should be the same'):
        argcheck.same_dtype('op', _fake(dtype=np.float64), bias=_fake())
    with pytest.raises(RuntimeError, match='op: expected a floating point input, got dtype int64'):
        argcheck.floating('op', _fake(dtype=np.int64))
    with pytest.raises(RuntimeError, match='floating point input'):
        argcheck.float_tensor('op', mg.zeros(2, dtype=mg.int64))
    with pytest.raises(TypeError, match='must be a minigrad Tensor'):
        argcheck.float_tensor('op', [1.0])


def test_like_input_checks_type_device_and_dtype():
    x = mg.zeros(2, 3)
    argcheck.like_input('op', x, weight=mg.ones(4, 3), bias=None)
    with pytest.raises(TypeError, match="argument 'bias' must be a minigrad Tensor"):
        argcheck.like_input('op', x, bias=np.zeros(4))
    with pytest.raises(RuntimeError, match=r'bias dtype \(float64\)'):
        argcheck.like_input('op', x, bias=mg.zeros(4, dtype=mg.float64))


def test_image_rank():
    argcheck.image_rank('op', _fake(ndim=3))
    with pytest.raises(RuntimeError, match=r'op: expected a 3-D \(C, H, W\) or 4-D \(N, C, H, W\) '
                                           r'input, got a 2-D input of shape \(1, 1\)'):
        argcheck.image_rank('op', _fake(ndim=2))


def test_reduction_and_the_legacy_flags_as_pytorch():
    assert argcheck.reduction('sum') == 'sum'
    with pytest.raises(ValueError, match="'avg' is not a valid value for reduction"):
        argcheck.reduction('avg')
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        assert argcheck.legacy_reduction(None, None, 'none') == 'none'
    cases = {(None, False): 'none', (False, None): 'sum', (True, True): 'mean', (False, False): 'none',
             (True, None): 'mean', (None, True): 'mean'}
    torch = pytest.importorskip('torch')
    for (size_average, reduce), want in cases.items():
        with pytest.warns(UserWarning, match='size_average and reduce args will be deprecated'):
            assert argcheck.legacy_reduction(size_average, reduce, 'sum') == want
        assert torch.nn._reduction.legacy_get_string(size_average, reduce, emit_warning=False) == want

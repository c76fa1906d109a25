"""Argument checks shared by ops, ``nn`` and Tensor methods, each written once.

One exception type per kind of mistake, so that the same bad input raises the same exception
from ``nn.Conv2d``, ``F.conv2d`` and a Tensor method:

* ``TypeError``: an argument of the wrong type (a str where an int is wanted, a 3-tuple where a
  pair is wanted, a list where a Tensor is wanted);
* ``ValueError``: an argument of the right type whose value is out of range (a stride of 0,
  negative padding, an unknown padding string or reduction), as PyTorch's Python-level checks
  (``nn.Conv2d``'s padding string and groups, ``reduction``) raise;
* ``RuntimeError``: tensors that do not fit together or do not fit the op (different devices or
  dtypes, an integer tensor where floats are needed, the wrong number of dimensions), as PyTorch.

Every message starts with the op's name and says what was expected and what was given.
This module sits at the bottom of the ladder (it imports only NumPy and ``backend``), so ops,
autograd, tensor and nn can all use it; tensors are recognised by duck typing.
"""
import warnings

import numpy as np

from . import backend

__all__ = ['is_int', 'pair', 'positive_int', 'conv_padding', 'tensor', 'same_device', 'one_device',
           'same_dtype', 'floating', 'float_tensor', 'like_input', 'image_rank', 'reduction',
           'legacy_reduction', 'broadcastable', 'REDUCTIONS']

REDUCTIONS = ('mean', 'sum', 'none')


def broadcastable(sa, sb):
    """Raise PyTorch's RuntimeError (its sentence naming both sizes and the dim, then both
    shapes) when shapes ``sa`` and ``sb`` do not broadcast together."""
    for i in range(1, min(len(sa), len(sb)) + 1):
        if sa[-i] != sb[-i] and 1 not in (sa[-i], sb[-i]):
            raise RuntimeError(f'The size of tensor a ({sa[-i]}) must match the size of tensor b '
                               f'({sb[-i]}) at non-singleton dimension {max(len(sa), len(sb)) - i} '
                               f'(shapes {tuple(sa)} and {tuple(sb)})')


def is_int(value):
    """True for Python and NumPy integers, False for bools (``True`` is not a size)."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def pair(value, name, op, minimum=0):
    """An int or a pair of ints (a 1-tuple counts as an int) -> a tuple of two Python ints.

    Raises ``TypeError`` for anything else and ``ValueError`` when an entry is below
    ``minimum`` (1 for sizes, strides and dilations; 0 for padding).
    """
    if isinstance(value, (tuple, list)) and len(value) == 1:
        value = value[0]
    if is_int(value):
        out = (int(value), int(value))
    elif isinstance(value, (tuple, list)) and len(value) == 2 and all(is_int(v) for v in value):
        out = (int(value[0]), int(value[1]))
    else:
        raise TypeError(f'{op}: {name} must be an int or a pair of ints, got {value!r}')
    if min(out) < minimum:
        what = {0: 'negative', 1: 'non-positive'}.get(minimum)
        raise ValueError(f'{op}: {what} {name} is not supported, got {name}={out}' if what else
                         f'{op}: {name} must be at least {minimum}, got {name}={out}')
    return out


def positive_int(value, name, op):
    """A positive int (``groups``): ``TypeError`` for a non-int, ``ValueError`` for <= 0."""
    if not is_int(value):
        raise TypeError(f'{op}: {name} must be a positive integer, got {value!r}')
    if value <= 0:
        raise ValueError(f'{op}: {name} must be a positive integer, got {value!r}')
    return int(value)


def conv_padding(padding, kernel, stride, dilation, op):
    """PyTorch's convolution ``padding`` -> ``(top, bottom, left, right)``.

    ``padding`` is ``'valid'`` (none), ``'same'`` (output as large as the input; stride 1 only;
    an odd total puts the extra row/column at the bottom/right, as PyTorch), an int or a pair.
    ``kernel``, ``stride`` and ``dilation`` are pairs of ints.
    """
    if isinstance(padding, str):
        if padding == 'valid':
            return 0, 0, 0, 0
        if padding == 'same':
            if tuple(stride) != (1, 1):
                raise ValueError(f"{op}: padding='same' is not supported for strided convolutions "
                                 f'(stride={tuple(stride)}); use stride=1 or give the padding '
                                 'explicitly')
            th, tw = (d * (k - 1) for d, k in zip(dilation, kernel))
            return th // 2, th - th // 2, tw // 2, tw - tw // 2
        raise ValueError(f"{op}: invalid padding string {padding!r}: expected 'same' or 'valid', "
                         'an int or a pair of ints')
    ph, pw = pair(padding, 'padding', op, minimum=0)
    return ph, ph, pw, pw


# ---------------------------------------------------------------- tensors that must fit together

def tensor(op, value, name='input'):
    """``TypeError`` unless ``value`` is a Tensor (duck typed: this module sits below tensor.py)."""
    if not (hasattr(value, 'grad_fn') and hasattr(value, 'array')):
        raise TypeError(f'{op}: argument {name!r} must be a minigrad Tensor, got '
                        f'{type(value).__name__}')
    return value


def _device(t):
    return backend.device_of(t) if backend.is_array(t) else t.device


def _device_error(op, name, dev, other, odev):
    return RuntimeError(f'{op}: {name} is on {dev} but {other} is on {odev}; move them to one '
                        f'device first, e.g. {other}.to({str(dev)!r}) or {name}.to({str(odev)!r}) '
                        '(a model: model.to(device))')


def same_device(op, input, **others):
    """``RuntimeError`` unless every named tensor (or array; None is skipped) is on ``input``'s
    device."""
    dev = _device(input)
    for name, t in others.items():
        if t is not None and _device(t) != dev:
            raise _device_error(op, 'input', dev, name, _device(t))


def one_device(op, arrays):
    """``RuntimeError`` unless the raw arrays all live on one device (NumPy scalars fit any).
    Costs one type check per array when all are NumPy arrays (the per-op path of autograd)."""
    for a in arrays:
        if type(a) is not np.ndarray and not isinstance(a, np.generic):
            break
    else:
        return
    devs = [(i, backend.device_of(a)) for i, a in enumerate(arrays) if not isinstance(a, np.generic)]
    for i, d in devs[1:]:
        if d != devs[0][1]:
            raise _device_error(op, f'argument {devs[0][0]}', devs[0][1], f'argument {i}', d)


def same_dtype(op, input, **others):
    """``RuntimeError`` unless every named tensor (None is skipped) has ``input``'s dtype: no op
    silently promotes float32 to float64."""
    for name, t in others.items():
        if t is not None and t.dtype != input.dtype:
            raise RuntimeError(f'{op}: input dtype ({input.dtype}) and {name} dtype ({t.dtype}) '
                               f'should be the same; convert one, e.g. input.to({name}.dtype) or '
                               f'{name}.to(input.dtype) (.float() / .double(); a model: '
                               'model.to(dtype))')


def floating(op, x, name='input'):
    """``RuntimeError`` unless ``x`` (a tensor or array) has a floating point dtype."""
    if not np.issubdtype(x.dtype, np.floating):
        raise RuntimeError(f'{op}: expected a floating point {name}, got dtype {x.dtype} '
                           f'(use {name}.float())')


def float_tensor(op, x, name='input'):
    """``x`` must be a Tensor (``TypeError``) of a floating point dtype (``RuntimeError``)."""
    tensor(op, x, name)
    floating(op, x, name)
    return x


def like_input(op, input, **others):
    """Each named tensor used with ``input`` (a weight, a bias; None is skipped) must be a Tensor
    (``TypeError``) on ``input``'s device with ``input``'s dtype (``RuntimeError``)."""
    for name, t in others.items():
        if t is not None:
            tensor(op, t, name)
    same_device(op, input, **others)
    same_dtype(op, input, **others)


def image_rank(op, x):
    """``RuntimeError`` unless ``x`` is one (C, H, W) image or an (N, C, H, W) batch."""
    if x.ndim not in (3, 4):
        raise RuntimeError(f'{op}: expected a 3-D (C, H, W) or 4-D (N, C, H, W) input, got a '
                           f'{x.ndim}-D input of shape {tuple(x.shape)}')


def reduction(value):
    """``ValueError`` unless ``value`` is one of PyTorch's reductions ('mean', 'sum', 'none')."""
    if value not in REDUCTIONS:
        raise ValueError(f"{value!r} is not a valid value for reduction: expected 'mean', "
                         "'sum' or 'none'")
    return value


def legacy_reduction(size_average, reduce, value):
    """The ``reduction`` given as ``value``, or PyTorch's deprecated ``size_average``/``reduce``
    flags translated to it (with PyTorch's warning); checked by ``reduction``."""
    if size_average is not None or reduce is not None:
        warnings.warn('size_average and reduce args will be deprecated, please use '
                      "reduction='mean'|'sum'|'none' instead.", UserWarning, stacklevel=3)
        size_average = True if size_average is None else size_average
        reduce = True if reduce is None else reduce
        value = 'mean' if reduce and size_average else ('sum' if reduce else 'none')
    return reduction(value)

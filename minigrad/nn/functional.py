"""Stateless functions behind the layers, as ``torch.nn.functional`` (import as ``F``).

    import minigrad.nn.functional as F
    loss = F.cross_entropy(model(x), y)

These functions check their arguments (``minigrad.argcheck``) and call the ops, which work on
raw arrays: convolution runs a plan from ``minigrad.ops.conv_plans`` (the plain version, for
reading, is ``minigrad.ops.conv``), pooling the ops of ``minigrad.ops.pool``.
"""
import math
import numbers
import warnings

import numpy as np

from .. import argcheck, backend, factory
from ..ops import elementwise as E
from ..ops import loss as L
from ..ops import norm as N
from ..ops import pool as P
from ..ops.conv import ConvGeometry
from ..ops.conv_plans import choose_plan
from ..ops.linalg import Linear as _Linear
from ..tensor import Tensor
from ..functions import pad as _pad

__all__ = ['linear', 'conv2d', 'max_pool2d', 'avg_pool2d', 'adaptive_avg_pool2d',
           'adaptive_max_pool2d', 'relu',
           'leaky_relu', 'sigmoid', 'tanh', 'softmax', 'log_softmax', 'dropout', 'batch_norm',
           'cross_entropy', 'nll_loss', 'mse_loss', 'pad', 'flatten']

_REDUCTIONS = ('mean', 'sum', 'none')


# ---------------------------------------------------------------- helpers

def _check_tensor(x, fname, argname='input'):
    if not isinstance(x, Tensor):
        raise TypeError(f'{fname}(): argument {argname!r} must be a minigrad Tensor, got '
                        f'{type(x).__name__}')


def _check_float(x, fname, argname='input'):
    _check_tensor(x, fname, argname)
    if not np.issubdtype(x.dtype, np.floating):
        raise TypeError(f'{fname}(): expected a floating-point {argname}, got dtype {x.dtype}')


def _check_same(x, other, fname, argname):
    """``other`` must share ``x``'s device and dtype (no silent promotion to float64)."""
    if other is None:
        return
    _check_tensor(other, fname, argname)
    if other.device != x.device:
        raise RuntimeError(f'{fname}(): input is on {x.device} but {argname} is on {other.device}; '
                           f'move them to one device first, e.g. .to({str(x.device)!r})')
    if other.dtype != x.dtype:
        raise TypeError(f'{fname}(): input has dtype {x.dtype} but {argname} has dtype '
                        f'{other.dtype}; convert one of them (e.g. model.to({x.dtype}) or '
                        f'input.to({other.dtype}))')


def _check_reduction(reduction):
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction!r} is not a valid value for reduction: expected 'mean', "
                         "'sum' or 'none'")


# ---------------------------------------------------------------- linear, conv, pooling

def linear(input, weight, bias=None):
    """``input @ weight.T + bias``.

    Shape:
        input (*, in_features), weight (out_features, in_features), bias (out_features,)
        -> (*, out_features).
    """
    _check_float(input, 'linear')
    _check_same(input, weight, 'linear', 'weight')
    _check_same(input, bias, 'linear', 'bias')
    if input.ndim == 0 or input.shape[-1] != weight.shape[-1]:
        raise RuntimeError(f'linear: input of shape {input.shape} cannot be multiplied by a weight '
                           f'of shape {weight.shape} (expected input with last dimension '
                           f'{weight.shape[-1]})')
    if bias is not None and weight.ndim == 2:
        out_shape = tuple(input.shape[:-1]) + (weight.shape[0],)
        try:
            fits = np.broadcast_shapes(out_shape, tuple(bias.shape)) == out_shape
        except ValueError:
            fits = False
        if not fits:
            raise RuntimeError(f'linear: bias of shape {tuple(bias.shape)} does not match the '
                               f'{weight.shape[0]} output features of weight {tuple(weight.shape)} '
                               f'(input {tuple(input.shape)} -> output {out_shape}); expected a '
                               f'bias of shape ({weight.shape[0]},)')
    if weight.ndim != 2 or (bias is not None and tuple(bias.shape) != (weight.shape[0],)) \
            or input.ndim == 1:
        out = input.matmul(weight.T)        # the general (broadcasting) path
        return out + bias if bias is not None else out
    lead = input.shape[:-1]
    x = input.reshape(-1, input.shape[-1]) if input.ndim > 2 else input
    args = (x, weight) if bias is None else (x, weight, bias)
    out = _Linear.apply(*args)              # one fused op: GEMM + bias, one backward
    return out.reshape(lead + (weight.shape[0],)) if input.ndim > 2 else out


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-D convolution (cross-correlation) over an NCHW input, as ``torch.nn.functional.conv2d``.

    Args:
        input: ``(N, C_in, H, W)``, or ``(C_in, H, W)`` for one unbatched image.
        weight: ``(C_out, C_in / groups, kH, kW)``.
        bias: ``(C_out,)`` or None.
        stride: an int or a pair ``(sH, sW)``, each >= 1.
        padding: an int, a pair, ``'valid'`` (no padding) or ``'same'`` (output as large as the
            input; needs stride 1; an odd total puts the extra row/column at the bottom/right).
        dilation: an int or a pair, each >= 1: spacing between kernel elements.
        groups: split the input and output channels into this many independent groups.

    Shape:
        ``(N, C_out, H_out, W_out)`` (3-D for a 3-D input), with
        ``H_out = (H + pad_top + pad_bottom - dilation*(kH - 1) - 1) // stride + 1`` (likewise W).

    Raises:
        TypeError: an argument of the wrong type. ValueError: a stride, dilation or groups
        below 1, negative padding, a bad padding string. RuntimeError: shape, channel, device
        or dtype mismatches between input, weight and bias.
    """
    op = 'conv2d'
    argcheck.tensor(op, input)
    argcheck.tensor(op, weight, 'weight')
    if bias is not None:
        argcheck.tensor(op, bias, 'bias')
    argcheck.image_rank(op, input)
    if weight.ndim != 4:
        raise RuntimeError(f'{op}: weight must be 4-D (out_channels, in_channels/groups, kH, kW), '
                           f'got shape {tuple(weight.shape)}')
    stride = argcheck.pair(stride, 'stride', op, minimum=1)
    dilation = argcheck.pair(dilation, 'dilation', op, minimum=1)
    groups = argcheck.positive_int(groups, 'groups', op)
    argcheck.same_device(op, input, weight=weight, bias=bias)
    argcheck.same_dtype(op, input, weight=weight, bias=bias)
    argcheck.floating(op, input)
    if bias is not None and tuple(bias.shape) != (weight.shape[0],):
        raise RuntimeError(f'{op}: bias must have shape ({weight.shape[0]},) to match the '
                           f'{weight.shape[0]} output channels of weight {tuple(weight.shape)}, '
                           f'got shape {tuple(bias.shape)}')
    padding = argcheck.conv_padding(padding, weight.shape[2:], stride, dilation, op)
    x_shape = (1,) + tuple(input.shape) if input.ndim == 3 else input.shape
    geom = ConvGeometry.of(x_shape, weight.shape, stride, padding, dilation, groups)
    plan = choose_plan(geom, input.dtype.itemsize, cpu=input.device.type == 'cpu')
    args = (input, weight) if bias is None else (input, weight, bias)
    return plan.function.apply(*args, geom=geom, plan=plan)


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """2-D max pooling over an NCHW input, as ``torch.nn.functional.max_pool2d``.

    Args:
        input: ``(N, C, H, W)`` or ``(C, H, W)``.
        kernel_size: an int or a pair ``(kH, kW)``.
        stride: an int or a pair; default ``kernel_size``.
        padding: implicit ``-inf`` padding on both sides, at most half the (dilated) kernel.
        dilation: spacing between window elements.
        ceil_mode: round the output size up (the last window must still start inside the input
            or its left padding).
        return_indices: also return the flat ``h * W + w`` index (int64) of each maximum.

    Shape:
        ``(N, C, H_out, W_out)`` (3-D for a 3-D input), and the indices when asked, with
        ``H_out = floor_or_ceil((H + 2*padding - dilation*(kH - 1) - 1) / stride) + 1``.
    """
    argcheck.tensor('max_pool2d', input)
    k, s, p, d, out_hw = P.pool_args('max_pool2d', input, kernel_size, stride, padding, dilation,
                                     ceil_mode)
    opts = dict(kernel_size=k, stride=s, padding=p, dilation=d, out_hw=out_hw)
    if not return_indices:
        return P.MaxPool2d.apply(input, **opts)
    x = input.array[None] if input.ndim == 3 else input.array
    best, idx = P.max_pool_indices(x, k, s, p, d, out_hw)          # the forward, once
    out = P.MaxPool2d.apply(input, result=best, **opts)
    return out, Tensor._wrap(idx[0] if input.ndim == 3 else idx)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    """2-D average pooling over an NCHW input, as ``torch.nn.functional.avg_pool2d``.

    Args:
        input: ``(N, C, H, W)`` or ``(C, H, W)``.
        kernel_size: an int or a pair; stride: default ``kernel_size``.
        padding: implicit zero padding on both sides, at most half the kernel.
        ceil_mode: round the output size up (as in ``max_pool2d``).
        count_include_pad: divide by the window size including padding (clipped to the padded
            input) rather than by the number of input elements in the window.
        divisor_override: divide every window sum by this instead.

    Shape:
        ``(N, C, H_out, W_out)`` (3-D for a 3-D input).
    """
    op = 'avg_pool2d'
    argcheck.tensor(op, input)
    k, s, p, d, out_hw = P.pool_args(op, input, kernel_size, stride, padding, 1, ceil_mode)
    if divisor_override is not None and (isinstance(divisor_override, bool) or divisor_override == 0):
        raise ValueError(f'{op}: divisor_override must be a non-zero number, got {divisor_override!r}')
    argcheck.floating(op, input)
    div = P.avg_divisor(input.array, k, s, p, out_hw, count_include_pad, divisor_override)
    return P.AvgPool2d.apply(input, kernel_size=k, stride=s, padding=p, out_hw=out_hw, divisor=div)


def adaptive_avg_pool2d(input, output_size):
    """2-D adaptive average pooling, as ``torch.nn.functional.adaptive_avg_pool2d``.

    Args:
        input: ``(N, C, H, W)`` or ``(C, H, W)``.
        output_size: an int or a pair ``(H_out, W_out)``; ``None`` keeps that input size.

    Output ``(i, j)`` averages rows ``[floor(i*H/H_out), ceil((i+1)*H/H_out))`` and likewise
    columns, so sizes need not divide.
    """
    op = 'adaptive_avg_pool2d'
    argcheck.tensor(op, input)
    oh, ow = P.adaptive_size(op, input, output_size)
    argcheck.floating(op, input)
    H, W = input.shape[-2:]
    if (oh, ow) == (1, 1):
        return P.GlobalAvgPool2d.apply(input)
    if P.small_divisible(H, W, oh, ow):
        k = (H // oh, W // ow)
        return P.AvgPool2d.apply(input, kernel_size=k, stride=k, padding=(0, 0), out_hw=(oh, ow),
                                 divisor=input.dtype.type(k[0] * k[1]))
    return P.AdaptiveAvgPool2d.apply(input, out_hw=(oh, ow))


def adaptive_max_pool2d(input, output_size, return_indices=False):
    """2-D adaptive max pooling, as ``torch.nn.functional.adaptive_max_pool2d``.

    Args:
        input: ``(N, C, H, W)`` or ``(C, H, W)``.
        output_size: an int or a pair; ``None`` keeps that input size.
        return_indices: also return the flat ``h * W + w`` index of each maximum.
    """
    op = 'adaptive_max_pool2d'
    argcheck.tensor(op, input)
    oh, ow = P.adaptive_size(op, input, output_size)
    H, W = input.shape[-2:]
    if P.small_divisible(H, W, oh, ow):
        k = (H // oh, W // ow)
        return max_pool2d(input, k, k, return_indices=return_indices)
    if not return_indices:
        return P.AdaptiveMaxPool2d.apply(input, out_hw=(oh, ow))
    x = input.array[None] if input.ndim == 3 else input.array
    best, flat = P.adaptive_max(x, (oh, ow))                       # the forward, once
    out = P.AdaptiveMaxPool2d.apply(input, out_hw=(oh, ow), result=(best, flat))
    return out, Tensor._wrap(flat[0] if input.ndim == 3 else flat)


def pad(input, pad, mode='constant', value=None):
    """Pad with PyTorch's flat ``pad`` tuple, last dim first (``mg.pad``)."""
    return _pad(input, pad, mode=mode, value=0.0 if value is None else value)


def flatten(input, start_dim=0, end_dim=-1):
    """Merge dims ``start_dim..end_dim`` into one (``torch.flatten``)."""
    return input.flatten(start_dim, end_dim)


# ---------------------------------------------------------------- activations

def relu(input, inplace=False):
    """``max(x, 0)``. ``inplace`` is accepted for compatibility; the result is a new tensor."""
    return E.ReLU.apply(input)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    """``x if x > 0 else negative_slope * x``."""
    return E.LeakyReLU.apply(input, negative_slope=float(negative_slope))


def sigmoid(input):
    return input.sigmoid()


def tanh(input):
    return input.tanh()


def _softmax_like(input, dim, dtype, name):
    if dim is None:
        warnings.warn(f'Implicit dimension choice for {name} has been deprecated. Change the call '
                      'to include dim=X as an argument.', UserWarning, stacklevel=3)
        dim = 0 if input.ndim in (0, 1, 3) else 1
    if dtype is not None:
        input = input.to(dtype)
    return getattr(input, name)(dim)


def softmax(input, dim=None, dtype=None):
    """``exp(x) / sum(exp(x))`` along ``dim``."""
    return _softmax_like(input, dim, dtype, 'softmax')


def log_softmax(input, dim=None, dtype=None):
    """``log(softmax(x))`` along ``dim``, computed stably."""
    return _softmax_like(input, dim, dtype, 'log_softmax')


# ---------------------------------------------------------------- dropout, batch norm

def dropout(input, p=0.5, training=True, inplace=False):
    """Inverted dropout: zero each element with probability ``p`` and scale the rest by
    ``1 / (1 - p)``; the identity when not ``training``. The mask comes from the generator
    seeded by ``mg.manual_seed``."""
    if not isinstance(p, numbers.Real) or not 0.0 <= p <= 1.0:
        raise ValueError(f'dropout probability has to be between 0 and 1, but got {p}')
    if not training or p == 0.0:
        return input
    _check_float(input, 'dropout')
    if p == 1.0:
        mask = backend.xp_of_device(input.device).zeros(input.shape, dtype=input.dtype)
    else:
        u = factory.rand(input.shape, dtype=input.dtype, device=input.device).array
        mask = (u >= p).astype(input.dtype)
        mask *= 1.0 / (1.0 - p)
    return N.Dropout.apply(input, mask=mask)


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False,
               momentum=0.1, eps=1e-5):
    """Normalise each channel (axis 1) of ``input`` (N, C, *) and apply ``weight``/``bias``.

    With ``training=True`` the batch statistics are used and ``running_mean``/``running_var``
    (if not None) are updated in place: ``running = (1 - momentum) * running + momentum * stat``,
    with the unbiased batch variance. Otherwise the running statistics are used.
    """
    _check_float(input, 'batch_norm')
    if input.ndim < 2:
        raise ValueError(f'batch_norm: expected an input of shape (N, C, *), got shape {input.shape}')
    c = input.shape[1]
    for name, t in (('weight', weight), ('bias', bias), ('running_mean', running_mean),
                    ('running_var', running_var)):
        if t is None:
            continue
        _check_same(input, t, 'batch_norm', name)
        if t.shape != (c,):
            raise RuntimeError(f'batch_norm: {name} should have shape ({c},) for an input with {c} '
                               f'channels (shape {input.shape}), got shape {t.shape}')
    if training:
        if input.size(0) * math.prod(input.shape[2:]) == 1:
            raise ValueError('Expected more than 1 value per channel when training, got input size '
                             f'{input.shape}')
    elif running_mean is None or running_var is None:
        raise RuntimeError('batch_norm: running_mean and running_var must be given when not '
                           'training')
    wb = [t for t in (weight, bias) if t is not None]
    return N.BatchNorm.apply(
        input, *wb, affine=(weight is not None, bias is not None),
        running_mean=None if running_mean is None else running_mean.array,
        running_var=None if running_var is None else running_var.array,
        training=bool(training), momentum=float(momentum), eps=float(eps))


# ---------------------------------------------------------------- losses

def _check_class_target(input, target, fname, weight, ignore_index):
    """Validate integer class targets for input (N, C, *) and return the target's array."""
    expected = (input.shape[0],) + input.shape[2:]
    if target.shape != expected:
        raise ValueError(f'{fname}: expected a class-index target of shape {expected} for an input '
                         f'of shape {input.shape}, got target of shape {target.shape}')
    if target.device != input.device:
        raise RuntimeError(f'{fname}: input is on {input.device} but target is on {target.device}; '
                           f'move the target with .to({str(input.device)!r})')
    t = target.array
    n_classes = input.shape[1]
    if t.size:
        bad = ((t < 0) | (t >= n_classes)) & (t != ignore_index)
        if bool(bad.any()):
            value = int(t[bad].reshape(-1)[0])
            raise IndexError(f'Target {value} is out of bounds for {n_classes} classes')
    if weight is not None:
        _check_same(input, weight, fname, 'weight')
        if weight.shape != (n_classes,):
            raise RuntimeError(f'{fname}: weight should have one entry per class ({n_classes},) '
                               f'but got weight of shape {weight.shape}')
    return t


def _prepare(input, target, fname):
    """Common checks; unbatched input (C,) becomes (1, C). Returns (input, target, unbatched)."""
    _check_float(input, fname)
    _check_tensor(target, fname, 'target')
    if input.ndim == 0:
        raise ValueError(f'{fname}: input must have at least 1 dimension (the classes), got a '
                         'scalar')
    if input.ndim == 1:
        if target.ndim not in (0, 1) or (target.ndim == 1 and target.shape != input.shape):
            raise ValueError(f'{fname}: for an unbatched input of shape {input.shape} expected a '
                             f'scalar class index or probabilities of shape {input.shape}, got '
                             f'target of shape {target.shape}')
        return input.reshape(1, -1), target.reshape((1,) + target.shape), True
    return input, target, False


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
                  reduction='mean', label_smoothing=0.0):
    """Cross-entropy between logits ``input`` and ``target``: log-softmax and NLL in one op.

    Args:
        input: logits of shape (N, C), (N, C, d1, ...) or (C,) (unbatched).
        target: integer class indices of shape (N,), (N, d1, ...) or () - or float class
            probabilities of the input's shape.
        weight: a rescaling weight per class, shape (C,).
        ignore_index: class-index targets equal to this contribute nothing (nor to the mean).
        reduction: 'mean' (weighted mean over non-ignored elements), 'sum' or 'none'.
        label_smoothing: in [0, 1]; mixes the target with the uniform distribution.
        size_average, reduce: deprecated, as in PyTorch; use ``reduction``.

    Returns:
        a scalar, or per-element losses of the target's (class-index) shape with 'none'.
    """
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f'label_smoothing must be between 0.0 and 1.0, got {label_smoothing}')
    input, target, unbatched = _prepare(input, target, 'cross_entropy')
    if np.issubdtype(target.dtype, np.floating):
        if target.shape != input.shape:
            want = 'a scalar' if unbatched else f'shape {(input.shape[0],) + input.shape[2:]}'
            raise ValueError(
                f'cross_entropy: target of shape {target.shape} has dtype {target.dtype}: class-'
                f'probability targets must have the input\'s shape {input.shape}; class-index '
                f'targets must be integers of {want} (use target.long())')
        if target.device != input.device:
            raise RuntimeError(f'cross_entropy: input is on {input.device} but target is on '
                               f'{target.device}; move the target with .to({str(input.device)!r})')
        if target.dtype != input.dtype:
            target = target.to(input.dtype)
        if weight is not None:
            _check_same(input, weight, 'cross_entropy', 'weight')
            if weight.shape != (input.shape[1],):
                raise RuntimeError(f'cross_entropy: weight should have one entry per class '
                                   f'({input.shape[1]},) but got weight of shape {weight.shape}')
        out = L.SoftCrossEntropy.apply(input, target,
                                       weight=None if weight is None else weight.array,
                                       reduction=reduction, label_smoothing=float(label_smoothing))
    elif np.issubdtype(target.dtype, np.integer):
        t = _check_class_target(input, target, 'cross_entropy', weight, ignore_index)
        out = L.CrossEntropy.apply(input, target=t, weight=None if weight is None else weight.array,
                                   ignore_index=ignore_index, reduction=reduction,
                                   label_smoothing=float(label_smoothing))
    else:
        raise TypeError(f'cross_entropy: target must hold integer class indices or float class '
                        f'probabilities, got dtype {target.dtype}')
    return out.reshape(()) if unbatched and reduction == 'none' else out


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
             reduction='mean'):
    """Negative log-likelihood of log-probabilities ``input`` (N, C, *) at integer ``target``
    (N, *): ``-weight[t] * input[n, t]``, reduced like ``cross_entropy``."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    input, target, unbatched = _prepare(input, target, 'nll_loss')
    if not np.issubdtype(target.dtype, np.integer):
        raise TypeError(f'nll_loss: target must hold integer class indices, got dtype '
                        f'{target.dtype} (use target.long())')
    t = _check_class_target(input, target, 'nll_loss', weight, ignore_index)
    out = L.NLLLoss.apply(input, target=t, weight=None if weight is None else weight.array,
                          ignore_index=ignore_index, reduction=reduction)
    return out.reshape(()) if unbatched and reduction == 'none' else out


def mse_loss(input, target, size_average=None, reduce=None, reduction='mean'):
    """Mean squared error ``(input - target) ** 2``, reduced. Shapes should match; they are
    broadcast (with a warning) otherwise, as in PyTorch."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    _check_float(input, 'mse_loss')
    _check_tensor(target, 'mse_loss', 'target')
    if target.shape != input.shape:
        try:
            np.broadcast_shapes(input.shape, target.shape)
        except ValueError:
            raise ValueError(f'mse_loss: input of shape {input.shape} and target of shape '
                             f'{target.shape} cannot be broadcast together') from None
        warnings.warn(f'Using a target size ({target.shape}) that is different to the input size '
                      f'({input.shape}). This will likely lead to incorrect results due to '
                      'broadcasting. Please ensure they have the same size.', UserWarning,
                      stacklevel=2)
    if target.device != input.device:
        raise RuntimeError(f'mse_loss: input is on {input.device} but target is on '
                           f'{target.device}; move the target with .to({str(input.device)!r})')
    if target.dtype != input.dtype:
        target = target.to(input.dtype)
    return L.MSELoss.apply(input, target, reduction=reduction)


def _legacy_reduction(size_average, reduce, reduction):
    """PyTorch's deprecated ``size_average``/``reduce`` flags, translated to ``reduction``."""
    if size_average is None and reduce is None:
        return reduction
    warnings.warn('size_average and reduce args will be deprecated, please use '
                  "reduction='mean'|'sum'|'none' instead.", UserWarning, stacklevel=3)
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    if not reduce:
        return 'none'
    return 'mean' if size_average else 'sum'


from .functional_more import *  # noqa: E402,F401,F403  (GELU, LayerNorm, BCE, ...: Track F)

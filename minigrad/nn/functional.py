"""Stateless functions behind the layers, as ``torch.nn.functional`` (import as ``F``).

    import minigrad.nn.functional as F
    loss = F.cross_entropy(model(x), y)

The functions check their arguments with ``minigrad.argcheck`` and call the ops, which work on
raw arrays. By family: linear (here), convolution and pooling (``functional_conv``),
activations, dropout and batch norm, losses (here); more of each in ``functional_more``.
"""
import math
import numbers
import warnings

import numpy as np

from .. import argcheck, backend, factory
from ..functions import pad as _pad
from ..ops import activation as Act
from ..ops import dropout as D
from ..ops import loss as L
from ..ops import norm as N
from ..ops.linalg import Linear as _Linear
from .functional_activation import in_place as _in_place
from .functional_loss import _check_pair
from .functional_conv import adaptive_avg_pool2d, adaptive_max_pool2d, avg_pool2d, conv2d, max_pool2d

__all__ = ['linear', 'conv2d', 'max_pool2d', 'avg_pool2d', 'adaptive_avg_pool2d',
           'adaptive_max_pool2d', 'relu',
           'leaky_relu', 'sigmoid', 'tanh', 'softmax', 'log_softmax', 'dropout', 'batch_norm',
           'cross_entropy', 'nll_loss', 'mse_loss', 'pad', 'flatten']

# kept for the modules that call them by these names (nn/loss.py, functional_loss.py)
_legacy_reduction = argcheck.legacy_reduction
_check_reduction = argcheck.reduction


# ---------------------------------------------------------------- linear

def linear(input, weight, bias=None):
    """``input @ weight.T + bias``.

    Shape:
        input (*, in_features), weight (out_features, in_features), bias (out_features,)
        -> (*, out_features).
    """
    argcheck.float_tensor('linear', input)
    argcheck.like_input('linear', input, weight=weight, bias=bias)
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


def pad(input, pad, mode='constant', value=None):
    """Pad with PyTorch's flat ``pad`` tuple, last dim first (``mg.pad``)."""
    return _pad(input, pad, mode=mode, value=0.0 if value is None else value)


def flatten(input, start_dim=0, end_dim=-1):
    """Merge dims ``start_dim..end_dim`` into one (``torch.flatten``)."""
    return input.flatten(start_dim, end_dim)


# ---------------------------------------------------------------- activations

def relu(input, inplace=False):
    """``max(x, 0)``; ``inplace=True`` writes the result into ``input`` (as ``input.relu_()``)."""
    if inplace:
        return _in_place(input, relu)
    return Act.ReLU.apply(input)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    """``x if x > 0 else negative_slope * x``; ``inplace=True`` writes the result into ``input``."""
    if inplace:
        return _in_place(input, leaky_relu, negative_slope)
    return Act.LeakyReLU.apply(input, negative_slope=float(negative_slope))


def sigmoid(input):
    return input.sigmoid()


def tanh(input):
    return input.tanh()


def _softmax_like(input, dim, stacklevel, dtype, name):
    if dim is None:
        warnings.warn(f'Implicit dimension choice for {name} has been deprecated. Change the call '
                      'to include dim=X as an argument.', UserWarning, stacklevel=stacklevel)
        dim = 0 if input.ndim in (0, 1, 3) else 1
    if dtype is not None:
        input = input.to(dtype)
    return getattr(input, name)(dim)


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    """``exp(x) / sum(exp(x))`` along ``dim``.

    Args:
        input: the tensor.
        dim: the dim that sums to 1 (None: PyTorch's legacy implicit choice, with a warning).
        _stacklevel: the warning's stack level (PyTorch's private argument; 3 is the caller).
        dtype: cast ``input`` to this dtype first (e.g. ``mg.float64``).
    """
    return _softmax_like(input, dim, _stacklevel, dtype, 'softmax')


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    """``log(softmax(x))`` along ``dim``, computed stably (arguments as ``softmax``)."""
    return _softmax_like(input, dim, _stacklevel, dtype, 'log_softmax')


# ---------------------------------------------------------------- dropout, batch norm

def dropout(input, p=0.5, training=True, inplace=False):
    """Inverted dropout: zero each element with probability ``p`` and scale the rest by
    ``1 / (1 - p)``; the identity when not ``training``. The mask comes from the generator
    seeded by ``mg.manual_seed``."""
    if not isinstance(p, numbers.Real) or not 0.0 <= p <= 1.0:
        raise ValueError(f'dropout probability has to be between 0 and 1, but got {p}')
    if not training or p == 0.0:
        return input
    argcheck.float_tensor('dropout', input)
    if p == 1.0:
        mask = backend.xp_of_device(input.device).zeros(input.shape, dtype=input.dtype)
    else:
        u = factory.rand(input.shape, dtype=input.dtype, device=input.device).array
        mask = (u >= p).astype(input.dtype)
        mask *= 1.0 / (1.0 - p)
    return D.Dropout.apply(input, mask=mask)


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False,
               momentum=0.1, eps=1e-5):
    """Normalise each channel (axis 1) of ``input`` (N, C, *) and apply ``weight``/``bias``.

    With ``training=True`` the batch statistics are used and ``running_mean``/``running_var``
    (if not None) are updated in place: ``running = (1 - momentum) * running + momentum * stat``,
    with the unbiased batch variance. Otherwise the running statistics are used.
    """
    argcheck.float_tensor('batch_norm', input)
    if input.ndim < 2:
        raise ValueError(f'batch_norm: expected an input of shape (N, C, *), got shape {input.shape}')
    c = input.shape[1]
    for name, t in (('weight', weight), ('bias', bias), ('running_mean', running_mean),
                    ('running_var', running_var)):
        if t is None:
            continue
        argcheck.like_input('batch_norm', input, **{name: t})
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
    if training and input.numel() == 0:
        return _batch_norm_empty(input, weight, bias)
    wb = [t for t in (weight, bias) if t is not None]
    return N.BatchNorm.apply(
        input, *wb, affine=(weight is not None, bias is not None),
        running_mean=None if running_mean is None else running_mean.array,
        running_var=None if running_var is None else running_var.array,
        training=bool(training), momentum=float(momentum), eps=float(eps))


def _batch_norm_empty(input, weight, bias):
    """batch_norm in training on an empty batch, as PyTorch: an empty output (still in the graph,
    so ``weight`` and ``bias`` get zero gradients) and the running statistics left as they are."""
    shape = (1, input.shape[1]) + (1,) * (input.ndim - 2)
    out = input * weight.reshape(shape) if weight is not None else input * 1.0
    return out + bias.reshape(shape) if bias is not None else out


# ---------------------------------------------------------------- losses

def _check_class_target(input, target, fname, weight, ignore_index):
    """Validate integer class targets for input (N, C, *) and return the target's array."""
    expected = (input.shape[0],) + input.shape[2:]
    if target.shape != expected:
        raise ValueError(f'{fname}: expected a class-index target of shape {expected} for an input '
                         f'of shape {input.shape}, got target of shape {target.shape}')
    argcheck.same_device(fname, input, target=target)
    t = target.array
    n_classes = input.shape[1]
    if t.size:
        bad = ((t < 0) | (t >= n_classes)) & (t != ignore_index)
        if bool(bad.any()):
            value = int(t[bad].reshape(-1)[0])
            raise IndexError(f'Target {value} is out of bounds for {n_classes} classes')
    _check_class_weight(input, weight, fname)
    return t


def _check_class_weight(input, weight, fname):
    """A per-class ``weight`` (or None) for input (N, C, *): shape (C,), input's device and dtype."""
    if weight is not None:
        argcheck.like_input(fname, input, weight=weight)
        if weight.shape != (input.shape[1],):
            raise RuntimeError(f'{fname}: weight should have one entry per class '
                               f'({input.shape[1]},) but got weight of shape {weight.shape}')


def _prepare(input, target, fname):
    """Common checks; unbatched input (C,) becomes (1, C). Returns (input, target, unbatched)."""
    argcheck.float_tensor(fname, input)
    argcheck.tensor(fname, target, 'target')
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
    reduction = argcheck.legacy_reduction(size_average, reduce, reduction)
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
        argcheck.same_device('cross_entropy', input, target=target)
        if target.dtype != input.dtype:
            target = target.to(input.dtype)
        _check_class_weight(input, weight, 'cross_entropy')
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
    reduction = argcheck.legacy_reduction(size_average, reduce, reduction)
    input, target, unbatched = _prepare(input, target, 'nll_loss')
    if not np.issubdtype(target.dtype, np.integer):
        raise TypeError(f'nll_loss: target must hold integer class indices, got dtype '
                        f'{target.dtype} (use target.long())')
    t = _check_class_target(input, target, 'nll_loss', weight, ignore_index)
    out = L.NLLLoss.apply(input, target=t, weight=None if weight is None else weight.array,
                          ignore_index=ignore_index, reduction=reduction)
    return out.reshape(()) if unbatched and reduction == 'none' else out


def mse_loss(input, target, size_average=None, reduce=None, reduction='mean', weight=None):
    """Mean squared error ``(input - target) ** 2``, reduced. Shapes should match; they are
    broadcast (with a warning) otherwise, as in PyTorch.

    Args:
        weight: (torch 2.13) a tensor of ``input``'s shape weighting each squared error; then
            ``'mean'`` is ``sum(weight * err) / sum(weight)``.
    """
    reduction = argcheck.legacy_reduction(size_average, reduce, reduction)
    target = _check_pair('mse_loss', input, target, same_shape_error=False)
    if weight is not None:
        return _weighted_mse(input, target, reduction, weight)
    return L.MSELoss.apply(input, target, reduction=reduction)


def _weighted_mse(input, target, reduction, weight):
    """torch 2.13's weighted mean squared error (composed: its gradient is exact)."""
    argcheck.like_input('mse_loss', input, weight=weight)
    if weight.shape != input.shape:
        raise ValueError(f'Weights and input must have the same size: weight of shape '
                         f'{weight.shape}, input of shape {input.shape}')
    err = (input - target) ** 2 * weight
    if reduction == 'none':
        return err
    return err.sum() if reduction == 'sum' else err.sum() / weight.sum()


from .functional_more import *  # noqa: E402,F401,F403  (GELU, LayerNorm, BCE, ...: Track F)
from .functional_more import __all__ as _more_names  # noqa: E402

__all__ += [name for name in _more_names if name not in __all__]

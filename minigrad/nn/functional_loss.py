"""More losses, as ``torch.nn.functional``: ``binary_cross_entropy``,
``binary_cross_entropy_with_logits``, ``l1_loss``, ``smooth_l1_loss``, ``huber_loss``, ``kl_div``.

``binary_cross_entropy_with_logits`` is composed from the stable log-sigmoid op
(``log(1 - sigmoid(x)) = logsigmoid(-x)``), so it is finite for any logit and its gradient is
``sigmoid(x) - target`` exactly, also at x = 0. ``binary_cross_entropy`` is an op of its own
because PyTorch clamps its logarithms at -100 and its gradient's denominator at 1e-12, which
keeps the loss and gradient finite at probabilities of exactly 0 and 1. The L1 family is
composed from ``abs`` and ``where``.
"""
import warnings

import numpy as np

from .. import argcheck
from ..autograd import Function
from ..backend import get_array_module
from ..functions import where
from .functional_activation import logsigmoid

__all__ = ['binary_cross_entropy', 'binary_cross_entropy_with_logits', 'l1_loss',
           'smooth_l1_loss', 'huber_loss', 'kl_div']


def _reduce(loss, reduction):
    if reduction == 'mean':
        return loss.mean()
    return loss.sum() if reduction == 'sum' else loss


def _check_pair(op, input, target, same_shape_error):
    """Input and target: Tensors on one device; the target cast to the input's float dtype."""
    argcheck.float_tensor(op, input)
    argcheck.tensor(op, target, 'target')
    argcheck.same_device(op, input, target=target)
    if target.shape != input.shape:
        if same_shape_error:
            raise ValueError(f'{op}: target size {target.shape} must be the same as input size '
                             f'{input.shape}')
        try:
            np.broadcast_shapes(input.shape, target.shape)
        except ValueError:
            raise ValueError(f'{op}: input of shape {input.shape} and target of shape '
                             f'{target.shape} cannot be broadcast together') from None
        warnings.warn(f'Using a target size ({target.shape}) that is different to the input size '
                      f'({input.shape}). This will likely lead to incorrect results due to '
                      'broadcasting. Please ensure they have the same size.', UserWarning,
                      stacklevel=3)
    return target if target.dtype == input.dtype else target.to(input.dtype)


def _constant(op, input, name, t):
    """A weight that broadcasts against the input; PyTorch does not differentiate it."""
    if t is None:
        return None
    argcheck.like_input(op, input, **{name: t})
    if t.requires_grad:
        raise RuntimeError(f"{op} is not differentiable with respect to argument '{name}'. This "
                           'input cannot have requires_grad True.')
    try:
        np.broadcast_shapes(input.shape, t.shape)
    except ValueError:
        raise RuntimeError(f'{op}: {name} of shape {t.shape} does not broadcast against the input '
                           f'of shape {input.shape}') from None
    return t


class BinaryCrossEntropy(Function):
    def forward(self, x, t, weight):
        xp = get_array_module(x)
        with np.errstate(divide='ignore'):
            log_x = xp.maximum(xp.log(x), -100.0)
            log_1mx = xp.maximum(xp.log1p(-x), -100.0)
        self.save_for_backward(x, t)
        self.weight = weight
        loss = -(t * log_x + (1.0 - t) * log_1mx)
        return loss if weight is None else loss * weight

    # d/dx = w (x - t) / max(x (1 - x), 1e-12);  d/dt = w (log(1 - x) - log(x)) (unclamped: +-inf
    # at x = 0 or 1), both as PyTorch
    def backward(self, g):
        x, t = self.saved
        xp = get_array_module(x)
        if self.weight is not None:
            g = g * self.weight
        gx = gt = None
        if self.needs_input_grad[0]:
            gx = g * (x - t) / xp.maximum(x * (1.0 - x), 1e-12)
        if self.needs_input_grad[1]:
            with np.errstate(divide='ignore', invalid='ignore'):
                gt = g * (xp.log1p(-x) - xp.log(x))
        return gx, gt


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None,
                         reduction='mean'):
    """``-w (t log(x) + (1 - t) log(1 - x))`` for probabilities ``x`` in [0, 1], each log clamped
    at -100 (as PyTorch), reduced.

    Shape:
        input, target: the same shape; weight broadcasts to it. 'none' gives that shape.
    """
    reduction = argcheck.legacy_reduction(size_average, reduce, reduction)
    argcheck.tensor('binary_cross_entropy', input)
    argcheck.tensor('binary_cross_entropy', target, 'target')
    if target.shape != input.shape:
        raise ValueError(f'Using a target size ({target.shape}) that is different to the input '
                         f'size ({input.shape}) is deprecated. Please ensure they have the same '
                         'size.')
    target = _check_pair('binary_cross_entropy', input, target, True)
    weight = _constant('binary_cross_entropy', input, 'weight', weight)
    x = input.array
    if x.size and bool(((x < 0) | (x > 1)).any()):      # NaN passes, as in PyTorch
        raise RuntimeError('binary_cross_entropy: all elements of input should be between 0 and 1 '
                           '(apply sigmoid first, or use binary_cross_entropy_with_logits)')
    w = None if weight is None else get_array_module(x).broadcast_to(weight.array, x.shape)
    loss = BinaryCrossEntropy.apply(input, target, weight=w)
    return _reduce(loss, reduction)


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None,
                                     reduction='mean', pos_weight=None):
    """``-w (p t log(sigmoid(x)) + (1 - t) log(1 - sigmoid(x)))`` for logits ``x``, computed
    stably; ``p`` is ``pos_weight`` (one per class, broadcast along the last dim), ``w``
    ``weight``.

    Shape:
        input, target: the same shape; weight broadcasts to it; pos_weight to its last dim.
    """
    reduction = argcheck.legacy_reduction(size_average, reduce, reduction)
    op = 'binary_cross_entropy_with_logits'
    target = _check_pair(op, input, target, True)
    weight = _constant(op, input, 'weight', weight)
    pos_weight = _constant(op, input, 'pos_weight', pos_weight)
    pos_term = target * logsigmoid(input)
    if pos_weight is not None:
        pos_term = pos_term * pos_weight
    loss = -(pos_term + (1.0 - target) * logsigmoid(-input))
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def l1_loss(input, target, size_average=None, reduce=None, reduction='mean', weight=None):
    """Mean absolute error ``|input - target|`` (times ``weight``, if given), reduced."""
    reduction = argcheck.legacy_reduction(size_average, reduce, reduction)
    target = _check_pair('l1_loss', input, target, False)
    loss = (input - target).abs()
    if weight is not None:
        loss = loss * _constant('l1_loss', input, 'weight', weight)
    return _reduce(loss, reduction)


def _smooth(op, input, target, beta, reduction, scale):
    target = _check_pair(op, input, target, False)
    if not isinstance(beta, (int, float)) or beta < 0:
        raise ValueError(f'{op}: {"beta" if scale == 1 else "delta"} must be a non-negative '
                         f'number, got {beta!r}')
    diff = input - target
    a = diff.abs()
    if beta == 0:
        loss = a
    else:
        loss = where(a < beta, diff * diff * (0.5 / beta), a - 0.5 * beta)
    return _reduce(loss * scale if scale != 1 else loss, reduction)


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction='mean', beta=1.0):
    """``0.5 d^2 / beta`` where ``|d| < beta``, else ``|d| - 0.5 beta`` (``d = input - target``);
    ``beta=0`` is the L1 loss."""
    reduction = argcheck.legacy_reduction(size_average, reduce, reduction)
    return _smooth('smooth_l1_loss', input, target, float(beta), reduction, 1.0)


def huber_loss(input, target, reduction='mean', delta=1.0, weight=None):
    """``delta * smooth_l1_loss(beta=delta)``: quadratic within ``delta``, linear beyond."""
    argcheck.reduction(reduction)
    if weight is not None:
        raise NotImplementedError('huber_loss: weight is not supported by minigrad')
    if delta <= 0:
        raise RuntimeError(f'huber_loss does not support non-positive values for delta, got '
                           f'{delta}')
    return _smooth('huber_loss', input, target, float(delta), reduction, float(delta))



def kl_div(input, target, size_average=None, reduce=None, reduction='mean', log_target=False):
    """The Kullback-Leibler divergence of ``target`` from the distribution whose log-probabilities
    are ``input``: ``target * (log(target) - input)`` elementwise (0 where target is 0), or with
    ``log_target`` ``exp(target) * (target - input)``.

    Args:
        reduction: 'batchmean' (the sum over the batch divided by its size: the KL divergence),
            'sum', 'none' or 'mean' (over every element, with PyTorch's warning).
    """
    if reduction == 'batchmean':
        if size_average is not None or reduce is not None:
            reduction = argcheck.legacy_reduction(size_average, reduce, 'mean')
    else:
        reduction = argcheck.legacy_reduction(size_average, reduce, reduction)
    target = _check_pair('kl_div', input, target, False)
    if log_target:
        loss = target.exp() * (target - input)
    else:
        positive = target > 0
        xlogx = where(positive, target * where(positive, target, 1.0).log(), 0.0)
        loss = xlogx - target * input
    if reduction == 'batchmean':
        return loss.sum() / (input.shape[0] if input.ndim else 1)
    if reduction == 'mean':
        warnings.warn("reduction: 'mean' divides the total loss by both the batch size and the "
                      "support size.'batchmean' divides only by the batch size, and aligns with the "
                      "KL div math definition.'mean' will be changed to behave the same as "
                      "'batchmean' in the next major release.", UserWarning, stacklevel=2)
    return _reduce(loss, reduction)

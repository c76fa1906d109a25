"""Margin, embedding and count losses, as ``torch.nn.functional``: ``margin_ranking_loss``,
``hinge_embedding_loss``, ``soft_margin_loss``, ``cosine_embedding_loss``,
``triplet_margin_loss``, ``multilabel_soft_margin_loss``, ``poisson_nll_loss``.

All are composed from existing ops (``where``, ``clip``, the stable ``logsigmoid``) with
PyTorch's formulas, so their gradients follow from the ops'.
"""
import math

from .. import argcheck
from ..functions import minimum, where
from .functional_activation import logsigmoid
from .functional_layers import pairwise_distance
from .functional_loss import _reduce

__all__ = ['margin_ranking_loss', 'hinge_embedding_loss', 'soft_margin_loss',
           'cosine_embedding_loss', 'triplet_margin_loss', 'multilabel_soft_margin_loss',
           'poisson_nll_loss']


def _check(op, size_average, reduce, reduction, input, **others):
    argcheck.float_tensor(op, input)
    for name, t in others.items():
        argcheck.tensor(op, t, name)
    argcheck.same_device(op, input, **others)
    return argcheck.legacy_reduction(size_average, reduce, reduction)


def margin_ranking_loss(input1, input2, target, margin=0, size_average=None, reduce=None,
                        reduction='mean'):
    """``max(0, -y (x1 - x2) + margin)`` for targets ``y`` of 1 or -1."""
    reduction = _check('margin_ranking_loss', size_average, reduce, reduction, input1,
                       input2=input2, target=target)
    return _reduce((-target * (input1 - input2) + float(margin)).clip(min=0.0), reduction)


def hinge_embedding_loss(input, target, margin=1.0, size_average=None, reduce=None,
                         reduction='mean'):
    """``x`` where ``y == 1`` plus ``max(0, margin - x)`` where ``y == -1``."""
    reduction = _check('hinge_embedding_loss', size_average, reduce, reduction, input,
                       target=target)
    margin_part = where(target != 1, (float(margin) - input).clip(min=0.0), 0.0)
    return _reduce(margin_part + where(target != -1, input, 0.0), reduction)


def soft_margin_loss(input, target, size_average=None, reduce=None, reduction='mean'):
    """``log(1 + exp(-y x))``, computed as ``-logsigmoid(y x)``."""
    reduction = _check('soft_margin_loss', size_average, reduce, reduction, input, target=target)
    return _reduce(-logsigmoid(input * target.to(input.dtype)), reduction)


def cosine_embedding_loss(input1, input2, target, margin=0, size_average=None, reduce=None,
                          reduction='mean'):
    """``1 - cos(x1, x2)`` where ``y == 1``, ``max(0, cos(x1, x2) - margin)`` where ``y == -1``
    (the cosine along the last dim, with PyTorch's 1e-12 added to each squared norm)."""
    reduction = _check('cosine_embedding_loss', size_average, reduce, reduction, input1,
                       input2=input2, target=target)
    dim = input1.ndim - 1
    prod = (input1 * input2).sum(dim)
    mag = ((input1 * input1).sum(dim) + 1e-12) * ((input2 * input2).sum(dim) + 1e-12)
    cos = prod / mag.sqrt()
    loss = where(target == 1, 1.0 - cos, 0.0) + \
        where(target == -1, (cos - float(margin)).clip(min=0.0), 0.0)
    return _reduce(loss, reduction)


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-6, swap=False,
                        size_average=None, reduce=None, reduction='mean'):
    """``max(d(a, p) - d(a, n) + margin, 0)`` with ``d`` the p-norm ``pairwise_distance``;
    ``swap`` uses ``min(d(a, n), d(p, n))`` for the negative distance."""
    reduction = _check('triplet_margin_loss', size_average, reduce, reduction, anchor,
                       positive=positive, negative=negative)
    d_pos = pairwise_distance(anchor, positive, p, eps)
    d_neg = pairwise_distance(anchor, negative, p, eps)
    if swap:
        d_neg = minimum(d_neg, pairwise_distance(positive, negative, p, eps))
    return _reduce((d_pos - d_neg + float(margin)).clip(min=0.0), reduction)


def multilabel_soft_margin_loss(input, target, weight=None, size_average=None, reduce=None,
                                reduction='mean'):
    """The mean over classes of ``-w (y log sigmoid(x) + (1 - y) log sigmoid(-x))``, per sample.

    Shape:
        input, target (N, C) -> (N,) with 'none', else a scalar.
    """
    reduction = _check('multilabel_soft_margin_loss', size_average, reduce, reduction, input,
                       target=target)
    target = target.to(input.dtype)
    loss = -(target * logsigmoid(input) + (1.0 - target) * logsigmoid(-input))
    if weight is not None:
        argcheck.like_input('multilabel_soft_margin_loss', input, weight=weight)
        loss = loss * weight
    return _reduce(loss.sum(input.ndim - 1) * (1.0 / input.shape[-1]), reduction)


def poisson_nll_loss(input, target, log_input=True, full=False, size_average=None, eps=1e-8,
                     reduce=None, reduction='mean'):
    """The negative log-likelihood of ``target`` counts under a Poisson of rate ``exp(input)``
    (``log_input``) or ``input``: ``exp(x) - y x`` or ``x - y log(x + eps)``; ``full`` adds
    Stirling's ``y log y - y + log(2 pi y) / 2`` where ``y > 1``."""
    reduction = _check('poisson_nll_loss', size_average, reduce, reduction, input, target=target)
    target = target.to(input.dtype)
    if log_input:
        loss = input.exp() - target * input
    else:
        loss = input - target * (input + float(eps)).log()
    if full:
        safe = where(target > 1, target, 1.0).detach()
        stirling = safe * safe.log() - safe + (safe * (2 * math.pi)).log() * 0.5
        loss = loss + where(target > 1, stirling, 0.0)
    return _reduce(loss, reduction)

"""More losses of ``torch.nn.functional`` (re-exported by ``minigrad.nn.functional``):
``gaussian_nll_loss``, ``multi_margin_loss``, ``multilabel_margin_loss``,
``triplet_margin_with_distance_loss``, and ``gumbel_softmax``. Composed from Tensor ops with
PyTorch's formulas, so their gradients follow from the ops'."""
import math

import numpy as np

from .. import argcheck, backend, factory
from ..tensor import Tensor
from .functional_layers import pairwise_distance
from .functional_loss import _reduce
from .functional_margin import _check

__all__ = ['gaussian_nll_loss', 'multi_margin_loss', 'multilabel_margin_loss',
           'triplet_margin_with_distance_loss', 'gumbel_softmax']


def gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction='mean'):
    """The negative log-likelihood of ``target`` under N(input, var):
    ``0.5 (log(max(var, eps)) + (input - target)^2 / max(var, eps))`` (+ ``0.5 log(2 pi)`` with
    ``full``), as ``torch.nn.functional.gaussian_nll_loss``. ``var`` has the input's shape, or
    one dim less, or a last dim of 1 (one variance for all features). The clamp to ``eps``
    passes the gradient through unchanged, as PyTorch's."""
    op = 'gaussian_nll_loss'
    reduction = _check(op, None, None, reduction, input, target=target, var=var)
    if tuple(var.shape) != tuple(input.shape):
        if tuple(input.shape[:-1]) == tuple(var.shape):
            var = var.unsqueeze(-1)
        elif not (tuple(input.shape[:-1]) == tuple(var.shape[:-1]) and var.shape[-1] == 1):
            raise ValueError(f'{op}: var is of incorrect size: {tuple(var.shape)} for an input '
                             f'of shape {tuple(input.shape)}')
    if bool((var.array < 0).any()):
        raise ValueError(f'{op}: var has negative entry/entries')
    xp = backend.get_array_module(var.array)
    var = var + Tensor._wrap(xp.maximum(var.array, eps) - var.array)   # clamp, gradient 1
    loss = 0.5 * (var.log() + (input - target) ** 2 / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction)


def _targets(op, input, target):
    argcheck.tensor(op, target, 'target')
    if input.ndim not in (1, 2):
        raise RuntimeError(f'{op}: expected a 1-D (C) or 2-D (N, C) input, got shape '
                           f'{tuple(input.shape)}')
    return backend.asnumpy(target.array).astype(np.int64)


def multi_margin_loss(input, target, p=1, margin=1.0, weight=None, size_average=None,
                      reduce=None, reduction='mean'):
    """The multi-class hinge loss, as ``torch.nn.functional.multi_margin_loss``: per sample,
    ``sum over i != y of max(0, margin - x[y] + x[i])^p / C`` (times ``weight[y]``).

    Shape:
        input (N, C) or (C,), target (N,) or () class indices -> reduced."""
    op = 'multi_margin_loss'
    reduction = _check(op, size_average, reduce, reduction, input, target=target)
    if p not in (1, 2):
        raise ValueError(f'{op}: only p == 1 and p == 2 supported, got p={p}')
    y = _targets(op, input, target).reshape(-1)
    x = input if input.ndim == 2 else input.unsqueeze(0)
    N, C = x.shape
    if y.size != N or (y.size and (y.min() < 0 or y.max() >= C)):
        raise RuntimeError(f'{op}: expected {N} target class indices in [0, {C}), got '
                           f'{y.tolist()}')
    xp = backend.get_array_module(x.array)
    picked = x[xp.arange(N), xp.asarray(y)].unsqueeze(1)             # x[y], (N, 1)
    z = (float(margin) - picked + x).clip(min=0.0)
    if p == 2:
        z = z * z
    others = Tensor._wrap(xp.asarray(np.arange(C)[None, :] != y[:, None]).astype(x.dtype))
    if weight is not None:
        z = z * weight[xp.asarray(y)].unsqueeze(1)
    loss = (z * others).sum(1) / C
    return _reduce(loss if input.ndim == 2 else loss.squeeze(0), reduction)


def multilabel_margin_loss(input, target, size_average=None, reduce=None, reduction='mean'):
    """The multi-label hinge loss, as ``torch.nn.functional.multilabel_margin_loss``: ``target``
    lists each sample's classes, ended by the first -1; per sample, the sum over its classes j
    and the other classes i of ``max(0, 1 - (x[j] - x[i])) / C``.

    Shape:
        input and target (N, C) or (C,) -> reduced."""
    op = 'multilabel_margin_loss'
    reduction = _check(op, size_average, reduce, reduction, input, target=target)
    t = _targets(op, input, target)
    if t.shape != tuple(input.shape):
        raise RuntimeError(f'{op}: target must have the input\'s shape {tuple(input.shape)}, '
                           f'got {t.shape}')
    x = input if input.ndim == 2 else input.unsqueeze(0)
    t = t.reshape(x.shape)
    N, C = x.shape
    is_target = np.zeros((N, C), bool)
    for n in range(N):
        for c in t[n]:
            if c < 0:
                break
            is_target[n, c] = True
    pairs = is_target[:, :, None] & ~is_target[:, None, :]        # (n, j target, i not)
    xp = backend.get_array_module(x.array)
    hinge = (1.0 - (x.unsqueeze(2) - x.unsqueeze(1))).clip(min=0.0)
    loss = (hinge * Tensor._wrap(xp.asarray(pairs.astype(x.dtype)))).sum((1, 2)) / C
    return _reduce(loss if input.ndim == 2 else loss.squeeze(0), reduction)


def triplet_margin_with_distance_loss(anchor, positive, negative, *, distance_function=None,
                                      margin=1.0, swap=False, reduction='mean'):
    """``max(d(a, p) - d(a, n) + margin, 0)`` for any distance function (default
    ``pairwise_distance``), as ``torch.nn.functional.triplet_margin_with_distance_loss``;
    ``swap`` uses ``min(d(a, n), d(p, n))``."""
    op = 'triplet_margin_with_distance_loss'
    reduction = _check(op, None, None, reduction, anchor, positive=positive, negative=negative)
    if margin <= 0:
        raise ValueError(f'{op}: margin must be greater than 0, got {margin}')
    d = distance_function if distance_function is not None else pairwise_distance
    d_pos, d_neg = d(anchor, positive), d(anchor, negative)
    if swap:
        d_swap = d(positive, negative)
        d_neg = d_neg - (d_neg - d_swap).clip(min=0.0)                 # min(d_neg, d_swap)
    return _reduce((d_pos - d_neg + float(margin)).clip(min=0.0), reduction)


def gumbel_softmax(logits, tau=1.0, hard=False, eps=1e-10, dim=-1):
    """A differentiable sample from the categorical distribution of ``logits``, as
    ``torch.nn.functional.gumbel_softmax``: ``softmax((logits + g) / tau)`` with Gumbel noise
    ``g`` (from ``mg.manual_seed``'s generator); ``hard=True`` returns the one-hot of the
    argmax with the soft sample's gradient (straight-through)."""
    op = 'gumbel_softmax'
    argcheck.float_tensor(op, logits, 'logits')
    u = factory.rand(logits.shape, dtype=logits.dtype, device=logits.device).array
    xp = backend.get_array_module(u)
    e = xp.maximum(-xp.log1p(-u), np.finfo(u.dtype).tiny)      # E ~ Exp(1), as -log(1 - U)
    gumbels = -xp.log(e)
    y_soft = ((logits + Tensor._wrap(gumbels.astype(logits.dtype))) / tau).softmax(dim)
    if not hard:
        return y_soft
    index = xp.expand_dims(y_soft.array.argmax(axis=dim), dim)
    shape = [1] * logits.ndim
    shape[dim] = logits.shape[dim]
    y_hard = (xp.arange(logits.shape[dim]).reshape(shape) == index).astype(logits.dtype)
    return Tensor._wrap(y_hard) - y_soft.detach() + y_soft

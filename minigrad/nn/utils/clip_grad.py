"""Gradient clipping, as ``torch.nn.utils``: ``clip_grad_norm_`` and ``clip_grad_value_``.

Both change the ``.grad`` arrays in place (the gradient Tensors keep their identity) and skip
parameters whose ``.grad`` is None.
"""
import math
import numbers

import numpy as np

from ...backend import get_array_module
from ...tensor import Tensor

__all__ = ['clip_grad_norm_', 'clip_grad_value_', 'get_total_norm']


def _grads(parameters, fname):
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    try:
        params = list(parameters)
    except TypeError:
        raise TypeError(f'{fname}: parameters must be a Tensor or an iterable of Tensors, got '
                        f'{type(parameters).__name__}') from None
    for i, p in enumerate(params):
        if not isinstance(p, Tensor):
            raise TypeError(f'{fname}: parameter {i} is a {type(p).__name__}, not a Tensor')
    return [p.grad for p in params if p.grad is not None]


def _norm(a, norm_type):
    """The ``norm_type``-norm of all elements of array ``a``, as a 0-d array of a's dtype."""
    xp = get_array_module(a)
    if norm_type == math.inf:
        return xp.abs(a).max() if a.size else xp.zeros((), a.dtype)
    if norm_type == -math.inf:
        return xp.abs(a).min() if a.size else xp.asarray(math.inf, a.dtype)
    if norm_type == 0:
        return xp.asarray((a != 0).sum(), dtype=a.dtype)
    if norm_type == 2:
        return xp.sqrt(xp.vdot(a.ravel(), a.ravel()).real.astype(a.dtype))
    if norm_type == 1:
        return xp.abs(a).sum()
    return (xp.abs(a) ** norm_type).sum() ** (1.0 / norm_type)


def get_total_norm(tensors, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """The ``norm_type``-norm of the norms of ``tensors`` (the norm of all their elements taken
    together), as a 0-d Tensor on the first tensor's device; 0.0 when there are none."""
    if isinstance(tensors, Tensor):
        tensors = [tensors]
    arrays = [t.array for t in tensors]
    norm_type = float(norm_type)
    if not arrays:
        return Tensor(0.0)
    xp = get_array_module(arrays[0])
    dtype = arrays[0].dtype
    norms = xp.stack([_norm(a, norm_type).astype(dtype) for a in arrays])
    total = _norm(norms, norm_type)
    if error_if_nonfinite and not bool(xp.isfinite(total)):
        raise RuntimeError(f'The total norm of order {norm_type} for gradients from `parameters` '
                           'is non-finite, so it cannot be clipped. To disable this error and '
                           'scale the gradients by the non-finite norm anyway, set '
                           '`error_if_nonfinite=False`')
    return Tensor._wrap(xp.asarray(total, dtype=dtype))


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """Scale the gradients of ``parameters`` in place so that their total norm (the norm of all
    gradient elements together) is at most ``max_norm``.

    As PyTorch: every gradient is multiplied by ``min(max_norm / (total_norm + 1e-6), 1)``.

    Args:
        parameters: a Tensor or an iterable of Tensors (their ``.grad`` is clipped).
        max_norm: the largest norm allowed.
        norm_type: the p of the p-norm (``float('inf')`` for the largest absolute value).
        error_if_nonfinite: raise ``RuntimeError`` when the total norm is NaN or infinite.
        foreach: accepted for compatibility.

    Returns:
        the total norm of the gradients before clipping, a 0-d Tensor.
    """
    if not isinstance(max_norm, numbers.Real):
        raise TypeError(f'clip_grad_norm_: max_norm must be a number, got '
                        f'{type(max_norm).__name__}')
    grads = _grads(parameters, 'clip_grad_norm_')
    if not grads:
        return Tensor(0.0)
    total = get_total_norm(grads, norm_type, error_if_nonfinite)
    xp = get_array_module(total.array)
    coef = xp.minimum(float(max_norm) / (total.array + 1e-6), 1.0).astype(total.dtype)
    for g in grads:
        with np.errstate(invalid='ignore'):            # inf * 0 = nan, as PyTorch gives
            g.array *= coef.astype(g.dtype, copy=False)
        g._bump_version()
    return total


def clip_grad_value_(parameters, clip_value, foreach=None):
    """Clamp every gradient element of ``parameters`` into ``[-clip_value, clip_value]``, in
    place. Returns None."""
    if not isinstance(clip_value, numbers.Real):
        raise TypeError(f'clip_grad_value_: clip_value must be a number, got '
                        f'{type(clip_value).__name__}')
    clip_value = float(clip_value)
    for g in _grads(parameters, 'clip_grad_value_'):
        get_array_module(g.array).clip(g.array, -clip_value, clip_value, out=g.array)
        g._bump_version()

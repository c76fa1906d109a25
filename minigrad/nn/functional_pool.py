"""1-D pooling and max unpooling, as ``torch.nn.functional`` (re-exported by
``minigrad.nn.functional``). The 1-D pools run their 2-D twins on a height-1 image
(``(N, C, L)`` as ``(N, C, 1, L)``); ``max_unpool*`` applies ``minigrad.ops.pool_unpool``."""
from .. import argcheck
from ..ops.pool_unpool import MaxUnpool2d
from ..tensor import Tensor
from .functional_conv import (adaptive_avg_pool2d, adaptive_max_pool2d, avg_pool2d,
                              max_pool2d)

__all__ = ['max_pool1d', 'avg_pool1d', 'adaptive_avg_pool1d', 'adaptive_max_pool1d',
           'max_unpool1d', 'max_unpool2d', 'max_pool1d_with_indices', 'max_pool2d_with_indices',
           'adaptive_max_pool1d_with_indices', 'adaptive_max_pool2d_with_indices', 'lp_pool1d',
           'lp_pool2d']


def _one(op, value, name, default=None):
    """An int or a 1-tuple -> that int (None -> default)."""
    if value is None:
        return default
    if isinstance(value, (tuple, list)) and len(value) == 1:
        value = value[0]
    if not argcheck.is_int(value):
        raise TypeError(f'{op}: {name} must be an int or a 1-tuple of ints, got {value!r}')
    return int(value)


def _as_2d(op, input):
    argcheck.tensor(op, input)
    if input.ndim not in (2, 3):
        raise RuntimeError(f'{op}: expected a 2-D (C, L) or 3-D (N, C, L) input, got a '
                           f'{input.ndim}-D input of shape {tuple(input.shape)}')
    return input.unsqueeze(-2)


def _squeeze(out):
    if isinstance(out, tuple):
        return tuple(o.squeeze(-2) for o in out)
    return out.squeeze(-2)


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """1-D max pooling over an ``(N, C, L)`` or ``(C, L)`` input, as
    ``torch.nn.functional.max_pool1d`` (every size an int; see ``max_pool2d``).

    Shape:
        ``(N, C, L_out)``, ``L_out = floor_or_ceil((L + 2*padding - dilation*(k - 1) - 1) /
        stride) + 1``; with ``return_indices`` also the int64 index in L of each maximum.
    """
    op = 'max_pool1d'
    k = _one(op, kernel_size, 'kernel_size')
    s = _one(op, stride, 'stride', k) if stride != [] else k
    return _squeeze(max_pool2d(_as_2d(op, input), (1, k), (1, s), (0, _one(op, padding, 'padding')),
                               (1, _one(op, dilation, 'dilation')), ceil_mode, return_indices))


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True):
    """1-D average pooling over an ``(N, C, L)`` or ``(C, L)`` input, as
    ``torch.nn.functional.avg_pool1d`` (see ``avg_pool2d``).

    Shape:
        ``(N, C, L_out)``, ``L_out = floor_or_ceil((L + 2*padding - k) / stride) + 1``.
    """
    op = 'avg_pool1d'
    k = _one(op, kernel_size, 'kernel_size')
    s = _one(op, stride, 'stride', k) if stride != [] else k
    return _squeeze(avg_pool2d(_as_2d(op, input), (1, k), (1, s), (0, _one(op, padding, 'padding')),
                               ceil_mode, count_include_pad))


def adaptive_avg_pool1d(input, output_size):
    """1-D adaptive average pooling to ``output_size`` positions, as
    ``torch.nn.functional.adaptive_avg_pool1d``.

    Shape:
        ``(N, C, L)`` -> ``(N, C, output_size)``.
    """
    op = 'adaptive_avg_pool1d'
    return _squeeze(adaptive_avg_pool2d(_as_2d(op, input), (1, _one(op, output_size, 'output_size'))))


def adaptive_max_pool1d(input, output_size, return_indices=False):
    """1-D adaptive max pooling to ``output_size`` positions, as
    ``torch.nn.functional.adaptive_max_pool1d`` (with ``return_indices``, also the index in L).

    Shape:
        ``(N, C, L)`` -> ``(N, C, output_size)``.
    """
    op = 'adaptive_max_pool1d'
    return _squeeze(adaptive_max_pool2d(_as_2d(op, input), (1, _one(op, output_size, 'output_size')),
                                        return_indices))


def max_pool1d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode=False, return_indices=True):
    """``max_pool1d(..., return_indices=True)``."""
    return max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool2d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode=False, return_indices=True):
    """``max_pool2d(..., return_indices=True)``."""
    return max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def adaptive_max_pool1d_with_indices(input, output_size, return_indices=True):
    """``adaptive_max_pool1d(..., return_indices=True)``."""
    return adaptive_max_pool1d(input, output_size, True)


def adaptive_max_pool2d_with_indices(input, output_size, return_indices=True):
    """``adaptive_max_pool2d(..., return_indices=True)``."""
    return adaptive_max_pool2d(input, output_size, True)


def _unpool(op, input, indices, kernel, stride, padding, output_size, dims):
    argcheck.float_tensor(op, input)
    argcheck.tensor(op, indices, 'indices')
    if input.ndim not in (dims + 1, dims + 2) or tuple(indices.shape) != tuple(input.shape):
        raise RuntimeError(f'{op}: expected a {dims + 1}-D or {dims + 2}-D input and indices of '
                           f'the same shape, got input of shape {tuple(input.shape)} and indices '
                           f'of shape {tuple(indices.shape)}')
    spatial = tuple(input.shape[-dims:])
    default = tuple((n - 1) * s - 2 * p + k for n, k, s, p in zip(spatial, kernel, stride, padding))
    if output_size is None:
        out = default
    else:
        out = tuple(int(n) for n in output_size)[-dims:]
        if len(tuple(output_size)) not in (dims, input.ndim):
            raise ValueError(f'{op}: output_size should be a sequence of {dims} or {input.ndim} '
                             f'elements, got {tuple(output_size)}')
        for want, d, s in zip(out, default, stride):
            if not d - s < want < d + s:
                raise ValueError(f'{op}: invalid output_size {tuple(output_size)} (dim size '
                                 f'must be between {tuple(d - s + 1 for d, s in zip(default, stride))} '
                                 f'and {tuple(d + s - 1 for d, s in zip(default, stride))})')
    size = 1
    for n in out:
        size *= n
    idx = indices.array
    if idx.size and (int(idx.min()) < 0 or int(idx.max()) >= size):
        raise RuntimeError(f'{op}: found an invalid max index {int(idx.max())} (output volume '
                           f'of size {out} has {size} elements)')
    x = input.unsqueeze(-2) if dims == 1 else input
    index = Tensor._wrap(idx.astype('int64', copy=False))
    index = index.unsqueeze(-2) if dims == 1 else index
    y = MaxUnpool2d.apply(x, indices=index.array, out_hw=(1,) * (2 - dims) + out)
    return y.squeeze(-2) if dims == 1 else y


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """The partial inverse of ``max_pool2d``: each value goes back to the position its index
    names, zeros elsewhere, as ``torch.nn.functional.max_unpool2d``.

    Args:
        input: ``(N, C, H, W)`` or ``(C, H, W)``; indices: the int64 indices from
            ``max_pool2d(..., return_indices=True)``, of the same shape.
        kernel_size, stride (default kernel_size), padding: those of the pooling.
        output_size: the size to restore (to undo a pool that dropped rows or columns).

    Shape:
        ``(N, C, H_out, W_out)``, ``H_out = (H - 1)*stride - 2*padding + kernel_size`` by default.
    """
    op = 'max_unpool2d'
    k = argcheck.pair(kernel_size, 'kernel_size', op, minimum=1)
    s = k if stride is None else argcheck.pair(stride, 'stride', op, minimum=1)
    p = argcheck.pair(padding, 'padding', op, minimum=0)
    return _unpool(op, input, indices, k, s, p, output_size, 2)


def max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """The partial inverse of ``max_pool1d`` (see ``max_unpool2d``); ``(N, C, L)`` inputs."""
    op = 'max_unpool1d'
    k = _one(op, kernel_size, 'kernel_size')
    s = _one(op, stride, 'stride', k)
    return _unpool(op, input, indices, (k,), (s,), (_one(op, padding, 'padding'),), output_size, 1)


def lp_pool2d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """Power-average pooling, as ``torch.nn.functional.lp_pool2d``: over each window,
    ``(sum x^p)^(1/p)`` with ``p = norm_type`` (p = 1: sum pooling; large p: near max pooling).

    Shape:
        ``(N, C, H, W)`` -> ``(N, C, H_out, W_out)`` as ``avg_pool2d`` without padding.
    """
    kh, kw = argcheck.pair(kernel_size, 'kernel_size', 'lp_pool2d', minimum=1)
    out = avg_pool2d(input ** norm_type, (kh, kw), stride, 0, ceil_mode)
    return (out.sign() * out.abs().relu() * (kh * kw)) ** (1.0 / norm_type)


def lp_pool1d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """Power-average pooling over an ``(N, C, L)`` input (see ``lp_pool2d``)."""
    k = _one('lp_pool1d', kernel_size, 'kernel_size')
    out = avg_pool1d(input ** norm_type, k, stride, 0, ceil_mode)
    return (out.sign() * out.abs().relu() * k) ** (1.0 / norm_type)

"""Resizing and rearranging images, as ``torch.nn.functional`` (re-exported by
``minigrad.nn.functional``): ``interpolate`` (and the older ``upsample*`` names),
``pixel_shuffle``, ``pixel_unshuffle``, ``channel_shuffle``.

Interpolation is separable: along each spatial axis the output is a fixed linear map of the
input. ``'nearest'`` picks one source index per output position (an indexing op, whose
gradient adds back); the linear modes multiply by an ``(out, in)`` matrix holding each output's
two weights (a matmul, whose gradient is the transposed matrix). The source positions follow
PyTorch's formulas, so outputs and gradients match it. The rearrangements are reshapes and
permutations.
"""
import math
import numbers

import numpy as np

from .. import argcheck, backend
from ..tensor import Tensor
from .functional_conv import adaptive_avg_pool2d
from .functional_pool import adaptive_avg_pool1d

__all__ = ['interpolate', 'upsample', 'upsample_nearest', 'upsample_bilinear', 'pixel_shuffle',
           'pixel_unshuffle', 'channel_shuffle']

_LINEAR = {'linear': 1, 'bilinear': 2, 'trilinear': 3, 'bicubic': 2}
_MODES = ('nearest', 'nearest-exact', 'linear', 'bilinear', 'trilinear', 'bicubic', 'area')
_A = -0.75                      # the cubic convolution's parameter (PyTorch's, as OpenCV's)


def _cubic_weights(t):
    """The 4 taps' weights at offsets -1, 0, 1, 2 for a fractional position ``t``."""
    def near(x):                                   # |x| <= 1
        return ((_A + 2) * x - (_A + 3)) * x * x + 1

    def far(x):                                    # 1 < |x| < 2
        return ((_A * x - 5 * _A) * x + 8 * _A) * x - 4 * _A
    return far(t + 1), near(t), near(1 - t), far(2 - t)


def _per_dim(value, n, name):
    if isinstance(value, (tuple, list)):
        if len(value) != n:
            raise ValueError(f'interpolate: {name} must have {n} elements for an input with {n} '
                             f'spatial dimensions, got {tuple(value)}')
        return tuple(value)
    return (value,) * n


def _sizes(input, size, scale_factor, recompute_scale_factor):
    """Output sizes and the scales used for source positions (None: ``in / out``)."""
    n = input.ndim - 2
    if (size is None) == (scale_factor is None):
        raise ValueError('interpolate: exactly one of size or scale_factor must be given, got '
                         f'size={size!r} and scale_factor={scale_factor!r}')
    if size is not None:
        out = tuple(int(s) for s in _per_dim(size, n, 'size'))
        return out, (None,) * n
    factors = tuple(float(f) for f in _per_dim(scale_factor, n, 'scale_factor'))
    if min(factors) <= 0:
        raise ValueError(f'interpolate: scale_factor must be positive, got {scale_factor}')
    out = tuple(int(math.floor(s * f)) for s, f in zip(input.shape[2:], factors))
    return out, ((None,) * n if recompute_scale_factor else factors)


def _source(mode, n_in, n_out, factor, align_corners, xp):
    """Per output position: the source index (nearest) or the (out, in) weight matrix (linear)."""
    scale = (1.0 / factor) if factor is not None else n_in / n_out
    dst = np.arange(n_out, dtype=np.float64)
    if mode == 'nearest':
        return xp.asarray(np.minimum(np.floor(dst * scale).astype(np.int64), n_in - 1))
    if mode == 'nearest-exact':
        return xp.asarray(np.minimum(np.floor((dst + 0.5) * scale).astype(np.int64), n_in - 1))
    if align_corners:
        src = dst * ((n_in - 1) / (n_out - 1)) if n_out > 1 else np.zeros(n_out)
    else:
        src = (dst + 0.5) * scale - 0.5
    m = np.zeros((n_out, n_in))
    rows = np.arange(n_out)
    if mode == 'bicubic':                          # 4 taps, clamped at the borders
        base = np.floor(src).astype(np.int64)
        for k, w in enumerate(_cubic_weights(src - base)):
            np.add.at(m, (rows, np.clip(base - 1 + k, 0, n_in - 1)), w)
        return m
    src = np.maximum(src, 0.0) if not align_corners else src
    i0 = np.minimum(np.floor(src).astype(np.int64), n_in - 1)
    i1 = np.minimum(i0 + 1, n_in - 1)
    lam = src - i0
    np.add.at(m, (rows, i0), 1.0 - lam)
    np.add.at(m, (rows, i1), lam)
    return m


def interpolate(input, size=None, scale_factor=None, mode='nearest', align_corners=None,
                recompute_scale_factor=None, antialias=False):
    """Resize the spatial dimensions of an ``(N, C, *spatial)`` input, as
    ``torch.nn.functional.interpolate``.

    Args:
        input: 3-D ``(N, C, L)``, 4-D ``(N, C, H, W)`` or 5-D ``(N, C, D, H, W)``.
        size: the output spatial size (an int or one per spatial dim).
        scale_factor: a multiplier per spatial dim (output ``floor(in * scale_factor)``);
            give exactly one of ``size`` and ``scale_factor``.
        mode: ``'nearest'`` (PyTorch's, source ``floor(dst * in / out)``), ``'nearest-exact'``
            (pixel centres), ``'linear'`` (3-D), ``'bilinear'`` (4-D), ``'trilinear'`` (5-D),
            ``'bicubic'`` (4-D; cubic convolution with a = -0.75, borders clamped; it may
            overshoot the input's range, as PyTorch's), ``'area'`` (adaptive average pooling,
            3-D and 4-D).
        align_corners: linear modes only: align the corner pixels' centres (True) or their
            outer edges (False, the default).
        recompute_scale_factor: compute the source positions from the output size rather than
            from ``scale_factor`` (they differ when ``in * scale_factor`` is not an integer).
        antialias: only False.

    Shape:
        ``(N, C, *out_size)``.
    """
    op = 'interpolate'
    argcheck.float_tensor(op, input)
    if mode not in _MODES:
        raise NotImplementedError(f'interpolate: mode {mode!r} is not supported; expected one of '
                                  f'{_MODES}')
    if antialias:
        raise NotImplementedError('interpolate: antialias=True is not supported')
    if mode in _LINEAR and input.ndim != _LINEAR[mode] + 2:
        raise NotImplementedError(f'interpolate: mode {mode!r} needs a {_LINEAR[mode] + 2}-D '
                                  f'input, got a {input.ndim}-D input of shape '
                                  f'{tuple(input.shape)}')
    if input.ndim not in (3, 4, 5):
        raise ValueError(f'interpolate: expected a 3-D, 4-D or 5-D (N, C, *spatial) input, got a '
                         f'{input.ndim}-D input of shape {tuple(input.shape)}')
    if align_corners is not None and mode not in _LINEAR:
        raise ValueError('align_corners option can only be set with the interpolating modes: '
                         f'linear | bilinear | bicubic | trilinear (got mode={mode!r})')
    out, factors = _sizes(input, size, scale_factor, recompute_scale_factor)
    if min(out) < 1:
        raise ValueError(f'interpolate: the output size {out} must be positive (input '
                         f'{tuple(input.shape)})')
    if mode == 'area':
        if input.ndim == 5:
            raise NotImplementedError("interpolate: mode 'area' takes 3-D or 4-D inputs here")
        return (adaptive_avg_pool2d(input, out) if input.ndim == 4
                else adaptive_avg_pool1d(input, out[0]))
    xp = backend.xp_of_device(input.device)
    x = input
    for axis, (n_in, n_out, f) in enumerate(zip(input.shape[2:], out, factors), start=2):
        if n_in == n_out and f in (None, 1.0):
            continue
        src = _source(mode, n_in, n_out, f, align_corners, xp)
        if mode.startswith('nearest'):
            x = x[(slice(None),) * axis + (src,)]
        else:
            m = Tensor._wrap(xp.asarray(src.T.astype(input.dtype)))      # (in, out)
            x = (x.transpose(axis, -1) @ m).transpose(axis, -1)
    return x if x is not input else input * 1


def upsample(input, size=None, scale_factor=None, mode='nearest', align_corners=None):
    """The old name of ``interpolate`` (deprecated in PyTorch, kept for old code)."""
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input, size=None, scale_factor=None):
    """``interpolate(..., mode='nearest')`` (deprecated in PyTorch, kept for old code)."""
    return interpolate(input, size, scale_factor, mode='nearest')


def upsample_bilinear(input, size=None, scale_factor=None):
    """``interpolate(..., mode='bilinear', align_corners=True)`` (deprecated in PyTorch)."""
    return interpolate(input, size, scale_factor, mode='bilinear', align_corners=True)


def _factor(op, value, name):
    if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < 1:
        raise ValueError(f'{op}: {name} must be a positive integer, got {value!r}')
    return int(value)


def pixel_shuffle(input, upscale_factor):
    """``(*, C*r*r, H, W) -> (*, C, H*r, W*r)``, as ``torch.nn.functional.pixel_shuffle``
    (sub-pixel convolution): channel ``c*r*r + i*r + j`` becomes pixel ``(h*r + i, w*r + j)``."""
    op = 'pixel_shuffle'
    argcheck.tensor(op, input)
    r = _factor(op, upscale_factor, 'upscale_factor')
    if input.ndim < 3 or input.shape[-3] % (r * r):
        raise RuntimeError(f'{op}: expected an input of shape (*, C*{r * r}, H, W) whose channels '
                           f'are divisible by upscale_factor**2 = {r * r}, got shape '
                           f'{tuple(input.shape)}')
    *lead, c, h, w = input.shape
    x = input.reshape(*lead, c // (r * r), r, r, h, w)
    k = len(lead)
    x = x.permute(*range(k), k, k + 3, k + 1, k + 4, k + 2)
    return x.reshape(*lead, c // (r * r), h * r, w * r)


def pixel_unshuffle(input, downscale_factor):
    """``(*, C, H*r, W*r) -> (*, C*r*r, H, W)``, the inverse of ``pixel_shuffle``."""
    op = 'pixel_unshuffle'
    argcheck.tensor(op, input)
    r = _factor(op, downscale_factor, 'downscale_factor')
    if input.ndim < 3 or input.shape[-1] % r or input.shape[-2] % r:
        raise RuntimeError(f'{op}: expected an input of shape (*, C, H, W) with H and W '
                           f'divisible by downscale_factor={r}, got shape {tuple(input.shape)}')
    *lead, c, h, w = input.shape
    x = input.reshape(*lead, c, h // r, r, w // r, r)
    k = len(lead)
    x = x.permute(*range(k), k, k + 2, k + 4, k + 1, k + 3)
    return x.reshape(*lead, c * r * r, h // r, w // r)


def channel_shuffle(input, groups):
    """``(N, C, *)``: channels seen as a ``(groups, C / groups)`` grid, transposed (ShuffleNet),
    as ``torch.nn.functional.channel_shuffle``."""
    op = 'channel_shuffle'
    argcheck.tensor(op, input)
    g = _factor(op, groups, 'groups')
    if input.ndim < 3 or input.shape[1] % g:
        raise RuntimeError(f'{op}: expected an input of shape (N, C, *) with C divisible by '
                           f'groups={g}, got shape {tuple(input.shape)}')
    n, c, *rest = input.shape
    x = input.reshape(n, g, c // g, *rest).transpose(1, 2)
    return x.reshape(n, c, *rest)

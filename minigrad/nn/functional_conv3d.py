"""3-D convolution and pooling over (N, C, D, H, W) volumes, as ``torch.nn.functional``:
``conv3d``, ``max_pool3d``, ``avg_pool3d`` (the layers are in ``conv3d.py``).

Composed from the 2-D ops, so the gradients are theirs: a 3-D convolution is, for each kernel
depth offset ``kd``, a 2-D convolution of the depth slices ``kd*dilation + od*stride`` (the
output depths folded into the batch) by the weight's slice ``kd``, summed over ``kd``. Max and
average pooling are separable: the 2-D pool of every depth slice, then the max (or the mean,
with PyTorch's divisor) over each depth window.
"""
import numpy as np

from .. import argcheck, backend
from ..functions import maximum, pad
from ..ops import pool as P
from ..tensor import Tensor
from .conv_args import int_tuple, string_padding
from .functional_conv_transpose import conv_transpose2d
from ..functions import cat, stack
from .functional_conv import (adaptive_avg_pool2d, adaptive_max_pool2d, avg_pool2d, conv2d,
                              max_pool2d)

__all__ = ['conv3d', 'conv_transpose3d', 'max_pool3d', 'avg_pool3d', 'adaptive_avg_pool3d',
           'adaptive_max_pool3d', 'lp_pool3d']


def _volume(op, input):
    argcheck.tensor(op, input)
    if input.ndim not in (4, 5):
        raise RuntimeError(f'{op}: expected a 4-D (C, D, H, W) or 5-D (N, C, D, H, W) input, got '
                           f'a {input.ndim}-D input of shape {tuple(input.shape)}')
    return input.unsqueeze(0) if input.ndim == 4 else input


def _slices(x, out_d, k, s, d):
    """For each depth offset: the (N, C, OD, H, W) slice, folded to (N*OD, C, H, W)."""
    N, C, _, H, W = x.shape
    for i in range(k):
        part = x[:, :, i * d:i * d + s * (out_d - 1) + 1:s]
        yield part.transpose(1, 2).reshape(N * out_d, C, H, W)


def _volume_and_weight(op, input, weight, layout):
    """The batched input and a checked 5-D weight (``layout`` names its dims in the error)."""
    x = _volume(op, input)
    argcheck.tensor(op, weight, 'weight')
    if weight.ndim != 5:
        raise RuntimeError(f'{op}: weight must be 5-D {layout}, got shape {tuple(weight.shape)}')
    return x


def _unfold(y, N, out_d):
    """(N*OD, C', H', W') -> (N, C', OD, H', W')."""
    return y.reshape(N, out_d, *y.shape[1:]).transpose(1, 2)


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """3-D convolution (cross-correlation) over an (N, C_in, D, H, W) or (C_in, D, H, W) input,
    as ``torch.nn.functional.conv3d``.

    Args:
        weight: ``(C_out, C_in / groups, kD, kH, kW)``; bias: ``(C_out,)`` or None.
        stride, dilation: an int or a triple; padding: an int, a triple, 'valid' or 'same'.
        groups: split the channels into this many independent groups.

    Shape:
        ``(N, C_out, D_out, H_out, W_out)``, each ``(size + 2*padding - dilation*(k - 1) - 1)
        // stride + 1``.
    """
    op = 'conv3d'
    x = _volume_and_weight(op, input, weight, '(out_channels, in_channels/groups, kD, kH, kW)')
    kernel = tuple(weight.shape[2:])
    s, d = int_tuple(stride, 3, 'stride', op, 1), int_tuple(dilation, 3, 'dilation', op, 1)
    pads = (string_padding(padding, kernel, s, d, op) if isinstance(padding, str)
            else sum(((p, p) for p in int_tuple(padding, 3, 'padding', op, 0)), ()))
    if any(pads):                                       # last dim first, as F.pad
        x = pad(x, pads[4:] + pads[2:4] + pads[:2])
    N, D = x.shape[0], x.shape[2]
    out_d = (D - d[0] * (kernel[0] - 1) - 1) // s[0] + 1
    if out_d < 1:
        raise RuntimeError(f"{op}: kernel depth {kernel[0]} (dilation {d[0]}) can't be greater "
                           f'than the padded input depth {D} (input shape {tuple(input.shape)})')
    y = None
    for i, part in enumerate(_slices(x, out_d, kernel[0], s[0], d[0])):
        term = conv2d(part, weight[:, :, i], None, s[1:], 0, d[1:], groups)
        y = term if y is None else y + term
    y = _unfold(y, N, out_d)
    if bias is not None:
        y = y + bias.reshape(1, -1, 1, 1, 1)
    return y if input.ndim == 5 else y.squeeze(0)


def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """3-D transposed convolution, as ``torch.nn.functional.conv_transpose3d``: for each kernel
    depth offset, the 2-D transposed convolution of every input depth slice, placed at output
    depth ``id*stride + kd*dilation`` (zeros between, by stacking), summed, then cropped by
    ``padding`` (``output_padding`` extends the far end).

    Args:
        weight: ``(C_in, C_out / groups, kD, kH, kW)``; bias: ``(C_out,)`` or None.
        stride, padding, output_padding, dilation: an int or a triple each.

    Shape:
        ``(N, C_out, D_out, H_out, W_out)``, each
        ``(size - 1)*stride - 2*padding + dilation*(k - 1) + output_padding + 1``.
    """
    op = 'conv_transpose3d'
    x = _volume_and_weight(op, input, weight, '(in_channels, out_channels/groups, kD, kH, kW)')
    s, p = int_tuple(stride, 3, 'stride', op, 1), int_tuple(padding, 3, 'padding', op, 0)
    o = int_tuple(output_padding, 3, 'output_padding', op, 0)
    d = int_tuple(dilation, 3, 'dilation', op, 1)
    if o[0] >= s[0] and o[0] >= d[0]:
        raise RuntimeError(f'{op}: output_padding must be smaller than either stride or '
                           f'dilation, got output_padding={o}, stride={s}, dilation={d}')
    N, _, D = x.shape[:3]
    KD = weight.shape[2]
    full = (D - 1) * s[0] + d[0] * (KD - 1) + 1 + o[0]          # before the depth crop
    if full - 2 * p[0] < 1:
        raise RuntimeError(f'{op}: the output depth {full - 2 * p[0]} is not positive')
    flat = x.transpose(1, 2).reshape(N * D, x.shape[1], *x.shape[3:])
    y = None
    for i in range(KD):
        z = _unfold(conv_transpose2d(flat, weight[:, :, i], None, s[1:], p[1:], o[1:], groups,
                                     d[1:]), N, D)                 # (N, C_out, D, H', W')
        if s[0] > 1:                                             # s-1 zero planes after each
            gaps = Tensor._wrap(backend.get_array_module(z.array).zeros_like(z.array))
            z = stack([z] + [gaps] * (s[0] - 1), dim=3)
            z = z.reshape(z.shape[0], z.shape[1], D * s[0], *z.shape[4:])[:, :, :(D - 1) * s[0] + 1]
        before = i * d[0]
        z = pad(z, (0, 0, 0, 0, before, full - before - z.shape[2]))
        y = z if y is None else y + z
    y = y[:, :, p[0]:full - p[0]]
    if bias is not None:
        y = y + bias.reshape(1, -1, 1, 1, 1)
    return y if input.ndim == 5 else y.squeeze(0)


def _depth_geometry(op, D, k, s, p, d, ceil_mode):
    if p > ((k - 1) * d + 1) // 2:
        raise ValueError(f'{op}: pad should be at most half of kernel size, but got '
                         f'padding={p} and kernel_size={k} in depth')
    out = P._pool_out_size(D, k, s, p, d, ceil_mode)
    return out, P._extra_pad(D, p, out, k, s, d)


def max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """3-D max pooling, as ``torch.nn.functional.max_pool3d`` (no ``return_indices``).

    Shape:
        (N, C, D, H, W) -> (N, C, D_out, H_out, W_out), as ``max_pool2d`` per dim.
    """
    op = 'max_pool3d'
    if return_indices:
        raise NotImplementedError(f'{op}: return_indices=True is not supported')
    x = _volume(op, input)
    k = int_tuple(kernel_size, 3, 'kernel_size', op, 1)
    s = k if stride is None else int_tuple(stride, 3, 'stride', op, 1)
    p, d = int_tuple(padding, 3, 'padding', op, 0), int_tuple(dilation, 3, 'dilation', op, 1)
    N, C, D = x.shape[:3]
    out_d, extra = _depth_geometry(op, D, k[0], s[0], p[0], d[0], ceil_mode)
    flat = x.transpose(1, 2).reshape(N * D, C, *x.shape[3:])
    y = _unfold(max_pool2d(flat, k[1:], s[1:], p[1:], d[1:], ceil_mode), N, D)
    if p[0] or extra:
        y = pad(y, (0, 0, 0, 0, p[0], p[0] + extra), value=-np.inf)
    out = None
    for i in range(k[0]):
        part = y[:, :, i * d[0]:i * d[0] + s[0] * (out_d - 1) + 1:s[0]]
        out = part if out is None else maximum(out, part)
    return out if input.ndim == 5 else out.squeeze(0)


def avg_pool3d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    """3-D average pooling, as ``torch.nn.functional.avg_pool3d`` (no ``divisor_override``).

    Shape:
        (N, C, D, H, W) -> (N, C, D_out, H_out, W_out), as ``avg_pool2d`` per dim.
    """
    op = 'avg_pool3d'
    if divisor_override is not None:
        raise NotImplementedError(f'{op}: divisor_override is not supported')
    x = _volume(op, input)
    k = int_tuple(kernel_size, 3, 'kernel_size', op, 1)
    s = k if stride is None else int_tuple(stride, 3, 'stride', op, 1)
    p = int_tuple(padding, 3, 'padding', op, 0)
    N, C, D = x.shape[:3]
    out_d, extra = _depth_geometry(op, D, k[0], s[0], p[0], 1, ceil_mode)
    flat = x.transpose(1, 2).reshape(N * D, C, *x.shape[3:])
    y = _unfold(avg_pool2d(flat, k[1:], s[1:], p[1:], ceil_mode, count_include_pad), N, D)
    if p[0] or extra:
        y = pad(y, (0, 0, 0, 0, p[0], p[0] + extra))
    total = None
    for i in range(k[0]):
        part = y[:, :, i:i + s[0] * (out_d - 1) + 1:s[0]]
        total = part if total is None else total + part
    start = np.arange(out_d) * s[0] - p[0]                 # each window, in input coordinates
    if count_include_pad:                                   # clipped to the padded input
        div = np.minimum(start + k[0], D + p[0]) - start
    else:                                                   # the input's own elements only
        div = np.minimum(start + k[0], D) - np.maximum(start, 0)
    xp = backend.get_array_module(total.array)
    out = total / Tensor._wrap(xp.asarray(div.astype(total.dtype)).reshape(1, 1, -1, 1, 1))
    return out if input.ndim == 5 else out.squeeze(0)


def _adaptive3d(op, input, output_size, pool2d, reduce_depth):
    x = _volume(op, input)
    sizes = output_size if isinstance(output_size, (tuple, list)) else (output_size,) * 3
    if len(sizes) != 3:
        raise ValueError(f'{op}: output_size must be an int or a triple, got {output_size!r}')
    N, C, D = x.shape[:3]
    od = D if sizes[0] is None else int(sizes[0])
    flat = x.transpose(1, 2).reshape(N * D, C, *x.shape[3:])
    y = _unfold(pool2d(flat, tuple(sizes[1:])), N, D)
    parts = [reduce_depth(y[:, :, (i * D) // od:-((-(i + 1) * D) // od)]) for i in range(od)]
    out = stack(parts, dim=2)
    return out if input.ndim == 5 else out.squeeze(0)


def adaptive_max_pool3d(input, output_size, return_indices=False):
    """3-D adaptive max pooling, as ``torch.nn.functional.adaptive_max_pool3d`` (no
    ``return_indices``): the 2-D adaptive max of every depth slice, then the max over torch's
    depth windows."""
    if return_indices:
        raise NotImplementedError('adaptive_max_pool3d: return_indices=True is not supported')
    return _adaptive3d('adaptive_max_pool3d', input, output_size, adaptive_max_pool2d,
                       lambda part: part.amax(2))


def lp_pool3d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """3-D power-average pooling ``(sum x^p)^(1/p)`` over each window, as
    ``torch.nn.functional.lp_pool3d``."""
    k = int_tuple(kernel_size, 3, 'kernel_size', 'lp_pool3d', 1)
    out = avg_pool3d(input ** norm_type, k, stride, 0, ceil_mode)
    return (out.sign() * out.abs().relu() * (k[0] * k[1] * k[2])) ** (1.0 / norm_type)


def adaptive_avg_pool3d(input, output_size):
    """3-D adaptive average pooling, as ``torch.nn.functional.adaptive_avg_pool3d``: output
    depth ``i`` averages the slices ``[floor(i*D/D_out), ceil((i+1)*D/D_out))`` of the 2-D
    adaptive pools (likewise H and W).

    Args:
        output_size: an int or a triple (an entry None keeps that size).
    """
    return _adaptive3d('adaptive_avg_pool3d', input, output_size, adaptive_avg_pool2d,
                       lambda part: part.mean(2))

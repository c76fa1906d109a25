"""Convolution and pooling functions, as ``torch.nn.functional`` (re-exported by
``minigrad.nn.functional``).

Each checks its arguments (``minigrad.argcheck``) and calls ops that work on raw arrays:
``conv2d`` runs the plan ``minigrad.ops.conv_plans.choose_plan`` picks (the plain version, for
reading, is ``minigrad.ops.conv``); the pools run the ops of ``minigrad.ops.pool``.
"""
from .. import argcheck
from ..ops import pool as P
from ..ops.conv import ConvGeometry
from ..ops.conv_plans import choose_plan
from ..tensor import Tensor

__all__ = ['conv2d', 'max_pool2d', 'avg_pool2d', 'adaptive_avg_pool2d', 'adaptive_max_pool2d']


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
    stride, dilation, groups = check_conv_args(op, input, weight, bias, stride, dilation, groups,
                                               '(out_channels, in_channels/groups, kH, kW)')
    check_bias(op, bias, weight.shape[0], weight)
    padding = argcheck.conv_padding(padding, weight.shape[2:], stride, dilation, op)
    x_shape = (1,) + tuple(input.shape) if input.ndim == 3 else input.shape
    geom = ConvGeometry.of(x_shape, weight.shape, stride, padding, dilation, groups)
    plan = choose_plan(geom, input.dtype.itemsize, cpu=input.device.type == 'cpu')
    args = (input, weight) if bias is None else (input, weight, bias)
    return plan.function.apply(*args, geom=geom, plan=plan)


def check_conv_args(op, input, weight, bias, stride, dilation, groups, layout):
    """The checks every 2-D convolution makes: tensors, an image input, a 4-D weight (its
    ``layout`` named in the error), the stride/dilation pairs and groups, one device, one float
    dtype. Returns ``(stride, dilation, groups)`` as ints."""
    argcheck.tensor(op, input)
    argcheck.tensor(op, weight, 'weight')
    if bias is not None:
        argcheck.tensor(op, bias, 'bias')
    argcheck.image_rank(op, input)
    if weight.ndim != 4:
        raise RuntimeError(f'{op}: weight must be 4-D {layout}, got shape {tuple(weight.shape)}')
    stride = argcheck.pair(stride, 'stride', op, minimum=1)
    dilation = argcheck.pair(dilation, 'dilation', op, minimum=1)
    groups = argcheck.positive_int(groups, 'groups', op)
    argcheck.same_device(op, input, weight=weight, bias=bias)
    argcheck.same_dtype(op, input, weight=weight, bias=bias)
    argcheck.floating(op, input)
    return stride, dilation, groups


def check_bias(op, bias, channels, weight):
    """``RuntimeError`` unless ``bias`` is None or has one entry per output channel."""
    if bias is not None and tuple(bias.shape) != (channels,):
        raise RuntimeError(f'{op}: bias must have shape ({channels},) to match the {channels} '
                           f'output channels of weight {tuple(weight.shape)}, got shape '
                           f'{tuple(bias.shape)}')


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

"""Transposed convolutions and the 1-D convolutions, as ``torch.nn.functional``
(re-exported by ``minigrad.nn.functional``).

``conv_transpose2d`` checks its arguments and applies ``minigrad.ops.conv_transpose``; the 1-D
functions run their 2-D twins on a height-1 image (``(N, C, L)`` as ``(N, C, 1, L)``).
"""
from .. import argcheck
from ..ops.conv_transpose import ConvTranspose2d, transposed_geometry, transposed_out_size
from .functional_conv import check_bias, check_conv_args, conv2d

__all__ = ['conv_transpose2d', 'conv_transpose1d', 'conv1d']


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """2-D transposed convolution ("deconvolution"), as ``torch.nn.functional.conv_transpose2d``:
    the gradient of ``conv2d`` with respect to its input, so it upsamples by ``stride``.

    Args:
        input: ``(N, C_in, H, W)``, or ``(C_in, H, W)`` for one unbatched image.
        weight: ``(C_in, C_out / groups, kH, kW)`` (the layout of PyTorch's, not of conv2d's).
        bias: ``(C_out,)`` or None.
        stride, dilation: an int or a pair, each >= 1.
        padding: an int or a pair: ``dilation*(k - 1) - padding`` zeros are implicitly added on
            both sides of the input (so it removes ``padding`` rows/columns of the output per side).
        output_padding: an int or a pair, smaller than the stride or the dilation: extra
            rows/columns on the bottom/right of the output (to pick among the sizes that a
            strided conv2d maps to the same size).
        groups: split the channels into this many independent groups.

    Shape:
        ``(N, C_out, H_out, W_out)`` (3-D for a 3-D input), with
        ``H_out = (H - 1)*stride - 2*padding + dilation*(kH - 1) + output_padding + 1``.
    """
    op = 'conv_transpose2d'
    stride, dilation, groups = check_conv_args(op, input, weight, bias, stride, dilation, groups,
                                               '(in_channels, out_channels/groups, kH, kW)')
    padding = argcheck.pair(padding, 'padding', op, minimum=0)
    output_padding = argcheck.pair(output_padding, 'output_padding', op, minimum=0)
    for o, s, d in zip(output_padding, stride, dilation):
        if o >= s and o >= d:
            raise RuntimeError(f'{op}: output_padding must be smaller than either stride or '
                               f'dilation, got output_padding={output_padding}, stride={stride}, '
                               f'dilation={dilation}')
    C_in = weight.shape[0]
    if C_in % groups:
        raise RuntimeError(f'{op}: groups={groups} must divide weight.shape[0] (in_channels), '
                           f'got weight of shape {tuple(weight.shape)}')
    if input.shape[-3] != C_in:
        raise RuntimeError(f'{op}: weight of shape {tuple(weight.shape)} expects input with '
                           f'{C_in} channels, got {input.shape[-3]} (input shape '
                           f'{tuple(input.shape)})')
    check_bias(op, bias, weight.shape[1] * groups, weight)
    out_hw = tuple(transposed_out_size(n, k, s, p, o, d) for n, k, s, p, o, d in
                   zip(input.shape[-2:], weight.shape[2:], stride, padding, output_padding,
                       dilation))
    if min(out_hw) < 1:
        raise RuntimeError(f'{op}: the output size {out_hw} is not positive (input '
                           f'{tuple(input.shape[-2:])}, kernel {tuple(weight.shape[2:])}, '
                           f'stride {stride}, padding {padding}, dilation {dilation}); '
                           'use less padding')
    x_shape = (1,) + tuple(input.shape) if input.ndim == 3 else input.shape
    geom = transposed_geometry(x_shape, weight.shape, stride, padding, dilation, groups, out_hw)
    args = (input, weight) if bias is None else (input, weight, bias)
    return ConvTranspose2d.apply(*args, geom=geom)


def output_padding(op, input, output_size, stride, padding, kernel_size, dilation, dims):
    """The ``output_padding`` that makes a transposed convolution give ``output_size`` (its last
    ``dims`` entries are the spatial sizes), as PyTorch's ``ConvTranspose*d.forward`` does;
    ``ValueError`` when that size is not reachable."""
    if output_size is None:
        return None
    size = [int(n) for n in output_size][-dims:]
    if len(output_size) not in (dims, dims + 2):
        raise ValueError(f'{op}: output_size must have {dims} or {dims + 2} elements (got '
                         f'{len(output_size)})')
    pads = []
    spatial = tuple(input.shape[-dims:])
    lo = [transposed_out_size(n, k, s, p, 0, d) for n, k, s, p, d in
          zip(spatial, kernel_size, stride, padding, dilation)]
    hi = [m + s - 1 for m, s in zip(lo, stride)]
    for want, a, b in zip(size, lo, hi):
        if not a <= want <= b:
            raise ValueError(f'{op}: requested an output size of {tuple(size)}, but valid sizes '
                             f'range from {tuple(lo)} to {tuple(hi)} (for an input of '
                             f'{spatial})')
        pads.append(want - a)
    return tuple(pads)


def _as_2d(op, input, weight, *pairs):
    """A 1-D call's input and weight with a height axis of 1, and its int arguments as pairs."""
    argcheck.tensor(op, input)
    argcheck.tensor(op, weight, 'weight')
    if input.ndim not in (2, 3):
        raise RuntimeError(f'{op}: expected a 2-D (C, L) or 3-D (N, C, L) input, got a '
                           f'{input.ndim}-D input of shape {tuple(input.shape)}')
    if weight.ndim != 3:
        raise RuntimeError(f'{op}: weight must be 3-D, got shape {tuple(weight.shape)}')
    out = []
    for value, name, minimum in pairs:
        if isinstance(value, (tuple, list)) and len(value) == 1:
            value = value[0]
        if isinstance(value, str):
            out.append(value)
            continue
        if not argcheck.is_int(value):
            raise TypeError(f'{op}: {name} must be an int or a 1-tuple, got {value!r}')
        if value < minimum:
            raise ValueError(f'{op}: {name} must be at least {minimum}, got {value}')
        out.append((1, int(value)) if name in ('stride', 'dilation') else (0, int(value)))
    return input.unsqueeze(-2), weight.unsqueeze(-2), out


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """1-D convolution over an ``(N, C_in, L)`` or ``(C_in, L)`` input, as
    ``torch.nn.functional.conv1d``.

    Args:
        weight: ``(C_out, C_in / groups, k)``; bias: ``(C_out,)`` or None.
        stride, dilation: an int >= 1; padding: an int, ``'valid'`` or ``'same'``.
        groups: split the channels into this many independent groups.

    Shape:
        ``(N, C_out, L_out)``, ``L_out = (L + 2*padding - dilation*(k - 1) - 1) // stride + 1``.
    """
    x, w, (s, p, d) = _as_2d('conv1d', input, weight, (stride, 'stride', 1),
                             (padding, 'padding', 0), (dilation, 'dilation', 1))
    return conv2d(x, w, bias, s, p, d, groups).squeeze(-2)


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """1-D transposed convolution, as ``torch.nn.functional.conv_transpose1d``.

    Args:
        input: ``(N, C_in, L)`` or ``(C_in, L)``.
        weight: ``(C_in, C_out / groups, k)``; bias: ``(C_out,)`` or None.
        stride, padding, output_padding, groups, dilation: as ``conv_transpose2d``, ints.

    Shape:
        ``(N, C_out, L_out)``,
        ``L_out = (L - 1)*stride - 2*padding + dilation*(k - 1) + output_padding + 1``.
    """
    x, w, (s, p, o, d) = _as_2d('conv_transpose1d', input, weight, (stride, 'stride', 1),
                                (padding, 'padding', 0), (output_padding, 'output_padding', 0),
                                (dilation, 'dilation', 1))
    return conv_transpose2d(x, w, bias, s, p, o, groups, d).squeeze(-2)

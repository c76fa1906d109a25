"""ConvTranspose2d, ConvTranspose1d and Conv1d (the functions are ``F.conv_transpose2d``,
``F.conv_transpose1d``, ``F.conv1d``; the op ``minigrad.ops.conv_transpose``)."""
from . import functional as F
from .conv import _ConvBase
from .functional_conv_transpose import output_padding as _output_padding

__all__ = ['ConvTranspose2d', 'ConvTranspose1d', 'ConvTranspose3d', 'Conv1d']

class Conv1d(_ConvBase):
    """1-D convolution (cross-correlation) over an (N, C, L) or (C, L) input.

    Args:
        in_channels, out_channels: channels of the input and of the output.
        kernel_size, stride, dilation: an int.
        padding: an int, ``'valid'`` or ``'same'`` (stride 1 only).
        groups: split the channels into this many independent groups.
        bias: learn an additive bias per output channel.
        padding_mode: ``'zeros'``, ``'reflect'``, ``'replicate'`` or ``'circular'``.
        device, dtype: where and in what float type to create the parameters.

    Shape:
        (N, in_channels, L) -> (N, out_channels, L_out),
        ``L_out = (L + 2*padding - dilation*(kernel_size - 1) - 1) // stride + 1``.

    Attributes:
        weight: (out_channels, in_channels / groups, kernel_size), ``kaiming_uniform_(a=sqrt(5))``.
        bias: (out_channels,), U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
    """

    _dims = 1

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1,
                 groups=1, bias=True, padding_mode='zeros', device=None, dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, padding_mode, device, dtype)

    def forward(self, input):
        return self._conv_forward(input, F.conv1d)


class ConvTranspose2d(_ConvBase):
    """2-D transposed convolution ("deconvolution") over an (N, C, H, W) or (C, H, W) input: the
    gradient of a Conv2d with respect to its input, so a ``stride`` of s upsamples by s (the
    generator of a DCGAN, the decoder of an autoencoder or a U-Net).

    Args:
        in_channels, out_channels: channels of the input and of the output.
        kernel_size, stride, dilation: an int or an (h, w) pair.
        padding: an int or a pair: removes that many rows/columns from each side of the output.
        output_padding: an int or a pair (smaller than the stride or the dilation): extra rows /
            columns on the bottom/right of the output.
        groups: split the channels into this many independent groups.
        bias: learn an additive bias per output channel.
        padding_mode: only ``'zeros'``, as PyTorch.
        device, dtype: where and in what float type to create the parameters.

    Shape:
        (N, in_channels, H, W) -> (N, out_channels, H_out, W_out), with
        ``H_out = (H - 1)*stride - 2*padding + dilation*(kernel - 1) + output_padding + 1``.
        ``forward(input, output_size)`` picks the output_padding that gives ``output_size``.

    Attributes:
        weight: (in_channels, out_channels / groups, kh, kw), ``kaiming_uniform_(a=sqrt(5))``
            (fan_in is ``out_channels / groups * kh * kw``, as PyTorch).
        bias: (out_channels,), U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
    """

    transposed = True

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0,
                 output_padding=0, groups=1, bias=True, dilation=1, padding_mode='zeros',
                 device=None, dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, padding_mode, device, dtype, output_padding)

    def _output_padding(self, input, output_size):
        if output_size is None:
            return self.output_padding
        return _output_padding(type(self).__name__, input, output_size, self.stride,
                               self.padding, self.kernel_size, self.dilation, self._dims)

    def forward(self, input, output_size=None):
        self._check_input(input)
        fn = {1: F.conv_transpose1d, 2: F.conv_transpose2d, 3: F.conv_transpose3d}[self._dims]
        return fn(input, self.weight, self.bias, self.stride, self.padding,
                  self._output_padding(input, output_size), self.groups, self.dilation)


class ConvTranspose1d(ConvTranspose2d):
    """1-D transposed convolution over an (N, C, L) or (C, L) input (see ``ConvTranspose2d``;
    every size argument is an int).

    Shape:
        (N, in_channels, L) -> (N, out_channels, L_out),
        ``L_out = (L - 1)*stride - 2*padding + dilation*(kernel_size - 1) + output_padding + 1``.

    Attributes:
        weight: (in_channels, out_channels / groups, kernel_size); bias: (out_channels,).
    """

    _dims = 1


class ConvTranspose3d(ConvTranspose2d):
    """3-D transposed convolution over an (N, C, D, H, W) or (C, D, H, W) input (see
    ``ConvTranspose2d``; sizes are ints or triples; composed from 2-D transposed convolutions,
    see ``F.conv_transpose3d``).

    Shape:
        (N, in_channels, D, H, W) -> (N, out_channels, D_out, H_out, W_out).

    Attributes:
        weight: (in_channels, out_channels / groups, kD, kH, kW); bias: (out_channels,).
    """

    _dims = 3

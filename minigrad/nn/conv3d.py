"""Conv3d, MaxPool3d and AvgPool3d over (N, C, D, H, W) volumes (the functions, composed from
the 2-D ops, are in ``functional_conv3d``)."""
from .. import argcheck
from .conv import _ConvBase
from .functional_conv3d import (adaptive_avg_pool3d, adaptive_max_pool3d, avg_pool3d, conv3d,
                                lp_pool3d, max_pool3d)
from .pooling import AdaptiveMaxPool2d, LPPool2d
from .module import Module

__all__ = ['Conv3d', 'MaxPool3d', 'AvgPool3d', 'AdaptiveAvgPool3d', 'AdaptiveMaxPool3d', 'LPPool3d']


class Conv3d(_ConvBase):
    """3-D convolution over an (N, C, D, H, W) or (C, D, H, W) input (composed from 2-D
    convolutions; see ``conv3d``).

    Args:
        in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
        device, dtype: as ``Conv2d``, sizes as ints or triples; padding_mode: only 'zeros'.

    Shape:
        (N, in_channels, D, H, W) -> (N, out_channels, D_out, H_out, W_out).

    Attributes:
        weight: (out_channels, in_channels / groups, kD, kH, kW); bias: (out_channels,).
    """

    _dims = 3

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1,
                 groups=1, bias=True, padding_mode='zeros', device=None, dtype=None):
        if padding_mode != 'zeros':
            raise NotImplementedError("Conv3d: only padding_mode='zeros' is supported")
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, padding_mode, device, dtype)

    def _check_input(self, input):
        argcheck.tensor(self._get_name(), input)
        c = self.in_channels
        if input.ndim not in (4, 5) or input.shape[-4] != c:
            raise RuntimeError(f'{self._get_name()}(in_channels={c}): expected input of shape '
                               f'(N, {c}, D, H, W) or ({c}, D, H, W), got shape '
                               f'{tuple(input.shape)}')

    def forward(self, input):
        return self._conv_forward(input, conv3d)


class MaxPool3d(Module):
    """Maximum over ``kernel_size`` windows of an (N, C, D, H, W) input (see ``max_pool3d``).

    Args:
        kernel_size, stride (default kernel_size), padding, dilation: ints or triples.
        ceil_mode: round the output size up.
    """

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices=False,
                 ceil_mode=False):
        super().__init__()
        self.kernel_size, self.padding, self.dilation = kernel_size, padding, dilation
        self.stride = stride if stride is not None else kernel_size
        self.return_indices, self.ceil_mode = return_indices, ceil_mode

    def forward(self, input):
        return max_pool3d(input, self.kernel_size, self.stride, self.padding, self.dilation,
                          self.ceil_mode, self.return_indices)

    def extra_repr(self):
        return (f'kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, '
                f'dilation={self.dilation}, ceil_mode={self.ceil_mode}')


class AvgPool3d(Module):
    """Mean over ``kernel_size`` windows of an (N, C, D, H, W) input (see ``avg_pool3d``).

    Args:
        kernel_size, stride (default kernel_size), padding: ints or triples.
        ceil_mode, count_include_pad: as ``AvgPool2d``.
    """

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False,
                 count_include_pad=True, divisor_override=None):
        super().__init__()
        self.kernel_size, self.padding = kernel_size, padding
        self.stride = stride if stride is not None else kernel_size
        self.ceil_mode, self.count_include_pad = ceil_mode, count_include_pad
        self.divisor_override = divisor_override

    def forward(self, input):
        return avg_pool3d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                          self.count_include_pad, self.divisor_override)

    def extra_repr(self):
        return f'kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}'


class AdaptiveAvgPool3d(Module):
    """Average pooling of an (N, C, D, H, W) input to a fixed ``output_size`` (an int or a
    triple; None keeps that size)."""

    def __init__(self, output_size):
        super().__init__()
        self.output_size = output_size

    def forward(self, input):
        return adaptive_avg_pool3d(input, self.output_size)

    def extra_repr(self):
        return f'output_size={self.output_size}'


class AdaptiveMaxPool3d(AdaptiveMaxPool2d):
    """Max pooling of an (N, C, D, H, W) input to a fixed ``output_size`` (no
    ``return_indices``)."""

    def forward(self, input):
        return adaptive_max_pool3d(input, self.output_size, self.return_indices)


class LPPool3d(LPPool2d):
    """Power-average pooling of an (N, C, D, H, W) input (see ``LPPool2d``)."""

    def forward(self, input):
        return lp_pool3d(input, float(self.norm_type), self.kernel_size, self.stride,
                         self.ceil_mode)

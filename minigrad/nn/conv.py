"""Conv2d (the function is ``F.conv2d``; the plain op ``minigrad.ops.conv``)."""
from .. import argcheck
from . import functional as F
from .linear import _empty, default_reset
from .module import Module

__all__ = ['Conv2d']


class Conv2d(Module):
    """2-D convolution (cross-correlation, as PyTorch) over an (N, C, H, W) or (C, H, W) input.

    Args:
        in_channels, out_channels: channels of the input and of the output.
        kernel_size, stride, dilation: an int or an (h, w) pair.
        padding: an int, an (h, w) pair, ``'valid'`` (no padding) or ``'same'`` (output the size
            of the input; stride 1 only; an odd total goes on the bottom/right, as PyTorch).
        groups: split the channels into this many independent groups.
        bias: learn an additive bias per output channel.
        padding_mode: ``'zeros'``, ``'reflect'``, ``'replicate'`` or ``'circular'``.
        device, dtype: where and in what float type to create the parameters.

    Shape:
        input (N, in_channels, H, W) -> (N, out_channels, H_out, W_out) with
        ``H_out = (H + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1``.

    Attributes:
        weight: (out_channels, in_channels / groups, kh, kw), ``kaiming_uniform_(a=sqrt(5))``.
        bias: (out_channels,), U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1,
                 groups=1, bias=True, padding_mode='zeros', device=None, dtype=None):
        super().__init__()
        op = 'Conv2d'
        groups = argcheck.positive_int(groups, 'groups', op)
        if in_channels % groups != 0:
            raise ValueError(f'in_channels must be divisible by groups (got in_channels='
                             f'{in_channels}, groups={groups})')
        if out_channels % groups != 0:
            raise ValueError(f'out_channels must be divisible by groups (got out_channels='
                             f'{out_channels}, groups={groups})')
        self.kernel_size = argcheck.pair(kernel_size, 'kernel_size', op, minimum=1)
        self.stride = argcheck.pair(stride, 'stride', op, minimum=1)
        self.dilation = argcheck.pair(dilation, 'dilation', op, minimum=1)
        # checked (and 'same' resolved) once, as F.conv2d does: (top, bottom, left, right)
        pads = argcheck.conv_padding(padding, self.kernel_size, self.stride, self.dilation, op)
        self.padding = padding if isinstance(padding, str) else (pads[0], pads[2])
        if padding_mode not in ('zeros', 'reflect', 'replicate', 'circular'):
            raise ValueError("padding_mode must be one of {'zeros', 'reflect', 'replicate', "
                             f"'circular'}}, but got padding_mode='{padding_mode}'")
        self.in_channels, self.out_channels = in_channels, out_channels
        self.groups, self.padding_mode = groups, padding_mode
        self.output_padding = (0, 0)
        self.transposed = False
        # (top, bottom), (left, right): the explicit padding for the non-zero padding modes
        self._pads = (pads[:2], pads[2:])
        self.weight = _empty((out_channels, in_channels // groups) + self.kernel_size, device, dtype)
        if bias:
            self.bias = _empty((out_channels,), device, dtype)
        else:
            self.register_parameter('bias', None)
        self.reset_parameters()

    def reset_parameters(self):
        default_reset(self.weight, self.bias)

    def forward(self, input):
        if input.ndim not in (3, 4) or input.shape[-3] != self.in_channels:
            raise RuntimeError(f'{self._get_name()}(in_channels={self.in_channels}): expected '
                               f'input of shape (N, {self.in_channels}, H, W) or '
                               f'({self.in_channels}, H, W), got shape {input.shape}')
        if self.padding_mode == 'zeros':
            return F.conv2d(input, self.weight, self.bias, self.stride, self.padding,
                            self.dilation, self.groups)
        (pt, pb), (pl, pr) = self._pads
        x = F.pad(input, (pl, pr, pt, pb), mode=self.padding_mode)
        return F.conv2d(x, self.weight, self.bias, self.stride, 0, self.dilation, self.groups)

    def extra_repr(self):
        s = (f'{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, '
             f'stride={self.stride}')
        if self.padding != (0, 0):
            s += f', padding={self.padding}'
        if self.dilation != (1, 1):
            s += f', dilation={self.dilation}'
        if self.groups != 1:
            s += f', groups={self.groups}'
        if self.bias is None:
            s += ', bias=False'
        if self.padding_mode != 'zeros':
            s += f', padding_mode={self.padding_mode}'
        return s

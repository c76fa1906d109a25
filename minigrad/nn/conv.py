"""Conv2d (the function is ``F.conv2d``; the plain op ``minigrad.ops.conv``)."""
from .. import argcheck
from . import functional as F
from .conv_args import int_tuple, string_padding
from .linear import default_reset, size_arg, weight_and_bias
from .module import Module

__all__ = ['Conv2d']  # the 1-D and transposed convolutions: conv_transpose.py

_MODES = ('zeros', 'reflect', 'replicate', 'circular')


class _ConvBase(Module):
    """The constructor shared by the 1-D, 3-D and transposed convolutions: sizes as n-tuples, the
    groups checks, the parameters (``transposed`` swaps the first two weight dims) and
    PyTorch's default init."""

    _dims = 2
    transposed = False

    def __init__(self, in_channels, out_channels, kernel_size, stride, padding, dilation, groups,
                 bias, padding_mode, device, dtype, output_padding=0):
        super().__init__()
        op, n = type(self).__name__, self._dims
        groups = argcheck.positive_int(groups, 'groups', op)
        in_channels = size_arg(op, 'in_channels', in_channels)
        out_channels = size_arg(op, 'out_channels', out_channels)
        for name, c in (('in_channels', in_channels), ('out_channels', out_channels)):
            if c % groups != 0:
                raise ValueError(f'{op}: {name} must be divisible by groups (got {name}={c}, '
                                 f'groups={groups})')
        if padding_mode not in _MODES:
            raise ValueError(f'{op}: padding_mode must be one of {_MODES}, got {padding_mode!r}')
        if self.transposed and padding_mode != 'zeros':
            raise ValueError(f'Only "zeros" padding mode is supported for {op}')
        self.in_channels, self.out_channels = int(in_channels), int(out_channels)
        self.kernel_size = int_tuple(kernel_size, n, 'kernel_size', op, 1)
        self.stride = int_tuple(stride, n, 'stride', op, 1)
        self.dilation = int_tuple(dilation, n, 'dilation', op, 1)
        if isinstance(padding, str) and not self.transposed:
            self._pads = string_padding(padding, self.kernel_size, self.stride, self.dilation, op)
            self.padding = padding
        else:
            self.padding = int_tuple(padding, n, 'padding', op, 0)
            self._pads = sum(((p, p) for p in self.padding), ())
        self.output_padding = int_tuple(output_padding, n, 'output_padding', op, 0)
        self.groups, self.padding_mode = groups, padding_mode
        shape = ((in_channels, out_channels // groups) if self.transposed
                 else (out_channels, in_channels // groups))
        weight_and_bias(self, shape + self.kernel_size, bias, device, dtype, out_channels)
        self.reset_parameters()

    def reset_parameters(self):
        default_reset(self.weight, self.bias)

    def _check_input(self, input):
        argcheck.tensor(self._get_name(), input)
        n, c = self._dims, self.in_channels
        dims = {1: 'L', 2: 'H, W', 3: 'D, H, W'}[n]
        if input.ndim not in (n + 1, n + 2) or input.shape[-n - 1] != c:
            raise RuntimeError(f'{self._get_name()}(in_channels={c}): expected input of shape '
                               f'(N, {c}, {dims}) or ({c}, {dims}), got shape '
                               f'{tuple(input.shape)}')

    def _conv_forward(self, input, conv):
        """``conv`` (F.conv1d / F.conv2d) of the checked input, padded by ``padding_mode``."""
        self._check_input(input)
        if self.padding_mode == 'zeros':
            return conv(input, self.weight, self.bias, self.stride, self.padding, self.dilation,
                        self.groups)
        p = self._pads                              # (before, after) per dim, first dim first
        x = F.pad(input, sum((p[i:i + 2] for i in range(len(p) - 2, -1, -2)), ()),
                  mode=self.padding_mode)
        return conv(x, self.weight, self.bias, self.stride, 0, self.dilation, self.groups)

    def extra_repr(self):
        return conv_extra_repr(self)


class Conv2d(_ConvBase):
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
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, padding_mode, device, dtype)

    def forward(self, input):
        return self._conv_forward(input, F.conv2d)


def conv_extra_repr(m):
    """PyTorch's ``_ConvNd.extra_repr``: the sizes, then only the arguments off their default."""
    n = len(m.kernel_size)
    s = f'{m.in_channels}, {m.out_channels}, kernel_size={m.kernel_size}, stride={m.stride}'
    if m.padding != (0,) * n:
        s += f', padding={m.padding}'
    if m.dilation != (1,) * n:
        s += f', dilation={m.dilation}'
    if m.output_padding != (0,) * n:
        s += f', output_padding={m.output_padding}'
    if m.groups != 1:
        s += f', groups={m.groups}'
    if m.bias is None:
        s += ', bias=False'
    if m.padding_mode != 'zeros':
        s += f', padding_mode={m.padding_mode}'
    return s

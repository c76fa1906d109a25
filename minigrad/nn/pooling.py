"""Pooling and unpooling layers (the ops are in ``minigrad.ops.pool`` and ``pool_unpool``)."""
from . import functional as F
from . import functional_pool as P
from .module import Module

__all__ = ['MaxPool2d', 'AvgPool2d', 'AdaptiveAvgPool2d', 'MaxPool1d', 'AvgPool1d',
           'AdaptiveAvgPool1d', 'AdaptiveMaxPool1d', 'AdaptiveMaxPool2d', 'MaxUnpool1d',
           'MaxUnpool2d', 'LPPool1d', 'LPPool2d']


class MaxPool2d(Module):
    """Maximum over ``kernel_size`` windows of an (N, C, H, W) or (C, H, W) input.

    Args:
        kernel_size: an int or an (h, w) pair.
        stride: defaults to ``kernel_size``.
        padding: implicit -inf padding on both sides.
        dilation: spacing between window elements.
        return_indices: also return the flat (H * W) index of each maximum.
        ceil_mode: use ceil instead of floor for the output size.
    """

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices=False,
                 ceil_mode=False):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.dilation = dilation
        self.return_indices = return_indices
        self.ceil_mode = ceil_mode

    def forward(self, input):
        return F.max_pool2d(input, self.kernel_size, self.stride, self.padding, self.dilation,
                            ceil_mode=self.ceil_mode, return_indices=self.return_indices)

    def extra_repr(self):
        return (f'kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, '
                f'dilation={self.dilation}, ceil_mode={self.ceil_mode}')


class AvgPool2d(Module):
    """Mean over ``kernel_size`` windows of an (N, C, H, W) or (C, H, W) input.

    Args:
        kernel_size: an int or an (h, w) pair.
        stride: defaults to ``kernel_size``.
        padding: implicit zero padding on both sides.
        ceil_mode: use ceil instead of floor for the output size.
        count_include_pad: count the padding zeros in the divisor.
        divisor_override: divide by this instead of the window size.
    """

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
                 divisor_override=None):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad
        self.divisor_override = divisor_override

    def forward(self, input):
        return F.avg_pool2d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad, self.divisor_override)

    def extra_repr(self):
        return f'kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}'


class AdaptiveAvgPool2d(Module):
    """Average pooling to a fixed ``output_size`` (an int, or an (h, w) pair whose entries may be
    None to keep that input size)."""

    def __init__(self, output_size):
        super().__init__()
        self.output_size = output_size

    def forward(self, input):
        return F.adaptive_avg_pool2d(input, self.output_size)

    def extra_repr(self):
        return f'output_size={self.output_size}'


class MaxPool1d(MaxPool2d):
    """Maximum over ``kernel_size`` windows of an (N, C, L) or (C, L) input (see ``MaxPool2d``;
    every size is an int).

    Shape:
        (N, C, L) -> (N, C, L_out), ``L_out = floor((L + 2*padding - dilation*(k - 1) - 1) /
        stride) + 1`` (ceil with ``ceil_mode``).
    """

    def forward(self, input):
        return P.max_pool1d(input, self.kernel_size, self.stride, self.padding, self.dilation,
                            ceil_mode=self.ceil_mode, return_indices=self.return_indices)


class AvgPool1d(Module):
    """Mean over ``kernel_size`` windows of an (N, C, L) or (C, L) input.

    Args:
        kernel_size: an int; stride: defaults to ``kernel_size``; padding: implicit zeros.
        ceil_mode: use ceil instead of floor for the output size.
        count_include_pad: count the padding zeros in the divisor.

    Shape:
        (N, C, L) -> (N, C, L_out), ``L_out = floor((L + 2*padding - k) / stride) + 1``.
    """

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False,
                 count_include_pad=True):
        super().__init__()
        one = lambda v: tuple(v) if isinstance(v, (tuple, list)) else (v,)   # noqa: E731
        self.kernel_size = one(kernel_size)
        self.stride = one(stride if stride is not None else kernel_size)
        self.padding = one(padding)
        self.ceil_mode, self.count_include_pad = ceil_mode, count_include_pad

    def forward(self, input):
        return P.avg_pool1d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad)

    def extra_repr(self):
        return f'kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}'


class AdaptiveAvgPool1d(AdaptiveAvgPool2d):
    """Average pooling of an (N, C, L) input to ``output_size`` positions."""

    def forward(self, input):
        return P.adaptive_avg_pool1d(input, self.output_size)


class AdaptiveMaxPool2d(AdaptiveAvgPool2d):
    """Max pooling of an (N, C, H, W) input to a fixed ``output_size`` (an int or a pair).

    Args:
        output_size: the (H_out, W_out) size; an entry may be None to keep that input size.
        return_indices: also return the flat (H * W) index of each maximum.
    """

    def __init__(self, output_size, return_indices=False):
        super().__init__(output_size)
        self.return_indices = return_indices

    def forward(self, input):
        return F.adaptive_max_pool2d(input, self.output_size, self.return_indices)


class AdaptiveMaxPool1d(AdaptiveMaxPool2d):
    """Max pooling of an (N, C, L) input to ``output_size`` positions (see AdaptiveMaxPool2d)."""

    def forward(self, input):
        return P.adaptive_max_pool1d(input, self.output_size, self.return_indices)


class MaxUnpool2d(Module):
    """The partial inverse of ``MaxPool2d``: ``forward(input, indices, output_size=None)`` puts
    each value back where the pool's ``return_indices`` says it came from, zeros elsewhere.

    Args:
        kernel_size, stride (default kernel_size), padding: those of the pooling.

    Shape:
        (N, C, H, W) -> (N, C, H_out, W_out), ``H_out = (H - 1)*stride - 2*padding + kernel``
        (or ``output_size``).
    """

    _dims = 2

    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__()
        n = self._dims
        many = lambda v: tuple(v) if isinstance(v, (tuple, list)) else (v,) * n   # noqa: E731
        self.kernel_size = many(kernel_size)
        self.stride = many(stride if stride is not None else kernel_size)
        self.padding = many(padding)

    def forward(self, input, indices, output_size=None):
        fn = P.max_unpool2d if self._dims == 2 else P.max_unpool1d
        return fn(input, indices, self.kernel_size, self.stride, self.padding, output_size)

    def extra_repr(self):
        return f'kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}'


class MaxUnpool1d(MaxUnpool2d):
    """The partial inverse of ``MaxPool1d`` (see ``MaxUnpool2d``); (N, C, L) inputs."""

    _dims = 1


class LPPool2d(Module):
    """Power-average pooling ``(sum over the window of x^p)^(1/p)``, ``p = norm_type``.

    Args:
        norm_type: p; kernel_size: an int or a pair; stride: defaults to kernel_size;
        ceil_mode: round the output size up.

    Shape:
        (N, C, H, W) -> (N, C, H_out, W_out).
    """

    def __init__(self, norm_type, kernel_size, stride=None, ceil_mode=False):
        super().__init__()
        self.norm_type, self.kernel_size = norm_type, kernel_size
        self.stride, self.ceil_mode = stride, ceil_mode

    def forward(self, input):
        fn = P.lp_pool2d if type(self) is LPPool2d else P.lp_pool1d
        return fn(input, float(self.norm_type), self.kernel_size, self.stride, self.ceil_mode)

    def extra_repr(self):
        return (f'norm_type={self.norm_type}, kernel_size={self.kernel_size}, '
                f'stride={self.stride}, ceil_mode={self.ceil_mode}')


class LPPool1d(LPPool2d):
    """Power-average pooling over an (N, C, L) input (see ``LPPool2d``)."""

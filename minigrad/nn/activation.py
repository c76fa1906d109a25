"""Activation layers: ReLU, LeakyReLU, Tanh, Sigmoid, Softmax, LogSoftmax, GELU, SiLU, LogSigmoid,
ELU, Softplus, Mish, Softsign, Hardtanh, ReLU6, Hardsigmoid, Hardswish, PReLU, SELU, CELU,
Threshold, GLU, Softshrink, Hardshrink, Tanhshrink, Softmin, Softmax2d, RReLU."""
from .. import factory
from ..dtypes import get_default_dtype
from . import functional as F
from . import functional_activation as FA
from .functional_activation import gelu, logsigmoid, silu
from .functional_inplace import rrelu
from .module import Module
from .parameter import Parameter

__all__ = ['ReLU', 'LeakyReLU', 'Tanh', 'Sigmoid', 'Softmax', 'LogSoftmax', 'GELU', 'SiLU',
           'LogSigmoid', 'ELU', 'Softplus', 'Mish', 'Softsign', 'Hardtanh', 'ReLU6', 'Hardsigmoid',
           'Hardswish', 'PReLU', 'SELU', 'CELU', 'Threshold', 'GLU', 'Softshrink', 'Hardshrink',
           'Tanhshrink', 'Softmin', 'Softmax2d', 'RReLU']


class ReLU(Module):
    """``max(x, 0)``; with ``inplace=True`` the result is written into the input (as PyTorch)."""

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input):
        return F.relu(input, self.inplace)

    def extra_repr(self):
        return 'inplace=True' if self.inplace else ''


class LeakyReLU(Module):
    """``x if x > 0 else negative_slope * x``."""

    def __init__(self, negative_slope=0.01, inplace=False):
        super().__init__()
        self.negative_slope = negative_slope
        self.inplace = inplace

    def forward(self, input):
        return F.leaky_relu(input, self.negative_slope, self.inplace)

    def extra_repr(self):
        return f'negative_slope={self.negative_slope}' + (', inplace=True' if self.inplace else '')


class Tanh(Module):
    def forward(self, input):
        return F.tanh(input)


class Sigmoid(Module):
    def forward(self, input):
        return F.sigmoid(input)


class Softmax(Module):
    """Softmax along ``dim`` (PyTorch's legacy implicit choice, with a warning, when None)."""

    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return F.softmax(input, self.dim)

    def extra_repr(self):
        return f'dim={self.dim}'


class LogSoftmax(Module):
    """``log(softmax(x))`` along ``dim``, computed stably."""

    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return F.log_softmax(input, self.dim)

    def extra_repr(self):
        return f'dim={self.dim}'


class GELU(Module):
    """``x * Phi(x)`` (Phi the standard normal CDF), or its tanh approximation.

    Args:
        approximate: ``'none'`` (exact, through erf) or ``'tanh'``.

    Shape:
        any -> the same.
    """

    def __init__(self, approximate='none'):
        super().__init__()
        if approximate not in ('none', 'tanh'):
            raise ValueError(f"GELU: approximate must be 'none' or 'tanh', got {approximate!r}")
        self.approximate = approximate

    def forward(self, input):
        return gelu(input, approximate=self.approximate)

    def extra_repr(self):
        return f"approximate='{self.approximate}'"


class SiLU(Module):
    """``x * sigmoid(x)`` (swish); ``inplace=True`` writes the result into the input."""

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input):
        return silu(input, self.inplace)

    def extra_repr(self):
        return 'inplace=True' if self.inplace else ''


class LogSigmoid(Module):
    """``log(sigmoid(x))``, computed stably."""

    def forward(self, input):
        return logsigmoid(input)


class _Pointwise(Module):
    """An activation with no options but ``inplace`` (write the result into the input)."""
    _fn = None

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input):
        return type(self)._fn(input, self.inplace)

    def extra_repr(self):
        return 'inplace=True' if self.inplace else ''


class Mish(_Pointwise):
    """``x * tanh(softplus(x))``."""
    _fn = staticmethod(FA.mish)


class Hardsigmoid(_Pointwise):
    """``relu6(x + 3) / 6``."""
    _fn = staticmethod(FA.hardsigmoid)


class Hardswish(_Pointwise):
    """``x * relu6(x + 3) / 6``."""
    _fn = staticmethod(FA.hardswish)


class Softsign(Module):
    """``x / (1 + |x|)``."""

    def forward(self, input):
        return FA.softsign(input)


class ELU(Module):
    """``x`` for x > 0, else ``alpha (exp(x) - 1)``."""

    def __init__(self, alpha=1.0, inplace=False):
        super().__init__()
        self.alpha = alpha
        self.inplace = inplace

    def forward(self, input):
        return FA.elu(input, self.alpha, self.inplace)

    def extra_repr(self):
        return f'alpha={self.alpha}' + (', inplace=True' if self.inplace else '')


class Softplus(Module):
    """``log(1 + exp(beta x)) / beta`` (``x`` where ``beta x > threshold``)."""

    def __init__(self, beta=1.0, threshold=20.0):
        super().__init__()
        self.beta = beta
        self.threshold = threshold

    def forward(self, input):
        return FA.softplus(input, self.beta, self.threshold)

    def extra_repr(self):
        return f'beta={self.beta}, threshold={self.threshold}'


class Hardtanh(Module):
    """``x`` clipped to ``[min_val, max_val]``."""

    def __init__(self, min_val=-1.0, max_val=1.0, inplace=False, min_value=None, max_value=None):
        super().__init__()
        self.min_val = min_val if min_value is None else min_value
        self.max_val = max_val if max_value is None else max_value
        self.inplace = inplace
        if self.max_val <= self.min_val:
            raise ValueError(f'Hardtanh: max_val ({self.max_val}) must be greater than min_val '
                             f'({self.min_val})')

    def forward(self, input):
        return FA.hardtanh(input, self.min_val, self.max_val, self.inplace)

    def extra_repr(self):
        return (f'min_val={self.min_val}, max_val={self.max_val}'
                + (', inplace=True' if self.inplace else ''))


class ReLU6(Hardtanh):
    """``min(max(x, 0), 6)``."""

    def __init__(self, inplace=False):
        super().__init__(0.0, 6.0, inplace)

    def extra_repr(self):
        return 'inplace=True' if self.inplace else ''


class PReLU(Module):
    """``x`` for x > 0, else ``weight * x``, with a learned slope (one, or one per channel).

    Args:
        num_parameters: 1, or the number of channels (dim 1 of the input).
        init: the initial slope (default 0.25).
        device, dtype: where and in what float type to create the weight.
    """

    def __init__(self, num_parameters=1, init=0.25, device=None, dtype=None):
        super().__init__()
        self.num_parameters = num_parameters
        self.init = init
        self.weight = Parameter(factory.full((num_parameters,), float(init),
                                             dtype=dtype or get_default_dtype(), device=device))

    def forward(self, input):
        return FA.prelu(input, self.weight)

    def extra_repr(self):
        return f'num_parameters={self.num_parameters}'


class SELU(_Pointwise):
    """``scale * elu(x, alpha)`` with SELU's constants."""
    _fn = staticmethod(FA.selu)


class Tanhshrink(Module):
    """``x - tanh(x)``."""

    def forward(self, input):
        return FA.tanhshrink(input)


class CELU(Module):
    """``x`` for x > 0, else ``alpha (exp(x / alpha) - 1)``."""

    def __init__(self, alpha=1.0, inplace=False):
        super().__init__()
        self.alpha = alpha
        self.inplace = inplace

    def forward(self, input):
        return FA.celu(input, self.alpha, self.inplace)

    def extra_repr(self):
        return f'alpha={self.alpha}' + (', inplace=True' if self.inplace else '')


class Threshold(Module):
    """``x`` where ``x > threshold``, else ``value``."""

    def __init__(self, threshold, value, inplace=False):
        super().__init__()
        self.threshold = threshold
        self.value = value
        self.inplace = inplace

    def forward(self, input):
        return FA.threshold(input, self.threshold, self.value, self.inplace)

    def extra_repr(self):
        return (f'threshold={self.threshold}, value={self.value}'
                + (', inplace=True' if self.inplace else ''))


class GLU(Module):
    """``a * sigmoid(b)`` for the two halves ``a``, ``b`` of the input along ``dim``."""

    def __init__(self, dim=-1):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return FA.glu(input, self.dim)

    def extra_repr(self):
        return f'dim={self.dim}'


class _Shrink(Module):
    _fn = None

    def __init__(self, lambd=0.5):
        super().__init__()
        self.lambd = lambd

    def forward(self, input):
        return type(self)._fn(input, self.lambd)

    def extra_repr(self):
        return f'{self.lambd}'


class Softshrink(_Shrink):
    """``x - lambd`` above ``lambd``, ``x + lambd`` below ``-lambd``, else 0."""
    _fn = staticmethod(FA.softshrink)


class Hardshrink(_Shrink):
    """``x`` where ``|x| > lambd``, else 0."""
    _fn = staticmethod(FA.hardshrink)


class Softmin(Softmax):
    """``softmax(-x)`` along ``dim``."""

    def forward(self, input):
        return FA.softmin(input, self.dim)


class Softmax2d(Module):
    """Softmax over the channels of each position: dim -3 of a (C, H, W) or (N, C, H, W) input."""

    def forward(self, input):
        if input.ndim not in (3, 4):
            raise ValueError(f'Softmax2d: expected input with 3 or 4 dimensions, got shape '
                             f'{tuple(input.shape)}')
        return F.softmax(input, -3)


class RReLU(Module):
    """Randomized leaky ReLU: ``x`` for x >= 0, else ``a x``, ``a ~ U(lower, upper)`` per
    element in training and ``(lower + upper) / 2`` in eval mode.

    Args:
        lower, upper: the range of the negative slope (default 1/8, 1/3).
        inplace: write the result into the input.

    Shape:
        any -> the same.
    """

    def __init__(self, lower=1.0 / 8, upper=1.0 / 3, inplace=False):
        super().__init__()
        self.lower, self.upper, self.inplace = lower, upper, inplace

    def forward(self, input):
        return rrelu(input, self.lower, self.upper, self.training, self.inplace)

    def extra_repr(self):
        return f'lower={self.lower}, upper={self.upper}' + (', inplace=True' if self.inplace else '')

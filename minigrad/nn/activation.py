"""Activation layers: ReLU, LeakyReLU, Tanh, Sigmoid, Softmax, LogSoftmax, GELU, SiLU, LogSigmoid."""
from . import functional as F
from .functional_activation import gelu, logsigmoid, silu
from .module import Module

__all__ = ['ReLU', 'LeakyReLU', 'Tanh', 'Sigmoid', 'Softmax', 'LogSoftmax', 'GELU', 'SiLU',
           'LogSigmoid']


class ReLU(Module):
    """``max(x, 0)``. ``inplace`` is accepted for compatibility; the output is a new tensor."""

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input):
        return F.relu(input)

    def extra_repr(self):
        return 'inplace=True' if self.inplace else ''


class LeakyReLU(Module):
    """``x if x > 0 else negative_slope * x``."""

    def __init__(self, negative_slope=0.01, inplace=False):
        super().__init__()
        self.negative_slope = negative_slope
        self.inplace = inplace

    def forward(self, input):
        return F.leaky_relu(input, self.negative_slope)

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
    """``x * sigmoid(x)`` (swish). ``inplace`` is accepted; the output is a new tensor."""

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input):
        return silu(input)

    def extra_repr(self):
        return 'inplace=True' if self.inplace else ''


class LogSigmoid(Module):
    """``log(sigmoid(x))``, computed stably."""

    def forward(self, input):
        return logsigmoid(input)

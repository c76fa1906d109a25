"""The in-place activation functions of ``torch.nn.functional`` (``relu_``, ``elu_``, ...) and
``rrelu`` (randomized leaky ReLU); re-exported by ``minigrad.nn.functional``."""
from .. import argcheck, factory
from ..ops import activation as Act
from .functional_activation import celu, elu, hardtanh, in_place, selu
from .functional_activation import threshold as _threshold

__all__ = ['relu_', 'elu_', 'leaky_relu_', 'hardtanh_', 'threshold_', 'selu_', 'celu_', 'rrelu',
           'rrelu_']


def _relu(x):
    return Act.ReLU.apply(x)


def _leaky(x, negative_slope):
    return Act.LeakyReLU.apply(x, negative_slope=float(negative_slope))


def relu_(input):
    """``relu(input, inplace=True)``: writes ``max(x, 0)`` into ``input`` and returns it."""
    return in_place(input, _relu)


def elu_(input, alpha=1.0):
    """``elu(input, alpha, inplace=True)``."""
    return elu(input, alpha, inplace=True)


def leaky_relu_(input, negative_slope=0.01):
    """``leaky_relu(input, negative_slope, inplace=True)``."""
    return in_place(input, _leaky, negative_slope)


def hardtanh_(input, min_val=-1.0, max_val=1.0):
    """``hardtanh(input, min_val, max_val, inplace=True)``."""
    return hardtanh(input, min_val, max_val, inplace=True)


def threshold_(input, threshold, value):
    """``threshold(input, threshold, value, inplace=True)``."""
    return _threshold(input, threshold, value, inplace=True)


def selu_(input):
    """``selu(input, inplace=True)``."""
    return selu(input, inplace=True)


def celu_(input, alpha=1.0):
    """``celu(input, alpha, inplace=True)``."""
    return celu(input, alpha, inplace=True)


def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, inplace=False):
    """Randomized leaky ReLU, as ``torch.nn.functional.rrelu``: ``x`` for x >= 0, else ``a x``
    with ``a`` drawn from U(lower, upper) per element in training (from ``mg.manual_seed``'s
    generator) and ``(lower + upper) / 2`` otherwise.

    Shape:
        any -> the same.
    """
    op = 'rrelu'
    argcheck.float_tensor(op, input)
    if not 0 <= lower <= upper:
        raise ValueError(f'{op}: expected 0 <= lower <= upper, got lower={lower}, upper={upper}')
    if inplace:
        return in_place(input, rrelu, lower, upper, training)
    if not training:
        return _leaky(input, (lower + upper) / 2)
    u = factory.rand(input.shape, dtype=input.dtype, device=input.device)
    slope = u * (upper - lower) + lower
    negative = factory.tensor(input.array < 0, device=input.device)
    return input * (negative * (slope - 1) + 1)


def rrelu_(input, lower=1.0 / 8, upper=1.0 / 3, training=False):
    """``rrelu(input, lower, upper, training, inplace=True)``."""
    return rrelu(input, lower, upper, training, inplace=True)

"""Linear and Identity layers."""
import math

from .. import argcheck, factory
from ..dtypes import get_default_dtype
from . import functional as F
from .functional_extra import bilinear
from . import init
from .module import Module, Parameter

__all__ = ['Identity', 'Linear', 'Bilinear']


def _empty(shape, device, dtype):
    """An uninitialised float parameter (``reset_parameters`` fills it)."""
    return Parameter(factory.empty(*shape, dtype=dtype or get_default_dtype(), device=device))


def size_arg(op, name, value):
    """A layer size (``in_features``, ``out_channels``, ...) as an int: ``TypeError`` for a
    non-integer (3.5 is not silently 3), ``RuntimeError`` for a negative size, as PyTorch."""
    if not argcheck.is_int(value):
        raise TypeError(f'{op}: {name} must be an int, got {value!r} '
                        f'({type(value).__name__})')
    if value < 0:
        raise RuntimeError(f'{op}: Trying to create tensor with negative dimension {value} '
                           f'({name}={value})')
    return int(value)


def weight_and_bias(module, weight_shape, bias, device, dtype, bias_size=None):
    """Give ``module`` an uninitialised ``weight`` of ``weight_shape`` and, when ``bias``, a
    ``bias`` of ``bias_size`` (default ``weight_shape[0]``) entries (else ``bias`` is None)."""
    module.weight = _empty(weight_shape, device, dtype)
    if bias:
        module.bias = _empty((bias_size or weight_shape[0],), device, dtype)
    else:
        module.register_parameter('bias', None)


def default_reset(weight, bias):
    """PyTorch's default for Linear and Conv: ``kaiming_uniform_(a=sqrt(5))`` for the weight, so
    U(-1/sqrt(fan_in), 1/sqrt(fan_in)), and the same bound for the bias."""
    init.kaiming_uniform_(weight, a=math.sqrt(5))
    if bias is not None:
        fan_in, _ = init._calculate_fan_in_and_fan_out(weight)
        bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
        init.uniform_(bias, -bound, bound)


class Identity(Module):
    """Returns its input; any constructor arguments are ignored (as PyTorch)."""

    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, input):
        return input


class Linear(Module):
    """``y = x @ weight.T + bias``.

    Args:
        in_features: size of the last dim of the input.
        out_features: size of the last dim of the output.
        bias: learn an additive bias.
        device, dtype: where and in what float type to create the parameters.

    Shape:
        input (*, in_features) -> output (*, out_features).

    Attributes:
        weight: (out_features, in_features), initialised U(-1/sqrt(in), 1/sqrt(in)) as in PyTorch
            (``kaiming_uniform_(a=sqrt(5))``).
        bias: (out_features,), U(-1/sqrt(in), 1/sqrt(in)).
    """

    def __init__(self, in_features, out_features, bias=True, device=None, dtype=None):
        super().__init__()
        self.in_features = size_arg('Linear', 'in_features', in_features)
        self.out_features = size_arg('Linear', 'out_features', out_features)
        weight_and_bias(self, (self.out_features, self.in_features), bias, device, dtype)
        self.reset_parameters()

    def reset_parameters(self):
        default_reset(self.weight, self.bias)

    def forward(self, input):
        argcheck.tensor(self._get_name(), input)
        if input.ndim == 0 or input.shape[-1] != self.in_features:
            raise RuntimeError(f'Linear(in_features={self.in_features}): expected input with last '
                               f'dimension {self.in_features}, got shape {input.shape}')
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self):
        return (f'in_features={self.in_features}, out_features={self.out_features}, '
                f'bias={self.bias is not None}')


class Bilinear(Module):
    """``y_o = x1^T A_o x2 + b_o`` for each output feature o.

    Args:
        in1_features, in2_features: sizes of the last dims of the two inputs.
        out_features: size of the output's last dim.
        bias: learn an additive bias.
        device, dtype: where and in what float type to create the parameters.

    Shape:
        (*, in1_features), (*, in2_features) -> (*, out_features).

    Attributes:
        weight: (out_features, in1_features, in2_features); bias: (out_features,); both
            U(-1/sqrt(in1_features), 1/sqrt(in1_features)), as PyTorch.
    """

    def __init__(self, in1_features, in2_features, out_features, bias=True, device=None,
                 dtype=None):
        super().__init__()
        self.in1_features = size_arg('Bilinear', 'in1_features', in1_features)
        self.in2_features = size_arg('Bilinear', 'in2_features', in2_features)
        self.out_features = size_arg('Bilinear', 'out_features', out_features)
        weight_and_bias(self, (self.out_features, self.in1_features, self.in2_features), bias,
                        device, dtype)
        self.reset_parameters()

    def reset_parameters(self):
        bound = 1 / math.sqrt(self.weight.shape[1])
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input1, input2):
        return bilinear(input1, input2, self.weight, self.bias)

    def extra_repr(self):
        return (f'in1_features={self.in1_features}, in2_features={self.in2_features}, '
                f'out_features={self.out_features}, bias={self.bias is not None}')

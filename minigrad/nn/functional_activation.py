"""More activations, as ``torch.nn.functional``: ``gelu``, ``silu``, ``logsigmoid``, ``elu``,
``softplus``, ``mish``, ``softsign``, ``hardtanh``, ``relu6``, ``hardsigmoid``, ``hardswish``,
``prelu``, ``selu``, ``celu``, ``threshold``, ``glu``, ``softshrink``, ``hardshrink``,
``tanhshrink``, ``softmin``.

``silu`` and the others after ``logsigmoid`` are composed from existing ops (``x * sigmoid(x)``,
``where``, ``clip``...), whose gradients are exact; where PyTorch's gradient at a kink differs
from what a composition gives, the composition is chosen to match it (noted at each). ``gelu`` and ``logsigmoid`` are ops of their own: GELU needs the error function, which
NumPy lacks (``erf``/``erfc`` below compute it to float64 precision with array operations only,
so the same code runs on CuPy), and log-sigmoid must stay finite and exact at both tails, which a
composition ``log(sigmoid(x))`` is not (it gives -inf below x = -745 in float64).
"""
import math
import warnings

import numpy as np

from .. import argcheck
from ..autograd import Function
from ..backend import get_array_module
from ..functions import where

__all__ = ['gelu', 'silu', 'logsigmoid', 'elu', 'softplus', 'mish', 'softsign', 'hardtanh',
           'relu6', 'hardsigmoid', 'hardswish', 'prelu', 'selu', 'celu', 'threshold', 'glu',
           'softshrink', 'hardshrink', 'tanhshrink', 'softmin', 'erf', 'erfc']



def in_place(input, fn, *args):
    """``fn(input, *args)`` written into ``input`` (torch's ``inplace=True``), through the recorded
    in-place machinery: gradients are PyTorch's, a leaf that requires grad raises, and an op that
    saved ``input`` for backward notices the change. Returns ``input``.

    ``fn`` runs on a clone of the old values: the ops it is composed of may save their input for
    backward, and those values are about to be overwritten."""
    if not hasattr(input, '_inplace'):
        raise TypeError(f"{fn.__name__.lstrip('_')}(): argument 'input' must be Tensor, not "
                        f'{type(input).__name__}')
    return input._inplace(lambda old: fn(old.clone(), *args))


_SQRT_2 = math.sqrt(2.0)
_SQRT_PI = math.sqrt(math.pi)
_TANH_K = math.sqrt(2.0 / math.pi)
_TANH_C = 0.044715


def _erf_parts(x):
    """``(part, small)`` for a float64 array: ``part`` is erf(|x|) where ``small`` (|x| < 2),
    by a series, and erfc(|x|) elsewhere, by a continued fraction (each computed only where used).

    The series ``erf(a) = 2/sqrt(pi) exp(-a^2) sum_n 2^n a^(2n+1) / (1*3*...*(2n+1))`` has only
    positive terms (no cancellation); the continued fraction ``erfc(a) = exp(-a^2)/sqrt(pi) /
    (a + (1/2)/(a + 1/(a + (3/2)/(a + ...))))`` is evaluated bottom-up. 60 terms of each reach
    double precision on their side of 2 (checked against ``math.erf``/``math.erfc`` in the tests).
    """
    xp = get_array_module(x)
    a = xp.abs(x)
    small = a < 2.0
    part = xp.empty_like(a)
    s = a[small]
    s2 = s * s
    term, total = s.copy(), s.copy()
    for n in range(1, 61):
        term *= s2 * (2.0 / (2 * n + 1))
        total += term
    part[small] = total * xp.exp(-s2) * (2.0 / _SQRT_PI)
    big = ~small
    b = a[big]
    frac = b.copy()
    for k in range(60, 0, -1):
        frac = b + (k / 2.0) / frac
    part[big] = xp.exp(-b * b) / frac / _SQRT_PI
    return part, small


def _f64(x):
    return x if x.dtype == np.float64 else x.astype(np.float64)


def erf(x):
    """The error function of a floating array (NumPy or CuPy), elementwise, to ~1e-15 (computed
    in float64, returned in x's dtype)."""
    xp = get_array_module(x)
    part, small = _erf_parts(_f64(x))
    return xp.copysign(xp.where(small, part, 1.0 - part), x).astype(x.dtype, copy=False)


def erfc(x):
    """``1 - erf(x)``, accurate also where it is tiny (x >= 2: no cancellation)."""
    xp = get_array_module(x)
    x64 = _f64(x)
    part, small = _erf_parts(x64)
    pos = x64 >= 0
    out = xp.where(small, 1.0 - xp.where(pos, part, -part), xp.where(pos, part, 2.0 - part))
    return out.astype(x.dtype, copy=False)


def _normal_cdf(x):
    """Phi(x) = erfc(-x / sqrt(2)) / 2, accurate in the lower tail."""
    return 0.5 * erfc(-x / _SQRT_2)


class GELU(Function):
    def forward(self, x, approximate):
        self.approximate = approximate
        if approximate == 'tanh':
            self.save_for_backward(x)
            xp = get_array_module(x)
            return (0.5 * x) * (1.0 + xp.tanh(_TANH_K * (x + _TANH_C * x * x * x)))
        cdf = _normal_cdf(x)
        self.save_for_backward(x, cdf)            # backward reuses Phi(x): erf is not cheap
        return x * cdf

    # exact:  d x Phi(x) = (Phi(x) + x phi(x)) dx, with phi the standard normal density
    # tanh:   d 0.5 x (1 + t) = (0.5 (1 + t) + 0.5 x (1 - t^2) k (1 + 3 c x^2)) dx
    def backward(self, g):
        x = self.saved[0]
        xp = get_array_module(x)
        if self.approximate == 'tanh':
            t = xp.tanh(_TANH_K * (x + _TANH_C * x * x * x))
            d = 0.5 * (1.0 + t) + (0.5 * x) * (1.0 - t * t) * (_TANH_K * (1.0 + 3 * _TANH_C * x * x))
        else:
            d = self.saved[1] + x * xp.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)
        return g * d.astype(g.dtype, copy=False)


class LogSigmoid(Function):
    def forward(self, x):
        xp = get_array_module(x)
        e = xp.exp(-xp.abs(x))                       # never overflows
        self.save_for_backward(x, e)
        return xp.minimum(x, 0) - xp.log1p(e)

    # d log sigmoid(x) = sigmoid(-x) dx = (1 - sigmoid(x)) dx, from e = exp(-|x|) on both sides
    def backward(self, g):
        x, e = self.saved
        xp = get_array_module(x)
        s = xp.where(x >= 0, e / (1 + e), 1 / (1 + e)).astype(g.dtype, copy=False)
        return g * s


def gelu(input, approximate='none'):
    """``x * Phi(x)``, Phi the standard normal CDF; ``approximate='tanh'`` uses
    ``0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))``.

    Shape:
        any -> the same.
    """
    argcheck.float_tensor('gelu', input)
    if approximate not in ('none', 'tanh'):
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return GELU.apply(input, approximate=approximate)


def silu(input, inplace=False):
    """``x * sigmoid(x)`` (also called swish); ``inplace=True`` writes the result into ``input``."""
    if inplace:
        return in_place(input, silu)
    argcheck.float_tensor('silu', input)
    return input * input.sigmoid()


def logsigmoid(input):
    """``log(sigmoid(x)) = -softplus(-x)``, computed stably at both tails."""
    argcheck.float_tensor('logsigmoid', input)
    return LogSigmoid.apply(input)


def elu(input, alpha=1.0, inplace=False):
    """``x`` for x > 0, else ``alpha (exp(x) - 1)`` (gradient ``alpha exp(x)`` at x <= 0)."""
    if inplace:
        return in_place(input, elu, alpha)
    argcheck.float_tensor('elu', input)
    return where(input > 0, input, (input.clip(max=0.0).exp() - 1.0) * float(alpha))


def softplus(input, beta=1.0, threshold=20.0):
    """``log(1 + exp(beta x)) / beta``, and ``x`` where ``beta x > threshold``; computed as
    ``-logsigmoid(-beta x) / beta`` (stable at both tails)."""
    argcheck.float_tensor('softplus', input)
    beta = float(beta)
    smooth = logsigmoid(input * -beta) * (-1.0 / beta)
    return where(input * beta > float(threshold), input, smooth)


def mish(input, inplace=False):
    """``x * tanh(softplus(x))``."""
    if inplace:
        return in_place(input, mish)
    argcheck.float_tensor('mish', input)
    return input * softplus(input).tanh()


def softsign(input):
    """``x / (1 + |x|)``."""
    argcheck.float_tensor('softsign', input)
    return input / (input.abs() + 1.0)


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    """``x`` clipped to ``[min_val, max_val]``; the gradient flows strictly inside only (as
    PyTorch's hardtanh, unlike clamp's, which includes the ends)."""
    if inplace:
        return in_place(input, hardtanh, min_val, max_val)
    argcheck.float_tensor('hardtanh', input)
    if min_val > max_val:
        raise ValueError(f'hardtanh: min_val ({min_val}) cannot be greater than max_val '
                         f'({max_val})')
    inside = (input > min_val) & (input < max_val)
    return where(inside, input, input.detach().clip(float(min_val), float(max_val)))


def relu6(input, inplace=False):
    """``min(max(x, 0), 6)`` (PyTorch's ``hardtanh(x, 0, 6)``)."""
    return hardtanh(input, 0.0, 6.0, inplace)


def hardsigmoid(input, inplace=False):
    """``relu6(x + 3) / 6``; the gradient is 1/6 strictly inside (-3, 3)."""
    if inplace:
        return in_place(input, hardsigmoid)
    argcheck.float_tensor('hardsigmoid', input)
    return hardtanh(input + 3.0, 0.0, 6.0) * (1.0 / 6.0)


def hardswish(input, inplace=False):
    """``x * relu6(x + 3) / 6``; the gradient is 0 at x <= -3 and 1 at x >= 3 (PyTorch 2.13's)."""
    if inplace:
        return in_place(input, hardswish)
    argcheck.float_tensor('hardswish', input)
    return input * hardsigmoid(input)


def prelu(input, weight):
    """``x`` for x > 0, else ``weight * x``, with one weight per channel (dim 1) or one for all.

    Shape:
        input (N, C, *) or any shape with a one-element weight; weight (C,) or (1,).
    """
    argcheck.float_tensor('prelu', input)
    argcheck.like_input('prelu', input, weight=weight)
    c = input.shape[1] if input.ndim >= 2 else 1
    if weight.numel() != 1 and tuple(weight.shape) != (c,):
        raise RuntimeError(f'prelu: expected weight of shape (1,) or ({c},) (the channels of an '
                           f'input of shape {tuple(input.shape)}), got shape {tuple(weight.shape)}')
    if weight.numel() == 1:
        w = weight.reshape(())
    else:
        w = weight.reshape((1, c) + (1,) * (input.ndim - 2))
    return where(input > 0, input, input * w)


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def selu(input, inplace=False):
    """``scale * elu(x, alpha)`` with SELU's fixed alpha and scale (Klambauer et al.)."""
    if inplace:
        return in_place(input, selu)
    return elu(input, _SELU_ALPHA) * _SELU_SCALE


def celu(input, alpha=1.0, inplace=False):
    """``x`` for x > 0, else ``alpha (exp(x / alpha) - 1)``."""
    if inplace:
        return in_place(input, celu, alpha)
    argcheck.float_tensor('celu', input)
    if alpha == 0:
        raise ValueError('ZeroDivisionError: alpha cannot be 0 for CELU')
    alpha = float(alpha)
    return where(input > 0, input, ((input.clip(max=0.0) * (1.0 / alpha)).exp() - 1.0) * alpha)


def threshold(input, threshold, value, inplace=False):
    """``x`` where ``x > threshold``, else ``value``."""
    if inplace:
        return in_place(input, _threshold, threshold, value)
    return _threshold(input, threshold, value)


def _threshold(input, threshold, value):
    argcheck.float_tensor('threshold', input)
    return where(input > threshold, input, float(value))


def glu(input, dim=-1):
    """The gated linear unit: ``a * sigmoid(b)``, ``a`` and ``b`` the two halves along ``dim``."""
    argcheck.float_tensor('glu', input)
    if input.ndim == 0:
        raise RuntimeError('glu does not support scalars because halving size must be even')
    d = dim % input.ndim
    n = input.shape[d]
    if n % 2:
        raise RuntimeError(f'Halving dimension must be even, but dimension {d} is size {n}')
    lead = (slice(None),) * d
    return input[lead + (slice(0, n // 2),)] * input[lead + (slice(n // 2, n),)].sigmoid()


def softshrink(input, lambd=0.5):
    """``x - lambd`` above ``lambd``, ``x + lambd`` below ``-lambd``, else 0."""
    argcheck.float_tensor('softshrink', input)
    if lambd < 0:
        raise RuntimeError(f'lambda must be greater or equal to 0, but found to be {lambd}.')
    lambd = float(lambd)
    return where(input > lambd, input - lambd, where(input < -lambd, input + lambd, 0.0))


def hardshrink(input, lambd=0.5):
    """``x`` where ``|x| > lambd``, else 0."""
    argcheck.float_tensor('hardshrink', input)
    return where((input > lambd) | (input < -lambd), input, 0.0)


def tanhshrink(input):
    """``x - tanh(x)``."""
    argcheck.float_tensor('tanhshrink', input)
    return input - input.tanh()


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    """``softmax(-x)`` along ``dim`` (PyTorch's implicit choice, with its warning, when None)."""
    argcheck.float_tensor('softmin', input)
    if dim is None:
        warnings.warn('Implicit dimension choice for softmin has been deprecated. Change the call '
                      'to include dim=X as an argument.', UserWarning, stacklevel=2)
        dim = 0 if input.ndim in (0, 1, 3) else 1
    if dtype is not None:
        input = input.to(dtype)
    return (-input).softmax(dim)

"""More elementwise ops, as PyTorch's: logs and exponentials (log2 log10 log1p expm1 rsqrt
reciprocal erf), trigonometry and hyperbolics, rounding (zero gradient), fmod/remainder/
floor_divide and atan2. Scans and products along a dim (cumsum cumprod prod logsumexp) are in
pointwise_scan.py, einsum in linalg_more.py.

Each op is one class on raw arrays; the derivative is the comment above ``backward``.
"""
import math

import numpy as np

from ..autograd import Function, unbroadcast
from ..backend import asnumpy, get_array_module, to_device, device_of

_LN2, _LN10 = math.log(2.0), math.log(10.0)
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


class _Unary(Function):
    """A unary op ``xp.<fn>(x)``; subclasses name the function and write the backward."""
    fn = None
    keep = 'x'          # what backward reads: the input 'x' or the output 'out'

    def forward(self, x):
        out = getattr(get_array_module(x), self.fn)(x)
        self.save_for_backward(x if self.keep == 'x' else out)
        return out


class Log2(_Unary):
    fn = 'log2'

    # d log2(x) = dx / (x ln 2)
    def backward(self, g):
        return g / (self.saved[0] * _LN2)


class Log10(_Unary):
    fn = 'log10'

    # d log10(x) = dx / (x ln 10)
    def backward(self, g):
        return g / (self.saved[0] * _LN10)


class Log1p(_Unary):
    fn = 'log1p'

    # d log(1 + x) = dx / (1 + x)
    def backward(self, g):
        return g / (1 + self.saved[0])


class Expm1(_Unary):
    fn, keep = 'expm1', 'out'

    # d (exp(x) - 1) = exp(x) dx = (out + 1) dx
    def backward(self, g):
        return g * (self.saved[0] + 1)


class Exp2(_Unary):
    fn, keep = 'exp2', 'out'

    # d 2^x = 2^x ln 2 dx
    def backward(self, g):
        return g * self.saved[0] * _LN2


class Reciprocal(_Unary):
    fn, keep = 'reciprocal', 'out'

    # d (1/x) = -dx / x^2 = -out^2 dx
    def backward(self, g):
        out = self.saved[0]
        return -g * out * out


class Rsqrt(Function):
    def forward(self, x):
        xp = get_array_module(x)
        out = xp.reciprocal(xp.sqrt(x))
        self.save_for_backward(out)
        return out

    # d x^(-1/2) = -1/2 x^(-3/2) dx = -out^3 / 2 dx
    def backward(self, g):
        out = self.saved[0]
        return g * (out * out * out) * -0.5


class Tan(_Unary):
    fn, keep = 'tan', 'out'

    # d tan(x) = (1 + tan^2 x) dx
    def backward(self, g):
        out = self.saved[0]
        return g * (1 + out * out)


class Sinh(_Unary):
    fn = 'sinh'

    # d sinh(x) = cosh(x) dx
    def backward(self, g):
        return g * get_array_module(g).cosh(self.saved[0])


class Cosh(_Unary):
    fn = 'cosh'

    # d cosh(x) = sinh(x) dx
    def backward(self, g):
        return g * get_array_module(g).sinh(self.saved[0])


class Asin(_Unary):
    fn = 'arcsin'

    # d asin(x) = dx / sqrt(1 - x^2)
    def backward(self, g):
        x = self.saved[0]
        return g / get_array_module(g).sqrt(1 - x * x)


class Acos(_Unary):
    fn = 'arccos'

    # d acos(x) = -dx / sqrt(1 - x^2)
    def backward(self, g):
        x = self.saved[0]
        return -g / get_array_module(g).sqrt(1 - x * x)


class Atan(_Unary):
    fn = 'arctan'

    # d atan(x) = dx / (1 + x^2)
    def backward(self, g):
        x = self.saved[0]
        return g / (1 + x * x)


def erf_array(x):
    """``erf`` elementwise, exact to the last bit of ``math.erf`` (NumPy has no erf, and SciPy is
    not a dependency); a CuPy array makes a round trip through the host."""
    host = asnumpy(x)
    out = np.frompyfunc(math.erf, 1, 1)(host).astype(x.dtype)
    return out if isinstance(x, np.ndarray) else to_device(out, device_of(x))


class Erf(Function):
    def forward(self, x):
        self.save_for_backward(x)
        return erf_array(x)

    # d erf(x) = 2 / sqrt(pi) exp(-x^2) dx
    def backward(self, g):
        x = self.saved[0]
        return g * (get_array_module(g).exp(-(x * x)) * _TWO_OVER_SQRT_PI)


class Rounding(Function):
    """``floor ceil trunc sign`` and ``round`` (half to even, optionally to ``decimals``): piecewise
    constant, so the gradient is 0 everywhere, as in PyTorch."""
    def forward(self, x, fn, decimals=0):
        xp = get_array_module(x)
        if fn == 'round':
            if decimals == 0:
                return xp.rint(x)
            scale = x.dtype.type(10.0 ** abs(decimals))
            return xp.rint(x * scale) / scale if decimals > 0 else xp.rint(x / scale) * scale
        if fn == 'sign':
            out = xp.sign(x)
            return xp.where(xp.isnan(x), 0, out).astype(x.dtype) if x.dtype.kind == 'f' else out
        return getattr(xp, fn)(x)

    # d floor(x) = 0 (also ceil, trunc, round, sign)
    def backward(self, g):
        return get_array_module(g).zeros_like(g)


# ---------------------------------------------------------------- binary

class Fmod(Function):
    """C's ``fmod``: the remainder has the sign of the dividend (``mode='trunc'``), or Python's
    ``%``: the sign of the divisor (``mode='floor'``, ``torch.remainder``)."""
    def forward(self, a, b, mode):
        xp = get_array_module(a)
        self.mode, self.shapes = mode, (a.shape, b.shape)
        self.save_for_backward(a if self.needs_input_grad[1] else None,
                               b if self.needs_input_grad[1] else None)
        return (xp.fmod if mode == 'trunc' else xp.remainder)(a, b)

    # d fmod(a, b) = da - trunc(a / b) db   (remainder: floor instead of trunc)
    def backward(self, g):
        a, b = self.saved
        sa, sb = self.shapes
        ga = unbroadcast(g, sa) if self.needs_input_grad[0] else None
        gb = None
        if self.needs_input_grad[1]:
            xp = get_array_module(g)
            q = (xp.trunc if self.mode == 'trunc' else xp.floor)(a / b)
            gb = unbroadcast(-g * q, sb)
        return ga, gb


class FloorDivide(Function):
    """``a // b`` (floor of the quotient); not differentiable, as in PyTorch."""
    def forward(self, a, b):
        return get_array_module(a).floor_divide(a, b)

    def backward(self, g):
        raise RuntimeError('the derivative for floor_divide is not implemented (as in PyTorch); '
                           'detach() the result, or use (a / b).floor() whose gradient is 0')


class Atan2(Function):
    def forward(self, a, b):
        self.save_for_backward(a, b)
        return get_array_module(a).arctan2(a, b)

    # d atan2(a, b) = (b da - a db) / (a^2 + b^2)
    def backward(self, g):
        a, b = self.saved
        r = g / (a * a + b * b)
        ga = unbroadcast(r * b, a.shape) if self.needs_input_grad[0] else None
        gb = unbroadcast(-r * a, b.shape) if self.needs_input_grad[1] else None
        return ga, gb


class NanToNum(Function):
    """NaN, +inf and -inf replaced by numbers (by default 0 and the dtype's largest/smallest)."""
    def forward(self, x, nan=0.0, posinf=None, neginf=None):
        xp = get_array_module(x)
        self.finite = xp.isfinite(x)
        return xp.nan_to_num(x, nan=nan, posinf=posinf, neginf=neginf)

    # d nan_to_num(x) = dx where x is finite, else 0
    def backward(self, g):
        return g * self.finite


class XLogY(Function):
    def forward(self, a, b):
        xp = get_array_module(a)
        self.save_for_backward(a, b)
        zero = a == 0
        with np.errstate(divide='ignore', invalid='ignore'):
            return xp.where(zero, 0, a * xp.log(xp.where(zero, 1, b))).astype(a.dtype, copy=False)

    # d (a log b) = log(b) da + a / b db   (the da term is 0 where a == 0, as PyTorch)
    def backward(self, g):
        a, b = self.saved
        xp = get_array_module(g)
        ga = gb = None
        if self.needs_input_grad[0]:
            ga = unbroadcast(xp.where(a == 0, 0, g * xp.log(b)).astype(g.dtype, copy=False), a.shape)
        if self.needs_input_grad[1]:
            gb = unbroadcast(g * a / b, b.shape)
        return ga, gb


class Drawn(Function):
    """A random draw ``out`` made from its inputs (``torch.normal(mean, std)``): part of the graph,
    as in PyTorch, but the gradient to the inputs is 0 (no reparameterisation)."""
    def forward(self, *inputs, out):
        self.shapes = [a.shape for a in inputs]
        return out

    # d draw = 0 (PyTorch's derivative for normal's mean and std)
    def backward(self, g):
        xp = get_array_module(g)
        return tuple(xp.zeros(s, dtype=g.dtype) for s in self.shapes)


class Asinh(_Unary):
    fn = 'arcsinh'

    # d asinh(x) = dx / sqrt(x^2 + 1)
    def backward(self, g):
        x = self.saved[0]
        return g / get_array_module(g).sqrt(x * x + 1)


class Acosh(_Unary):
    fn = 'arccosh'

    # d acosh(x) = dx / sqrt(x^2 - 1)
    def backward(self, g):
        x = self.saved[0]
        return g / get_array_module(g).sqrt(x * x - 1)


class Atanh(_Unary):
    fn = 'arctanh'

    # d atanh(x) = dx / (1 - x^2)
    def backward(self, g):
        x = self.saved[0]
        return g / (1 - x * x)


class FMax(Function):
    """``fmax`` (``fmin`` with ``minimum=True``): the larger (smaller) of two, a NaN losing to a
    number."""
    def forward(self, a, b, minimum=False):
        xp = get_array_module(a)
        self.save_for_backward(a, b)
        self.minimum = minimum
        return (xp.fmin if minimum else xp.fmax)(a, b)

    # d fmax(a, b) = [a picked] da + [b picked] db   (ties go to a, as PyTorch)
    def backward(self, g):
        a, b = self.saved
        xp = get_array_module(g)
        pick_a = ((a <= b) if self.minimum else (a >= b)) | xp.isnan(b)
        ga = unbroadcast(g * pick_a, a.shape) if self.needs_input_grad[0] else None
        gb = unbroadcast(g * ~pick_a, b.shape) if self.needs_input_grad[1] else None
        return ga, gb

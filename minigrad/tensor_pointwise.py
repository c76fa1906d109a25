"""More elementwise, reduction and product Tensor methods, as PyTorch's: the ``TensorPointwise``
mixin of Tensor (see tensor.py).

Dtypes follow PyTorch: float math on an integer tensor gives float32 (never float64); rounding,
``sign``, ``fmod``/``remainder``/``//`` keep integers; ``cumsum``/``prod`` of ints and bools
give int64; tests (``isnan``, ``isclose``, ``logical_*``) give bool. The ops are in
ops/pointwise.py, ops/pointwise_scan.py and ops/linalg_more.py.

``FUNCTIONS`` names the methods that PyTorch also offers as free functions (``torch.NAME``);
functions.py makes them so.
"""
import math
import numbers

import numpy as np

from . import argcheck, backend
from .dtypes import coerce, is_float
from .ops import pointwise as P
from .tensor_inplace import _inplace_method
from .tensor_pointwise_linalg import TensorLinalg
from .tensor_pointwise_random import TensorRandom
from .tensor_pointwise_reduce import TensorReduceMore
from .tensor_pointwise_special import TensorSpecial
from .tensor_pointwise_stats import TensorStats


def _is_tensor(x):
    return getattr(x, '_is_tensor', False)


def _int_like(dtype):
    return not is_float(dtype)


class TensorPointwise(TensorLinalg, TensorReduceMore, TensorStats, TensorSpecial, TensorRandom):
    """Math methods beyond tensor_math.py: logs, trigonometry, rounding, tests, logical ops,
    remainders. From the bases: matrix products (TensorLinalg, tensor_pointwise_linalg.py),
    scans and reductions (TensorReduceMore, tensor_pointwise_reduce.py), order statistics
    (TensorStats, _stats.py), special functions and bitwise ops (TensorSpecial, _special.py),
    random draws (TensorRandom, _random.py)."""
    __slots__ = ()

    # ------------------------------------------------------------ float math
    def _float_op(self, op):
        return op.apply(self._floated())

    def log2(self):
        return self._float_op(P.Log2)

    def log10(self):
        return self._float_op(P.Log10)

    def log1p(self):
        """``log(1 + x)``, accurate for small x."""
        return self._float_op(P.Log1p)

    def expm1(self):
        """``exp(x) - 1``, accurate for small x."""
        return self._float_op(P.Expm1)

    def exp2(self):
        return self._float_op(P.Exp2)

    def reciprocal(self):
        """``1 / x`` (float32 for an integer tensor, as PyTorch)."""
        return self._float_op(P.Reciprocal)

    def rsqrt(self):
        """``1 / sqrt(x)``."""
        return self._float_op(P.Rsqrt)

    def erf(self):
        """The error function ``2/sqrt(pi) * integral_0^x exp(-t^2) dt``."""
        return self._float_op(P.Erf)

    def tan(self):
        return self._float_op(P.Tan)

    def sinh(self):
        return self._float_op(P.Sinh)

    def cosh(self):
        return self._float_op(P.Cosh)

    def asin(self):
        return self._float_op(P.Asin)

    def acos(self):
        return self._float_op(P.Acos)

    def atan(self):
        return self._float_op(P.Atan)

    def asinh(self):
        return self._float_op(P.Asinh)

    def acosh(self):
        return self._float_op(P.Acosh)

    def atanh(self):
        return self._float_op(P.Atanh)

    arcsin, arccos, arctan, arcsinh, arccosh, arctanh = asin, acos, atan, asinh, acosh, atanh

    # PyTorch's longer names of the comparisons and of abs
    def greater(self, other):
        return self > other

    def greater_equal(self, other):
        return self >= other

    def less(self, other):
        return self < other

    def less_equal(self, other):
        return self <= other

    def not_equal(self, other):
        return self != other

    def absolute(self):
        return self.abs()

    def square(self):
        """``x * x`` (an integer tensor stays integer; bool gives int64, as PyTorch)."""
        return (self.to(np.int64) if self.dtype == np.bool_ else self) ** 2

    # ------------------------------------------------------------ rounding (gradient 0)
    def _rounding(self, fn, decimals=0):
        if _int_like(self.dtype):
            if decimals:
                raise RuntimeError(f'round(decimals={decimals}) needs a floating-point tensor, '
                                   f'got {self.dtype}')
            return self.clone() if fn != 'sign' or self.dtype == np.bool_ else P.Rounding.apply(self, fn=fn)
        return P.Rounding.apply(self, fn=fn, decimals=decimals)

    def floor(self):
        return self._rounding('floor')

    def ceil(self):
        return self._rounding('ceil')

    def trunc(self):
        """Round towards zero."""
        return self._rounding('trunc')

    fix = trunc

    def round(self, decimals=0):
        """Round half to even (as PyTorch), to ``decimals`` places (negative: tens, hundreds...).
        The gradient is 0."""
        if not isinstance(decimals, numbers.Integral):
            raise TypeError(f'round(): decimals must be an int, got {type(decimals).__name__}')
        return self._rounding('round', int(decimals))

    def sign(self):
        """-1, 0 or 1 by the sign of each element (0 for NaN, as PyTorch); gradient 0."""
        return self._rounding('sign')

    sgn = sign

    def frac(self):
        """``x - trunc(x)``, the fractional part with the sign of x; gradient 1."""
        if _int_like(self.dtype):
            raise RuntimeError(f'frac() needs a floating-point tensor, got {self.dtype}')
        return self - self.trunc()

    def clamp_min(self, min):
        return self.clamp(min=min)

    def clamp_max(self, max):
        return self.clamp(max=max)

    def __abs__(self):
        return self.abs()

    def deg2rad(self):
        return self._floated() * (math.pi / 180)

    def rad2deg(self):
        return self._floated() * (180 / math.pi)

    def logit(self, eps=None):
        """``log(x / (1 - x))``, with x first clamped to [eps, 1 - eps] when eps is given."""
        x = self._floated() if eps is None else self._floated().clamp(eps, 1 - eps)
        return (x / (1 - x)).log()

    def xlogy(self, other):
        """``self * log(other)``, 0 where self is 0 (also when other is 0 or NaN there)."""
        a, b = (t._floated() for t in self._operands(other, 'xlogy'))
        return P.XLogY.apply(*coerce(a, b))

    def float_power(self, exponent):
        """``self ** exponent`` in float64, as ``torch.float_power``."""
        e = exponent.double() if _is_tensor(exponent) else float(exponent)
        return self.double() ** e

    def nan_to_num(self, nan=0.0, posinf=None, neginf=None):
        """NaN -> ``nan``, +inf -> ``posinf``, -inf -> ``neginf`` (by default the dtype's largest
        and smallest numbers); the gradient passes where the input was finite."""
        if _int_like(self.dtype):
            return self.clone()
        return P.NanToNum.apply(self, nan=nan, posinf=posinf, neginf=neginf)

    # ------------------------------------------------------------ tests (bool, no gradient)
    def _test(self, fn):
        return self._wrap(getattr(backend.get_array_module(self.array), fn)(self.array))

    def isnan(self):
        return self._test('isnan')

    def isinf(self):
        return self._test('isinf')

    def isfinite(self):
        return self._test('isfinite')

    def _same_dtype(self, other, name):
        if not _is_tensor(other) and not isinstance(other, (numbers.Number, np.generic)):
            raise TypeError(f'{name}(): expected a Tensor for other, got {type(other).__name__}')
        if not _is_tensor(other):
            other = self._wrap(backend.asarray(other, dtype=self.dtype, device=self.device))
        if other.dtype != self.dtype:
            raise RuntimeError(f'{name}: expected both tensors to have the same dtype, got '
                               f'{self.dtype} and {other.dtype}')
        return other

    def isclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
        """``|self - other| <= atol + rtol * |other|`` elementwise (bool); same dtypes needed,
        as in PyTorch."""
        other = self._same_dtype(other, 'isclose')
        xp = backend.get_array_module(self.array)
        return self._wrap(xp.isclose(self.array, other.array, rtol=rtol, atol=atol, equal_nan=equal_nan))

    def allclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
        """``isclose(...).all()`` as a Python bool."""
        return bool(self.isclose(other, rtol, atol, equal_nan).array.all())

    def equal(self, other):
        """True when both have the same shape and the same values (a Python bool)."""
        if not _is_tensor(other):
            raise TypeError(f'equal(): expected a Tensor, got {type(other).__name__}')
        return self.shape == other.shape and bool((self.array == other.array).all())

    def _logical(self, other, fn):
        if not _is_tensor(other) and not isinstance(other, (numbers.Number, np.generic)):
            raise TypeError(f'{fn}(): expected a Tensor for other, got {type(other).__name__}')
        xp = backend.get_array_module(self.array)
        o = other.array if _is_tensor(other) else other
        return self._wrap(getattr(xp, fn)(self.array, o))

    def logical_and(self, other):
        return self._logical(other, 'logical_and')

    def logical_or(self, other):
        return self._logical(other, 'logical_or')

    def logical_xor(self, other):
        return self._logical(other, 'logical_xor')

    def logical_not(self):
        return self._test('logical_not')

    # ------------------------------------------------------------ binary
    def _operands(self, other, name):
        if _is_tensor(other):
            argcheck.broadcastable(self.shape, other.shape)
            return coerce(self, other)
        if isinstance(other, (numbers.Number, np.generic)) and not isinstance(other, complex):
            return self._scalar(other.item() if isinstance(other, np.generic) else other)
        raise TypeError(f'{name}(): expected a Tensor or a number, got {type(other).__name__}')

    def _remainder(self, other, mode, name, reverse=False):
        a, b = self._operands(other, name)
        if reverse:
            a, b = b, a
        if _int_like(b.dtype) and bool((b.array == 0).any()):
            raise ZeroDivisionError(f'{name}: integer division by zero')
        if mode is None:
            return P.FloorDivide.apply(a, b)
        return P.Fmod.apply(a, b, mode=mode)

    def _div_rounding(self, other, rounding_mode):
        """``div(other, rounding_mode='floor' | 'trunc')`` (for tensor_math's ``div``): floats round
        the true quotient (gradient 0, as PyTorch); integers divide exactly in integers."""
        if rounding_mode not in ('floor', 'trunc'):
            raise RuntimeError("div expected rounding_mode to be one of None, 'trunc', or 'floor' "
                               f'but found {rounding_mode!r}')
        a, b = self._operands(other, 'div')
        if is_float(a.dtype):
            return (a / b).floor() if rounding_mode == 'floor' else (a / b).trunc()
        q = a._remainder(b, None, 'div')
        if rounding_mode == 'trunc':       # floor -> towards zero where the signs differ
            up = (a.array % b.array != 0) & ((a.array < 0) != (b.array < 0))
            q = self._wrap(q.array + up.astype(q.dtype))
        return q

    def fmod(self, other):
        """The remainder of ``self / other`` with the sign of ``self`` (C's fmod)."""
        return self._remainder(other, 'trunc', 'fmod')

    def remainder(self, other):
        """Python's ``%``: the remainder with the sign of ``other``."""
        return self._remainder(other, 'floor', 'remainder')

    def floor_divide(self, other):
        """Python's ``//``: the floor of ``self / other`` (ints stay ints); not differentiable."""
        return self._remainder(other, None, 'floor_divide')

    def __mod__(self, other):
        return self._remainder(other, 'floor', 'remainder')

    def __rmod__(self, other):
        return self._remainder(other, 'floor', 'remainder', reverse=True)

    def __floordiv__(self, other):
        return self._remainder(other, None, 'floor_divide')

    def __rfloordiv__(self, other):
        return self._remainder(other, None, 'floor_divide', reverse=True)

    def atan2(self, other):
        """The angle of the point ``(other, self)``, in (-pi, pi]."""
        a, b = self._floated()._operands(other, 'atan2')
        return P.Atan2.apply(*coerce(a._floated(), b._floated()))

    arctan2 = atan2

    def hypot(self, other):
        """``sqrt(self^2 + other^2)`` (floating-point tensors only, as PyTorch)."""
        for t in (self, other):
            if _is_tensor(t) and _int_like(t.dtype):
                raise RuntimeError(f'hypot() needs floating-point tensors, got {t.dtype}')
        a, b = self._operands(other, 'hypot')
        return (a * a + b * b).sqrt()

    def lerp(self, end, weight):
        """``self + weight * (end - self)``; ``end`` a tensor of the same dtype, ``weight`` a
        number or a tensor."""
        if not _is_tensor(end) or end.dtype != self.dtype:
            got = end.dtype if _is_tensor(end) else type(end).__name__
            raise RuntimeError(f'lerp(): expected end to be a tensor of dtype {self.dtype}, got {got}')
        if not is_float(self.dtype):
            raise RuntimeError(f'lerp() needs floating-point tensors, got {self.dtype}')
        return self + weight * (end - self)


FUNCTIONS = ('log2', 'log10', 'log1p', 'expm1', 'exp2', 'reciprocal', 'rsqrt', 'erf', 'tan',
             'sinh', 'cosh', 'asin', 'acos', 'atan', 'arcsin', 'arccos', 'arctan', 'square',
             'asinh', 'acosh', 'atanh', 'arcsinh', 'arccosh', 'arctanh', 'greater', 'greater_equal',
             'less', 'less_equal', 'not_equal', 'absolute',
             'floor', 'ceil', 'trunc', 'fix', 'round', 'sign', 'sgn', 'frac', 'isnan', 'isinf',
             'isfinite', 'isclose', 'allclose', 'equal', 'logical_and', 'logical_or',
             'logical_xor', 'logical_not', 'fmod', 'remainder', 'floor_divide', 'atan2',
             'arctan2', 'hypot', 'lerp', 'cumsum', 'cumprod', 'prod', 'logsumexp',
             'clamp_min', 'clamp_max', 'deg2rad', 'rad2deg', 'logit', 'xlogy', 'float_power',
             'nan_to_num', 'nansum', 'nanmean', 'count_nonzero', 'diff', 'var_mean', 'std_mean',
             'aminmax', 'logcumsumexp', 'cov', 'corrcoef', 'bitwise_and', 'bitwise_or', 'bitwise_xor', 'bitwise_not',
             # tensor_pointwise_stats.py
             'median', 'nanmedian', 'quantile', 'nanquantile', 'mode', 'cummax', 'cummin',
             'bincount', 'histc', 'histogram', 'frexp', 'nextafter',
             # tensor_pointwise_random.py
             'bernoulli', 'multinomial',
             # tensor_pointwise_special.py
             'erfc', 'erfinv', 'lgamma', 'digamma', 'sinc', 'logaddexp', 'logaddexp2', 'isin',
             'isposinf', 'isneginf', 'positive', 'gcd', 'lcm', 'fmax', 'fmin', 'copysign',
             'signbit', 'heaviside', 'ldexp',
             # tensor_pointwise_linalg.py
             'bmm', 'dot', 'mv', 'outer', 'ger', 'addmm', 'addmv', 'baddbmm', 'inner', 'tensordot',
             'trace', 'dist', 'cdist', 'inverse', 'det', 'matrix_power', 'cross', 'kron', 'addr',
             'addbmm', 'vdot')

# in-place forms (``x.floor_()``, ``x.cumsum_(0)``, ``x //= 2`` ...), as tensor_inplace.INPLACE
INPLACE = ('log2', 'log10', 'log1p', 'expm1', 'exp2', 'reciprocal', 'rsqrt', 'erf', 'tan', 'sinh',
           'cosh', 'asin', 'acos', 'atan', 'arcsin', 'arccos', 'arctan', 'square', 'floor', 'ceil',
           'trunc', 'fix', 'round', 'sign', 'sgn', 'frac', 'logical_and', 'logical_or',
           'logical_xor', 'logical_not', 'fmod', 'remainder', 'floor_divide', 'atan2', 'arctan2',
           'hypot', 'lerp', 'cumsum', 'cumprod', 'clamp_min', 'clamp_max', 'deg2rad', 'rad2deg',
           'logit', 'xlogy', 'nan_to_num', 'bitwise_and', 'bitwise_or', 'bitwise_xor', 'bitwise_not',
           'erfc', 'erfinv', 'lgamma', 'digamma', 'sinc', 'logaddexp', 'logaddexp2', 'gcd', 'lcm',
           'asinh', 'acosh', 'atanh', 'arcsinh', 'arccosh', 'arctanh', 'absolute', 'fmax', 'fmin',
           'copysign', 'ldexp', 'logcumsumexp', 'greater', 'greater_equal', 'less', 'less_equal',
           'not_equal')
for _name in INPLACE:
    setattr(TensorPointwise, _name + '_', _inplace_method(_name))
TensorPointwise.__imod__ = TensorPointwise.remainder_
TensorPointwise.__ifloordiv__ = TensorPointwise.floor_divide_

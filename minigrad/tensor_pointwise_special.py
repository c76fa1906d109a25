"""Special functions and bitwise ops as PyTorch's Tensor methods (``erfc erfinv lgamma digamma
sinc logaddexp logaddexp2 fmax fmin copysign signbit heaviside ldexp isin isposinf isneginf
positive gcd lcm``, ``^`` and the reflected
``& | ^``, ``bitwise_*``): the ``TensorSpecial`` mixin, a base of ``TensorPointwise``
(tensor_pointwise.py, whose ``FUNCTIONS`` lists these names too). Ops: ops/pointwise_special.py.
"""
import collections

import numpy as np

from . import backend
from .dtypes import coerce, is_float
from .ops import elementwise as E
from .ops import pointwise as P
from .ops import pointwise_special as SP

_frexp_return = collections.namedtuple('frexp', ['mantissa', 'exponent'])


def _is_tensor(x):
    return getattr(x, '_is_tensor', False)


class TensorSpecial:
    """Error and gamma functions, sinc, log-add-exp, membership and integer tests."""
    __slots__ = ()

    def erfc(self):
        """``1 - erf(x)``, accurate where erf is close to 1."""
        return SP.Erfc.apply(self._floated())

    def erfinv(self):
        """The inverse of ``erf`` on (-1, 1) (+-inf at +-1, NaN outside)."""
        return SP.Erfinv.apply(self._floated())

    def lgamma(self):
        """``log|Gamma(x)|`` (inf at 0, -1, -2, ...)."""
        return SP.Lgamma.apply(self._floated())

    def digamma(self):
        """``d/dx log Gamma(x)`` (-inf at 0, NaN at the negative integers)."""
        return SP.Digamma.apply(self._floated())

    def sinc(self):
        """The normalised sinc, ``sin(pi x) / (pi x)`` (1 at 0)."""
        return SP.Sinc.apply(self._floated())

    def logaddexp(self, other):
        """``log(exp(self) + exp(other))`` without overflow."""
        return SP.LogAddExp.apply(*self._float_pair(other, 'logaddexp'))

    def logaddexp2(self, other):
        """``log2(2**self + 2**other)`` without overflow."""
        return SP.LogAddExp.apply(*self._float_pair(other, 'logaddexp2'), base2=True)

    def _float_pair(self, other, name):
        a, b = self._operands(other, name)
        return coerce(a._floated(), b._floated())

    def fmax(self, other):
        """Elementwise maximum where a NaN loses to a number (``maximum`` spreads NaN)."""
        return P.FMax.apply(*self._operands(other, 'fmax'))

    def fmin(self, other):
        """Elementwise minimum where a NaN loses to a number."""
        return P.FMax.apply(*self._operands(other, 'fmin'), minimum=True)

    def copysign(self, other):
        """``|self|`` with the sign of ``other`` (-0.0 counts as negative); float."""
        a, b = self._float_pair(other, 'copysign')
        xp = backend.get_array_module(a.array)
        mag = a.abs()
        return E.Where.apply(-mag, mag, condition=xp.signbit(b.array))

    def signbit(self):
        """Whether the sign bit is set (True for -0.0): bool."""
        return self._wrap(backend.get_array_module(self.array).signbit(self.array))

    def heaviside(self, values):
        """0 where self < 0, 1 where self > 0, ``values`` where self == 0 (not differentiable)."""
        a, b = self._operands(values, 'heaviside')
        return self._wrap(backend.get_array_module(a.array).heaviside(a.array, b.array))

    def ldexp(self, other):
        """``self * 2 ** other``."""
        return self._floated() * (2.0 ** other if _is_tensor(other) else 2.0 ** float(other))

    def frexp(self):
        """``(mantissa, exponent)`` with ``self = mantissa * 2 ** exponent``, |mantissa| in
        [0.5, 1); exponent int32."""
        if not is_float(self.dtype):
            raise RuntimeError(f'frexp() needs a floating-point tensor, got {self.dtype}')
        m, e = backend.get_array_module(self.array).frexp(self.array)
        return _frexp_return(self._wrap(m), self._wrap(e.astype(np.int32)))

    def nextafter(self, other):
        """The next representable float after ``self`` towards ``other`` (not differentiable)."""
        a, b = self._float_pair(other, 'nextafter')
        return self._wrap(backend.get_array_module(a.array).nextafter(a.array, b.array))

    def isin(self, test_elements, *, assume_unique=False, invert=False):
        """Whether each element is one of ``test_elements`` (a tensor or a number): bool."""
        xp = backend.get_array_module(self.array)
        test = test_elements.array if _is_tensor(test_elements) else xp.asarray(test_elements)
        return self._wrap(xp.isin(self.array, test, assume_unique=assume_unique, invert=invert))

    def isposinf(self):
        return self._wrap(self.array == np.inf) if is_float(self.dtype) else self._wrap(
            backend.get_array_module(self.array).zeros(self.shape, dtype=bool))

    def isneginf(self):
        return (-self).isposinf() if is_float(self.dtype) else self.isposinf()

    def positive(self):
        """``self`` itself (``+x``)."""
        return self

    def _integer_pair(self, other, name):
        a, b = self._operands(other, name)
        if is_float(a.dtype):
            raise RuntimeError(f'{name}() needs integer tensors, got {a.dtype}')
        return a, b

    def gcd(self, other):
        """Greatest common divisor (integers; non-negative)."""
        a, b = self._integer_pair(other, 'gcd')
        return self._wrap(backend.get_array_module(a.array).gcd(a.array, b.array))

    def lcm(self, other):
        """Least common multiple (integers; non-negative)."""
        a, b = self._integer_pair(other, 'lcm')
        return self._wrap(backend.get_array_module(a.array).lcm(a.array, b.array))

    # bitwise operators on integer and bool tensors (``&`` and ``|`` are in tensor_math.py)
    def __xor__(self, other):
        return self._compare(other, lambda a, b: a ^ b)

    def __rxor__(self, other):
        return self._compare(other, lambda a, b: b ^ a)

    def __rand__(self, other):
        return self._compare(other, lambda a, b: b & a)

    def __ror__(self, other):
        return self._compare(other, lambda a, b: b | a)

    def bitwise_and(self, other):
        return self & other

    def bitwise_or(self, other):
        return self | other

    def bitwise_xor(self, other):
        return self ^ other

    def bitwise_not(self):
        return ~self

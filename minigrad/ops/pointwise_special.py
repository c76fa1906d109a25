"""Special functions as PyTorch's: erfc, erfinv, lgamma, digamma, sinc and logaddexp(2).

NumPy has none of erfc/erfinv/lgamma/digamma and SciPy is not a dependency, so: ``erfc`` and
``lgamma`` are Python's ``math`` functions applied elementwise (exact; a CuPy array makes a round
trip through the host), ``erfinv`` is Giles' single-precision approximation polished by three
Newton steps (on ``erf``, and on ``log erfc`` in the tail), ``digamma``/``trigamma`` use the recurrence up to x >= 6 and then the
asymptotic series (reflection for negative x). Float work is done in float64 and cast back.
"""
import math

import numpy as np

from ..autograd import Function, unbroadcast
from ..backend import asnumpy, device_of, get_array_module, to_device
from .pointwise import erf_array

_SQRT_PI_OVER_2 = math.sqrt(math.pi) / 2


def _host_map(fn, x):
    """``fn`` (a Python float function) on each element of ``x``, in ``x``'s dtype and device."""
    out = np.frompyfunc(fn, 1, 1)(asnumpy(x).astype(np.float64)).astype(x.dtype)
    return out if isinstance(x, np.ndarray) else to_device(out, device_of(x))


def _lgamma(v):
    try:
        return math.lgamma(v)
    except ValueError:          # the poles 0, -1, -2, ...
        return math.inf


def _poly(w, coeffs):
    p = coeffs[0]
    for c in coeffs[1:]:
        p = c + p * w
    return p


_GILES_SMALL = (2.81022636e-08, 3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087,
                -0.00125372503, -0.00417768164, 0.246640727, 1.50140941)
_GILES_LARGE = (-0.000200214257, 0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773,
                -0.0076224613, 0.00943887047, 1.00167406, 2.83297682)


def erfinv_array(x):
    xp = get_array_module(x)
    a = x.astype(np.float64)
    inside = xp.abs(a) < 1
    t = xp.where(inside, xp.abs(a), 0.0)             # erfinv is odd: work on |x|
    w = -xp.log((1 - t) * (1 + t))
    y = t * xp.where(w < 5, _poly(w - 2.5, _GILES_SMALL), _poly(xp.sqrt(w) - 3, _GILES_LARGE))
    tail = t >= 0.5
    for _ in range(3):          # Newton on erf(y) = t; in the tail on log erfc(y) = log(1 - t)
        slope = xp.exp(-y * y) / _SQRT_PI_OVER_2          # d erf(y) / dy
        c = _host_map(math.erfc, xp.where(tail, y, 0.0))
        with np.errstate(divide='ignore', invalid='ignore'):
            step_tail = (xp.log(c) - xp.log(1 - t)) / (-slope / c)
        y = y - xp.where(tail, step_tail, (erf_array(y) - t) / slope)
    y = xp.where(inside, xp.copysign(y, a), xp.where(xp.abs(a) == 1, xp.copysign(np.inf, a), np.nan))
    return y.astype(x.dtype)


def _shifted(x, term):
    """Sum of ``term(x + k)`` for k = 0, 1, ... while x + k < 6, and the shifted x (>= 6)."""
    xp = get_array_module(x)
    acc = xp.zeros_like(x)
    for _ in range(6):
        small = x < 6
        acc = acc + xp.where(small, term(xp.where(small, x, 1.0)), 0.0)
        x = xp.where(small, x + 1, x)
    return acc, x


def digamma_array(x):
    xp = get_array_module(x)
    a = x.astype(np.float64)
    neg = a <= 0
    z = xp.where(neg, 1 - a, a)                           # reflection: psi(x) = psi(1-x) - pi/tan(pi x)
    acc, z = _shifted(z, lambda v: -1 / v)
    r = 1 / (z * z)
    psi = acc + xp.log(z) - 0.5 / z - r * _poly(r, (1 / 132, -1 / 240, 1 / 252, -1 / 120, 1 / 12))
    with np.errstate(divide='ignore', invalid='ignore'):
        psi = xp.where(neg, psi - np.pi / xp.tan(np.pi * a), psi)
        psi = xp.where(a == 0, -np.inf, xp.where(neg & (a == xp.floor(a)), np.nan, psi))
    return psi.astype(x.dtype)


def trigamma_array(x):
    xp = get_array_module(x)
    a = x.astype(np.float64)
    neg = a <= 0
    z = xp.where(neg, 1 - a, a)                 # reflection: psi1(x) = pi^2/sin^2(pi x) - psi1(1-x)
    acc, z = _shifted(z, lambda v: 1 / (v * v))
    r = 1 / (z * z)
    t = acc + 1 / z + 0.5 * r + r / z * _poly(r, (-1 / 30, 1 / 42, -1 / 30, 1 / 6))
    with np.errstate(divide='ignore', invalid='ignore'):
        t = xp.where(neg, np.pi ** 2 / xp.sin(np.pi * a) ** 2 - t, t)
    return t.astype(x.dtype)


class Erfc(Function):
    def forward(self, x):
        self.save_for_backward(x)
        return _host_map(math.erfc, x)

    # d erfc(x) = -2/sqrt(pi) exp(-x^2) dx
    def backward(self, g):
        x = self.saved[0]
        return g * (get_array_module(g).exp(-(x * x)) * (-1 / _SQRT_PI_OVER_2))


class Erfinv(Function):
    def forward(self, x):
        out = erfinv_array(x)
        self.save_for_backward(out)
        return out

    # d erfinv(x) = sqrt(pi)/2 exp(erfinv(x)^2) dx
    def backward(self, g):
        out = self.saved[0]
        return g * (get_array_module(g).exp(out * out) * _SQRT_PI_OVER_2)


class Lgamma(Function):
    def forward(self, x):
        self.save_for_backward(x)
        return _host_map(_lgamma, x)

    # d log|Gamma(x)| = digamma(x) dx
    def backward(self, g):
        return g * digamma_array(self.saved[0])


class Digamma(Function):
    def forward(self, x):
        self.save_for_backward(x)
        return digamma_array(x)

    # d digamma(x) = trigamma(x) dx
    def backward(self, g):
        return g * trigamma_array(self.saved[0])


class Sinc(Function):
    def forward(self, x):
        out = get_array_module(x).sinc(x)
        self.save_for_backward(x, out)
        return out

    # d sin(pi x)/(pi x) = (cos(pi x) - sinc(x)) / x dx   (0 at x == 0)
    def backward(self, g):
        x, out = self.saved
        xp = get_array_module(g)
        zero = x == 0
        safe = xp.where(zero, 1, x)
        return xp.where(zero, 0, g * (xp.cos(np.pi * safe) - out) / safe).astype(g.dtype, copy=False)


class LogAddExp(Function):
    """``log(exp(a) + exp(b))`` (``base2``: ``log2(2^a + 2^b)``), without overflow."""
    def forward(self, a, b, base2=False):
        xp = get_array_module(a)
        self.base2 = base2
        out = (xp.logaddexp2 if base2 else xp.logaddexp)(a, b)
        self.save_for_backward(a, b, out)
        return out

    # d logaddexp(a, b) = exp(a - out) da + exp(b - out) db   (exp2 for base 2)
    def backward(self, g):
        a, b, out = self.saved
        xp = get_array_module(g)
        e = xp.exp2 if self.base2 else xp.exp
        with np.errstate(invalid='ignore'):
            wa, wb = e(a - out), e(b - out)
        ga = unbroadcast(g * xp.nan_to_num(wa), a.shape) if self.needs_input_grad[0] else None
        gb = unbroadcast(g * xp.nan_to_num(wb), b.shape) if self.needs_input_grad[1] else None
        return ga, gb

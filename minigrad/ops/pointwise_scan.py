"""Scans and products along a dim, as PyTorch's: cumsum, cumprod, prod, logsumexp, logcumsumexp.

The product gradients are exact where inputs are 0 (the product of the *other* elements, from
exclusive prefix and suffix products), not ``out / x``.
"""
import numpy as np

from ..autograd import Function
from ..backend import get_array_module
from .reduce import _expand_back


def _flip_cumsum(g, axis):
    """Sums from the end: ``out[i] = g[i] + g[i+1] + ...`` along ``axis``."""
    xp = get_array_module(g)
    return xp.flip(xp.cumsum(xp.flip(g, axis), axis=axis), axis)


def _exclusive(cum, axis, first):
    """Shift ``cum`` one step along ``axis`` (towards the end when ``first``, else towards the
    start), filling the freed place with 1: the exclusive prefix (suffix) products."""
    xp = get_array_module(cum)

    def part(start, stop):
        return cum[(slice(None),) * axis + (slice(start, stop),)]
    one = xp.ones_like(part(0, 1))
    if first:
        return xp.concatenate([one, part(0, -1)], axis=axis)
    return xp.concatenate([part(1, None), one], axis=axis)


def _others_product(x, axis):
    """The product of every element along ``axis`` but the one at each place (exact with 0s)."""
    xp = get_array_module(x)
    before = _exclusive(xp.cumprod(x, axis=axis), axis, first=True)
    after = _exclusive(xp.flip(xp.cumprod(xp.flip(x, axis), axis=axis), axis), axis, first=False)
    return before * after


class CumSum(Function):
    def forward(self, x, axis):
        self.axis = axis
        return get_array_module(x).cumsum(x, axis=axis)

    # d cumsum(x)_j = sum_{i<=j} dx_i, so dx_i gets the sum of g_j over j >= i
    def backward(self, g):
        return _flip_cumsum(g, self.axis)


class CumProd(Function):
    def forward(self, x, axis):
        out = get_array_module(x).cumprod(x, axis=axis)
        self.axis = axis
        self.save_for_backward(x, out)
        return out

    # d out_j / d x_i = prod_{k<=j, k!=i} x_k for j >= i; so dx_i = before_i * S_i with
    # S_i = g_i + x_{i+1} S_{i+1} (a scan from the end; exact where some x are 0)
    def backward(self, g):
        x, out = self.saved
        xp = get_array_module(g)
        a = self.axis
        if x.shape[a] == 0:
            return xp.zeros_like(g)
        if not (x == 0).any():
            return _flip_cumsum(g * out, a) / x
        gm, xm = xp.moveaxis(g, a, 0), xp.moveaxis(x, a, 0)
        s = xp.empty_like(gm)
        s[-1] = gm[-1]
        for i in range(gm.shape[0] - 2, -1, -1):
            s[i] = gm[i] + xm[i + 1] * s[i + 1]
        before = _exclusive(xp.cumprod(xm, axis=0), 0, first=True)
        return xp.moveaxis(before * s, 0, a)


class Prod(Function):
    """The product over one ``axis`` (over every element when None)."""
    def forward(self, x, axis=None, keepdim=False):
        self.shape, self.axis, self.keepdim = x.shape, axis, keepdim
        self.save_for_backward(x)
        return x.prod(axis=axis, keepdims=keepdim)

    # d prod(x) = sum_i (product of the others) dx_i
    def backward(self, g):
        (x,) = self.saved
        if self.axis is None:
            others = _others_product(x.reshape(-1), 0).reshape(x.shape)
            return g.reshape((1,) * x.ndim) * others
        return _expand_back(g, self.shape, (self.axis,), self.keepdim) * _others_product(x, self.axis)


class LogSumExp(Function):
    """``log(sum(exp(x)))`` over ``axis`` (a tuple, or None for all), computed stably (shifted
    by the maximum)."""
    def forward(self, x, axis=None, keepdim=False):
        xp = get_array_module(x)
        self.axis, self.keepdim = axis, keepdim
        if x.size == 0:
            out = xp.log(xp.exp(x).sum(axis=axis, keepdims=True))
        else:
            m = xp.amax(x, axis=axis, keepdims=True)
            m = xp.where(xp.isfinite(m), m, 0)
            out = xp.log(xp.exp(x - m).sum(axis=axis, keepdims=True)) + m
        self.save_for_backward(x, out)
        return out if keepdim else out.reshape(_reduced_shape(x.shape, axis))

    # d logsumexp(x) = softmax(x) dx = exp(x - out) dx
    def backward(self, g):
        x, out = self.saved
        g = _expand_back(g, x.shape, self.axis, self.keepdim)
        return g * get_array_module(g).exp(x - out)


def _reduced_shape(shape, axis):
    if axis is None:
        return ()
    return tuple(s for i, s in enumerate(shape) if i not in axis)


class LogCumSumExp(Function):
    """``log(cumsum(exp(x)))`` along ``axis``, as a running ``logaddexp`` (exact where the
    terms differ by more than exp's range; a Python loop over the scanned dim)."""
    def forward(self, x, axis):
        xp = get_array_module(x)
        xm = xp.moveaxis(x, axis, 0)
        out = xp.empty_like(xm)
        if xm.shape[0]:
            out[0] = xm[0]
        for i in range(1, xm.shape[0]):
            out[i] = xp.logaddexp(out[i - 1], xm[i])
        self.axis = axis
        self.save_for_backward(xm, out)
        return xp.moveaxis(out, 0, axis)

    # d out_i / d x_j = exp(x_j - out_i) for i >= j; with T_j = g_j + exp(out_j - out_{j+1}) T_{j+1}
    # (factors <= 1, so no overflow) dx_j = exp(x_j - out_j) T_j
    def backward(self, g):
        xm, out = self.saved
        xp = get_array_module(g)
        gm = xp.moveaxis(g, self.axis, 0)
        t = xp.empty_like(gm)
        n = gm.shape[0]
        if n:
            t[-1] = gm[-1]
        with np.errstate(invalid='ignore', over='ignore'):
            for j in range(n - 2, -1, -1):
                t[j] = gm[j] + xp.nan_to_num(xp.exp(out[j] - out[j + 1])) * t[j + 1]
            gx = xp.nan_to_num(xp.exp(xm - out)) * t
        return xp.moveaxis(gx, 0, self.axis)

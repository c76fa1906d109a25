"""Normalisation ops: batch normalisation (one op; dropout is in dropout.py).

Batch norm is a single Function with the analytic backward, not a graph of a dozen small ops:
one pass of channel sums forward, two backward. Channels are axis 1 of an ``(N, C, *)`` array.
"""
import math

from ..autograd import Function
from ..backend import get_array_module


def _bshape(x):
    """The shape that broadcasts a per-channel ``(C,)`` array against ``x`` of shape (N, C, *)."""
    return (1, x.shape[1]) + (1,) * (x.ndim - 2)


def channel_sum(a):
    """Sum over every axis but 1: ``(N, C, *)`` -> ``(C,)`` (the spatial sum runs over the
    contiguous last axis first, which is fast and keeps float32 sums accurate)."""
    if a.ndim == 2:
        return a.sum(axis=0)
    n, c = a.shape[:2]
    k = math.prod(a.shape[2:])          # not -1: an empty batch cannot infer it
    return a.reshape(n, c, k).sum(axis=2).sum(axis=0)


def channel_dot(a, b):
    """``channel_sum(a * b)`` without the product array: one einsum pass over both (NumPy's
    einsum was 2-3x faster than multiply-then-sum on (64, 64, 32, 32), as accurate in float32)."""
    xp = get_array_module(a)
    if a.ndim == 2:
        return xp.einsum('nc,nc->c', a, b)
    n, c = a.shape[:2]
    k = math.prod(a.shape[2:])
    return xp.einsum('nck,nck->c', a.reshape(n, c, k), b.reshape(n, c, k))


class BatchNorm(Function):
    """``y = (x - mean) / sqrt(var + eps) * weight + bias``, statistics per channel (axis 1).

    Inputs: ``x`` then, when present, ``weight`` and ``bias`` (say which with ``affine``).
    With ``training=True`` the mean and the biased variance come from the batch, and the
    running arrays (if given) are updated in place with the unbiased variance, as PyTorch does;
    otherwise ``running_mean``/``running_var`` are used.
    """

    def forward(self, x, *wb, affine=(False, False), running_mean=None, running_var=None,
                training=True, momentum=0.1, eps=1e-5):
        xp = get_array_module(x)
        wb = list(wb)
        w = wb.pop(0) if affine[0] else None
        b = wb.pop(0) if affine[1] else None
        self.affine = affine
        self.training = training
        shape = _bshape(x)
        if training:
            m = x.size // x.shape[1]
            mean = channel_sum(x) / m
            xc = x - mean.reshape(shape)                    # centred; xhat = xc * invstd
            var = channel_dot(xc, xc) / m
            invstd = 1.0 / xp.sqrt(var + eps)
            if running_mean is not None:
                running_mean *= 1.0 - momentum
                running_mean += momentum * mean
            if running_var is not None:
                running_var *= 1.0 - momentum
                running_var += (momentum * m / max(m - 1, 1)) * var
            scale = invstd * w if w is not None else invstd
            out = xp.multiply(xc, scale.reshape(shape))     # = xhat * w, without forming xhat
            if b is not None:
                out += b.reshape(shape)
            self.save_for_backward(xc, invstd, w)
            return out
        invstd = 1.0 / xp.sqrt(running_var + eps)
        scale = invstd * w if w is not None else invstd
        shift = -running_mean * scale
        if b is not None:
            shift = shift + b
        out = x * scale.reshape(shape)
        out += shift.reshape(shape)
        # copies: the running arrays may be updated in place before backward runs
        self.save_for_backward(x, running_mean.copy(), invstd, scale)
        return out.astype(x.dtype, copy=False)

    # train: dx = w * invstd * (g - mean(g) - xhat * mean(g * xhat)); dw = sum(g * xhat); db = sum(g)
    #        with xhat = xc * invstd: xhat * mean(g * xhat) = xc * invstd^2 * sum(g * xc) / m
    # eval:  dx = w * invstd * g
    def backward(self, g):
        need_x = self.needs_input_grad[0]
        need_w = self.affine[0] and self.needs_input_grad[1]
        need_b = self.affine[1] and self.needs_input_grad[1 + self.affine[0]]
        shape = _bshape(g)
        gx = gw = gb = None
        if self.training:
            xc, invstd, w = self.saved
            m = g.size // g.shape[1]
            sum_g = channel_sum(g)
            if need_b:
                gb = sum_g
            if need_x or need_w:
                sum_gxc = channel_dot(g, xc)
                gw = sum_gxc * invstd if need_w else None
            if need_x:
                scale = invstd * w if w is not None else invstd
                xp = get_array_module(g)
                gx = xp.multiply(xc, (invstd * invstd * sum_gxc / m).reshape(shape))
                gx += (sum_g / m).reshape(shape)
                xp.subtract(g, gx, out=gx)
                gx *= scale.reshape(shape)
        else:
            x, rmean, invstd, scale = self.saved
            if need_x:
                gx = g * scale.reshape(shape)
            if need_w:
                gw = channel_dot(g, x - rmean.reshape(shape)) * invstd
            if need_b:
                gb = channel_sum(g)
        out = [gx]
        if self.affine[0]:
            out.append(gw)
        if self.affine[1]:
            out.append(gb)
        return tuple(out)

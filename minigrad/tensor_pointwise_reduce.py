"""Scans and more reductions as PyTorch's Tensor methods (``cumsum cumprod prod logsumexp
logcumsumexp nansum nanmean count_nonzero diff var_mean std_mean aminmax cov corrcoef``): the ``TensorReduceMore`` mixin,
a base of ``TensorPointwise`` (tensor_pointwise.py, whose ``FUNCTIONS`` lists these names too).

Sum-like ops on integers and bools give int64, as PyTorch; float ones on integers give the
default float dtype. The ops are in ops/pointwise_scan.py.
"""
import collections
import numbers

import numpy as np

from . import backend
from . import dimargs as A
from .dtypes import as_dtype, is_float, result_dtype
from .ops import elementwise as E
from .ops import pointwise_scan as Scan
from .ops import shape as S

aminmax_return = collections.namedtuple('aminmax', ['min', 'max'])


def _int_like(dtype):
    return not is_float(dtype)


class TensorReduceMore:
    """Running sums and products, products, logsumexp and the NaN-aware reductions."""
    __slots__ = ()

    def _scan_dim(self, dim, name):
        if not isinstance(dim, numbers.Integral):
            raise TypeError(f'{name}(): dim must be an int, got {dim!r}')
        return A.one_dim(dim, self.ndim)

    def _counted(self, dtype):
        """The tensor a sum-like op works on: ``dtype`` if given, ints and bools as int64."""
        if dtype is not None:
            return self.to(as_dtype(dtype))
        return self.to(np.int64) if _int_like(self.dtype) and self.dtype != np.int64 else self

    def cumsum(self, dim, *, dtype=None):
        """Running sums along ``dim`` (ints and bools give int64, as PyTorch)."""
        x = self._counted(dtype)
        return Scan.CumSum.apply(x, axis=x._scan_dim(dim, 'cumsum')) if x.ndim else x.clone()

    def cumprod(self, dim, *, dtype=None):
        """Running products along ``dim``; the gradient is exact where elements are 0."""
        x = self._counted(dtype)
        return Scan.CumProd.apply(x, axis=x._scan_dim(dim, 'cumprod')) if x.ndim else x.clone()

    def prod(self, dim=None, keepdim=False, *, dtype=None):
        """The product of all elements, or along one ``dim`` (an int, as PyTorch)."""
        x = self._counted(dtype)
        if dim is None:
            return Scan.Prod.apply(x)
        if not isinstance(dim, numbers.Integral):
            raise TypeError(f'prod(): dim must be one int, got {dim!r}')
        d = A.one_dim(dim, x.ndim)
        if not x.ndim:
            return x.clone()
        return Scan.Prod.apply(x, axis=d, keepdim=bool(keepdim))

    def logsumexp(self, dim, keepdim=False):
        """``log(sum(exp(x)))`` over ``dim`` (an int or a tuple), computed stably."""
        x = self._floated()
        return Scan.LogSumExp.apply(x, axis=A.reduce_dims(dim, x.ndim), keepdim=bool(keepdim))

    def _no_nan(self):
        x = self._floated()
        xp = backend.get_array_module(x.array)
        return E.Where.apply(self._wrap(xp.zeros_like(x.array)), x, condition=xp.isnan(x.array))

    def nansum(self, dim=None, keepdim=False, *, dtype=None):
        """``sum`` with NaNs counted as 0."""
        x = self if _int_like(self.dtype) else self._no_nan()
        return x.sum(dim, keepdim, dtype=dtype)

    def nanmean(self, dim=None, keepdim=False, *, dtype=None):
        """``mean`` of the elements that are not NaN."""
        x = self._floated() if dtype is None else self.to(as_dtype(dtype))
        count = (~x.isnan()).sum(dim, keepdim).to(x.dtype)
        return x._no_nan().sum(dim, keepdim) / count

    def count_nonzero(self, dim=None):
        """The number of non-zero elements (over ``dim``, an int or a tuple), int64."""
        return (self != 0).sum(dim)

    def diff(self, n=1, dim=-1, prepend=None, append=None):
        """``n``-th forward differences along ``dim`` (``prepend``/``append`` joined first)."""
        d = A.one_dim(dim, self.ndim)
        parts = [t for t in (prepend, self, append) if t is not None]
        x = self
        if len(parts) > 1:
            for t in parts:
                if t.ndim != self.ndim or any(a != b for i, (a, b) in enumerate(zip(t.shape, self.shape)) if i != d):
                    raise RuntimeError(f'diff(): prepend/append of shape {list(t.shape)} must match '
                                       f'the input {list(self.shape)} except in dim {d}')
            dt = result_dtype(*parts)
            x = S.Cat.apply(*[t if t.dtype == dt else t.to(dt) for t in parts], axis=d)
        head, tail = (slice(None),) * d + (slice(1, None),), (slice(None),) * d + (slice(None, -1),)
        for _ in range(int(n)):
            x = x[head] - x[tail] if x.dtype != np.bool_ else x[head].logical_xor(x[tail])
        return x

    def var_mean(self, dim=None, unbiased=None, keepdim=False, *, correction=None):
        """``(var, mean)`` over ``dim``, as ``torch.var_mean``."""
        return (self.var(dim, unbiased, keepdim, correction=correction),
                self.mean(dim, keepdim=keepdim))

    def std_mean(self, dim=None, unbiased=None, keepdim=False, *, correction=None):
        """``(std, mean)`` over ``dim``, as ``torch.std_mean``."""
        return (self.std(dim, unbiased, keepdim, correction=correction),
                self.mean(dim, keepdim=keepdim))

    def aminmax(self, *, dim=None, keepdim=False):
        """``(min, max)`` (a named pair) over ``dim`` or all elements."""
        return aminmax_return(self.amin(dim, keepdim), self.amax(dim, keepdim))

    def logcumsumexp(self, dim):
        """``log(cumsum(exp(x)))`` along ``dim``, computed stably."""
        x = self._floated()
        return Scan.LogCumSumExp.apply(x, axis=x._scan_dim(dim, 'logcumsumexp')) if x.ndim else x.clone()

    def cov(self, *, correction=1, fweights=None, aweights=None):
        """The covariance matrix of the variables in the rows (observations in the columns), as
        ``torch.cov``: 1-D input is one variable; ``fweights`` (int counts) and ``aweights``
        (float weights) per observation."""
        if self.ndim > 2:
            raise RuntimeError(f'cov(): expected input to have two or fewer dimensions, got {self.ndim}')
        x = self._floated().reshape(1, -1) if self.ndim < 2 else self._floated()
        n = x.shape[1]
        w = None
        for name, v in (('fweights', fweights), ('aweights', aweights)):
            if v is not None:
                if v.ndim != 1 or v.shape[0] != n:
                    raise RuntimeError(f'cov(): expected {name} to have one dimension of size {n}, '
                                       f'got shape {list(v.shape)}')
                w = v if w is None else w * v
        if w is None:
            mean = x.mean(1, keepdim=True)
            norm = n - correction
            xc = x - mean
            c = xc.matmul(xc.t()) / max(norm, 0)
        else:
            w = w.to(x.dtype)
            total = w.sum()
            mean = (x * w).sum(1, keepdim=True) / total
            norm = total - correction * ((w * aweights.to(x.dtype)).sum() / total if aweights is not None else 1)
            xc = x - mean
            c = (xc * w).matmul(xc.t()) / norm.clamp(min=0)
        return c.reshape(()) if c.shape == (1, 1) else c      # one variable: 0-d, as torch

    def corrcoef(self):
        """Pearson correlation coefficients of the variables in the rows (``cov`` normalised by
        the standard deviations, clipped to [-1, 1])."""
        c = self.cov()
        if c.ndim == 0:
            return c / c
        d = c.diagonal().sqrt()
        return (c / d.reshape(-1, 1) / d.reshape(1, -1)).clamp(-1, 1)


"""Tensor's reductions (a mixin of ``Tensor``): ``sum``, ``mean``, ``amax``/``amin``,
``max``/``min`` (with a dim: ``(values, indices)`` as PyTorch's named tuples), ``argmax``/``argmin``,
``var``/``std``, ``norm``; empty inputs raise PyTorch's errors.
"""
import builtins
import collections
import numbers

import numpy as np

from . import backend
from . import dimargs as A
from .ops import reduce as R

max_return = collections.namedtuple('max', ['values', 'indices'])
min_return = collections.namedtuple('min', ['values', 'indices'])


class TensorReduce:
    __slots__ = ()

    # ------------------------------------------------------------ reductions
    def sum(self, dim=None, keepdim=False, dtype=None, *, axis=None, keepdims=None):
        dim, keepdim = A.dim_kw(dim, axis, keepdim, keepdims)
        x = self if dtype is None else self.to(dtype)
        if x.dtype == np.bool_:
            x = x.to(np.int64)
        return R.Sum.apply(x, axis=A.reduce_dims(dim, x.ndim), keepdim=keepdim)

    def mean(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        dim, keepdim = A.dim_kw(dim, axis, keepdim, keepdims)
        return R.Mean.apply(self._floated(), axis=A.reduce_dims(dim, self.ndim), keepdim=keepdim)

    def _check_not_empty(self, name, dim):
        """PyTorch's errors for max/min/argmax... of nothing (NumPy's would be a ValueError)."""
        if self.array.size == 0 and (dim is None or builtins.any(
                self.shape[d] == 0 for d in (A.dims(dim, self.ndim) or ()))):
            if dim is not None:
                raise IndexError(f'{name}(): Expected reduction dim {dim} to have non-zero size.')
            if name.startswith('arg'):
                raise IndexError(f'{name}(): Expected reduction dim to be specified for input.numel() == 0.')
            raise RuntimeError(f'{name}(): Expected reduction dim to be specified for input.numel() == 0. '
                               "Specify the reduction dim with the 'dim' argument.")

    def amax(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """Maximum over ``dim`` (int or tuple). Ties share the gradient equally."""
        dim, keepdim = A.dim_kw(dim, axis, keepdim, keepdims)
        self._check_not_empty('amax', dim)
        return R.AMax.apply(self, axis=A.reduce_dims(dim, self.ndim), keepdim=keepdim)

    def amin(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """Minimum over ``dim`` (int or tuple). Ties share the gradient equally."""
        dim, keepdim = A.dim_kw(dim, axis, keepdim, keepdims)
        self._check_not_empty('amin', dim)
        return R.AMin.apply(self, axis=A.reduce_dims(dim, self.ndim), keepdim=keepdim)

    def _max_min(self, dim, keepdim, axis, keepdims, minimum):
        dim, keepdim = A.dim_kw(dim, axis, keepdim, keepdims)
        self._check_not_empty('min' if minimum else 'max', dim)
        if dim is None:
            return self.amin() if minimum else self.amax()
        if not isinstance(dim, numbers.Integral):
            raise TypeError(f'max/min take one int dim (use amax/amin for several), got {dim!r}')
        d = A.dims(dim, self.ndim)[0] if self.ndim else 0
        xp = backend.get_array_module(self.array)
        data = self.array if self.ndim else self.array.reshape(1)
        idx = (xp.argmin if minimum else xp.argmax)(data, axis=d, keepdims=True)
        x = self if self.ndim else self.reshape(1)
        values = R.Gather.apply(x, index=idx, axis=d)
        indices = self._wrap(idx.astype(np.int64, copy=False))
        if not keepdim or not self.ndim:
            values, indices = values.squeeze(d), indices.squeeze(d)
        return (min_return if minimum else max_return)(values, indices)

    def max(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """With no dim, the largest element (ties share the gradient, like ``amax``). With a dim,
        a ``(values, indices)`` pair and the gradient goes to the index returned, as in PyTorch."""
        return self._max_min(dim, keepdim, axis, keepdims, minimum=False)

    def min(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """As ``max``, for the smallest."""
        return self._max_min(dim, keepdim, axis, keepdims, minimum=True)

    def _arg(self, dim, keepdim, axis, keepdims, minimum):
        dim, keepdim = A.dim_kw(dim, axis, keepdim, keepdims)
        self._check_not_empty('argmin' if minimum else 'argmax', dim)
        xp = backend.get_array_module(self.array)
        find = xp.argmin if minimum else xp.argmax
        if dim is None:
            out = find(self.array)
            if keepdim:
                out = out.reshape((1,) * self.ndim)
        elif self.ndim == 0:
            A.dims(dim, 0)                      # checks dim
            out = xp.zeros((), dtype=np.int64)
        else:
            out = find(self.array, axis=A.dims(dim, self.ndim)[0], keepdims=keepdim)
        return self._wrap(xp.asarray(out, dtype=np.int64))

    def argmax(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """Index of the largest element (of the flattened tensor when dim is None). No gradient."""
        return self._arg(dim, keepdim, axis, keepdims, minimum=False)

    def argmin(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """Index of the smallest element (of the flattened tensor when dim is None). No gradient."""
        return self._arg(dim, keepdim, axis, keepdims, minimum=True)

    def var(self, dim=None, unbiased=None, keepdim=False, *, correction=None, axis=None, keepdims=None):
        """Variance over ``dim`` with PyTorch's default ``correction=1`` (unbiased)."""
        dim, keepdim = A.dim_kw(dim, axis, keepdim, keepdims)
        if correction is None:
            correction = 0 if unbiased is False else 1
        x = self._floated()
        dims = A.reduce_dims(dim, x.ndim)
        n = x.numel() if dims is None else int(np.prod([x.shape[d] for d in dims]))
        d = x - x.mean(dims, keepdim=True)
        return (d * d).sum(dims, keepdim=keepdim) / max(n - correction, 0)

    def std(self, dim=None, unbiased=None, keepdim=False, *, correction=None):
        return self.var(dim, unbiased, keepdim, correction=correction).sqrt()

    def norm(self, p='fro', dim=None, keepdim=False, dtype=None):
        """The vector p-norm over ``dim`` (all elements when None), as ``torch.norm``: p = 2 or
        'fro' (the default; gradient 0 at 0, as PyTorch), 1, inf, -inf, 0 (the count of
        non-zeros) or any other number."""
        x = (self if dtype is None else self.to(dtype))._floated()
        dims = A.reduce_dims(dim, x.ndim)
        if p in (2, 'fro', None):
            return R.Norm2.apply(x, axis=dims, keepdim=bool(keepdim))
        if isinstance(p, str) or not isinstance(p, numbers.Real):
            raise ValueError(f"norm: p must be a number or 'fro', got {p!r}")
        if p == 1:
            return x.abs().sum(dims, keepdim=keepdim)
        if p in (float('inf'), float('-inf')):
            return x.abs().amax(dims, keepdim) if p > 0 else x.abs().amin(dims, keepdim)
        if p == 0:
            return (x != 0).to(x.dtype).sum(dims, keepdim=keepdim)
        return (x.abs() ** p).sum(dims, keepdim=keepdim) ** (1.0 / p)

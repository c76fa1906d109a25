"""Tensor methods that write at indices (a mixin of ``TensorIndex``, see tensor_index.py):
``scatter_add index_add index_fill`` and their in-place forms. Each out-of-place form is a
differentiable op (``ops/index.py``) or built from ``masked_fill``; the in-place form records it
through ``_inplace`` (tensor_inplace.py), so views and version counters behave as PyTorch's."""
import numpy as np

from . import argcheck, backend
from .ops import index as I
from .tensor_index_args import as_1d, in_range, index_arg


class TensorIndexWrite:
    """Writes and additions at indices."""
    __slots__ = ()

    def scatter_add(self, dim, index, src):
        """A copy with ``src[i][j]`` added at ``index[i][j]`` along ``dim`` (dim 0:
        ``out[index[i][j]][j] += src[i][j]``); repeated indices accumulate.

        Args:
            dim: the dim the indices point along.
            index: an integer tensor with as many dims as ``self``, no larger than ``src`` and
                (apart from ``dim``) than ``self``.
            src: the values (``self``'s dtype), read over ``index``'s shape.

        Shape: ``self``'s. Differentiable in ``self`` and ``src``.
        """
        idx = index_arg('scatter_add', index, self)
        argcheck.tensor('scatter_add', src, 'src')
        x, d = as_1d(self, dim)
        idx = idx.reshape(1) if idx.ndim == 0 else idx
        s = src.reshape(1) if src.ndim == 0 else src
        if not idx.ndim == x.ndim == s.ndim:
            raise RuntimeError('scatter_add(): Index tensor must have the same number of dimensions '
                               f'as self and src tensors (index {list(index.shape)}, self '
                               f'{list(self.shape)}, src {list(src.shape)})')
        if any(i > n for i, n in zip(idx.shape, s.shape)) or any(
                i > n for j, (i, n) in enumerate(zip(idx.shape, x.shape)) if j != d):
            raise RuntimeError(f'scatter_add(): Expected index {list(index.shape)} to be smaller '
                               f'than self {list(self.shape)} apart from dimension {d} and to be '
                               f'smaller size than src {list(src.shape)}')
        if s.dtype != self.dtype:
            raise RuntimeError(f'scatter_add(): Expected self.dtype to be equal to src.dtype '
                               f'({self.dtype} vs {src.dtype})')
        argcheck.same_device('scatter_add', self, src=src)
        in_range('scatter_add', idx, x.shape[d], d)
        out = I.ScatterAdd.apply(x, s, index=idx, axis=d)
        return out.reshape(()) if self.ndim == 0 else out

    def scatter_add_(self, dim, index, src):
        """In-place ``scatter_add``."""
        return self._inplace(TensorIndexWrite.scatter_add, dim, index, src)

    def index_add(self, dim, index, source, *, alpha=1):
        """A copy with ``alpha * source``'s slices along ``dim`` added at the positions ``index``
        names: ``out[index[i]] += alpha * source[i]`` for dim 0; repeats accumulate.

        Args:
            dim: the dim to add along.
            index: a 1-D integer tensor, one position per slice of ``source``.
            source: ``self``'s shape and dtype except in ``dim``, of size ``len(index)``.
            alpha: a factor for ``source``.

        Shape: ``self``'s. Differentiable in ``self`` and ``source``.
        """
        idx = index_arg('index_add', index, self).reshape(-1)
        argcheck.tensor('index_add', source, 'source')
        x, d = as_1d(self, dim)
        src = source.reshape(1) if source.ndim == 0 else source
        if src.ndim != x.ndim or src.shape[d] != idx.size or any(
                a != b for j, (a, b) in enumerate(zip(src.shape, x.shape)) if j != d):
            raise RuntimeError(f'index_add_(): source {list(source.shape)} must have self\'s shape '
                               f'{list(self.shape)} except in dim {d}, where its size must be the '
                               f'number of indices ({idx.size})')
        if src.dtype != self.dtype:
            raise RuntimeError(f'index_add_(): self ({self.dtype}) and source ({source.dtype}) must '
                               'have the same scalar type')
        argcheck.same_device('index_add', self, source=source)
        in_range('index_add', idx, x.shape[d], d)
        alpha = alpha.item() if hasattr(alpha, 'item') else alpha     # NumPy scalars promote
        out = I.IndexAdd.apply(x, src, index=idx, axis=d, alpha=alpha)
        return out.reshape(()) if self.ndim == 0 else out

    def index_add_(self, dim, index, source, *, alpha=1):
        """In-place ``index_add``."""
        return self._inplace(lambda t, s: TensorIndexWrite.index_add(t, dim, index, s, alpha=alpha), source)

    def index_fill(self, dim, index, value):
        """A copy with ``value`` (a number or a 0-d tensor) in the slices along ``dim`` at the
        positions ``index`` (1-D, int) names."""
        idx = index_arg('index_fill', index, self)
        if idx.ndim > 1:
            raise IndexError('index_fill_(): Index is supposed to be a vector')
        x, d = as_1d(self, dim)
        in_range('index_fill', idx, x.shape[d], d)
        hit = backend.get_array_module(idx).zeros(x.shape[d], dtype=np.bool_)
        hit[idx.reshape(-1)] = True
        out = x.masked_fill(self._wrap(hit.reshape((-1,) + (1,) * (x.ndim - d - 1))), value)
        return out.reshape(()) if self.ndim == 0 else out

    def index_fill_(self, dim, index, value):
        """In-place ``index_fill``."""
        return self._inplace(TensorIndexWrite.index_fill, dim, index, value)

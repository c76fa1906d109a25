"""Tensor methods that write at indices (a mixin of ``TensorIndex``, see tensor_index.py):
``scatter_add scatter_reduce index_add index_copy index_fill index_reduce index_put put
masked_scatter`` and their in-place forms, ``fill_diagonal_ tril_ triu_``. Each out-of-place form
is a differentiable op
(``ops/index.py``, ``ops/shape.py``) or built from ``masked_fill``; each in-place form records it
through ``_inplace`` (tensor_inplace.py), so views and version counters behave as PyTorch's."""
import numpy as np

from . import argcheck, backend
from .ops import index as I
from .ops import shape as S
from .tensor_index_args import as_1d, broadcast_shapes, in_range, index_arg, is_tensor, mask_arg


class TensorIndexWrite:
    """Writes and additions at indices."""
    __slots__ = ()

    def _scatter_args(self, op, dim, index, src):
        """``(x, d, idx, s)`` for scatter_add / scatter_reduce, checked as PyTorch checks them."""
        idx = index_arg(op, index, self)
        argcheck.tensor(op, src, 'src')
        x, d = as_1d(self, dim)
        idx = idx.reshape(1) if idx.ndim == 0 else idx
        s = src.reshape(1) if src.ndim == 0 else src
        if not idx.ndim == x.ndim == s.ndim:
            raise RuntimeError(f'{op}(): Index tensor must have the same number of dimensions as '
                               f'self and src tensors (index {list(index.shape)}, self '
                               f'{list(self.shape)}, src {list(src.shape)})')
        if any(i > n for i, n in zip(idx.shape, s.shape)) or any(
                i > n for j, (i, n) in enumerate(zip(idx.shape, x.shape)) if j != d):
            raise RuntimeError(f'{op}(): Expected index {list(index.shape)} to be smaller than self '
                               f'{list(self.shape)} apart from dimension {d} and to be smaller '
                               f'size than src {list(src.shape)}')
        if s.dtype != self.dtype:
            raise RuntimeError(f'{op}(): Expected self.dtype to be equal to src.dtype '
                               f'({self.dtype} vs {src.dtype})')
        argcheck.same_device(op, self, src=src)
        in_range(op, idx, x.shape[d], d)
        return x, d, idx, s

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
        x, d, idx, s = self._scatter_args('scatter_add', dim, index, src)
        out = I.ScatterAdd.apply(x, s, index=idx, axis=d)
        return out.reshape(()) if self.ndim == 0 else out

    def scatter_add_(self, dim, index, src):
        """In-place ``scatter_add``."""
        return self._inplace(TensorIndexWrite.scatter_add, dim, index, src)

    def scatter_reduce(self, dim, index, src, reduce, *, include_self=True):
        """A copy with ``src[i][j]`` reduced into the place ``index[i][j]`` names along ``dim``
        (as ``scatter_add``), with ``reduce`` 'sum', 'mean', 'amax' or 'amin'; ``include_self``
        counts the tensor's own value in. Places no index names keep their value. Differentiable
        in ``self`` and ``src``: the values tied for amax/amin share the gradient evenly, as in
        PyTorch (which also counts an excluded self that ties; here only included values share).
        'prod' is not supported."""
        if reduce not in ('sum', 'mean', 'amax', 'amin', 'prod'):
            raise RuntimeError(f'reduce argument must be either sum, prod, mean, amax or amin, got '
                               f'{reduce}')
        if reduce == 'prod':
            raise NotImplementedError("scatter_reduce(reduce='prod') is not supported; 'sum', "
                                      "'mean', 'amax' and 'amin' are")
        x, d, idx, s = self._scatter_args('scatter_reduce', dim, index, src)
        out = I.ScatterReduce.apply(x, s, index=idx, axis=d, reduce=reduce,
                                    include_self=bool(include_self))
        return out.reshape(()) if self.ndim == 0 else out

    def scatter_reduce_(self, dim, index, src, reduce, *, include_self=True):
        """In-place ``scatter_reduce``."""
        return self._inplace(lambda t, s: TensorIndexWrite.scatter_reduce(
            t, dim, index, s, reduce, include_self=include_self), src)

    def index_reduce(self, dim, index, source, reduce, *, include_self=True):
        """``source``'s slices along ``dim`` reduced into the slices ``index`` names (1-D), with
        ``reduce`` 'mean', 'amax' or 'amin' ('prod' is not supported), as ``scatter_reduce``."""
        if reduce not in ('prod', 'mean', 'amax', 'amin'):
            raise RuntimeError('index_reduce(): Expected reduce to be one of prod, mean, amax or '
                               f'amin but got {reduce}.')
        x, d, idx, src = self._index_source('index_reduce', dim, index, source)
        shape = [1] * src.ndim
        shape[d] = -1
        full = self._wrap(backend.get_array_module(idx).broadcast_to(idx.reshape(shape), src.shape))
        out = x.scatter_reduce(d, full, src, reduce, include_self=include_self)
        return out.reshape(()) if self.ndim == 0 else out

    def index_reduce_(self, dim, index, source, reduce, *, include_self=True):
        """In-place ``index_reduce``."""
        return self._inplace(lambda t, s: TensorIndexWrite.index_reduce(
            t, dim, index, s, reduce, include_self=include_self), source)

    def _index_source(self, op, dim, index, source):
        """``(x, d, idx, src)`` for index_add / index_copy, checked as PyTorch checks them."""
        idx = index_arg(op, index, self).reshape(-1)
        argcheck.tensor(op, source, 'source')
        x, d = as_1d(self, dim)
        src = source.reshape(1) if source.ndim == 0 else source
        if src.ndim != x.ndim or src.shape[d] != idx.size or any(
                a != b for j, (a, b) in enumerate(zip(src.shape, x.shape)) if j != d):
            raise (IndexError if op == 'index_copy' else RuntimeError)(   # torch's kinds
                f'{op}_(): source {list(source.shape)} must have self\'s shape '
                f'{list(self.shape)} except in dim {d}, where its size must be the number of '
                f'indices ({idx.size})')
        if src.dtype != self.dtype:
            raise RuntimeError(f'{op}_(): self ({self.dtype}) and source ({source.dtype}) must '
                               'have the same scalar type')
        argcheck.same_device(op, self, source=source)
        in_range(op, idx, x.shape[d], d)
        return x, d, idx, src

    def _hit(self, x, d, idx):
        """A bool tensor that is True on the slices of ``x`` along ``d`` that ``idx`` names
        (shaped to broadcast against ``x``)."""
        hit = backend.get_array_module(idx).zeros(x.shape[d], dtype=np.bool_)
        hit[idx.reshape(-1)] = True
        return self._wrap(hit.reshape((-1,) + (1,) * (x.ndim - d - 1)))

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
        x, d, idx, src = self._index_source('index_add', dim, index, source)
        alpha = alpha.item() if hasattr(alpha, 'item') else alpha     # NumPy scalars promote
        out = I.IndexAdd.apply(x, src, index=idx, axis=d, alpha=alpha)
        return out.reshape(()) if self.ndim == 0 else out

    def index_add_(self, dim, index, source, *, alpha=1):
        """In-place ``index_add``."""
        return self._inplace(lambda t, s: TensorIndexWrite.index_add(t, dim, index, s, alpha=alpha),
                             source)

    def index_copy(self, dim, index, source):
        """A copy with ``source``'s slices along ``dim`` written at the positions ``index``
        names (``out[index[i]] = source[i]`` for dim 0); differentiable in ``self`` and
        ``source``. Repeated positions get the sum (PyTorch leaves them undefined)."""
        x, d, idx, src = self._index_source('index_copy', dim, index, source)
        out = I.IndexAdd.apply(x.masked_fill(self._hit(x, d, idx), 0), src, index=idx, axis=d)
        return out.reshape(()) if self.ndim == 0 else out

    def index_copy_(self, dim, index, source):
        """In-place ``index_copy``."""
        return self._inplace(lambda t, s: TensorIndexWrite.index_copy(t, dim, index, s), source)

    def index_fill(self, dim, index, value):
        """A copy with ``value`` (a number or a 0-d tensor) in the slices along ``dim`` at the
        positions ``index`` (1-D, int) names."""
        idx = index_arg('index_fill', index, self)
        if idx.ndim > 1:
            raise IndexError('index_fill_(): Index is supposed to be a vector')
        x, d = as_1d(self, dim)
        in_range('index_fill', idx, x.shape[d], d)
        out = x.masked_fill(self._hit(x, d, idx), value)
        return out.reshape(()) if self.ndim == 0 else out

    def index_fill_(self, dim, index, value):
        """In-place ``index_fill``."""
        return self._inplace(TensorIndexWrite.index_fill, dim, index, value)

    def index_put(self, indices, values, accumulate=False):
        """A copy with ``values`` (broadcast) written at ``self[indices]`` (a tuple of integer or
        bool tensors, as in advanced indexing), or added there with ``accumulate=True`` (repeats
        accumulate). Differentiable in ``self`` and ``values``."""
        if not isinstance(indices, (tuple, list)):
            raise TypeError(f'index_put(): indices must be a tuple of Tensors, got '
                            f'{type(indices).__name__}')
        index, dim = [], 0
        for t in indices:
            a = mask_arg('index_put', t, self) if is_tensor(t) and t.dtype == np.bool_ else \
                index_arg('index_put', t, self, 'indices')
            if a.dtype != np.bool_:
                if dim >= self.ndim:
                    raise IndexError(f'index_put(): too many indices for a tensor of dimension '
                                     f'{self.ndim}')
                backend.check_index_bounds(a, self.shape[dim], dim)
            dim += a.ndim if a.dtype == np.bool_ else 1
            index.append(a)
        argcheck.tensor('index_put', values, 'values')
        v = values.to(self.device, self.dtype)
        op = I.IndexPutAdd if accumulate else S.IndexPut
        try:
            return op.apply(self, v, index=tuple(index))
        except ValueError as e:                # NumPy's broadcast error: torch's kind of error
            raise RuntimeError(f'index_put: {e}') from None

    def index_put_(self, indices, values, accumulate=False):
        """In-place ``index_put``."""
        return self._inplace(lambda t, v: TensorIndexWrite.index_put(t, indices, v, accumulate),
                             values)

    def put(self, index, source, accumulate=False):
        """A copy with ``source``'s elements written (``accumulate=True``: added) at the
        positions ``index`` names in the flattened tensor (negative counts from the end)."""
        idx = index_arg('put', index, self).reshape(-1)
        argcheck.tensor('put', source, 'source')
        if source.numel() != idx.size:
            raise IndexError(f'put_(): Expected source and index to have the same number of '
                             f'elements, but got source.numel() = {source.numel()}, '
                             f'index.numel() = {idx.size}')
        n = self.numel()
        if idx.size and (int(idx.max()) >= n or int(idx.min()) < -n):
            bad = int(idx.max()) if int(idx.max()) >= n else int(idx.min())
            raise IndexError(f'out of range: tried to access index {bad} on a tensor of {n} '
                             'elements.')
        v = source.reshape(-1).to(self.device, self.dtype)
        op = I.IndexPutAdd if accumulate else S.IndexPut
        return op.apply(self.reshape(-1), v, index=(idx % max(n, 1),)).reshape(self.shape)

    def put_(self, index, source, accumulate=False):
        """In-place ``put``."""
        return self._inplace(lambda t, s: TensorIndexWrite.put(t, index, s, accumulate), source)

    def masked_scatter(self, mask, source):
        """A copy with the first elements of ``source`` (in order) written where ``mask`` (bool,
        broadcast with ``self``) is True. Differentiable in ``self`` and ``source``."""
        m = mask_arg('masked_scatter', mask, self)
        argcheck.tensor('masked_scatter', source, 'source')
        if source.dtype != self.dtype:
            raise RuntimeError(f'masked_scatter_: expected self and source to have same dtypes '
                               f'but got {self.dtype} and {source.dtype}')
        shape = broadcast_shapes('masked_scatter', self.shape, m.shape)
        m = backend.get_array_module(m).broadcast_to(m, shape)
        n = int(m.sum())
        if source.numel() < n:
            raise RuntimeError(f'masked_scatter: expected source to have at least {n} elements '
                               f'(the True entries of mask), got {source.numel()}')
        return S.IndexPut.apply(self.expand(shape), source.reshape(-1)[:n], index=m)

    def masked_scatter_(self, mask, source):
        """In-place ``masked_scatter``; ``mask`` must broadcast to this tensor's shape."""
        return self._inplace(TensorIndexWrite.masked_scatter, mask, source)

    def fill_diagonal_(self, fill_value, wrap=False):
        """Write ``fill_value`` on the main diagonal, in place (a tall matrix restarts it every
        ``cols + 1`` rows with ``wrap=True``; more than 2 dims need equal sizes), as PyTorch."""
        if self.ndim < 2:
            raise RuntimeError(f'dimensions must larger than 1, got a {self.ndim}-d tensor')
        if self.ndim > 2 and len(set(self.shape)) != 1:
            raise RuntimeError(f'all dimensions of input must be of equal length, got '
                               f'{list(self.shape)}')
        hit = backend.get_array_module(self.array).zeros(self.shape, dtype=np.bool_)
        backend.get_array_module(hit).fill_diagonal(hit, True, wrap=bool(wrap))
        return self.masked_fill_(self._wrap(hit), fill_value)

    def tril_(self, diagonal=0):
        """In-place ``tril``."""
        return self._inplace(lambda t: t.tril(diagonal))

    def triu_(self, diagonal=0):
        """In-place ``triu``."""
        return self._inplace(lambda t: t.triu(diagonal))

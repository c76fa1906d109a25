"""Tensor's shape methods and indexing (a mixin of ``Tensor``): reshape/view, flatten, permute,
transpose, (un)squeeze, expand and ``__getitem__``. Kept apart from tensor.py so that each file
holds one concern; like the ops, it never imports tensor.py (tensors are recognised by duck typing).
"""
import math

import numpy as np

from . import argcheck, backend
from . import dimargs as A
from .ops import shape as S


def is_tensor(x):
    return getattr(x, '_is_tensor', False)


def index_arrays(index, like):
    """Turn Tensors and lists inside an index into arrays on the tensor's device."""
    items = index if isinstance(index, tuple) else (index,)
    out = []
    for it in items:
        if is_tensor(it):
            argcheck.same_device('indexing', like, indices=it)
            it = it.array
            if it.ndim == 0 and np.issubdtype(it.dtype, np.integer):
                it = int(it)
        elif isinstance(it, list):
            it = backend.asarray(it, device=like.device)
        out.append(it)
    return tuple(out) if isinstance(index, tuple) else out[0]


class TensorShape:
    """Shape methods and indexing."""
    __slots__ = ()

    def reshape(self, *shape):
        shape = A.shape_args(shape)
        if shape == self.shape:
            return self
        try:
            target = np.broadcast_to(np.empty((), dtype=np.int8), self.shape).reshape(shape).shape
        except ValueError:
            raise RuntimeError(f"shape {list(shape)} is invalid for input of size {self.numel()} "
                               f"(shape {list(self.shape)})") from None
        return S.Reshape.apply(self, shape=target)

    view = reshape

    def view_as(self, other):
        return self.reshape(other.shape)

    def reshape_as(self, other):
        return self.reshape(other.shape)

    def flatten(self, start_dim=0, end_dim=-1):
        if self.ndim == 0:
            return self.reshape(1)
        s, e = start_dim % self.ndim, end_dim % self.ndim
        if s > e:
            raise RuntimeError('flatten() has invalid args: start_dim cannot come after end_dim')
        # the merged size is computed, not left to reshape's -1 (ambiguous for an empty batch)
        return self.reshape(self.shape[:s] + (math.prod(self.shape[s:e + 1]),) + self.shape[e + 1:])

    def permute(self, *dims):
        dims = A.shape_args(dims)
        if len(dims) != self.ndim:
            raise RuntimeError(f'permute: the number of dims ({len(dims)}) does not match the '
                               f'tensor ({self.ndim} dims, shape {list(self.shape)})')
        dims = tuple(d % self.ndim for d in dims)
        if sorted(dims) != list(range(self.ndim)):
            raise RuntimeError(f'permute: dims {dims} repeat or skip a dimension')
        return S.Permute.apply(self, dims=dims)

    def transpose(self, dim0, dim1):
        a, b = A.dims(dim0, self.ndim), A.dims(dim1, self.ndim)
        if self.ndim == 0:
            return self
        dims = list(range(self.ndim))
        a, b = a[0], b[0]
        dims[a], dims[b] = dims[b], dims[a]
        return S.Permute.apply(self, dims=tuple(dims))

    def scatter(self, dim, index, src=None, value=None, *, reduce=None):
        """A copy with ``src`` (a tensor read over ``index``'s shape, or a number: ``src=1`` or
        ``value=1``) written at ``index`` along ``dim``, as ``torch.scatter``: for dim 0 of a 2-D
        tensor, ``out[index[i][j]][j] = src[i][j]``; ``reduce='add'`` adds instead (as
        ``scatter_add``). Differentiable in ``self`` and ``src``."""
        if src is not None and not is_tensor(src) and value is None:
            src, value = None, src                    # x.scatter_(1, labels, 1): the one-hot idiom
        if reduce is not None and reduce not in ('add', 'multiply'):
            raise RuntimeError(f"reduce argument must be either 'add' or 'multiply', got {reduce!r}")
        if reduce == 'multiply':
            raise NotImplementedError("scatter(reduce='multiply') is not supported; use scatter_reduce")
        if (src is None) == (value is None):
            raise TypeError('scatter() takes one of src (a Tensor) and value (a number)')
        if not is_tensor(index) or not np.issubdtype(index.dtype, np.integer):
            raise TypeError(f'scatter(): index must be an integer Tensor, got {index!r}')
        idx = index.array.reshape(1) if index.ndim == 0 else index.array
        if idx.ndim != max(self.ndim, 1):
            raise RuntimeError(f'scatter(): index has {idx.ndim} dims but self has {self.ndim}')
        argcheck.same_device('scatter', self, index=index)
        if src is None:
            src = self._wrap(backend.asarray(value, dtype=self.dtype, device=self.device))
            src = src.expand(idx.shape)
        elif src.dtype != self.dtype:
            src = src.to(self.dtype)
        if reduce == 'add':
            return self.scatter_add(dim, index, src)
        x = self.reshape(1) if self.ndim == 0 else self
        out = S.Scatter.apply(x, src, index=idx, axis=A.one_dim(dim, x.ndim))
        return out.reshape(()) if self.ndim == 0 else out

    def t(self):
        """The transpose of a matrix (0-D and 1-D tensors come back unchanged), as PyTorch."""
        if self.ndim > 2:
            raise RuntimeError(f't() expects a tensor with <= 2 dimensions, but self is {self.ndim}D')
        return self.transpose(0, 1) if self.ndim == 2 else self

    def unsqueeze(self, dim):
        d = A.dims(dim, self.ndim + 1)[0]
        return self.reshape(self.shape[:d] + (1,) + self.shape[d:])

    def squeeze(self, dim=None):
        if dim is None:
            return self.reshape(tuple(s for s in self.shape if s != 1))
        dims = A.dims(dim, self.ndim) if self.ndim else ()
        return self.reshape(tuple(s for i, s in enumerate(self.shape) if not (i in dims and s == 1)))

    def expand(self, *sizes):
        sizes = A.shape_args(sizes)
        lead = len(sizes) - self.ndim
        if lead < 0:
            raise RuntimeError(f'expand: the number of sizes ({len(sizes)}) must be at least the '
                               f'number of dims ({self.ndim})')
        shape = tuple(self.shape[i - lead] if (s == -1 and i >= lead) else s for i, s in enumerate(sizes))
        for i, s in enumerate(self.shape):
            if s != 1 and s != shape[i + lead]:
                raise RuntimeError(f'expand: the size of dim {i} must match ({s}) or be 1, '
                                   f'got target shape {list(sizes)}')
        if shape == self.shape:
            return self
        return S.Expand.apply(self, shape=shape)

    def expand_as(self, other):
        return self.expand(other.shape)

    def __getitem__(self, index):
        return S.GetItem.apply(self, index=index_arrays(index, self))

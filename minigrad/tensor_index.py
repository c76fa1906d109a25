"""Tensor methods that select, sort and rearrange elements by index, as PyTorch's: the
``TensorIndex`` mixin of Tensor (see tensor.py). This file holds sorting and ranks (``sort
argsort topk kthvalue unique``) and selection (``gather take_along_dim index_select masked_fill
masked_select nonzero where``). TensorIndex inherits the rest from mixins of its own, one
concern per file: writes at indices (``scatter_add index_add index_fill``... in
tensor_index_write.py), cutting into pieces (``split chunk unbind select narrow``... in
tensor_index_split.py), rearranging (``flip roll repeat unfold movedim tril diag``... in
tensor_index_rearrange.py) and the ``new_*`` factories, layout queries and in-place shape changes
(tensor_index_layout.py); their shared argument checks are in tensor_index_args.py.

Every method checks its arguments as PyTorch does and raises its kind of error (``IndexError``
for a dim out of range, ``RuntimeError`` for sizes and indices that do not fit, ``TypeError`` for
a wrong type), then calls differentiable ops (``ops/index.py``, ``ops/sort.py``,
``ops/shape.py``); integer results (indices, counts) are int64. Like the ops, these modules
never import tensor.py.

``FUNCTIONS`` names the methods that PyTorch also offers as free functions (``torch.NAME``);
functions.py makes them so. ``PRINT_OPTIONS`` holds the repr's options that
``mg.set_printoptions`` (functions_index.py) changes.
"""
import collections

import numpy as np

from . import argcheck, backend
from . import dimargs as A
from .dtypes import coerce
from .ops import elementwise as E
from .ops import index as I
from .ops import reduce as R
from .ops import shape as S
from .ops import sort as O
from .tensor_index_args import (as_1d, broadcast_shapes, in_range, index_arg, int_arg, is_tensor,
                                mask_arg)
from .tensor_index_layout import TensorLayout
from .tensor_index_rearrange import TensorRearrange
from .tensor_index_split import TensorSplit
from .tensor_index_write import TensorIndexWrite

sort_return = collections.namedtuple('sort', ['values', 'indices'])
topk_return = collections.namedtuple('topk', ['values', 'indices'])
kthvalue_return = collections.namedtuple('kthvalue', ['values', 'indices'])

# numpy.array2string options of Tensor's repr; mg.set_printoptions changes them
PRINT_OPTIONS = {'precision': 4, 'threshold': 200, 'edgeitems': 3, 'max_line_width': 75,
                 'suppress_small': False}
DEFAULT_PRINT_OPTIONS = dict(PRINT_OPTIONS)


class TensorIndex(TensorIndexWrite, TensorSplit, TensorRearrange, TensorLayout):
    """Indexing, sorting and rearranging methods (see the module docstring)."""
    __slots__ = ()

    def _pick(self, x, idx, d, keep, kind):
        """``(values, indices)`` at ``idx`` along ``d`` of ``x``: values carry the gradient.
        ``idx`` comes from a sort, so no index repeats within a row: reduce.Gather's backward
        puts the gradient back without accumulating (4x faster than index.Gather's add.at)."""
        values = R.Gather.apply(x, index=idx, axis=d)
        indices = self._wrap(idx.astype(np.int64, copy=False))
        if self.ndim == 0:
            values, indices = values.reshape(()), indices.reshape(())
        elif not keep:
            values, indices = values.squeeze(d), indices.squeeze(d)
        return kind(values, indices)

    # ------------------------------------------------------------ sorting and ranks
    def sort(self, dim=-1, descending=False, stable=False):
        """Sort along ``dim``: a ``(values, indices)`` namedtuple. The sort is always stable
        (``stable`` is accepted); NaN sorts as the largest value, as in PyTorch.

        Args:
            dim: the dim to sort along (default the last).
            descending: largest first.

        Shape: values and int64 indices both have the input's shape; the gradient of
        ``values`` goes back to the positions in ``indices``.
        """
        x, d = as_1d(self, dim)
        return self._pick(x, O.argsort(x.array, d, bool(descending)), d, True, sort_return)

    def argsort(self, dim=-1, descending=False, stable=False):
        """The int64 indices that sort along ``dim`` (stable); no gradient."""
        return self.sort(dim, descending, stable).indices

    def msort(self):
        """``sort(dim=0)`` values."""
        return self.sort(0).values

    def topk(self, k, dim=-1, largest=True, sorted=True):
        """The ``k`` largest (``largest=False``: smallest) elements along ``dim``, a ``(values,
        indices)`` namedtuple; always in sorted order (``sorted=False`` is accepted).

        Args:
            k: how many (0 to the size of ``dim``).
            dim: the dim to select along (default the last).
            largest: the largest (True) or the smallest elements.

        Shape: the input's, with ``dim`` of size ``k``; indices are int64.
        """
        k = int_arg('topk', 'k', k)
        x, d = as_1d(self, dim)
        k = 1 if self.ndim == 0 and k == 0 else k          # torch gives a 0-d tensor its element
        if not 0 <= k <= x.shape[d]:
            raise RuntimeError(f'selected index k out of range: k={k} for a dimension of size '
                               f'{x.shape[d]}')
        return self._pick(x, O.topk(x.array, k, d, bool(largest)), d, True, topk_return)

    def kthvalue(self, k, dim=-1, keepdim=False):
        """The ``k``-th smallest element (k from 1) along ``dim``: ``(values, indices)``."""
        k = int_arg('kthvalue', 'k', k)
        x, d = as_1d(self, dim)
        if x.shape[d] == 0:
            raise IndexError(f'kthvalue(): Expected reduction dim {d} to have non-zero size.')
        if not 1 <= k <= x.shape[d]:
            raise RuntimeError(f'kthvalue(): selected number k out of range for dimension {d} '
                               f'(k={k}, size {x.shape[d]})')
        return self._pick(x, O.kthvalue(x.array, k, d), d, keepdim, kthvalue_return)

    def _unique_axis(self, dim):
        if dim is None:
            return None
        if self.ndim == 0:
            raise IndexError(f'Dimension specified as {dim} but tensor has no dimensions')
        axis = A.one_dim(dim, self.ndim)
        if any(s == 0 for i, s in enumerate(self.shape) if i != axis):
            raise RuntimeError("There are 0 sized dimensions, and they aren't selected, so unique "
                               'cannot be applied')
        return axis

    def unique(self, sorted=True, return_inverse=False, return_counts=False, dim=None):
        """The distinct elements (sub-tensors along ``dim``), sorted, and optionally the inverse
        indices and the counts (int64): a tensor, or a tuple when either flag is set. Not
        differentiable (PyTorch's backward for it is not implemented either); always sorted."""
        axis = self._unique_axis(dim)
        values, inverse, counts = O.unique(self.array, return_inverse, return_counts, axis)
        out = [self._wrap(values)] + [self._wrap(a.astype(np.int64, copy=False))
                                      for a in (inverse, counts) if a is not None]
        return out[0] if len(out) == 1 else tuple(out)

    def unique_consecutive(self, return_inverse=False, return_counts=False, dim=None):
        """Each run of equal neighbours (sub-tensors along ``dim``) collapsed to one element, with
        optionally the inverse indices and the run lengths (int64), as ``unique``'s results."""
        axis = self._unique_axis(dim)
        a = self.array.reshape(1) if self.ndim == 0 else self.array
        values, inverse, counts = O.unique_consecutive(a, axis)
        extra = [(return_inverse, inverse.reshape(self.shape) if axis is None else inverse),
                 (return_counts, counts)]
        out = [self._wrap(values)] + [self._wrap(e.astype(np.int64, copy=False)) for want, e in extra
                                      if want]
        return out[0] if len(out) == 1 else tuple(out)

    # ------------------------------------------------------------ selection
    def gather(self, dim, index, *, sparse_grad=False):
        """Values along ``dim`` at ``index``: for dim 1, ``out[i][j] = self[i][index[i][j]]``.

        Args:
            dim: the dim the indices point along.
            index: an integer tensor with as many dims as ``self``, no larger than ``self`` in
                the other dims; indices may repeat (their gradients add up).

        Shape: ``index``'s.
        """
        idx = index_arg('gather', index, self)
        x, d = as_1d(self, dim)
        idx = idx.reshape(1) if idx.ndim == 0 else idx
        if idx.ndim != x.ndim:
            raise RuntimeError(f'gather(): Index tensor must have the same number of dimensions as '
                               f'input tensor (index {list(index.shape)}, input {list(self.shape)})')
        if any(i > s for j, (i, s) in enumerate(zip(idx.shape, x.shape)) if j != d):
            raise RuntimeError(f'gather(): Size does not match at dimension {d}: expected index '
                               f'{list(index.shape)} to be smaller than self {list(self.shape)} '
                               f'apart from dimension {d}')
        in_range('gather', idx, x.shape[d], d)
        out = I.Gather.apply(x, index=idx, axis=d)
        return out.reshape(()) if self.ndim == 0 else out

    def take_along_dim(self, indices, dim=None):
        """``gather`` with ``indices`` broadcast against ``self`` (of the flattened tensor when
        ``dim`` is None), as ``torch.take_along_dim``."""
        if dim is None:
            return self.reshape(-1).gather(0, indices.reshape(-1))
        d = A.one_dim(dim, self.ndim)
        shape = list(broadcast_shapes('take_along_dim', self.shape, indices.shape))
        x = self.expand(shape[:d] + [self.shape[d]] + shape[d + 1:])
        return x.gather(d, indices.expand(shape[:d] + [indices.shape[d]] + shape[d + 1:]))

    def index_select(self, dim, index):
        """The slices along ``dim`` at the positions of ``index`` (1-D, int), in that order."""
        idx = index_arg('index_select', index, self)
        if idx.ndim > 1:
            raise IndexError('index_select(): Index is supposed to be a vector')
        if self.ndim == 0 and idx.size != 1:
            raise RuntimeError(f'index_select(): Index to scalar can have only 1 value, got '
                               f'{idx.size} value(s)')
        x, d = as_1d(self, dim)
        in_range('index_select', idx, x.shape[d], d)
        out = S.IndexSelect.apply(x, index=idx.reshape(-1), axis=d)
        return out.reshape(()) if self.ndim == 0 else out

    def take(self, index):
        """The elements of the flattened tensor at ``index`` (any shape; negative counts from
        the end): ``out[i] = self.reshape(-1)[index[i]]``. Shape: ``index``'s."""
        idx = index_arg('take', index, self)
        n = self.numel()
        if idx.size and (int(idx.max()) >= n or int(idx.min()) < -n):
            bad = int(idx.max()) if int(idx.max()) >= n else int(idx.min())
            raise IndexError(f'out of range: tried to access index {bad} on a tensor of {n} '
                             'elements.')
        return S.GetItem.apply(self.reshape(-1), index=idx % max(n, 1))

    def masked_fill(self, mask, value):
        """A copy with ``value`` where ``mask`` is True (attention masks: ``scores.masked_fill(mask
        == 0, float('-inf'))``).

        Args:
            mask: a bool tensor that broadcasts with ``self``.
            value: a number or a 0-d tensor, cast to this tensor's dtype.

        Shape: ``self``'s and ``mask``'s broadcast. Differentiable in ``self`` and a tensor
        ``value``.
        """
        m = mask_arg('masked_fill', mask, self)
        if is_tensor(value):
            if value.ndim:
                raise RuntimeError('masked_fill_ only supports a 0-dimensional value tensor, but '
                                   f'got tensor with {value.ndim} dimension(s).')
            v = value.to(self.device, self.dtype)
        else:
            v = self._wrap(backend.asarray(value, dtype=self.dtype, device=self.device))
        broadcast_shapes('masked_fill', self.shape, m.shape)
        return E.Where.apply(v, self, condition=m)

    def masked_fill_(self, mask, value):
        """In-place ``masked_fill``; ``mask`` must broadcast to this tensor's shape."""
        return self._inplace(TensorIndex.masked_fill, mask, value)

    def masked_select(self, mask):
        """The elements where ``mask`` (bool, broadcast with ``self``) is True, as a 1-D tensor."""
        m = mask_arg('masked_select', mask, self)
        shape = broadcast_shapes('masked_select', self.shape, m.shape)
        xp = backend.get_array_module(m)
        return S.GetItem.apply(self.expand(shape), index=xp.broadcast_to(m, shape))

    def nonzero(self, *, as_tuple=False):
        """The int64 indices of the non-zero elements: an ``(n, ndim)`` tensor, or with
        ``as_tuple=True`` one 1-D tensor per dim (a 0-d tensor counts as 1-d there)."""
        xp = backend.get_array_module(self.array)
        if as_tuple:
            a = self.array.reshape(1) if self.ndim == 0 else self.array
            return tuple(self._wrap(i.astype(np.int64, copy=False)) for i in xp.nonzero(a))
        return self._wrap(xp.argwhere(self.array).astype(np.int64, copy=False))

    def argwhere(self):
        """``nonzero()``: an ``(n, ndim)`` int64 tensor of the indices of non-zero elements."""
        return self.nonzero()

    def where(self, condition, other):
        """``self`` where ``condition`` is True, else ``other`` (a tensor or a number):
        ``torch.where(condition, self, other)``."""
        cond = condition.array if is_tensor(condition) else \
            backend.asarray(condition, device=self.device)
        argcheck.same_device('where', self, condition=cond)
        a, b = self._scalar(other) if not is_tensor(other) else coerce(self, other)
        broadcast_shapes('where', cond.shape, a.shape, b.shape)
        return E.Where.apply(a, b, condition=cond.astype(np.bool_, copy=False))


FUNCTIONS = ('sort', 'argsort', 'msort', 'topk', 'kthvalue', 'unique', 'unique_consecutive',
             'gather', 'take', 'take_along_dim', 'index_select', 'index_fill', 'index_copy',
             'index_put', 'put', 'masked_fill', 'masked_select', 'masked_scatter', 'nonzero', 'argwhere',
             'scatter_add', 'scatter_reduce', 'index_add', 'index_reduce', 'chunk', 'tensor_split', 'hsplit', 'vsplit', 'dsplit',
             'split_with_sizes', 'unbind', 'select', 'narrow', 'narrow_copy', 'unflatten', 'flip',
             'fliplr', 'flipud', 'rot90', 'roll', 'tile', 'repeat_interleave', 'ravel',
             'broadcast_to', 'movedim', 'moveaxis', 'swapaxes', 'swapdims', 'tril', 'triu',
             'diagonal', 'diag', 'diag_embed', 'diagflat', 'is_floating_point', 'is_complex',
             'is_nonzero', 'is_same_size', 'is_signed')

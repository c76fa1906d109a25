"""Tensor methods that cut a tensor into pieces (a mixin of ``TensorIndex``, see
tensor_index.py): ``split split_with_sizes chunk tensor_split hsplit vsplit dsplit unbind select
narrow unflatten`` (and ``narrow_copy split_with_sizes unsafe_split unsafe_chunk``). The pieces are views (basic indexing), as in PyTorch: each one's gradient
flows back into its place."""
import math

import numpy as np

from . import dimargs as A
from .tensor_index_args import int_arg


class TensorSplit:
    """Splitting methods."""
    __slots__ = ()

    def _slice(self, d, start, stop):
        return self[(slice(None),) * d + (slice(start, stop),)]

    def split(self, split_size, dim=0):
        """Pieces along ``dim`` (``q, k, v = qkv.split(d, dim=2)``), as views, as in PyTorch.

        Args:
            split_size: an int, the size of each piece (the last may be smaller), or a list of
                sizes that add up to the size of ``dim``.
            dim: the dim to cut.

        Returns: a tuple of tensors; each piece's gradient flows back into its place.
        """
        if self.ndim == 0:
            raise RuntimeError('split expects at least a 1-dimensional tensor')
        d = A.one_dim(dim, self.ndim)
        n = self.shape[d]
        if isinstance(split_size, (list, tuple)):
            sizes = [int_arg('split', 'split_size', s) for s in split_size]
            if any(s < 0 for s in sizes):
                raise RuntimeError('split_with_sizes expects split_sizes have only non-negative '
                                   f'entries, but got split_sizes={sizes}')
            if sum(sizes) != n:
                raise RuntimeError(f'split_with_sizes expects split_sizes to sum exactly to {n} '
                                   f"(input tensor's size at dimension {d}), but got "
                                   f'split_sizes={sizes}')
        else:
            size = int_arg('split', 'split_size', split_size)
            if size < 0 or (size == 0 and n):
                raise RuntimeError(f'split expects split_size be non-negative (and 0 only for a '
                                   f'dimension of size 0), but got split_size={size} for size {n}')
            sizes = [min(size, n - s) for s in range(0, n, size)] if n else [0]
        starts = np.cumsum([0] + sizes).tolist()
        return tuple(self._slice(d, a, a + s) for a, s in zip(starts, sizes))

    def chunk(self, chunks, dim=0):
        """At most ``chunks`` pieces along ``dim``, each of ``ceil(size / chunks)`` (the last may
        be smaller, and there may be fewer pieces), as ``torch.chunk``.

        Args:
            chunks: the number of pieces wanted (> 0).
            dim: the dim to cut.
        """
        chunks = int_arg('chunk', 'chunks', chunks)
        if self.ndim == 0:
            raise RuntimeError('chunk expects at least a 1-dimensional tensor')
        if chunks <= 0:
            raise RuntimeError(f'chunk expects `chunks` to be greater than 0, got: {chunks}')
        n = self.shape[A.one_dim(dim, self.ndim)]
        if n == 0:
            return tuple(self.split(0, dim) * chunks)
        return self.split(math.ceil(n / chunks), dim)

    def tensor_split(self, indices_or_sections, dim=0):
        """``torch.tensor_split``: ``n`` pieces of near-equal size (the first ``size % n`` one
        larger), or pieces cut before each index of a list."""
        if self.ndim == 0:
            raise RuntimeError('tensor_split expected at least a 1-dimensional tensor, but got a '
                               'tensor with 0 dims')
        d = A.one_dim(dim, self.ndim)
        n = self.shape[d]
        if isinstance(indices_or_sections, (list, tuple)):
            cuts = [int_arg('tensor_split', 'indices', i) for i in indices_or_sections]
            cuts = [min(max(i + n if i < 0 else i, 0), n) for i in cuts]     # as Python slicing
        else:
            k = int_arg('tensor_split', 'sections', indices_or_sections)
            if k <= 0:
                raise RuntimeError(f'number of sections must be larger than 0, got {k}')
            cuts = np.cumsum([n // k + (i < n % k) for i in range(k - 1)]).tolist()
        bounds = [0] + cuts + [n]
        return tuple(self._slice(d, a, max(a, b)) for a, b in zip(bounds, bounds[1:]))

    def _split_sections(self, name, d, indices_or_sections):
        if not isinstance(indices_or_sections, (list, tuple)):
            k = int_arg(name, 'sections', indices_or_sections)
            if k <= 0 or self.shape[d] % k:
                raise RuntimeError(f'torch.{name} attempted to split along dimension {d}, but the '
                                   f'size of the dimension {self.shape[d]} is not divisible by the '
                                   f'split_size {k}!')
        return self.tensor_split(indices_or_sections, d)

    def hsplit(self, indices_or_sections):
        """``tensor_split`` along dim 1 (dim 0 for a 1-D tensor); sections must divide evenly."""
        if self.ndim < 1:
            raise RuntimeError('torch.hsplit requires a tensor with at least 1 dimension, but got '
                               'a tensor with 0 dimensions!')
        return self._split_sections('hsplit', 0 if self.ndim == 1 else 1, indices_or_sections)

    def vsplit(self, indices_or_sections):
        """``tensor_split`` along dim 0 of a tensor of at least 2 dims; sections divide evenly."""
        if self.ndim < 2:
            raise RuntimeError('torch.vsplit requires a tensor with at least 2 dimension, but got '
                               f'a tensor with {self.ndim} dimensions!')
        return self._split_sections('vsplit', 0, indices_or_sections)

    def dsplit(self, indices_or_sections):
        """``tensor_split`` along dim 2 of a tensor of at least 3 dims; sections divide evenly."""
        if self.ndim < 3:
            raise RuntimeError('torch.dsplit requires a tensor with at least 3 dimension, but got '
                               f'a tensor with {self.ndim} dimensions!')
        return self._split_sections('dsplit', 2, indices_or_sections)

    def unbind(self, dim=0):
        """The slices along ``dim``, each without that dim: a tuple of views."""
        if self.ndim == 0:
            raise IndexError('Dimension specified as 0 but tensor has no dimensions')
        d = A.one_dim(dim, self.ndim)
        return tuple(self.select(d, i) for i in range(self.shape[d]))

    def select(self, dim, index):
        """The slice at ``index`` along ``dim``, without that dim (a view): ``x.select(1, 0)`` is
        ``x[:, 0]``."""
        if self.ndim == 0:
            raise IndexError('select() cannot be applied to a 0-dim tensor.')
        d, i = A.one_dim(dim, self.ndim), int_arg('select', 'index', index)
        if not -self.shape[d] <= i < self.shape[d]:
            raise IndexError(f'select(): index {i} out of range for tensor of size '
                             f'{list(self.shape)} at dimension {d}')
        return self[(slice(None),) * d + (i,)]

    def narrow(self, dim, start, length):
        """The view of ``length`` elements of ``dim`` from ``start`` (negative counts from the end)."""
        if self.ndim == 0:
            raise RuntimeError('narrow() cannot be applied to a 0-dim tensor.')
        d = A.one_dim(dim, self.ndim)
        start, length = int_arg('narrow', 'start', start), int_arg('narrow', 'length', length)
        n = self.shape[d]
        if not -n <= start <= n:
            raise IndexError(f'start out of range (expected to be in range of [{-n}, {n}], but got '
                             f'{start})')
        start = start + n if start < 0 else start
        if length < 0 or start + length > n:
            raise RuntimeError(f'start ({start}) + length ({length}) exceeds dimension size ({n}).')
        return self._slice(d, start, start + length)

    def narrow_copy(self, dim, start, length):
        """``narrow`` as a new tensor (not a view)."""
        return self.narrow(dim, start, length).clone()

    def split_with_sizes(self, split_sizes, dim=0):
        """``split`` with a list of sizes."""
        if not isinstance(split_sizes, (list, tuple)):
            raise TypeError(f'split_with_sizes(): argument \'split_sizes\' must be a list of ints, '
                            f'not {type(split_sizes).__name__}')
        return self.split(list(split_sizes), dim)

    unsafe_split = split
    unsafe_chunk = chunk

    def unflatten(self, dim, sizes):
        """Expand ``dim`` into ``sizes`` (one of them may be -1): ``(N, 12) -> (N, 3, 4)`` with
        ``unflatten(1, (3, 4))``; the inverse of ``flatten``."""
        if self.ndim == 0:
            raise RuntimeError('unflatten: Dimension specified as 0 but tensor has no dimensions')
        d = A.one_dim(dim, self.ndim)
        sizes = [int_arg('unflatten', 'sizes', s) for s in sizes]
        if not sizes:
            raise RuntimeError('unflatten: sizes must be non-empty')
        known = math.prod(s for s in sizes if s != -1)
        if sizes.count(-1) > 1 or (-1 not in sizes and known != self.shape[d]) or (
                -1 in sizes and (known == 0 or self.shape[d] % known)):
            raise RuntimeError(f"unflatten: Provided sizes {sizes} don't multiply up to the size of "
                               f'dim {d} ({self.shape[d]}) in the input tensor')
        sizes = [self.shape[d] // known if s == -1 else s for s in sizes]
        return self.reshape(self.shape[:d] + tuple(sizes) + self.shape[d + 1:])

"""Tensor methods that rearrange elements (a mixin of ``TensorIndex``, see tensor_index.py):
``flip fliplr flipud rot90 roll repeat tile repeat_interleave unfold broadcast_to movedim
swapaxes mT tril triu diagonal diag diag_embed``."""
from . import backend
from . import dimargs as A
from .ops import index as I
from .ops import shape as S
from .tensor_index_args import index_arg, int_arg, is_tensor


class TensorRearrange:
    """Rearranging methods."""
    __slots__ = ()

    # ------------------------------------------------------------ rearranging
    def flip(self, *dims_args, dims=None):
        """Reverse the order of the elements along ``dims`` (a copy): ``x.flip(0)``,
        ``x.flip(0, 1)``, ``x.flip([0, 1])``, ``torch.flip(x, dims=[0])``."""
        if dims is None:
            if not dims_args:
                raise TypeError('flip() missing 1 required positional argument: "dims"')
            dims = A.shape_args(dims_args)
        axes = A.dims(dims, self.ndim)
        if self.ndim == 0:
            axes = ()
        return I.Flip.apply(self, axes=axes)

    def fliplr(self):
        """``flip(1)``; needs at least 2 dims."""
        if self.ndim < 2:
            raise RuntimeError(f'Input must be >= 2-d, got a {self.ndim}-d tensor')
        return self.flip(1)

    def flipud(self):
        """``flip(0)``; needs at least 1 dim."""
        if self.ndim < 1:
            raise RuntimeError('Input must be >= 1-d, got a 0-d tensor')
        return self.flip(0)

    def roll(self, shifts, dims=None):
        """Shift elements cyclically: ``out[(i + shift) % n] = x[i]`` along each dim.

        Args:
            shifts: an int or a tuple of ints, one per dim in ``dims``.
            dims: an int or a tuple of dims; None rolls the flattened tensor (one shift).
        """
        shifts = tuple(shifts) if isinstance(shifts, (list, tuple)) else (shifts,)
        shifts = tuple(int_arg('roll', 'shifts', s) for s in shifts)
        if dims is None:
            if len(shifts) != 1:
                raise RuntimeError(f'shifts and dimensions must align. shifts: {len(shifts)}, dims:0')
            return I.Roll.apply(self, shifts=shifts[0], axes=None)
        dims = tuple(dims) if isinstance(dims, (list, tuple)) else (dims,)
        if len(shifts) != len(dims):
            raise RuntimeError(f'shifts and dimensions must align. shifts: {len(shifts)}, '
                               f'dims:{len(dims)}')
        if self.ndim == 0:
            raise IndexError(f'Dimension specified as {dims[0]} but tensor has no dimensions')
        axes = tuple(A.one_dim(d, self.ndim) for d in dims)
        return I.Roll.apply(self, shifts=shifts, axes=axes)

    def rot90(self, k=1, dims=(0, 1)):
        """Rotate by 90 degrees ``k`` times in the plane of ``dims``, from the first dim towards
        the second (a copy)."""
        dims = tuple(dims)
        if len(dims) != 2:
            raise RuntimeError(f'expected total rotation dims == 2, but got dims = {len(dims)}')
        if self.ndim < 2:
            raise RuntimeError(f'expected total dims >= 2, but got total dims = {self.ndim}')
        d0, d1 = A.one_dim(dims[0], self.ndim), A.one_dim(dims[1], self.ndim)
        if d0 == d1:
            raise RuntimeError(f'expected rotation dims to be different, but got dim0 = {d0} and '
                               f'dim1 = {d1}')
        k = int_arg('rot90', 'k', k) % 4
        if k == 0:
            return I.Flip.apply(self, axes=())
        if k == 2:
            return self.flip(d0, d1)
        return self.flip(d1 if k == 1 else d0).transpose(d0, d1)

    def repeat(self, *sizes, repeats=None):
        """Tile the tensor: ``repeats[i]`` copies along dim i; more sizes than dims add leading
        dims, as ``torch.Tensor.repeat`` (NumPy's ``tile``, not ``repeat``: for that, see
        ``repeat_interleave``). ``img.repeat(1, 3, 1, 1)`` makes a grey image RGB.

        Shape: (s0, ..., sn) with repeats (r0, ..., rn) -> (r0 * s0, ..., rn * sn). The gradient
        is the sum over the copies.
        """
        repeats = sizes if repeats is None else (repeats,)
        if not repeats:
            raise TypeError('repeat() missing 1 required positional arguments: "repeats"')
        reps = tuple(int_arg('repeat', 'repeats', r) for r in A.shape_args(repeats))
        if len(reps) < self.ndim:
            raise RuntimeError('Number of dimensions of repeat dims can not be smaller than number '
                               f'of dimensions of tensor ({reps} for shape {list(self.shape)})')
        if any(r < 0 for r in reps):
            raise RuntimeError(f'repeat(): negative repeats are not allowed, got {list(reps)}')
        return I.Repeat.apply(self, repeats=reps)

    def tile(self, *dims_args, dims=None):
        """``repeat`` that also takes fewer sizes than dims (ones are put in front)."""
        reps = A.shape_args(dims_args) if dims is None else A.shape_args((dims,))
        return self.repeat((1,) * (self.ndim - len(reps)) + tuple(reps))

    def repeat_interleave(self, repeats=None, dim=None, *, output_size=None):
        """Repeat each element (each slice along ``dim``; of the flattened tensor when None)
        ``repeats`` times: an int, or a 1-D int tensor with one count per element. Without
        ``repeats`` this tensor holds the counts: ``repeat_interleave(tensor([2, 1]))`` is
        ``tensor([0, 0, 1])``, as ``torch.repeat_interleave(repeats)``."""
        if repeats is None:
            index_arg('repeat_interleave', self, self, 'repeats')
            return self._wrap(backend.get_array_module(self.array).arange(
                self.numel(), dtype=self.dtype)).repeat_interleave(self)
        if dim is not None and self.ndim == 0:
            raise IndexError(f'Dimension specified as {dim} but tensor has no dimensions')
        x = self.reshape(-1) if dim is None else self
        d = 0 if dim is None else A.one_dim(dim, self.ndim)
        n = x.shape[d] if x.ndim else 1
        if is_tensor(repeats):
            reps = index_arg('repeat_interleave', repeats, self, 'repeats').reshape(-1)
            if reps.size not in (1, n):
                raise RuntimeError(f'repeats must have the same size as input along dim {d}: {n}, '
                                   f'got {reps.size}')
            low = int(reps.min()) if reps.size else 0
        else:
            reps = low = int_arg('repeat_interleave', 'repeats', repeats)
        if low < 0:
            raise RuntimeError('repeat_interleave: repeats can not be negative')
        xp = backend.get_array_module(x.array)
        index = xp.repeat(xp.arange(n), reps)
        return S.IndexSelect.apply(x.reshape(1) if x.ndim == 0 else x, index=index, axis=d)

    def unfold(self, dimension, size, step):
        """All windows of ``size`` elements along ``dimension``, ``step`` apart: that dim becomes
        the window count ``(n - size) // step + 1`` and a last dim of ``size`` is added (ViT-style
        patches: ``x.unfold(2, p, p).unfold(3, p, p)``). A copy here (PyTorch returns a view);
        the gradient adds up over overlapping windows."""
        d = A.one_dim(dimension, self.ndim)
        x = self.reshape(1) if self.ndim == 0 else self
        n = x.shape[d]
        size, step = int_arg('unfold', 'size', size), int_arg('unfold', 'step', step)
        if size > n:
            raise RuntimeError(f'maximum size for tensor at dimension {d} is {n} but size is {size}')
        if step <= 0:
            raise RuntimeError(f'step is {step} but must be > 0')
        xp = backend.get_array_module(self.array)
        count = (n - size) // step + 1
        index = (xp.arange(count)[:, None] * step + xp.arange(size)).reshape(-1)
        out = S.IndexSelect.apply(x, index=index, axis=d)
        out = out.reshape(x.shape[:d] + (count, size) + x.shape[d + 1:]).movedim(d + 1, -1)
        return out.reshape(size) if self.ndim == 0 else out

    def ravel(self):
        """The elements as a 1-D tensor (``reshape(-1)``)."""
        return self.reshape(-1)

    def broadcast_to(self, *size):
        """``expand`` to ``size`` (-1 keeps a dim), as ``torch.broadcast_to``."""
        return self.expand(A.shape_args(size))

    def movedim(self, source, destination):
        """Move the dims ``source`` (an int or a tuple) to the positions ``destination``; the
        other dims keep their order."""
        src = tuple(source) if isinstance(source, (list, tuple)) else (source,)
        dst = tuple(destination) if isinstance(destination, (list, tuple)) else (destination,)
        if len(src) != len(dst):
            raise RuntimeError(f'movedim: Invalid source or destination dims: source ({list(src)} '
                               f'dims) should contain the same number of dims as destination '
                               f'({list(dst)} dims)')
        src = [A.one_dim(s, self.ndim) for s in src]
        dst = [A.one_dim(s, self.ndim) for s in dst]
        for name, ds in (('source', src), ('destination', dst)):
            if len(set(ds)) != len(ds):
                raise RuntimeError(f'movedim: repeated dim in `{name}` ({ds})')
        if self.ndim == 0:
            return self
        rest = iter(d for d in range(self.ndim) if d not in src)
        where = dict(zip(dst, src))
        return self.permute(tuple(where[i] if i in where else next(rest) for i in range(self.ndim)))

    moveaxis = movedim

    def swapaxes(self, axis0, axis1):
        """``transpose(axis0, axis1)``."""
        return self.transpose(axis0, axis1)

    def swapdims(self, dim0, dim1):
        """``transpose(dim0, dim1)``."""
        return self.transpose(dim0, dim1)

    @property
    def mT(self):
        """The last two dims transposed (a batch of matrices)."""
        if self.ndim < 2:
            raise RuntimeError('tensor.mT is only supported on matrices or batches of matrices. '
                               f'Got {self.ndim}-D tensor.')
        return self.transpose(-2, -1)

    mH = mT

    def _triangle(self, diagonal, upper):
        if self.ndim < 2:
            raise RuntimeError(f'{"triu" if upper else "tril"}: input tensor must have at least 2 '
                               f'dimensions, got shape {list(self.shape)}')
        return I.Triangle.apply(self, diagonal=int_arg('tril', 'diagonal', diagonal), upper=upper)

    def tril(self, diagonal=0):
        """The lower triangle of the last two dims (on and below the ``diagonal``-th diagonal);
        the rest zero."""
        return self._triangle(diagonal, upper=False)

    def triu(self, diagonal=0):
        """The upper triangle of the last two dims (on and above the ``diagonal``-th diagonal)."""
        return self._triangle(diagonal, upper=True)

    def diagonal(self, offset=0, dim1=0, dim2=1):
        """The ``offset``-th diagonal of the matrices in dims ``dim1``, ``dim2``, as the last dim."""
        if self.ndim < 2:
            raise RuntimeError(f'diagonal(): expected a tensor with at least 2 dims, got {self.ndim}')
        a, b = A.one_dim(dim1, self.ndim), A.one_dim(dim2, self.ndim)
        if a == b:
            raise RuntimeError(f'diagonal dimensions cannot be identical {dim1}, {dim2}')
        x = self.movedim((a, b), (-2, -1))
        xp = backend.get_array_module(self.array)
        rows, cols = I.diagonal_at(x.shape[-2:], int_arg('diagonal', 'offset', offset), xp)
        return x[..., rows, cols]

    def diag_embed(self, offset=0, dim1=-2, dim2=-1):
        """Matrices with the last dim on their ``offset``-th diagonal, in the new dims ``dim1``,
        ``dim2`` (counted in the output): shape (..., n) -> (..., n + |offset|, n + |offset|)."""
        a, b = A.one_dim(dim1, self.ndim + 1), A.one_dim(dim2, self.ndim + 1)
        if a == b:
            raise RuntimeError(f'diagonal dimensions cannot be identical {dim1}, {dim2}')
        x = self.reshape(1) if self.ndim == 0 else self
        out = I.DiagEmbed.apply(x, diagonal=int_arg('diag_embed', 'offset', offset))
        return out.movedim((-2, -1), (a, b))

    def diagflat(self, offset=0):
        """The flattened tensor on the ``offset``-th diagonal of a square matrix."""
        return self.reshape(-1).diag(offset)

    def diag(self, diagonal=0):
        """A 1-D tensor becomes the ``diagonal``-th diagonal of a square matrix; a 2-D tensor
        gives its ``diagonal``-th diagonal."""
        if self.ndim == 2:
            return self.diagonal(diagonal)
        if self.ndim != 1:
            raise RuntimeError(f'diag(): Supports 1D or 2D tensors. Got {self.ndim}D')
        return I.DiagEmbed.apply(self, diagonal=int_arg('diag', 'diagonal', diagonal))

"""Argument normalisers shared by Tensor methods and free functions: dims, dim/axis aliases and
shape arguments, each turned into one canonical form with PyTorch's error messages."""
import numbers


class Size(tuple):
    """A shape, as ``torch.Size``: a tuple (``mg.Size([2, 3]) == (2, 3)``) with ``numel()``."""

    def numel(self):
        n = 1
        for s in self:
            n *= s
        return n

    def __repr__(self):
        return f'minigrad.Size({list(self)})'


def dims(dim, ndim):
    """Normalise an int or a tuple of dims to a sorted tuple of non-negative ints (None stays)."""
    if dim is None:
        return None
    items = (dim,) if isinstance(dim, numbers.Integral) else tuple(dim)
    out = []
    for d in items:
        lo, hi = (-ndim, ndim - 1) if ndim else (-1, 0)
        if not isinstance(d, numbers.Integral):
            raise TypeError(f'a dim must be an int, got {type(d).__name__} {d!r}')
        if not lo <= d <= hi:
            raise IndexError(f'Dimension out of range (expected to be in range of [{lo}, {hi}], '
                             f'but got {d})')
        out.append(d % ndim if ndim else 0)
    if len(set(out)) != len(out):
        raise RuntimeError(f'dim {dim} appears multiple times in the list of dims')
    return tuple(sorted(out))


def one_dim(dim, ndim):
    """One dim as a non-negative int."""
    return dims(dim, ndim)[0]


def reduce_dims(dim, ndim):
    """``dims`` for a reduction: a 0-d tensor accepts dim 0 or -1 and reduces over nothing."""
    ds = dims(dim, ndim)
    return () if (ndim == 0 and ds is not None) else ds


def dim_kw(dim, axis, keepdim, keepdims):
    """Accept NumPy's axis/keepdims as aliases of PyTorch's dim/keepdim."""
    if axis is not None:
        if dim is not None:
            raise TypeError('give dim or axis, not both')
        dim = axis
    if keepdims is not None:
        keepdim = keepdims
    return dim, bool(keepdim)


def shape_args(shape):
    """``f(2, 3)`` and ``f((2, 3))`` both give ``(2, 3)``."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        return tuple(shape[0])
    return tuple(shape)

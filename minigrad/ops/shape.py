"""Shape ops: reshape, permute, expand, indexing, concatenation, padding."""
import numpy as np

from .. import backend
from ..autograd import Function, unbroadcast
from ..backend import get_array_module, put_along_axis


class Contiguous(Function):
    """A C-ordered copy (``Tensor.contiguous`` of a transposed or strided tensor)."""
    def forward(self, x):
        return get_array_module(x).ascontiguousarray(x)

    # d contiguous(x) = dx
    def backward(self, g):
        return g


class Reshape(Function):
    is_view = True

    def forward(self, x, shape):
        self.shape = x.shape
        return x.reshape(shape)

    # d reshape(x) = reshape back
    def backward(self, g):
        return g.reshape(self.shape)


class Permute(Function):
    is_view = True

    def forward(self, x, dims):
        self.dims = dims
        return x.transpose(dims)

    # d permute(x) = the inverse permutation of the gradient
    def backward(self, g):
        inv = [0] * len(self.dims)
        for i, d in enumerate(self.dims):
            inv[d] = i
        return g.transpose(inv)


class Expand(Function):
    is_view = True

    def forward(self, x, shape):
        self.shape = x.shape
        return get_array_module(x).broadcast_to(x, shape)

    # d expand(x) = sum over the broadcast dims
    def backward(self, g):
        return unbroadcast(g, self.shape)


def _is_advanced(index):
    items = index if isinstance(index, tuple) else (index,)
    return any(not isinstance(i, (int, slice, type(None), type(Ellipsis))) for i in items)


class GetItem(Function):
    """``x[index]``: ints, slices (any step), None, Ellipsis, integer and boolean arrays."""
    is_view = True      # basic indexing gives a view (advanced indexing a copy: no shared memory)

    def forward(self, x, index):
        self.shape, self.dtype, self.index = x.shape, x.dtype, index
        self.advanced = _is_advanced(index)
        if self.advanced and not isinstance(x, np.ndarray):
            _check_bounds(x.shape, index)
        return x[index]

    # d x[i] = zeros with the gradient written (added, for repeated indices) at i
    def backward(self, g):
        xp = get_array_module(g)
        gx = xp.zeros(self.shape, dtype=g.dtype)
        if self.advanced:
            backend.scatter_add(gx, self.index, g)
        else:
            gx[self.index] = g
        return gx


def _check_bounds(shape, index):
    """CuPy wraps out-of-range integer indices where NumPy raises: make both raise."""
    items = index if isinstance(index, tuple) else (index,)
    dim = 0
    for it in items:
        if it is None:
            continue
        if it is Ellipsis:
            dim = len(shape) - sum(1 for j in items if j is not None and j is not Ellipsis
                                   and not (hasattr(j, 'dtype') and j.dtype == bool))
            continue
        if hasattr(it, 'dtype') and it.dtype != bool:
            backend.check_index_bounds(it, shape[dim], dim)
        dim += it.ndim if (hasattr(it, 'dtype') and it.dtype == bool) else 1


class IndexSelect(Function):
    """``take(x, index, axis)`` with an integer index array (used by non-constant padding)."""
    def forward(self, x, index, axis):
        self.shape, self.index, self.axis = x.shape, index, axis
        return get_array_module(x).take(x, index, axis=axis)

    # d take(x, i) = add the gradient slices back at i (repeats accumulate)
    def backward(self, g):
        xp = get_array_module(g)
        gx = xp.zeros(self.shape, dtype=g.dtype)
        moved = xp.moveaxis(gx, self.axis, 0)         # a view: (shape[axis], ...)
        backend.scatter_add(moved, self.index, xp.moveaxis(g, self.axis, 0))
        return gx


class Cat(Function):
    def forward(self, *xs, axis=0):
        xp = get_array_module(*xs)
        self.axis = axis
        self.sizes = [x.shape[axis] for x in xs]
        return xp.concatenate(xs, axis=axis)

    # d cat(xs) = the gradient split back into the pieces
    def backward(self, g):
        out, start = [], 0
        for n, need in zip(self.sizes, self.needs_input_grad):
            if need:
                sl = [slice(None)] * g.ndim
                sl[self.axis] = slice(start, start + n)
                out.append(g[tuple(sl)])
            else:
                out.append(None)
            start += n
        return tuple(out)


class ConstantPad(Function):
    """Pad with a constant; ``widths`` is NumPy's ((before, after), ...) per dim, all >= 0."""
    def forward(self, x, widths, value=0.0):
        xp = get_array_module(x)
        self.slices = tuple(slice(b, b + n) for (b, _), n in zip(widths, x.shape))
        out = xp.full(tuple(n + b + a for (b, a), n in zip(widths, x.shape)), value, dtype=x.dtype)
        out[self.slices] = x
        return out

    # d pad(x) = the gradient cropped back to x
    def backward(self, g):
        return g[self.slices]


class IndexPut(Function):
    """``x[index] = v`` computed out of place: a copy of ``x`` with ``v`` (broadcast) written at
    ``index``. Tensor's in-place writes (``__setitem__``, ``copy_``, ``fill_``...) on tensors
    that take part in a graph are recorded through it (index ``...`` for the whole tensor)."""
    def forward(self, x, v, index):
        self.index, self.vshape = index, v.shape
        out = x.copy()
        out[index] = v
        return out

    # d out = dx where nothing was written, dv (summed over its broadcast) where it was
    def backward(self, g):
        gx = gv = None
        if self.needs_input_grad[0]:
            gx = get_array_module(g).array(g, copy=True)      # g may be a NumPy scalar
            gx[self.index] = 0
        if self.needs_input_grad[1]:
            gv = unbroadcast(g[self.index], self.vshape)
        return gx, gv


class Scatter(Function):
    """``torch.scatter``: a copy of ``x`` with ``src[i]`` written at ``index[i]`` along ``axis``
    (``src`` is read over ``index``'s shape; on repeated indices the last write wins)."""
    def forward(self, x, src, index, axis):
        self.index, self.axis, self.src_shape = index, axis, src.shape
        self.part = tuple(slice(0, n) for n in index.shape)        # what index covers of src,
        self.region = tuple(slice(None) if d == axis else p        # and of x (all of dim axis)
                            for d, p in enumerate(self.part))
        out = x.copy()
        put_along_axis(out[self.region], index, src[self.part], axis)
        return out

    # d out = dx where nothing was written, d src = the gradient read back at index
    def backward(self, g):
        xp = get_array_module(g)
        gx = gs = None
        if self.needs_input_grad[0]:
            gx = xp.array(g, copy=True)                       # g may be a NumPy scalar
            put_along_axis(gx[self.region], self.index, 0, self.axis)
        if self.needs_input_grad[1]:
            gs = xp.zeros(self.src_shape, dtype=g.dtype)
            gs[self.part] = xp.take_along_axis(g[self.region], self.index, axis=self.axis)
        return gx, gs

"""Indexing ops on raw arrays: gather, scatter-add and scatter-reduce along a dim, index_add,
index_put with accumulation, flip, roll, repeat, triangles (tril/triu) and diagonals.

``along_axis(index, axis)`` turns PyTorch's "index along a dim" (``out[i][j] = x[index[i][j]][j]``
for dim 0) into one NumPy/CuPy advanced index: ``index`` on ``axis`` and open ranges on the other
dims, covering only as much of them as ``index`` has (PyTorch lets ``index`` be smaller than the
tensor there). Repeated indices accumulate in every backward (``backend.scatter_add``).
"""
import numpy as np

from .. import backend
from ..autograd import Function, unbroadcast
from ..backend import get_array_module


def along_axis(index, axis):
    """The advanced index that reads ``x[..., index, ...]`` element by element along ``axis``."""
    xp = get_array_module(index)
    grid = list(xp.ogrid[tuple(slice(n) for n in index.shape)])
    grid[axis] = index
    return tuple(grid)


class Gather(Function):
    """``torch.gather``: ``out`` has ``index``'s shape, ``out[i][j] = x[index[i][j]][j]`` (dim 0)."""
    def forward(self, x, index, axis):
        self.shape, self.at = x.shape, along_axis(index, axis)
        return x[self.at]

    # d gather(x) = the gradient added back at the picked places (repeats accumulate)
    def backward(self, g):
        gx = get_array_module(g).zeros(self.shape, dtype=g.dtype)
        backend.scatter_add(gx, self.at, g)
        return gx


class ScatterAdd(Function):
    """``torch.scatter_add``: a copy of ``x`` with ``src[i][j]`` added at ``index[i][j]`` along
    ``axis`` (``src`` is read over ``index``'s shape)."""
    def forward(self, x, src, index, axis):
        self.src_shape, self.at = src.shape, along_axis(index, axis)
        self.part = tuple(slice(0, n) for n in index.shape)      # what index covers of src
        out = x.copy()
        backend.scatter_add(out, self.at, src[self.part])
        return out

    # d out = dx everywhere, d src = the gradient read back at index
    def backward(self, g):
        gs = None
        if self.needs_input_grad[1]:
            gs = get_array_module(g).zeros(self.src_shape, dtype=g.dtype)
            gs[self.part] = g[self.at]
        return g, gs


def _segment_extreme(pos, values, maximum):
    """For each distinct position in ``pos``, the largest (smallest) of its ``values``:
    ``(positions, extremes)``. A stable sort by (position, value), no ufunc.at: NumPy and CuPy."""
    xp = get_array_module(values)
    order = xp.lexsort(xp.stack([values.astype(np.float64) if values.dtype.kind in 'bf' else values,
                                 pos]))
    pos, values = pos[order], values[order]
    edge = xp.ones(pos.size, dtype=bool)                    # last (first) of each position's run
    if maximum:
        edge[:-1] = pos[1:] != pos[:-1]
    else:
        edge[1:] = pos[1:] != pos[:-1]
    return pos[edge], values[edge]


class ScatterReduce(Function):
    """``torch.scatter_reduce`` for ``reduce`` 'sum', 'mean', 'amax' or 'amin': ``src[i][j]``
    (read over ``index``'s shape) is reduced into ``x[index[i][j]][j]`` along ``axis``, together
    with ``x``'s own value when ``include_self``; places no index names keep ``x``'s value. An
    integer 'mean' rounds down, as PyTorch."""
    def forward(self, x, src, index, axis, reduce='sum', include_self=True):
        xp = get_array_module(x)
        self.at, self.reduce, self.include_self = along_axis(index, axis), reduce, include_self
        self.src_shape, self.part = src.shape, tuple(slice(0, n) for n in index.shape)
        s = src[self.part]
        hit = xp.zeros(x.shape, dtype=bool)
        hit[self.at] = True
        out = x.copy()
        if not include_self:
            out[hit] = 0
        if reduce in ('sum', 'mean'):
            backend.scatter_add(out, self.at, s)
            if reduce == 'mean':
                count = xp.zeros(x.shape, dtype=np.int64)
                backend.scatter_add(count, self.at, 1)
                count += int(include_self)
                self.count = xp.maximum(count, 1).astype(x.dtype if x.dtype.kind == 'f' else np.int64)
                out = out / self.count if x.dtype.kind == 'f' else out // self.count
        else:
            pos = xp.ravel_multi_index(xp.broadcast_arrays(*self.at), x.shape).ravel()
            where, best = _segment_extreme(pos, s.ravel(), reduce == 'amax')
            flat = out.reshape(-1)
            pick = xp.maximum if reduce == 'amax' else xp.minimum
            flat[where] = pick(flat[where], best) if include_self else best
        self.hit = hit
        if reduce in ('amax', 'amin'):
            self.save_for_backward(x, s, out)
        return out.astype(x.dtype, copy=False)

    # sum: d out = dx (where x is included) + d src at index; mean: the same over the count;
    # amax/amin: the gradient shared evenly by the values equal to the result (x's and src's)
    def backward(self, g):
        xp = get_array_module(g)
        keep = ~self.hit if not self.include_self else xp.ones(g.shape, dtype=bool)
        if self.reduce in ('sum', 'mean'):
            share = g / self.count if self.reduce == 'mean' else g
            gx = xp.where(self.hit, share, g) * keep
            gs_part = share[self.at]
        else:
            x, s, out = self.saved
            from_x = (x == out) & self.hit & keep
            from_s = s == out[self.at]
            ties = from_x.astype(g.dtype)
            backend.scatter_add(ties, self.at, from_s.astype(g.dtype))
            ties = xp.maximum(ties, 1)
            gx = xp.where(self.hit, g * from_x / ties, g)
            gs_part = (g / ties)[self.at] * from_s
        gs = None
        if self.needs_input_grad[1]:
            gs = xp.zeros(self.src_shape, dtype=g.dtype)
            gs[self.part] = gs_part
        return gx.astype(g.dtype, copy=False), gs


class IndexPutAdd(Function):
    """``x.index_put(index, v, accumulate=True)``: a copy of ``x`` with ``v`` (broadcast) added at
    the advanced index ``index`` (a tuple of integer or bool arrays); repeats accumulate."""
    def forward(self, x, v, index):
        self.index, self.vshape = index, v.shape
        out = x.copy()
        backend.scatter_add(out, index, v)
        return out

    # d out = dx everywhere, d v = the gradient read back at the index (summed over v's broadcast)
    def backward(self, g):
        gv = unbroadcast(g[self.index], self.vshape) if self.needs_input_grad[1] else None
        return g, gv


class IndexAdd(Function):
    """``torch.index_add``: a copy of ``x`` with ``alpha * source``'s slices along ``axis`` added at
    the positions ``index`` (1-D) names; repeated positions accumulate."""
    def forward(self, x, source, index, axis, alpha=1):
        xp = get_array_module(x)
        self.index, self.axis, self.alpha = index, axis, alpha
        out = x.copy()
        backend.scatter_add(xp.moveaxis(out, axis, 0), index, xp.moveaxis(source, axis, 0) * alpha)
        return out

    # d out = dx everywhere, d source = alpha * the gradient's slices at index
    def backward(self, g):
        gs = None
        if self.needs_input_grad[1]:
            gs = get_array_module(g).take(g, self.index, axis=self.axis) * self.alpha
        return g, gs


class Flip(Function):
    """Reverse the order along ``axes`` (a copy, as PyTorch's flip)."""
    def forward(self, x, axes):
        self.axes = axes
        return get_array_module(x).flip(x, axes).copy()

    # d flip(x) = flip(g)
    def backward(self, g):
        return get_array_module(g).flip(g, self.axes)


class Roll(Function):
    """Shift elements cyclically by ``shifts`` along ``axes`` (of the flattened array when None)."""
    def forward(self, x, shifts, axes):
        self.shifts, self.axes = shifts, axes
        return get_array_module(x).roll(x, shifts, axes)

    # d roll(x, s) = roll(g, -s)
    def backward(self, g):
        back = -self.shifts if isinstance(self.shifts, int) else tuple(-s for s in self.shifts)
        return get_array_module(g).roll(g, back, self.axes)


class Repeat(Function):
    """``torch.Tensor.repeat``: tile ``x`` ``repeats[i]`` times along dim i (``repeats`` may have
    more entries than ``x`` has dims: ``x`` is then treated as having leading dims of size 1)."""
    def forward(self, x, repeats):
        self.shape, self.repeats = x.shape, repeats
        lead = (1,) * (len(repeats) - x.ndim)
        return get_array_module(x).tile(x.reshape(lead + x.shape), repeats)

    # d repeat(x) = the sum of the gradient over the copies
    def backward(self, g):
        shape = (1,) * (len(self.repeats) - len(self.shape)) + self.shape
        split = [n for r, s in zip(self.repeats, shape) for n in (r, s)]    # (r0, s0, r1, s1, ...)
        return g.reshape(split).sum(axis=tuple(range(0, len(split), 2))).reshape(self.shape)


class Triangle(Function):
    """``tril`` (``upper=False``) or ``triu``: zero the elements above (below) the ``diagonal``-th
    diagonal of the last two dims."""
    def forward(self, x, diagonal=0, upper=False):
        self.diagonal, self.upper = diagonal, upper
        xp = get_array_module(x)
        return (xp.triu if upper else xp.tril)(x, diagonal)

    # d tril(x) = tril(g)
    def backward(self, g):
        xp = get_array_module(g)
        return (xp.triu if self.upper else xp.tril)(g, self.diagonal)


def diagonal_at(shape, diagonal, xp):
    """(rows, cols) of the ``diagonal``-th diagonal of a matrix of ``shape`` (above the main
    diagonal for ``diagonal > 0``)."""
    n = max(0, min(shape[0] + min(diagonal, 0), shape[1] - max(diagonal, 0)))
    i = xp.arange(n)
    return i + max(-diagonal, 0), i + max(diagonal, 0)


class DiagEmbed(Function):
    """``torch.diag_embed`` (and ``torch.diag`` of a 1-D tensor): the last dim of ``x``, of size n,
    becomes the ``diagonal``-th diagonal of (n + |diagonal|)-square matrices in two new last dims."""
    def forward(self, x, diagonal=0):
        xp = get_array_module(x)
        m = x.shape[-1] + abs(diagonal)
        self.at = (Ellipsis,) + diagonal_at((m, m), diagonal, xp)
        out = xp.zeros(x.shape[:-1] + (m, m), dtype=x.dtype)
        out[self.at] = x
        return out

    # d diag_embed(x) = the gradient's diagonal
    def backward(self, g):
        return g[self.at]

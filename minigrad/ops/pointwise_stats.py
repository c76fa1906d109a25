"""Ops behind the order statistics of tensor_pointwise_stats.py: running maxima/minima with
their indices (``cummax``/``cummin``) and a value picked from all elements whose gradient is
shared by the elements equal to it (``median()``/``nanmedian()`` without a dim, as PyTorch).

(``median``/``quantile`` along a dim pick elements with ``ops.reduce.Gather``.)
"""
import numpy as np

from ..autograd import Function
from ..backend import get_array_module, scatter_add


def running_extreme(x, axis, minimum):
    """``(values, indices)`` of the running max (min) along ``axis``: at ties the later index,
    and a NaN, once met, stays (as PyTorch's cummax/cummin)."""
    xp = get_array_module(x)
    xm = xp.moveaxis(x, axis, 0)
    vals = xp.empty_like(xm)
    idx = xp.zeros(xm.shape, dtype=np.int64)
    nan = xp.isnan(xm) if xm.dtype.kind == 'f' else None
    for i in range(xm.shape[0]):
        v = xm[i]
        if i == 0:
            take = xp.ones(v.shape, dtype=bool)
        else:
            take = (v <= vals[i - 1]) if minimum else (v >= vals[i - 1])
            if nan is not None:
                take = (take | nan[i]) & ~xp.isnan(vals[i - 1])
        vals[i] = xp.where(take, v, vals[i - 1]) if i else v
        idx[i] = xp.where(take, i, idx[i - 1]) if i else 0
    return xp.moveaxis(vals, 0, axis), xp.moveaxis(idx, 0, axis)


class CumExtreme(Function):
    """The values of the running max (min) along ``axis``; ``self.indices`` keeps where each
    came from."""
    def forward(self, x, axis, minimum=False):
        out, self.indices = running_extreme(x, axis, minimum)
        self.shape, self.axis = x.shape, axis
        return out

    # d cummax(x)_j = dx_{index_j}: each output's gradient goes back to its source (summed)
    def backward(self, g):
        xp = get_array_module(g)
        gx = xp.zeros(self.shape, dtype=g.dtype)
        shape = self.indices.shape       # open index grids (CuPy's indices() has no sparse=)
        where = [xp.arange(n).reshape([n if i == k else 1 for i in range(len(shape))])
                 for k, n in enumerate(shape)]
        where[self.axis] = self.indices
        scatter_add(gx, tuple(where), g)
        return gx


class EvenlyAt(Function):
    """``value``, an element of ``x`` (or NaN); its gradient is split evenly among the elements
    of ``x`` equal to it (the NaNs when it is NaN), as PyTorch's median() does."""
    def forward(self, x, value):
        xp = get_array_module(x)
        self.save_for_backward(x)
        self.value = value
        return xp.asarray(value, dtype=x.dtype)

    # d pick(x) = [x == value] dx / (number of such elements)
    def backward(self, g):
        (x,) = self.saved
        xp = get_array_module(g)
        mask = xp.isnan(x) if xp.isnan(self.value) else (x == self.value)
        return g * mask / max(int(mask.sum()), 1)

"""Sorting and selection by rank on raw arrays: the index arrays behind ``sort``, ``argsort``,
``topk``, ``kthvalue`` and ``unique``.

There is no Function here: the values that ``sort``, ``topk`` and ``kthvalue`` return are a
gather of the input at these indices (``ops.reduce.Gather``), which carries the gradient; the
indices themselves have none. Orders follow PyTorch: sorts are stable (equal elements keep their
order, also when descending), NaN counts as larger than every number.
"""
import numpy as np

from ..backend import get_array_module


def argsort(x, axis, descending=False):
    """Indices that sort ``x`` along ``axis``, stably (ties in their original order)."""
    xp = get_array_module(x)
    if not descending:
        return xp.argsort(x, axis=axis, kind='stable')
    # a stable ascending sort of the reversed array, read backwards: descending, ties in order
    rev = xp.flip(xp.argsort(xp.flip(x, axis), axis=axis, kind='stable'), axis)
    return x.shape[axis] - 1 - rev


def topk(x, k, axis, largest=True):
    """Indices of the ``k`` largest (or smallest) elements along ``axis``, in sorted order."""
    order = argsort(x, axis, descending=largest)
    return order[(slice(None),) * axis + (slice(0, k),)]


def kthvalue(x, k, axis):
    """Indices of the ``k``-th smallest element (1-based) along ``axis``, that axis kept (size 1)."""
    order = argsort(x, axis)
    return order[(slice(None),) * axis + (slice(k - 1, k),)]


def unique(x, return_inverse=False, return_counts=False, axis=None):
    """The sorted distinct values of ``x`` (of its sub-arrays along ``axis``), with the inverse
    index (each element's position among them, in ``x``'s shape, or along ``axis``) and the counts
    of each: a tuple ``(values, inverse or None, counts or None)``."""
    xp = get_array_module(x)
    res = xp.unique(x, return_inverse=True, return_counts=True, axis=axis)
    values, inverse, counts = res
    if return_inverse:
        inverse = inverse.reshape(x.shape if axis is None else (x.shape[axis],))
    return values, (inverse if return_inverse else None), (counts if return_counts else None)


def unique_consecutive(x, axis=None):
    """Runs of equal neighbours collapsed to one: ``(values, inverse, counts)`` as in
    ``unique``, for runs in order instead of sorted distinct values."""
    xp = get_array_module(x)
    moved = x.reshape(-1) if axis is None else xp.moveaxis(x, axis, 0)
    rows = moved.reshape(moved.shape[0], int(np.prod(moved.shape[1:])))
    starts = xp.ones(rows.shape[0], dtype=bool)
    starts[1:] = (rows[1:] != rows[:-1]).any(axis=1)
    first = xp.flatnonzero(starts)
    values = moved[first] if axis is None else xp.moveaxis(moved[first], 0, axis)
    inverse = xp.cumsum(starts) - 1
    counts = xp.diff(xp.concatenate([first, xp.asarray([rows.shape[0]])]))
    return values, inverse.reshape(x.shape if axis is None else (-1,)), counts


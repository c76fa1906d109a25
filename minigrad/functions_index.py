"""Free functions of the indexing family that are not just Tensor methods (see tensor_index.py
for those): ``is_tensor``, ``split`` (torch's argument name), ``meshgrid``, ``set_printoptions``,
``searchsorted``/``bucketize``, ``atleast_1d/2d/3d`` and the stacks ``hstack vstack row_stack
dstack column_stack`` (``concat``/``concatenate`` name ``cat``), ``tril_indices``/``triu_indices``,
``broadcast_shapes broadcast_tensors cartesian_prod combinations block_diag`` (``inference_mode``
is autograd's)."""
import itertools
import sys
import warnings

import numpy as np

from . import argcheck, backend
from .dimargs import Size
from .functions import cat, pad, stack
from .tensor import Tensor
from .tensor_index import DEFAULT_PRINT_OPTIONS, PRINT_OPTIONS

__all__ = ['is_tensor', 'split', 'meshgrid', 'set_printoptions', 'searchsorted', 'bucketize',
           'atleast_1d', 'atleast_2d', 'atleast_3d', 'hstack', 'vstack', 'row_stack', 'dstack',
           'column_stack', 'tril_indices', 'triu_indices', 'concat', 'concatenate',
           'broadcast_shapes', 'broadcast_tensors', 'cartesian_prod', 'combinations', 'block_diag']


def is_tensor(obj):
    """Whether ``obj`` is a minigrad Tensor (or a subclass, such as ``nn.Parameter``)."""
    return isinstance(obj, Tensor)


def split(tensor, split_size_or_sections, dim=0):
    """``tensor.split(split_size_or_sections, dim)``: pieces of one size (the last may be
    smaller) or of the sizes in a list, along ``dim``."""
    return tensor.split(split_size_or_sections, dim)


def meshgrid(*tensors, indexing=None):
    """Coordinate grids from 1-D tensors: with ``indexing='ij'`` (the default, with PyTorch's
    warning when not given) output ``i`` varies along dim ``i``; with ``'xy'`` the first two
    dims are swapped (Cartesian, as NumPy's default).

    Shape: N tensors of sizes (n1, ..., nN) give N tensors of shape (n1, ..., nN) ('ij') or
    (n2, n1, n3, ..., nN) ('xy'). Differentiable: each output is an expanded view of its input.
    """
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing is None:
        warnings.warn('torch.meshgrid: in an upcoming release, it will be required to pass the '
                      'indexing argument.', UserWarning, stacklevel=2)
        indexing = 'ij'
    if indexing not in ('ij', 'xy'):
        raise ValueError(f"torch.meshgrid: indexing must be one of 'xy' or 'ij', but received: "
                         f'{indexing}')
    if not tensors:
        raise RuntimeError('meshgrid expects a non-empty TensorList')
    for t in tensors:
        if not isinstance(t, Tensor) or t.ndim > 1:
            raise RuntimeError('meshgrid expects all tensors to be 0-D or 1-D, got '
                               f'{[tuple(getattr(u, "shape", ())) for u in tensors]}')
    sizes = [t.numel() for t in tensors]
    order = list(range(len(tensors)))
    if indexing == 'xy' and len(tensors) >= 2:
        order[0], order[1] = 1, 0
    shape = [sizes[i] for i in order]
    out = []
    for i, t in enumerate(tensors):
        view = [1] * len(tensors)
        view[order.index(i)] = sizes[i]
        out.append(t.reshape(view).expand(shape))
    return tuple(out)


_PROFILES = {'default': {}, 'short': {'precision': 2, 'edgeitems': 2},
             'full': {'threshold': sys.maxsize}}


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None, profile=None,
                     sci_mode=None):
    """Printing options of tensors, as ``torch.set_printoptions``.

    Args:
        precision: digits after the decimal point (default 4).
        threshold: element count above which the repr summarises with ``...`` (default 200).
        edgeitems: items shown at each end of a summarised dim (default 3).
        linewidth: characters per line (default 75).
        profile: ``'default'``, ``'short'`` or ``'full'`` (no summarising); applied first.
        sci_mode: False never uses scientific notation (NumPy's ``suppress``); True and None
            (the default) leave the choice to NumPy, which uses it for very large or small values.
    """
    if profile is not None:
        if profile not in _PROFILES:
            raise ValueError(f"set_printoptions: profile must be 'default', 'short' or 'full', "
                             f'got {profile!r}')
        PRINT_OPTIONS.clear()
        PRINT_OPTIONS.update(DEFAULT_PRINT_OPTIONS, **_PROFILES[profile])
    for key, value in (('precision', precision), ('threshold', threshold),
                       ('edgeitems', edgeitems), ('max_line_width', linewidth)):
        if value is not None:
            PRINT_OPTIONS[key] = value
    if sci_mode is not None:
        PRINT_OPTIONS['suppress_small'] = sci_mode is False


def searchsorted(sorted_sequence, values, *, out_int32=False, right=False, side=None, sorter=None):
    """Where ``values`` would go in ``sorted_sequence`` (sorted along its last dim) to keep it
    sorted: the index of the first element ``>= value`` (``right=True`` or ``side='right'``:
    ``> value``). A 1-D sequence serves every value; an N-D one must match ``values`` in all but
    the last dim (row by row). int64 indices (int32 with ``out_int32``); no gradient.
    """
    if side not in (None, 'left', 'right'):
        raise RuntimeError(f"side can only be 'left' or 'right' but got {side!r}")
    if side == 'left' and right:
        raise RuntimeError("side and right can't be set to opposites, got side of left while "
                           'right was True')
    side = side or ('right' if right else 'left')
    argcheck.tensor('searchsorted', sorted_sequence, 'sorted_sequence')
    seq = sorted_sequence.array
    xp = backend.get_array_module(seq)
    if sorter is not None:
        seq = xp.take_along_axis(seq, sorter.array, axis=-1)
    vals = values.array if isinstance(values, Tensor) else \
        backend.asarray(values, device=sorted_sequence.device)
    if seq.ndim <= 1:
        out = xp.searchsorted(seq.reshape(-1), vals, side=side)
    else:
        if vals.ndim != seq.ndim or vals.shape[:-1] != seq.shape[:-1]:
            raise RuntimeError('torch.searchsorted(): boundaries tensor should be 1 dimension or the '
                               'first N-1 dimensions of boundaries tensor and input value tensor '
                               f'must match, but we got boundaries tensor {list(seq.shape)} and '
                               f'input value tensor {list(vals.shape)}')
        rows, vrows = seq.reshape(-1, seq.shape[-1]), vals.reshape(-1, vals.shape[-1])
        out = xp.stack([xp.searchsorted(r, v, side=side) for r, v in zip(rows, vrows)])
        out = out.reshape(vals.shape)
    return Tensor._wrap(xp.asarray(out, dtype=np.int32 if out_int32 else np.int64))


def bucketize(input, boundaries, *, out_int32=False, right=False):
    """The bucket of each element of ``input`` between the sorted 1-D ``boundaries``:
    ``boundaries[i-1] < x <= boundaries[i]`` gives ``i`` (``right=True``: ``boundaries[i-1] <= x <
    boundaries[i]``), as ``torch.bucketize``. int64 (int32 with ``out_int32``); no gradient."""
    argcheck.tensor('bucketize', boundaries, 'boundaries')
    if boundaries.ndim != 1:
        raise RuntimeError(f'boundaries tensor must be 1 dimension, but got dim({boundaries.ndim})')
    return searchsorted(boundaries, input, out_int32=out_int32, side='right' if right else 'left')


def _at_least(ndim, tensors):
    """``tensors`` (one tensor, several, or one list) with dims added as torch.atleast_Nd adds them:
    leading ones, except that atleast_3d makes (n,) (1, n, 1) and (m, n) (m, n, 1)."""
    def grow(t):
        if t.ndim >= ndim:
            return t
        if ndim == 3 and t.ndim:
            return t.reshape(((1,) if t.ndim == 1 else ()) + t.shape + (1,))
        return t.reshape((1,) * (ndim - t.ndim) + t.shape)
    if len(tensors) == 1 and isinstance(tensors[0], Tensor):
        return grow(tensors[0])
    items = tensors[0] if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)) else tensors
    return tuple(grow(t) for t in items)


def atleast_1d(*tensors):
    """Each tensor with at least 1 dim (a 0-d one becomes shape (1,))."""
    return _at_least(1, tensors)


def atleast_2d(*tensors):
    """Each tensor with at least 2 dims (leading dims of size 1 added)."""
    return _at_least(2, tensors)


def atleast_3d(*tensors):
    """Each tensor with at least 3 dims: (n,) -> (1, n, 1), (m, n) -> (m, n, 1), as torch."""
    return _at_least(3, tensors)


def hstack(tensors):
    """Concatenate along dim 1 (dim 0 for 1-D tensors)."""
    ts = atleast_1d(list(tensors))
    return cat(ts, 0 if ts[0].ndim == 1 else 1)


def vstack(tensors):
    """Concatenate along dim 0, 1-D tensors as rows."""
    return cat(atleast_2d(list(tensors)), 0)


row_stack = vstack


def dstack(tensors):
    """Concatenate along dim 2 (depth), after ``atleast_3d``."""
    return cat(atleast_3d(list(tensors)), 2)


def column_stack(tensors):
    """Concatenate along dim 1, 0-d and 1-D tensors as columns."""
    return cat([t.reshape(t.numel(), 1) if t.ndim <= 1 else t for t in tensors], 1)


def _triangle_indices(lower, row, col, offset, dtype, device):
    rows, cols = (np.tril_indices if lower else np.triu_indices)(row, offset, col)
    return Tensor._wrap(backend.to_device(np.stack([rows, cols]).astype(dtype), device))


def tril_indices(row, col, offset=0, *, dtype=np.int64, device=None, layout=None):
    """The (2, N) row and column indices of the lower triangle of a ``row`` x ``col`` matrix
    (on and below the ``offset``-th diagonal), row by row, as ``torch.tril_indices``."""
    return _triangle_indices(True, row, col, offset, dtype, device)


def triu_indices(row, col, offset=0, *, dtype=np.int64, device=None, layout=None):
    """The (2, N) indices of the upper triangle (on and above the ``offset``-th diagonal)."""
    return _triangle_indices(False, row, col, offset, dtype, device)


concat = concatenate = cat          # torch's other names of cat


def broadcast_shapes(*shapes):
    """The shape that ``shapes`` broadcast to (an ``mg.Size``), as ``torch.broadcast_shapes``."""
    shapes = [(s,) if isinstance(s, int) else tuple(s) for s in shapes]
    try:
        return Size(np.broadcast_shapes(*shapes))
    except ValueError:
        raise RuntimeError(f'shapes {[list(s) for s in shapes]} do not broadcast') from None


def broadcast_tensors(*tensors):
    """The tensors expanded to their common broadcast shape (views that share memory)."""
    shape = broadcast_shapes(*(t.shape for t in tensors))
    return tuple(t.expand(shape) for t in tensors)


def cartesian_prod(*tensors):
    """Every combination of one element of each 1-D tensor, as rows (``itertools.product``);
    one tensor comes back as it is."""
    if len(tensors) == 1:
        return tensors[0]
    grids = meshgrid(*tensors, indexing='ij')
    return stack([g.reshape(-1) for g in grids], dim=1)


def combinations(input, r=2, with_replacement=False):
    """The ``r``-element combinations of a 1-D tensor's elements, as rows
    (``itertools.combinations``, or ``combinations_with_replacement``). Differentiable."""
    if input.ndim != 1:
        raise RuntimeError(f'Expect a 1D vector, but got shape {list(input.shape)}')
    pick = itertools.combinations_with_replacement if with_replacement else itertools.combinations
    rows = list(pick(range(input.shape[0]), r))
    if not rows:
        return input.new_zeros((0, r) if r else (0,))
    index = Tensor._wrap(backend.to_device(np.asarray(rows, np.int64).reshape(-1), input.device))
    return input.index_select(0, index).reshape(len(rows), r)


def block_diag(*tensors):
    """The tensors (0-, 1- or 2-D) as blocks on the diagonal of one matrix, zeros elsewhere."""
    blocks = [t.reshape(1, -1) if t.ndim < 2 else t for t in tensors]
    for t in blocks:
        if t.ndim != 2:
            raise RuntimeError(f'torch.block_diag: Input tensors must have 2 or fewer dimensions. '
                               f'Input has {t.ndim} dimensions')
    width, left, rows = sum(t.shape[1] for t in blocks), 0, []
    for t in blocks:
        rows.append(pad(t, (left, width - left - t.shape[1])))
        left += t.shape[1]
    return cat(rows, 0)


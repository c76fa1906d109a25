"""Order statistics and counts as PyTorch's Tensor methods (``median nanmedian quantile
nanquantile mode cummax cummin bincount histc histogram``): the ``TensorStats`` mixin, a base of
``TensorPointwise`` (tensor_pointwise.py, whose ``FUNCTIONS`` lists these names too).

As PyTorch: ``median`` is the lower of the two middle values; with a dim it returns
``(values, indices)`` and the gradient goes to the index returned, without one the gradient is
shared by the elements equal to the median; a NaN makes ``median``/``quantile`` NaN, while the
``nan*`` forms skip NaNs. Ops: ops/pointwise_stats.py, ops.reduce.Gather, ops.sort.argsort.
"""
import collections
import numbers

import numpy as np

from . import backend
from . import dimargs as A
from .dtypes import is_float
from .ops import elementwise as E
from .ops import pointwise_stats as PS
from .ops import reduce as R
from .ops import shape as S
from .ops.sort import argsort

_histogram_return = collections.namedtuple('histogram', ['hist', 'bin_edges'])
_pairs = {name: collections.namedtuple(name, ['values', 'indices'])
          for name in ('median', 'nanmedian', 'mode', 'cummax', 'cummin')}
_QUANTILE_MODES = ('linear', 'lower', 'higher', 'midpoint', 'nearest')


def _take(a, index, axis):
    return backend.get_array_module(a).take_along_axis(a, index, axis=axis)


class TensorStats:
    """Medians, quantiles, modes, running extremes, histograms."""
    __slots__ = ()

    def _nonempty(self, name):
        if self.numel() == 0:
            raise RuntimeError(f'{name}() cannot be computed for an empty tensor')

    def _rank_index(self, d, nan_skip):
        """Per row along ``d`` (kept, size 1): the index of the lower median (NaN rows: the first
        NaN, unless ``nan_skip``, then the median of the other values)."""
        xp = backend.get_array_module(self.array)
        x = self.array
        order = argsort(x, d)                               # stable, NaN last
        nan = xp.isnan(x) if is_float(self.dtype) else xp.zeros(x.shape, dtype=bool)
        count = x.shape[d] - nan.sum(axis=d, keepdims=True) if nan_skip else \
            xp.full([1 if i == d else s for i, s in enumerate(x.shape)], x.shape[d])
        k = xp.maximum((count - 1) // 2, 0)
        idx = _take(order, k, d)
        if not nan_skip:
            idx = xp.where(nan.any(axis=d, keepdims=True), xp.argmax(nan, axis=d, keepdims=True), idx)
        return idx

    def _median(self, dim, keepdim, nan_skip, name):
        self._nonempty(name)
        if dim is None:
            flat = self.reshape(-1)
            i = int(flat._rank_index(0, nan_skip)[0])
            return PS.EvenlyAt.apply(self, value=self.array.reshape(-1)[i])
        d = A.one_dim(dim, self.ndim) if self.ndim else 0
        x = self if self.ndim else self.reshape(1)
        idx = x._rank_index(d, nan_skip)
        values, indices = R.Gather.apply(x, index=idx, axis=d), self._wrap(idx.astype(np.int64))
        if not keepdim or not self.ndim:
            values, indices = values.squeeze(d), indices.squeeze(d)
        return _pairs[name](values, indices)

    def median(self, dim=None, keepdim=False):
        """The lower median of all elements (a 0-d tensor), or along ``dim`` a ``(values,
        indices)`` pair. NaN if there is a NaN."""
        return self._median(dim, keepdim, False, 'median')

    def nanmedian(self, dim=None, keepdim=False):
        """``median`` of the values that are not NaN."""
        return self._median(dim, keepdim, True, 'nanmedian')

    def _quantile(self, q, dim, keepdim, interpolation, nan_skip, name):
        if not is_float(self.dtype):
            raise RuntimeError(f'{name}() input tensor must be either float or double dtype, got {self.dtype}')
        if interpolation not in _QUANTILE_MODES:
            raise ValueError(f'{name}() interpolation must be one of {_QUANTILE_MODES}, got {interpolation!r}')
        qs = np.asarray(backend.asnumpy(q.array) if getattr(q, '_is_tensor', False) else q, dtype=np.float64)
        if qs.ndim > 1:
            raise RuntimeError(f'{name}() q must be a scalar or 1D tensor, got {qs.ndim} dims')
        if qs.size == 0 or ((qs < 0) | (qs > 1)).any():
            raise RuntimeError(f'{name}() q must be in the range [0, 1] but got {qs.tolist()}')
        self._nonempty(name)
        x = self.reshape(-1) if dim is None else self
        d = 0 if dim is None else A.one_dim(dim, self.ndim)
        xp = backend.get_array_module(x.array)
        nan = xp.isnan(x.array)
        order = argsort(x.array, d)
        count = (x.shape[d] - nan.sum(axis=d, keepdims=True)) if nan_skip else x.shape[d]
        outs = []
        for qv in qs.reshape(-1):
            pos = xp.asarray(qv * (count - 1), dtype=np.float64)
            lo = xp.clip(xp.floor(pos), 0, None).astype(np.int64)
            hi = xp.clip(xp.ceil(pos), 0, None).astype(np.int64)
            shape = [1 if i == d else s for i, s in enumerate(x.shape)]
            lo, hi = xp.broadcast_to(lo, shape), xp.broadcast_to(hi, shape)
            if interpolation == 'nearest':
                lo = hi = xp.broadcast_to(xp.rint(pos).astype(np.int64), shape)
            v_lo = R.Gather.apply(x, index=_take(order, lo, d), axis=d)
            v_hi = R.Gather.apply(x, index=_take(order, hi, d), axis=d)
            if interpolation in ('lower', 'nearest'):
                out = v_lo
            elif interpolation == 'higher':
                out = v_hi
            elif interpolation == 'midpoint':
                out = (v_lo + v_hi) * 0.5
            else:
                frac = self._wrap(xp.broadcast_to(pos - xp.floor(pos), shape).astype(x.dtype))
                out = v_lo + (v_hi - v_lo) * frac
            if not nan_skip:        # a NaN in the row makes its quantile NaN
                out = E.Where.apply(self._wrap(xp.full(shape, np.nan, dtype=x.dtype)), out,
                                    condition=nan.any(axis=d, keepdims=True))
            if dim is None:
                out = out.reshape([1] * self.ndim) if keepdim else out.reshape(())
            elif not keepdim:
                out = out.squeeze(d)
            outs.append(out)
        if qs.ndim == 0:
            return outs[0]
        return S.Cat.apply(*[o.unsqueeze(0) for o in outs], axis=0)

    def quantile(self, q, dim=None, keepdim=False, *, interpolation='linear'):
        """The ``q``-th quantiles (``q`` a number or a 1-D tensor in [0, 1]; a tensor adds a
        first dim) of all elements or along ``dim``, interpolating between ranks as
        ``torch.quantile`` (``'linear' 'lower' 'higher' 'midpoint' 'nearest'``)."""
        return self._quantile(q, dim, keepdim, interpolation, False, 'quantile')

    def nanquantile(self, q, dim=None, keepdim=False, *, interpolation='linear'):
        """``quantile`` of the values that are not NaN."""
        return self._quantile(q, dim, keepdim, interpolation, True, 'nanquantile')

    def mode(self, dim=-1, keepdim=False):
        """The most frequent value along ``dim`` (the smallest at ties) and the last index
        where it occurs: a ``(values, indices)`` pair."""
        self._nonempty('mode')
        x = self if self.ndim else self.reshape(1)
        d = A.one_dim(dim, x.ndim)
        xp = backend.get_array_module(x.array)
        order = argsort(x.array, d)
        s = np.moveaxis(backend.asnumpy(_take(x.array, order, d)), d, -1)
        o = np.moveaxis(backend.asnumpy(order), d, -1)
        pick = np.empty(s.shape[:-1] + (1,), dtype=np.int64)
        for row in np.ndindex(*s.shape[:-1]):
            vals, start, counts = np.unique(s[row], return_index=True, return_counts=True)
            best = int(np.argmax(counts))                         # the first: the smallest value
            pick[row] = o[row][start[best] + counts[best] - 1]    # the run's last: largest index
        idx = backend.to_device(np.moveaxis(pick, -1, d), x.device)
        values, indices = R.Gather.apply(x, index=idx, axis=d), self._wrap(idx)
        if not keepdim or not self.ndim:
            values, indices = values.squeeze(d), indices.squeeze(d)
        return _pairs['mode'](values, indices)

    def _cum_extreme(self, dim, minimum):
        name = 'cummin' if minimum else 'cummax'
        x = self if self.ndim else self.reshape(1)
        if not isinstance(dim, numbers.Integral):
            raise TypeError(f'{name}(): dim must be an int, got {dim!r}')
        d = A.one_dim(dim, x.ndim)
        values = PS.CumExtreme.apply(x, axis=d, minimum=minimum)
        indices = self._wrap(PS.running_extreme(x.array, d, minimum)[1])
        if not self.ndim:
            values, indices = values.reshape(()), indices.reshape(())
        return _pairs[name](values, indices)

    def cummax(self, dim):
        """Running maxima along ``dim`` and the index each came from (the later one at ties)."""
        return self._cum_extreme(dim, False)

    def cummin(self, dim):
        """Running minima along ``dim`` and the index each came from (the later one at ties)."""
        return self._cum_extreme(dim, True)

    def bincount(self, weights=None, minlength=0):
        """How often each value 0, 1, ... occurs in a 1-D tensor of non-negative integers (int64),
        or the sums of ``weights`` per value. Not differentiable."""
        xp = backend.get_array_module(self.array)
        if self.ndim != 1 or is_float(self.dtype) or self.dtype == np.bool_ or (
                self.numel() and bool((self.array < 0).any())):
            raise RuntimeError('bincount only supports 1-d non-negative integral inputs, got '
                               f'{self.dtype} of shape {list(self.shape)}')
        if weights is None:
            return self._wrap(xp.bincount(self.array, minlength=minlength).astype(np.int64))
        if weights.shape != self.shape:
            raise RuntimeError(f'bincount: weights should be 1-d and have the same length as input, '
                               f'got {list(weights.shape)} for {list(self.shape)}')
        dt = weights.dtype if is_float(weights.dtype) else np.dtype(np.float64)
        return self._wrap(xp.bincount(self.array, weights=weights.array, minlength=minlength).astype(dt))

    def histc(self, bins=100, min=0, max=0):
        """A histogram of ``bins`` equal bins over [min, max] (the data's range when min == max);
        elements outside are ignored. Not differentiable."""
        if not is_float(self.dtype):
            raise RuntimeError(f'histc() needs a floating-point tensor, got {self.dtype}')
        if bins <= 0:
            raise RuntimeError(f'histc(): bins must be > 0, got {bins}')
        xp = backend.get_array_module(self.array)
        x = self.array.reshape(-1)
        lo, hi = float(min), float(max)
        if lo == hi and x.size:
            lo, hi = float(x.min()), float(x.max())
        if lo == hi:
            lo, hi = lo - 1, hi + 1
        if lo > hi:
            raise RuntimeError(f'histc(): max must be larger than min, got min={min} max={max}')
        keep = x[(x >= lo) & (x <= hi)]
        pos = xp.minimum(((keep - lo) * (bins / (hi - lo))).astype(np.int64), bins - 1)
        return self._wrap(xp.bincount(pos, minlength=bins).astype(self.dtype))

    def histogram(self, bins, *, range=None, weight=None, density=False):
        """``(hist, bin_edges)``: counts (or sums of ``weight``, or a density) in ``bins`` equal
        bins over ``range`` (the data's by default), or between the given edges (a 1-D tensor).
        Not differentiable."""
        if not is_float(self.dtype):
            raise RuntimeError(f'histogram() needs a floating-point tensor, got {self.dtype}')
        xp = backend.get_array_module(self.array)
        edges = bins.array if getattr(bins, '_is_tensor', False) else int(bins)
        w = None if weight is None else weight.array.reshape(-1)
        hist, out_edges = xp.histogram(self.array.reshape(-1), bins=edges, range=range, weights=w,
                                       density=density)
        return _histogram_return(self._wrap(hist.astype(self.dtype)), self._wrap(out_edges.astype(self.dtype)))


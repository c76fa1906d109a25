"""Loss ops: fused cross-entropy (log-softmax + NLL in one op), NLL and mean squared error.

Classes are axis 1 of an ``(N, C, *)`` input. Every loss takes ``reduction`` in
``'mean' | 'sum' | 'none'`` and follows PyTorch's definition of each, including how ``weight``,
``ignore_index`` and ``label_smoothing`` enter the mean.

Cross-entropy writes the loss as ``-sum_c q_c log p_c`` with ``p = softmax(x)`` and ``q`` the
(weighted, smoothed) target distribution, so the gradient is ``p * sum(q) - q``: for plain class
targets that is ``softmax - onehot``.
"""
import numpy as np

from ..autograd import Function, unbroadcast
from ..backend import get_array_module


def _reduce(loss, reduction, denom=None):
    """Apply the reduction to per-element losses; ``denom`` is what 'mean' divides by."""
    xp = get_array_module(loss)
    if reduction == 'none':
        return loss
    total = loss.sum()
    if reduction == 'mean':
        with np.errstate(invalid='ignore', divide='ignore'):     # all ignored: nan, as PyTorch
            total = total / (loss.size if denom is None else denom)
    return xp.asarray(total, dtype=loss.dtype)


def _grad_scale(g, reduction, denom):
    """The upstream gradient per element: a scalar for 'mean'/'sum', an array for 'none'.
    A zero ``denom`` (every target ignored) gives zero gradients, as PyTorch."""
    if reduction == 'none':
        return g
    if reduction == 'mean':
        if isinstance(denom, int):
            return g / max(denom, 1)
        xp = get_array_module(g)
        return g / xp.where(denom == 0, 1, denom).astype(g.dtype, copy=False)
    return g


def _weight_b(weight, ndim):
    """``weight`` (C,) shaped to broadcast along axis 1 of an ndim-array."""
    return weight.reshape((1, -1) + (1,) * (ndim - 2))


def _class_targets(xp, target, weight, ignore_index, dtype):
    """For class-index targets (N, *): the index that picks ``a[n, target[n, ...], ...]`` from an
    (N, C, *) array (ignored targets made safe as class 0), and each element's weight (0 where
    ignored)."""
    valid = target != ignore_index
    safe = xp.where(valid, target, 0)
    wt = valid.astype(dtype) if weight is None else weight[safe] * valid
    nd = safe.ndim
    grids = [xp.arange(n).reshape((1,) * i + (n,) + (1,) * (nd - 1 - i))
             for i, n in enumerate(safe.shape)]
    return (grids[0], safe) + tuple(grids[1:]), wt.astype(dtype, copy=False)


class CrossEntropy(Function):
    """Cross-entropy with integer class targets, fused with the log-softmax over axis 1.

    Input ``x`` (N, C, *); options ``target`` (N, *) integer array, ``weight`` (C,) or None,
    ``ignore_index``, ``reduction``, ``label_smoothing``.
    """

    def forward(self, x, target, weight=None, ignore_index=-100, reduction='mean',
                label_smoothing=0.0):
        xp = get_array_module(x)
        eps = float(label_smoothing)
        n_classes = x.shape[1]
        idx, wt = _class_targets(xp, target, weight, ignore_index, x.dtype)   # wt: (N, *)
        z = x - x.max(axis=1, keepdims=True)
        zt = z[idx]
        if eps:
            wb = None if weight is None else _weight_b(weight, x.ndim)
            zsum = (z if wb is None else z * wb).sum(axis=1)
            wsum = float(n_classes if weight is None else weight.sum())
            valid = (target != ignore_index).astype(x.dtype)
        xp.exp(z, out=z)                                         # z is now exp(x - max)
        se = z.sum(axis=1, keepdims=True)
        lse = xp.log(se[:, 0])
        loss = wt * (lse - zt)                                   # -w_t log p_t
        if eps:
            smooth = (lse * wsum - zsum) * valid                 # -sum_c w_c log p_c
            loss = (1.0 - eps) * loss + (eps / n_classes) * smooth
        z /= se                                                  # z is now softmax(x)
        self.denom = wt.sum() if reduction == 'mean' else 1
        self.reduction, self.eps, self.n_classes, self.idx = reduction, eps, n_classes, idx
        self.save_for_backward(z, wt)
        if eps:
            self.valid, self.wsum, self.weight = valid, wsum, weight
        return _reduce(loss, reduction, self.denom)

    # d loss / dx = coef * (p * sum_c q_c - q),  q = (1 - eps) w_t onehot(t) + (eps / C) w
    def backward(self, g):
        xp = get_array_module(g)
        p, wt = self.saved
        eps, n_classes = self.eps, self.n_classes
        coef = _grad_scale(g, self.reduction, self.denom)        # a scalar or (N, *)
        hit = coef * ((1.0 - eps) * wt)                          # (N, *)
        row = hit
        if eps:
            smooth = coef * ((eps / n_classes) * self.valid)     # (N, *)
            row = hit + smooth * self.wsum
        gx = p * xp.expand_dims(row, 1)
        gx[self.idx] -= hit
        if eps:
            w = 1.0 if self.weight is None else _weight_b(self.weight, gx.ndim)
            gx -= xp.expand_dims(smooth, 1) * w
        return gx.astype(p.dtype, copy=False)


class SoftCrossEntropy(Function):
    """Cross-entropy with class-probability targets of the input's shape (N, C, *).

    Inputs ``x`` and ``target``; options ``weight`` (C,) or None, ``reduction``,
    ``label_smoothing``. 'mean' divides by the number of samples ``x.size / C``, as PyTorch does.
    """

    def forward(self, x, target, weight=None, reduction='mean', label_smoothing=0.0):
        xp = get_array_module(x)
        eps = float(label_smoothing)
        n_classes = x.shape[1]
        z = x - x.max(axis=1, keepdims=True)
        logp = z - xp.log(xp.exp(z).sum(axis=1, keepdims=True))
        q = target * (1.0 - eps) + eps / n_classes if eps else target
        wb = None if weight is None else _weight_b(weight, x.ndim)
        if wb is not None:
            q = q * wb
        loss = -(q * logp).sum(axis=1)
        self.denom = x.size // n_classes if reduction == 'mean' else 1
        self.reduction, self.eps, self.wb = reduction, eps, wb
        self.save_for_backward(logp, q)
        return _reduce(loss, reduction, self.denom)

    # d loss / dx = coef * (softmax(x) * sum_c q_c - q);  d loss / dtarget = -coef (1 - eps) w log p
    def backward(self, g):
        xp = get_array_module(g)
        logp, q = self.saved
        coef = _grad_scale(g, self.reduction, self.denom)
        if self.reduction == 'none':
            coef = xp.expand_dims(coef, 1)
        gx = gt = None
        if self.needs_input_grad[0]:
            gx = xp.exp(logp) * q.sum(axis=1, keepdims=True)
            gx -= q
            gx *= coef
        if self.needs_input_grad[1]:
            gt = logp * (-(1.0 - self.eps) * coef)
            if self.wb is not None:
                gt = gt * self.wb
        return gx, gt


class NLLLoss(Function):
    """Negative log-likelihood of log-probabilities ``x`` (N, C, *) at integer ``target`` (N, *)."""

    def forward(self, x, target, weight=None, ignore_index=-100, reduction='mean'):
        xp = get_array_module(x)
        idx, wt = _class_targets(xp, target, weight, ignore_index, x.dtype)
        loss = -wt * x[idx]
        self.shape, self.reduction, self.idx = x.shape, reduction, idx
        self.denom = wt.sum() if reduction == 'mean' else 1
        self.save_for_backward(wt)
        return _reduce(loss, reduction, self.denom)

    # d loss / dx = -coef * w_t at the target class, 0 elsewhere
    def backward(self, g):
        xp = get_array_module(g)
        (wt,) = self.saved
        coef = _grad_scale(g, self.reduction, self.denom)
        gx = xp.zeros(self.shape, dtype=wt.dtype)
        gx[self.idx] = -coef * wt
        return gx


class MSELoss(Function):
    """Mean squared error ``(input - target) ** 2`` (broadcasting), reduced."""

    def forward(self, a, b, reduction='mean'):
        diff = a - b
        self.shapes, self.reduction = (a.shape, b.shape), reduction
        self.denom = diff.size
        self.save_for_backward(diff)
        return _reduce(diff * diff, reduction, self.denom)

    # d (a - b)^2 = 2 (a - b) (da - db)
    def backward(self, g):
        (diff,) = self.saved
        coef = _grad_scale(g, self.reduction, self.denom)
        gd = diff * (2 * coef)
        ga = unbroadcast(gd, self.shapes[0]) if self.needs_input_grad[0] else None
        gb = unbroadcast(-gd, self.shapes[1]) if self.needs_input_grad[1] else None
        return ga, gb

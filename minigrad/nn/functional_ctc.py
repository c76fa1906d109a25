"""Connectionist temporal classification: ``F.ctc_loss`` (Graves et al., 2006; the module is
``loss_more.CTCLoss``), as PyTorch's, for speech and handwriting models whose outputs are not aligned with
their targets.

The loss is ``-log p(target | input)`` summed over every alignment, computed by the forward
(alpha) recursion over the target with blanks between and around its labels, in log space.
It is composed from Tensor ops (a gather, ``where`` and a guarded log-sum-exp per time step),
all batch elements at once, so backward is autograd's and equals the beta recursion's.
"""
import numpy as np

from .. import argcheck, backend
from ..functions import cat, stack, where
from ..tensor import Tensor
from .functional_loss import _reduce

__all__ = ['ctc_loss']

_NEG = -np.inf


def _logsumexp(parts):
    """log(sum(exp(p))) over a list of equally shaped tensors; -inf (with zero gradient, not
    NaN) where every part is -inf."""
    x = stack(parts)
    xp = backend.get_array_module(x.array)
    m = x.array.max(axis=0)
    m = xp.where(xp.isfinite(m), m, 0).astype(x.dtype)
    s = (x - Tensor._wrap(m)).exp().sum(0)
    alive = s.array > 0
    safe = where(Tensor._wrap(alive), s, Tensor._wrap(xp.ones((), dtype=x.dtype)))
    return where(Tensor._wrap(alive), safe.log() + Tensor._wrap(m),
                 Tensor._wrap(xp.full((), _NEG, dtype=x.dtype)))


def _ints(op, value, name, n):
    arr = value.array if isinstance(value, Tensor) else value
    arr = np.asarray(backend.asnumpy(arr) if backend.is_array(arr) else arr, dtype=np.int64)
    if arr.ndim == 0:
        arr = arr.reshape(1)
    if arr.shape != (n,):
        raise RuntimeError(f'{op}: expected {name} to have {n} entries (one per batch element), '
                           f'got shape {arr.shape}')
    return arr


def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction='mean',
             zero_infinity=False):
    """The CTC loss, as ``torch.nn.functional.ctc_loss``.

    Args:
        log_probs: ``(T, N, C)`` (or ``(T, C)``) log-probabilities, e.g. ``log_softmax(.., 2)``.
        targets: ``(N, S)`` padded label sequences, or 1-D with all sequences concatenated;
            labels in ``[0, C)``, never ``blank``.
        input_lengths, target_lengths: ``(N,)`` ints (tensors, lists or tuples).
        blank: the blank label.
        reduction: 'mean' (each loss divided by its target length, then the batch mean),
            'sum' or 'none'.
        zero_infinity: impossible alignments give 0 (and zero gradients) instead of inf.

    Shape:
        a scalar, or ``(N,)`` with ``reduction='none'``.
    """
    op = 'ctc_loss'
    argcheck.float_tensor(op, log_probs, 'log_probs')
    reduction = argcheck.reduction(reduction)
    unbatched = log_probs.ndim == 2
    lp = log_probs.unsqueeze(1) if unbatched else log_probs
    if lp.ndim != 3:
        raise RuntimeError(f'{op}: expected log_probs of shape (T, N, C) or (T, C), got '
                           f'{tuple(log_probs.shape)}')
    T, N, C = lp.shape
    in_len = _ints(op, input_lengths, 'input_lengths', N)
    tg_len = _ints(op, target_lengths, 'target_lengths', N)
    tg = np.asarray(backend.asnumpy(targets.array if isinstance(targets, Tensor) else targets),
                    dtype=np.int64)
    if unbatched or tg.ndim == 1:
        starts = np.concatenate([[0], np.cumsum(tg_len)[:-1]]) if tg.ndim == 1 else None
        rows = [tg[s:s + n] if starts is not None else tg[:n] for s, n in
                zip(starts if starts is not None else [0], tg_len)]
    else:
        rows = [tg[i, :n] for i, n in enumerate(tg_len)]
    if (in_len > T).any() or (in_len < 0).any():
        raise RuntimeError(f'{op}: input_lengths must be in [0, {T}], got {in_len.tolist()}')
    Lmax = int(tg_len.max()) if N else 0
    S = 2 * Lmax + 1
    ext = np.full((N, S), blank, dtype=np.int64)             # blank, l1, blank, l2, ..., blank
    for n, r in enumerate(rows):
        if r.size and ((r < 0).any() or (r >= C).any() or (r == blank).any()):
            raise RuntimeError(f'{op}: target {n} has labels outside [0, {C}) or equal to the '
                               f'blank {blank}: {r.tolist()}')
        ext[n, 1:2 * r.size:2] = r
    skip = np.zeros((N, S), bool)                            # s-2 -> s allowed
    skip[:, 2:] = (ext[:, 2:] != blank) & (ext[:, 2:] != ext[:, :-2])
    xp = backend.get_array_module(lp.array)
    dt = lp.dtype
    n_idx = xp.arange(N)[:, None]
    ext_d = xp.asarray(ext)
    neg = Tensor._wrap(xp.full((N, 1), _NEG, dtype=dt))
    neg2 = Tensor._wrap(xp.full((N, 2), _NEG, dtype=dt))
    no_skip = Tensor._wrap(xp.asarray(np.where(skip, 0.0, _NEG).astype(dt)))
    start = np.full((N, S), _NEG)
    start[:, 0] = 0.0
    start[:, 1] = np.where(tg_len > 0, 0.0, _NEG)
    alpha = lp[0][n_idx, ext_d] + Tensor._wrap(xp.asarray(start.astype(dt)))
    for t in range(1, int(in_len.max()) if N else 0):
        shifted1 = _shift(alpha, neg, 1)
        shifted2 = _shift(alpha, neg2, 2) + no_skip
        new = _logsumexp([alpha, shifted1, shifted2]) + lp[t][n_idx, ext_d]
        running = Tensor._wrap(xp.asarray((t < in_len)[:, None]))
        alpha = where(running, new, alpha)
    last = xp.asarray(2 * tg_len)[:, None]
    end_blank = alpha[n_idx, last][:, 0]
    end_label = alpha[n_idx, xp.maximum(last - 1, 0)][:, 0]
    has_label = Tensor._wrap(xp.asarray(tg_len > 0))
    end_label = where(has_label, end_label, Tensor._wrap(xp.full((), _NEG, dtype=dt)))
    loss = -_logsumexp([end_blank, end_label])
    if zero_infinity:
        finite = Tensor._wrap(xp.isfinite(loss.array))
        loss = where(finite, loss, Tensor._wrap(xp.zeros((), dtype=dt)))
    if reduction == 'mean':
        div = Tensor._wrap(xp.asarray(np.maximum(tg_len, 1).astype(dt)))
        return (loss / div).mean()
    return _reduce(loss[0] if unbatched and reduction == 'none' else loss, reduction)


def _shift(alpha, fill, k):
    """alpha moved k states to the right (state s gets s - k), ``fill`` (-inf) entering."""
    return cat([fill, alpha[:, :-k]], dim=1)

"""Loss layers: CrossEntropyLoss, NLLLoss, MSELoss, BCELoss, BCEWithLogitsLoss, L1Loss,
SmoothL1Loss, HuberLoss, KLDivLoss and the margin, embedding and count losses (see ``functional`` and ``functional_loss`` for the definitions)."""
import warnings

from . import functional as F
from . import functional_loss as FL
from . import functional_margin as FM
from .module import Module

__all__ = ['CrossEntropyLoss', 'NLLLoss', 'MSELoss', 'BCELoss', 'BCEWithLogitsLoss', 'L1Loss',
           'SmoothL1Loss', 'HuberLoss', 'KLDivLoss', 'MarginRankingLoss', 'HingeEmbeddingLoss',
           'SoftMarginLoss', 'CosineEmbeddingLoss', 'TripletMarginLoss', 'MultiLabelSoftMarginLoss',
           'PoissonNLLLoss', 'NLLLoss2d']


class _Loss(Module):
    def __init__(self, size_average=None, reduce=None, reduction='mean'):
        super().__init__()
        self.reduction = F._legacy_reduction(size_average, reduce, reduction)
        F._check_reduction(self.reduction)


class _WeightedLoss(_Loss):
    def __init__(self, weight=None, size_average=None, reduce=None, reduction='mean'):
        super().__init__(size_average, reduce, reduction)
        self.register_buffer('weight', weight)


class CrossEntropyLoss(_WeightedLoss):
    """Cross-entropy of logits (N, C, *) against integer class targets (N, *) or class
    probabilities (N, C, *); see ``functional.cross_entropy``.

    Args:
        weight: a rescaling weight per class, shape (C,) (kept as a buffer).
        ignore_index: class-index targets with this value contribute nothing.
        reduction: 'mean', 'sum' or 'none'.
        label_smoothing: in [0, 1].
    """

    def __init__(self, weight=None, size_average=None, ignore_index=-100, reduce=None,
                 reduction='mean', label_smoothing=0.0):
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing

    def forward(self, input, target):
        return F.cross_entropy(input, target, weight=self.weight, ignore_index=self.ignore_index,
                               reduction=self.reduction, label_smoothing=self.label_smoothing)


class NLLLoss(_WeightedLoss):
    """Negative log-likelihood of log-probabilities (N, C, *) at integer targets (N, *)."""

    def __init__(self, weight=None, size_average=None, ignore_index=-100, reduce=None,
                 reduction='mean'):
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index

    def forward(self, input, target):
        return F.nll_loss(input, target, weight=self.weight, ignore_index=self.ignore_index,
                          reduction=self.reduction)


class NLLLoss2d(NLLLoss):
    """The old name of ``NLLLoss`` for (N, C, H, W) inputs (deprecated, with PyTorch's
    FutureWarning)."""

    def __init__(self, weight=None, size_average=None, ignore_index=-100, reduce=None,
                 reduction='mean'):
        warnings.warn('`NLLLoss2d` has been deprecated. Please use `NLLLoss` instead as a '
                      'drop-in replacement.', FutureWarning, stacklevel=2)
        super().__init__(weight, size_average, ignore_index, reduce, reduction)


class MSELoss(_Loss):
    """Mean squared error ``(input - target) ** 2``, reduced."""

    def forward(self, input, target):
        return F.mse_loss(input, target, reduction=self.reduction)


class BCELoss(_WeightedLoss):
    """Binary cross-entropy of probabilities in [0, 1] (apply sigmoid first):
    ``-w (t log(x) + (1 - t) log(1 - x))``, each log clamped at -100.

    Args:
        weight: a rescaling weight broadcast against the input (kept as a buffer).
        reduction: 'mean', 'sum' or 'none'.
    """

    def forward(self, input, target):
        return FL.binary_cross_entropy(input, target, weight=self.weight,
                                       reduction=self.reduction)


class BCEWithLogitsLoss(_Loss):
    """Sigmoid and binary cross-entropy in one stable step, from logits:
    ``-w (p t log(sigmoid(x)) + (1 - t) log(1 - sigmoid(x)))``.

    Args:
        weight: a rescaling weight broadcast against the input (a buffer).
        reduction: 'mean', 'sum' or 'none'.
        pos_weight: the weight ``p`` of positive examples, one per class (last dim; a buffer).
    """

    def __init__(self, weight=None, size_average=None, reduce=None, reduction='mean',
                 pos_weight=None):
        super().__init__(size_average, reduce, reduction)
        self.register_buffer('weight', weight)
        self.register_buffer('pos_weight', pos_weight)

    def forward(self, input, target):
        return FL.binary_cross_entropy_with_logits(input, target, self.weight,
                                                   pos_weight=self.pos_weight,
                                                   reduction=self.reduction)


class L1Loss(_Loss):
    """Mean absolute error ``|input - target|``, reduced."""

    def forward(self, input, target):
        return FL.l1_loss(input, target, reduction=self.reduction)


class SmoothL1Loss(_Loss):
    """``0.5 d^2 / beta`` where ``|d| < beta``, else ``|d| - 0.5 beta``, reduced.

    Args:
        reduction: 'mean', 'sum' or 'none'.
        beta: where the loss turns from quadratic to linear (0: the L1 loss).
    """

    def __init__(self, size_average=None, reduce=None, reduction='mean', beta=1.0):
        super().__init__(size_average, reduce, reduction)
        self.beta = beta

    def forward(self, input, target):
        return FL.smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta)


class HuberLoss(_Loss):
    """``0.5 d^2`` where ``|d| < delta``, else ``delta (|d| - 0.5 delta)``, reduced."""

    def __init__(self, reduction='mean', delta=1.0):
        super().__init__(reduction=reduction)
        self.delta = delta

    def forward(self, input, target):
        return FL.huber_loss(input, target, reduction=self.reduction, delta=self.delta)



class KLDivLoss(_Loss):
    """The Kullback-Leibler divergence ``target * (log(target) - input)`` of log-probabilities
    ``input``; see ``functional_loss.kl_div``.

    Args:
        reduction: 'batchmean' (the KL divergence), 'sum', 'none' or 'mean'.
        log_target: the target is given as log-probabilities too.
    """

    def __init__(self, size_average=None, reduce=None, reduction='mean', log_target=False):
        _Loss.__init__(self, size_average, reduce,
                       'mean' if reduction == 'batchmean' else reduction)
        self.reduction = reduction
        self.log_target = log_target

    def forward(self, input, target):
        return FL.kl_div(input, target, reduction=self.reduction, log_target=self.log_target)


class _MarginLoss(_Loss):
    def __init__(self, margin, size_average=None, reduce=None, reduction='mean'):
        super().__init__(size_average, reduce, reduction)
        self.margin = margin


class MarginRankingLoss(_MarginLoss):
    """``max(0, -y (x1 - x2) + margin)``, reduced; ``forward(input1, input2, target)``."""

    def __init__(self, margin=0.0, size_average=None, reduce=None, reduction='mean'):
        super().__init__(margin, size_average, reduce, reduction)

    def forward(self, input1, input2, target):
        return FM.margin_ranking_loss(input1, input2, target, self.margin,
                                      reduction=self.reduction)


class HingeEmbeddingLoss(_MarginLoss):
    """``x`` where ``y == 1``, ``max(0, margin - x)`` where ``y == -1``, reduced."""

    def __init__(self, margin=1.0, size_average=None, reduce=None, reduction='mean'):
        super().__init__(margin, size_average, reduce, reduction)

    def forward(self, input, target):
        return FM.hinge_embedding_loss(input, target, self.margin, reduction=self.reduction)


class CosineEmbeddingLoss(_MarginLoss):
    """``1 - cos`` where ``y == 1``, ``max(0, cos - margin)`` where ``y == -1``, reduced."""

    def __init__(self, margin=0.0, size_average=None, reduce=None, reduction='mean'):
        super().__init__(margin, size_average, reduce, reduction)

    def forward(self, input1, input2, target):
        return FM.cosine_embedding_loss(input1, input2, target, self.margin,
                                        reduction=self.reduction)


class SoftMarginLoss(_Loss):
    """``log(1 + exp(-y x))``, reduced."""

    def forward(self, input, target):
        return FM.soft_margin_loss(input, target, reduction=self.reduction)


class TripletMarginLoss(_MarginLoss):
    """``max(d(a, p) - d(a, n) + margin, 0)`` with the p-norm distance, reduced.

    Args:
        margin, p, eps: the margin, the norm degree and the distance's eps.
        swap: use the smaller of ``d(a, n)`` and ``d(p, n)`` (distance swap).
    """

    def __init__(self, margin=1.0, p=2.0, eps=1e-6, swap=False, size_average=None, reduce=None,
                 reduction='mean'):
        super().__init__(margin, size_average, reduce, reduction)
        self.p, self.eps, self.swap = p, eps, swap

    def forward(self, anchor, positive, negative):
        return FM.triplet_margin_loss(anchor, positive, negative, self.margin, self.p, self.eps,
                                      self.swap, reduction=self.reduction)


class MultiLabelSoftMarginLoss(_WeightedLoss):
    """Per sample, the mean over classes of the binary cross-entropy of logits, reduced."""

    def forward(self, input, target):
        return FM.multilabel_soft_margin_loss(input, target, self.weight,
                                              reduction=self.reduction)


class PoissonNLLLoss(_Loss):
    """The Poisson negative log-likelihood of counts; see ``functional_margin.poisson_nll_loss``.

    Args:
        log_input: the input is the log of the rate (default True).
        full: add Stirling's approximation term.
        eps: added to the rate before its log when ``log_input=False``.
    """

    def __init__(self, log_input=True, full=False, size_average=None, eps=1e-8, reduce=None,
                 reduction='mean'):
        super().__init__(size_average, reduce, reduction)
        self.log_input, self.full, self.eps = log_input, full, eps

    def forward(self, log_input, target):
        return FM.poisson_nll_loss(log_input, target, self.log_input, self.full, eps=self.eps,
                                   reduction=self.reduction)

"""More loss modules, as ``torch.nn``: GaussianNLLLoss, MultiMarginLoss, MultiLabelMarginLoss,
TripletMarginWithDistanceLoss, CTCLoss (the functions are in ``functional_loss_more`` and
``functional_ctc``)."""
from . import functional_loss_more as FL
from .distance import PairwiseDistance
from .functional_ctc import ctc_loss
from .loss import _Loss, _WeightedLoss

__all__ = ['GaussianNLLLoss', 'MultiMarginLoss', 'MultiLabelMarginLoss',
           'TripletMarginWithDistanceLoss', 'CTCLoss']


class GaussianNLLLoss(_Loss):
    """The Gaussian negative log-likelihood of targets under predicted means and variances;
    ``forward(input, target, var)``, see ``F.gaussian_nll_loss``.

    Args:
        full: add the constant ``0.5 log(2 pi)``.
        eps: the smallest variance used (for stability).
        reduction: 'mean', 'sum' or 'none'.
    """

    def __init__(self, *, full=False, eps=1e-6, reduction='mean'):
        super().__init__(None, None, reduction)
        self.full, self.eps = full, eps

    def forward(self, input, target, var):
        return FL.gaussian_nll_loss(input, target, var, full=self.full, eps=self.eps,
                                    reduction=self.reduction)


class MultiMarginLoss(_WeightedLoss):
    """The multi-class hinge loss on (N, C) scores and class indices (see
    ``F.multi_margin_loss``).

    Args:
        p: 1 or 2; margin: the margin; weight: a rescaling weight per class (a buffer).
    """

    def __init__(self, p=1, margin=1.0, weight=None, size_average=None, reduce=None,
                 reduction='mean'):
        super().__init__(weight, size_average, reduce, reduction)
        if p not in (1, 2):
            raise ValueError('only p == 1 and p == 2 supported')
        self.p, self.margin = p, margin

    def forward(self, input, target):
        return FL.multi_margin_loss(input, target, p=self.p, margin=self.margin,
                                    weight=self.weight, reduction=self.reduction)


class MultiLabelMarginLoss(_Loss):
    """The multi-label hinge loss; targets list each sample's classes, ended by -1 (see
    ``F.multilabel_margin_loss``)."""

    def forward(self, input, target):
        return FL.multilabel_margin_loss(input, target, reduction=self.reduction)


class TripletMarginWithDistanceLoss(_Loss):
    """``max(d(a, p) - d(a, n) + margin, 0)`` for any ``distance_function`` (default the
    pairwise Euclidean distance).

    Args:
        distance_function: a function of two tensors giving their distances.
        margin: the margin (> 0); swap: use ``min(d(a, n), d(p, n))``.
    """

    def __init__(self, *, distance_function=None, margin=1.0, swap=False, reduction='mean'):
        super().__init__(None, None, reduction)
        if margin <= 0:
            raise ValueError(f'TripletMarginWithDistanceLoss: margin must be greater than 0, '
                             f'got {margin}')
        self.distance_function = (distance_function if distance_function is not None
                                  else PairwiseDistance())
        self.margin, self.swap = margin, swap

    def forward(self, anchor, positive, negative):
        return FL.triplet_margin_with_distance_loss(
            anchor, positive, negative, distance_function=self.distance_function,
            margin=self.margin, swap=self.swap, reduction=self.reduction)


class CTCLoss(_Loss):
    """The connectionist temporal classification loss (see ``F.ctc_loss``);
    ``forward(log_probs, targets, input_lengths, target_lengths)``.

    Args:
        blank: the blank label (default 0).
        reduction: 'mean', 'sum' or 'none'.
        zero_infinity: replace impossible (infinite) losses and their gradients by zero.
    """

    def __init__(self, blank=0, reduction='mean', zero_infinity=False):
        super().__init__(None, None, reduction)
        self.blank, self.zero_infinity = blank, zero_infinity

    def forward(self, log_probs, targets, input_lengths, target_lengths):
        return ctc_loss(log_probs, targets, input_lengths, target_lengths, self.blank,
                        self.reduction, self.zero_infinity)

"""Distance layers: CosineSimilarity and PairwiseDistance, as ``torch.nn``."""
from .functional_layers import cosine_similarity, pairwise_distance
from .module import Module

__all__ = ['CosineSimilarity', 'PairwiseDistance']


class CosineSimilarity(Module):
    """The cosine of the angle between ``x1`` and ``x2`` along ``dim``.

    Args:
        dim: the dim of the vectors (default 1).
        eps: the smallest norm used in the denominator (default 1e-8).
    """

    def __init__(self, dim=1, eps=1e-8):
        super().__init__()
        self.dim = dim
        self.eps = eps

    def forward(self, x1, x2):
        return cosine_similarity(x1, x2, self.dim, self.eps)


class PairwiseDistance(Module):
    """The p-norm distance ``||x1 - x2 + eps||_p`` along the last dim.

    Args:
        p: the norm degree (default 2).
        eps: added to the difference to avoid a zero norm (default 1e-6).
        keepdim: keep the last dim (size 1).
    """

    def __init__(self, p=2.0, eps=1e-6, keepdim=False):
        super().__init__()
        self.norm = p
        self.eps = eps
        self.keepdim = keepdim

    def forward(self, x1, x2):
        return pairwise_distance(x1, x2, self.norm, self.eps, self.keepdim)

"""Dropout, and Dropout1d, Dropout2d, Dropout3d (whole channels)."""
from . import functional as F
from .functional_extra import alpha_dropout, feature_alpha_dropout
from .functional_layers import dropout1d, dropout2d, dropout3d
from .module import Module

__all__ = ['Dropout', 'Dropout1d', 'Dropout2d', 'Dropout3d', 'AlphaDropout', 'FeatureAlphaDropout']


class Dropout(Module):
    """Inverted dropout: in training, zero each element with probability ``p`` and scale the
    others by ``1 / (1 - p)``; the identity in eval mode. Masks come from the generator seeded by
    ``mg.manual_seed``.

    Args:
        p: the probability of zeroing an element, in [0, 1].
        inplace: accepted for compatibility; the output is a new tensor.
    """

    def __init__(self, p=0.5, inplace=False):
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f'dropout probability has to be between 0 and 1, but got {p}')
        self.p = p
        self.inplace = inplace

    def forward(self, input):
        return F.dropout(input, self.p, self.training)

    def extra_repr(self):
        return f'p={self.p}, inplace={self.inplace}'


class Dropout2d(Dropout):
    """Channel dropout: in training, zero each whole feature map ``(n, c)`` with probability
    ``p`` and scale the others by ``1 / (1 - p)``; the identity in eval mode.

    Args:
        p: the probability of zeroing a channel, in [0, 1].
        inplace: accepted for compatibility; the output is a new tensor.

    Shape:
        (N, C, H, W) -> the same (a 3-D input is taken as (N, C, L), with a warning, as PyTorch).
    """

    def forward(self, input):
        return dropout2d(input, self.p, self.training)


class Dropout1d(Dropout):
    """Channel dropout over an (N, C, L) or (C, L) input; see ``Dropout2d``."""

    def forward(self, input):
        return dropout1d(input, self.p, self.training)


class Dropout3d(Dropout):
    """Channel dropout over an (N, C, D, H, W) or (C, D, H, W) input; see ``Dropout2d``."""

    def forward(self, input):
        return dropout3d(input, self.p, self.training)


class AlphaDropout(Dropout):
    """Dropout for SELU networks: keeps zero mean and unit variance (see ``F.alpha_dropout``);
    the identity in eval mode.

    Args:
        p: the probability of dropping an element, in [0, 1].
        inplace: accepted for compatibility; the output is a new tensor.

    Shape:
        any -> the same.
    """

    def forward(self, input):
        return alpha_dropout(input, self.p, self.training)


class FeatureAlphaDropout(Dropout):
    """``AlphaDropout`` of whole channels of an (N, C, *) input."""

    def forward(self, input):
        return feature_alpha_dropout(input, self.p, self.training)

"""Dropout."""
from . import functional as F
from .module import Module

__all__ = ['Dropout']


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

"""Dropout: the op multiplies by a mask drawn by ``F.dropout`` (which owns the random draw)."""
from ..autograd import Function


class Dropout(Function):
    """``x * mask`` with a fixed mask that already holds the ``1 / (1 - p)`` scale."""

    def forward(self, x, mask):
        self.mask = mask
        return x * mask

    # d(x * mask) = mask dx
    def backward(self, g):
        return g * self.mask

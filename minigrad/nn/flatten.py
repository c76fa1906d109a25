"""Flatten."""
import math

from .module import Module

__all__ = ['Flatten']


class Flatten(Module):
    """Merge dims ``start_dim..end_dim`` into one (by default all but the batch dim)."""

    def __init__(self, start_dim=1, end_dim=-1):
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, input):
        # the merged size is computed, not left to reshape's -1 (ambiguous for an empty batch)
        shape = tuple(input.shape)
        nd = max(len(shape), 1)
        start, end = self.start_dim % nd, self.end_dim % nd
        if len(shape) == 0 or start > end:
            return input.flatten(self.start_dim, self.end_dim)     # its errors and 0-d rule
        return input.reshape(shape[:start] + (math.prod(shape[start:end + 1]),) + shape[end + 1:])

    def extra_repr(self):
        return f'start_dim={self.start_dim}, end_dim={self.end_dim}'

"""Flatten and Unflatten."""
import math

from .module import Module

__all__ = ['Flatten', 'Unflatten']


class Flatten(Module):
    """Merge dims ``start_dim..end_dim`` into one (by default all but the batch dim)."""

    def __init__(self, start_dim=1, end_dim=-1):
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, input):
        return input.flatten(self.start_dim, self.end_dim)

    def extra_repr(self):
        return f'start_dim={self.start_dim}, end_dim={self.end_dim}'


class Unflatten(Module):
    """Expand dim ``dim`` into ``unflattened_size`` (a tuple whose product is that dim's size;
    one entry may be -1).

    Shape:
        (*, S, *) -> (*, *unflattened_size, *).
    """

    def __init__(self, dim, unflattened_size):
        super().__init__()
        if not isinstance(dim, int):
            raise TypeError(f'Unflatten: dim must be an int (named dims are not supported), got '
                            f'{type(dim).__name__}')
        if not isinstance(unflattened_size, (tuple, list)) or \
                not all(isinstance(s, int) for s in unflattened_size):
            raise TypeError(f'unflattened_size must be a tuple of ints, but found '
                            f'{unflattened_size!r}')
        self.dim = dim
        self.unflattened_size = tuple(unflattened_size)

    def forward(self, input):
        shape = tuple(input.shape)
        d = self.dim % max(len(shape), 1)
        size = list(self.unflattened_size)
        if -1 in size:
            known = math.prod(s for s in size if s != -1)
            size[size.index(-1)] = shape[d] // known if known else 0
        if math.prod(size) != shape[d]:
            raise RuntimeError(f'Unflatten: the sizes {self.unflattened_size} do not multiply to '
                               f'the size {shape[d]} of dim {self.dim} (input shape {shape})')
        return input.reshape(shape[:d] + tuple(size) + shape[d + 1:])

    def extra_repr(self):
        return f'dim={self.dim}, unflattened_size={self.unflattened_size}'

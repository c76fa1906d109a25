"""Padding layers, as ``torch.nn``: ZeroPad, ConstantPad, ReflectionPad, ReplicationPad and
CircularPad, 1d and 2d; each is ``F.pad`` with its mode (``padding`` is an int, or PyTorch's flat
tuple, last dim first: ``(left, right)`` or ``(left, right, top, bottom)``)."""
from .. import argcheck
from . import functional as F
from .module import Module

__all__ = ['ZeroPad1d', 'ZeroPad2d', 'ConstantPad1d', 'ConstantPad2d', 'ReflectionPad1d',
           'ReflectionPad2d', 'ReplicationPad1d', 'ReplicationPad2d', 'CircularPad1d',
           'CircularPad2d',
           'ZeroPad3d', 'ConstantPad3d', 'ReflectionPad3d', 'ReplicationPad3d', 'CircularPad3d']


class _PadNd(Module):
    _dims = 1
    _mode = 'constant'

    def __init__(self, padding, value=0.0):
        super().__init__()
        n = 2 * self._dims
        if argcheck.is_int(padding):
            padding = (int(padding),) * n
        elif not (isinstance(padding, (tuple, list)) and len(padding) == n
                  and all(argcheck.is_int(p) for p in padding)):
            raise TypeError(f'{type(self).__name__}: padding must be an int or a tuple of {n} '
                            f'ints, got {padding!r}')
        self.padding = tuple(int(p) for p in padding)
        self.value = value

    def forward(self, input):
        return F.pad(input, self.padding, self._mode, self.value)

    def extra_repr(self):
        return f'{self.padding}'


class _ConstantPadNd(_PadNd):
    def __init__(self, padding, value):
        super().__init__(padding, value)

    def extra_repr(self):
        return f'padding={self.padding}, value={self.value}'


class ZeroPad1d(_PadNd):
    """Pad the last dim with zeros."""

    def __init__(self, padding):
        super().__init__(padding)


class ZeroPad2d(ZeroPad1d):
    """Pad the last two dims with zeros."""
    _dims = 2


class ConstantPad1d(_ConstantPadNd):
    """Pad the last dim with ``value``."""


class ConstantPad2d(_ConstantPadNd):
    """Pad the last two dims with ``value``."""
    _dims = 2


class ReflectionPad1d(ZeroPad1d):
    """Pad the last dim with its reflection (the edge is not repeated)."""
    _mode = 'reflect'


class ReflectionPad2d(ReflectionPad1d):
    """Pad the last two dims with their reflection."""
    _dims = 2


class ReplicationPad1d(ZeroPad1d):
    """Pad the last dim by repeating its edge values."""
    _mode = 'replicate'


class ReplicationPad2d(ReplicationPad1d):
    """Pad the last two dims by repeating their edge values."""
    _dims = 2


class CircularPad1d(ZeroPad1d):
    """Pad the last dim by wrapping around."""
    _mode = 'circular'


class CircularPad2d(CircularPad1d):
    """Pad the last two dims by wrapping around."""
    _dims = 2


class ZeroPad3d(ZeroPad1d):
    """Pad the last three dims with zeros."""
    _dims = 3


class ConstantPad3d(_ConstantPadNd):
    """Pad the last three dims with ``value``."""
    _dims = 3


class ReflectionPad3d(ReflectionPad1d):
    """Pad the last three dims with their reflection."""
    _dims = 3


class ReplicationPad3d(ReplicationPad1d):
    """Pad the last three dims by repeating their edge values."""
    _dims = 3


class CircularPad3d(CircularPad1d):
    """Pad the last three dims by wrapping around."""
    _dims = 3

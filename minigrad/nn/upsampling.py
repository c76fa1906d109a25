"""Upsampling and pixel/channel rearranging layers (the functions are in
``functional_resize``)."""
from . import functional_resize as R
from .module import Module

__all__ = ['Upsample', 'UpsamplingNearest2d', 'UpsamplingBilinear2d', 'PixelShuffle',
           'PixelUnshuffle', 'ChannelShuffle']


class Upsample(Module):
    """Resize the spatial dims of an (N, C, L), (N, C, H, W) or (N, C, D, H, W) input with
    ``F.interpolate``.

    Args:
        size: the output spatial size; or
        scale_factor: a multiplier per spatial dim (stored as float(s), as PyTorch).
        mode: ``'nearest'``, ``'nearest-exact'``, ``'linear'``, ``'bilinear'``, ``'trilinear'``,
            ``'bicubic'``, ``'area'``.
        align_corners: linear modes only (see ``F.interpolate``).
        recompute_scale_factor: take source positions from the output size.

    Shape:
        (N, C, *in_size) -> (N, C, *out_size), ``out = floor(in * scale_factor)`` or ``size``.
    """

    def __init__(self, size=None, scale_factor=None, mode='nearest', align_corners=None,
                 recompute_scale_factor=None):
        super().__init__()
        self.name = type(self).__name__
        self.size = size
        if isinstance(scale_factor, (tuple, list)):
            self.scale_factor = tuple(float(f) for f in scale_factor)
        else:
            self.scale_factor = float(scale_factor) if scale_factor else None
        self.mode = mode
        self.align_corners = align_corners
        self.recompute_scale_factor = recompute_scale_factor

    def forward(self, input):
        return R.interpolate(input, self.size, self.scale_factor, self.mode, self.align_corners,
                             recompute_scale_factor=self.recompute_scale_factor)

    def extra_repr(self):
        info = (f'scale_factor={self.scale_factor!r}' if self.scale_factor is not None
                else f'size={self.size!r}')
        return f'{info}, mode={self.mode!r}'


class UpsamplingNearest2d(Upsample):
    """``Upsample(size, scale_factor, mode='nearest')`` on (N, C, H, W) inputs."""

    def __init__(self, size=None, scale_factor=None):
        super().__init__(size, scale_factor, mode='nearest')


class UpsamplingBilinear2d(Upsample):
    """``Upsample(size, scale_factor, mode='bilinear', align_corners=True)`` on (N, C, H, W)."""

    def __init__(self, size=None, scale_factor=None):
        super().__init__(size, scale_factor, mode='bilinear', align_corners=True)


class PixelShuffle(Module):
    """(*, C*r*r, H, W) -> (*, C, H*r, W*r) (sub-pixel convolution upsampling).

    Args:
        upscale_factor: r.
    """

    def __init__(self, upscale_factor):
        super().__init__()
        self.upscale_factor = upscale_factor

    def forward(self, input):
        return R.pixel_shuffle(input, self.upscale_factor)

    def extra_repr(self):
        return f'upscale_factor={self.upscale_factor}'


class PixelUnshuffle(Module):
    """(*, C, H*r, W*r) -> (*, C*r*r, H, W), the inverse of ``PixelShuffle``.

    Args:
        downscale_factor: r.
    """

    def __init__(self, downscale_factor):
        super().__init__()
        self.downscale_factor = downscale_factor

    def forward(self, input):
        return R.pixel_unshuffle(input, self.downscale_factor)

    def extra_repr(self):
        return f'downscale_factor={self.downscale_factor}'


class ChannelShuffle(Module):
    """Shuffle the channels of an (N, C, *) input across ``groups`` (ShuffleNet).

    Args:
        groups: the number of groups; divides C.
    """

    def __init__(self, groups):
        super().__init__()
        self.groups = groups

    def forward(self, input):
        return R.channel_shuffle(input, self.groups)

    def extra_repr(self):
        return f'groups={self.groups}'

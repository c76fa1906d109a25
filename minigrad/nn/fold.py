"""Unfold and Fold (im2col and col2im as layers; the functions are ``F.unfold`` / ``F.fold``),
and LocalResponseNorm (AlexNet's cross-channel normalisation)."""
from . import functional_extra as E
from .module import Module

__all__ = ['Unfold', 'Fold', 'LocalResponseNorm']


class Unfold(Module):
    """Every sliding ``kernel_size`` block of an image as a column (im2col).

    Args:
        kernel_size, dilation, padding, stride: an int or a pair each.

    Shape:
        (N, C, H, W) -> (N, C*kH*kW, L), L the number of blocks (see ``F.unfold``).
    """

    def __init__(self, kernel_size, dilation=1, padding=0, stride=1):
        super().__init__()
        self.kernel_size, self.dilation = kernel_size, dilation
        self.padding, self.stride = padding, stride

    def forward(self, input):
        return E.unfold(input, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self):
        return (f'kernel_size={self.kernel_size}, dilation={self.dilation}, '
                f'padding={self.padding}, stride={self.stride}')


class Fold(Unfold):
    """Sum columns of blocks back into an image (col2im; overlapping blocks add), the adjoint
    of ``Unfold``.

    Args:
        output_size: the image size (H, W).
        kernel_size, dilation, padding, stride: as ``Unfold``.

    Shape:
        (N, C*kH*kW, L) -> (N, C, H, W).
    """

    def __init__(self, output_size, kernel_size, dilation=1, padding=0, stride=1):
        super().__init__(kernel_size, dilation, padding, stride)
        self.output_size = output_size

    def forward(self, input):
        return E.fold(input, self.output_size, self.kernel_size, self.dilation, self.padding,
                      self.stride)

    def extra_repr(self):
        return f'output_size={self.output_size}, ' + super().extra_repr()


class LocalResponseNorm(Module):
    """Normalise each channel by its neighbours' energy (AlexNet):
    ``b_c = a_c / (k + alpha/size * sum of a_c'^2 over the size channels around c) ** beta``.

    Args:
        size: channels in the window; alpha, beta, k: as the formula.

    Shape:
        (N, C, *) -> the same.
    """

    def __init__(self, size, alpha=1e-4, beta=0.75, k=1.0):
        super().__init__()
        self.size, self.alpha, self.beta, self.k = size, alpha, beta, k

    def forward(self, input):
        return E.local_response_norm(input, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self):
        return f'{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}'

"""Transposed 2-D convolution ("deconvolution"), built from the convolution's own pieces.

A convolution with weight ``W`` maps an image ``y`` to ``x``; its input gradient maps an
``x``-shaped gradient back to ``y``'s shape. The transposed convolution IS that map: its forward
is ``col2im(W^T @ x)`` (``conv.conv_input_grad``), and its backward is an ordinary convolution
of the output gradient by the same weight (``conv.conv_output``), the window matrix of which
also gives the weight gradient. The weight keeps the convolution's layout, seen from the other
side: ``(C_in, C_out / groups, KH, KW)``, as PyTorch's ``ConvTranspose2d``.
"""
from ..backend import get_array_module
from .conv import ConvGeometry, conv_input_grad, conv_output, conv_weight_grad
from .windows import ImageFunction


def transposed_out_size(size, kernel, stride, padding, output_padding, dilation):
    """``(size - 1)*stride - 2*padding + dilation*(kernel - 1) + output_padding + 1``."""
    return (size - 1) * stride - 2 * padding + dilation * (kernel - 1) + output_padding + 1


def transposed_geometry(x_shape, w_shape, stride, padding, dilation, groups, out_hw):
    """The ConvGeometry of the convolution whose input gradient this transposed convolution is:
    its input is our (N, C_out, *out_hw) output and its output our (N, C_in, H, W) input.

    ``padding`` is (ph, pw). ``out_hw`` may exceed the plain output size by less than the stride
    (``output_padding``); then the convolution sees a few more windows than our input has
    columns and ``ConvTranspose2d`` pads the input with zeros to fill them.
    """
    N, C_in = x_shape[:2]
    _, C_out_g, KH, KW = w_shape
    (ph, pw) = padding
    return ConvGeometry(N, C_out_g * groups, out_hw[0], out_hw[1], C_in, KH, KW, tuple(stride),
                        (ph, ph, pw, pw), tuple(dilation), groups)


class ConvTranspose2d(ImageFunction):
    """conv_transpose2d on raw arrays: forward ``col2im(W^T @ x)``, backward a convolution.

    ``geom`` comes from ``transposed_geometry``; a 3-D input is one unbatched image.
    """

    def forward(self, x, weight, bias=None, geom=None):
        xp = get_array_module(x)
        x = self._batch(x)
        self.geom = k = geom
        self.in_hw = x.shape[2:]
        if (k.OH, k.OW) != self.in_hw:      # output_padding asked for windows past the input
            x = xp.pad(x, ((0, 0), (0, 0), (0, k.OH - x.shape[2]), (0, k.OW - x.shape[3])))
        y = conv_input_grad(x, weight, k)
        if bias is not None:
            y += bias.reshape(1, -1, 1, 1)
        self.save_for_backward(x, weight)
        return self._unbatch(y)

    # y = col2im(W^T @ x) + b is the input gradient of the convolution z = conv(y, W), so
    #     dx = conv(g, W),   dW = x @ im2col(g)^T,   db = g summed over images and positions
    def backward(self, g):
        k = self.geom
        x, weight = self.saved
        g = g[None] if self.unbatched else g
        needs = self.needs_input_grad
        gx = gw = gb = None
        if needs[0] or needs[1]:
            gx, cols = conv_output(g, weight, k)
            H, W = self.in_hw
            gx = self._unbatch(gx[:, :, :H, :W]) if needs[0] else None
            if needs[1]:
                gw = conv_weight_grad(x, cols, weight.shape, k)
        if len(needs) > 2 and needs[2]:
            gb = g.sum(axis=(0, 2, 3))
        return gx, gw, gb

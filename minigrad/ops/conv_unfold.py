"""``unfold`` (im2col: every sliding block of an image as a column) and ``fold`` (its adjoint,
col2im: columns summed back into an image), as ``torch.nn.functional.unfold`` / ``fold``.

They are the two halves of the convolution in ``conv.py``, exposed: ``unfold`` is
``ConvGeometry.windows`` with the batch axis first, ``fold`` is ``ConvGeometry.add_windows``;
each one's backward is the other.
"""
from ..backend import get_array_module
from .windows import ImageFunction


def _columns(x, k):
    """NCHW ``x`` -> its blocks (N, C*KH*KW, L)."""
    cols = k.windows(x)                                            # (C*KH*KW, N*L)
    return get_array_module(x).ascontiguousarray(
        cols.reshape(k.C * k.KH * k.KW, x.shape[0], k.OH * k.OW).transpose(1, 0, 2))


def _image(cols, k):
    """Blocks (N, C*KH*KW, L) -> the NCHW image they sum to (overlaps add)."""
    xp = get_array_module(cols)
    N = cols.shape[0]
    pt, pb, pl, pr = k.padding
    dx = xp.zeros((N, k.C, pt + k.H + pb, pl + k.W + pr), dtype=cols.dtype)
    gcols = cols.transpose(1, 0, 2)                                # (C*KH*KW, N, L)
    return k.crop(k.add_windows(gcols, dx))


class Unfold(ImageFunction):
    """(N, C, H, W) -> (N, C*KH*KW, L) for the geometry ``geom`` (a ``ConvGeometry``; its O
    unused). A 3-D input is one unbatched image."""

    def forward(self, x, geom=None):
        self.geom = geom
        return self._unbatch(_columns(self._batch(x), geom))

    # y = im2col(x), so dx = col2im(g)
    def backward(self, g):
        g = g[None] if self.unbatched else g
        return self._unbatch(_image(g, self.geom)),


class Fold(ImageFunction):
    """(N, C*KH*KW, L) -> (N, C, H, W), overlapping blocks summed. A 2-D input is unbatched."""

    def forward(self, cols, geom=None):
        self.geom = geom
        self.unbatched = cols.ndim == 2
        return self._unbatch(_image(cols[None] if self.unbatched else cols, geom))

    # y = col2im(cols), so dcols = im2col(g)
    def backward(self, g):
        g = g[None] if self.unbatched else g
        return self._unbatch(_columns(g, self.geom)),

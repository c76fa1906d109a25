"""Sliding windows over NCHW arrays, shared by convolution and pooling.

A window op (a convolution, a pool) with kernel (KH, KW), stride (sh, sw) and dilation (dh, dw)
reads, for each kernel offset (i, j), one strided slice of the padded input:
``xpad[..., i*dh : i*dh + sh*(OH-1)+1 : sh, j*dw : ...]`` holds element (i, j) of every window.

* ``im2col`` copies those slices, one per row block, into the window matrix ("image to
  columns") whose columns are the windows: a convolution is then one matrix product.
* ``col2im`` is its adjoint: it adds the rows of a window-gradient matrix back into the slices
  they came from. Within one offset the slice positions are distinct, so ``+=`` is exact and
  ``np.add.at`` is never needed.
"""
from .. import backend
from ..autograd import Function
from ..backend import get_array_module


class ImageFunction(Function):
    """A Function on NCHW arrays that also takes one unbatched (C, H, W) image, as PyTorch does."""

    def _batch(self, x):
        self.unbatched = x.ndim == 3
        return x[None] if self.unbatched else x

    def _unbatch(self, a):
        return a[0] if self.unbatched else a


def out_size(size, kernel, stride, pad_before, pad_after, dilation):
    """Windows along one axis: ``(size + pads - dilation*(kernel - 1) - 1) // stride + 1``."""
    return (size + pad_before + pad_after - dilation * (kernel - 1) - 1) // stride + 1


def pad_hw(x, top, bottom, left, right, value):
    """``x`` (N, C, H, W) padded with ``value`` on the last two axes (no copy when nothing to pad)."""
    if not (top or bottom or left or right):
        return x
    xp = get_array_module(x)
    N, C, H, W = x.shape
    out = xp.empty((N, C, top + H + bottom, left + W + right), dtype=x.dtype)
    if top:
        out[:, :, :top] = value
    if bottom:
        out[:, :, top + H:] = value
    if left:
        out[:, :, top:top + H, :left] = value
    if right:
        out[:, :, top:top + H, left + W:] = value
    out[:, :, top:top + H, left:left + W] = x
    return out


def offset_slices(kernel, stride, dilation, out_hw):
    """For each kernel offset (i, j), row-major, the (rows, cols) slices it reads of the padded input."""
    (kh, kw), (sh, sw), (dh, dw), (oh, ow) = kernel, stride, dilation, out_hw
    rows = [slice(i * dh, i * dh + sh * (oh - 1) + 1, sh) for i in range(kh)]
    cols = [slice(j * dw, j * dw + sw * (ow - 1) + 1, sw) for j in range(kw)]
    return [(r, c) for r in rows for c in cols]


def im2col(xpad, kernel, stride, dilation, out_hw, batch_last=False, out=None):
    """The window matrix of a padded array, built with ONE copy of a strided view.

    NCHW ``xpad`` (N, C, Hp, Wp): shape (C*KH*KW, N*OH*OW), row ``(c, i, j)``, column
    ``(n, oh, ow)``. With ``batch_last`` the input is (C, Hp, Wp, N) and the columns run over
    ``(oh, ow, n)``. The innermost axis runs along output columns (or images), so the copy moves
    contiguous runs. ``out``: a flat buffer to build the matrix in (its front is used).
    """
    xp = get_array_module(xpad)
    (kh, kw), (sh, sw), (dh, dw), (oh, ow) = kernel, stride, dilation, out_hw
    if batch_last:
        C, N = xpad.shape[0], xpad.shape[3]
        s_c, s_h, s_w, s_n = xpad.strides
        shape = (C, kh, kw, oh, ow, N)
        strides = (s_c, dh * s_h, dw * s_w, sh * s_h, sw * s_w, s_n)
    else:
        N, C = xpad.shape[:2]
        s_n, s_c, s_h, s_w = xpad.strides
        shape = (C, kh, kw, N, oh, ow)
        strides = (s_c, dh * s_h, dw * s_w, s_n, sh * s_h, sw * s_w)
    view = backend.as_strided(xpad, shape, strides)
    if out is None:
        cols = xp.empty(shape, dtype=xpad.dtype)
    else:
        cols = out[:C * kh * kw * N * oh * ow].reshape(shape)
    cols[...] = view
    return cols.reshape(C * kh * kw, N * oh * ow)


def col2im(gcols, dst, slices, axis):
    """Add each kernel offset's window gradients back where im2col read them.

    ``gcols`` is (C, KH*KW, *window positions) and ``dst`` a view of the padded input gradient
    whose axes ``axis`` and ``axis + 1`` are its rows and columns: NCHW windows add
    ``gcols[:, k]`` (C, n, OH, OW) into ``dst`` (C, n, Hp, Wp) with ``axis=2``; batch-last
    windows (C, OH, OW, N) into (C, Hp, Wp, N) with ``axis=1``.
    """
    lead = (slice(None),) * axis
    for k, (rs, cs) in enumerate(slices):
        dst[lead + (rs, cs)] += gcols[:, k]
    return dst

"""2-D convolution (cross-correlation, as in PyTorch) as one matrix product: the plain version.

Every output pixel is a dot product between one filter and one window of the input. Copy every
window of every image into a column of one matrix ``cols`` (im2col, see ``windows.py``), and the
whole convolution is a single matrix product, ``weight (O, C*KH*KW) @ cols (C*KH*KW, N*OH*OW)``;
its backward is two more matrix products and the adjoint of the copy (col2im).

This file is the lesson: it is what ``F.conv2d`` computes, written for reading. ``F.conv2d``
runs one of the faster plans in ``conv_plans.py`` instead (the same products, arranged to use
the caches and BLAS better); each is tested against this one.
"""
from dataclasses import dataclass, field, replace

from ..backend import get_array_module
from .windows import ImageFunction, col2im, im2col, offset_slices, out_size, pad_hw


@dataclass(frozen=True)
class ConvGeometry:
    """The sizes of one conv2d call, shared by the plain convolution and every plan."""
    N: int                      # images in the batch
    C: int                      # input channels
    H: int                      # input height
    W: int                      # input width
    O: int                      # output channels (filters)
    KH: int                     # kernel height
    KW: int                     # kernel width
    stride: tuple = (1, 1)      # (sh, sw)
    padding: tuple = (0, 0, 0, 0)   # (top, bottom, left, right)
    dilation: tuple = (1, 1)    # (dh, dw)
    groups: int = 1             # channels split into this many independent groups
    OH: int = field(init=False)     # output height and width, computed from the above
    OW: int = field(init=False)

    def __post_init__(self):
        (sh, sw), (pt, pb, pl, pr), (dh, dw) = self.stride, self.padding, self.dilation
        object.__setattr__(self, 'OH', out_size(self.H, self.KH, sh, pt, pb, dh))
        object.__setattr__(self, 'OW', out_size(self.W, self.KW, sw, pl, pr, dw))

    @classmethod
    def of(cls, x_shape, w_shape, stride=(1, 1), padding=(0, 0, 0, 0), dilation=(1, 1), groups=1):
        """The geometry of input ``x_shape`` (N, C, H, W) and weight ``w_shape`` (O, C/groups,
        KH, KW); ``RuntimeError`` when they do not fit (channels, groups, kernel vs input)."""
        op, x_shape, w_shape = 'conv2d', tuple(x_shape), tuple(w_shape)
        (N, C, H, W), (O, Cg, KH, KW) = x_shape, w_shape
        if C % groups:
            raise RuntimeError(f'{op}: input channels ({C}, input shape {x_shape}) are not '
                               f'divisible by groups={groups}')
        if O % groups:
            raise RuntimeError(f'{op}: out_channels ({O}, weight shape {w_shape}) are not '
                               f'divisible by groups={groups}')
        if Cg * groups != C:
            want = f'{Cg * groups} channels' + (
                f' (weight.shape[1]={Cg} x groups={groups})' if groups > 1 else '')
            raise RuntimeError(f'{op}: weight of shape {w_shape} expected input with {want}, '
                               f'got {C} (input shape {x_shape})')
        if KH <= 0 or KW <= 0:
            raise RuntimeError(f'{op}: weight {w_shape} has an empty kernel')
        geom = cls(N, C, H, W, O, KH, KW, tuple(stride), tuple(padding), tuple(dilation), groups)
        if geom.OH < 1 or geom.OW < 1:
            (pt, pb, pl, pr), (dh, dw) = padding, dilation
            eh, ew = dh * (KH - 1) + 1, dw * (KW - 1) + 1
            dil = f', dilated to {eh} x {ew}' if (dh, dw) != (1, 1) else ''
            raise RuntimeError(f"{op}: kernel size ({KH} x {KW}{dil}) can't be greater than the "
                               f'padded input size ({H + pt + pb} x {W + pl + pr}: input {H} x {W} '
                               f'plus padding {tuple(padding)}); weight shape {w_shape}, input '
                               f'shape {x_shape}')
        return geom

    @property
    def kernel(self):
        return self.KH, self.KW

    @property
    def out_hw(self):
        return self.OH, self.OW

    def images(self, n):
        """The same convolution on ``n`` images (a block of the batch)."""
        return replace(self, N=n)

    def windows(self, x):
        """im2col of an unpadded NCHW ``x``: (C*KH*KW, N*OH*OW)."""
        return im2col(pad_hw(x, *self.padding, 0), self.kernel, self.stride, self.dilation,
                      self.out_hw)

    def add_windows(self, gcols, dx_padded):
        """col2im: add window gradients ``gcols`` (C*KH*KW, N*OH*OW) into the padded input
        gradient (N, C, Hp, Wp)."""
        gcols = gcols.reshape(self.C, self.KH * self.KW, dx_padded.shape[0], self.OH, self.OW)
        slices = offset_slices(self.kernel, self.stride, self.dilation, self.out_hw)
        col2im(gcols, dx_padded.transpose(1, 0, 2, 3), slices, axis=2)
        return dx_padded

    def crop(self, dx_padded):
        """The input's part of a padded (N, C, Hp, Wp) array."""
        pt, _, pl, _ = self.padding
        return dx_padded[:, :, pt:pt + self.H, pl:pl + self.W]


def _as_product(g, k):
    """An (N, O, OH, OW) array laid out as the product ``W @ cols``: (G, O/G, N*OH*OW)."""
    G, N, O, L = k.groups, g.shape[0], k.O, k.OH * k.OW
    return g.reshape(N, O, L).transpose(1, 0, 2).reshape(G, O // G, N * L)


def conv_output(x, weight, k):
    """The convolution of NCHW ``x`` by ``weight`` (O, C/G, KH, KW): ``(y, cols)``, ``cols`` the
    window matrix (kept by callers for the weight gradient)."""
    xp = get_array_module(x)
    G, N, O, L, K = k.groups, x.shape[0], k.O, k.OH * k.OW, weight[0].size   # K = C/G*KH*KW
    cols = k.windows(x)                                           # (C*KH*KW, N*L)
    w = weight.reshape(G, O // G, K)                              # (G, O/G, K)
    y = xp.matmul(w, cols.reshape(G, K, N * L))                   # (G, O/G, N*L)
    y = y.reshape(O, N, L).transpose(1, 0, 2)                     # (N, O, L)
    return xp.ascontiguousarray(y).reshape(N, O, k.OH, k.OW), cols


def conv_input_grad(g, weight, k):
    """``col2im(W^T @ g)`` for an output gradient ``g`` (N, O, OH, OW): the (N, C, H, W) input
    gradient. It is also the forward of the transposed convolution."""
    xp = get_array_module(g)
    G, N, O, K = k.groups, g.shape[0], k.O, weight[0].size
    w_t = weight.reshape(G, O // G, K).transpose(0, 2, 1)         # (G, K, O/G)
    gcols = xp.matmul(w_t, _as_product(g, k))                     # (G, K, N*L)
    pt, pb, pl, pr = k.padding
    dx = xp.zeros((N, k.C, pt + k.H + pb, pl + k.W + pr), dtype=g.dtype)
    return k.crop(k.add_windows(gcols, dx))


def conv_weight_grad(g, cols, weight_shape, k):
    """``g @ cols^T``: the weight gradient from the output gradient and the window matrix."""
    xp = get_array_module(g)
    G, N, L = k.groups, g.shape[0], k.OH * k.OW
    K = cols.shape[0] // G
    gw = xp.matmul(_as_product(g, k), cols.reshape(G, K, N * L).transpose(0, 2, 1))
    return gw.reshape(weight_shape)


class Conv2d(ImageFunction):
    """conv2d on raw arrays, the plain way: one window matrix, one matrix product per group.

    ``geom`` is the ``ConvGeometry`` of the call; a 3-D input is one unbatched image.
    """

    def forward(self, x, weight, bias=None, geom=None):
        self.geom = geom
        y, cols = conv_output(self._batch(x), weight, geom)
        if bias is not None:
            y += bias.reshape(1, -1, 1, 1)
        self.save_for_backward(cols, weight)
        return self._unbatch(y)

    # y = W @ cols + b, with cols = im2col(x):
    #     dW = g @ cols^T,   dx = col2im(W^T @ g),   db = g summed over images and positions
    def backward(self, g):
        k = self.geom
        cols, weight = self.saved
        g = g[None] if self.unbatched else g
        needs = self.needs_input_grad
        gx = gw = gb = None
        if needs[0]:
            gx = self._unbatch(conv_input_grad(g, weight, k))
        if needs[1]:
            gw = conv_weight_grad(g, cols, weight.shape, k)
        if len(needs) > 2 and needs[2]:
            gb = g.sum(axis=(0, 2, 3))
        return gx, gw, gb

"""Faster ways to compute the convolution of ``conv.py``: named plans, chosen by ``choose_plan``.

Every plan computes the same products as the plain ``conv.Conv2d`` (``W @ im2col(x)`` forward;
``g @ cols^T`` and ``col2im(W^T @ g)`` backward) and differs only in how the work is laid out:

* ``window_matrix``: the plain layout, with the window matrix built in a reused scratch buffer
  and kept for the weight gradient (or rebuilt from the input, ``SAVE_WINDOWS = False``);
* ``image_blocks``: small windows per image (LeNet's first conv): blocks of images whose windows
  fit in a core's L2 cache; backward rebuilds each block's windows instead of keeping them;
* ``batch_last``: narrow outputs (LeNet's 10x10, VGG's 4x4): the input copied to (C, H, W, N) so
  that every window copy and col2im add moves runs of OW*N floats instead of OW.

and, for the input gradient of the first two, ``transposed_conv`` (stride 1, more input than
output channels: the convolution of the padded gradient with the flipped, transposed weight) or
``col2im`` (the adjoint of im2col, in chunks of images). ``choose_plan`` holds every threshold;
measurements behind them are in ``benchmarks/README.md``.
"""
import sys
from dataclasses import dataclass

import numpy as np

from ..autograd import is_grad_enabled
from ..backend import get_array_module
from .windows import ImageFunction, col2im, im2col, offset_slices, pad_hw

#: keep the window matrix from forward for the weight gradient (True) or rebuild it (False)
SAVE_WINDOWS = True


@dataclass(frozen=True)
class Plan:
    """How one conv2d call is computed."""
    name: str                   # 'window_matrix' | 'image_blocks' | 'batch_last'
    images_per_block: int       # images per block of the forward/backward loops (N: one block)
    input_grad: str = 'col2im'  # 'col2im' | 'transposed_conv' (batch_last: always col2im)
    grad_images: int = 1        # images per chunk of the input gradient
    weight_grad_transposed: bool = False    # dW as (cols @ g^T)^T rather than g @ cols^T
    save_windows: bool = True   # window_matrix: keep the windows for dW (else keep the input)

    @property
    def function(self):
        """The Function class that runs this plan."""
        return PLANS[self.name]


def choose_plan(geom, itemsize, cpu=True):
    """The plan for ``geom`` (a ``ConvGeometry``) with elements of ``itemsize`` bytes; ``cpu``
    False (CuPy) turns off the cache-sized blocks. Every threshold of every plan is here."""
    N, C, O, KH, KW, G = geom.N, geom.C, geom.O, geom.KH, geom.KW, geom.groups
    H, W, OH, OW, L = geom.H, geom.W, geom.OH, geom.OW, geom.OH * geom.OW
    per_image = max(C * KH * KW * L * itemsize, 1)             # bytes of windows per image
    # dW as (cols @ g^T)^T (groups 1): OpenBLAS splits the long side over its threads (32 x
    # 288 x 65536: 12.5 vs 19.9 ms), but the transposing copy costs more for large weights
    transposed = G == 1 and O * C * KH * KW < 1 << 20
    if N >= 8 and OW <= 10:                                    # narrow outputs, enough images
        # blocks of ~2 MiB of windows, but at least 4096 window columns for the GEMMs
        target = max((2 << 20) // per_image, -(-4096 // L)) if cpu else N
        block = -(-N // max(1, N // target))                   # equal blocks of at least target
        return Plan('batch_last', block, weight_grad_transposed=transposed)
    # stride 1: the transposed conv builds O*KH*KW*H*W windows per image, col2im writes
    # C*KH*KW*OH*OW and adds them back (measured ~1.4x slower per element)
    eh, ew = geom.dilation[0] * (KH - 1), geom.dilation[1] * (KW - 1)
    pt, pb, pl, pr = geom.padding
    if (geom.stride == (1, 1) and max(pt, pb) <= eh and max(pl, pr) <= ew
            and 1.4 * C * L > O * H * W):
        grad, grad_bytes = 'transposed_conv', O * KH * KW * H * W * itemsize
    else:
        grad, grad_bytes = 'col2im', per_image
    grad_images = max(1, min(N, (32 << 20) // max(grad_bytes, 1)))        # 32 MiB chunks
    block = (640 << 10) // per_image if cpu and G == 1 else 0              # L2-sized blocks
    if 4 <= block < N:              # the blocks accumulate cols @ g^T: always transposed
        return Plan('image_blocks', block, grad, grad_images, True)
    return Plan('window_matrix', N, grad, grad_images, transposed or G > 1, SAVE_WINDOWS)


# ---------------------------------------------------------------- scratch buffers

#: per (size, dtype): big NumPy buffers kept for reuse across steps (CuPy has its own pool)
_SCRATCH = {}
#: buffers smaller than this are not worth keeping; at most this many per size
SCRATCH_MIN_BYTES, SCRATCH_PER_SIZE = 1 << 20, 4


def scratch(xp, shape, dtype):
    """An uninitialised array, reusing a NumPy buffer that NO ONE references any more.

    A fresh 150 MB window matrix costs ~10 ms of page faults every step; reusing one does not.
    Safety does not depend on who frees what: a kept buffer is handed out again only when its
    reference count shows that the keeper list is its only holder (any live view, saved array,
    retained graph or tensor holds a reference, directly or through ``.base``).
    """
    dtype = np.dtype(dtype)
    n = 1
    for d in shape:
        n *= d
    if xp is not np or n * dtype.itemsize < SCRATCH_MIN_BYTES:
        return xp.empty(shape, dtype=dtype)
    bufs = _SCRATCH.setdefault((n, dtype), [])
    for i in range(len(bufs)):
        if sys.getrefcount(bufs[i]) == 2:       # held by the list only (+1: the argument)
            return bufs[i].reshape(shape)
    buf = np.empty(n, dtype=dtype)
    if len(bufs) < SCRATCH_PER_SIZE:
        bufs.append(buf)
    return buf.reshape(shape)


# ---------------------------------------------------------------- pieces shared by the plans

def gemm(w, cols, groups):
    """``w`` (G, O/G, K) times the window matrix (G*K, M), one product per group: (O, M), or
    (G, O/G, M) with groups (the same memory)."""
    xp = get_array_module(cols)
    if groups == 1:
        return xp.dot(w[0], cols)
    return xp.matmul(w, cols.reshape(groups, w.shape[2], cols.shape[1]))


def store(out, y, bias, batch_last):
    """GEMM result ``out`` (O, columns of the window matrix) -> ``y`` (n, O, OH, OW), + bias."""
    xp = get_array_module(out)
    n, O = y.shape[:2]
    L = y.shape[2] * y.shape[3]
    src = out.reshape(O, L, n).transpose(2, 0, 1) if batch_last else out.reshape(O, n, L).transpose(1, 0, 2)
    if bias is not None:
        xp.add(src, bias.reshape(1, O, 1), out=y.reshape(n, O, L))
    else:
        y.reshape(n, O, L)[...] = src


def weight_grad(cols, gt, geom, plan):
    """dW (O, C/G*KH*KW) from the windows ``cols`` (C*KH*KW, M) and ``gt`` (O, M): ``g @ cols^T``,
    or ``(cols @ g^T)^T`` when ``plan.weight_grad_transposed``."""
    xp = get_array_module(gt)
    G, O, M = geom.groups, geom.O, gt.shape[1]
    if G == 1:
        if plan.weight_grad_transposed:
            return xp.ascontiguousarray((cols @ gt.T).T)
        return gt @ cols.T
    K = cols.shape[0] // G                                               # C/G*KH*KW
    cols, gt = cols.reshape(G, K, M), gt.reshape(G, O // G, M)
    if plan.weight_grad_transposed:
        gw = xp.matmul(cols, gt.transpose(0, 2, 1)).transpose(0, 2, 1)
        return xp.ascontiguousarray(gw).reshape(O, K)
    return xp.matmul(gt, cols.transpose(0, 2, 1)).reshape(O, K)


def batch_last_padded(x, geom):
    """``x`` (N, C, H, W) as a zero-padded (C, Hp, Wp, N) array (one copy)."""
    xp = get_array_module(x)
    N, C, H, W = x.shape
    pt, pb, pl, pr = geom.padding
    alloc = xp.zeros if (pt or pb or pl or pr) else xp.empty
    out = alloc((C, pt + H + pb, pl + W + pr, N), dtype=x.dtype)
    out[:, pt:pt + H, pl:pl + W] = x.transpose(1, 2, 3, 0)
    return out


def input_grad_col2im(gt, weight, geom, plan):
    """dx by col2im: ``W^T (C*KH*KW, O) @ g (O, n*OH*OW)`` gives the windows' gradients of ``n``
    images, added back by ``geom.add_windows``; ``plan.grad_images`` at a time keeps those rows
    in cache for the adds."""
    xp = get_array_module(gt)
    G, N, O, C, L = geom.groups, geom.N, geom.O, geom.C, geom.OH * geom.OW
    wt = weight.reshape(G, O // G, C // G * geom.KH * geom.KW).transpose(0, 2, 1)  # (G, K, O/G)
    pt, pb, pl, pr = geom.padding
    dxp = xp.zeros((N, C, pt + geom.H + pb, pl + geom.W + pr), dtype=gt.dtype)
    nb = plan.grad_images
    for n0 in range(0, N, nb):
        n = min(nb, N - n0)
        gc = gt[:, n0 * L:(n0 + n) * L]
        if G == 1:                                                       # (C*KH*KW, n*L)
            gcols = xp.dot(wt[0], gc, out=scratch(xp, (wt.shape[1], n * L), gt.dtype))
        else:
            gcols = xp.matmul(wt, gc.reshape(G, O // G, n * L))          # (G, C/G*KH*KW, n*L)
        geom.add_windows(gcols, dxp[n0:n0 + n])
    if pt or pb or pl or pr:
        dxp = xp.ascontiguousarray(geom.crop(dxp))
    return dxp


def input_grad_transposed_conv(g, weight, geom, plan):
    """Stride 1: dx is the convolution of g, zero-padded by (dilated kernel - 1 - padding), with
    the flipped, transposed weight: im2col of g in chunks of images, one GEMM per chunk."""
    xp = get_array_module(g)
    G, N, O, C, H, W = geom.groups, geom.N, geom.O, geom.C, geom.H, geom.W
    KH, KW, (dh, dw), (pt, pb, pl, pr) = geom.KH, geom.KW, geom.dilation, geom.padding
    Og, Cg = O // G, C // G
    eh, ew = dh * (KH - 1), dw * (KW - 1)
    gp = pad_hw(g, eh - pt, eh - pb, ew - pl, ew - pr, 0)
    wf = xp.ascontiguousarray(weight[:, :, ::-1, ::-1].reshape(G, Og, Cg, KH, KW)
                              .transpose(0, 2, 1, 3, 4)).reshape(G, Cg, Og * KH * KW)
    dx = xp.empty((N, C, H, W), dtype=g.dtype)
    nb = plan.grad_images
    for n0 in range(0, N, nb):
        n = min(nb, N - n0)
        cols = im2col(gp[n0:n0 + n], (KH, KW), (1, 1), (dh, dw), (H, W))   # (O*KH*KW, n*H*W)
        dx[n0:n0 + n] = gemm(wf, cols, G).reshape(C, n, H, W).transpose(1, 0, 2, 3)
    return dx


# ---------------------------------------------------------------- the plans

class WindowMatrixConv2d(ImageFunction):
    """Plan ``window_matrix``: one window matrix for the batch, built in a reused buffer."""

    def forward(self, x, weight, bias=None, geom=None, plan=None):
        xp = get_array_module(x)
        x = self._batch(x)
        self.geom, self.plan = geom, plan
        need_w = is_grad_enabled() and self.needs_input_grad[1]
        y = xp.empty((geom.N, geom.O, geom.OH, geom.OW), dtype=x.dtype)
        w2 = weight.reshape(geom.groups, geom.O // geom.groups, weight[0].size)
        keep = self._forward(x, w2, bias, y, need_w)
        if is_grad_enabled():
            self.save_for_backward(keep if need_w else None,
                                   weight if self.needs_input_grad[0] else None)
        return self._unbatch(y)

    def _forward(self, x, w2, bias, y, need_w):
        """Fill ``y``; return what the weight gradient needs (the windows, or the input)."""
        xp, k = get_array_module(x), self.geom
        keep = self.plan.save_windows and need_w
        xpad = pad_hw(x, *k.padding, 0)
        buf = scratch(xp, (w2.shape[0] * w2.shape[2] * k.N * k.OH * k.OW,), x.dtype) if keep else None
        cols = im2col(xpad, k.kernel, k.stride, k.dilation, k.out_hw, out=buf)
        store(gemm(w2, cols, k.groups), y, bias, False)
        return cols if keep else x

    def _weight_grad(self, kept, gt):
        if not self.plan.save_windows:            # rebuild the windows from the input
            kept = self.geom.windows(kept)
        return weight_grad(kept, gt, self.geom, self.plan)

    # y = W @ cols + b:  dW = g @ cols^T,  dx = col2im(W^T g) (stride 1: the transposed conv),
    #                    db = g summed over (N, OH, OW)
    def backward(self, g):
        xp = get_array_module(g)
        g = g[None] if self.unbatched else g
        k, needs = self.geom, self.needs_input_grad
        kept, weight = self.saved
        gx = gw = gb = None
        if not (needs[0] or needs[1]):
            return gx, gw, g.sum(axis=(0, 2, 3))
        gt = xp.empty((k.O, k.N, k.OH * k.OW), dtype=g.dtype)    # g's columns in the windows' order
        gt[...] = g.reshape(k.N, k.O, k.OH * k.OW).transpose(1, 0, 2)
        gt = gt.reshape(k.O, k.N * k.OH * k.OW)
        if len(needs) > 2 and needs[2]:
            gb = gt.sum(axis=1)
        if needs[1]:
            gw = self._weight_grad(kept, gt).reshape(k.O, k.C // k.groups, k.KH, k.KW)
        if needs[0]:
            if self.plan.input_grad == 'transposed_conv':
                gx = input_grad_transposed_conv(g, weight, k, self.plan)
            else:
                gx = input_grad_col2im(gt, weight, k, self.plan)
            gx = self._unbatch(gx)
        return gx, gw, gb


class ImageBlocksConv2d(WindowMatrixConv2d):
    """Plan ``image_blocks`` (groups 1): blocks of images whose windows stay in the L2 cache;
    window copy, GEMM and output transpose run per block, and backward rebuilds each block's
    windows for the weight gradient instead of keeping a matrix KH*KW times the input."""

    def _forward(self, x, w2, bias, y, need_w):
        xp, k, nb = get_array_module(x), self.geom, self.plan.images_per_block
        xpad = pad_hw(x, *k.padding, 0)
        buf = xp.empty(w2.shape[2] * nb * k.OH * k.OW, dtype=x.dtype)
        for n0 in range(0, k.N, nb):
            cols = im2col(xpad[n0:n0 + nb], k.kernel, k.stride, k.dilation, k.out_hw, out=buf)
            store(xp.dot(w2[0], cols), y[n0:n0 + nb], bias, False)
        return xpad

    def _weight_grad(self, xpad, gt):
        xp, k, nb = get_array_module(gt), self.geom, self.plan.images_per_block
        L = k.OH * k.OW
        buf = xp.empty(k.C * k.KH * k.KW * nb * L, dtype=gt.dtype)
        gw = xp.zeros((k.C * k.KH * k.KW, k.O), dtype=gt.dtype)
        for n0 in range(0, k.N, nb):      # rebuild each block's windows (cache-resident)
            cols = im2col(xpad[n0:n0 + nb], k.kernel, k.stride, k.dilation, k.out_hw, out=buf)
            gw += cols @ gt[:, n0 * L:n0 * L + cols.shape[1]].T
        return xp.ascontiguousarray(gw.T)


class BatchLastConv2d(ImageFunction):
    """Plan ``batch_last``: the input copied to (C, H, W, N), windows whose columns run over
    (OH, OW, N), in blocks of images; backward rebuilds each block's windows (a copy of
    contiguous runs, cheap here) instead of keeping a window matrix."""

    def forward(self, x, weight, bias=None, geom=None, plan=None):
        xp = get_array_module(x)
        x = self._batch(x)
        self.geom = k = geom
        self.plan = plan
        nb = plan.images_per_block
        L, G = k.OH * k.OW, k.groups
        y = xp.empty((k.N, k.O, k.OH, k.OW), dtype=x.dtype)
        w2 = weight.reshape(G, k.O // G, weight[0].size)
        for n0 in range(0, k.N, nb):
            cols = self._windows(x[n0:n0 + nb])
            store(gemm(w2, cols, G), y[n0:n0 + cols.shape[1] // L], bias, True)
        if is_grad_enabled():
            self.save_for_backward(x if self.needs_input_grad[1] else None,
                                   weight if self.needs_input_grad[0] else None)
        return self._unbatch(y)

    def _windows(self, x):
        k = self.geom
        return im2col(batch_last_padded(x, k), k.kernel, k.stride, k.dilation, k.out_hw,
                      batch_last=True)

    # as WindowMatrixConv2d, one block of images at a time
    def backward(self, g):
        xp = get_array_module(g)
        g = g[None] if self.unbatched else g
        k, needs, nb = self.geom, self.needs_input_grad, self.plan.images_per_block
        x, weight = self.saved
        N, O, G, L = k.N, k.O, k.groups, k.OH * k.OW
        if not (needs[0] or needs[1]):
            return None, None, g.sum(axis=(0, 2, 3))
        need_b = len(needs) > 2 and needs[2]
        gb = xp.zeros(O, dtype=g.dtype) if need_b else None
        gw = xp.zeros((O, k.C // G * k.KH * k.KW), dtype=g.dtype) if needs[1] else None
        dx = xp.empty((N, k.C, k.H, k.W), dtype=g.dtype) if needs[0] else None
        for n0 in range(0, N, nb):
            gb_ = g[n0:n0 + nb]
            n = gb_.shape[0]
            gt = xp.empty((O, L, n), dtype=g.dtype)                      # (O, OH*OW*n)
            gt[...] = gb_.reshape(n, O, L).transpose(1, 2, 0)
            gt = gt.reshape(O, L * n)
            if need_b:
                gb += gt.sum(axis=1)
            if needs[1]:
                gw += weight_grad(self._windows(x[n0:n0 + n]), gt, k, self.plan)
            if needs[0]:
                dx[n0:n0 + n] = self._input_grad(gt, weight, n)
        if needs[1]:
            gw = gw.reshape(O, k.C // G, k.KH, k.KW)
        return self._unbatch(dx) if dx is not None else None, gw, gb

    def _input_grad(self, gt, weight, n):
        """col2im in the (C, H, W, N) layout for ``n`` images: each add moves OW*n floats."""
        xp, k = get_array_module(gt), self.geom
        G, O = k.groups, k.O
        wt = weight.reshape(G, O // G, weight[0].size).transpose(0, 2, 1)   # (G, C/G*KH*KW, O/G)
        gcols = gemm(wt, gt, G).reshape(k.C, k.KH * k.KW, k.OH, k.OW, n)
        pt, pb, pl, pr = k.padding
        dxt = xp.zeros((k.C, pt + k.H + pb, pl + k.W + pr, n), dtype=gt.dtype)
        col2im(gcols, dxt, offset_slices(k.kernel, k.stride, k.dilation, k.out_hw), axis=1)
        return dxt[:, pt:pt + k.H, pl:pl + k.W].transpose(3, 0, 1, 2)      # (n, C, H, W) view


PLANS = {'window_matrix': WindowMatrixConv2d, 'image_blocks': ImageBlocksConv2d,
         'batch_last': BatchLastConv2d}

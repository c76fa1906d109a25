"""2-D convolution (cross-correlation, as in PyTorch) as one matrix product over strided windows.

Layout and memory (measured on (64, 64, 32, 32) x 64 filters 3x3, float32, 2 BLAS threads):

* Forward builds the window matrix ``cols`` of shape ``(C*KH*KW, N*OH*OW)`` with ONE copy of an
  ``as_strided`` view of the (zero-padded) input. Its innermost axis runs along output columns, so
  the copy reads and writes runs of contiguous memory (the ``(N*OH*OW, C*KH*KW)`` layout copies 3x
  slower: its inner runs are KW elements long). ``weight (O, C*KH*KW) @ cols`` is then a single
  large GEMM (a batched one over groups); its ``(O, N, OH*OW)`` result is transposed into NCHW in
  the same pass that adds the bias. A per-sample batched GEMM (``(N, C*KH*KW, OH*OW)`` layout)
  needs no output transpose and was as fast forward, but slower backward.
* Weight gradient: one GEMM ``cols @ g.T`` with ``g`` as (O, N*OH*OW) (BLAS reads the transposes
  in place), transposed to (O, C*KH*KW): 3-4x faster than ``g @ cols.T`` with OpenBLAS.
* Input gradient, stride 1 with C_in >= C_out (e.g. VGG's 64 -> 64): the convolution of the
  output gradient, zero-padded by (dilated kernel - 1 - padding), with the flipped and transposed
  weight: im2col of ``g`` built ``GRAD_CHUNK_BYTES`` (32 MiB) at a time, one GEMM with an
  O*KH*KW-long inner dimension per chunk, written straight into NCHW.
* Input gradient otherwise (C_in < C_out, as LeNet's 6 -> 16, or any stride): col2im, ONE GEMM
  ``W^T @ g`` of shape (C*KH*KW, N*OH*OW), whose rows for each kernel offset are added into a
  strided slice of a padded buffer (no ``np.add.at``: within one offset the positions are
  distinct). Its buffer holds C*KH*KW*OH*OW floats per image against the conv form's
  O*KH*KW*H*W: LeNet's second conv backward went from 8.5 to 1.7 ms (b64, 1 BLAS thread); with
  C == O the conv form is ~1.35x faster, so the switch is at 1.4 * C*OH*OW > O*H*W.
* Narrow outputs (OW <= ``CHWN_MAX_WIDTH``, e.g. LeNet's 10x10, VGG's 7x7 to 2x2 maps) use the
  batch-innermost layout instead: the input is copied once to (C, H, W, N), and the window
  matrix's columns run over (OH, OW, N), so every window copy, and every col2im add in
  backward, moves runs of OW*N contiguous floats instead of OW (10 floats for LeNet's second
  conv: NumPy's per-run overhead dominated). Measured on LeNet's second conv, 2 BLAS threads:
  forward + backward 20.0 -> 13.6 ms at batch 256, 4.0 -> 2.3 ms at batch 64; VGG-11's 512
  channel 4x4 and 2x2 layers 126 -> 95 and 53 -> 30 ms. At 16x16 and wider it was 5-30% slower
  (the output and gradient transposes move whole images with stride N), so those keep NCHW.
  It runs in blocks of images (~``CHWN_BLOCK_BYTES`` of windows, at least ``CHWN_MIN_COLUMNS``
  columns for the GEMMs), and backward rebuilds each block's windows (a copy of contiguous runs,
  cheap here) instead of keeping a window matrix between forward and backward.
* Small windows per image (LeNet's first conv: 1 channel, 25 x 784 floats = 78 KB an image):
  blocks of images whose windows fit in a core's L2 cache (``BLOCK_BYTES``): window copy, GEMM
  and output transpose run per block on cache-resident data, and backward rebuilds each block's
  windows for the weight gradient instead of keeping a matrix 25x the input. LeNet's first conv,
  2 BLAS threads: forward 4.6 -> 2.8 ms and weight gradient 4.1 -> 2.6 ms at batch 256 (1.1 ->
  0.6 and 0.9 -> 0.6 ms at 64); blocks twice as large (past L2) were slower than no blocks.
  Cache blocking is for the CPU: on a GPU (CuPy) every conv is one block.
* Window matrices that are saved for backward come from ``scratch``: kept NumPy buffers, handed
  out again only when nothing references them (checked by reference count, so retained graphs
  and live views are safe). A fresh multi-MB buffer pays its page faults on every step; reuse
  made a step ~10% faster on small VGG and ~25% on LeNet-5 b256 (1 BLAS thread, A/B in one
  process). Only these windows are pooled (they are alive at the backward peak anyway), and
  col2im's GEMM result (LeNet-5 3-8% faster, small-VGG peak RSS +8 MB); keeping every
  transient (padding copies, GEMM results, backward buffers) added 126 MB to the small-VGG peak.
* At most one full window buffer lives per conv (plus, in a stride-1 backward, one 32 MiB chunk
  of the output gradient's windows). ``cols`` is saved for backward only when the weight
  needs a gradient and grad mode is on (it is what the weight gradient multiplies); otherwise it is
  dropped after the forward. Set ``minigrad.ops.conv.SAVE_WINDOWS = False`` to save the input
  instead and rebuild ``cols`` in backward: KH*KW times less memory held between forward and
  backward, for one extra window copy per backward (about 15% of a conv's forward+backward).
"""
import sys

import numpy as np

from .. import backend
from ..autograd import Function, is_grad_enabled
from ..backend import get_array_module

#: keep the window matrix from forward for the weight gradient (True) or rebuild it (False)
SAVE_WINDOWS = True
#: the stride-1 input gradient builds the windows of the output gradient this many bytes at a time
GRAD_CHUNK_BYTES = 32 << 20
#: col2im (the other input-gradient form) works on blocks of images of this many bytes of windows
COL2IM_CHUNK_BYTES = 32 << 20
#: outputs at most this wide, in batches of at least this many images, use the (C, H, W, N) layout,
#: in blocks of images with about CHWN_BLOCK_BYTES of windows but at least CHWN_MIN_COLUMNS
#: window columns (the GEMMs' long side); windows are rebuilt in backward, none is kept
CHWN_MAX_WIDTH, CHWN_MIN_BATCH = 10, 8
CHWN_BLOCK_BYTES, CHWN_MIN_COLUMNS = 2 << 20, 4096
#: NCHW convs work on blocks of images whose windows take at most this many bytes (L2-sized),
#: when such a block holds at least BLOCK_MIN_IMAGES images (else: one window matrix for all)
BLOCK_BYTES, BLOCK_MIN_IMAGES = 640 << 10, 4


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


# ---------------------------------------------------------------- shared helpers (also used by pool)

def _pair(value, name, op):
    """An int or a pair of ints -> a tuple of two Python ints."""
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f'{op}: {name} must be an int or a pair of ints, got {value!r}')
    if isinstance(value, (int, np.integer)):
        return int(value), int(value)
    if isinstance(value, (tuple, list)) and len(value) == 2 and all(
            isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_)) for v in value):
        return int(value[0]), int(value[1])
    if isinstance(value, (tuple, list)) and len(value) == 1 and isinstance(value[0], (int, np.integer)):
        return int(value[0]), int(value[0])
    raise TypeError(f'{op}: {name} must be an int or a pair of ints, got {value!r}')


def _check_input_rank(x, op):
    if x.ndim not in (3, 4):
        raise RuntimeError(f'{op}: expected a 3-D (C, H, W) or 4-D (N, C, H, W) input, got a '
                           f'{x.ndim}-D input of shape {tuple(x.shape)}')


def _pad_hw(x, top, bottom, left, right, value):
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


def _offset_slices(kh, kw, sh, sw, dh, dw, oh, ow):
    """For each kernel offset (i, j), row-major, the (rows, cols) slices it reads of the padded input."""
    rows = [slice(i * dh, i * dh + sh * (oh - 1) + 1, sh) for i in range(kh)]
    cols = [slice(j * dw, j * dw + sw * (ow - 1) + 1, sw) for j in range(kw)]
    return [(r, c) for r in rows for c in cols]


def _window_matrix(xpad, kh, kw, sh, sw, dh, dw, oh, ow, keep=False, batch_last=False, buf=None):
    """The im2col matrix of a padded array, built with one copy (into a reusable ``scratch``
    buffer when ``keep``: it is saved for backward; into the front of the flat ``buf`` if given).
    NCHW input: shape (C*KH*KW, N*OH*OW); ``batch_last`` (a (C, H, W, N) input): (C*KH*KW, OH*OW*N)."""
    xp = get_array_module(xpad)
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
    if buf is not None:
        cols = buf[:C * kh * kw * N * oh * ow].reshape(shape)
    else:
        cols = scratch(xp, shape, xpad.dtype) if keep else xp.empty(shape, dtype=xpad.dtype)
    cols[...] = view
    return cols.reshape(C * kh * kw, N * oh * ow)


def _batch_last_padded(x, top, bottom, left, right):
    """``x`` (N, C, H, W) as a zero-padded (C, top+H+bottom, left+W+right, N) array (one copy)."""
    xp = get_array_module(x)
    N, C, H, W = x.shape
    alloc = xp.zeros if (top or bottom or left or right) else xp.empty
    out = alloc((C, top + H + bottom, left + W + right, N), dtype=x.dtype)
    out[:, top:top + H, left:left + W] = x.transpose(1, 2, 3, 0)
    return out


def _windows(x, kh, kw, sh, sw, dh, dw, oh, ow, padding, batch_last, keep=False):
    """The window matrix of an unpadded NCHW ``x`` in either layout (see ``_window_matrix``)."""
    pt, pb, pl, pr = padding
    xpad = _batch_last_padded(x, pt, pb, pl, pr) if batch_last else _pad_hw(x, pt, pb, pl, pr, 0)
    return _window_matrix(xpad, kh, kw, sh, sw, dh, dw, oh, ow, keep, batch_last)


def _weight_grad(cols, gt):
    """dW = g (O, M) @ cols^T (M, C*KH*KW), as a contiguous (O, C*KH*KW) array.

    With few filters and a long M, OpenBLAS splits the big side over its threads only when
    asked for (cols @ g^T), 1.2-2.5x faster (32 x 288 x 65536: 12.5 vs 19.9 ms); that result
    then needs a transposing copy, which for large weights costs more than the GEMM saved
    (512 x 4608: a 12 ms copy; g @ cols^T took 28 ms against 40).
    """
    if gt.shape[0] * cols.shape[0] >= 1 << 20:
        return gt @ cols.T
    return get_array_module(gt).ascontiguousarray((cols @ gt.T).T)


class _ImageFunction(Function):
    """A Function on NCHW arrays that also takes one unbatched (C, H, W) image, as PyTorch does."""

    def _batch(self, x):
        self.unbatched = x.ndim == 3
        return x[None] if self.unbatched else x

    def _unbatch(self, a):
        return a[0] if self.unbatched else a


# ---------------------------------------------------------------- the op

class Conv2d(_ImageFunction):
    """conv2d on raw arrays; ``padding`` is (top, bottom, left, right); 3-D input = one image."""

    def forward(self, x, weight, bias=None, stride=(1, 1), padding=(0, 0, 0, 0), dilation=(1, 1),
                groups=1):
        xp = get_array_module(x)
        x = self._batch(x)
        N, C, H, W = x.shape
        O, Cg, KH, KW = weight.shape
        (sh, sw), (dh, dw), (pt, pb, pl, pr) = stride, dilation, padding
        OH = (H + pt + pb - dh * (KH - 1) - 1) // sh + 1
        OW = (W + pl + pr - dw * (KW - 1) - 1) // sw + 1
        G = groups
        self.geom = (N, C, H, W, OH, OW, stride, padding, dilation, G)
        self.kernel = (KH, KW)

        need_w = is_grad_enabled() and self.needs_input_grad[1]
        L = OH * OW
        # narrow outputs: columns ordered (OH, OW, N) so that copies move OW*N floats at a time
        self.batch_last = bl = N >= CHWN_MIN_BATCH and OW <= CHWN_MAX_WIDTH
        per_image = C * KH * KW * L * x.dtype.itemsize                      # window bytes
        cpu = xp is np                  # blocks are sized for CPU caches; a GPU takes one block
        # small windows per image: blocks of images whose windows stay in cache
        nb = BLOCK_BYTES // per_image if cpu and not bl and G == 1 else 0
        self.block = nb = nb if BLOCK_MIN_IMAGES <= nb < N else 0
        y = xp.empty((N, O, OH, OW), dtype=x.dtype)
        w2 = weight.reshape(G, O // G, Cg * KH * KW)
        if bl:
            target = max(CHWN_BLOCK_BYTES // per_image, -(-CHWN_MIN_COLUMNS // L)) if cpu else N
            self.nbl = nbl = -(-N // max(1, N // target))     # equal blocks of at least target
            for n0 in range(0, N, nbl):
                cols = _windows(x[n0:n0 + nbl], KH, KW, sh, sw, dh, dw, OH, OW, padding, True)
                n = cols.shape[1] // L
                out = (xp.dot(w2[0], cols) if G == 1
                       else xp.matmul(w2, cols.reshape(G, Cg * KH * KW, n * L)))
                self._store(out, y[n0:n0 + n], bias, True)
            del cols, out
        elif nb:
            xpad = _pad_hw(x, pt, pb, pl, pr, 0)
            buf = xp.empty(C * KH * KW * nb * L, dtype=x.dtype)
            for n0 in range(0, N, nb):
                cols = _window_matrix(xpad[n0:n0 + nb], KH, KW, sh, sw, dh, dw, OH, OW, buf=buf)
                self._store(xp.dot(w2[0], cols), y[n0:n0 + nb], bias, False)
            del cols, buf
        else:
            cols = _windows(x, KH, KW, sh, sw, dh, dw, OH, OW, padding, False, SAVE_WINDOWS and need_w)
            if G == 1:                                                        # (O, N*L)
                out = xp.dot(w2[0], cols)
            else:                                                             # (G, O/G, N*L)
                out = xp.matmul(w2, cols.reshape(G, Cg * KH * KW, N * L))
            self._store(out, y, bias, False)
            del out

        if is_grad_enabled():
            # what the weight gradient multiplies g by: the window matrix, or what rebuilds it
            self.saved_kind = 'padded' if nb else ('windows' if SAVE_WINDOWS and not bl else 'input')
            keep = None
            if need_w:
                keep = xpad if nb else (cols if self.saved_kind == 'windows' else x)
            self.save_for_backward(keep, weight if self.needs_input_grad[0] else None)
        return self._unbatch(y)

    @staticmethod
    def _store(out, y, bias, batch_last):
        """GEMM result ``out`` (O, columns of the window matrix) -> ``y`` (n, O, OH, OW), + bias."""
        xp = get_array_module(out)
        n, O = y.shape[:2]
        L = y.shape[2] * y.shape[3]
        src = out.reshape(O, L, n).transpose(2, 0, 1) if batch_last else out.reshape(O, n, L).transpose(1, 0, 2)
        if bias is not None:
            xp.add(src, bias.reshape(1, O, 1), out=y.reshape(n, O, L))
        else:
            y.reshape(n, O, L)[...] = src

    # y = W (*) x + b:  dx = col2im(W^T g) (= conv of padded g with the flipped W^T when stride 1),
    #                   dW = g @ cols^T,  db = sum of g over (N, OH, OW)
    def backward(self, g):
        xp = get_array_module(g)
        g = g[None] if self.unbatched else g
        N, C, H, W, OH, OW, (sh, sw), (pt, pb, pl, pr), (dh, dw), G = self.geom
        needs = self.needs_input_grad
        saved, weight = self.saved
        O = g.shape[1]
        L = OH * OW
        gx = gw = gb = None
        need_b = len(needs) > 2 and needs[2]
        if not (needs[0] or needs[1]):
            return gx, gw, g.sum(axis=(0, 2, 3))
        if self.batch_last:
            return self._backward_batch_last(g, saved, weight, need_b)
        gt = xp.empty((O, N, L), dtype=g.dtype)              # g's columns in the windows' order
        gt[...] = g.reshape(N, O, L).transpose(1, 0, 2)
        gt = gt.reshape(O, N * L)
        if need_b:
            gb = gt.sum(axis=1)
        if needs[1] and self.block:
            KH, KW = self.kernel
            nb, xpad = self.block, saved
            buf = xp.empty(C * KH * KW * nb * L, dtype=g.dtype)
            gw = xp.zeros((C * KH * KW, O), dtype=g.dtype)
            for n0 in range(0, N, nb):      # rebuild each block's windows (cache-resident)
                cols = _window_matrix(xpad[n0:n0 + nb], KH, KW, sh, sw, dh, dw, OH, OW, buf=buf)
                gw += cols @ gt[:, n0 * L:n0 * L + cols.shape[1]].T
            del cols, buf
            gw = xp.ascontiguousarray(gw.T).reshape((O, C, KH, KW))
        elif needs[1]:
            KH, KW = self.kernel
            cols = saved
            if self.saved_kind == 'input':  # SAVE_WINDOWS was off: rebuild the windows from x
                cols = _windows(saved, KH, KW, sh, sw, dh, dw, OH, OW, (pt, pb, pl, pr), False)
            # computed as (cols @ g^T)^T: with the long N*OH*OW axis inner, OpenBLAS splits the
            # large C*KH*KW side over its threads (g @ cols^T, split over O, ran 3-4x slower)
            if G == 1:
                gw = _weight_grad(cols, gt)
            else:
                gw = xp.matmul(cols.reshape(G, cols.shape[0] // G, N * L),
                               gt.reshape(G, O // G, N * L).transpose(0, 2, 1)).transpose(0, 2, 1)
            del cols
            gw = xp.ascontiguousarray(gw).reshape((O, C // G, KH, KW))
        if needs[0]:
            KH, KW = weight.shape[2], weight.shape[3]
            eh, ew = dh * (KH - 1), dw * (KW - 1)
            # stride 1: the conv form builds O*KH*KW*H*W windows per image, col2im writes
            # C*KH*KW*OH*OW columns and adds them back (measured ~1.4x slower per element)
            if ((sh, sw) == (1, 1) and max(pt, pb) <= eh and max(pl, pr) <= ew
                    and 1.4 * C * L > O * H * W):
                return self._unbatch(self._input_grad_as_conv(g, weight)), gw, gb
            gx = self._unbatch(self._input_grad_col2im(gt, weight))
        return gx, gw, gb

    def _input_grad_col2im(self, gt, weight):
        """dx by col2im: the GEMM ``W^T (C*KH*KW, O) @ g (O, n*OH*OW)`` gives the windows'
        gradients of ``n`` images; each kernel offset's rows are then added into its strided
        slice of a padded buffer (within one offset the positions are distinct, so ``+=`` is
        exact). Blocks of ``COL2IM_CHUNK_BYTES`` keep those rows in cache for the adds."""
        xp = get_array_module(gt)
        N, C, H, W, OH, OW, (sh, sw), (pt, pb, pl, pr), (dh, dw), G = self.geom
        O, Cg, KH, KW = weight.shape
        Og, L = O // G, OH * OW
        wt = weight.reshape(G, Og, Cg * KH * KW).transpose(0, 2, 1)          # (G, Cg*KH*KW, O/G)
        dxp = xp.zeros((N, C, pt + H + pb, pl + W + pr), dtype=gt.dtype)
        slices = _offset_slices(KH, KW, sh, sw, dh, dw, OH, OW)
        nb = max(1, min(N, COL2IM_CHUNK_BYTES // max(C * KH * KW * L * gt.itemsize, 1)))
        for n0 in range(0, N, nb):
            n = min(nb, N - n0)
            gc = gt[:, n0 * L:(n0 + n) * L]
            if G == 1:                                                       # (C*KH*KW, n*L)
                gcols = xp.dot(wt[0], gc, out=scratch(xp, (C * KH * KW, n * L), gt.dtype))
            else:
                gcols = xp.matmul(wt, gc.reshape(G, Og, n * L))              # (G, Cg*KH*KW, n*L)
            gcols = gcols.reshape(C, KH * KW, n, OH, OW)
            dv = dxp[n0:n0 + n].transpose(1, 0, 2, 3)                        # (C, n, Hp, Wp) view
            for k, (rs, cs) in enumerate(slices):
                dv[:, :, rs, cs] += gcols[:, k]
        if pt or pb or pl or pr:
            dxp = xp.ascontiguousarray(dxp[:, :, pt:pt + H, pl:pl + W])
        return dxp

    def _backward_batch_last(self, g, x, weight, need_b):
        """Backward of the (C, H, W, N) layout, a block of images at a time: the block's g in
        window-column order, its rebuilt windows for the weight gradient, col2im for dx."""
        xp = get_array_module(g)
        N, C, H, W, OH, OW, (sh, sw), padding, (dh, dw), G = self.geom
        O, Cg, KH, KW = weight.shape if weight is not None else (g.shape[1], C // G) + self.kernel
        L, needs = OH * OW, self.needs_input_grad
        gb = xp.zeros(O, dtype=g.dtype) if need_b else None
        gw = xp.zeros((G, O // G, Cg * KH * KW), dtype=g.dtype) if needs[1] else None
        dx = xp.empty((N, C, H, W), dtype=g.dtype) if needs[0] else None
        wt = weight.reshape(G, O // G, Cg * KH * KW).transpose(0, 2, 1) if needs[0] else None
        nbl = self.nbl
        for n0 in range(0, N, nbl):
            gb_ = g[n0:n0 + nbl]
            n = gb_.shape[0]
            gt = xp.empty((O, L, n), dtype=g.dtype)                          # (O, OH*OW*n)
            gt[...] = gb_.reshape(n, O, L).transpose(1, 2, 0)
            gt = gt.reshape(O, L * n)
            if need_b:
                gb += gt.sum(axis=1)
            if needs[1]:
                cols = _windows(x[n0:n0 + n], KH, KW, sh, sw, dh, dw, OH, OW, padding, True)
                if G == 1:
                    gw[0] += _weight_grad(cols, gt)
                else:
                    gw += xp.matmul(gt.reshape(G, O // G, L * n),
                                    cols.reshape(G, Cg * KH * KW, L * n).transpose(0, 2, 1))
                del cols
            if needs[0]:
                dx[n0:n0 + n] = self._input_grad_col2im_batch_last(gt, wt, n)
        if needs[1]:
            gw = gw.reshape(O, Cg, KH, KW)
        return self._unbatch(dx) if dx is not None else None, gw, gb

    def _input_grad_col2im_batch_last(self, gt, wt, N):
        """col2im in the (C, H, W, N) layout for N images: ``gt`` is (O, OH*OW*N), and each
        kernel offset's add moves runs of OW*N floats."""
        xp = get_array_module(gt)
        _, C, H, W, OH, OW, _, (pt, pb, pl, pr), _, G = self.geom
        KH, KW = self.kernel
        M = gt.shape[1]
        if G == 1:                                                           # (C*KH*KW, OH*OW*N)
            gcols = xp.dot(wt[0], gt)
        else:
            gcols = xp.matmul(wt, gt.reshape(G, gt.shape[0] // G, M))        # (G, Cg*KH*KW, M)
        gcols = gcols.reshape(C, KH * KW, OH, OW, N)
        dxt = xp.zeros((C, pt + H + pb, pl + W + pr, N), dtype=gt.dtype)
        sh, sw = self.geom[6]
        dh, dw = self.geom[8]
        for k, (rs, cs) in enumerate(_offset_slices(KH, KW, sh, sw, dh, dw, OH, OW)):
            dxt[:, rs, cs] += gcols[:, k]
        return dxt[:, pt:pt + H, pl:pl + W].transpose(3, 0, 1, 2)      # (N, C, H, W) view

    def _input_grad_as_conv(self, g, weight):
        """Stride 1: dx is the convolution of g, zero-padded by (dilated kernel - 1 - padding), with
        the flipped, transposed weight: im2col of g in chunks of images, one GEMM per chunk."""
        xp = get_array_module(g)
        N, C, H, W, OH, OW, _, (pt, pb, pl, pr), (dh, dw), G = self.geom
        O, Cg, KH, KW = weight.shape
        Og = O // G
        eh, ew = dh * (KH - 1), dw * (KW - 1)
        gp = _pad_hw(g, eh - pt, eh - pb, ew - pl, ew - pr, 0)
        wf = xp.ascontiguousarray(weight[:, :, ::-1, ::-1].reshape(G, Og, Cg, KH, KW)
                                  .transpose(0, 2, 1, 3, 4)).reshape(G, Cg, Og * KH * KW)
        dx = xp.empty((N, C, H, W), dtype=g.dtype)
        per_image = O * KH * KW * H * W * g.itemsize
        nb = max(1, min(N, GRAD_CHUNK_BYTES // max(per_image, 1)))
        for n0 in range(0, N, nb):
            n = min(nb, N - n0)
            cols = _window_matrix(gp[n0:n0 + n], KH, KW, 1, 1, dh, dw, H, W)   # (O*KH*KW, n*H*W)
            if G == 1:
                out = xp.dot(wf[0], cols)
            else:
                out = xp.matmul(wf, cols.reshape(G, Og * KH * KW, n * H * W))
            dx[n0:n0 + n] = out.reshape(C, n, H, W).transpose(1, 0, 2, 3)
        return dx


# ---------------------------------------------------------------- public function

def _check_same_device_dtype(op, x, others):
    """Raise RuntimeError when ``others`` (name, tensor) are on another device or of another dtype."""
    dev = x.device
    for name, t in others:
        if t.device != dev:
            raise RuntimeError(f'{op}: input is on {dev} but {name} is on {t.device}; move them to one '
                               f"device first, e.g. {name}.to({str(dev)!r}) or input.to({str(t.device)!r})")
    for name, t in others:
        if t.dtype != x.dtype:
            raise RuntimeError(f'{op}: input dtype ({x.dtype}) and {name} dtype ({t.dtype}) should be '
                               f'the same; convert one, e.g. input.to({name}.dtype) or '
                               f'{name}.to(input.dtype) (.float() / .double())')


def _conv_padding(padding, kh, kw, sh, sw, dh, dw):
    """PyTorch's padding argument -> (top, bottom, left, right)."""
    if isinstance(padding, str):
        if padding == 'valid':
            return 0, 0, 0, 0
        if padding == 'same':
            if (sh, sw) != (1, 1):
                raise ValueError("conv2d: padding='same' is not supported for strided convolutions "
                                 f'(stride={(sh, sw)}); use stride=1 or give the padding explicitly')
            th, tw = dh * (kh - 1), dw * (kw - 1)     # odd totals put the extra row/column last
            return th // 2, th - th // 2, tw // 2, tw - tw // 2
        raise ValueError(f"conv2d: invalid padding string {padding!r}: expected 'same' or 'valid', "
                         'an int or a pair of ints')
    ph, pw = _pair(padding, 'padding', 'conv2d')
    if ph < 0 or pw < 0:
        raise ValueError(f'conv2d: negative padding is not supported, got padding={(ph, pw)}')
    return ph, ph, pw, pw


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-D convolution (cross-correlation) over an NCHW input, as ``torch.nn.functional.conv2d``.

    Args:
        input: ``(N, C_in, H, W)``, or ``(C_in, H, W)`` for one unbatched image.
        weight: ``(C_out, C_in / groups, kH, kW)``.
        bias: ``(C_out,)`` or None.
        stride: an int or a pair ``(sH, sW)``, each >= 1.
        padding: an int, a pair, ``'valid'`` (no padding) or ``'same'`` (output as large as the
            input; needs stride 1; an odd total puts the extra row/column at the bottom/right).
        dilation: an int or a pair, each >= 1: spacing between kernel elements.
        groups: split the input and output channels into this many independent groups.

    Returns:
        A tensor of shape ``(N, C_out, H_out, W_out)`` (3-D for a 3-D input), with
        ``H_out = (H + pad_top + pad_bottom - dilation*(kH - 1) - 1) // stride + 1`` (likewise W).

    Raises:
        RuntimeError: shape, channel, device or dtype mismatches between input, weight and bias.
        ValueError: a non-positive stride, dilation or groups, negative padding, a bad padding string.
    """
    from ..tensor import Tensor
    op = 'conv2d'
    if not isinstance(input, Tensor) or not isinstance(weight, Tensor):
        raise TypeError(f'{op}: input and weight must be Tensors, got {type(input).__name__} and '
                        f'{type(weight).__name__}')
    if bias is not None and not isinstance(bias, Tensor):
        raise TypeError(f'{op}: bias must be a Tensor or None, got {type(bias).__name__}')
    _check_input_rank(input, op)
    if weight.ndim != 4:
        raise RuntimeError(f'{op}: weight must be 4-D (out_channels, in_channels/groups, kH, kW), '
                           f'got shape {tuple(weight.shape)}')
    sh, sw = _pair(stride, 'stride', op)
    dh, dw = _pair(dilation, 'dilation', op)
    if sh <= 0 or sw <= 0:
        raise ValueError(f'{op}: non-positive stride is not supported, got stride={(sh, sw)}')
    if dh <= 0 or dw <= 0:
        raise ValueError(f'{op}: non-positive dilation is not supported, got dilation={(dh, dw)}')
    if isinstance(groups, bool) or not isinstance(groups, (int, np.integer)) or groups <= 0:
        raise ValueError(f'{op}: groups must be a positive integer, got {groups!r}')
    groups = int(groups)
    _check_same_device_dtype(op, input, [('weight', weight)] + ([('bias', bias)] if bias is not None else []))
    if not np.issubdtype(input.dtype, np.floating):
        raise RuntimeError(f'{op}: expected a floating point input, got dtype {input.dtype}')

    shape = tuple(input.shape)
    O, Cg, KH, KW = weight.shape
    C, H, W = shape[-3:]
    if C % groups:
        raise RuntimeError(f'{op}: input channels ({C}, input shape {shape}) are not divisible by '
                           f'groups={groups}')
    if O % groups:
        raise RuntimeError(f'{op}: out_channels ({O}, weight shape {tuple(weight.shape)}) are not '
                           f'divisible by groups={groups}')
    if Cg * groups != C:
        want = f'{Cg * groups} channels' + (f' (weight.shape[1]={Cg} x groups={groups})' if groups > 1 else '')
        raise RuntimeError(f'{op}: weight of shape {tuple(weight.shape)} expected input with {want}, '
                           f'got {C} (input shape {shape})')
    if bias is not None and tuple(bias.shape) != (O,):
        raise RuntimeError(f'{op}: bias must have shape ({O},) to match the {O} output channels of '
                           f'weight {tuple(weight.shape)}, got shape {tuple(bias.shape)}')
    if KH <= 0 or KW <= 0:
        raise RuntimeError(f'{op}: weight {tuple(weight.shape)} has an empty kernel')
    pt, pb, pl, pr = _conv_padding(padding, KH, KW, sh, sw, dh, dw)
    eh, ew = dh * (KH - 1) + 1, dw * (KW - 1) + 1
    if H + pt + pb < eh or W + pl + pr < ew:
        dil = f', dilated to {eh} x {ew}' if (dh, dw) != (1, 1) else ''
        raise RuntimeError(f"{op}: kernel size ({KH} x {KW}{dil}) can't be greater than the padded "
                           f'input size ({H + pt + pb} x {W + pl + pr}: input {H} x {W} plus padding '
                           f'{(pt, pb, pl, pr)}); weight shape {tuple(weight.shape)}, input shape {shape}')
    args = (input, weight) if bias is None else (input, weight, bias)
    return Conv2d.apply(*args, stride=(sh, sw), padding=(pt, pb, pl, pr), dilation=(dh, dw),
                        groups=groups)

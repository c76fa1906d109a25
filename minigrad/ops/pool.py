"""2-D pooling: max, average and adaptive, NCHW (a 3-D input is one unbatched image).

Every fixed-window pool works on the KH*KW strided slices of the padded input, one per kernel
offset: ``x[:, :, i*d : i*d + s*(OH-1)+1 : s, j*d : ...]`` holds element (i, j) of every window.
The forward is a chain of ``maximum`` (or ``add``) over those slices, with no window copy and no
Python loop over pixels; on a 2x2 pool this is far faster than ``reshape(...).max(axis=(3, 5))``.
The backward walks the same slices: each one receives the gradient of its windows, by assignment
when windows do not overlap (stride >= kernel extent) and by ``+=`` otherwise. Within one offset
the slice positions are distinct, so ``+=`` is exact and ``np.add.at`` is never needed.

Max pooling routes each window's gradient to its first maximum in row-major order (PyTorch's CPU
rule for ties) by comparing each slice with the output; padding is ``-inf`` so an all-negative
input never pools to the padding. Average pooling divides by PyTorch's divisor (window clipped to
the padded input with ``count_include_pad``, to the input without it, or ``divisor_override``).
Adaptive pooling uses PyTorch's windows ``[floor(i*H/out), ceil((i+1)*H/out))``.
"""
import numpy as np

from .. import argcheck, backend
from ..autograd import Function, is_grad_enabled
from ..backend import get_array_module
from .windows import ImageFunction, offset_slices, pad_hw


# ---------------------------------------------------------------- geometry and validation

def _pool_out_size(size, k, s, p, d, ceil_mode):
    """PyTorch's pooling_output_shape: the last window must start inside the input or left padding."""
    out = (size + 2 * p - d * (k - 1) - 1 + (s - 1 if ceil_mode else 0)) // s + 1
    if ceil_mode and (out - 1) * s >= size + p:
        out -= 1
    return out


def _extra_pad(size, p, out, k, s, d):
    """Padding needed after the input so that the last window (ceil_mode) lies inside the array."""
    return max(0, (out - 1) * s + (k - 1) * d + 1 - size - p)


def pool_args(op, input, kernel_size, stride, padding, dilation, ceil_mode):
    """Validate a pool's arguments against ``input`` (a tensor or array: only its shape is read);
    returns ((kh, kw), (sh, sw), (ph, pw), (dh, dw), (OH, OW))."""
    argcheck.image_rank(op, input)
    k = argcheck.pair(kernel_size, 'kernel_size', op, minimum=1)
    s = k if stride is None or (isinstance(stride, (tuple, list)) and len(stride) == 0) \
        else argcheck.pair(stride, 'stride', op, minimum=1)
    p = argcheck.pair(padding, 'padding', op, minimum=0)
    d = argcheck.pair(dilation, 'dilation', op, minimum=1)
    for pi, ki, di in zip(p, k, d):
        if pi > ((ki - 1) * di + 1) // 2:
            what = 'effective kernel size' if d != (1, 1) else 'kernel size'
            raise ValueError(f'{op}: pad should be at most half of {what}, but got padding={p}, '
                             f'kernel_size={k}' + (f' and dilation={d}' if d != (1, 1) else ''))
    H, W = input.shape[-2:]
    oh = _pool_out_size(H, k[0], s[0], p[0], d[0], ceil_mode)
    ow = _pool_out_size(W, k[1], s[1], p[1], d[1], ceil_mode)
    if oh < 1 or ow < 1:
        raise RuntimeError(f'{op}: given input of shape {tuple(input.shape)}, kernel_size={k}, '
                           f'stride={s}, padding={p}, dilation={d}, the calculated output size '
                           f'({oh} x {ow}) is too small: the (dilated) kernel is larger than the '
                           f'padded input ({H + 2 * p[0]} x {W + 2 * p[1]})')
    return k, s, p, d, (oh, ow)


def _overlapping(k, s, d):
    """True when one input position can belong to two windows (backward must accumulate)."""
    return any(si < (ki - 1) * di + 1 for ki, si, di in zip(k, s, d))


def _lowest(dtype):
    return float('-inf') if np.issubdtype(dtype, np.floating) else np.iinfo(dtype).min


class _Pool2d(ImageFunction):
    """Shared plumbing of fixed-window pools: padding (incl. ceil_mode's extra) and the slices."""

    def _setup(self, x, k, s, p, d, out_hw):
        x = self._batch(x)
        H, W = x.shape[-2:]
        (oh, ow), (ph, pw) = out_hw, p
        self.pads = (ph, _extra_pad(H, ph, oh, k[0], s[0], d[0]), pw, _extra_pad(W, pw, ow, k[1], s[1], d[1]))
        self.slices = offset_slices(k, s, d, (oh, ow))
        self.overlap = _overlapping(k, s, d)
        # the windows tile the input exactly: every input element is in exactly one window
        self.tiles = (k == s and d == (1, 1) and not any(self.pads) and not any(p)
                      and oh * k[0] == H and ow * k[1] == W)
        self.in_shape = x.shape
        return x

    def _scatter(self, g, per_slice, writes_all=False):
        """Let ``per_slice(k, dst)`` fill slice k of a padded buffer (zeroed unless ``writes_all``:
        the slices tile it and each is fully written); crop it to the input."""
        xp = get_array_module(g)
        N, C, H, W = self.in_shape
        pt, pb, pl, pr = self.pads
        alloc = xp.empty if writes_all else xp.zeros
        dxp = alloc((N, C, pt + H + pb, pl + W + pr), dtype=g.dtype)
        for k, (rs, cs) in enumerate(self.slices):
            per_slice(k, dxp[:, :, rs, cs])
        if pt or pb or pl or pr:
            dxp = xp.ascontiguousarray(dxp[:, :, pt:pt + H, pl:pl + W])
        return self._unbatch(dxp)


# ---------------------------------------------------------------- max pooling

class MaxPool2d(_Pool2d):
    def forward(self, x, kernel_size, stride, padding, dilation, out_hw, result=None):
        """``result``: the (N, C, OH, OW) maxima when already computed (``max_pool_indices``)."""
        x = self._setup(x, kernel_size, stride, padding, dilation, out_hw)
        xpad = pad_hw(x, *self.pads, _lowest(x.dtype))
        self.picks = None
        if result is not None:
            out = result
        elif self.tiles and tuple(kernel_size) == (2, 2) and is_grad_enabled() and self.needs_input_grad[0]:
            out = self._forward_2x2(xpad)
        else:
            out = self._maxima(xpad)
        # the maxima are kept as a copy (or not at all when the 2x2 picks suffice): the output
        # itself may be changed in place next (MaxPool2d -> ReLU(inplace=True)), as in PyTorch,
        # which keeps the indices rather than the output
        needed = self.picks is None and is_grad_enabled() and self.needs_input_grad[0]
        self.save_for_backward(x, out.copy() if needed else None)
        return self._unbatch(out)

    def _maxima(self, xpad):
        xp = get_array_module(xpad)
        sl = self.slices
        if len(sl) == 1:
            return xp.array(xpad[:, :, sl[0][0], sl[0][1]])
        out = xp.maximum(xpad[:, :, sl[0][0], sl[0][1]], xpad[:, :, sl[1][0], sl[1][1]])
        for rs, cs in sl[2:]:
            xp.maximum(out, xpad[:, :, rs, cs], out=out)
        return out

    def _forward_2x2(self, x):
        """2x2 windows that tile the input (the usual stride-2 pool): the max of four strided
        planes, and which plane won as three bool comparisons (the first maximum in row-major
        order on ties), so that backward routes g with four multiplies and no second pass over x.
        """
        xp = get_array_module(x)
        (r0, c0), (_, c1), (r1, _), _ = self.slices
        a, b, c, d = x[:, :, r0, c0], x[:, :, r0, c1], x[:, :, r1, c0], x[:, :, r1, c1]
        top = xp.maximum(a, b)
        right = xp.greater(b, a)            # b won the top pair (a wins ties: it comes first)
        bottom = xp.maximum(c, d)
        bottom_right = xp.greater(d, c)
        lower = xp.greater(bottom, top)     # the bottom pair won
        out = xp.maximum(top, bottom, out=top)
        # NaN compares false: windows with NaN take the general route in backward (as before)
        self.picks = None if bool(xp.isnan(out).any()) else (right, bottom_right, lower)
        return out

    def _backward_2x2(self, g):
        xp = get_array_module(g)
        right, bottom_right, lower = self.picks
        dx = xp.empty(self.in_shape, dtype=g.dtype)
        (r0, c0), (_, c1), (r1, _), _ = self.slices
        mask = xp.logical_or(right, lower)
        xp.logical_not(mask, out=mask)                          # top-left: neither
        xp.multiply(g, mask, out=dx[:, :, r0, c0])
        xp.greater(right, lower, out=mask)                      # top-right: right, not lower
        xp.multiply(g, mask, out=dx[:, :, r0, c1])
        xp.greater(lower, bottom_right, out=mask)               # bottom-left
        xp.multiply(g, mask, out=dx[:, :, r1, c0])
        xp.logical_and(lower, bottom_right, out=mask)           # bottom-right
        xp.multiply(g, mask, out=dx[:, :, r1, c1])
        return self._unbatch(dx)

    # d max(window) = g routed to the window's first maximum (row-major), 0 elsewhere
    def backward(self, g):
        xp = get_array_module(g)
        x, out = self.saved
        g = g[None] if self.unbatched else g
        # g * mask would turn inf * 0 into nan: an inf gradient takes the general route
        if self.picks is not None and bool(xp.isfinite(g).all()):
            return self._backward_2x2(g)
        xpad = pad_hw(x, *self.pads, _lowest(x.dtype))
        if out is None:                   # the 2x2 route's picks were kept instead: recompute
            out = self._maxima(xpad)
        last = len(self.slices) - 1
        state = {'taken': None}
        zero = g.dtype.type(0)
        # g * hit writes every tile element in one pass, but turns inf * 0 into nan
        fast = self.tiles and bool(xp.isfinite(g).all())

        def route(k, dst):
            rs, cs = self.slices[k]
            hit = xpad[:, :, rs, cs] == out
            taken = state['taken']
            if taken is not None:
                xp.greater(hit, taken, out=hit)        # a max, and no earlier max in its window
            if k < last:
                if taken is None:
                    state['taken'] = hit.copy()
                else:
                    xp.logical_or(taken, hit, out=taken)
            if fast:
                xp.multiply(g, hit, out=dst)
            elif self.overlap:
                dst += xp.where(hit, g, zero)
            else:
                xp.copyto(dst, g, where=hit)
        return self._scatter(g, route, writes_all=fast)


def max_pool_indices(x, k, s, p, d, out_hw):
    """The maxima and PyTorch's ``return_indices`` (flat ``h * W + w`` of each window's first
    maximum) of an (N, C, H, W) array, in one pass over the windows."""
    xp = get_array_module(x)
    H, W = x.shape[-2:]
    (oh, ow), (ph, pw) = out_hw, p
    pads = (ph, _extra_pad(H, ph, oh, k[0], s[0], d[0]), pw, _extra_pad(W, pw, ow, k[1], s[1], d[1]))
    xpad = pad_hw(x, *pads, _lowest(x.dtype))
    best = arg = None
    for n, (rs, cs) in enumerate(offset_slices(k, s, d, (oh, ow))):
        win = xpad[:, :, rs, cs]
        if best is None:
            best, arg = xp.array(win), xp.zeros(win.shape, dtype=np.int64)
            continue
        upd = (win > best) | (win != win)         # later NaNs win, as in PyTorch
        best = xp.where(upd, win, best)
        arg = xp.where(upd, n, arg)
    i, j = arg // k[1], arg % k[1]
    h = xp.arange(oh, dtype=np.int64)[:, None] * s[0] - ph + i * d[0]
    w = xp.arange(ow, dtype=np.int64)[None, :] * s[1] - pw + j * d[1]
    return best, h * W + w


# ---------------------------------------------------------------- average pooling

def avg_divisor(x, k, s, p, out_hw, count_include_pad, divisor_override):
    """PyTorch's divide factor per output position: a scalar when uniform, else an (OH, OW) array."""
    if divisor_override is not None:
        return x.dtype.type(divisor_override)
    sizes = []
    for n_out, size, ki, si, pi in zip(out_hw, x.shape[-2:], k, s, p):
        start = np.arange(n_out) * si - pi
        end = np.minimum(start + ki, size + pi)
        if count_include_pad:
            sizes.append(end - start)
        else:
            sizes.append(np.minimum(end, size) - np.maximum(start, 0))
    div = np.multiply.outer(sizes[0], sizes[1])
    if (div == div.flat[0]).all():
        return x.dtype.type(div.flat[0])
    return backend.to_device(div.astype(x.dtype), backend.device_of(x))


class AvgPool2d(_Pool2d):
    def forward(self, x, kernel_size, stride, padding, out_hw, divisor):
        xp = get_array_module(x)
        x = self._setup(x, kernel_size, stride, padding, (1, 1), out_hw)
        xpad = pad_hw(x, *self.pads, 0)
        sl = self.slices
        if len(sl) == 1:
            out = xp.array(xpad[:, :, sl[0][0], sl[0][1]])
        else:
            out = xp.add(xpad[:, :, sl[0][0], sl[0][1]], xpad[:, :, sl[1][0], sl[1][1]])
            for rs, cs in sl[2:]:
                xp.add(out, xpad[:, :, rs, cs], out=out)
        xp.divide(out, divisor, out=out)
        self.divisor = divisor
        return self._unbatch(out)

    # d mean(window) = g / divisor spread over the window
    def backward(self, g):
        g = g[None] if self.unbatched else g
        gs = g / self.divisor

        def spread(k, dst):
            if self.overlap:
                dst += gs
            else:
                dst[...] = gs
        return self._scatter(g, spread, writes_all=self.tiles)


# ---------------------------------------------------------------- adaptive pooling

def adaptive_size(op, input, output_size):
    """Validate ``output_size`` for ``input`` (a tensor or array: only its shape is read)."""
    argcheck.image_rank(op, input)
    H, W = input.shape[-2:]
    if argcheck.is_int(output_size):
        size = (int(output_size), int(output_size))
    elif isinstance(output_size, (tuple, list)) and len(output_size) == 2:
        size = tuple(dflt if v is None else v for v, dflt in zip(output_size, (H, W)))
    else:
        raise TypeError(f'{op}: output_size must be an int or a pair of ints/None, got {output_size!r}')
    if not all(argcheck.is_int(v) for v in size):
        raise TypeError(f'{op}: output_size must be an int or a pair of ints/None, got {output_size!r}')
    if min(size) <= 0:
        raise ValueError(f'{op}: output_size must be positive, got {output_size!r}')
    if H == 0 or W == 0:
        raise RuntimeError(f'{op}: expected an input with non-zero height and width, got shape '
                           f'{tuple(input.shape)}')
    return int(size[0]), int(size[1])


def _adaptive_bounds(n_out, size):
    """PyTorch's adaptive windows: start = floor(i*size/n_out), end = ceil((i+1)*size/n_out)."""
    i = np.arange(n_out)
    return (i * size) // n_out, -((-(i + 1) * size) // n_out)


def small_divisible(H, W, oh, ow):
    """Adaptive windows are a plain pool (kernel = stride) with a kernel small enough for slices."""
    return H % oh == 0 and W % ow == 0 and (H // oh) * (W // ow) <= 16


class AdaptiveAvgPool2d(ImageFunction):
    """Average over PyTorch's adaptive windows as two small matrix products: A_h @ x @ A_w^T."""

    def forward(self, x, out_hw):
        xp = get_array_module(x)
        x = self._batch(x)
        N, C, H, W = x.shape
        oh, ow = out_hw
        mats = []
        for n_out, size in ((oh, H), (ow, W)):
            start, end = _adaptive_bounds(n_out, size)
            cols = np.arange(size)
            a = ((cols >= start[:, None]) & (cols < end[:, None])) / (end - start)[:, None]
            mats.append(backend.to_device(a.astype(x.dtype), backend.device_of(x)))
        self.ah, self.aw = mats
        t = (x.reshape(N * C * H, W) @ self.aw.T).reshape(N * C, H, ow)
        self.in_shape = x.shape
        return self._unbatch(xp.matmul(self.ah, t).reshape(N, C, oh, ow))

    # out = A_h x A_w^T:  dx = A_h^T g A_w
    def backward(self, g):
        xp = get_array_module(g)
        N, C, H, W = self.in_shape
        oh, ow = self.ah.shape[0], self.aw.shape[0]
        t = xp.matmul(self.ah.T, g.reshape(N * C, oh, ow))           # (N*C, H, OW)
        return self._unbatch((t.reshape(N * C * H, ow) @ self.aw).reshape(N, C, H, W))


class GlobalAvgPool2d(Function):
    """Adaptive average pooling to 1 x 1: the mean over H and W."""

    def forward(self, x):
        self.in_shape = x.shape
        return x.mean(axis=(-2, -1), keepdims=True)

    # d mean = g / (H*W) everywhere
    def backward(self, g):
        xp = get_array_module(g)
        H, W = self.in_shape[-2:]
        dx = xp.empty(self.in_shape, dtype=g.dtype)
        dx[...] = g / g.dtype.type(H * W)
        return dx


def adaptive_max(x, out_hw):
    """Max over PyTorch's adaptive windows of an (N, C, H, W) array: the maxima and the flat
    ``h * W + w`` index of each window's first maximum, both (N, C, OH, OW)."""
    xp = get_array_module(x)
    N, C, H, W = x.shape
    oh, ow = out_hw
    idx = []
    for n_out, size in ((oh, H), (ow, W)):
        start, end = _adaptive_bounds(n_out, size)
        k = int((end - start).max())
        # windows padded to k by repeating their last element (it never beats the original)
        ii = np.minimum(start[:, None] + np.arange(k), end[:, None] - 1)
        idx.append(backend.to_device(ii, backend.device_of(x)))
    ih, iw = idx
    kh, kw = ih.shape[1], iw.shape[1]
    win = x[:, :, ih[:, None, :, None], iw[None, :, None, :]].reshape(N, C, oh, ow, kh * kw)
    arg = win.argmax(axis=-1)
    out = xp.take_along_axis(win, arg[..., None], axis=-1)[..., 0]
    a_h, a_w = arg // kw, arg % kw
    return out, ih[xp.arange(oh)[:, None], a_h] * W + iw[xp.arange(ow)[None, :], a_w]


class AdaptiveMaxPool2d(ImageFunction):
    """Max over adaptive windows gathered into (N, C, OH, OW, kH*kW); gradient to the first max."""

    def forward(self, x, out_hw, result=None):
        """``result``: ``adaptive_max(x, out_hw)`` when already computed (for the indices)."""
        x = self._batch(x)
        out, self.flat = adaptive_max(x, out_hw) if result is None else result
        self.in_shape = x.shape
        return self._unbatch(out)

    # d max(window) = g routed to the window's first maximum
    def backward(self, g):
        xp = get_array_module(g)
        N, C, H, W = self.in_shape
        dx = xp.zeros((N * C, H * W), dtype=g.dtype)
        rows = xp.arange(N * C)[:, None]
        # adaptive windows may overlap: accumulate (not a hot path: usually a 1x1 or divisible pool)
        M = self.flat.shape[-2] * self.flat.shape[-1]                   # OH * OW
        backend.scatter_add(dx, (rows, self.flat.reshape(N * C, M)), g.reshape(N * C, M))
        return self._unbatch(dx.reshape(N, C, H, W))

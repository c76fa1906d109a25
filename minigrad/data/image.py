"""Image layouts and pixel operations shared by the transforms (see transforms.py for the
layouts accepted): every transform turns its input into an ``(N, C, H, W)`` array with
``as_nchw``, works on that, and gives the result back in the input's form."""
import contextlib
import numbers
import threading

import numpy as np

from .. import backend
from ..factory import as_tensor
from ..tensor import Tensor

_scope = threading.local()


@contextlib.contextmanager
def generator_scope(generator):
    """Within this block, random transforms called without a generator draw from ``generator``.

    The DataLoader wraps the loading of each batch in it, with a generator derived from its seed,
    the epoch and the batch index: transforms that a dataset calls per sample are then
    reproducible, and the same whatever ``num_workers`` is.
    """
    previous = getattr(_scope, 'generator', None)
    _scope.generator = generator
    try:
        yield
    finally:
        _scope.generator = previous


class Transform:
    """Base class: ``__call__(x, generator=None)`` maps an image or batch to another."""

    def __call__(self, x, generator=None):
        raise NotImplementedError

    def __repr__(self):
        args = ', '.join(f'{k}={v!r}' for k, v in vars(self).items() if not k.startswith('_'))
        return f'{type(self).__name__}({args})'


def apply_transform(transform, x, generator=None):
    """Call ``transform`` on ``x``, passing ``generator`` when it is a Transform (plain callables get x only)."""
    if transform is None:
        return x
    if isinstance(transform, Transform):
        return transform(x, generator=generator)
    return transform(x)


def generator_or_default(generator):
    return generator or getattr(_scope, 'generator', None) or backend.default_generator()


def as_nchw(x):
    """``(a, restore)``: ``x``'s pixels as an array ``(N, C, H, W)`` (a view where possible), and
    the function that turns such an array (new H, W allowed) back into ``x``'s form."""
    tensor = isinstance(x, Tensor)
    a = x.array if tensor else (x if backend.is_array(x) else np.asarray(x))
    nd, lead = a.ndim, a.shape[:-3]
    hwc = not tensor and nd == 3 and a.dtype.kind in 'iub'
    if nd < 2 or (nd > 4 and not tensor):
        kind = 'Tensor (..., C, H, W)' if tensor else 'array (H, W), (H, W, C), (C, H, W) or (N, C, H, W)'
        raise ValueError(f'expected an image {kind}, got shape {tuple(a.shape)}')
    xp = backend.get_array_module(a)
    if nd == 2:
        a4 = a[None, None]
    elif nd == 3:
        a4 = (xp.moveaxis(a, -1, 0) if hwc else a)[None]
    else:
        a4 = a.reshape((-1,) + a.shape[-3:])

    def restore(out):
        if nd == 2:
            out = out[0, 0]
        elif nd == 3:
            out = xp.moveaxis(out[0], 0, -1) if hwc else out[0]
        elif nd > 4:
            out = out.reshape(lead + out.shape[1:])
        return as_tensor(xp.ascontiguousarray(out), device=x.device) if tensor else out
    return a4, restore


def pair(v, name):
    """An int or a sequence of one or two ints -> ``(h, w)``, each >= 1."""
    if isinstance(v, numbers.Integral):
        v = (v, v)
    elif isinstance(v, (tuple, list)) and len(v) == 1:
        v = (v[0], v[0])
    if not (isinstance(v, (tuple, list)) and len(v) == 2
            and all(isinstance(s, numbers.Integral) and s >= 1 for s in v)):
        raise ValueError(f'{name} must be a positive int or a pair (h, w) of positive ints, got {v!r}')
    return int(v[0]), int(v[1])


def padding4(padding):
    """torchvision's padding forms -> (left, top, right, bottom), each an int >= 0."""
    forms = 'an int, (left/right, top/bottom) or (left, top, right, bottom) of ints >= 0'
    if isinstance(padding, numbers.Integral):
        padding = (padding,)
    if not (isinstance(padding, (tuple, list)) and len(padding) in (1, 2, 4)
            and all(isinstance(p, numbers.Integral) for p in padding)):
        raise ValueError(f'padding must be {forms}, got {padding!r}')
    if min(padding) < 0:
        raise ValueError(f'padding must be {forms} (negative padding is not supported; use '
                         f'CenterCrop or RandomCrop to cut pixels off), got {padding!r}')
    padding = tuple(int(p) for p in padding)
    return (padding * 4)[:4] if len(padding) == 1 else (padding * 2 if len(padding) == 2 else padding)


def pad4(a4, padding, fill=0, padding_mode='constant'):
    left, top, right, bottom = padding
    xp = backend.get_array_module(a4)
    if padding_mode == 'constant':     # a filled array and one copy: several times faster than pad
        n, c, h, w = a4.shape
        out = xp.full((n, c, h + top + bottom, w + left + right), fill, dtype=a4.dtype)
        out[:, :, top:top + h, left:left + w] = a4
        return out
    return xp.pad(a4, [(0, 0), (0, 0), (top, bottom), (left, right)], mode=padding_mode)


def crop(a4, top, left, h, w):
    """Per-image windows: ``top``/``left`` hold one offset per image."""
    if a4.shape[0] == 1:               # one image (the per-sample path): a slice
        t, l = int(top[0]), int(left[0])
        return a4[:, :, t:t + h, l:l + w]
    xp = backend.get_array_module(a4)
    n, c, H, W = a4.shape
    sn, sc, sh, sw = a4.strides
    # every (h, w) window of every image, as a view: (N, H-h+1, W-w+1, C, h, w)
    windows = backend.as_strided(a4, (n, H - h + 1, W - w + 1, c, h, w), (sn, sh, sw, sc, sh, sw))
    # one window per image, copied out: (N, C, h, w); several times faster than indexing
    # the pixels with four broadcast index arrays
    return windows[xp.arange(n), xp.asarray(top), xp.asarray(left)]


def resize_indices(n_in, n_out, mode):
    """Source indices (and, for bilinear, weights) along one axis, as PyTorch's interpolate
    with ``align_corners=False``."""
    scale = n_in / n_out
    dst = np.arange(n_out, dtype=np.float64)
    if mode == 'nearest':
        return np.minimum(np.floor(dst * scale).astype(np.int64), n_in - 1)
    src = np.maximum((dst + 0.5) * scale - 0.5, 0.0)
    i0 = np.minimum(np.floor(src).astype(np.int64), n_in - 1)
    i1 = np.minimum(i0 + 1, n_in - 1)
    return i0, i1, (src - i0).astype(np.float32)


def resize_array(a4, h, w, mode):
    """``(N, C, H, W)`` -> ``(N, C, h, w)`` by ``'nearest'`` or ``'bilinear'`` (PyTorch's
    ``interpolate``, ``align_corners=False``, no antialiasing); integer pixels are rounded back
    to their dtype."""
    xp = backend.get_array_module(a4)
    H, W = a4.shape[-2:]
    if mode == 'nearest':
        rows, cols = resize_indices(H, h, 'nearest'), resize_indices(W, w, 'nearest')
        return a4[..., xp.asarray(rows)[:, None], xp.asarray(cols)[None, :]]
    a, back = as_float(a4)
    r0, r1, wr = (xp.asarray(v) for v in resize_indices(H, h, 'bilinear'))
    c0, c1, wc = (xp.asarray(v) for v in resize_indices(W, w, 'bilinear'))
    wr, wc = wr.astype(a.dtype)[:, None], wc.astype(a.dtype)
    one = xp.asarray(1, dtype=a.dtype)
    a = a[..., r0, :] * (one - wr) + a[..., r1, :] * wr
    a = a[..., c0] * (one - wc) + a[..., c1] * wc
    return back(a)


def as_float(a4):
    """``(a, back)``: ``a4`` as floats (float32 for integer pixels) and the function that turns
    a float result back into ``a4``'s dtype (rounded and clipped to the integer range)."""
    dtype = a4.dtype
    if dtype.kind == 'f':
        return a4, lambda out: out.astype(dtype, copy=False)
    xp = backend.get_array_module(a4)

    def back(out):
        if dtype.kind == 'b':
            return out > 0.5
        info = np.iinfo(dtype)
        return xp.clip(xp.rint(out), info.min, info.max).astype(dtype)
    return a4.astype(np.float32), back


def pixel_max(a4):
    """The value of a full-intensity pixel: 1.0 for float images, 255 for uint8 (as torchvision)."""
    return 1.0 if a4.dtype.kind == 'f' else float(np.iinfo(a4.dtype).max) if a4.dtype.kind in 'iu' else 1.0

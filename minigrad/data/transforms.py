"""Image transforms as vectorised array operations.

Every transform takes a float image ``(C, H, W)`` or a whole batch ``(N, C, H, W)`` and returns
the same kind of array, in float32 when given float32. Random transforms draw one independent
choice per image from the ``generator`` (a ``numpy.random.Generator``) they are called with;
the DataLoader passes one derived from its seed, the epoch and the batch index, so the draws
are reproducible. Called without one, they use ``minigrad.backend.default_generator()``.

Example::

    train_tf = Compose([RandomCrop(32, padding=4), RandomHorizontalFlip(),
                        Normalize((0.4914, 0.4822, 0.4465), (0.2470, 0.2435, 0.2616))])
    batch = train_tf(batch, generator=np.random.default_rng(0))
"""
import numbers

import numpy as np

from .. import backend


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


def _as_batch(x):
    """``(x as 4D, was_single)``: a single ``(C, H, W)`` image gets a leading batch axis."""
    if x.ndim == 3:
        return x[None], True
    if x.ndim == 4:
        return x, False
    raise ValueError(f'expected an image (C, H, W) or a batch (N, C, H, W), got shape {tuple(x.shape)}')


def _pair(v, name):
    if isinstance(v, numbers.Integral):
        return int(v), int(v)
    if len(v) == 2:
        return int(v[0]), int(v[1])
    raise ValueError(f'{name} must be an int or a pair (h, w), got {v!r}')


def _padding4(padding):
    """torchvision's padding forms -> (left, top, right, bottom)."""
    if isinstance(padding, numbers.Integral):
        return (int(padding),) * 4
    padding = tuple(int(p) for p in padding)
    if len(padding) == 2:
        return padding * 2
    if len(padding) == 4:
        return padding
    raise ValueError(f'padding must be an int, (left/right, top/bottom) or (left, top, right, bottom), got {padding!r}')


class Compose(Transform):
    """Apply transforms one after another, all drawing from the same generator.

    Args:
        transforms: a list of Transforms (or plain callables taking one array).
    """

    def __init__(self, transforms):
        self.transforms = list(transforms)

    def __call__(self, x, generator=None):
        for t in self.transforms:
            x = apply_transform(t, x, generator)
        return x

    def __repr__(self):
        return 'Compose(\n' + ''.join(f'    {t!r},\n' for t in self.transforms) + ')'


class Normalize(Transform):
    """``(x - mean[c]) / std[c]`` per channel.

    Args:
        mean: a sequence with one value per channel (or one value for all).
        std: likewise.

    Shape:
        (C, H, W) or (N, C, H, W) -> same.
    """

    def __init__(self, mean, std):
        self.mean = tuple(float(m) for m in np.atleast_1d(mean))
        self.std = tuple(float(s) for s in np.atleast_1d(std))
        if any(s == 0 for s in self.std):
            raise ValueError(f'std must be non-zero, got {self.std}')

    def __call__(self, x, generator=None):
        xp = backend.get_array_module(x)
        mean = xp.asarray(self.mean, dtype=x.dtype).reshape(-1, 1, 1)
        std = xp.asarray(self.std, dtype=x.dtype).reshape(-1, 1, 1)
        return (x - mean) / std


class Pad(Transform):
    """Pad the two spatial sides of each image.

    Args:
        padding: an int (all sides), (left/right, top/bottom) or (left, top, right, bottom).
        fill: the constant value for ``padding_mode='constant'``.
        padding_mode: ``'constant'``, ``'edge'``, ``'reflect'`` or ``'symmetric'`` (as torchvision).

    Shape:
        (C, H, W) -> (C, H + top + bottom, W + left + right), and likewise with a batch axis.
    """

    def __init__(self, padding, fill=0, padding_mode='constant'):
        if padding_mode not in ('constant', 'edge', 'reflect', 'symmetric'):
            raise ValueError(f'unknown padding_mode {padding_mode!r}')
        self.padding = _padding4(padding)
        self.fill = fill
        self.padding_mode = padding_mode

    def __call__(self, x, generator=None):
        xp = backend.get_array_module(x)
        left, top, right, bottom = self.padding
        widths = [(0, 0)] * (x.ndim - 2) + [(top, bottom), (left, right)]
        if self.padding_mode == 'constant':
            return xp.pad(x, widths, mode='constant', constant_values=self.fill)
        return xp.pad(x, widths, mode=self.padding_mode)


class RandomCrop(Transform):
    """Crop a random ``size`` window from each image, optionally after padding it.

    Args:
        size: output size, an int (square) or (h, w).
        padding: optional padding applied first (see Pad), e.g. 4 for CIFAR's usual recipe.
        fill, padding_mode: as in Pad.

    Shape:
        (C, H, W) or (N, C, H, W) -> (..., C, h, w); each image gets its own offset.
    """

    def __init__(self, size, padding=None, fill=0, padding_mode='constant'):
        self.size = _pair(size, 'size')
        self.padding = padding
        self.fill = fill
        self.padding_mode = padding_mode
        self._pad = Pad(padding, fill, padding_mode) if padding else None

    def __call__(self, x, generator=None):
        generator = generator or backend.default_generator()
        if self._pad is not None:
            x = self._pad(x)
        xb, single = _as_batch(x)
        n, _, H, W = xb.shape
        h, w = self.size
        if h > H or w > W:
            raise ValueError(f'RandomCrop size {(h, w)} is larger than the (padded) image {(H, W)}')
        top = generator.integers(0, H - h + 1, size=n)
        left = generator.integers(0, W - w + 1, size=n)
        xp = backend.get_array_module(x)
        rows = xp.asarray(top[:, None] + np.arange(h))      # (N, h)
        cols = xp.asarray(left[:, None] + np.arange(w))     # (N, w)
        batch = xp.arange(n)[:, None, None, None]
        chans = xp.arange(xb.shape[1])[None, :, None, None]
        out = xb[batch, chans, rows[:, None, :, None], cols[:, None, None, :]]
        return out[0] if single else out


class RandomHorizontalFlip(Transform):
    """Mirror each image left-right with probability ``p``.

    Shape:
        (C, H, W) or (N, C, H, W) -> same.
    """

    def __init__(self, p=0.5):
        self.p = float(p)

    def __call__(self, x, generator=None):
        generator = generator or backend.default_generator()
        xb, single = _as_batch(x)
        flip = generator.random(xb.shape[0]) < self.p
        xp = backend.get_array_module(x)
        out = xp.where(xp.asarray(flip)[:, None, None, None], xb[..., ::-1], xb)
        return out[0] if single else out


def _resize_indices(n_in, n_out, mode):
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


class Resize(Transform):
    """Resize each image, e.g. MNIST's 28x28 to 32x32.

    Args:
        size: (h, w), or an int: the smaller edge becomes ``size`` keeping the aspect ratio
            (torchvision's rule; for square images simply ``size x size``).
        mode: ``'nearest'`` or ``'bilinear'`` (PyTorch's ``interpolate`` with
            ``align_corners=False``, without antialiasing).

    Shape:
        (C, H, W) or (N, C, H, W) -> (..., C, h, w).
    """

    def __init__(self, size, mode='bilinear'):
        if mode not in ('nearest', 'bilinear'):
            raise ValueError(f"mode must be 'nearest' or 'bilinear', got {mode!r}")
        self.size = size if isinstance(size, numbers.Integral) else _pair(size, 'size')
        self.mode = mode

    def _out_size(self, H, W):
        if not isinstance(self.size, numbers.Integral):
            return self.size
        s = int(self.size)
        return (s, int(s * W / H)) if H <= W else (int(s * H / W), s)

    def __call__(self, x, generator=None):
        xp = backend.get_array_module(x)
        H, W = x.shape[-2:]
        h, w = self._out_size(H, W)
        if self.mode == 'nearest':
            rows, cols = _resize_indices(H, h, 'nearest'), _resize_indices(W, w, 'nearest')
            return x[..., xp.asarray(rows)[:, None], xp.asarray(cols)[None, :]]
        r0, r1, wr = (xp.asarray(a) for a in _resize_indices(H, h, 'bilinear'))
        c0, c1, wc = (xp.asarray(a) for a in _resize_indices(W, w, 'bilinear'))
        wr, wc = wr.astype(x.dtype)[:, None], wc.astype(x.dtype)
        one = xp.asarray(1, dtype=x.dtype)
        x = x[..., r0, :] * (one - wr) + x[..., r1, :] * wr
        return x[..., c0] * (one - wc) + x[..., c1] * wc

"""More of torchvision's transforms: colour jitter, greyscale, blur, erasing, random choice
of transforms, and dtype/PIL conversions (see ``augment.py`` for the conventions: same inputs
and outputs as ``transforms.py``, a full-intensity pixel is 1.0 for floats and 255 for uint8).
"""
import math
import numbers

import numpy as np

from .. import backend
from ..factory import as_tensor
from ..tensor import Tensor
from .augment import _range
from .image import Transform, apply_transform, as_float, as_nchw, generator_or_default, pair, pixel_max


# ---- colour -------------------------------------------------------------------------------------

def _grey(a):
    """Luma of float ``(N, 3, H, W)`` images with torchvision's weights: ``(N, 1, H, W)``."""
    return 0.2989 * a[:, 0:1] + 0.587 * a[:, 1:2] + 0.114 * a[:, 2:3]


def _blend(a, b, factor, bound):
    xp = backend.get_array_module(a)
    return xp.clip(factor * a + (1.0 - factor) * b, 0.0, bound)


def _rgb_to_hsv(a):
    xp = backend.get_array_module(a)
    r, g, b = a[:, 0], a[:, 1], a[:, 2]
    maxc, minc = a.max(axis=1), a.min(axis=1)
    v, delta = maxc, maxc - minc
    s = xp.where(maxc > 0, delta / xp.where(maxc > 0, maxc, 1), 0)
    safe = xp.where(delta > 0, delta, 1)
    rc, gc, bc = (maxc - r) / safe, (maxc - g) / safe, (maxc - b) / safe
    h = xp.where(maxc == r, bc - gc, xp.where(maxc == g, 2.0 + rc - bc, 4.0 + gc - rc))
    h = xp.where(delta > 0, (h / 6.0) % 1.0, 0.0)
    return h, s, v


def _hsv_to_rgb(h, s, v):
    xp = backend.get_array_module(h)
    i = xp.floor(h * 6.0)
    f = h * 6.0 - i
    p, q, t = v * (1 - s), v * (1 - s * f), v * (1 - s * (1 - f))
    i = i.astype(np.int64) % 6
    choices = [(v, t, p), (q, v, p), (p, v, t), (p, q, v), (t, p, v), (v, p, q)]
    channels = [sum(xp.where(i == k, c[ch], 0) for k, c in enumerate(choices)) for ch in range(3)]
    return xp.stack(channels, axis=1)


class ColorJitter(Transform):
    """Randomly change brightness, contrast, saturation and hue, in a random order, as
    torchvision's (factors drawn per image).

    Args:
        brightness, contrast, saturation: b for factors in [max(0, 1 - b), 1 + b], or (min, max).
        hue: h in [0, 0.5] for shifts in [-h, h] of the hue circle, or (min, max).

    Shape:
        (..., C, H, W) -> same; saturation and hue need 3 channels (left alone on 1).
    """

    def __init__(self, brightness=0, contrast=0, saturation=0, hue=0):
        self.brightness = _range(brightness, 'brightness', 1.0, (0, None))
        self.contrast = _range(contrast, 'contrast', 1.0, (0, None))
        self.saturation = _range(saturation, 'saturation', 1.0, (0, None))
        self.hue = _range(hue, 'hue')
        if not -0.5 <= self.hue[0] <= self.hue[1] <= 0.5:
            raise ValueError(f'hue values should be between (-0.5, 0.5), got {hue!r}')

    def __call__(self, x, generator=None):
        a4, restore = as_nchw(x)
        g = generator_or_default(generator)
        a, back = as_float(a4)
        bound = pixel_max(a4)
        xp = backend.get_array_module(a)
        out = []
        for k in range(a.shape[0]):
            img = a[k:k + 1]
            order = g.permutation(4)
            factors = [g.uniform(*r) for r in (self.brightness, self.contrast, self.saturation, self.hue)]
            for fn in order:
                f = factors[fn]
                if fn == 0 and self.brightness != (1.0, 1.0):
                    img = _blend(img, 0.0, f, bound)
                elif fn == 1 and self.contrast != (1.0, 1.0):
                    grey = _grey(img) if img.shape[1] == 3 else img
                    img = _blend(img, grey.mean(), f, bound)
                elif fn == 2 and self.saturation != (1.0, 1.0) and img.shape[1] == 3:
                    img = _blend(img, _grey(img), f, bound)
                elif fn == 3 and self.hue != (0.0, 0.0) and img.shape[1] == 3:
                    h, s, v = _rgb_to_hsv(img / bound)
                    img = _hsv_to_rgb((h + f) % 1.0, s, v) * bound
            out.append(img.astype(a.dtype, copy=False))
        return restore(back(xp.concatenate(out)))


class Grayscale(Transform):
    """RGB -> grey with torchvision's weights (0.2989, 0.587, 0.114); ``num_output_channels`` 1
    or 3 (the grey value repeated).

    Shape:
        (..., 3, H, W) -> (..., num_output_channels, H, W).
    """

    def __init__(self, num_output_channels=1):
        if num_output_channels not in (1, 3):
            raise ValueError(f'num_output_channels should be either 1 or 3, got {num_output_channels!r}')
        self.num_output_channels = num_output_channels

    def __call__(self, x, generator=None):
        a4, restore = as_nchw(x)
        if a4.shape[1] not in (1, 3):
            raise ValueError(f'Grayscale expects images with 1 or 3 channels, got shape {tuple(a4.shape[1:])}')
        a, back = as_float(a4)
        grey = _grey(a) if a.shape[1] == 3 else a
        xp = backend.get_array_module(a)
        return restore(back(xp.concatenate([grey] * self.num_output_channels, axis=1)))


class RandomGrayscale(Transform):
    """Turn each image grey with probability ``p``, keeping its number of channels."""

    def __init__(self, p=0.1):
        self.p = float(p)

    def __call__(self, x, generator=None):
        a4, restore = as_nchw(x)
        hit = generator_or_default(generator).random(a4.shape[0]) < self.p
        if a4.shape[1] != 3 or not hit.any():
            return restore(a4)
        xp = backend.get_array_module(a4)
        grey = Grayscale(3)(a4)
        return restore(xp.where(xp.asarray(hit)[:, None, None, None], grey, a4))


class GaussianBlur(Transform):
    """Blur each image with a Gaussian kernel of ``kernel_size`` and a random sigma (reflected
    borders, as torchvision).

    Args:
        kernel_size: odd positive int or (kh, kw).
        sigma: a fixed sigma, or (min, max) to draw from.
    """

    def __init__(self, kernel_size, sigma=(0.1, 2.0)):
        self.kernel_size = pair(kernel_size, 'kernel_size')
        if any(k % 2 == 0 for k in self.kernel_size):
            raise ValueError(f'Kernel size value should be an odd and positive number, got {kernel_size!r}')
        self.sigma = _range(sigma, 'sigma', None) if not isinstance(sigma, numbers.Number) else (float(sigma),) * 2
        if self.sigma[0] <= 0:
            raise ValueError(f'sigma should be positive, got {sigma!r}')

    def __call__(self, x, generator=None):
        a4, restore = as_nchw(x)
        g = generator_or_default(generator)
        a, back = as_float(a4)
        xp = backend.get_array_module(a)
        out = xp.empty_like(a)
        kh, kw = self.kernel_size
        for k in range(a.shape[0]):
            s = float(g.uniform(*self.sigma))
            img = xp.pad(a[k], ((0, 0), (kh // 2, kh // 2), (kw // 2, kw // 2)), mode='reflect')
            for axis, size in ((1, kh), (2, kw)):
                t = np.arange(size) - (size - 1) / 2
                kern = np.exp(-0.5 * (t / s) ** 2)
                kern = xp.asarray((kern / kern.sum()).astype(a.dtype))
                n = img.shape[axis] - size + 1
                img = sum(kern[i] * xp.take(img, xp.arange(i, i + n), axis=axis) for i in range(size))
            out[k] = img
        return restore(back(out))


class RandomErasing(Transform):
    """Erase a random rectangle of each image with probability ``p`` (after ``ToTensor``), as
    torchvision's.

    Args:
        p: probability of erasing.
        scale: range of the erased area as a fraction of the image's.
        ratio: range of the rectangle's aspect ratio.
        value: the fill: a number, one per channel, or ``'random'`` (normal noise).
    """

    def __init__(self, p=0.5, scale=(0.02, 0.33), ratio=(0.3, 3.3), value=0, inplace=False):
        if not 0 <= p <= 1:
            raise ValueError(f'Random erasing probability should be between 0 and 1, got {p}')
        if scale[0] > scale[1] or ratio[0] > ratio[1] or scale[0] < 0 or scale[1] > 1:
            raise ValueError(f'scale should be within [0, 1] and scale and ratio of kind (min, max), '
                             f'got scale={scale}, ratio={ratio}')
        self.p, self.scale, self.ratio, self.value, self.inplace = float(p), scale, ratio, value, inplace

    def __call__(self, x, generator=None):
        a4, restore = as_nchw(x)
        g = generator_or_default(generator)
        xp = backend.get_array_module(a4)
        a4 = a4.copy()
        n, c, H, W = a4.shape
        log_ratio = (math.log(self.ratio[0]), math.log(self.ratio[1]))
        for k in range(n):
            if g.random() >= self.p:
                continue
            for _ in range(10):
                erase_area = H * W * g.uniform(*self.scale)
                aspect = math.exp(g.uniform(*log_ratio))
                h, w = int(round(math.sqrt(erase_area * aspect))), int(round(math.sqrt(erase_area / aspect)))
                if h < H and w < W:
                    i, j = int(g.integers(0, H - h + 1)), int(g.integers(0, W - w + 1))
                    if self.value == 'random':
                        fill = xp.asarray(g.standard_normal((c, h, w)).astype(a4.dtype))
                    else:
                        fill = xp.asarray(np.broadcast_to(np.asarray(self.value, dtype=a4.dtype).reshape(-1, 1, 1), (c, h, w)))
                    a4[k, :, i:i + h, j:j + w] = fill
                    break
        return restore(a4)


# ---- choosing transforms at random ----------------------------------------------------------------

class RandomApply(Transform):
    """Apply ``transforms`` (a list, in order) with probability ``p``, else pass the input on."""

    def __init__(self, transforms, p=0.5):
        self.transforms, self.p = list(transforms), float(p)

    def __call__(self, x, generator=None):
        if generator_or_default(generator).random() >= self.p:
            return x
        for t in self.transforms:
            x = apply_transform(t, x, generator)
        return x


class RandomChoice(Transform):
    """Apply one of ``transforms``, picked at random (with probabilities ``p``, default equal)."""

    def __init__(self, transforms, p=None):
        self.transforms = list(transforms)
        if p is not None and len(p) != len(self.transforms):
            raise ValueError(f'p must have one probability per transform, got {len(p)} for {len(self.transforms)}')
        self.p = None if p is None else [v / sum(p) for v in p]

    def __call__(self, x, generator=None):
        k = int(generator_or_default(generator).choice(len(self.transforms), p=self.p))
        return apply_transform(self.transforms[k], x, generator)


class RandomOrder(Transform):
    """Apply ``transforms`` in a random order."""

    def __init__(self, transforms):
        self.transforms = list(transforms)

    def __call__(self, x, generator=None):
        for k in generator_or_default(generator).permutation(len(self.transforms)):
            x = apply_transform(self.transforms[int(k)], x, generator)
        return x


# ---- dtypes and PIL ------------------------------------------------------------------------------

class ConvertImageDtype(Transform):
    """Convert an image Tensor's dtype, rescaling values as torchvision does (uint8 0-255 <->
    float 0-1)."""

    def __init__(self, dtype):
        self.dtype = np.dtype(dtype)

    def __call__(self, x, generator=None):
        a = x.array if isinstance(x, Tensor) else np.asarray(x)
        src, dst = a.dtype, self.dtype
        if src.kind == 'f' and dst.kind == 'f':
            out = a.astype(dst)
        elif src.kind == 'f':
            out = (a * (np.iinfo(dst).max + 1.0 - 1e-3)).astype(dst)
        elif dst.kind == 'f':
            out = a.astype(dst) / dst.type(np.iinfo(src).max)
        else:
            out = a.astype(dst)
        return as_tensor(out) if isinstance(x, Tensor) else out


class PILToTensor(Transform):
    """A PIL image (or integer pixels ``(H, W[, C])``) -> a uint8 Tensor ``(C, H, W)``, values
    unchanged."""

    def __call__(self, pic, generator=None):
        a = np.asarray(pic)
        if a.ndim not in (2, 3):
            raise ValueError(f'PILToTensor: expected an image (H, W) or (H, W, C), got shape {a.shape}')
        return as_tensor(np.ascontiguousarray((a[:, :, None] if a.ndim == 2 else a).transpose(2, 0, 1)))


class ToPILImage(Transform):
    """A Tensor ``(C, H, W)`` or an array ``(H, W[, C])`` -> a PIL image (needs Pillow), as
    torchvision's: float values in [0, 1] are scaled to 0-255."""

    def __init__(self, mode=None):
        self.mode = mode

    def __call__(self, pic, generator=None):
        try:
            from PIL import Image
        except ImportError:
            raise ImportError('ToPILImage needs Pillow: pip install pillow') from None
        if isinstance(pic, Tensor):
            a = backend.asnumpy(pic.detach().array)
            if a.ndim == 3:
                a = a.transpose(1, 2, 0)
        else:
            a = np.asarray(pic)
        if a.ndim == 3 and a.shape[2] == 1:
            a = a[:, :, 0]
        if a.dtype.kind == 'f':
            a = (a * 255).astype(np.uint8)
        return Image.fromarray(a, mode=self.mode)

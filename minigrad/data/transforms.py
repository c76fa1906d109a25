"""Image transforms, shaped like torchvision's, working on one image or a whole batch.

What a transform accepts (and gives back in the same form):

- a Tensor ``(..., C, H, W)`` (or ``(H, W)``), as torchvision's tensor transforms;
- a float NumPy/CuPy array ``(C, H, W)``, ``(H, W)`` or a batch ``(N, C, H, W)`` (minigrad's
  image arrays, and what a DataLoader's ``transform=`` gets);
- an integer array ``(H, W)`` or ``(H, W, C)``: raw pixels, laid out as ``np.asarray`` of a PIL
  image. Datasets hand their transform exactly this (as torchvision hands it a PIL image), so
  ``Compose([RandomCrop(32, padding=4), RandomHorizontalFlip(), ToTensor(), Normalize(m, s)])``
  works as written for torchvision. ``ToTensor`` turns pixels into a float32 ``(C, H, W)`` Tensor.

A four-dimensional input is a batch: random transforms draw one choice per image (torchvision
draws one for a whole batch tensor). Random transforms draw from the ``generator`` they are called
with (a ``numpy.random.Generator``); without one, from the generator the DataLoader installed for
the batch being loaded (see ``generator_scope``), else from minigrad's global generator, so
``mg.manual_seed`` makes them reproducible. Transforms are preprocessing: a Tensor comes back
without grad history.

Example::

    train_tf = Compose([RandomCrop(32, padding=4), RandomHorizontalFlip(), ToTensor(),
                        Normalize((0.4914, 0.4822, 0.4465), (0.2470, 0.2435, 0.2616))])
    cifar = CIFAR10(root, train=True, transform=train_tf)     # cifar[0][0]: Tensor (3, 32, 32)
"""
import numbers

import numpy as np

from .. import backend
from ..factory import as_tensor
from ..tensor import Tensor
from .image import (Transform, apply_transform, as_nchw, crop, generator_or_default,  # noqa: F401
                    generator_scope, pad4, padding4, pair, resize_array)

class Compose(Transform):
    """Apply transforms one after another, all drawing from the same generator.

    Args:
        transforms: a list of Transforms (or plain callables taking one argument).
    """

    def __init__(self, transforms):
        if callable(transforms) or isinstance(transforms, (str, bytes)):
            raise TypeError(f'Compose expects a list of transforms, got {type(transforms).__name__}: '
                            f'write Compose([{type(transforms).__name__}(...)]) or use the '
                            'transform on its own')
        self.transforms = list(transforms)
        bad = [t for t in self.transforms if not callable(t)]
        if bad:
            raise TypeError(f'Compose expects callable transforms, got {bad[0]!r} '
                            f'({type(bad[0]).__name__})')

    def __call__(self, x, generator=None):
        for t in self.transforms:
            x = apply_transform(t, x, generator)
        return x

    def __repr__(self):
        return 'Compose(\n' + ''.join(f'    {t!r},\n' for t in self.transforms) + ')'


class Lambda(Transform):
    """Apply a user function: ``Lambda(lambda x: x * 2)``."""

    def __init__(self, lambd):
        if not callable(lambd):
            raise TypeError(f'Lambda needs a callable, got {type(lambd).__name__}')
        self.lambd = lambd

    def __call__(self, x, generator=None):
        return self.lambd(x)


class ToTensor(Transform):
    """Pixels -> a float Tensor ``(C, H, W)``, as torchvision's ``ToTensor``.

    An array (or PIL image) is read as ``(H, W, C)`` or ``(H, W)``: its axes become ``(C, H, W)``;
    uint8 values are divided by 255 into float32 in [0, 1]; other dtypes keep their values and
    dtype (a float array is only transposed, exactly as torchvision does; note that minigrad's
    datasets without a transform already give ``(C, H, W)`` arrays: wrap those with
    ``mg.from_numpy`` instead).

    Shape:
        (H, W) or (H, W, C) -> (C, H, W); a Tensor is a TypeError, as in torchvision.
    """

    def __call__(self, pic, generator=None):
        if isinstance(pic, Tensor):
            raise TypeError('ToTensor: pic should be a PIL Image or an array (H, W[, C]), got a Tensor '
                            '(it is already one)')
        a = pic if backend.is_array(pic) else np.asarray(pic)
        if a.ndim not in (2, 3):
            raise ValueError(f'ToTensor: pic should be 2/3 dimensional (H, W) or (H, W, C). Got {a.ndim} '
                             f'dimensions, shape {tuple(a.shape)}')
        xp = backend.get_array_module(a)
        chw = xp.ascontiguousarray((a[:, :, None] if a.ndim == 2 else a).transpose(2, 0, 1))
        if chw.dtype == np.uint8:
            chw = chw.astype(np.float32) / np.float32(255)
        return as_tensor(chw, device=backend.device_of(chw))

    def __repr__(self):
        return 'ToTensor()'


class Normalize(Transform):
    """``(x - mean[c]) / std[c]`` per channel, as torchvision's ``Normalize``.

    Args:
        mean: a sequence with one value per channel (or one value for all).
        std: likewise.
        inplace: write the result into the input (a float Tensor or array).

    Shape:
        (C, H, W) or (N, C, H, W) (or a Tensor (..., C, H, W)) -> same; floats only.
    """

    def __init__(self, mean, std, inplace=False):
        self.mean = tuple(float(m) for m in np.atleast_1d(mean))
        self.std = tuple(float(s) for s in np.atleast_1d(std))
        self.inplace = bool(inplace)
        if any(s == 0 for s in self.std):
            raise ValueError(f'std must be non-zero, got {self.std}')

    def __call__(self, x, generator=None):
        a4, restore = as_nchw(x)
        if a4.dtype.kind != 'f':
            raise TypeError(f'Normalize needs a float image, got {a4.dtype} pixels of shape '
                            f'{tuple(np.shape(x))}: put ToTensor() before Normalize')
        channels = a4.shape[1]
        if len(self.mean) not in (1, channels) or len(self.std) not in (1, channels):
            raise ValueError(f'Normalize has {len(self.mean)} mean(s) and {len(self.std)} std(s) for an image '
                             f'with {channels} channel(s) (shape {tuple(np.shape(x))})')
        xp = backend.get_array_module(a4)
        mean = xp.asarray(self.mean, dtype=a4.dtype).reshape(-1, 1, 1)
        std = xp.asarray(self.std, dtype=a4.dtype).reshape(-1, 1, 1)
        if self.inplace and isinstance(x, Tensor):     # torchvision's sub_/div_: version counted
            return x.sub_(as_tensor(mean)).div_(as_tensor(std))
        if self.inplace:
            xp.subtract(a4, mean, out=a4)
            xp.divide(a4, std, out=a4)
            return x
        return restore((a4 - mean) / std)


class Pad(Transform):
    """Pad the two spatial sides of each image.

    Args:
        padding: an int (all sides), (left/right, top/bottom) or (left, top, right, bottom).
        fill: the constant value for ``padding_mode='constant'``.
        padding_mode: ``'constant'``, ``'edge'``, ``'reflect'`` or ``'symmetric'`` (as torchvision).

    Shape:
        (..., H, W) -> (..., H + top + bottom, W + left + right).
    """

    def __init__(self, padding, fill=0, padding_mode='constant'):
        if padding_mode not in ('constant', 'edge', 'reflect', 'symmetric'):
            raise ValueError(f'unknown padding_mode {padding_mode!r}')
        self.padding = padding4(padding)
        self.fill = fill
        self.padding_mode = padding_mode

    def __call__(self, x, generator=None):
        a4, restore = as_nchw(x)
        return restore(pad4(a4, self.padding, self.fill, self.padding_mode))


class RandomCrop(Transform):
    """Crop a random ``size`` window from each image, optionally after padding it.

    Args:
        size: output size, an int (square) or (h, w).
        padding: optional padding applied first (see Pad), e.g. 4 for CIFAR's usual recipe.
        pad_if_needed: pad an image smaller than ``size`` up to it (as torchvision).
        fill, padding_mode: as in Pad.

    Shape:
        (..., H, W) -> (..., h, w); each image of a batch gets its own offset.
    """

    def __init__(self, size, padding=None, pad_if_needed=False, fill=0, padding_mode='constant'):
        self.size = pair(size, 'size')
        self.padding = padding
        self.pad_if_needed = bool(pad_if_needed)
        self.fill = fill
        self.padding_mode = padding_mode
        self._padding = padding4(padding) if padding else None

    def __call__(self, x, generator=None):
        a4, restore = as_nchw(x)
        if self._padding is not None:
            a4 = pad4(a4, self._padding, self.fill, self.padding_mode)
        h, w = self.size
        if self.pad_if_needed and (a4.shape[2] < h or a4.shape[3] < w):
            dh, dw = max(h - a4.shape[2], 0), max(w - a4.shape[3], 0)
            a4 = pad4(a4, (dw, dh, dw, dh), self.fill, self.padding_mode)
        n, _, H, W = a4.shape
        if h > H or w > W:
            raise ValueError(f'RandomCrop size {(h, w)} is larger than the (padded) image {(H, W)}')
        g = generator_or_default(generator)
        top, left = g.integers(0, H - h + 1, size=n), g.integers(0, W - w + 1, size=n)
        return restore(crop(a4, top, left, h, w))


class CenterCrop(Transform):
    """Crop the central ``size`` window (padding with zeros first if the image is smaller).

    Shape:
        (..., H, W) -> (..., h, w).
    """

    def __init__(self, size):
        self.size = pair(size, 'size')

    def __call__(self, x, generator=None):
        a4, restore = as_nchw(x)
        h, w = self.size
        dh, dw = max(h - a4.shape[2], 0), max(w - a4.shape[3], 0)
        if dh or dw:
            a4 = pad4(a4, (dw // 2, dh // 2, (dw + 1) // 2, (dh + 1) // 2))
        top = int(round((a4.shape[2] - h) / 2.0))
        left = int(round((a4.shape[3] - w) / 2.0))
        return restore(a4[:, :, top:top + h, left:left + w])


class RandomHorizontalFlip(Transform):
    """Mirror each image left-right with probability ``p``.

    Shape:
        (..., H, W) -> same.
    """

    axis = -1

    def __init__(self, p=0.5):
        self.p = float(p)

    def __call__(self, x, generator=None):
        a4, restore = as_nchw(x)
        flip = generator_or_default(generator).random(a4.shape[0]) < self.p
        xp = backend.get_array_module(a4)
        mirrored = a4[..., ::-1] if self.axis == -1 else a4[..., ::-1, :]
        return restore(xp.where(xp.asarray(flip)[:, None, None, None], mirrored, a4))


class RandomVerticalFlip(RandomHorizontalFlip):
    """Mirror each image top-bottom with probability ``p``.

    Shape:
        (..., H, W) -> same.
    """

    axis = -2


class Resize(Transform):
    """Resize each image, e.g. MNIST's 28x28 to 32x32.

    Args:
        size: (h, w), or an int: the smaller edge becomes ``size`` keeping the aspect ratio
            (torchvision's rule; for square images simply ``size x size``).
        interpolation: ``'nearest'`` or ``'bilinear'`` (PyTorch's ``interpolate`` with
            ``align_corners=False``, without antialiasing); ``mode=`` is the same argument.

    Shape:
        (..., H, W) -> (..., h, w); integer pixels are rounded back to their dtype.
    """

    def __init__(self, size, interpolation='bilinear', *, mode=None):
        mode = str(getattr(interpolation, 'value', interpolation) if mode is None else mode)
        if mode not in ('nearest', 'bilinear'):
            raise ValueError(f"interpolation (mode) must be 'nearest' or 'bilinear', got {mode!r}")
        self.size = pair(size, 'size')[0] if isinstance(size, numbers.Integral) else pair(size, 'size')
        self.mode = mode

    def _out_size(self, H, W):
        if not isinstance(self.size, numbers.Integral):
            return self.size
        s = int(self.size)
        return (s, int(s * W / H)) if H <= W else (int(s * H / W), s)

    def __call__(self, x, generator=None):
        a4, restore = as_nchw(x)
        return restore(resize_array(a4, *self._out_size(*a4.shape[-2:]), self.mode))


# torchvision's other transforms, in their own files
from .augment import InterpolationMode, RandomAffine, RandomResizedCrop, RandomRotation  # noqa: E402
from .augment_color import (ColorJitter, ConvertImageDtype, GaussianBlur, Grayscale,  # noqa: E402
                            PILToTensor, RandomApply, RandomChoice, RandomErasing, RandomGrayscale,
                            RandomOrder, ToPILImage)

"""More of torchvision's transforms, the geometric ones: random resized crops, rotations and
affine maps (colour, blur, erasing and conversions are in ``augment_color.py``).

They take the same inputs as the transforms in ``transforms.py`` (a Tensor ``(..., C, H, W)``,
float arrays ``(C, H, W)``/``(N, C, H, W)``, integer pixels ``(H, W[, C])`` or a PIL image) and
give the same form back; a batch draws one random choice per image. Integer pixels stay integer
(rounded, clipped); a full-intensity pixel is 1.0 for float images and 255 for uint8, as in
torchvision. Geometry follows torchvision's conventions (positive angles turn counter-clockwise,
``translate`` is a fraction of the width/height), not its exact sampling grid: results agree in
kind, not bit for bit.
"""
import enum
import math
import numbers

import numpy as np

from .. import backend
from .image import Transform, as_float, as_nchw, generator_or_default, pair, resize_array


class InterpolationMode(enum.Enum):
    """torchvision's interpolation names; minigrad's transforms implement NEAREST and BILINEAR."""
    NEAREST = 'nearest'
    BILINEAR = 'bilinear'
    BICUBIC = 'bicubic'


def _mode(interpolation):
    mode = str(getattr(interpolation, 'value', interpolation))
    if mode not in ('nearest', 'bilinear'):
        raise ValueError(f"interpolation must be 'nearest' or 'bilinear' (InterpolationMode.NEAREST or "
                         f"BILINEAR), got {interpolation!r}")
    return mode


def _range(value, name, center=None, bound=None):
    """torchvision's ``_setup_angle``/``_check_input``: a number v -> (c - v, c + v), or a pair."""
    if isinstance(value, numbers.Number):
        if value < 0:
            raise ValueError(f'If {name} is a single number, it must be non negative, got {value}')
        low, high = ((center - value, center + value) if center is not None else (-value, value))
        if bound is not None:
            low = max(low, bound[0])
        return float(low), float(high)
    if isinstance(value, (tuple, list)) and len(value) == 2 and value[0] <= value[1]:
        return float(value[0]), float(value[1])
    raise ValueError(f'{name} should be a non negative number or a pair (min, max) with min <= max, got {value!r}')


# ---- geometry -----------------------------------------------------------------------------------

class RandomResizedCrop(Transform):
    """A random crop of random area and aspect ratio, resized to ``size`` (ImageNet training's
    usual first transform), as torchvision's: 10 tries to find a box within the image, then a
    central crop.

    Args:
        size: output (h, w) or an int for a square.
        scale: range of the crop's area as a fraction of the image's.
        ratio: range of the crop's aspect ratio (width / height), drawn log-uniformly.
        interpolation: NEAREST or BILINEAR.

    Shape:
        (..., H, W) -> (..., h, w).
    """

    def __init__(self, size, scale=(0.08, 1.0), ratio=(3.0 / 4.0, 4.0 / 3.0),
                 interpolation=InterpolationMode.BILINEAR, antialias=True):
        self.size = pair(size, 'size')
        if scale[0] > scale[1] or ratio[0] > ratio[1]:
            raise ValueError(f'scale and ratio should be of kind (min, max), got scale={scale}, ratio={ratio}')
        self.scale, self.ratio = tuple(scale), tuple(ratio)
        self.interpolation = _mode(interpolation)

    @staticmethod
    def get_params(height, width, scale, ratio, generator=None):
        """``(top, left, h, w)`` of a random crop, as torchvision's ``get_params``."""
        g = generator_or_default(generator)
        area = height * width
        log_ratio = (math.log(ratio[0]), math.log(ratio[1]))
        for _ in range(10):
            target_area = area * g.uniform(scale[0], scale[1])
            aspect = math.exp(g.uniform(*log_ratio))
            w = int(round(math.sqrt(target_area * aspect)))
            h = int(round(math.sqrt(target_area / aspect)))
            if 0 < w <= width and 0 < h <= height:
                return int(g.integers(0, height - h + 1)), int(g.integers(0, width - w + 1)), h, w
        in_ratio = width / height
        if in_ratio < min(ratio):
            w, h = width, int(round(width / min(ratio)))
        elif in_ratio > max(ratio):
            h, w = height, int(round(height * max(ratio)))
        else:
            w, h = width, height
        return (height - h) // 2, (width - w) // 2, h, w

    def __call__(self, x, generator=None):
        a4, restore = as_nchw(x)
        xp = backend.get_array_module(a4)
        out = []
        for k in range(a4.shape[0]):
            top, left, h, w = self.get_params(a4.shape[2], a4.shape[3], self.scale, self.ratio, generator)
            out.append(resize_array(a4[k:k + 1, :, top:top + h, left:left + w], *self.size, self.interpolation))
        return restore(xp.concatenate(out))


def _affine_matrix(angle, translate, scale, shear, center):
    """The 2x3 map from an output pixel (x, y) to the input pixel it samples: the inverse of
    ``translate . center . rotate(angle, counter-clockwise) . scale . shear . center^-1``."""
    cx, cy = center
    rot, sx, sy = math.radians(angle), math.radians(shear[0]), math.radians(shear[1])
    # forward map in pixel coordinates (y down): a visual counter-clockwise turn by `rot`
    r = np.array([[math.cos(rot), math.sin(rot)], [-math.sin(rot), math.cos(rot)]])
    s = np.array([[1.0, math.tan(sx)], [math.tan(sy), 1.0]])
    m = scale * r @ s
    forward = np.eye(3)
    forward[:2, :2] = m
    forward[:2, 2] = np.array([cx + translate[0], cy + translate[1]]) - m @ np.array([cx, cy])
    return np.linalg.inv(forward)[:2]


def _sample(a4, matrices, mode, fill):
    """Each image of ``a4`` resampled at ``matrices[k] @ (x, y, 1)`` for every output pixel;
    pixels that fall outside the input get ``fill``."""
    xp = backend.get_array_module(a4)
    n, c, H, W = a4.shape
    a, back = as_float(a4)
    ys, xs = np.meshgrid(np.arange(H, dtype=np.float64), np.arange(W, dtype=np.float64), indexing='ij')
    fill = np.broadcast_to(np.asarray(0.0 if fill is None else fill, dtype=np.float64), (c,))
    fill = xp.asarray(fill.astype(a.dtype))[:, None, None]
    out = xp.empty_like(a)
    for k in range(n):
        m = matrices[k]
        sx, sy = m[0, 0] * xs + m[0, 1] * ys + m[0, 2], m[1, 0] * xs + m[1, 1] * ys + m[1, 2]
        if mode == 'nearest':
            ix, iy = np.floor(sx + 0.5).astype(np.int64), np.floor(sy + 0.5).astype(np.int64)
            inside = (ix >= 0) & (ix < W) & (iy >= 0) & (iy < H)
            got = a[k][:, xp.asarray(np.clip(iy, 0, H - 1)), xp.asarray(np.clip(ix, 0, W - 1))]
            out[k] = xp.where(xp.asarray(inside)[None], got, fill)
            continue
        x0, y0 = np.floor(sx).astype(np.int64), np.floor(sy).astype(np.int64)
        acc = xp.zeros((c, H, W), dtype=a.dtype)
        for dy in (0, 1):
            for dx in (0, 1):
                px, py = x0 + dx, y0 + dy
                wgt = (1 - np.abs(sx - px)) * (1 - np.abs(sy - py))
                inside = (px >= 0) & (px < W) & (py >= 0) & (py < H)
                got = a[k][:, xp.asarray(np.clip(py, 0, H - 1)), xp.asarray(np.clip(px, 0, W - 1))]
                acc += xp.asarray(wgt.astype(a.dtype))[None] * xp.where(xp.asarray(inside)[None], got, fill)
        out[k] = acc
    return back(out)


class RandomAffine(Transform):
    """A random rotation, translation, scaling and shear of each image, as torchvision's.

    Args:
        degrees: rotation range in degrees: d for (-d, d), or (min, max); 0 for none.
        translate: ``(a, b)``: horizontal shift drawn in ``(-a * W, a * W)``, vertical in
            ``(-b * H, b * H)`` (rounded to whole pixels).
        scale: ``(min, max)`` zoom factor.
        shear: x-shear range in degrees (d or (min, max)), or four values for x and y ranges.
        interpolation: NEAREST (torchvision's default) or BILINEAR.
        fill: the value of pixels that come from outside the image (a number or one per channel).
        center: the centre of rotation ``(x, y)`` in pixels (default: the image centre).

    Shape:
        (..., H, W) -> same.
    """

    def __init__(self, degrees, translate=None, scale=None, shear=None,
                 interpolation=InterpolationMode.NEAREST, fill=0, center=None):
        self.degrees = _range(degrees, 'degrees')
        if translate is not None and not (len(translate) == 2 and all(0 <= t <= 1 for t in translate)):
            raise ValueError(f'translate should be a pair of fractions in [0, 1], got {translate!r}')
        if scale is not None and not (len(scale) == 2 and 0 < scale[0] <= scale[1]):
            raise ValueError(f'scale should be a pair (min, max) of positive numbers, got {scale!r}')
        self.translate, self.scale = translate, scale
        if shear is None:
            self.shear = None
        elif isinstance(shear, numbers.Number) or len(shear) == 2:
            self.shear = _range(shear, 'shear') + (0.0, 0.0)
        elif len(shear) == 4:
            self.shear = tuple(float(v) for v in shear)
        else:
            raise ValueError(f'shear should be a number, a pair or four values, got {shear!r}')
        self.interpolation = _mode(interpolation)
        self.fill, self.center = fill, center

    def _params(self, g, H, W):
        angle = float(g.uniform(*self.degrees))
        tx = ty = 0
        if self.translate is not None:
            tx = int(round(g.uniform(-self.translate[0] * W, self.translate[0] * W)))
            ty = int(round(g.uniform(-self.translate[1] * H, self.translate[1] * H)))
        scale = float(g.uniform(*self.scale)) if self.scale is not None else 1.0
        shear = (0.0, 0.0)
        if self.shear is not None:
            shear = (float(g.uniform(self.shear[0], self.shear[1])), float(g.uniform(self.shear[2], self.shear[3])))
        return angle, (tx, ty), scale, shear

    def __call__(self, x, generator=None):
        a4, restore = as_nchw(x)
        g = generator_or_default(generator)
        H, W = a4.shape[-2:]
        center = self.center if self.center is not None else ((W - 1) * 0.5, (H - 1) * 0.5)
        matrices = [_affine_matrix(*self._params(g, H, W), center) for _ in range(a4.shape[0])]
        return restore(_sample(a4, matrices, self.interpolation, self.fill))


class RandomRotation(RandomAffine):
    """Rotate each image by a random angle, counter-clockwise for positive angles.

    Args:
        degrees: d for (-d, d), or (min, max).
        interpolation: NEAREST (default) or BILINEAR.
        expand: must be False (the output keeps the input's size).
        center: the centre of rotation (x, y) in pixels (default: the image centre).
        fill: the value of pixels that come from outside the image.

    Shape:
        (..., H, W) -> same.
    """

    def __init__(self, degrees, interpolation=InterpolationMode.NEAREST, expand=False, center=None, fill=0):
        if expand:
            raise NotImplementedError('RandomRotation(expand=True) is not supported: the output keeps the input size')
        super().__init__(degrees, interpolation=interpolation, fill=fill, center=center)

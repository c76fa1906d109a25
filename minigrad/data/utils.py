"""torchvision.utils' ``make_grid`` and ``save_image``: a batch of images tiled into one image,
and written to a PNG file, as generative-model examples (VAE, DCGAN) and many tutorials do.

    from minigrad.data.utils import make_grid, save_image     # torchvision.utils
    save_image(samples.view(64, 1, 28, 28), 'sample.png')     # an 8x8 grid, 2-pixel borders

PNG is written by a small encoder of our own (8-bit greyscale or RGB, zlib, no filter), so no
imaging library is needed; files go through a temp file and a rename (``minigrad.atomic``).
"""
import math
import os
import struct
import zlib

import numpy as np

from .. import backend
from ..atomic import write_atomically
from ..factory import as_tensor
from ..tensor import Tensor


def _as_array(tensor):
    """A Tensor, an array or a list of them -> a float NumPy array (its values, on the CPU)."""
    if isinstance(tensor, (list, tuple)):
        if not tensor:
            raise ValueError('make_grid: expected a Tensor or a non-empty list of Tensors, got an empty list')
        return np.stack([_as_array(t) for t in tensor])
    if isinstance(tensor, Tensor):
        tensor = tensor.detach().array
    array = backend.asnumpy(tensor)
    if array.dtype.kind not in 'fiub':
        raise TypeError(f'make_grid: expected a Tensor of numbers, got dtype {array.dtype}')
    return array.astype(np.float32, copy=False) if array.dtype != np.float64 else array


def make_grid(tensor, nrow=8, padding=2, normalize=False, value_range=None, scale_each=False,
              pad_value=0.0):
    """Tile a batch of images into one image, as ``torchvision.utils.make_grid``.

    Args:
        tensor: ``(B, C, H, W)`` images, one ``(C, H, W)`` or ``(H, W)`` image, or a list of
            ``(C, H, W)`` images. One channel is repeated to three, as torchvision does.
        nrow: images per row of the grid.
        padding: pixels of ``pad_value`` around and between the images.
        normalize: shift and scale the values to [0, 1], by ``value_range`` (clamped to it) or by
            the minimum and maximum of the images.
        value_range: ``(low, high)`` used by ``normalize``.
        scale_each: with ``normalize``, scale each image by its own minimum and maximum.
        pad_value: the value of the padding pixels.

    Returns:
        A float Tensor ``(C, H', W')`` with ``C`` 3 (or the input's if it is neither 1 nor 3);
        a single image comes back as it is (after ``normalize``).

    Shape:
        ``(B, C, H, W)`` -> ``(C, (H + padding) * rows + padding, (W + padding) * cols + padding)``
        with ``cols = min(nrow, B)``, ``rows = ceil(B / cols)``.
    """
    array = _as_array(tensor)
    if array.ndim == 2:
        array = array[None]
    if array.ndim == 3:
        if array.shape[0] == 1:
            array = np.concatenate([array] * 3, axis=0)
        array = array[None]
    if array.ndim != 4:
        raise ValueError(f'make_grid: expected images of shape (B, C, H, W), (C, H, W) or (H, W), '
                         f'got shape {tuple(array.shape)}')
    if array.shape[1] == 1:
        array = np.concatenate([array] * 3, axis=1)
    if normalize:
        array = array.astype(np.float32, copy=True)
        for part in (array if scale_each else [array]):
            low, high = value_range if value_range is not None else (part.min(), part.max())
            np.clip(part, low, high, out=part)
            part -= low
            part /= max(high - low, 1e-5)
    if array.shape[0] == 1:
        return as_tensor(array[0])
    nmaps, channels, h, w = array.shape
    xmaps = min(int(nrow), nmaps)
    ymaps = int(math.ceil(nmaps / xmaps))
    height, width = h + padding, w + padding
    grid = np.full((channels, height * ymaps + padding, width * xmaps + padding), pad_value,
                   dtype=array.dtype)
    for k in range(nmaps):
        y, x = divmod(k, xmaps)
        grid[:, y * height + padding:(y + 1) * height, x * width + padding:(x + 1) * width] = array[k]
    return as_tensor(grid)


def _png_bytes(pixels):
    """8-bit ``(H, W)`` greyscale or ``(H, W, 3)`` RGB pixels -> the bytes of a PNG file."""
    height, width = pixels.shape[:2]
    color_type = 0 if pixels.ndim == 2 else 2
    rows = pixels.reshape(height, -1)
    raw = np.concatenate([np.zeros((height, 1), np.uint8), rows], axis=1).tobytes()   # filter 0

    def chunk(kind, body):
        return (struct.pack('>I', len(body)) + kind + body
                + struct.pack('>I', zlib.crc32(kind + body) & 0xFFFFFFFF))

    header = struct.pack('>IIBBBBB', width, height, 8, color_type, 0, 0, 0)
    return (b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', header) + chunk(b'IDAT', zlib.compress(raw, 6))
            + chunk(b'IEND', b''))


def save_image(tensor, fp, format=None, **kwargs):
    """Write images to a PNG file, as ``torchvision.utils.save_image``: ``make_grid(tensor,
    **kwargs)``, values in [0, 1] scaled to 0-255 (rounded, clamped).

    Args:
        tensor: what ``make_grid`` takes (values in [0, 1], or use ``normalize=True``).
        fp: a path (str or os.PathLike) or a binary file object.
        format: ``None`` or ``'png'`` (the only format written).
        **kwargs: ``nrow``, ``padding``, ``normalize``, ``value_range``, ``scale_each``,
            ``pad_value`` for ``make_grid``.

    Raises:
        ValueError: for a format other than PNG, or a grid with neither 1 nor 3 channels.
    """
    if format is not None and str(format).lower() != 'png':
        raise ValueError(f'save_image writes PNG only, got format={format!r}')
    grid = make_grid(tensor, **kwargs).array
    if grid.ndim == 2:
        grid = grid[None]
    if grid.shape[0] not in (1, 3):
        raise ValueError(f'save_image: expected 1 or 3 channels, got an image of shape {tuple(grid.shape)}')
    pixels = np.clip(grid * 255 + 0.5, 0, 255).astype(np.uint8).transpose(1, 2, 0)
    data = _png_bytes(pixels[..., 0] if pixels.shape[2] == 1 else np.ascontiguousarray(pixels))
    if hasattr(fp, 'write'):
        fp.write(data)
    else:
        write_atomically(os.fspath(fp), lambda f: f.write(data))


def _unfilter(rows, bpp):
    """Undo PNG's per-row filters (None, Sub, Up, Average, Paeth) of ``rows`` (H, 1 + stride)."""
    height, width = rows.shape[0], rows.shape[1] - 1
    out = np.zeros((height, width), np.uint8)
    prev = np.zeros(width, np.int32)
    for y in range(height):
        kind, line = rows[y, 0], rows[y, 1:].astype(np.int32)
        if kind == 0:
            cur = line
        elif kind == 2:
            cur = (line + prev) & 0xFF
        elif kind in (1, 3, 4):
            cur = line.copy()
            for x in range(width):            # each byte depends on the one bpp to its left
                a = cur[x - bpp] if x >= bpp else 0
                if kind == 1:
                    pred = a
                elif kind == 3:
                    pred = (a + prev[x]) >> 1
                else:
                    b, c = prev[x], (prev[x - bpp] if x >= bpp else 0)
                    pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
                    pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                cur[x] = (cur[x] + pred) & 0xFF
        else:
            raise ValueError(f'bad PNG row filter {kind}')
        out[y] = cur
        prev = cur
    return out


def read_png(path):
    """Read an 8-bit, non-interlaced PNG file (greyscale, RGB, grey+alpha or RGBA; any row
    filter): ``(H, W)``, ``(H, W, 3)``, ``(H, W, 2)`` or ``(H, W, 4)`` uint8. What
    ``save_image`` writes, and what ``ImageFolder`` falls back to without Pillow; palette, 16-bit
    and interlaced files raise ValueError (install Pillow for those)."""
    with open(path, 'rb') as f:
        data = f.read()
    if data[:8] != b'\x89PNG\r\n\x1a\n':
        raise ValueError(f'{path}: not a PNG file')
    pos, idat, header = 8, b'', None
    while pos + 8 <= len(data):
        length, kind = struct.unpack('>I4s', data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b'IHDR':
            header = struct.unpack('>IIBBBBB', body)
        elif kind == b'IDAT':
            idat += body
        pos += 12 + length
    if header is None:
        raise ValueError(f'{path}: a PNG file without its IHDR header (truncated?)')
    width, height, depth, color_type, _, _, interlace = header
    channels = {0: 1, 2: 3, 4: 2, 6: 4}.get(color_type)
    if depth != 8 or channels is None or interlace:
        raise ValueError(f'{path}: read_png reads 8-bit, non-interlaced greyscale/RGB(A) PNG files '
                         f'(this one: bit depth {depth}, colour type {color_type}, interlace '
                         f'{interlace}); install Pillow to read it')
    rows = np.frombuffer(zlib.decompress(idat), np.uint8).reshape(height, 1 + width * channels)
    pixels = rows[:, 1:] if not rows[:, 0].any() else _unfilter(rows, channels)
    return pixels.reshape((height, width) if channels == 1 else (height, width, channels))

"""Spatial transformers, as ``torch.nn.functional``: ``affine_grid`` (the sampling grid of an
affine map) and ``grid_sample`` (read an image at grid positions); re-exported by
``minigrad.nn.functional``.

Both are composed from Tensor ops, so their gradients (to the image, the grid and through it to
``theta``) come from autograd: ``affine_grid`` is one matrix product of the pixel centres with
``theta``; ``grid_sample`` gathers the four neighbours of each position with integer indices
(no gradient) and mixes them with bilinear weights computed from the grid (a gradient).
"""
import numpy as np

from .. import argcheck, backend
from ..tensor import Tensor

__all__ = ['affine_grid', 'grid_sample']


def _centres(n, align_corners, xp, dtype):
    """The normalised [-1, 1] coordinates of ``n`` pixels (their centres, or their corners)."""
    if align_corners:
        c = np.linspace(-1.0, 1.0, n) if n > 1 else np.zeros(1)
    else:
        c = (np.arange(n) * 2.0 + 1.0) / n - 1.0
    return xp.asarray(c.astype(dtype))


def affine_grid(theta, size, align_corners=None):
    """The sampling grid of the affine maps ``theta``, as ``torch.nn.functional.affine_grid``:
    output pixel (h, w) reads input position ``theta @ (x_w, y_h, 1)`` (normalised coordinates,
    -1 the left/top edge and +1 the right/bottom one).

    Args:
        theta: ``(N, 2, 3)`` affine matrices.
        size: the output size ``(N, C, H, W)``.
        align_corners: -1 and 1 are the centres of the corner pixels (True) or their outer
            edges (False, the default).

    Shape:
        ``(N, H, W, 2)``, the last dim ``(x, y)``.
    """
    op = 'affine_grid'
    argcheck.float_tensor(op, theta, 'theta')
    if len(size) != 4:
        raise NotImplementedError(f'{op}: only 2-D sizes (N, C, H, W) are supported, got size '
                                  f'{tuple(size)}')
    N, _, H, W = (int(s) for s in size)
    if tuple(theta.shape) != (N, 2, 3):
        raise ValueError(f'{op}: expected a theta of shape (N, 2, 3) = ({N}, 2, 3) for size '
                         f'{tuple(size)}, got shape {tuple(theta.shape)}')
    xp = backend.xp_of_device(theta.device)
    dt = theta.dtype
    xs, ys = _centres(W, align_corners, xp, dt), _centres(H, align_corners, xp, dt)
    base = xp.stack([xp.broadcast_to(xs[None, :], (H, W)), xp.broadcast_to(ys[:, None], (H, W)),
                     xp.ones((H, W), dtype=dt)], axis=-1).reshape(1, H * W, 3)
    grid = Tensor._wrap(base) @ theta.transpose(1, 2)                   # (N, H*W, 2)
    return grid.reshape(N, H, W, 2)


def _unnormalise(coord, size, align_corners):
    """Normalised [-1, 1] grid coordinates -> pixel coordinates along an axis of ``size``."""
    if align_corners:
        return (coord + 1) * ((size - 1) / 2)
    return ((coord + 1) * size - 1) / 2


def grid_sample(input, grid, mode='bilinear', padding_mode='zeros', align_corners=None):
    """Read ``input`` at the positions of ``grid``, as ``torch.nn.functional.grid_sample``.

    Args:
        input: ``(N, C, H, W)``.
        grid: ``(N, H_out, W_out, 2)`` normalised ``(x, y)`` positions (see ``affine_grid``).
        mode: ``'bilinear'`` or ``'nearest'``.
        padding_mode: ``'zeros'`` (outside the image reads 0) or ``'border'`` (the nearest
            edge pixel).
        align_corners: as ``affine_grid``.

    Shape:
        ``(N, C, H_out, W_out)``.
    """
    op = 'grid_sample'
    argcheck.float_tensor(op, input)
    argcheck.like_input(op, input, grid=grid)
    if mode not in ('bilinear', 'nearest'):
        raise NotImplementedError(f"{op}: mode must be 'bilinear' or 'nearest', got {mode!r}")
    if padding_mode not in ('zeros', 'border'):
        raise NotImplementedError(f"{op}: padding_mode must be 'zeros' or 'border', got "
                                  f'{padding_mode!r}')
    if input.ndim != 4 or grid.ndim != 4 or grid.shape[-1] != 2 or grid.shape[0] != input.shape[0]:
        raise RuntimeError(f'{op}: expected input (N, C, H, W) and grid (N, H_out, W_out, 2) '
                           f'with the same N, got input of shape {tuple(input.shape)} and grid '
                           f'of shape {tuple(grid.shape)}')
    N, C, H, W = input.shape
    xp = backend.xp_of_device(input.device)
    x = _unnormalise(grid[..., 0], W, align_corners)                    # (N, Ho, Wo)
    y = _unnormalise(grid[..., 1], H, align_corners)
    if padding_mode == 'border':
        x, y = x.clip(0, W - 1), y.clip(0, H - 1)
    pixels = input.permute(0, 2, 3, 1)                                  # (N, H, W, C)
    n = xp.arange(N).reshape(N, 1, 1)

    def read(yi, xi):
        """Pixels at integer positions (N, Ho, Wo) -> (N, Ho, Wo, C), zero outside."""
        inside = (xi >= 0) & (xi < W) & (yi >= 0) & (yi < H)
        vals = pixels[n, xp.clip(yi, 0, H - 1), xp.clip(xi, 0, W - 1)]
        return vals * Tensor._wrap(inside[..., None].astype(input.dtype))

    if mode == 'nearest':
        out = read(xp.rint(y.array).astype(np.int64), xp.rint(x.array).astype(np.int64))
    else:
        x0 = xp.floor(x.array).astype(np.int64)
        y0 = xp.floor(y.array).astype(np.int64)
        wx1, wy1 = (x - Tensor._wrap(x0.astype(input.dtype))).unsqueeze(-1), \
            (y - Tensor._wrap(y0.astype(input.dtype))).unsqueeze(-1)
        wx0, wy0 = 1 - wx1, 1 - wy1
        out = (read(y0, x0) * (wy0 * wx0) + read(y0, x0 + 1) * (wy0 * wx1)
               + read(y0 + 1, x0) * (wy1 * wx0) + read(y0 + 1, x0 + 1) * (wy1 * wx1))
    return out.permute(0, 3, 1, 2)

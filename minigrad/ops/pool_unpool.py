"""Max unpooling: the partial inverse of max pooling, as ``torch.nn.functional.max_unpool2d``.

Each input value goes to the flat position (``h * W_out + w`` within its channel) that
``max_pool2d(..., return_indices=True)`` recorded; every other output element is zero. The
backward gathers the output gradient at those same positions.
"""
import math

from ..autograd import Function
from ..backend import get_array_module


class MaxUnpool2d(Function):
    """(N, C, H, W) values and int64 indices -> (N, C, *out_hw); 3-D inputs are unbatched."""

    def forward(self, x, indices=None, out_hw=None):
        xp = get_array_module(x)
        lead = x.shape[:-2]
        flat = indices.reshape(lead + (-1,))
        rows = math.prod(lead)
        out = xp.zeros((rows, out_hw[0] * out_hw[1]), dtype=x.dtype)
        # scatter each row's values to its indices (a plain fancy assignment: NumPy and CuPy)
        out[xp.arange(rows)[:, None], flat.reshape(rows, -1)] = x.reshape(rows, -1)
        self.flat, self.in_shape = flat, x.shape
        return out.reshape(lead + tuple(out_hw))

    # y[idx] = x, so dx = g[idx]
    def backward(self, g):
        xp = get_array_module(g)
        g = g.reshape(g.shape[:-2] + (-1,))
        return xp.take_along_axis(g, self.flat, axis=-1).reshape(self.in_shape),

"""Linear algebra: matrix product with NumPy's 1-D, 2-D and batched broadcasting rules."""
import numpy as np

from ..autograd import Function, unbroadcast
from ..backend import get_array_module


class MatMul(Function):
    def forward(self, a, b):
        self.save_for_backward(a, b)
        return get_array_module(a).matmul(a, b)

    # d(a @ b) = g @ b^T da + a^T @ g db   (1-D operands are promoted to matrices and back)
    def backward(self, g):
        a, b = self.saved
        xp = get_array_module(g)
        a2 = a[None, :] if a.ndim == 1 else a            # (k,) -> (1, k)
        b2 = b[:, None] if b.ndim == 1 else b            # (k,) -> (k, 1)
        out_shape = np.broadcast_shapes(a2.shape[:-2], b2.shape[:-2]) + (a2.shape[-2], b2.shape[-1])
        g2 = g.reshape(out_shape)
        ga = gb = None
        if self.needs_input_grad[0]:
            ga = unbroadcast(xp.matmul(g2, xp.swapaxes(b2, -1, -2)), a2.shape).reshape(a.shape)
        if self.needs_input_grad[1]:
            gb = unbroadcast(xp.matmul(xp.swapaxes(a2, -1, -2), g2), b2.shape).reshape(b.shape)
        return ga, gb

"""Linear algebra: matrix product with NumPy's 1-D, 2-D and batched broadcasting rules."""
import numpy as np

from ..autograd import Function, unbroadcast
from ..backend import get_array_module


class MatMul(Function):
    def forward(self, a, b):
        # keep only what backward reads (a for db, b for da) and the shapes
        self.shapes = a.shape, b.shape
        self.save_for_backward(a if self.needs_input_grad[1] else None,
                               b if self.needs_input_grad[0] else None)
        return get_array_module(a).matmul(a, b)

    # d(a @ b) = g @ b^T da + a^T @ g db   (1-D operands are promoted to matrices and back)
    def backward(self, g):
        a, b = self.saved
        sa, sb = self.shapes
        sa2 = (1,) + sa if len(sa) == 1 else sa           # (k,) -> (1, k)
        sb2 = sb + (1,) if len(sb) == 1 else sb           # (k,) -> (k, 1)
        xp = get_array_module(g)
        out_shape = np.broadcast_shapes(sa2[:-2], sb2[:-2]) + (sa2[-2], sb2[-1])
        g2 = g.reshape(out_shape)
        ga = gb = None
        if self.needs_input_grad[0]:
            ga = unbroadcast(xp.matmul(g2, xp.swapaxes(b.reshape(sb2), -1, -2)), sa2).reshape(sa)
        if self.needs_input_grad[1]:
            gb = unbroadcast(xp.matmul(xp.swapaxes(a.reshape(sa2), -1, -2), g2), sb2).reshape(sb)
        return ga, gb


class Linear(Function):
    """``x @ weight.T + bias`` for a 2-D ``x`` (N, in) and ``weight`` (out, in): one op, one
    GEMM forward and two backward (``np.dot`` on 2-D operands goes straight to sgemm, reading
    the transposes in place), instead of a transpose, a matmul and a broadcast add."""

    def forward(self, x, weight, bias=None):
        xp = get_array_module(x)
        out = xp.dot(x, weight.T)
        if bias is not None:
            out += bias                     # ``out`` is ours: add in place
        self.save_for_backward(x if self.needs_input_grad[1] else None,
                               weight if self.needs_input_grad[0] else None)
        return out

    # y = x W^T + b:  dx = g W,  dW = g^T x,  db = sum_n g
    def backward(self, g):
        x, weight = self.saved
        xp = get_array_module(g)
        needs = self.needs_input_grad
        gx = xp.dot(g, weight) if needs[0] else None
        gw = xp.dot(g.T, x) if needs[1] else None
        gb = g.sum(axis=0) if len(needs) > 2 and needs[2] else None
        return gx, gw, gb

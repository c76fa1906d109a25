"""Reductions: sum, mean, the 2-norm, amax/amin, max/min along a dim (via gather).
(softmax and log-softmax live with the activations, in activation.py.)"""
from ..autograd import Function
from ..backend import get_array_module, put_along_axis


def _expand_back(g, shape, axis, keepdim):
    """Reshape a reduced gradient so it broadcasts against the input of ``shape``."""
    if axis is None:
        return g.reshape((1,) * len(shape))
    if not keepdim:
        kshape = [1 if i in axis else s for i, s in enumerate(shape)]
        g = g.reshape(kshape)
    return g


class Sum(Function):
    def forward(self, x, axis=None, keepdim=False):
        self.shape, self.axis, self.keepdim = x.shape, axis, keepdim
        return x.sum(axis=axis, keepdims=keepdim)

    # d sum(x) = broadcast of the output gradient
    def backward(self, g):
        xp = get_array_module(g)
        return xp.broadcast_to(_expand_back(g, self.shape, self.axis, self.keepdim), self.shape)


class Mean(Function):
    def forward(self, x, axis=None, keepdim=False):
        self.shape, self.axis, self.keepdim = x.shape, axis, keepdim
        n = x.size if axis is None else _count(x.shape, axis)
        self.n = n
        return x.mean(axis=axis, keepdims=keepdim, dtype=x.dtype)

    # d mean(x) = broadcast of the output gradient / n
    def backward(self, g):
        xp = get_array_module(g)
        return xp.broadcast_to(_expand_back(g, self.shape, self.axis, self.keepdim) / self.n, self.shape)


def _count(shape, axis):
    n = 1
    for a in axis:
        n *= shape[a]
    return n


class AMax(Function):
    """Maximum over ``axis``. Ties share the gradient equally (as ``torch.amax``)."""
    minimum = False

    def forward(self, x, axis=None, keepdim=False):
        xp = get_array_module(x)
        self.axis, self.keepdim = axis, keepdim
        out = (xp.amin if self.minimum else xp.amax)(x, axis=axis, keepdims=keepdim)
        self.save_for_backward(x, out)
        return out

    # d max(x) = [x == max] dx / (number of ties)
    def backward(self, g):
        x, out = self.saved
        out = _expand_back(out, x.shape, self.axis, self.keepdim)
        g = _expand_back(g, x.shape, self.axis, self.keepdim)
        mask = (x == out)
        count = mask.sum(axis=self.axis, keepdims=True).astype(g.dtype)
        return mask * (g / count)


class AMin(AMax):
    """Minimum over ``axis``. Ties share the gradient equally (as ``torch.amin``)."""
    minimum = True


class Norm2(Function):
    """Euclidean (Frobenius) norm over ``axis`` (every axis when None)."""
    def forward(self, x, axis=None, keepdim=False):
        xp = get_array_module(x)
        self.axis, self.keepdim = axis, keepdim
        out = xp.sqrt((x * x).sum(axis=axis, keepdims=keepdim))
        self.save_for_backward(x, out)
        return out

    # d |x| = x / |x| dx   (0 where |x| == 0, as PyTorch)
    def backward(self, g):
        x, out = self.saved
        xp = get_array_module(g)
        out = _expand_back(out, x.shape, self.axis, self.keepdim)
        g = _expand_back(g, x.shape, self.axis, self.keepdim)
        zero = out == 0
        return xp.where(zero, 0, g / xp.where(zero, 1, out)) * x


class Gather(Function):
    """``take_along_axis(x, index, axis)``: picks one element per row (used by max/min with a dim)."""
    def forward(self, x, index, axis):
        xp = get_array_module(x)
        self.shape, self.index, self.axis = x.shape, index, axis
        return xp.take_along_axis(x, index, axis=axis)

    # d gather(x) = scatter of the output gradient back to the picked places
    def backward(self, g):
        xp = get_array_module(g)
        gx = xp.zeros(self.shape, dtype=g.dtype)
        put_along_axis(gx, self.index, g, self.axis)
        return gx

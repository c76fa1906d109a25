"""Elementwise ops: arithmetic, unary math, maximum, where, clip, casts (activations: activation.py)."""
from ..autograd import Function, unbroadcast
from ..backend import get_array_module


# ---------------------------------------------------------------- binary arithmetic

class Add(Function):
    def forward(self, a, b):
        self.shapes = a.shape, b.shape
        return a + b

    # d(a+b) = da + db
    def backward(self, g):
        sa, sb = self.shapes
        ga = unbroadcast(g, sa) if self.needs_input_grad[0] else None
        return ga, (unbroadcast(g, sb) if self.needs_input_grad[1] else None)


class Sub(Function):
    def forward(self, a, b):
        self.shapes = a.shape, b.shape
        return a - b

    # d(a-b) = da - db
    def backward(self, g):
        sa, sb = self.shapes
        ga = unbroadcast(g, sa) if self.needs_input_grad[0] else None
        return ga, (unbroadcast(-g, sb) if self.needs_input_grad[1] else None)


class Mul(Function):
    def forward(self, a, b):
        # keep only what backward reads, so changing the other operand in place is allowed
        self.shapes = a.shape, b.shape
        need_a, need_b = self.needs_input_grad
        self.save_for_backward(a if need_b else None, b if need_a else None)
        return a * b

    # d(ab) = b da + a db
    def backward(self, g):
        a, b = self.saved
        sa, sb = self.shapes
        ga = unbroadcast(g * b, sa) if self.needs_input_grad[0] else None
        gb = unbroadcast(g * a, sb) if self.needs_input_grad[1] else None
        return ga, gb


class Div(Function):
    def forward(self, a, b):
        self.save_for_backward(a if self.needs_input_grad[1] else None, b)
        self.shapes = a.shape, b.shape
        return a / b

    # d(a/b) = da / b - a db / b^2
    def backward(self, g):
        a, b = self.saved
        sa, sb = self.shapes
        ga = unbroadcast(g / b, sa) if self.needs_input_grad[0] else None
        gb = unbroadcast(-g * a / (b * b), sb) if self.needs_input_grad[1] else None
        return ga, gb


class Pow(Function):
    """``a ** b`` for two tensors (broadcasting)."""
    def forward(self, a, b):
        out = a ** b
        self.save_for_backward(a, b, out)
        return out

    # d(a^b) = b a^(b-1) da + a^b log(a) db   (the da term is 0 where b == 0, the db term is 0
    # where a == 0 and b >= 0, as in PyTorch)
    def backward(self, g):
        a, b, out = self.saved
        xp = get_array_module(a)
        ga = None
        if self.needs_input_grad[0]:
            ga = xp.where(b == 0, 0, g * b * a ** (b - 1)).astype(out.dtype, copy=False)
            ga = unbroadcast(ga, a.shape)
        gb = None
        if self.needs_input_grad[1]:
            safe = (a == 0) & (b >= 0)
            loga = xp.log(xp.where(safe, xp.ones_like(a), a))
            gb = unbroadcast(xp.where(safe, 0, g * out * loga).astype(out.dtype, copy=False), b.shape)
        return ga, gb


class PowScalar(Function):
    """``x ** p`` for a Python number p."""
    def forward(self, x, p):
        self.p = p
        self.save_for_backward(x)
        return x ** p

    # d(x^p) = p x^(p-1) dx   (0 for p == 0, also at x == 0, as in PyTorch)
    def backward(self, g):
        (x,) = self.saved
        p = self.p
        if p == 0:
            return get_array_module(g).zeros_like(g)
        if p == 2:
            return g * (2 * x)
        return g * (p * x ** (p - 1))


class RPowScalar(Function):
    """``c ** x`` for a Python number c."""
    def forward(self, x, c):
        xp = get_array_module(x)
        out = xp.power(xp.asarray(c, dtype=x.dtype), x)
        self.logc = float(xp.log(xp.asarray(c, dtype='float64'))) if c > 0 else float('nan')
        self.save_for_backward(out)
        return out

    # d(c^x) = c^x log(c) dx
    def backward(self, g):
        (out,) = self.saved
        return g * out * self.logc


# ---------------------------------------------------------------- unary math

class Neg(Function):
    def forward(self, x):
        return -x

    # d(-x) = -dx
    def backward(self, g):
        return -g


class Exp(Function):
    def forward(self, x):
        out = get_array_module(x).exp(x)
        self.save_for_backward(out)
        return out

    # d exp(x) = exp(x) dx
    def backward(self, g):
        return g * self.saved[0]


class Sin(Function):
    def forward(self, x):
        self.save_for_backward(x)
        return get_array_module(x).sin(x)

    # d sin(x) = cos(x) dx
    def backward(self, g):
        return g * get_array_module(g).cos(self.saved[0])


class Cos(Function):
    def forward(self, x):
        self.save_for_backward(x)
        return get_array_module(x).cos(x)

    # d cos(x) = -sin(x) dx
    def backward(self, g):
        return g * -get_array_module(g).sin(self.saved[0])


class Log(Function):
    def forward(self, x):
        self.save_for_backward(x)
        return get_array_module(x).log(x)

    # d log(x) = dx / x
    def backward(self, g):
        return g / self.saved[0]


class Sqrt(Function):
    def forward(self, x):
        out = get_array_module(x).sqrt(x)
        self.save_for_backward(out)
        return out

    # d sqrt(x) = dx / (2 sqrt(x))
    def backward(self, g):
        return g / (2 * self.saved[0])


class Abs(Function):
    def forward(self, x):
        self.save_for_backward(x)
        return get_array_module(x).abs(x)

    # d|x| = sign(x) dx   (0 at x == 0, as in PyTorch)
    def backward(self, g):
        return g * get_array_module(g).sign(self.saved[0])


# ---------------------------------------------------------------- selection

class Maximum(Function):
    def forward(self, a, b):
        self.save_for_backward(a, b)
        return get_array_module(a).maximum(a, b)

    # d max(a, b) = [a > b] da + [b > a] db, ties split the gradient in half (as PyTorch)
    def backward(self, g):
        a, b = self.saved
        wa = (a > b) + (a == b) * a.dtype.type(0.5)
        wa = wa.astype(g.dtype, copy=False)
        ga = unbroadcast(g * wa, a.shape) if self.needs_input_grad[0] else None
        gb = unbroadcast(g * (1 - wa), b.shape) if self.needs_input_grad[1] else None
        return ga, gb


class Where(Function):
    def forward(self, a, b, condition):
        self.cond = condition
        self.shapes = a.shape, b.shape
        return get_array_module(a).where(condition, a, b)

    # d where(c, a, b) = c da + (1 - c) db
    def backward(self, g):
        c = self.cond
        sa, sb = self.shapes
        ga = unbroadcast(g * c, sa) if self.needs_input_grad[0] else None
        gb = unbroadcast(g * ~c, sb) if self.needs_input_grad[1] else None
        return ga, gb


class Clip(Function):
    def forward(self, x, min=None, max=None):
        xp = get_array_module(x)
        self.save_for_backward(x)
        self.lo, self.hi = min, max
        return xp.clip(x, min, max).astype(x.dtype, copy=False)

    # d clip(x) = [lo <= x <= hi] dx
    def backward(self, g):
        x = self.saved[0]
        mask = True
        if self.lo is not None:
            mask = x >= self.lo
        if self.hi is not None:
            mask = mask & (x <= self.hi)
        return g * mask


class Cast(Function):
    """Change dtype; the gradient goes back in the input's dtype."""
    def forward(self, x, dtype):
        self.in_dtype = x.dtype
        return x.astype(dtype)

    # d cast(x) = dx, cast back
    def backward(self, g):
        return g.astype(self.in_dtype)


class ToDevice(Function):
    """Move to another device; the gradient moves back."""
    def forward(self, x, device):
        from .. import backend
        self.src = backend.device_of(x)
        return backend.to_device(x, device)

    # d move(x) = dx, moved back
    def backward(self, g):
        from .. import backend
        return backend.to_device(g, self.src)

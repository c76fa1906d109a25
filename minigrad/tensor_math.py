"""Tensor's arithmetic, comparisons, unary math and reductions (a mixin of ``Tensor``).

``Tensor`` (in tensor.py) inherits these methods; they are kept here so that each file holds one
concern. Every method calls a differentiable op from ``minigrad.ops`` on ``self`` and other
tensors, and builds new tensors with ``self._wrap`` (so this module never imports tensor.py).
"""
import builtins
import collections
import numbers

import numpy as np

from . import argcheck, backend
from . import dimargs as A
from .dtypes import coerce, get_default_dtype, is_float
from .ops import activation as Act
from .ops import elementwise as E
from .ops import linalg as L
from .ops import reduce as R

max_return = collections.namedtuple('max', ['values', 'indices'])
min_return = collections.namedtuple('min', ['values', 'indices'])


def is_tensor(x):
    return isinstance(x, TensorMath)


class TensorMath:
    """Arithmetic (``+ - * / ** @`` and the named methods), comparisons, math and reductions."""
    __slots__ = ()
    _is_tensor = True      # duck-typing marker: the autograd engine recognises tensors by it

    def _scalar(self, c):
        """A constant tensor for a Python number; returns (self possibly cast, constant)."""
        a = self
        if isinstance(c, (bool, np.bool_)):
            dt = a.dtype
        elif isinstance(c, numbers.Integral):
            dt = a.dtype if a.dtype != np.bool_ else np.dtype(np.int64)
        elif isinstance(c, numbers.Real):
            if not is_float(a.dtype):
                a = a.to(get_default_dtype())
            dt = a.dtype
        else:
            raise TypeError(f'unsupported operand: tensor and {type(c).__name__}')
        if a.dtype != dt:
            a = a.to(dt)
        return a, self._wrap(dt.type(c))

    def _binary(self, other, fn, reverse=False):
        if is_tensor(other):
            a, b = coerce(self, other)
        elif isinstance(other, (numbers.Number, np.generic)):
            a, b = self._scalar(other)
        elif backend.is_array(other):
            raise TypeError(f'cannot combine a Tensor with a raw {type(other).__module__} array; '
                            'wrap it first: mg.tensor(array)')
        else:
            return NotImplemented
        try:
            return fn.apply(b, a) if reverse else fn.apply(a, b)
        except ValueError:
            argcheck.broadcastable(a.shape, b.shape)      # PyTorch's message when that was it
            raise

    def __add__(self, o):
        return self._binary(o, E.Add)

    def __radd__(self, o):
        return self._binary(o, E.Add, True)

    def __sub__(self, o):
        return self._binary(o, E.Sub)

    def __rsub__(self, o):
        return self._binary(o, E.Sub, True)

    def __mul__(self, o):
        return self._binary(o, E.Mul)

    def __rmul__(self, o):
        return self._binary(o, E.Mul, True)

    def __truediv__(self, o):
        return self._floated()._binary(o, E.Div)

    def __rtruediv__(self, o):
        return self._floated()._binary(o, E.Div, True)

    def __pow__(self, o):
        if is_tensor(o):
            a, b = coerce(self, o)
            return E.Pow.apply(a, b)
        if isinstance(o, numbers.Real):
            if isinstance(o, np.generic):
                o = o.item()        # a NumPy scalar exponent would promote float32 to float64
            x = self._floated() if isinstance(o, float) else self
            return E.PowScalar.apply(x, p=o)
        return NotImplemented

    def __rpow__(self, o):
        if isinstance(o, numbers.Integral) and not is_float(self.dtype):
            # int ** int tensor stays an int tensor, as in PyTorch
            return E.RPowScalar.apply(self if self.dtype != np.bool_ else self.to(np.int64), c=o)
        if isinstance(o, numbers.Real):
            return E.RPowScalar.apply(self._floated(), c=o)
        return NotImplemented

    def __matmul__(self, o):
        if not is_tensor(o):
            return NotImplemented
        return self.matmul(o)

    def __rmatmul__(self, o):
        return NotImplemented

    def __neg__(self):
        return E.Neg.apply(self)

    def __pos__(self):
        return self

    # the named forms, as PyTorch's methods (and through functions.py, mg.add(...) etc.)
    def add(self, other, *, alpha=1):
        """``self + alpha * other``."""
        return self + (other if alpha == 1 else other * alpha)

    def sub(self, other, *, alpha=1):
        """``self - alpha * other``."""
        return self - (other if alpha == 1 else other * alpha)

    def mul(self, other):
        return self * other

    def addcmul(self, tensor1, tensor2, *, value=1):
        """``self + value * tensor1 * tensor2`` (as ``torch.addcmul``)."""
        return self + (tensor1 * tensor2 if value == 1 else value * tensor1 * tensor2)

    def addcdiv(self, tensor1, tensor2, *, value=1):
        """``self + value * tensor1 / tensor2`` (as ``torch.addcdiv``)."""
        return self + (tensor1 / tensor2 if value == 1 else value * tensor1 / tensor2)

    def div(self, other, *, rounding_mode=None):
        """``self / other`` (true division; ``rounding_mode`` other than None is not supported)."""
        if rounding_mode is not None:
            return self._div_rounding(other, rounding_mode)       # tensor_pointwise.py
        return self / other

    def pow(self, exponent):
        return self ** exponent

    def neg(self):
        return -self

    multiply, subtract, divide, true_divide, negative = mul, sub, div, div, neg

    def _floated(self):
        return self if is_float(self.dtype) else self.to(get_default_dtype())

    # comparisons: no gradient
    def _compare(self, o, op):
        od = o.array if is_tensor(o) else o
        if backend.is_array(od) and is_tensor(o):
            argcheck.one_device('comparison', (self.array, od))
        try:
            return self._wrap(op(self.array, od))
        except ValueError:
            argcheck.broadcastable(self.shape, getattr(od, 'shape', ()))
            raise

    def __eq__(self, o):
        if o is None:                    # `if x == None:` is False in PyTorch, not a bool tensor
            return False
        return self._compare(o, lambda a, b: a == b)

    def __ne__(self, o):
        if o is None:
            return True
        return self._compare(o, lambda a, b: a != b)

    def __lt__(self, o):
        return self._compare(o, lambda a, b: a < b)

    def __le__(self, o):
        return self._compare(o, lambda a, b: a <= b)

    def __gt__(self, o):
        return self._compare(o, lambda a, b: a > b)

    def __ge__(self, o):
        return self._compare(o, lambda a, b: a >= b)

    def __invert__(self):
        return self._wrap(~self.array)

    def __and__(self, o):
        return self._compare(o, lambda a, b: a & b)

    def __or__(self, o):
        return self._compare(o, lambda a, b: a | b)

    __hash__ = object.__hash__

    def eq(self, o):
        return self == o

    def ne(self, o):
        return self != o

    def lt(self, o):
        return self < o

    def le(self, o):
        return self <= o

    def gt(self, o):
        return self > o

    def ge(self, o):
        return self >= o

    def any(self):
        return self._wrap(self.array.any())

    def all(self):
        return self._wrap(self.array.all())

    # ------------------------------------------------------------ unary math
    def exp(self):
        return E.Exp.apply(self._floated())

    def sin(self):
        return E.Sin.apply(self._floated())

    def cos(self):
        return E.Cos.apply(self._floated())

    def log(self):
        return E.Log.apply(self._floated())

    def sqrt(self):
        return E.Sqrt.apply(self._floated())

    def abs(self):
        return E.Abs.apply(self)

    def tanh(self):
        return Act.Tanh.apply(self._floated())

    def sigmoid(self):
        return Act.Sigmoid.apply(self._floated())

    def relu(self):
        return Act.ReLU.apply(self)

    def clip(self, min=None, max=None):
        """Clamp to [min, max]; the gradient passes where min <= x <= max."""
        if min is None and max is None:
            raise ValueError('clip needs at least one of min and max')
        x = self
        if any(v is not None and not isinstance(v, numbers.Integral) for v in (min, max)):
            x = self._floated()          # an int tensor clipped to a float bound is float32
        return E.Clip.apply(x, min=min, max=max)

    clamp = clip

    # ------------------------------------------------------------ reductions
    def sum(self, dim=None, keepdim=False, dtype=None, *, axis=None, keepdims=None):
        dim, keepdim = A.dim_kw(dim, axis, keepdim, keepdims)
        x = self if dtype is None else self.to(dtype)
        if x.dtype == np.bool_:
            x = x.to(np.int64)
        return R.Sum.apply(x, axis=A.reduce_dims(dim, x.ndim), keepdim=keepdim)

    def mean(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        dim, keepdim = A.dim_kw(dim, axis, keepdim, keepdims)
        return R.Mean.apply(self._floated(), axis=A.reduce_dims(dim, self.ndim), keepdim=keepdim)

    def _check_not_empty(self, name, dim):
        """PyTorch's errors for max/min/argmax... of nothing (NumPy's would be a ValueError)."""
        if self.array.size == 0 and (dim is None or builtins.any(
                self.shape[d] == 0 for d in (A.dims(dim, self.ndim) or ()))):
            if dim is not None:
                raise IndexError(f'{name}(): Expected reduction dim {dim} to have non-zero size.')
            if name.startswith('arg'):
                raise IndexError(f'{name}(): Expected reduction dim to be specified for input.numel() == 0.')
            raise RuntimeError(f'{name}(): Expected reduction dim to be specified for input.numel() == 0. '
                               "Specify the reduction dim with the 'dim' argument.")

    def amax(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """Maximum over ``dim`` (int or tuple). Ties share the gradient equally."""
        dim, keepdim = A.dim_kw(dim, axis, keepdim, keepdims)
        self._check_not_empty('amax', dim)
        return R.AMax.apply(self, axis=A.reduce_dims(dim, self.ndim), keepdim=keepdim)

    def amin(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """Minimum over ``dim`` (int or tuple). Ties share the gradient equally."""
        dim, keepdim = A.dim_kw(dim, axis, keepdim, keepdims)
        self._check_not_empty('amin', dim)
        return R.AMin.apply(self, axis=A.reduce_dims(dim, self.ndim), keepdim=keepdim)

    def _max_min(self, dim, keepdim, axis, keepdims, minimum):
        dim, keepdim = A.dim_kw(dim, axis, keepdim, keepdims)
        self._check_not_empty('min' if minimum else 'max', dim)
        if dim is None:
            return self.amin() if minimum else self.amax()
        if not isinstance(dim, numbers.Integral):
            raise TypeError(f'max/min take one int dim (use amax/amin for several), got {dim!r}')
        d = A.dims(dim, self.ndim)[0] if self.ndim else 0
        xp = backend.get_array_module(self.array)
        data = self.array if self.ndim else self.array.reshape(1)
        idx = (xp.argmin if minimum else xp.argmax)(data, axis=d, keepdims=True)
        x = self if self.ndim else self.reshape(1)
        values = R.Gather.apply(x, index=idx, axis=d)
        indices = self._wrap(idx.astype(np.int64, copy=False))
        if not keepdim or not self.ndim:
            values, indices = values.squeeze(d), indices.squeeze(d)
        return (min_return if minimum else max_return)(values, indices)

    def max(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """With no dim, the largest element (ties share the gradient, like ``amax``). With a dim,
        a ``(values, indices)`` pair and the gradient goes to the index returned, as in PyTorch."""
        return self._max_min(dim, keepdim, axis, keepdims, minimum=False)

    def min(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """As ``max``, for the smallest."""
        return self._max_min(dim, keepdim, axis, keepdims, minimum=True)

    def _arg(self, dim, keepdim, axis, keepdims, minimum):
        dim, keepdim = A.dim_kw(dim, axis, keepdim, keepdims)
        self._check_not_empty('argmin' if minimum else 'argmax', dim)
        xp = backend.get_array_module(self.array)
        find = xp.argmin if minimum else xp.argmax
        if dim is None:
            out = find(self.array)
            if keepdim:
                out = out.reshape((1,) * self.ndim)
        elif self.ndim == 0:
            A.dims(dim, 0)                      # checks dim
            out = xp.zeros((), dtype=np.int64)
        else:
            out = find(self.array, axis=A.dims(dim, self.ndim)[0], keepdims=keepdim)
        return self._wrap(xp.asarray(out, dtype=np.int64))

    def argmax(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """Index of the largest element (of the flattened tensor when dim is None). No gradient."""
        return self._arg(dim, keepdim, axis, keepdims, minimum=False)

    def argmin(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """Index of the smallest element (of the flattened tensor when dim is None). No gradient."""
        return self._arg(dim, keepdim, axis, keepdims, minimum=True)

    def var(self, dim=None, unbiased=None, keepdim=False, *, correction=None, axis=None, keepdims=None):
        """Variance over ``dim`` with PyTorch's default ``correction=1`` (unbiased)."""
        dim, keepdim = A.dim_kw(dim, axis, keepdim, keepdims)
        if correction is None:
            correction = 0 if unbiased is False else 1
        x = self._floated()
        dims = A.reduce_dims(dim, x.ndim)
        n = x.numel() if dims is None else int(np.prod([x.shape[d] for d in dims]))
        d = x - x.mean(dims, keepdim=True)
        return (d * d).sum(dims, keepdim=keepdim) / max(n - correction, 0)

    def std(self, dim=None, unbiased=None, keepdim=False, *, correction=None):
        return self.var(dim, unbiased, keepdim, correction=correction).sqrt()

    def norm(self, p='fro', dim=None, keepdim=False, dtype=None):
        """The vector p-norm over ``dim`` (all elements when None), as ``torch.norm``: p = 2 or
        'fro' (the default; gradient 0 at 0, as PyTorch), 1, inf, -inf, 0 (the count of
        non-zeros) or any other number."""
        x = (self if dtype is None else self.to(dtype))._floated()
        dims = A.reduce_dims(dim, x.ndim)
        if p in (2, 'fro', None):
            return R.Norm2.apply(x, axis=dims, keepdim=bool(keepdim))
        if isinstance(p, str) or not isinstance(p, numbers.Real):
            raise ValueError(f"norm: p must be a number or 'fro', got {p!r}")
        if p == 1:
            return x.abs().sum(dims, keepdim=keepdim)
        if p in (float('inf'), float('-inf')):
            return x.abs().amax(dims, keepdim) if p > 0 else x.abs().amin(dims, keepdim)
        if p == 0:
            return (x != 0).to(x.dtype).sum(dims, keepdim=keepdim)
        return (x.abs() ** p).sum(dims, keepdim=keepdim) ** (1.0 / p)

    def softmax(self, dim=-1):
        return Act.Softmax.apply(self._floated(), axis=A.dims(dim, self.ndim)[0])

    def log_softmax(self, dim=-1):
        return Act.LogSoftmax.apply(self._floated(), axis=A.dims(dim, self.ndim)[0])

    def mm(self, mat2):
        """The product of two matrices (2-D only, no broadcasting), as ``torch.mm``."""
        if self.ndim != 2 or mat2.ndim != 2:
            raise RuntimeError(f'mm: both arguments must be 2-D matrices, got shapes '
                               f'{list(self.shape)} and {list(mat2.shape)}')
        return self.matmul(mat2)

    def matmul(self, other):
        """Matrix product with NumPy's rules: 1-D, 2-D and batched with broadcasting.

        Shape: (..., n, k) @ (..., k, m) -> (..., n, m); a 1-D operand is a vector.
        """
        a, b = self, other
        if a.ndim == 0 or b.ndim == 0:
            raise RuntimeError('matmul: both arguments need at least 1 dimension, got shapes '
                               f'{list(a.shape)} and {list(b.shape)}')
        ka = a.shape[-1]
        kb = b.shape[-2] if b.ndim > 1 else b.shape[0]
        if ka != kb:
            raise RuntimeError(f'matmul: shapes {list(a.shape)} and {list(b.shape)} cannot be '
                               f'multiplied ({ka} != {kb})')
        if a.ndim > 2 or b.ndim > 2:
            try:
                np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
            except ValueError:
                raise RuntimeError(f'matmul: the batch dims of shapes {list(a.shape)} and '
                                   f'{list(b.shape)} do not broadcast ({list(a.shape[:-2])} vs '
                                   f'{list(b.shape[:-2])})') from None
        a, b = coerce(a, b)
        return L.MatMul.apply(a, b)

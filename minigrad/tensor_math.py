"""Tensor's arithmetic, comparisons and unary math (a mixin of ``Tensor``).

``Tensor`` (in tensor.py) inherits these methods; they are kept here so that each file holds one
concern. Every method calls a differentiable op from ``minigrad.ops`` on ``self`` and other
tensors, and builds new tensors with ``self._wrap`` (so this module never imports tensor.py).
Reductions are in ``tensor_reduce.py``.
"""
import numbers

import numpy as np

from . import argcheck, backend
from . import dimargs as A
from .dtypes import coerce, get_default_dtype, is_float
from .ops import activation as Act
from .ops import elementwise as E
from .ops import linalg as L



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

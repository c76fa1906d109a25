"""Free functions on tensors, named as PyTorch's: ``mg.matmul``, ``mg.cat``, ``mg.stack``,
``mg.where``, ``mg.maximum``, ``mg.minimum``, ``mg.pad``, ``mg.max``/``mg.min``; and, generated
from one table (``METHODS``), the Tensor methods as functions: ``mg.sum(x, 1)`` is
``x.sum(1)``, ``mg.flatten(x, 1)`` is ``x.flatten(1)``, and so on.

This module defines ``max``, ``min``, ``sum``, ``any``... as PyTorch does, so its own code calls
the Python builtins as ``builtins.max`` etc.
"""
import builtins

import numpy as np

from . import argcheck, autograd, backend
from . import dimargs as A
from .dtypes import category, coerce, get_default_dtype, promote, result_dtype
from .ops import elementwise as E
from .ops import shape as S
from .tensor import Tensor
from .tensor_index import FUNCTIONS as INDEX_FUNCTIONS
from .tensor_pointwise import FUNCTIONS as POINTWISE_FUNCTIONS


def matmul(input, other, *, out=None):
    """Matrix product with NumPy's rules: 1-D, 2-D and batched with broadcasting.

    Shape: (..., n, k) @ (..., k, m) -> (..., n, m); a 1-D operand is a vector.
    """
    return _into(out, input.matmul(other))


def _into(out, result):
    """PyTorch's ``out=``: write ``result`` into the tensor ``out`` (resized when its shape
    differs) and return ``out``; no gradient flows through it, as in PyTorch."""
    if out is None:
        return result
    if not isinstance(out, Tensor):
        raise TypeError(f'out must be a Tensor, got {type(out).__name__}')
    if result.requires_grad and autograd.is_grad_enabled():
        raise RuntimeError("functions with out=... arguments don't support automatic "
                           'differentiation, but one of the arguments requires grad')
    if out.shape != result.shape:
        out.array = backend.to_device(result.array, out.device).astype(out.dtype)
        out._bump_version()
    else:
        out.copy_(result)
    return out


def _tensor_list(tensors, name):
    """The tensors of a cat/stack argument, each checked to be a Tensor (PyTorch's TypeError)."""
    if isinstance(tensors, Tensor):
        raise TypeError(f'{name}(): argument \'tensors\' must be a tuple or list of Tensors, not Tensor')
    tensors = list(tensors)
    if not tensors:
        raise ValueError(f'{name}() needs a non-empty list of tensors')
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f'expected Tensor as element {i} in argument 0, but got {type(t).__name__}')
    return tensors


def cat(tensors, dim=0):
    """Concatenate along an existing dim; all other dims must match."""
    tensors = _tensor_list(tensors, 'cat')
    ref = tensors[0]
    d = A.one_dim(dim, ref.ndim)
    for t in tensors[1:]:
        if t.ndim != ref.ndim or builtins.any(s != r for i, (s, r) in enumerate(zip(t.shape, ref.shape)) if i != d):
            raise RuntimeError(f'cat: sizes of tensors must match except in dim {dim}: got '
                               f'{list(ref.shape)} and {list(t.shape)}')
    dt = result_dtype(*tensors)
    tensors = [t if t.dtype == dt else t.to(dt) for t in tensors]
    return S.Cat.apply(*tensors, axis=d)


def stack(tensors, dim=0):
    """Join tensors of equal shape along a new dim."""
    tensors = _tensor_list(tensors, 'stack')
    for t in tensors[1:]:
        if t.shape != tensors[0].shape:
            raise RuntimeError(f'stack expects each tensor to be equal size, but got '
                               f'{list(tensors[0].shape)} and {list(t.shape)}')
    d = A.one_dim(dim, tensors[0].ndim + 1)
    return cat([t.unsqueeze(d) for t in tensors], dim=d)


def where(condition, input=None, other=None):
    """``input`` where ``condition`` is true, else ``other`` (either may be a Python number).
    ``where(condition)`` alone is ``condition.nonzero(as_tuple=True)``, as in PyTorch."""
    if input is None and other is None:
        return condition.nonzero(as_tuple=True)
    if input is None or other is None:
        raise TypeError('where() takes a condition alone, or a condition, input and other')
    cond = condition.array if isinstance(condition, Tensor) else condition
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        raise TypeError('where() needs at least one tensor among input and other')
    ref = input if isinstance(input, Tensor) else other
    if not isinstance(input, Tensor):
        ref, input = ref._scalar(input)
    if not isinstance(other, Tensor):
        ref, other = ref._scalar(other)
    input, other = coerce(input, other)
    if backend.is_array(cond):
        argcheck.same_device('where', ref, condition=cond)
    return E.Where.apply(input, other, condition=cond.astype(np.bool_, copy=False))


def maximum(input, other):
    """Elementwise maximum; at ties the gradient is split in half, as in PyTorch."""
    a, b = coerce(input, other)
    return E.Maximum.apply(a, b)


def minimum(input, other):
    return -maximum(-input, -other)


def pad(input, pad, mode='constant', value=0.0):
    """Pad with PyTorch's flat ``pad`` tuple, last dim first: ``(left, right, top, bottom, ...)``.

    Args:
        mode: ``'constant'`` (negative widths crop), ``'reflect'``, ``'replicate'`` or ``'circular'``.
    """
    pad = tuple(int(p) for p in pad)
    if len(pad) % 2 or len(pad) // 2 > input.ndim:
        raise ValueError(f'pad must have an even length of at most 2 * ndim ({2 * input.ndim}), '
                         f'got {pad}')
    widths = [(0, 0)] * input.ndim
    for i in range(len(pad) // 2):
        widths[input.ndim - 1 - i] = (pad[2 * i], pad[2 * i + 1])
    if mode == 'constant':
        x = input
        if builtins.any(b < 0 or a < 0 for b, a in widths):   # negative widths crop
            crop = tuple(slice(builtins.max(-b, 0), n - builtins.max(-a, 0)) for (b, a), n in zip(widths, x.shape))
            x = x[crop]
            widths = [(builtins.max(b, 0), builtins.max(a, 0)) for b, a in widths]
        if builtins.all(b == 0 and a == 0 for b, a in widths):
            return x
        return S.ConstantPad.apply(x, widths=tuple(widths), value=value)
    if mode not in ('reflect', 'replicate', 'circular'):
        raise ValueError(f"unknown padding mode {mode!r}: expected 'constant', 'reflect', "
                         "'replicate' or 'circular'")
    x = input
    for d, (b, a) in enumerate(widths):
        if b == 0 and a == 0:
            continue
        n = x.shape[d]
        pos = np.arange(-b, n + a)
        if mode == 'reflect':
            if b >= n or a >= n:
                raise ValueError(f'reflect padding ({b}, {a}) must be smaller than the size {n} of dim {d}')
            idx = np.abs(pos)
            idx = np.where(idx > n - 1, 2 * (n - 1) - idx, idx)
        elif mode == 'replicate':
            idx = np.clip(pos, 0, n - 1)
        else:
            if b > n or a > n:
                raise ValueError(f'circular padding ({b}, {a}) must be at most the size {n} of dim {d}')
            idx = pos % n
        x = S.IndexSelect.apply(x, index=backend.to_device(idx, x.device), axis=d)
    return x




def promote_types(type1, type2):
    """The dtype both promote to, by PyTorch's rule (bool < ints < floats; the wider within)."""
    return promote([np.dtype(type1), np.dtype(type2)]).type


def result_type(tensor1, tensor2):
    """The dtype of an arithmetic op on ``tensor1`` and ``tensor2`` (tensors or Python numbers)."""
    def as_operand(x):
        if isinstance(x, Tensor):
            return x
        if isinstance(x, bool):
            return Tensor._wrap(np.asarray(x))
        if isinstance(x, (int, np.integer)):
            return Tensor._wrap(np.asarray(x, dtype=np.int64))
        return Tensor._wrap(np.asarray(x, dtype=get_default_dtype()))
    return result_dtype(as_operand(tensor1), as_operand(tensor2)).type


def can_cast(from_, to):
    """Whether PyTorch's type promotion allows casting ``from_`` to ``to``: never to a lower
    category (float -> int, int -> bool); any width within one."""
    return category(np.dtype(from_)) <= category(np.dtype(to))


def rsub(input, other, *, alpha=1):
    """``other - alpha * input`` (``torch.rsub``; a function only, as in PyTorch)."""
    return other - (input if alpha == 1 else input * alpha)


def max(input, dim=None, keepdim=False, *, other=None):
    """``max(input)``: the largest element; ``max(input, dim, keepdim=False)``: a ``(values,
    indices)`` pair; ``max(input, other_tensor)``: the elementwise ``maximum`` (as PyTorch)."""
    if isinstance(dim, Tensor) or other is not None:
        return maximum(input, dim if other is None else other)
    return input.max(dim, keepdim)


def min(input, dim=None, keepdim=False, *, other=None):
    """As ``max``, for the smallest (``min(input, other_tensor)`` is ``minimum``)."""
    if isinstance(dim, Tensor) or other is not None:
        return minimum(input, dim if other is None else other)
    return input.min(dim, keepdim)


# Tensor methods that PyTorch also offers as functions, ``torch.NAME(input, ...)``
METHODS = ('abs', 'add', 'addcdiv', 'addcmul', 'all', 'amax', 'amin', 'any', 'argmax', 'argmin', 'clamp', 'clip',
           'clone', 'cos', 'detach', 'div', 'divide', 'eq', 'exp', 'flatten', 'ge', 'gt', 'le',
           'log', 'log_softmax', 'lt', 'mean', 'mm', 'mul', 'multiply', 'ne', 'neg', 'negative',
           'norm', 'numel', 'permute', 'pow', 'relu', 'reshape', 'scatter', 'sigmoid', 'sin',
           'softmax', 'sqrt', 'squeeze', 'std', 'sub', 'subtract', 'sum', 't', 'tanh',
           'transpose', 'true_divide', 'unsqueeze', 'var')


def _method_as_function(name):
    method = getattr(Tensor, name)

    def function(input, *args, out=None, **kwargs):
        return _into(out, getattr(input, name)(*args, **kwargs))
    function.__name__ = function.__qualname__ = name
    function.__doc__ = (f'``mg.{name}(input, ..., out=None)`` is ``input.{name}(...)`` (written '
                        'into ``out`` when given).\n\n'
                        + (method.__doc__ or ''))
    return function


for _name in METHODS + INDEX_FUNCTIONS + POINTWISE_FUNCTIONS:
    globals()[_name] = _method_as_function(_name)

__all__ = ['can_cast', 'cat', 'matmul', 'max', 'maximum', 'min', 'minimum', 'pad', 'promote_types',
           'result_type', 'rsub', 'stack', 'where', *METHODS,
           *INDEX_FUNCTIONS, *POINTWISE_FUNCTIONS]

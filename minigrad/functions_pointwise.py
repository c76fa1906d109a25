"""Free functions of the math family that are not just Tensor methods (those are in
tensor_pointwise.py): ``einsum``, ``logspace`` and the random draws ``normal`` and
``randint_like``, as PyTorch's (``bernoulli``/``multinomial`` are methods too: tensor_pointwise_random.py). Every draw comes from ``generator`` (an ``mg.Generator``) or else
the library's generator, so ``mg.manual_seed`` makes a run repeat bit for bit.
"""
import numbers

import numpy as np

from . import backend
from .dtypes import as_dtype, coerce, get_default_dtype, result_dtype
from .factory import linspace, randint, randn
from .functions import _into
from .ops import linalg_more as LM
from .ops import pointwise as P
from .tensor import Tensor

__all__ = ['chain_matmul', 'cumulative_trapezoid', 'einsum', 'logspace', 'normal', 'randint_like',
           'trapezoid', 'trapz']


def einsum(equation, *operands):
    """Einstein summation, as ``torch.einsum``: ``einsum('bij,bjk->bik', a, b)``; the operands may
    also come as one list. Supports ``...`` and the implicit output (no ``->``: the letters that
    appear once, in alphabetical order). Differentiable in every operand.

    Args:
        equation: subscripts such as ``'bij,bjk->bik'`` (letters a-z, A-Z; ``...`` for the
            leading dims; a letter repeated in one operand takes its diagonal).
        operands: the tensors, one per comma-separated term (mixed dtypes are promoted).

    Example::

        mg.einsum('ij,ij->i', a, b)       # row-wise dot products
        mg.einsum('ii', m)                # trace
    """
    if not isinstance(equation, str) and isinstance(equation, Tensor):
        equation, operands = _sublist_equation((equation,) + operands)
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    for i, t in enumerate(operands):
        if not isinstance(t, Tensor):
            raise TypeError(f'einsum(): operand {i} must be a Tensor, got {type(t).__name__}')
    if not operands:
        raise RuntimeError('einsum(): must provide at least one operand')
    inputs, output = LM.parse_equation(equation, [t.shape for t in operands])
    dt = result_dtype(*operands)
    operands = [t if t.dtype == dt else t.to(dt) for t in operands]
    return LM.Einsum.apply(*operands, inputs=tuple(inputs), output=output)


def _sublist_equation(args):
    """torch.einsum's sublist form ``einsum(a, [0, 1], b, [1, 2], [0, 2])`` (ints 0-51 name
    dims, ``...`` is Ellipsis) as an equation string and the operands."""
    letters = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'

    def subs(sub):
        try:
            return ''.join('...' if d is Ellipsis else letters[d] for d in sub)
        except (TypeError, IndexError):
            raise ValueError(f'einsum(): sublist entries must be ints in [0, 52) or Ellipsis, got {sub!r}') from None
    operands, terms, i = [], [], 0
    while i + 1 < len(args) and isinstance(args[i], Tensor):
        operands.append(args[i])
        terms.append(subs(args[i + 1]))
        i += 2
    equation = ','.join(terms)
    if i < len(args):           # what is left is the output sublist
        equation += '->' + subs(args[i])
    return equation, tuple(operands)


def logspace(start, end, steps, base=10.0, *, dtype=None, device=None, requires_grad=False):
    """``steps`` values from ``base ** start`` to ``base ** end``, evenly spaced in the exponent
    (the default dtype, float32, unless given), as ``torch.logspace``.

    Args:
        start, end: the first and last exponents.
        steps: how many values.
        base: the base of the powers.
    """
    exps = linspace(start, end, steps, dtype=np.float64, device=device)
    arr = (base ** exps.array).astype(np.dtype(dtype or get_default_dtype()), copy=False)
    t = Tensor._wrap(arr)
    return t.requires_grad_(True) if requires_grad else t


def normal(mean=0.0, std=1.0, size=None, *, generator=None, out=None, dtype=None, device=None,
           requires_grad=False):
    """Draws from N(mean, std^2), with every overload of ``torch.normal``:

    - ``normal(mean_tensor, std_tensor)``: one draw per element (the shapes broadcast);
    - ``normal(mean_tensor, std=1.0)`` / ``normal(mean=0.0, std_tensor)``;
    - ``normal(mean, std, size)`` with two numbers (float32 by default; ``dtype``, ``device``).

    As in PyTorch, the result is in the graph of tensor ``mean``/``std`` but their gradient is 0.

    Args:
        mean, std: numbers or floating-point tensors (``std >= 0``).
        size: the shape, only with two numbers.
        generator: an ``mg.Generator`` to draw from (else the library's, see ``mg.manual_seed``).
        out, dtype, device, requires_grad: as for the factories.

    Shape: with tensors, the broadcast shape of ``mean`` and ``std``.
    """
    m_t, s_t = isinstance(mean, Tensor), isinstance(std, Tensor)
    if not (m_t or s_t):
        if size is None:
            raise TypeError('normal(): with a number for mean and for std, give a size '
                            '(normal(mean, std, size))')
        _check_std(std)
        z = randn(*_size(size), generator=generator, dtype=dtype, device=device)
        result = Tensor._wrap(z.array * z.dtype.type(std) + z.dtype.type(mean))
    else:
        if size is not None:
            raise TypeError('normal(): size is only for numbers mean and std; with a tensor the '
                            "result takes the tensor's shape")
        ref = mean if m_t else std
        for name, v in (('mean', mean), ('std', std)):
            if isinstance(v, Tensor) and not np.issubdtype(v.dtype, np.floating):
                raise RuntimeError(f'normal(): expected a floating-point tensor for {name}, got {v.dtype}')
            if not isinstance(v, (Tensor, numbers.Real)):
                raise TypeError(f'normal(): {name} must be a Tensor or a number, got {type(v).__name__}')
        _check_std(std)
        if m_t and s_t:
            mean, std = coerce(mean, std)
        m = mean.detach().array if m_t else ref.dtype.type(mean)
        s = std.detach().array if s_t else ref.dtype.type(std)
        shape = np.broadcast_shapes(np.shape(m), np.shape(s))
        z = randn(*shape, generator=generator, dtype=ref.dtype, device=ref.device)
        result = P.Drawn.apply(*[t for t in (mean, std) if isinstance(t, Tensor)], out=z.array * s + m)
    if requires_grad:
        result.requires_grad_(True)
    return _into(out, result)


def _size(size):
    if isinstance(size, numbers.Integral):
        return (int(size),)
    return tuple(size)


def _check_std(std):
    s = std.array if isinstance(std, Tensor) else std
    if not bool((backend.get_array_module(s).asarray(s) >= 0).all()):
        raise RuntimeError(f'normal(): expected std >= 0.0, got {std}')


def randint_like(input, low=0, high=None, *, dtype=None, device=None, generator=None):
    """Integers in ``[low, high)`` with ``input``'s shape (and its dtype and device unless
    given), as ``torch.randint_like(input, high)`` / ``(input, low, high)``."""
    if high is None:
        low, high = 0, low
    if not low < high:
        raise RuntimeError(f"randint_like(): expected 'low' to be less than 'high', got low={low} >= high={high}")
    dt = as_dtype(dtype) if dtype is not None else input.dtype
    t = randint(low, high, tuple(input.shape), generator=generator, dtype=np.int64,
                device=device if device is not None else input.device)
    return t if t.dtype == dt else Tensor._wrap(t.array.astype(dt))


def _trapezoids(y, x, dx, dim):
    """The areas of the trapezoids between neighbours along ``dim`` (spacing ``x`` or ``dx``)."""
    d = dim % y.ndim if y.ndim else 0
    head, tail = (slice(None),) * d + (slice(1, None),), (slice(None),) * d + (slice(None, -1),)
    heights = (y[head] + y[tail]) * 0.5
    if x is None:
        return heights * (1.0 if dx is None else dx)
    if not isinstance(x, Tensor):
        raise TypeError(f'trapezoid(): x must be a Tensor, got {type(x).__name__}')
    widths = x[head] - x[tail] if x.ndim == y.ndim else x.diff()
    if x.ndim == 1 and y.ndim > 1:
        widths = widths.reshape(*[-1 if i == d else 1 for i in range(y.ndim)])
    return heights * widths


def trapezoid(y, x=None, *, dx=None, dim=-1):
    """The integral of ``y`` along ``dim`` by the trapezoidal rule, with sample points ``x`` (a
    tensor) or a constant spacing ``dx`` (1 by default), as ``torch.trapezoid``."""
    return _trapezoids(y, x, dx, dim).sum(dim)


def trapz(y, x=None, *, dx=None, dim=-1):
    """``trapezoid`` under its older name."""
    return trapezoid(y, x, dx=dx, dim=dim)


def cumulative_trapezoid(y, x=None, *, dx=None, dim=-1):
    """The running trapezoidal integral along ``dim`` (one element shorter than ``y`` there)."""
    return _trapezoids(y, x, dx, dim).cumsum(dim)


def chain_matmul(*matrices):
    """``matrices[0] @ matrices[1] @ ...`` (2-D each), as the deprecated ``torch.chain_matmul``."""
    if len(matrices) == 1 and isinstance(matrices[0], (list, tuple)):
        matrices = tuple(matrices[0])
    if not matrices:
        raise RuntimeError('chain_matmul(): expected one or more matrices')
    out = matrices[0]
    for m in matrices[1:]:
        out = out.mm(m)
    return out


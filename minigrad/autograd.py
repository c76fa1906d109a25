"""Autograd: the Function base class and grad mode; the backward engine (``autograd_engine.py``)
is re-exported here.

A differentiable op is a subclass of ``Function`` with ``forward`` and ``backward`` side by
side, both working on raw backend arrays. ``Function.apply`` runs the forward, wraps the result
in a Tensor and, when a gradient is wanted, records the op as the tensor's ``grad_fn``. The
graph points one way only (output -> its Function -> the input tensors), so it holds no
reference cycle; backward (``autograd_engine.py``) walks it iteratively (no recursion) in
reverse topological order. Version and anomaly checks live in ``autograd_checks.py``. This module never imports tensor.py:
tensors are recognised by duck typing (``_is_tensor``) and made by the inputs' class (``_wrap``).
"""
import functools
import inspect

import numpy as np

from . import argcheck
from . import autograd_checks as checks
from .autograd_graph import next_functions, parents, to_dot  # noqa: F401 (to_dot: public)
from .autograd_checks import (  # noqa: F401
    AnomalyError, detect_anomaly, is_anomaly_enabled, set_detect_anomaly)
from .autograd_engine import backward, grad, queue_callback, run_backward  # noqa: F401 (public)

_ndarray, _generic = np.ndarray, np.generic
_grad_enabled = True
_inference = False       # inside inference_mode()


# ---------------------------------------------------------------- grad mode

class _GradMode:
    """Base of no_grad / enable_grad: a context manager that is also a decorator."""
    mode = True

    def __enter__(self):
        global _grad_enabled
        self._prev = _grad_enabled
        _grad_enabled = self.mode

    def __exit__(self, *exc):
        global _grad_enabled
        _grad_enabled = self._prev
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self._fresh():
                return fn(*args, **kwargs)
        return wrapper

    def _fresh(self):
        """A new context like this one (each call of a decorated function enters its own)."""
        return self.__class__()


class no_grad(_GradMode):
    """Disable graph recording inside a ``with`` block or a decorated function."""
    mode = False


class inference_mode(_GradMode):
    """``torch.inference_mode``: no graph recording inside a ``with`` block or a decorated
    function (``@inference_mode``, ``@inference_mode()``; ``inference_mode(False)`` records as
    usual). minigrad treats it as ``no_grad``."""

    def __new__(cls, mode=True):
        if callable(mode):                       # @inference_mode without parentheses
            return cls()(mode)
        return super().__new__(cls)

    def __init__(self, mode=True):
        self.enabled = bool(mode)
        self.mode = not self.enabled

    def __enter__(self):
        global _inference
        self._prev_inference = _inference
        _inference = self.enabled
        super().__enter__()

    def __exit__(self, *exc):
        global _inference
        _inference = self._prev_inference
        return super().__exit__(*exc)

    def _fresh(self):
        return inference_mode(self.enabled)


def is_inference_mode_enabled():
    """True inside ``inference_mode()`` (as ``torch.is_inference_mode_enabled``)."""
    return _inference


def Variable(data, requires_grad=False, volatile=False):
    """PyTorch's old ``Variable(tensor)``: since PyTorch 0.4 a Tensor is its own Variable, so this
    returns ``data`` itself (``requires_grad=True`` sets that flag on it)."""
    if requires_grad:
        data.requires_grad_(True)
    return data


class enable_grad(_GradMode):
    """Re-enable graph recording (inside a ``no_grad`` block, say)."""
    mode = True


class set_grad_enabled(_GradMode):
    """Set grad mode on or off: at once when called (as in PyTorch), until the end of a ``with``
    block; as a decorator, only while the decorated function runs."""
    def __init__(self, mode=True):
        global _grad_enabled
        self.mode = bool(mode)
        self._prev = _grad_enabled
        _grad_enabled = self.mode

    def __enter__(self):
        pass            # __init__ already set the mode; __exit__ restores the previous one

    def __call__(self, fn):
        global _grad_enabled
        _grad_enabled = self._prev      # decorating must not change the mode now
        mode = self.mode

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with set_grad_enabled(mode):
                return fn(*args, **kwargs)
        return wrapper


def is_grad_enabled():
    return _grad_enabled


# ---------------------------------------------------------------- Function

class Function:
    """One differentiable op. Subclasses define::

        def forward(self, *arrays, **options) -> array
        def backward(self, grad) -> one gradient array (or None) per array input

    and may keep what backward needs on ``self`` (use ``save_for_backward`` for arrays, so the
    engine can free them and check that no in-place change touched them before backward).
    ``self.needs_input_grad`` says which inputs want a gradient. An op whose output can share
    memory with its first input (reshape, permute, basic indexing) sets ``is_view = True``: the
    output then shares the input's version counter, as a PyTorch view does.
    """
    saved = ()
    is_view = False
    _ctx_style = False  # PyTorch's form: static forward(ctx, ...) / backward(ctx, grad) on Tensors
    _versions = ()      # (version counter, version at save time, index in saved, role) per saved tensor
    _trace = None       # where the op was created (only in anomaly mode)
    _inplace_of = None  # for an op recorded by an in-place change: the alias of the old value

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls._ctx_style = isinstance(inspect.getattr_static(cls, 'forward', None), staticmethod)

    def save_for_backward(self, *arrays):
        self.saved = arrays

    @property
    def saved_tensors(self):
        """What a PyTorch-style ``forward(ctx, ...)`` passed to ``ctx.save_for_backward``."""
        return self.saved

    @classmethod
    def apply(cls, *inputs, **options):
        if cls._ctx_style:
            return _apply_ctx_style(cls, inputs, options)
        datas = [t.array for t in inputs]
        if len(datas) > 1:
            argcheck.one_device(cls.__name__, datas)
        fn = cls()
        needs = fn.needs_input_grad = tuple([t.requires_grad for t in inputs])
        res = fn.forward(*datas, **options)
        if type(res) is not _ndarray and isinstance(res, _generic):
            res = np.asarray(res)    # NumPy gives scalars for 0-d results: keep arrays
        out = inputs[0]._wrap(res)
        if cls.is_view and _shares_memory(res, datas[0]):
            out._vc = inputs[0]._vc                # a view: one version counter with its base,
            out._view = (inputs[0], cls, options)  # and in-place changes rewrite the base
        if _grad_enabled and True in needs:
            out.requires_grad = True
            out.grad_fn = fn
            fn.parents = inputs
            fn.parent_fns = [t.grad_fn for t in inputs]    # see autograd_graph.parents
            if fn.saved:
                fn._versions = checks.saved_versions(fn.saved, inputs, datas, out)
            if checks.anomaly:
                checks.record_trace(fn)
        return out

    def __repr__(self):
        return f'<{type(self).__name__}Backward>'

    @property
    def name(self):
        return type(self).__name__

    next_functions = property(next_functions, doc='The nodes of the inputs, as PyTorch\'s '
                              '``grad_fn.next_functions``: ((node or None, 0), ...).')


def _apply_ctx_style(cls, args, options):
    """``apply`` for a Function written as in PyTorch: ``forward(ctx, *args)`` computes on Tensors
    (without recording), ``backward(ctx, *grads)`` returns one gradient Tensor (or None) per
    forward argument. ``ctx`` is the Function instance that becomes the output's ``grad_fn``."""
    pos = [i for i, a in enumerate(args) if _is_tensor(a)]
    inputs = tuple(args[i] for i in pos)
    ctx = cls()
    ctx.needs_input_grad = tuple(_is_tensor(a) and a.requires_grad for a in args)
    with no_grad():
        out = cls.forward(ctx, *args, **options)
    if not _is_tensor(out):
        raise TypeError(f'{cls.__name__}.forward must return one Tensor (tuples of outputs are '
                        f'not supported), got {type(out).__name__}')
    if any(out is t for t in inputs):
        out = out._wrap(out.array)          # a new tensor for the output's history
    if _grad_enabled and True in ctx.needs_input_grad:
        out.requires_grad, out.grad_fn = True, ctx
        ctx.parents, ctx.parent_fns = inputs, [t.grad_fn for t in inputs]
        ctx.backward = functools.partial(_ctx_style_backward, ctx, pos, out)
        if ctx.saved:
            ctx._versions = checks.saved_versions(ctx.saved, inputs, [t.array for t in inputs], out)
    return out


def _ctx_style_backward(ctx, pos, out, g):
    with no_grad():
        grads = type(ctx).backward(ctx, out._wrap(g))
    grads = grads if isinstance(grads, tuple) else (grads,)
    res = []
    for p, i in zip(ctx.parents, pos):
        gi = grads[i] if i < len(grads) else None
        res.append(None if gi is None else gi.array.astype(p.dtype, copy=False))
    return tuple(res)


def _shares_memory(res, data):
    """Whether ``res`` is a view of ``data`` (NumPy and CuPy point a view's ``base`` at the array
    that owns the memory)."""
    base = getattr(res, 'base', None)
    return base is not None and (base is data or base is getattr(data, 'base', None))


def _is_tensor(x):
    return getattr(x, '_is_tensor', False)


# ---------------------------------------------------------------- shared helper for ops

def unbroadcast(grad, shape):
    """Sum ``grad`` down to ``shape``: undo NumPy broadcasting in a backward pass."""
    if grad.shape == shape:
        return grad
    lead = grad.ndim - len(shape)
    if lead:
        grad = grad.sum(axis=tuple(range(lead)))
    axes = tuple(i for i, s in enumerate(shape) if s == 1 and grad.shape[i] != 1)
    if axes:
        grad = grad.sum(axis=axes, keepdims=True)
    return grad.reshape(shape)

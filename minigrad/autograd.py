"""Autograd: the Function base class, grad mode and the backward engine.

A differentiable op is a subclass of ``Function`` with ``forward`` and ``backward`` side by
side, both working on raw backend arrays. ``Function.apply`` runs the forward, wraps the result
in a Tensor and, when a gradient is wanted, records the op as the tensor's ``grad_fn``. The
graph points one way only (output -> its Function -> the input tensors), so it holds no
reference cycle; backward walks it iteratively (no recursion) in reverse topological order.
Version and anomaly checks live in ``autograd_checks.py``. This module never imports tensor.py:
tensors are recognised by duck typing (``_is_tensor``) and made by the inputs' class (``_wrap``).
"""
import functools
import inspect

import numpy as np

from . import argcheck, backend
from . import autograd_checks as checks
from .autograd_graph import next_functions, parents, to_dot  # noqa: F401 (to_dot: public)
from .autograd_checks import (  # noqa: F401
    AnomalyError, detect_anomaly, is_anomaly_enabled, set_detect_anomaly)

_ndarray, _generic = np.ndarray, np.generic
_grad_enabled = True
_inference = False       # inside inference_mode()
_callbacks = []          # queue_callback's functions for the end of the current backward


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


# ---------------------------------------------------------------- the engine

def _topological_order(roots):
    """Tensors that lead to ``roots`` and need a gradient, each before its inputs (iterative DFS)."""
    order, visited = [], set()
    stack = [(r, False) for r in roots]
    while stack:
        t, expanded = stack.pop()
        if expanded:
            order.append(t)
            continue
        if id(t) in visited:
            continue
        visited.add(id(t))
        stack.append((t, True))
        fn = t.grad_fn
        if fn is not None:
            if getattr(fn, 'parents', None) is None:
                raise RuntimeError(
                    'Trying to backward through the graph a second time (or to use a graph whose '
                    'saved arrays were already freed). Pass retain_graph=True to the first '
                    'backward() call if you need to backward twice.')
            # leaves pushed first, so popped last: each leaf lands right after the op that used it
            # in the order, and its .grad (and post-accumulate hooks: DDP's overlap) is final early
            for p in sorted(parents(fn), key=_is_not_leaf):
                if p.requires_grad and id(p) not in visited:
                    stack.append((p, False))
    order.reverse()   # outputs first
    return order


def run_backward(roots, root_grads, retain_graph=False, inputs=None):
    """Propagate ``root_grads`` from ``roots`` back through the graph.

    With ``inputs=None`` gradients accumulate into ``.grad`` of leaves that require grad and of
    tensors that called ``retain_grad()``. With ``inputs`` given, nothing is accumulated and the
    gradients of those tensors are returned instead (used by ``autograd.grad``).
    """
    order = _topological_order(roots)
    grads = {}
    for r, g in zip(roots, root_grads):
        grads[id(r)] = grads[id(r)] + g if id(r) in grads else g
    wanted = None if inputs is None else {id(t): None for t in inputs}
    for t in order:
        g = grads.pop(id(t), None)
        if g is None:
            continue
        if t._hooks:
            g = _run_tensor_hooks(t, g)
        if wanted is not None:
            if id(t) in wanted:
                wanted[id(t)] = g
        elif t.grad_fn is None or t._retains_grad:
            t._accumulate_grad(g)
            if t._post_hooks and t.grad_fn is None:
                for hook in tuple(t._post_hooks.values()):
                    hook(t)
        fn = t.grad_fn
        if fn is None:
            continue
        if fn._versions:
            checks.check_versions(fn)
        in_grads = fn.backward(g)
        if not isinstance(in_grads, tuple):
            in_grads = (in_grads,)
        if checks.anomaly and checks.check_nan_flag:
            checks.check_finite(fn, in_grads)
        for p, pg in zip(fn.parents, in_grads):
            if pg is None or not p.requires_grad:
                continue
            if pg.shape != p.shape:
                raise RuntimeError(f'internal error: {fn.name}.backward gave a gradient of shape '
                                   f'{pg.shape} for an input of shape {p.shape}')
            k = id(p)
            grads[k] = grads[k] + pg if k in grads else pg
        if not retain_graph:
            fn.saved = ()
            fn.parents = None
            fn.__dict__.clear()
            fn.parents = None
    while _callbacks:            # queue_callback: each once, at the end of this backward
        _callbacks.pop(0)()
    if wanted is not None:
        return [wanted[id(t)] for t in inputs]
    return None


def _is_not_leaf(t):
    return t.grad_fn is not None


def queue_callback(fn):
    """Call ``fn()`` once at the end of the backward pass in progress, before ``backward()``
    returns (PyTorch's ``Variable._execution_engine.queue_callback``); DDP waits for its
    gradient all-reduces there."""
    _callbacks.append(fn)


def _run_tensor_hooks(t, g):
    """Call ``t``'s ``register_hook`` hooks in order on its complete gradient ``g``; a hook that
    returns a tensor replaces the gradient for the hooks after it and for the rest of backward."""
    for hook in tuple(t._hooks.values()):
        out = hook(t._wrap(g))
        if out is None:
            continue
        if not _is_tensor(out):
            raise TypeError(f'a tensor hook must return a Tensor or None, got {type(out).__name__}')
        if tuple(out.shape) != tuple(g.shape):
            raise RuntimeError(f'a tensor hook returned a gradient of shape {tuple(out.shape)} for a '
                               f'tensor of shape {tuple(g.shape)}')
        g = out.array if out.array.dtype == g.dtype else out.array.astype(g.dtype)
    return g


def _start_grad(t, given, arg):
    """The gradient that starts backward at ``t``: ones for a one-element ``t``, else ``given``
    (a Tensor, an array or Python data) checked for shape and cast to ``t``'s dtype."""
    if given is None:
        if t.array.size != 1:
            raise RuntimeError(f'grad can be implicitly created only for scalar outputs: this tensor '
                               f'has shape {tuple(t.shape)}; pass {arg}= of that shape, or '
                               'reduce it first (e.g. loss.sum() or loss.mean())')
        return backend.get_array_module(t.array).ones(t.array.shape, dtype=t.array.dtype)
    g = given.array if _is_tensor(given) else backend.asarray(given, dtype=t.array.dtype,
                                                                     device=t.device)
    if tuple(g.shape) != tuple(t.shape):
        raise RuntimeError(f'{arg} has shape {tuple(g.shape)} but the tensor has shape {tuple(t.shape)}')
    return g if g.dtype == t.array.dtype else g.astype(t.array.dtype)


def backward(tensor, gradient=None, retain_graph=False):
    if not tensor.requires_grad:
        raise RuntimeError('element 0 of tensors does not require grad and does not have a '
                           'grad_fn: call requires_grad_() on a leaf, or compute it with grad enabled')
    run_backward([tensor], [_start_grad(tensor, gradient, 'gradient')], retain_graph=retain_graph)


def grad(outputs, inputs, grad_outputs=None, retain_graph=False, allow_unused=False):
    """Gradients of ``outputs`` with respect to ``inputs``, returned (not accumulated in ``.grad``).

    Args:
        outputs: a tensor or a sequence of tensors.
        inputs: a tensor or a sequence of tensors that require grad.
        grad_outputs: the vector in the vector-Jacobian product; ones for scalar outputs.
        retain_graph: keep the graph for another backward.
        allow_unused: return None for inputs that the outputs do not depend on instead of raising.

    Returns:
        a tuple of tensors, one per input.
    """
    outputs = [outputs] if _is_tensor(outputs) else list(outputs)
    inputs = [inputs] if _is_tensor(inputs) else list(inputs)
    if grad_outputs is None:
        grad_outputs = [None] * len(outputs)
    elif _is_tensor(grad_outputs) or backend.is_array(grad_outputs):
        grad_outputs = [grad_outputs]
    if len(grad_outputs) != len(outputs):
        raise RuntimeError(f'grad_outputs has {len(grad_outputs)} entries for {len(outputs)} outputs')
    gs = []
    for o, go in zip(outputs, grad_outputs):
        if not o.requires_grad:
            raise RuntimeError('an output does not require grad and has no grad_fn')
        gs.append(_start_grad(o, go, 'grad_outputs'))
    for t in inputs:
        if not t.requires_grad:
            raise RuntimeError('one of the inputs does not require grad')
    res = run_backward(outputs, gs, retain_graph=retain_graph, inputs=inputs)
    out = []
    for t, g in zip(inputs, res):
        if g is None and not allow_unused:
            raise RuntimeError('One of the differentiated tensors appears to not have been used in '
                               'the graph. Set allow_unused=True if this is the desired behavior.')
        out.append(None if g is None else t._wrap(g))
    return tuple(out)


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

"""The backward engine: ``run_backward`` walks the recorded graph iteratively (no recursion, so
no RecursionError however deep) in reverse topological order, accumulating each tensor's
gradient before passing it on, so a tensor used twice (``b = a + a``) gets the sum. Also
``backward``, ``grad`` and ``queue_callback``; ``autograd.py`` (Function, grad mode) re-exports
them. Like the rest of the autograd rung, it never imports tensor.py: tensors are recognised by
duck typing.
"""
from . import backend
from . import autograd_checks as checks
from .autograd_graph import parents

_callbacks = []          # queue_callback's functions for the end of the current backward


def _is_tensor(x):
    return getattr(x, '_is_tensor', False)


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

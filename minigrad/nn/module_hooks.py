"""Module hooks, as PyTorch's: forward pre-hooks, forward hooks and full backward (pre-)hooks.

``Module.__call__`` takes the plain path (``forward`` alone) while a module has no hooks; with
hooks it runs ``call_with_hooks`` below, in PyTorch's order::

    forward pre-hooks  (may replace the input)
    wrap tensor inputs   in an identity op whose backward sees grad_input     (backward hooks only)
    forward
    forward hooks      (may replace the output)
    wrap tensor outputs  in an identity op whose backward sees grad_output    (backward hooks only)

The identity ops are how PyTorch itself implements full backward hooks (``BackwardHookFunction``).
In backward, the output ops collect ``grad_output`` and run the backward pre-hooks; the input
ops collect ``grad_input`` and, once every input that requires grad has its gradient, run the
backward hooks ``hook(module, grad_input, grad_output)``, whose result may replace grad_input.
When no input requires grad, the hooks run at the output with ``grad_input`` all None.

Known difference: the engine runs one identity op per tensor, so with several inputs that require
grad a hook may read grad_input but not replace it (a clear error), and with several outputs
that require grad a backward pre-hook may not replace grad_output.
"""
from ..autograd import Function
from ..hooks import add_hook
from ..tensor import Tensor

__all__ = ['register', 'call_with_hooks']


def register(hooks, fn, prepend=False, flags=()):
    """Add ``fn`` to the ordered dict ``hooks`` (first when ``prepend``); ``flags`` are dicts in
    which the hook's id is marked (e.g. the with_kwargs set). Returns the handle."""
    handle = add_hook(hooks, fn)
    if prepend:
        hooks.move_to_end(handle.id, last=False)
    for flag in flags:
        flag[handle.id] = True
    return handle


def call_with_hooks(module, args, kwargs):
    """Run ``module.forward(*args, **kwargs)`` with the module's hooks, as ``Module.__call__``."""
    for hid, hook in list(module._forward_pre_hooks.items()):
        if hid in module._forward_pre_hooks_with_kwargs:
            res = hook(module, args, kwargs)
            if res is not None:
                if not (isinstance(res, tuple) and len(res) == 2):
                    raise RuntimeError('forward pre-hook must return None or a tuple of '
                                       f'(new_args, new_kwargs), but got {res}.')
                args, kwargs = res
        else:
            res = hook(module, args)
            if res is not None:
                args = res if isinstance(res, tuple) else (res,)
    bw = None
    if module._backward_hooks or module._backward_pre_hooks:
        bw = _BackwardHookState(module)
        args = bw.wrap_inputs(args)
    try:
        result = module.forward(*args, **kwargs)
        for hid, hook in list(module._forward_hooks.items()):
            if hid in module._forward_hooks_with_kwargs:
                res = hook(module, args, kwargs, result)
            else:
                res = hook(module, args, result)
            if res is not None:
                result = res
    except Exception:
        for hid, hook in list(module._forward_hooks.items()):
            if hid in module._forward_hooks_always_called:
                try:
                    if hid in module._forward_hooks_with_kwargs:
                        hook(module, args, kwargs, None)
                    else:
                        hook(module, args, None)
                except Exception:
                    pass
        raise
    if bw is not None:
        result = bw.wrap_outputs(result)
    return result


class _HookIdentity(Function):
    """The identity; its backward hands the gradient to ``callback(grad_array) -> grad_array``.
    The output is a view of the input (it shares the version counter, as in PyTorch)."""
    is_view = True

    def forward(self, x, callback):
        self.callback = callback
        return x.view()

    # d(x)/dx = I: the gradient passes through the callback unchanged unless a hook replaces it
    def backward(self, grad):
        return self.callback(grad)


def _as_array(g, shape, what):
    if g is None:
        return None
    if not isinstance(g, Tensor):
        raise TypeError(f'a backward hook must return Tensors (or None) in its {what} tuple, got '
                        f'{type(g).__name__}')
    if g.shape != tuple(shape):
        raise RuntimeError(f'a backward hook returned a {what} of shape {g.shape} where shape '
                           f'{tuple(shape)} was expected')
    return g.array


class _BackwardHookState:
    """One forward call's bookkeeping for the module's backward hooks."""

    def __init__(self, module):
        self.module = module
        self.n_inputs = 0            # tensor arguments
        self.input_slots = []        # positions (among tensor args) of those that require grad
        self.grad_inputs = {}
        self.n_outputs = 0
        self.grad_outputs = {}
        self.output_like = []
        self.pre_done = False

    def wrap_inputs(self, args):
        out = []
        for a in args:
            if isinstance(a, Tensor):
                slot = self.n_inputs
                self.n_inputs += 1
                if a.requires_grad:
                    self.input_slots.append(slot)
                    a = _HookIdentity.apply(a, callback=lambda g, s=slot: self._on_input(s, g))
            out.append(a)
        return tuple(out)

    def wrap_outputs(self, result):
        if isinstance(result, Tensor):
            return self._wrap_output(result)
        if isinstance(result, (tuple, list)):
            return type(result)(self._wrap_output(r) if isinstance(r, Tensor) else r for r in result)
        return result

    def _wrap_output(self, t):
        slot = self.n_outputs
        self.n_outputs += 1
        self.output_like.append(t)
        if not t.requires_grad:
            return t
        return _HookIdentity.apply(t, callback=lambda g, s=slot: self._on_output(s, g))

    def _wrapped(self, d, n):
        return tuple(Tensor._wrap(d[i]) if d.get(i) is not None else None for i in range(n))

    def _on_output(self, slot, g):
        self.grad_outputs[slot] = g
        hooks = self.module._backward_pre_hooks
        n_wanted = sum(1 for t in self.output_like if t.requires_grad)
        if len(self.grad_outputs) == n_wanted and not self.pre_done:
            self.pre_done = True
            for hook in list(hooks.values()):
                res = hook(self.module, self._wrapped(self.grad_outputs, self.n_outputs))
                if res is None:
                    continue
                res = res if isinstance(res, tuple) else (res,)
                if len(res) != self.n_outputs:
                    raise RuntimeError(f'a backward pre-hook returned {len(res)} gradients for a '
                                       f'module with {self.n_outputs} outputs')
                if n_wanted > 1:
                    raise RuntimeError('a backward pre-hook can replace grad_output only for a '
                                       'module with one output that requires grad')
                for i, r in enumerate(res):
                    if i in self.grad_outputs:
                        self.grad_outputs[i] = _as_array(r, self.output_like[i].shape, 'grad_output')
            if not self.input_slots:       # no input requires grad: the hooks run here
                self._run_hooks()
        return self.grad_outputs[slot]

    def _on_input(self, slot, g):
        self.grad_inputs[slot] = g
        if len(self.grad_inputs) == len(self.input_slots):
            replaced = self._run_hooks()
            if replaced is not None:
                if len(self.input_slots) > 1:
                    raise RuntimeError('a full backward hook can replace grad_input only for a '
                                       'module with one input that requires grad')
                g = replaced[slot]
        return g

    def _run_hooks(self):
        """Call each backward hook; return the (possibly replaced) grad_input arrays, or None."""
        grad_output = self._wrapped(self.grad_outputs, self.n_outputs)
        current, replaced = dict(self.grad_inputs), None
        shapes = {k: v.shape for k, v in current.items()}
        for hook in list(self.module._backward_hooks.values()):
            res = hook(self.module, self._wrapped(current, self.n_inputs), grad_output)
            if res is None:
                continue
            res = res if isinstance(res, tuple) else (res,)
            if len(res) != self.n_inputs:
                raise RuntimeError(f'a full backward hook returned {len(res)} gradients for a '
                                   f'module with {self.n_inputs} tensor inputs')
            for slot in current:
                current[slot] = _as_array(res[slot], shapes[slot], 'grad_input')
            replaced = current
        return replaced

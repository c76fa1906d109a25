"""The optimizer base class: parameter groups, per-parameter state and (de)serialisation.

Subclasses implement ``step()``. Updates work on the parameters' backend arrays (``.data``) in
place, so a parameter keeps its identity (and whatever holds it keeps seeing the new values),
with one code path for NumPy and CuPy (``xp = get_array_module(p.array)``).

Hyperparameters stay Python floats: NumPy 2 treats Python scalars as "weak", so a float32
parameter stays float32. ``_hypers`` turns anything else (a NumPy scalar read back from a file,
say) into a Python float before it meets an array.
"""
import copy
import functools
import numbers
import warnings
from collections import OrderedDict, defaultdict
from itertools import chain

import numpy as np

from .. import backend
from ..autograd import enable_grad
from ..hooks import add_hook
from ..tensor import Tensor

__all__ = ['Optimizer']


class _RequiredParameter:
    """Marks a default that each parameter group must give (like ``torch.optim.optimizer.required``)."""

    def __repr__(self):
        return '<required parameter>'


required = _RequiredParameter()


def _hypers(group, *names):
    """Hyperparameters of a group as Python floats, in the order named (never a NumPy float64,
    which would promote float32 arrays)."""
    return [float(group[n]) for n in names]


def _decayed_grad(xp, x, grad, weight_decay, maximize):
    """``(g, own)``: the gradient (negated when maximizing) plus ``weight_decay * x``, as PyTorch's
    ``grad.add(param, alpha=weight_decay)``; ``own`` says whether g is a new array that the caller
    may overwrite (otherwise it is the parameter's ``.grad`` array itself)."""
    if weight_decay != 0:
        g = xp.multiply(x, weight_decay, out=xp.empty_like(x))   # out=: 0-d gives an array too
        if maximize:
            g -= grad
        else:
            g += grad
        return g, True
    if maximize:
        return xp.negative(grad, out=xp.empty_like(grad)), True
    return grad, False


class Optimizer:
    """Base class of all optimizers.

    Args:
        params: an iterable of Tensors, or of dicts (parameter groups) each with a ``'params'``
            entry and any per-group options that override ``defaults``.
        defaults: the default options of a parameter group (``lr``, ...).

    Attributes:
        param_groups: a list of dicts, each with ``'params'`` (a list of Tensors) and its options.
        state: a dict from parameter (by identity) to that parameter's state dict.
        defaults: the options every group starts from.
    """

    def __init__(self, params, defaults):
        self.defaults = dict(defaults)
        self._optimizer_step_pre_hooks = OrderedDict()
        self._optimizer_step_post_hooks = OrderedDict()
        _hook_step(type(self))
        if isinstance(params, Tensor):
            raise TypeError('params argument given to the optimizer should be an iterable of '
                            f'Tensors or dicts, but got {type(params).__name__}')
        if callable(getattr(params, 'parameters', None)) and callable(getattr(params, 'forward', None)):
            raise TypeError('params argument given to the optimizer should be an iterable of '
                            f'Tensors or dicts, but got a {type(params).__name__} module: pass '
                            'model.parameters()')
        if isinstance(params, (set, frozenset)):
            raise TypeError('optimizer parameters need to be organized in ordered collections '
                            '(the order of a set changes between runs); use a list instead')
        self.state = defaultdict(dict)
        self.param_groups = []
        groups = list(params)
        if len(groups) == 0:
            raise ValueError('optimizer got an empty parameter list')
        if not isinstance(groups[0], dict):
            groups = [{'params': groups}]
        for group in groups:
            self.add_param_group(group)

    # ------------------------------------------------------------ groups
    def add_param_group(self, param_group):
        """Add a parameter group (a dict with ``'params'`` and optional per-group options).

        Options missing from the group take the optimizer's defaults. A parameter may belong
        to one group only.
        """
        if not isinstance(param_group, dict):
            raise TypeError(f'param_group must be a dict, but got {type(param_group).__name__}')
        if 'params' not in param_group:
            raise ValueError("param_group must have a 'params' entry (a list of Tensors)")
        group = dict(param_group)
        params = group['params']
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, (set, frozenset)):
            raise TypeError('optimizer parameters need to be organized in ordered collections '
                            '(the order of a set changes between runs); use a list instead')
        else:
            params = list(params)
        names = [p[0] for p in params if isinstance(p, tuple)]
        if names:
            if len(names) != len(params):
                raise ValueError('all optimizer params should be with/without names. '
                                 'Some param names are missing')
            params = [p[1] for p in params]
            group['param_names'] = names
        for i, p in enumerate(params):
            if not isinstance(p, Tensor):
                raise TypeError(f'optimizer can only optimize Tensors, but parameter {i} of the '
                                f'group is a {type(p).__name__}')
            if not p.is_leaf:
                raise ValueError("can't optimize a non-leaf Tensor (one computed by an op); "
                                 'optimize the leaf it came from, or detach() it first')
        group['params'] = params
        for name, default in self.defaults.items():
            if default is required and name not in group:
                raise ValueError('parameter group didn\'t specify a value of required '
                                 f'optimization parameter {name}')
            group.setdefault(name, default)
        ids = [id(p) for p in params]
        if len(set(ids)) != len(ids):
            warnings.warn('optimizer contains a parameter group with duplicate parameters; '
                          'each will be updated more than once per step', stacklevel=3)
        seen = {id(p) for g in self.param_groups for p in g['params']}
        if seen.intersection(ids):
            raise ValueError('some parameters appear in more than one parameter group')
        if self.param_groups and (('param_names' in group) != ('param_names' in self.param_groups[0])):
            raise ValueError('all optimizer param groups should be with/without names')
        self.param_groups.append(group)

    # ------------------------------------------------------------ gradients
    def zero_grad(self, set_to_none=True):
        """Reset the gradients of all optimized tensors.

        Args:
            set_to_none: set ``.grad`` to None (the default, as in PyTorch) instead of filling it
                with zeros. A parameter whose ``.grad`` is None is skipped by ``step()``.
        """
        for group in self.param_groups:
            for p in group['params']:
                if p.grad is not None:
                    if set_to_none:
                        p.grad = None
                    else:
                        p.grad.grad_fn = None
                        p.grad.requires_grad = False
                        p.grad.array.fill(0)

    def step(self, closure=None):
        """Update the parameters once from their ``.grad`` (implemented by each optimizer)."""
        raise NotImplementedError

    @staticmethod
    def _closure_loss(closure):
        """Run the optional closure of ``step`` with grad enabled; return its loss."""
        if closure is None:
            return None
        with enable_grad():
            return closure()

    def _params_with_grad(self, group):
        """(param, its data array, its grad array) for each parameter of the group that has a grad."""
        for p in group['params']:
            g = p.grad
            if g is None:
                continue
            gd = g.array
            if gd.shape != p.array.shape:
                raise RuntimeError(f'the gradient of a parameter has shape {tuple(gd.shape)} '
                                   f'but the parameter has shape {tuple(p.array.shape)}')
            p._bump_version()   # the step changes p in place: graphs that saved p must notice
            yield p, p.array, gd

    # ------------------------------------------------------------ step hooks
    def register_step_pre_hook(self, hook):
        """Call ``hook(optimizer, args, kwargs)`` before each ``step``; a non-None result must be
        ``(new_args, new_kwargs)`` for step. Returns a handle whose ``remove()`` removes it."""
        return add_hook(self._optimizer_step_pre_hooks, hook)

    def register_step_post_hook(self, hook):
        """Call ``hook(optimizer, args, kwargs)`` after each ``step``. Returns a handle."""
        return add_hook(self._optimizer_step_post_hooks, hook)

    # ------------------------------------------------------------ state dicts
    def state_dict(self):
        """The optimizer's state as a dict, in PyTorch's layout::

            {'state': {0: {'step': 3, 'exp_avg': Tensor, ...}, 1: {...}},
             'param_groups': [{'lr': 0.01, ..., 'params': [0, 1]}, ...]}

        Parameters are replaced by their index in the order of ``param_groups``. The state
        tensors are the optimizer's own (not copies), as in PyTorch; ``mg.save`` writes them.
        """
        index = {}
        groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != 'params'}
            for p in group['params']:
                index.setdefault(id(p), len(index))
            packed['params'] = [index[id(p)] for p in group['params']]
            groups.append(packed)
        state = {}
        for p, s in self.state.items():
            key = index[id(p)] if isinstance(p, Tensor) and id(p) in index else p
            state[key] = s
        return {'state': state, 'param_groups': groups}

    def load_state_dict(self, state_dict):
        """Load a state from ``state_dict()`` (possibly read back by ``mg.load``).

        The groups must match this optimizer's: the same number of groups with the same number
        of parameters each. State tensors are copied onto each parameter's device and, when
        floating, into its dtype; group options (``lr``, ...) are taken from the state dict.
        """
        if not isinstance(state_dict, dict) or 'state' not in state_dict or 'param_groups' not in state_dict:
            raise ValueError("expected an optimizer state dict with 'state' and 'param_groups' "
                             f'entries, got {_describe(state_dict)}')
        groups = self.param_groups
        saved_groups = copy.deepcopy(list(state_dict['param_groups']))
        if len(groups) != len(saved_groups):
            raise ValueError(f'loaded state dict has {len(saved_groups)} parameter group(s), but '
                             f'the optimizer has {len(groups)}')
        for i, (g, s) in enumerate(zip(groups, saved_groups)):
            if len(g['params']) != len(s['params']):
                raise ValueError(f"loaded state dict's parameter group {i} has {len(s['params'])} "
                                 f"parameter(s), but the optimizer's group {i} has "
                                 f"{len(g['params'])}")
        id_map = dict(zip(chain.from_iterable(s['params'] for s in saved_groups),
                          chain.from_iterable(g['params'] for g in groups)))
        state = defaultdict(dict)
        for k, v in state_dict['state'].items():
            if k in id_map:
                param = id_map[k]
                state[param] = {key: _cast_state(param, val, k, key) for key, val in v.items()}
            else:
                state[k] = v
        for g, s in zip(groups, saved_groups):
            s['params'] = g['params']
            if 'param_names' in g and 'param_names' not in s:
                s['param_names'] = g['param_names']
            if 'betas' in s and isinstance(s['betas'], list):
                s['betas'] = tuple(s['betas'])
            for name, default in self.defaults.items():    # options added since the save
                if default is not required:
                    s.setdefault(name, default)
        self.state = state
        self.param_groups = saved_groups

    # ------------------------------------------------------------ printing
    def __repr__(self):
        lines = [self.__class__.__name__ + ' (']
        for i, group in enumerate(self.param_groups):
            lines.append(f'Parameter Group {i}')
            for key in sorted(group):
                if key != 'params':
                    lines.append(f'    {key}: {group[key]}')
        lines.append(')')
        return '\n'.join(lines)


def _describe(obj):
    return f'a {type(obj).__name__}' + (f' with keys {sorted(map(str, obj))}' if isinstance(obj, dict) else '')


def _cast_state(param, value, index, key):
    """A copy of one state value on ``param``'s device (and dtype, for floating values)."""
    if isinstance(value, Tensor):
        arr = value.array
    elif backend.is_array(value):
        arr = value
    else:
        return copy.deepcopy(value)     # numbers ('step'), strings, None
    if key == 'step' and arr.size == 1:
        return arr.item()                # the step count stays a Python number
    if arr.ndim and tuple(arr.shape) != param.shape:
        raise ValueError(f"optimizer state {key!r} of parameter {index} has shape {tuple(arr.shape)}, "
                         f'but the parameter has shape {param.shape}')
    arr = backend.to_device(arr, param.device)
    if np.issubdtype(arr.dtype, np.floating) and np.issubdtype(param.dtype, np.floating):
        arr = arr.astype(param.dtype)          # always a copy: the state must not alias the input
    else:
        arr = arr.copy()
    return Tensor._wrap(arr)


def _check_hyper(name, value, low=0.0, high=None, high_open=False):
    """Validate one hyperparameter with a clear message (Invalid learning rate: -1.0, ...)."""
    if not isinstance(value, numbers.Real) or isinstance(value, bool):
        raise TypeError(f'{name} must be a real number, got {type(value).__name__}')
    if value < low or (high is not None and (value >= high if high_open else value > high)):
        bound = f'[{low}, {high})' if high_open else (f'[{low}, {high}]' if high is not None else f'>= {low}')
        raise ValueError(f'Invalid {name} value: {value} (expected {bound})')


def _check_adam_like(lr, betas, eps, weight_decay):
    """The hyperparameters of Adam-like optimizers: lr, eps, weight_decay >= 0, betas a pair in
    [0, 1)."""
    _check_hyper('learning rate', lr)
    _check_hyper('epsilon', eps)
    if not isinstance(betas, (tuple, list)) or len(betas) != 2:
        raise ValueError(f'betas must be a pair (beta1, beta2), got {betas!r}')
    _check_hyper('beta parameter at index 0', betas[0], 0.0, 1.0, high_open=True)
    _check_hyper('beta parameter at index 1', betas[1], 0.0, 1.0, high_open=True)
    _check_hyper('weight_decay', weight_decay)


def _hook_step(cls):
    """Make ``cls.step`` run the instance's step hooks around it (once per class, as PyTorch
    patches the class of each optimizer it constructs)."""
    step = cls.step
    if getattr(step, '_hooked', False):
        return

    @functools.wraps(step)
    def hooked_step(*args, **kwargs):        # args[0] is the optimizer, as PyTorch's hooks see
        self = args[0]
        for hook in list(self.__dict__.get('_optimizer_step_pre_hooks', {}).values()):
            res = hook(self, args, kwargs)
            if res is not None:
                if not (isinstance(res, tuple) and len(res) == 2):
                    raise RuntimeError(f'{hook} must return None or a tuple of (new_args, '
                                       f'new_kwargs), but got {res}.')
                args, kwargs = res
        out = step(*args, **kwargs)
        for hook in list(self.__dict__.get('_optimizer_step_post_hooks', {}).values()):
            hook(self, args, kwargs)
        return out
    hooked_step._hooked = True
    cls.step = hooked_step


def _compat_options(**options):
    """PyTorch's implementation switches (``foreach``, ``fused``, ``capturable``,
    ``differentiable``), accepted and kept in the groups as PyTorch keeps them; minigrad has one
    implementation, so ``fused``/``capturable``/``differentiable`` set to True are refused."""
    for name in ('fused', 'capturable', 'differentiable'):
        if options.get(name):
            raise NotImplementedError(f'{name}=True is not supported by minigrad (one code path, '
                                      'not differentiable through the update)')
    return options

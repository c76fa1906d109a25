"""Module: the base class of every layer and model, shaped like ``torch.nn.Module``.

A Module keeps its Parameters, buffers and sub-modules in three insertion-ordered dicts filled
by ``__setattr__``, so ``parameters()``, ``state_dict()`` and ``repr`` list them in definition
order, exactly as PyTorch does. Moving or casting a module (``to``, ``cuda``, ``double``) swaps
the arrays inside the existing Parameter objects, so an optimizer built earlier still holds them.
Hooks: ``module_hooks.py``; Parameter: ``parameter.py``; containers: ``containers.py``.
"""
import collections
import itertools

from ..tensor import Tensor
from . import module_hooks
from .module_compat import ModuleCompat
from .module_repr import module_repr
from .module_state import apply_to_arrays, array_converter, load_state_into
from .parameter import Buffer, Parameter

__all__ = ['Module', 'Parameter']


_HOOK_DICTS = ('_forward_pre_hooks', '_forward_pre_hooks_with_kwargs', '_forward_hooks',
               '_forward_hooks_with_kwargs', '_forward_hooks_always_called', '_backward_pre_hooks',
               '_backward_hooks')


def _check_name(kind, name, module):
    if not isinstance(name, str):
        raise TypeError(f'{kind} name should be a string, got {type(name).__name__}')
    if name == '':
        raise KeyError(f'{kind} name can\'t be empty string ""')
    if '.' in name:
        raise KeyError(f'{kind} name can\'t contain ".", got: {name}')


class Module(ModuleCompat):
    """Base class of every layer and model.

    Subclasses call ``super().__init__()`` first, then assign Parameters, sub-modules and
    buffers (``register_buffer``) as attributes, and define ``forward``. Calling the module
    runs ``forward``.
    """
    training: bool

    def __init__(self):
        object.__setattr__(self, 'training', True)
        object.__setattr__(self, '_parameters', {})
        object.__setattr__(self, '_buffers', {})
        object.__setattr__(self, '_non_persistent_buffers_set', {})   # a dict used as an ordered set
        object.__setattr__(self, '_modules', {})
        for name in _HOOK_DICTS:
            object.__setattr__(self, name, collections.OrderedDict())

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f'Module [{type(self).__name__}] is missing the required '
                                  '"forward" function')

    def __call__(self, *args, **kwargs):
        d = self.__dict__
        if d.get('_forward_hooks') or d.get('_forward_pre_hooks') or d.get('_backward_hooks') \
                or d.get('_backward_pre_hooks'):
            return module_hooks.call_with_hooks(self, args, kwargs)
        return self.forward(*args, **kwargs)

    # ------------------------------------------------------------ hooks (see module_hooks.py)
    def register_forward_pre_hook(self, hook, *, prepend=False, with_kwargs=False):
        """``hook(module, args)`` (``hook(module, args, kwargs)`` with ``with_kwargs``) runs before
        forward; a non-None result replaces args (or ``(args, kwargs)``). Returns a handle."""
        flags = (self._forward_pre_hooks_with_kwargs,) if with_kwargs else ()
        return module_hooks.register(self._forward_pre_hooks, hook, prepend, flags)

    def register_forward_hook(self, hook, *, prepend=False, with_kwargs=False, always_call=False):
        """``hook(module, args, output)`` runs after forward; a non-None result replaces the output.
        ``always_call``: also when forward raises (output None). Returns a handle."""
        flags = ((self._forward_hooks_with_kwargs,) if with_kwargs else ()) \
            + ((self._forward_hooks_always_called,) if always_call else ())
        return module_hooks.register(self._forward_hooks, hook, prepend, flags)

    def register_full_backward_pre_hook(self, hook, prepend=False):
        """``hook(module, grad_output)`` runs when the output gradients are ready; a non-None
        result replaces grad_output. Returns a handle."""
        return module_hooks.register(self._backward_pre_hooks, hook, prepend)

    def register_full_backward_hook(self, hook, prepend=False):
        """``hook(module, grad_input, grad_output)`` (tuples of Tensors or None) runs when the
        inputs' gradients are computed; a non-None result replaces grad_input. Returns a handle."""
        return module_hooks.register(self._backward_hooks, hook, prepend)

    # ------------------------------------------------------------ attribute registration
    def __setattr__(self, name, value):
        d = self.__dict__
        params = d.get('_parameters')
        if isinstance(value, Parameter):
            if params is None:
                raise AttributeError('cannot assign parameters before Module.__init__() call')
            self._remove_from(name, d, self._buffers, self._modules, self._non_persistent_buffers_set)
            self.register_parameter(name, value)
        elif params is not None and name in params:
            if value is not None:
                raise TypeError(f"cannot assign '{type(value).__name__}' as parameter '{name}' "
                                '(minigrad.nn.Parameter or None expected)')
            params[name] = None
        elif isinstance(value, Buffer):
            if params is None:
                raise AttributeError('cannot assign buffer before Module.__init__() call')
            self._remove_from(name, d, params, self._modules)
            self.register_buffer(name, value.detach(), persistent=value.persistent)
        elif isinstance(value, Module):
            if params is None:
                raise AttributeError('cannot assign module before Module.__init__() call')
            self._remove_from(name, d, params, self._buffers, self._non_persistent_buffers_set)
            self._modules[name] = value
        elif params is not None and name in self._modules:
            if value is not None:
                raise TypeError(f"cannot assign '{type(value).__name__}' as child module '{name}' "
                                '(minigrad.nn.Module or None expected)')
            self._modules[name] = None
        elif params is not None and name in self._buffers:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"cannot assign '{type(value).__name__}' as buffer '{name}' "
                                '(minigrad.Tensor or None expected)')
            self._buffers[name] = value
        else:
            object.__setattr__(self, name, value)

    @staticmethod
    def _remove_from(name, *dicts):
        for d in dicts:
            d.pop(name, None)

    def __getattr__(self, name):
        # only called when normal lookup fails: look in the registries
        d = self.__dict__
        for reg in ('_parameters', '_buffers', '_modules'):
            r = d.get(reg)
            if r is not None and name in r:
                return r[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name):
        for reg in (self._parameters, self._buffers, self._modules):
            if name in reg:
                del reg[name]
                self._non_persistent_buffers_set.pop(name, None)
                return
        object.__delattr__(self, name)

    def __dir__(self):
        return sorted(set(super().__dir__()) | set(self._parameters) | set(self._buffers)
                      | set(self._modules))

    def register_parameter(self, name, param):
        """Add a Parameter (or None, a placeholder) under ``name``."""
        if '_parameters' not in self.__dict__:
            raise AttributeError('cannot assign parameter before Module.__init__() call')
        _check_name('parameter', name, self)
        if hasattr(self, name) and name not in self._parameters:
            raise KeyError(f"attribute '{name}' already exists")
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"cannot assign '{type(param).__name__}' object to parameter '{name}' "
                            '(minigrad.nn.Parameter or None required)')
        if param is not None and param.grad_fn is not None:
            raise ValueError(f"Cannot assign non-leaf Tensor to parameter '{name}'. Model "
                             'parameters must be created explicitly; use .detach() first.')
        self._parameters[name] = param

    def register_buffer(self, name, tensor, persistent=True):
        """Add a buffer: state that is not a parameter (e.g. BatchNorm's running mean).

        Args:
            name: the attribute name.
            tensor: a Tensor, or None (a placeholder: left out of ``state_dict``).
            persistent: whether the buffer is part of ``state_dict``.
        """
        if '_buffers' not in self.__dict__:
            raise AttributeError('cannot assign buffer before Module.__init__() call')
        _check_name('buffer', name, self)
        if hasattr(self, name) and name not in self._buffers:
            raise KeyError(f"attribute '{name}' already exists")
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"cannot assign '{type(tensor).__name__}' object to buffer '{name}' "
                            '(minigrad.Tensor or None required)')
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent_buffers_set.pop(name, None)
        else:
            self._non_persistent_buffers_set[name] = None

    def add_module(self, name, module):
        """Add a child module under ``name`` (what ``self.name = module`` does)."""
        if module is not None and not isinstance(module, Module):
            raise TypeError(f'{type(module).__name__} is not a Module subclass')
        _check_name('module', name, self)
        if hasattr(self, name) and name not in self._modules:
            raise KeyError(f"attribute '{name}' already exists")
        self._modules[name] = module

    register_module = add_module

    def get_submodule(self, target):
        """The sub-module at the dotted path ``target`` ('' is self)."""
        if target == '':
            return self
        mod = self
        for item in target.split('.'):
            if item not in mod._modules or mod._modules[item] is None:
                raise AttributeError(f'{type(mod).__name__} has no submodule `{item}` '
                                     f'(looking for {target!r})')
            mod = mod._modules[item]
        return mod

    def get_parameter(self, target):
        """The Parameter at the dotted path ``target`` (e.g. ``'features.0.weight'``)."""
        return self._get_member(target, '_parameters', 'parameter')

    def get_buffer(self, target):
        """The buffer at the dotted path ``target`` (e.g. ``'bn.running_mean'``)."""
        return self._get_member(target, '_buffers', 'buffer')

    def _get_member(self, target, registry, kind):
        path, _, name = target.rpartition('.')
        mod = self.get_submodule(path)
        if name not in getattr(mod, registry):
            raise AttributeError(f'{mod._get_name()} has no {kind} `{name}` (looking for '
                                 f'{target!r})')
        return getattr(mod, registry)[name]

    def set_submodule(self, target, module):
        """Replace (or add) the sub-module at the dotted path ``target`` with ``module``."""
        if target == '':
            raise ValueError('Cannot set the submodule without a target name!')
        path, _, name = target.rpartition('.')
        self.get_submodule(path).add_module(name, module)

    # ------------------------------------------------------------ iteration
    def named_modules(self, memo=None, prefix='', remove_duplicate=True):
        """``(dotted_name, module)`` for self and every descendant, pre-order, each once."""
        if memo is None:
            memo = set()
        stack = [(prefix, self)]
        while stack:
            name, mod = stack.pop()
            if remove_duplicate:
                if id(mod) in memo:
                    continue
                memo.add(id(mod))
            yield name, mod
            children = [(name + ('.' if name else '') + k, m) for k, m in mod._modules.items()
                        if m is not None]
            stack.extend(reversed(children))

    def modules(self):
        for _, m in self.named_modules():
            yield m

    def named_children(self):
        seen = set()
        for name, m in self._modules.items():
            if m is not None and id(m) not in seen:
                seen.add(id(m))
                yield name, m

    def children(self):
        for _, m in self.named_children():
            yield m

    def _named_members(self, registry, prefix, recurse, remove_duplicate=True):
        seen = set()
        mods = self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate) if recurse \
            else [(prefix, self)]
        for mprefix, mod in mods:
            for k, v in getattr(mod, registry).items():
                if v is None or (remove_duplicate and id(v) in seen):
                    continue
                seen.add(id(v))
                yield mprefix + ('.' if mprefix else '') + k, v

    def named_parameters(self, prefix='', recurse=True, remove_duplicate=True):
        """``(dotted_name, Parameter)`` in definition order; a shared Parameter appears once."""
        return self._named_members('_parameters', prefix, recurse, remove_duplicate)

    def parameters(self, recurse=True):
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(self, prefix='', recurse=True, remove_duplicate=True):
        return self._named_members('_buffers', prefix, recurse, remove_duplicate)

    def buffers(self, recurse=True):
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    # ------------------------------------------------------------ state
    def _local_state(self):
        """This module's own parameters and persistent buffers (no None), in state_dict order."""
        items = itertools.chain(
            self._parameters.items(),
            ((k, v) for k, v in self._buffers.items() if k not in self._non_persistent_buffers_set))
        return [(k, v) for k, v in items if v is not None]

    def state_dict(self, destination=None, prefix='', keep_vars=False):
        """An OrderedDict from dotted names to parameters and persistent buffers.

        Values are detached Tensors sharing memory with the module (the Parameters themselves
        with ``keep_vars=True``). Own entries come before those of the children, as in PyTorch.
        """
        if destination is None:
            destination = collections.OrderedDict()
        for k, v in self._local_state():
            destination[prefix + k] = v if keep_vars else v.detach()
        for name, mod in self._modules.items():
            if mod is not None:
                mod.state_dict(destination=destination, prefix=prefix + name + '.',
                               keep_vars=keep_vars)
        return destination

    def load_state_dict(self, state_dict, strict=True, assign=False):
        """Copy values from ``state_dict`` into the existing parameters and buffers, in place.

        The Parameter objects stay the same (an optimizer built earlier keeps working); values
        may be Tensors or NumPy/CuPy arrays, are cast to each parameter's dtype and moved to its
        device. Nothing is copied when an error is raised.

        Args:
            state_dict: a mapping from dotted names to values, e.g. from ``state_dict()``.
            strict: require the keys to match this module's exactly.
            assign: accepted for PyTorch code; the values are copied either way (PyTorch's
                assign=True makes the state's tensors the parameters; the values are the same).

        Returns:
            ``(missing_keys, unexpected_keys)`` as a namedtuple.

        Raises:
            RuntimeError: listing every missing key and unexpected key (when ``strict``) and
                every shape mismatch (always) at once.
        """
        return load_state_into(self, state_dict, strict)

    # ------------------------------------------------------------ modes, devices, dtypes
    def train(self, mode=True):
        """Set training mode (``mode=True``) or evaluation mode on self and all descendants."""
        if not isinstance(mode, bool):
            raise ValueError('training mode is expected to be boolean')
        for m in self.modules():
            object.__setattr__(m, 'training', mode)
        return self

    def eval(self):
        """Evaluation mode: Dropout is the identity, BatchNorm uses its running statistics."""
        return self.train(False)

    def requires_grad_(self, requires_grad=True):
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none=True):
        """Reset the gradients of all parameters (to None by default, else to zeros)."""
        for p in self.parameters():
            if p.grad is None:
                continue
            if set_to_none:
                p.grad = None
            else:
                p.grad.array[...] = 0

    def _apply(self, fn):
        """Replace the array of every parameter, gradient and buffer by ``fn(array)``, in place
        (the Tensor objects stay the same)."""
        return apply_to_arrays(self, fn)

    def to(self, *args, **kwargs):
        """``to(device)``, ``to(dtype)``, ``to(device, dtype)`` or ``to(tensor)``: in place,
        returns self. A dtype applies to floating-point parameters and buffers only."""
        return self._apply(array_converter(args, kwargs))

    def apply(self, fn):
        """Call ``fn(module)`` on every descendant (children first) and then on self."""
        for m in self.children():
            m.apply(fn)
        fn(self)
        return self

    # ------------------------------------------------------------ printing
    def extra_repr(self):
        """The text inside the parentheses of this module's repr (override in layers)."""
        return ''

    def _get_name(self):
        return type(self).__name__

    def __repr__(self):
        return module_repr(self)

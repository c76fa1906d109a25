"""Containers, as ``torch.nn``: Sequential, ModuleList and ModuleDict (modules that hold modules),
ParameterList and ParameterDict (modules that hold Parameters)."""
import collections
import collections.abc
import operator

from ..tensor import Tensor
from .module import Module
from .module_repr import _addindent
from .parameter import Parameter

__all__ = ['Sequential', 'ModuleList', 'ModuleDict', 'ParameterList', 'ParameterDict']


class _Container(Module):
    """What Sequential and ModuleList share: integer indexing, ``len``, iteration, ``append``,
    ``extend``, ``insert`` and ``del`` (which renumber the keys '0', '1', ..., as PyTorch)."""

    def _index(self, idx):
        n = len(self._modules)
        idx = operator.index(idx)
        if not -n <= idx < n:
            raise IndexError(f'index {idx} is out of range for {type(self).__name__} of length {n}')
        return idx % n

    def _renumber(self, modules):
        self.__dict__['_modules'] = {}
        for i, m in enumerate(modules):
            self.add_module(str(i), m)

    def __setitem__(self, idx, module):
        self.add_module(list(self._modules)[self._index(idx)], module)

    def __delitem__(self, idx):
        mods = list(self._modules.values())
        del mods[idx if isinstance(idx, slice) else self._index(idx)]
        self._renumber(mods)

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def append(self, module):
        self.add_module(str(len(self)), module)
        return self

    def extend(self, modules):
        for m in modules:
            self.append(m)
        return self

    def insert(self, index, module):
        mods = list(self._modules.values())
        mods.insert(index, module)
        self._renumber(mods)
        return self

    def pop(self, key):
        """Remove the module at ``key`` (an int or a slice) and return it."""
        v = self[key]
        del self[key]
        return v


class Sequential(_Container):
    """Modules applied one after the other.

    ``Sequential(m0, m1, ...)`` names them ``'0', '1', ...``; ``Sequential(OrderedDict(...))``
    keeps the given names. Supports indexing, slicing (a Sequential with the same keys), ``len``,
    iteration, ``append``, ``extend``, ``insert`` and ``del``.
    """

    def __init__(self, *args):
        super().__init__()
        if len(args) == 1 and isinstance(args[0], collections.OrderedDict):
            for k, m in args[0].items():
                self.add_module(k, m)
        else:
            for i, m in enumerate(args):
                self.add_module(str(i), m)

    def __getitem__(self, idx):
        if isinstance(idx, slice):
            return type(self)(collections.OrderedDict(list(self._modules.items())[idx]))
        return list(self._modules.values())[self._index(idx)]

    def forward(self, input):
        for m in self._modules.values():
            input = m(input)
        return input

    def __add__(self, other):
        """A new Sequential of this one's modules, then ``other``'s (the same module objects)."""
        if not isinstance(other, Sequential):
            raise ValueError('add operator supports only objects of Sequential class, but '
                             f'{type(other)} is given.')
        return Sequential(*self, *other)

    def __iadd__(self, other):
        if not isinstance(other, Sequential):
            raise ValueError('add operator supports only objects of Sequential class, but '
                             f'{type(other)} is given.')
        return self.extend(list(other))

    def _times(self, other):
        if not isinstance(other, int) or isinstance(other, bool):
            raise TypeError(f'unsupported operand type(s) for *: {type(self)} and {type(other)}')
        if other <= 0:
            raise ValueError(f'Non-positive multiplication factor {other} for {type(self)}')
        return list(self) * other

    def __mul__(self, other):
        """A new Sequential repeating this one's modules ``other`` times (the same objects)."""
        return Sequential(*self._times(other))

    __rmul__ = __mul__

    def __imul__(self, other):
        self._renumber(self._times(other))
        return self


class ModuleList(_Container):
    """A list of modules that registers them (so their parameters are found); no forward.

    Supports indexing, slicing (a new ModuleList), ``len``, iteration, ``append``, ``extend``,
    ``insert``, ``del``, ``+`` and ``+=``.
    """

    def __init__(self, modules=None):
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def __getitem__(self, idx):
        if isinstance(idx, slice):
            return type(self)(list(self._modules.values())[idx])
        return self._modules[str(self._index(idx))]

    def __iadd__(self, modules):
        return self.extend(modules)

    def insert(self, index, module):
        """Insert ``module`` before ``index`` (returns None, as PyTorch's ModuleList)."""
        super().insert(index, module)

    def __add__(self, other):
        return ModuleList(list(self) + list(other))

    def __repr__(self):
        reprs = [repr(m) for m in self]
        if not reprs:
            return self._get_name() + '()'
        blocks = []          # [start, end, repr] runs of identical reprs, shown once
        for i, r in enumerate(reprs):
            if blocks and blocks[-1][2] == r:
                blocks[-1][1] = i
            else:
                blocks.append([i, i, r])
        lines = []
        for start, end, r in blocks:
            head = f'({start}): ' if start == end else f'({start}-{end}): {end - start + 1} x '
            lines.append(_addindent(head + r, 2))
        return self._get_name() + '(\n  ' + '\n  '.join(lines) + '\n)'


class _DictOf(Module):
    """What ModuleDict and ParameterDict share: dict methods over one registry (``_registry``)."""
    _registry = ''

    def _store(self):
        return self.__dict__[self._registry]

    def __getitem__(self, key):
        return self._store()[key]

    def __delitem__(self, key):
        del self._store()[key]

    def __len__(self):
        return len(self._store())

    def __iter__(self):
        return iter(self._store())

    def __contains__(self, key):
        return key in self._store()

    def keys(self):
        return self._store().keys()

    def values(self):
        return self._store().values()

    def items(self):
        return self._store().items()

    def clear(self):
        self._store().clear()

    def pop(self, key):
        v = self[key]
        del self[key]
        return v

    def _pairs(self, values, sort_plain_dicts):
        if isinstance(values, (collections.OrderedDict, _DictOf)) or (
                isinstance(values, collections.abc.Mapping) and not sort_plain_dicts):
            return list(values.items())
        if isinstance(values, collections.abc.Mapping):
            return sorted(values.items())           # as torch's ParameterDict
        pairs = list(values)
        for i, pair in enumerate(pairs):
            if not isinstance(pair, (tuple, list)) or len(pair) != 2:
                raise ValueError(f'{self._get_name()} update sequence element #{i} should be a '
                                 f'(name, value) pair, got {type(pair).__name__}')
        return pairs


class ModuleDict(_DictOf):
    """A dict of modules that registers them (so their parameters are found); no forward.

    Keeps insertion order; supports ``d[key]``, ``d[key] = module``, ``del d[key]``, ``in``,
    ``len``, iteration over keys, ``keys()``, ``values()``, ``items()``, ``update()``, ``pop()``
    and ``clear()``, as ``torch.nn.ModuleDict``.

    Args:
        modules: a mapping or an iterable of ``(name, module)`` pairs.
    """
    _registry = '_modules'

    def __init__(self, modules=None):
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __setitem__(self, key, module):
        self.add_module(key, module)

    def update(self, modules):
        for key, module in self._pairs(modules, sort_plain_dicts=False):
            self[key] = module


def _as_parameter(value):
    """A Tensor that is not a Parameter becomes one (as torch's ParameterList/Dict do)."""
    if isinstance(value, Tensor) and not isinstance(value, Parameter):
        return Parameter(value)
    return value


class ParameterList(Module):
    """A list of Parameters that registers them (so ``parameters()`` finds them), as
    ``torch.nn.ParameterList``; Tensors given to it become Parameters.

    Supports indexing, ``len``, iteration, ``append``, ``extend`` and ``+=``.
    """

    def __init__(self, values=None):
        super().__init__()
        self._size = 0
        if values is not None:
            self.extend(values)

    def __len__(self):
        return self._size

    def __getitem__(self, idx):
        if isinstance(idx, slice):
            return ParameterList([self[i] for i in range(len(self))[idx]])
        n = len(self)
        idx = operator.index(idx)
        if not -n <= idx < n:
            raise IndexError(f'index {idx} is out of range')
        return getattr(self, str(idx % n))

    def __setitem__(self, idx, param):
        idx = operator.index(idx) % max(len(self), 1)
        setattr(self, str(idx), _as_parameter(param))

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    def __iadd__(self, parameters):
        return self.extend(parameters)

    def append(self, value):
        """Add ``value`` at the end (a Tensor becomes a Parameter)."""
        self._size += 1
        self[self._size - 1] = value
        return self

    def extend(self, values):
        for v in values:
            self.append(v)
        return self

    def extra_repr(self):
        return '\n'.join(f'({i}): Parameter containing: [{p.dtype} of size {tuple(p.shape)}]'
                         for i, p in enumerate(self))


class ParameterDict(_DictOf):
    """A dict of Parameters that registers them, as ``torch.nn.ParameterDict`` (Tensors given to
    it become Parameters; a plain dict's items are added in sorted key order, an OrderedDict's in
    its order, as PyTorch). Supports the methods of ``ModuleDict``.
    """
    _registry = '_parameters'

    def __init__(self, parameters=None):
        super().__init__()
        if parameters is not None:
            self.update(parameters)

    def __setitem__(self, key, value):
        self.register_parameter(key, _as_parameter(value))

    def update(self, parameters):
        for key, value in self._pairs(parameters, sort_plain_dicts=True):
            self[key] = value

    def extra_repr(self):
        return '\n'.join(f'({k}): Parameter containing: [{p.dtype} of size {tuple(p.shape)}]'
                         for k, p in self.items())

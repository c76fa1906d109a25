"""Containers: Sequential, ModuleList and ModuleDict (modules that hold other modules), as ``torch.nn``."""
import collections
import collections.abc
import operator

from .module import Module, _addindent

__all__ = ['Sequential', 'ModuleList', 'ModuleDict']


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


class ModuleDict(Module):
    """A dict of modules that registers them (so their parameters are found); no forward.

    Keeps insertion order; supports ``d[key]``, ``d[key] = module``, ``del d[key]``, ``in``,
    ``len``, iteration over keys, ``keys()``, ``values()``, ``items()``, ``update()``, ``pop()``
    and ``clear()``, as ``torch.nn.ModuleDict``.

    Args:
        modules: a mapping or an iterable of ``(name, module)`` pairs.
    """

    def __init__(self, modules=None):
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __getitem__(self, key):
        return self._modules[key]

    def __setitem__(self, key, module):
        self.add_module(key, module)

    def __delitem__(self, key):
        del self._modules[key]

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules)

    def __contains__(self, key):
        return key in self._modules

    def keys(self):
        return self._modules.keys()

    def values(self):
        return self._modules.values()

    def items(self):
        return self._modules.items()

    def clear(self):
        self._modules.clear()

    def pop(self, key):
        v = self[key]
        del self[key]
        return v

    def update(self, modules):
        if isinstance(modules, (collections.abc.Mapping, ModuleDict)):
            modules = modules.items()
        for i, pair in enumerate(modules):
            if not isinstance(pair, (tuple, list)) or len(pair) != 2:
                raise ValueError(f'ModuleDict update sequence element #{i} should be a (name, '
                                 f'module) pair, got {type(pair).__name__}')
            self[pair[0]] = pair[1]

"""``torch.nn.utils.parametrize``: compute a module's tensor from other parameters on each
access (``register_parametrization``), as PyTorch's.

After ``register_parametrization(layer, 'weight', P())`` the layer's ``weight`` is a property:
reading it returns ``P()(layer.parametrizations.weight.original)``, differentiably, so the
optimizer trains ``original``. When ``P`` has a ``right_inverse`` returning a tuple, the
originals are ``original0``, ``original1``, ... (weight norm's g and v). The layer's class
becomes a subclass ``Parametrized<Name>`` holding the property, and the state dict keys are
PyTorch's (``parametrizations.weight.original``).
"""
import contextlib

from ...autograd import no_grad
from ..containers import ModuleDict, ModuleList
from ..parameter import Parameter

__all__ = ['register_parametrization', 'remove_parametrizations', 'is_parametrized',
           'ParametrizationList', 'cached', 'type_before_parametrizations']


class ParametrizationList(ModuleList):
    """The parametrizations of one tensor, applied in order, and its ``original`` parameter(s)."""

    def __init__(self, modules, original, unsafe=False):
        super().__init__(modules)
        self.unsafe = unsafe
        first = modules[0]
        with no_grad():
            new = first.right_inverse(original) if hasattr(first, 'right_inverse') else original
        self.is_tensor = not isinstance(new, (tuple, list))
        if self.is_tensor:
            self.original = Parameter(new.detach(), requires_grad=original.requires_grad)
            self.ntensors = 1
        else:
            for i, t in enumerate(new):
                setattr(self, f'original{i}',
                        Parameter(t.detach(), requires_grad=original.requires_grad))
            self.ntensors = len(new)

    def forward(self):
        if self.is_tensor:
            x = self[0](self.original)
        else:
            x = self[0](*(getattr(self, f'original{i}') for i in range(self.ntensors)))
        for m in list(self)[1:]:
            x = m(x)
        return x


def _parametrized_class(module):
    """The ``Parametrized<Name>`` subclass of the module's class (made once per module)."""
    cls = type(module)
    if getattr(cls, '_is_parametrized_class', False):
        return cls
    return type(f'Parametrized{cls.__name__}', (cls,), {'_is_parametrized_class': True,
                                                         '_original_class': cls})


def register_parametrization(module, tensor_name, parametrization, *, unsafe=False):
    """Make ``module.<tensor_name>`` the output of ``parametrization`` (a Module) applied to a
    new parameter initialised from the current tensor; returns ``module``. Registering a
    second parametrization on the same name chains it after the first."""
    if is_parametrized(module, tensor_name):
        module.parametrizations[tensor_name].append(parametrization)
        return module
    original = module._parameters.get(tensor_name, module._buffers.get(tensor_name))
    if original is None:
        raise ValueError(f"Module '{type(module).__name__}' has no parameter or buffer with "
                         f"name '{tensor_name}'")
    module._parameters.pop(tensor_name, None)
    module._buffers.pop(tensor_name, None)
    if 'parametrizations' not in module._modules:
        module.parametrizations = ModuleDict()
    module.parametrizations[tensor_name] = ParametrizationList([parametrization], original,
                                                               unsafe)
    cls = _parametrized_class(module)
    setattr(cls, tensor_name, property(lambda m: m.parametrizations[tensor_name]()))
    module.__class__ = cls
    return module


def is_parametrized(module, tensor_name=None):
    """Whether ``module`` (or its ``tensor_name``) has a parametrization."""
    p = module._modules.get('parametrizations')
    if p is None:
        return False
    return len(p) > 0 if tensor_name is None else tensor_name in p


def type_before_parametrizations(module):
    """The module's class before any parametrization."""
    return getattr(type(module), '_original_class', type(module))


def remove_parametrizations(module, tensor_name, leave_parametrized=True):
    """Undo ``register_parametrization``: ``tensor_name`` becomes an ordinary Parameter again,
    holding the parametrized value (or the original with ``leave_parametrized=False``)."""
    if not is_parametrized(module, tensor_name):
        raise ValueError(f'Module {type(module).__name__} does not have a parametrization on '
                         f'{tensor_name}')
    plist = module.parametrizations[tensor_name]
    with no_grad():
        if leave_parametrized:
            value = plist().detach()
        elif plist.is_tensor:
            value = plist.original.detach()
        else:
            raise ValueError('Cannot leave unparametrized (`leave_parametrized=False`) a tensor '
                             'that is parametrized in terms of a sequence of tensors.')
    del module.parametrizations[tensor_name]
    cls = type(module)
    delattr(cls, tensor_name)
    module.register_parameter(tensor_name, Parameter(value.clone()))
    if not is_parametrized(module):
        del module._modules['parametrizations']
        module.__class__ = cls._original_class
    return module


@contextlib.contextmanager
def cached():
    """PyTorch caches parametrized tensors inside this block; minigrad recomputes them (the
    same values), so this is a no-op context manager."""
    yield

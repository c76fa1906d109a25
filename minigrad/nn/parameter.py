"""Parameter: a Tensor that a Module registers as learnable when assigned as an attribute;
Buffer: one it registers as a buffer."""
from .. import backend
from ..dtypes import get_default_dtype
from ..tensor import Tensor, _to_array

__all__ = ['Parameter', 'Buffer']


def _data_array(data):
    """The array a Parameter or Buffer wraps: a Tensor's own (shared), a copy of anything else,
    an empty one of the default dtype for None."""
    if data is None:
        return backend.xp_of_device(backend.get_default_device()).empty(
            (0,), dtype=get_default_dtype())
    if isinstance(data, Tensor):
        return data.array
    return _to_array(data, None, None)


class Parameter(Tensor):
    """A Tensor that a Module registers as a learnable parameter when assigned as an attribute.

    Args:
        data: a Tensor (its array is shared, not copied, as in PyTorch), a NumPy/CuPy array or
            Python data (copied); None gives an empty tensor of the default dtype.
        requires_grad: whether the parameter requires a gradient (default True).
    """

    def __init__(self, data=None, requires_grad=True):
        self._init_leaf(_data_array(data), requires_grad)

    def __repr__(self):
        return 'Parameter containing:\n' + super().__repr__()

    __str__ = __repr__

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        out = Parameter(Tensor._wrap(self.array.copy()), requires_grad=self.requires_grad)
        if self.grad is not None:
            out.grad = Tensor._wrap(self.grad.array.copy())
        memo[id(self)] = out
        return out


class Buffer(Tensor):
    """A Tensor that a Module registers as a buffer when assigned as an attribute
    (``self.running = nn.Buffer(mg.zeros(3))``), as ``torch.nn.Buffer``; the module keeps a plain
    Tensor sharing its memory.

    Args:
        data: a Tensor (shared), a NumPy/CuPy array or Python data (copied); None gives an
            empty tensor of the default dtype.
        persistent: whether the buffer goes into ``state_dict`` (keyword only).
    """

    def __init__(self, data=None, *, persistent=True):
        self._init_leaf(_data_array(data), False)
        self.persistent = bool(persistent)

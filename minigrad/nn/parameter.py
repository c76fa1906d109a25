"""Parameter: a Tensor that a Module registers as learnable when assigned as an attribute."""
from .. import backend
from ..dtypes import get_default_dtype
from ..tensor import Tensor, _to_array

__all__ = ['Parameter']


class Parameter(Tensor):
    """A Tensor that a Module registers as a learnable parameter when assigned as an attribute.

    Args:
        data: a Tensor (its array is shared, not copied, as in PyTorch), a NumPy/CuPy array or
            Python data (copied); None gives an empty float32 tensor.
        requires_grad: whether the parameter requires a gradient (default True).
    """

    def __init__(self, data=None, requires_grad=True):
        if data is None:
            arr = backend.xp_of_device(backend.get_default_device()).empty(
                (0,), dtype=get_default_dtype())
        elif isinstance(data, Tensor):
            arr = data.array
        else:
            arr = _to_array(data, None, None)
        self._init_leaf(arr, requires_grad)

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

"""Tensor methods that select, sort and rearrange elements by index, as PyTorch's: the
``TensorIndex`` mixin of Tensor (see tensor.py).

``FUNCTIONS`` names the methods that PyTorch also offers as free functions (``torch.NAME``);
functions.py makes them so.
"""


class TensorIndex:
    __slots__ = ()


FUNCTIONS = ()

"""More elementwise and reduction Tensor methods, as PyTorch's: the ``TensorPointwise`` mixin
of Tensor (see tensor.py).

``FUNCTIONS`` names the methods that PyTorch also offers as free functions (``torch.NAME``);
functions.py makes them so.
"""


class TensorPointwise:
    __slots__ = ()


FUNCTIONS = ()

"""PyTorch's legacy tensor types, for the code that still uses them: ``mg.FloatTensor([1, 2])``,
``mg.LongTensor(3, 4)``, ``x.type(mg.FloatTensor)``, ``isinstance(x, mg.FloatTensor)``.

Each is a constructor of a plain ``Tensor`` with a fixed dtype (``FloatTensor(2, 3)`` is a 2x3
float32 tensor of zeros; ``FloatTensor(data)`` a float32 copy of ``data``) and answers
``isinstance`` by dtype, as in PyTorch. New code names the dtype instead: ``mg.tensor(data,
dtype=mg.float32)``, ``mg.zeros(2, 3)``.
"""
import numpy as np

from .dtypes import LEGACY_NAMES
from .tensor import Tensor


class _LegacyType(type):
    """The metaclass: calling the type makes a Tensor; isinstance checks the dtype (CPU tensors)."""

    def __call__(cls, *args, device=None, requires_grad=False):
        return Tensor(*args, dtype=cls.dtype, device=device, requires_grad=requires_grad)

    def __instancecheck__(cls, obj):
        return isinstance(obj, Tensor) and obj.dtype == cls.dtype and obj.device.type == 'cpu'

    def __repr__(cls):
        return f"<class 'minigrad.{cls.__name__}'>"


def _legacy_type(dtype):
    name = LEGACY_NAMES[np.dtype(dtype)]
    return _LegacyType(name, (), {'dtype': np.dtype(dtype), '__doc__': (
        f'``mg.{name}(*sizes)`` or ``mg.{name}(data)``: a {np.dtype(dtype)} Tensor (PyTorch\'s '
        f'legacy ``torch.{name}``).')})


FloatTensor = _legacy_type(np.float32)
DoubleTensor = _legacy_type(np.float64)
HalfTensor = _legacy_type(np.float16)
LongTensor = _legacy_type(np.int64)
IntTensor = _legacy_type(np.int32)
ShortTensor = _legacy_type(np.int16)
CharTensor = _legacy_type(np.int8)
ByteTensor = _legacy_type(np.uint8)
BoolTensor = _legacy_type(np.bool_)

__all__ = ['FloatTensor', 'DoubleTensor', 'HalfTensor', 'LongTensor', 'IntTensor', 'ShortTensor',
           'CharTensor', 'ByteTensor', 'BoolTensor']

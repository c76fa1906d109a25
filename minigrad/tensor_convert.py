"""Tensor's conversions and printing (a mixin of ``Tensor``): to NumPy and Python numbers,
``to(device/dtype)``, ``cpu``/``cuda``, ``float()``/``long()``... and PyTorch's type names
(``x.type()``), ``clone``, ``contiguous``, ``data_ptr``, and ``repr``.
"""
import numpy as np

from . import backend
from .dtypes import LEGACY_NAMES, as_dtype, is_float
from .ops import elementwise as E
from .ops import shape as S
from .tensor_index import PRINT_OPTIONS
from .tensor_math import is_tensor


class TensorConvert:
    __slots__ = ()

    # ------------------------------------------------------------ conversion
    def numpy(self):
        """A NumPy array with the data (the same memory on the CPU, a host copy from a GPU)."""
        return backend.asnumpy(self.array)

    def __array__(self, dtype=None, copy=None):
        a = self.numpy()
        return a if dtype is None else a.astype(dtype)

    def item(self):
        if self.array.size != 1:
            raise ValueError(f'a tensor with {self.array.size} elements cannot be converted to a '
                             'Python number (item() needs exactly one element)')
        return self.array.item()

    def tolist(self):
        return self.numpy().tolist()

    def __format__(self, spec):
        """A 0-d tensor formats as its Python number (``'{:.2f}'.format(loss)``), as PyTorch."""
        return self.item().__format__(spec) if self.ndim == 0 else object.__format__(self, spec)

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __index__(self):
        if not np.issubdtype(self.dtype, np.integer):
            raise TypeError(f'only integer tensors can be used as an index, got {self.dtype}')
        return int(self.item())

    def __bool__(self):
        if self.array.size != 1:
            raise RuntimeError(f'the truth value of a tensor with {self.array.size} elements is '
                               'ambiguous; use .any() or .all()')
        return bool(self.item())

    def to(self, *args, **kwargs):
        """``to(device)``, ``to(dtype)``, ``to(device, dtype)`` or ``to(other_tensor)``;
        differentiable, and returns ``self`` when nothing changes."""
        device, dtype, copy = parse_to_args(args, kwargs)
        out = self
        if device is not None:
            dev = backend.get_device(device)
            if dev != self.device:
                out = E.ToDevice.apply(out, device=dev)
        dtype = as_dtype(dtype)
        if dtype is not None and dtype != out.dtype:
            if out.requires_grad and is_float(dtype):
                out = E.Cast.apply(out, dtype=dtype)
            else:
                out = self._wrap(out.array.astype(dtype))
        if copy and out is self:
            out = E.Cast.apply(self, dtype=self.dtype)
        return out

    def cpu(self):
        return self.to('cpu')

    def cuda(self, device=None):
        return self.to(backend.cuda_device(device))

    def float(self):
        return self.to(np.float32)

    def double(self):
        return self.to(np.float64)

    def half(self):
        return self.to(np.float16)

    def long(self):
        return self.to(np.int64)

    def int(self):
        return self.to(np.int32)

    def bool(self):
        return self.to(np.bool_)

    def byte(self):
        return self.to(np.uint8)

    def char(self):
        return self.to(np.int8)

    def short(self):
        return self.to(np.int16)

    def type(self, dtype=None, non_blocking=False):
        """Without ``dtype``: PyTorch's type name, ``'torch.FloatTensor'`` (``'torch.cuda.FloatTensor'``
        on a GPU), so that code comparing it keeps working. With one: this tensor as ``dtype``
        (a dtype, ``mg.FloatTensor`` and friends, or such a name)."""
        if dtype is None:
            cuda = '.cuda' if self.device.type == 'cuda' else ''
            return f'torch{cuda}.{LEGACY_NAMES.get(self.dtype, str(self.dtype))}'
        if isinstance(dtype, str):
            kind = dtype.rsplit('.', 1)[-1]
            match = [d for d, name in LEGACY_NAMES.items() if name == kind]
            if not match:
                raise TypeError(f'invalid type: {dtype!r}')
            out = self.to(match[0])
            return out.to('cuda') if '.cuda.' in dtype else out
        legacy = getattr(dtype, 'dtype', None)          # mg.FloatTensor and friends
        return self.to(legacy if isinstance(legacy, np.dtype) else dtype)

    def type_as(self, other):
        """This tensor in ``other``'s dtype (and on its device, as PyTorch's ``type_as``)."""
        return self.to(other.device).to(other.dtype)

    def ndimension(self):
        return self.ndim

    def data_ptr(self):
        """The address of the first element: equal for two tensors that share memory from the
        same start (``a.data_ptr() == b.data_ptr()``), as in PyTorch."""
        return backend.data_ptr(self.array)

    def clone(self):
        return E.Cast.apply(self, dtype=self.dtype) if self.requires_grad else self._wrap(self.array.copy())

    def contiguous(self, memory_format=None):
        """This tensor if its array is C-ordered, else a C-ordered copy (recorded for autograd)."""
        return self if self.array.flags.c_contiguous else S.Contiguous.apply(self)

    # ------------------------------------------------------------ printing
    def __repr__(self):
        values = self.numpy()
        options = dict(PRINT_OPTIONS)
        if values.dtype.kind == 'f' and 'floatmode' not in options:
            finite = values[np.isfinite(values)]
            # as PyTorch: every float with `precision` decimals unless all are whole numbers
            options['floatmode'] = 'fixed' if finite.size and (finite != np.round(finite)).any() else 'maxprec'
        body = np.array2string(values, separator=', ', prefix='tensor(', **options)
        extra = []
        if self.device.type == 'cuda':
            extra.append(f"device='{self.device}'")
        if self.dtype not in (np.float32, np.int64, np.bool_):
            extra.append(f'dtype={self.dtype}')
        if self.grad_fn is not None:
            extra.append(f'grad_fn={self.grad_fn!r}')
        elif self.requires_grad:
            extra.append('requires_grad=True')
        return 'tensor(' + body + ''.join(', ' + e for e in extra) + ')'

    __str__ = __repr__


def parse_to_args(args, kwargs):
    """The arguments of ``Tensor.to`` / ``Module.to``: ``(device, dtype, copy)``, each maybe None.

    Accepts ``to(device)``, ``to(dtype)``, ``to(device, dtype)``, ``to(other_tensor)`` and the
    keywords ``device``, ``dtype``, ``copy``, ``non_blocking`` (ignored).
    """
    kwargs = dict(kwargs)
    device, dtype = kwargs.pop('device', None), kwargs.pop('dtype', None)
    kwargs.pop('non_blocking', None)
    copy = kwargs.pop('copy', False)
    if kwargs:
        raise TypeError(f'to() got unexpected keyword arguments {sorted(kwargs)}')
    for a in args:
        if is_tensor(a):
            device, dtype = a.device, a.dtype
        elif isinstance(a, (str, backend.Device)):
            device = a
        else:
            dtype = a
    return device, dtype, copy



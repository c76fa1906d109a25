"""Tensor methods about making and laying out tensors (a mixin of ``TensorIndex``, see
tensor_index.py): the ``new_*`` factories (this tensor's dtype and device), layout and type
queries (``stride is_contiguous element_size nelement is_floating_point pin_memory``) and the
in-place shape changes (``squeeze_ unsqueeze_ transpose_ t_ swapaxes_ detach_``)."""
import numpy as np

from . import argcheck, autograd, backend
from . import dimargs as A
from .dtypes import as_dtype, is_float
from .tensor_index_args import is_tensor


class TensorLayout:
    """new_* factories, layout queries and in-place shape changes."""
    __slots__ = ()

    # ------------------------------------------------------------ new tensors like this one
    def _filled_like(self, kind, size, dtype, device, requires_grad, value=None):
        dtype = self.dtype if dtype is None else as_dtype(dtype)
        dev = self.device if device is None else backend.get_device(device)
        if not all(argcheck.is_int(n) for n in size):
            raise TypeError(f'{kind}: size must be ints, got {list(size)}')
        if any(n < 0 for n in size):
            raise RuntimeError(f'Trying to create tensor with negative dimension '
                               f'{min(size)}: {list(size)}')
        with backend.device_context(dev):
            xp = backend.xp_of_device(dev)
            arr = xp.full(size, value, dtype=dtype) if kind == 'full' else \
                getattr(xp, kind)(size, dtype=dtype)
        t = self._wrap(arr)
        return t.requires_grad_(True) if requires_grad else t

    def new_zeros(self, *size, dtype=None, device=None, requires_grad=False):
        """Zeros of ``size`` with this tensor's dtype and device (unless given)."""
        return self._filled_like('zeros', A.shape_args(size), dtype, device, requires_grad)

    def new_ones(self, *size, dtype=None, device=None, requires_grad=False):
        """Ones of ``size`` with this tensor's dtype and device (unless given)."""
        return self._filled_like('ones', A.shape_args(size), dtype, device, requires_grad)

    def new_empty(self, *size, dtype=None, device=None, requires_grad=False):
        """A tensor of ``size`` with this tensor's dtype and device; filled with zeros (so runs
        are reproducible), where PyTorch leaves the memory as it was."""
        return self._filled_like('zeros', A.shape_args(size), dtype, device, requires_grad)

    def new_full(self, size, fill_value, *, dtype=None, device=None, requires_grad=False):
        """``size`` filled with ``fill_value`` (cast to this tensor's dtype unless ``dtype``)."""
        if not isinstance(size, (tuple, list)):
            raise TypeError(f"new_full(): argument 'size' must be tuple of ints, not "
                            f'{type(size).__name__}')
        return self._filled_like('full', tuple(size), dtype, device, requires_grad, fill_value)

    def new_tensor(self, data, *, dtype=None, device=None, requires_grad=False):
        """A new tensor holding a copy of ``data``, with this tensor's dtype and device unless
        given (a Tensor ``data`` is copied without its graph)."""
        dev = self.device if device is None else backend.get_device(device)
        dtype = self.dtype if dtype is None else as_dtype(dtype)
        if is_tensor(data):
            arr = backend.to_device(data.array, dev).astype(dtype)
        else:
            arr = backend.asarray(data, dtype=dtype, device=dev)
            arr = arr.copy() if arr is data else arr
        t = self._wrap(arr)
        return t.requires_grad_(True) if requires_grad else t

    def new(self, *args):
        """PyTorch's legacy ``x.new(...)``: ``new(2, 3)`` (or an ``mg.Size``) is a tensor of that
        size (zeros here, uninitialised in PyTorch), ``new(data)`` a copy of ``data``, ``new()``
        an empty one; always this tensor's dtype and device (``torch.Tensor(...)``'s rules)."""
        tensor_class = type(self._wrap(self.array))        # Tensor, also for an nn.Parameter
        return tensor_class(*args, dtype=self.dtype, device=self.device)

    # ------------------------------------------------------------ layout and type queries
    def stride(self, dim=None):
        """Steps in elements between neighbours along each dim (0 along expanded dims)."""
        st = tuple(s // self.array.itemsize for s in self.array.strides)
        return st if dim is None else st[A.one_dim(dim, self.ndim)]

    def is_contiguous(self, memory_format=None):
        """Whether the elements lie in memory in row-major order without gaps."""
        return bool(self.array.flags.c_contiguous)

    def element_size(self):
        """Bytes per element."""
        return int(self.array.itemsize)

    def nelement(self):
        """``numel()``."""
        return self.numel()

    def is_floating_point(self):
        return bool(is_float(self.dtype))

    def is_complex(self):
        return bool(np.issubdtype(self.dtype, np.complexfloating))

    def pin_memory(self, device=None):
        """Returns the tensor itself: NumPy and CuPy need no page-locked staging copy here."""
        return self

    def is_pinned(self, device=None):
        return False

    def get_device(self):
        """-1 on the CPU, the GPU's index on a GPU, as PyTorch."""
        return -1 if self.device.type == 'cpu' else (self.device.index or 0)

    @property
    def is_cpu(self):
        return self.device.type == 'cpu'

    @property
    def nbytes(self):
        """Bytes the elements take: ``numel() * element_size()``."""
        return int(self.array.nbytes)

    @property
    def itemsize(self):
        """Bytes per element."""
        return int(self.array.itemsize)

    def is_signed(self):
        """Whether the dtype holds negative numbers (floats and signed integers)."""
        return self.dtype.kind in 'if'

    def is_same_size(self, other):
        return self.shape == tuple(other.shape)

    def is_nonzero(self):
        """The truth of a one-element tensor; a RuntimeError for any other, as PyTorch."""
        if self.numel() != 1:
            raise RuntimeError('Boolean value of Tensor with '
                               f'{"no values" if self.numel() == 0 else "more than one value"} '
                               'is ambiguous')
        return bool(self.item() != 0)

    # ------------------------------------------------------------ in-place shape changes
    def _restride(self, name, change):
        """Make this tensor ``change(itself)`` (a view: new shape, same memory), recording the
        change in the graph when it has one, as PyTorch's in-place shape methods."""
        if not (autograd.is_grad_enabled() and self.requires_grad):
            with autograd.no_grad():
                self.array = change(self).array
            return self
        if self.grad_fn is None:
            raise RuntimeError(f'{name}: a leaf Variable that requires grad is being used in an '
                               'in-place operation; use the out-of-place form')
        if self._view is not None:
            raise RuntimeError(f'{name}: in-place shape change of a view that requires grad is not '
                               'supported; use the out-of-place form')
        new = change(self._alias())
        self.array, self.grad_fn = new.array, new.grad_fn
        return self

    def squeeze_(self, dim=None):
        """In-place ``squeeze``."""
        return self._restride('squeeze_', lambda t: t.squeeze(dim))

    def unsqueeze_(self, dim):
        """In-place ``unsqueeze``."""
        return self._restride('unsqueeze_', lambda t: t.unsqueeze(dim))

    def transpose_(self, dim0, dim1):
        """In-place ``transpose``."""
        return self._restride('transpose_', lambda t: t.transpose(dim0, dim1))

    def t_(self):
        """In-place ``t``."""
        return self._restride('t_', lambda t: t.t())

    def swapaxes_(self, axis0, axis1):
        """In-place ``swapaxes``."""
        return self.transpose_(axis0, axis1)

    def swapdims_(self, dim0, dim1):
        """In-place ``swapdims``."""
        return self.transpose_(dim0, dim1)

    def detach_(self):
        """Cut this tensor from the graph in place: it becomes a leaf that does not require grad."""
        if self._view is not None and self.grad_fn is not None:
            raise RuntimeError("Can't detach views in-place. Use detach() instead.")
        self.grad_fn, self.requires_grad = None, False
        return self

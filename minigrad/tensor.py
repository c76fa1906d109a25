"""Tensor: an array on a device (NumPy or CuPy) that can record the ops that made it.

This file holds the Tensor object itself: construction, attributes, autograd entry points
(backward, hooks), conversions and printing. Tensor inherits the rest from mixins, one concern
per file: arithmetic and math from ``tensor_math.py``, reductions from ``tensor_reduce.py``, shape methods and indexing
from ``tensor_shape.py``, in-place changes and the version counter from ``tensor_inplace.py``,
the indexing family from ``tensor_index*.py``, more math from ``tensor_pointwise*.py``,
conversions and printing from ``tensor_convert.py``.
Free functions (``mg.cat``, ``mg.where``...) are in ``functions.py``, dtypes and promotion in
``dtypes.py``; ``backward()`` hands the recorded graph to ``autograd``.
"""
import numpy as np

from . import autograd, backend
from .dimargs import Size
from .dtypes import as_dtype, get_default_dtype, is_float
from .hooks import add_hook
from .tensor_convert import TensorConvert, parse_to_args  # noqa: F401 (nn.Module.to uses it)
from .tensor_index import TensorIndex
from .tensor_math import TensorMath, is_tensor
from .tensor_inplace import TensorInplace
from .tensor_pointwise import TensorPointwise
from .tensor_reduce import TensorReduce
from .tensor_shape import TensorShape


def _to_array(data, dtype, device):
    """Build the backend array for ``mg.tensor``, inferring the dtype as PyTorch does."""
    if is_tensor(data):
        data = data.array
    if backend.is_array(data):
        if device is None:   # a NumPy array goes to the default device; a CuPy array stays put
            device = backend.get_default_device() if isinstance(data, np.ndarray) else backend.device_of(data)
        arr = backend.to_device(data, device)
        if dtype is not None and arr.dtype != dtype:
            arr = arr.astype(dtype)
        elif arr is data:
            arr = arr.copy()
        return _check_kind(arr, data)
    if isinstance(data, (list, tuple)):
        data = _unwrap_nested(data)
    try:
        arr = np.asarray(data, dtype=dtype)
    except (TypeError, ValueError) as e:
        raise TypeError(f'cannot make a tensor from {type(data).__name__} {_short(data)}: {e}') from None
    if dtype is None and arr.dtype == np.float64 and not isinstance(data, np.generic):
        arr = arr.astype(get_default_dtype())   # Python floats -> the default float32
    return backend.to_device(_check_kind(arr, data), backend.get_device(device))


def _is_int(x):
    return isinstance(x, (int, np.integer)) and not isinstance(x, (bool, np.bool_))


def _short(data):
    r = repr(data)
    return r if len(r) <= 60 else r[:57] + '...'


def _check_kind(arr, data):
    if arr.dtype == object:
        raise TypeError(f'cannot make a tensor from {type(data).__name__} of mixed or ragged data')
    if arr.dtype.kind not in 'biufc':
        raise TypeError(f'a tensor holds numbers or bools, got {type(data).__name__} {_short(data)} '
                        f'(NumPy dtype {arr.dtype})')
    return arr


def _unwrap_nested(data):
    if is_tensor(data):
        return backend.asnumpy(data.array)
    if isinstance(data, (list, tuple)):
        return [_unwrap_nested(d) for d in data]
    return data


class Tensor(TensorMath, TensorReduce, TensorShape, TensorInplace, TensorIndex, TensorPointwise,
             TensorConvert):
    """A multi-dimensional array with autograd, on the CPU (NumPy) or a GPU (CuPy).

    Args:
        data: Python numbers/lists, a NumPy or CuPy array, or a Tensor (copied).
        dtype: a NumPy dtype; by default inferred as PyTorch does (Python floats -> float32).
        device: ``'cpu'``, ``'cuda'`` or ``'cuda:N'``; by default the default device.
        requires_grad: record ops on this tensor so that ``backward`` reaches it.
    """
    __slots__ = ('array', 'grad', 'requires_grad', 'grad_fn', '_retains_grad', 'name', '_vc',
                 '_view', '_hooks', '_post_hooks', '__weakref__')
    __array_ufunc__ = None       # NumPy operators defer to ours: np.float32(2) * t is a Tensor
    __array_priority__ = 1000

    def __init__(self, *args, dtype=None, device=None, requires_grad=False):
        """PyTorch's ``torch.Tensor(...)``: ``Tensor(2, 3)`` (or ``Tensor(mg.Size([2, 3]))``) is a
        2x3 tensor of zeros (PyTorch leaves it uninitialised), ``Tensor(data)`` a copy of
        ``data`` in the default float dtype whatever the data (``mg.tensor`` infers the dtype
        instead: use that in new code), ``Tensor()`` an empty one."""
        dtype = as_dtype(dtype) or get_default_dtype()
        if len(args) == 1 and not _is_int(args[0]) and not isinstance(args[0], Size):
            array = _to_array(args[0], dtype, device)
        else:
            sizes = tuple(args[0]) if len(args) == 1 and isinstance(args[0], Size) else args or (0,)
            if not all(_is_int(n) and n >= 0 for n in sizes):
                raise TypeError(f'Tensor() takes data or sizes (non-negative ints), got '
                                f'{", ".join(repr(a) for a in args)}')
            device = backend.get_device(device)
            with backend.device_context(device):
                array = backend.xp_of_device(device).zeros(tuple(int(n) for n in sizes), dtype=dtype)
        self._init_leaf(array, requires_grad)

    @classmethod
    def _new(cls, data, dtype=None, device=None, requires_grad=False):
        """``mg.tensor``: a new leaf holding a copy of ``data``, the dtype inferred as PyTorch does."""
        t = object.__new__(Tensor)
        t._init_leaf(_to_array(data, as_dtype(dtype), device), requires_grad)
        return t

    def _init_leaf(self, array, requires_grad):
        """Make this a leaf around ``array`` (not copied); shared with ``nn.Parameter``."""
        self._set_fields(array)
        if requires_grad:
            self.requires_grad_(True)

    @classmethod
    def _wrap(cls, array):
        """A tensor around an existing backend array (no copy, no checks)."""
        t = object.__new__(Tensor)
        t._set_fields(array)
        return t

    def _set_fields(self, array):
        self.array = array
        self.grad = None
        self.grad_fn = None
        self.requires_grad = False
        self._retains_grad = False
        self.name = None
        self._vc = [0]                         # the version counter, one list shared by views
        self._view = None                      # (base, view op, its options) for a view
        self._hooks = self._post_hooks = None

    # ------------------------------------------------------------ attributes
    @property
    def data(self):
        """This tensor's values as a new Tensor without grad history, sharing the same memory (as in
        PyTorch): ``p.data.mul_(0.5)`` changes ``p``. The raw NumPy/CuPy array is ``.array``."""
        return Tensor._wrap(self.array)

    @data.setter
    def data(self, value):
        """``t.data = other`` swaps in ``other``'s values (a Tensor or an array of the same shape's
        kind), keeping ``t``'s identity and grad settings, as PyTorch allows."""
        if is_tensor(value):
            value = value.array
        self.array = value if backend.is_array(value) else backend.asarray(value, device=self.device)

    @property
    def shape(self):
        return tuple(self.array.shape)

    @property
    def ndim(self):
        return self.array.ndim

    @property
    def dtype(self):
        return self.array.dtype

    @property
    def device(self):
        return backend.device_of(self.array)

    @property
    def is_leaf(self):
        return self.grad_fn is None

    @property
    def is_cuda(self):
        return self.device.type == 'cuda'

    @property
    def T(self):
        return self.permute(*reversed(range(self.ndim)))

    def size(self, dim=None):
        return self.shape if dim is None else self.shape[dim]

    def numel(self):
        return int(self.array.size)

    def dim(self):
        return self.ndim

    def __len__(self):
        if self.ndim == 0:
            raise TypeError('len() of a 0-d tensor')
        return self.shape[0]

    def __iter__(self):
        if self.ndim == 0:
            raise TypeError('iteration over a 0-d tensor')
        return (self[i] for i in range(self.shape[0]))

    # ------------------------------------------------------------ autograd
    def backward(self, gradient=None, retain_graph=False):
        """Accumulate d(self)/d(leaf) into ``.grad`` of every leaf that requires grad.

        Args:
            gradient: d(loss)/d(self); may be omitted only when self has one element.
            retain_graph: keep the graph's saved arrays for another backward.
        """
        autograd.backward(self, gradient, retain_graph)

    def requires_grad_(self, requires_grad=True):
        if requires_grad and not (is_float(self.dtype) or np.issubdtype(self.dtype, np.complexfloating)):
            raise RuntimeError(f'only tensors of floating point dtype can require gradients, '
                               f'got dtype {self.dtype}')
        if not requires_grad and not self.is_leaf:
            raise RuntimeError('you can only change requires_grad flags of leaf tensors; use '
                               'detach() for a non-leaf tensor')
        self.requires_grad = bool(requires_grad)
        return self

    def retain_grad(self):
        """Keep ``.grad`` for this non-leaf tensor after backward."""
        if not self.requires_grad:
            raise RuntimeError("can't retain_grad on a tensor that has requires_grad=False")
        if not self.is_leaf:
            self._retains_grad = True
        return self

    def register_hook(self, hook):
        """Call ``hook(grad)`` each time this tensor's gradient is complete during backward.

        The hook gets the gradient of this tensor (all contributions summed, so ``b = a + a``
        calls it once) before it is accumulated into ``.grad`` or passed on through the graph;
        if it returns a Tensor, that replaces the gradient. Hooks run in registration order.
        Works on leaves and non-leaves, as in PyTorch.

        Args:
            hook: ``fn(grad: Tensor) -> Tensor or None``.

        Returns:
            a ``minigrad.hooks.RemovableHandle``; ``handle.remove()`` removes the hook.
        """
        if not self.requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self._hooks is None:
            self._hooks = {}
        return add_hook(self._hooks, hook)

    def register_post_accumulate_grad_hook(self, hook):
        """Call ``hook(tensor)`` right after backward has accumulated into this leaf's ``.grad``.

        Only for leaves that require grad (the parameters an optimizer or DistributedDataParallel
        acts on); ``tensor.grad`` holds the accumulated gradient when the hook runs. Its return
        value is ignored.

        Args:
            hook: ``fn(tensor: Tensor) -> None``.

        Returns:
            a ``minigrad.hooks.RemovableHandle``.
        """
        if not self.requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if not self.is_leaf:
            raise RuntimeError('post accumulate grad hooks cannot be registered on non-leaf tensors')
        if self._post_hooks is None:
            self._post_hooks = {}
        return add_hook(self._post_hooks, hook)

    def detach(self):
        """The same data, cut from the graph (shares memory and the version counter, as in
        PyTorch: an in-place change through it is seen by the graph's version checks)."""
        t = Tensor._wrap(self.array)
        t._vc = self._vc
        return t

    def _accumulate_grad(self, g):
        if g.dtype != self.array.dtype:
            g = g.astype(self.array.dtype)
        if self.grad is None:
            # np.array, not g.copy(): a NumPy scalar (0-d results) becomes a writable 0-d array
            self.grad = Tensor._wrap(g.copy() if backend.is_array(g) else np.array(g))
        else:
            self.grad.array = self.grad.array + g

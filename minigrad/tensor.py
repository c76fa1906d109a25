"""Tensor: an array on a device (NumPy or CuPy) that can record the ops that made it.

Operators and methods call the differentiable ops in ``minigrad.ops``; ``backward()`` hands
the recorded graph to the engine in ``minigrad.autograd``.
"""
import collections
import numbers

import numpy as np

from . import autograd, backend
from .ops import elementwise as E
from .ops import linalg as L
from .ops import reduce as R
from .ops import shape as S

float16 = np.float16
float32 = np.float32
float64 = np.float64
int8 = np.int8
int16 = np.int16
int32 = np.int32
int64 = np.int64
uint8 = np.uint8
bool = np.bool_
long = np.int64

_builtin_bool = __builtins__['bool'] if isinstance(__builtins__, dict) else __builtins__.bool
DEFAULT_FLOAT = np.dtype(np.float32)

max_return = collections.namedtuple('max', ['values', 'indices'])
min_return = collections.namedtuple('min', ['values', 'indices'])


def _is_float(dtype):
    return np.issubdtype(dtype, np.floating)


def _as_dtype(dtype):
    return None if dtype is None else np.dtype(dtype)


def _dims(dim, ndim):
    """Normalise an int or a tuple of dims to a sorted tuple of non-negative ints (None stays)."""
    if dim is None:
        return None
    items = (dim,) if isinstance(dim, numbers.Integral) else tuple(dim)
    out = []
    for d in items:
        lo, hi = (-ndim, ndim - 1) if ndim else (-1, 0)
        if not lo <= d <= hi:
            raise IndexError(f'Dimension out of range (expected to be in range of [{lo}, {hi}], '
                             f'but got {d})')
        out.append(d % ndim if ndim else 0)
    if len(set(out)) != len(out):
        raise RuntimeError(f'dim {dim} appears multiple times in the list of dims')
    return tuple(sorted(out))


def _reduce_dims(dim, ndim):
    """``_dims`` for a reduction: a 0-d tensor accepts dim 0 or -1 and reduces over nothing."""
    dims = _dims(dim, ndim)
    return () if (ndim == 0 and dims is not None) else dims


def _dim_kw(dim, axis, keepdim, keepdims):
    """Accept NumPy's axis/keepdims as aliases of PyTorch's dim/keepdim."""
    if axis is not None:
        if dim is not None:
            raise TypeError('give dim or axis, not both')
        dim = axis
    if keepdims is not None:
        keepdim = keepdims
    return dim, _builtin_bool(keepdim)


def _shape_args(shape):
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        return tuple(shape[0])
    return tuple(shape)


def _to_array(data, dtype, device):
    """Build the backend array for ``mg.tensor``, inferring the dtype as PyTorch does."""
    if isinstance(data, Tensor):
        data = data.array
    if backend.is_array(data):
        if device is None:   # a NumPy array goes to the default device; a CuPy array stays put
            device = backend.get_default_device() if isinstance(data, np.ndarray) else backend.device_of(data)
        arr = backend.to_device(data, device)
        if dtype is not None and arr.dtype != dtype:
            arr = arr.astype(dtype)
        elif arr is data:
            arr = arr.copy()
        return arr
    if isinstance(data, (list, tuple)):
        data = _unwrap_nested(data)
    arr = np.asarray(data, dtype=dtype)
    if dtype is None and arr.dtype == np.float64 and not isinstance(data, np.generic):
        arr = arr.astype(DEFAULT_FLOAT)   # Python floats -> the default float32
    if arr.dtype == object:
        raise TypeError(f'cannot make a tensor from {type(data).__name__} of mixed or ragged data')
    return backend.to_device(arr, backend.get_device(device))


def _unwrap_nested(data):
    if isinstance(data, Tensor):
        return backend.asnumpy(data.array)
    if isinstance(data, (list, tuple)):
        return [_unwrap_nested(d) for d in data]
    return data


class Tensor:
    """A multi-dimensional array with autograd, on the CPU (NumPy) or a GPU (CuPy).

    Args:
        data: Python numbers/lists, a NumPy or CuPy array, or a Tensor (copied).
        dtype: a NumPy dtype; by default inferred as PyTorch does (Python floats -> float32).
        device: ``'cpu'``, ``'cuda'`` or ``'cuda:N'``; by default the default device.
        requires_grad: record ops on this tensor so that ``backward`` reaches it.
    """
    __slots__ = ('array', 'grad', 'requires_grad', 'grad_fn', '_retains_grad', 'name', '__weakref__',
                 '__dict__')
    __array_ufunc__ = None       # NumPy operators defer to ours: np.float32(2) * t is a Tensor
    __array_priority__ = 1000

    def __init__(self, data, dtype=None, device=None, requires_grad=False):
        self._init_leaf(_to_array(data, _as_dtype(dtype), device), requires_grad)

    def _init_leaf(self, array, requires_grad):
        """Make this a leaf around ``array`` (not copied); shared with ``nn.Parameter``."""
        self.array = array
        self.grad = None
        self.grad_fn = None
        self._retains_grad = False
        self.name = None
        self.requires_grad = False
        if requires_grad:
            self.requires_grad_(True)

    @classmethod
    def _wrap(cls, array):
        """A tensor around an existing backend array (no copy, no checks)."""
        t = object.__new__(Tensor)
        t.array = array
        t.grad = None
        t.grad_fn = None
        t.requires_grad = False
        t._retains_grad = False
        t.name = None
        return t

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
        if isinstance(value, Tensor):
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

    # ------------------------------------------------------------ autograd
    def backward(self, gradient=None, retain_graph=False):
        """Accumulate d(self)/d(leaf) into ``.grad`` of every leaf that requires grad.

        Args:
            gradient: d(loss)/d(self); may be omitted only when self has one element.
            retain_graph: keep the graph's saved arrays for another backward.
        """
        autograd.backward(self, gradient, retain_graph)

    def requires_grad_(self, requires_grad=True):
        if requires_grad and not (_is_float(self.dtype) or np.issubdtype(self.dtype, np.complexfloating)):
            raise RuntimeError(f'only tensors of floating point dtype can require gradients, '
                               f'got dtype {self.dtype}')
        if not requires_grad and not self.is_leaf:
            raise RuntimeError('you can only change requires_grad flags of leaf tensors; use '
                               'detach() for a non-leaf tensor')
        self.requires_grad = _builtin_bool(requires_grad)
        return self

    def retain_grad(self):
        """Keep ``.grad`` for this non-leaf tensor after backward."""
        if not self.requires_grad:
            raise RuntimeError("can't retain_grad on a tensor that has requires_grad=False")
        if not self.is_leaf:
            self._retains_grad = True
        return self

    def detach(self):
        """The same data, cut from the graph (shares memory, like PyTorch)."""
        return Tensor._wrap(self.array)

    def _accumulate_grad(self, g):
        if g.dtype != self.array.dtype:
            g = g.astype(self.array.dtype)
        if self.grad is None:
            # np.array, not g.copy(): a NumPy scalar (0-d results) becomes a writable 0-d array
            self.grad = Tensor._wrap(g.copy() if backend.is_array(g) else np.array(g))
        else:
            self.grad.array = self.grad.array + g

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
        return _builtin_bool(self.item())

    def to(self, *args, **kwargs):
        """``to(device)``, ``to(dtype)``, ``to(device, dtype)`` or ``to(other_tensor)``;
        differentiable, and returns ``self`` when nothing changes."""
        device, dtype, copy = parse_to_args(args, kwargs)
        out = self
        if device is not None:
            dev = backend.get_device(device)
            if dev != self.device:
                out = E.ToDevice.apply(out, device=dev)
        if dtype is not None and np.dtype(dtype) != out.dtype:
            if out.requires_grad and _is_float(np.dtype(dtype)):
                out = E.Cast.apply(out, dtype=np.dtype(dtype))
            else:
                out = Tensor._wrap(out.array.astype(dtype))
        if copy and out is self:
            out = E.Cast.apply(self, dtype=self.dtype)
        return out

    def cpu(self):
        return self.to('cpu')

    def cuda(self, device=None):
        return self.to('cuda' if device is None else (f'cuda:{device}' if isinstance(device, int) else device))

    def float(self):
        return self.to(float32)

    def double(self):
        return self.to(float64)

    def half(self):
        return self.to(float16)

    def long(self):
        return self.to(int64)

    def int(self):
        return self.to(int32)

    def bool(self):
        return self.to(np.bool_)

    def type(self, dtype=None):
        return str(self.dtype) if dtype is None else self.to(dtype)

    def clone(self):
        return E.Cast.apply(self, dtype=self.dtype) if self.requires_grad else Tensor._wrap(self.array.copy())

    def contiguous(self):
        return self

    # ------------------------------------------------------------ printing
    def __repr__(self):
        body = np.array2string(self.numpy(), separator=', ', prefix='tensor(', precision=4,
                               threshold=200, edgeitems=3)
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

    # ------------------------------------------------------------ arithmetic
    def _scalar(self, c):
        """A constant tensor for a Python number; returns (self possibly cast, constant)."""
        a = self
        if isinstance(c, (_builtin_bool, np.bool_)):
            dt = a.dtype
        elif isinstance(c, numbers.Integral):
            dt = a.dtype if a.dtype != np.bool_ else np.dtype(np.int64)
        elif isinstance(c, numbers.Real):
            if not _is_float(a.dtype):
                a = a.to(DEFAULT_FLOAT)
            dt = a.dtype
        else:
            raise TypeError(f'unsupported operand: tensor and {type(c).__name__}')
        if a.dtype != dt:
            a = a.to(dt)
        return a, Tensor._wrap(dt.type(c))

    def _binary(self, other, fn, reverse=False):
        if isinstance(other, Tensor):
            a, b = _coerce(self, other)
        elif isinstance(other, (numbers.Number, np.generic)):
            a, b = self._scalar(other)
        elif backend.is_array(other):
            raise TypeError(f'cannot combine a Tensor with a raw {type(other).__module__} array; '
                            'wrap it first: mg.tensor(array)')
        else:
            return NotImplemented
        return fn.apply(b, a) if reverse else fn.apply(a, b)

    def __add__(self, o):
        return self._binary(o, E.Add)

    def __radd__(self, o):
        return self._binary(o, E.Add, True)

    def __sub__(self, o):
        return self._binary(o, E.Sub)

    def __rsub__(self, o):
        return self._binary(o, E.Sub, True)

    def __mul__(self, o):
        return self._binary(o, E.Mul)

    def __rmul__(self, o):
        return self._binary(o, E.Mul, True)

    def __truediv__(self, o):
        return self._floated()._binary(o, E.Div)

    def __rtruediv__(self, o):
        return self._floated()._binary(o, E.Div, True)

    def __pow__(self, o):
        if isinstance(o, Tensor):
            a, b = _coerce(self, o)
            return E.Pow.apply(a, b)
        if isinstance(o, numbers.Real):
            if isinstance(o, np.generic):
                o = o.item()        # a NumPy scalar exponent would promote float32 to float64
            x = self._floated() if isinstance(o, float) else self
            return E.PowScalar.apply(x, p=o)
        return NotImplemented

    def __rpow__(self, o):
        if isinstance(o, numbers.Integral) and not _is_float(self.dtype):
            # int ** int tensor stays an int tensor, as in PyTorch
            return E.RPowScalar.apply(self if self.dtype != np.bool_ else self.to(int64), c=o)
        if isinstance(o, numbers.Real):
            return E.RPowScalar.apply(self._floated(), c=o)
        return NotImplemented

    def __matmul__(self, o):
        if not isinstance(o, Tensor):
            return NotImplemented
        return matmul(self, o)

    def __rmatmul__(self, o):
        return NotImplemented

    def __neg__(self):
        return E.Neg.apply(self)

    def __pos__(self):
        return self

    def _floated(self):
        return self if _is_float(self.dtype) else self.to(DEFAULT_FLOAT)

    # comparisons: no gradient
    def _compare(self, o, op):
        od = o.array if isinstance(o, Tensor) else o
        if backend.is_array(od) and isinstance(o, Tensor):
            autograd._check_same_device((self, o), (self.array, od), 'comparison')
        return Tensor._wrap(op(self.array, od))

    def __eq__(self, o):
        return self._compare(o, lambda a, b: a == b)

    def __ne__(self, o):
        return self._compare(o, lambda a, b: a != b)

    def __lt__(self, o):
        return self._compare(o, lambda a, b: a < b)

    def __le__(self, o):
        return self._compare(o, lambda a, b: a <= b)

    def __gt__(self, o):
        return self._compare(o, lambda a, b: a > b)

    def __ge__(self, o):
        return self._compare(o, lambda a, b: a >= b)

    def __invert__(self):
        return Tensor._wrap(~self.array)

    def __and__(self, o):
        return self._compare(o, lambda a, b: a & b)

    def __or__(self, o):
        return self._compare(o, lambda a, b: a | b)

    __hash__ = object.__hash__

    def eq(self, o):
        return self == o

    def any(self):
        return Tensor._wrap(self.array.any())

    def all(self):
        return Tensor._wrap(self.array.all())

    # ------------------------------------------------------------ unary math
    def exp(self):
        return E.Exp.apply(self._floated())

    def log(self):
        return E.Log.apply(self._floated())

    def sqrt(self):
        return E.Sqrt.apply(self._floated())

    def abs(self):
        return E.Abs.apply(self)

    def tanh(self):
        return E.Tanh.apply(self._floated())

    def sigmoid(self):
        return E.Sigmoid.apply(self._floated())

    def relu(self):
        return E.ReLU.apply(self)

    def clip(self, min=None, max=None):
        """Clamp to [min, max]; the gradient passes where min <= x <= max."""
        if min is None and max is None:
            raise ValueError('clip needs at least one of min and max')
        x = self
        if any(v is not None and not isinstance(v, numbers.Integral) for v in (min, max)):
            x = self._floated()          # an int tensor clipped to a float bound is float32
        return E.Clip.apply(x, min=min, max=max)

    clamp = clip

    # ------------------------------------------------------------ reductions
    def sum(self, dim=None, keepdim=False, dtype=None, *, axis=None, keepdims=None):
        dim, keepdim = _dim_kw(dim, axis, keepdim, keepdims)
        x = self if dtype is None else self.to(dtype)
        if x.dtype == np.bool_:
            x = x.to(int64)
        return R.Sum.apply(x, axis=_reduce_dims(dim, x.ndim), keepdim=keepdim)

    def mean(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        dim, keepdim = _dim_kw(dim, axis, keepdim, keepdims)
        return R.Mean.apply(self._floated(), axis=_reduce_dims(dim, self.ndim), keepdim=keepdim)

    def amax(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """Maximum over ``dim`` (int or tuple). Ties share the gradient equally."""
        dim, keepdim = _dim_kw(dim, axis, keepdim, keepdims)
        return R.AMax.apply(self, axis=_reduce_dims(dim, self.ndim), keepdim=keepdim)

    def amin(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """Minimum over ``dim`` (int or tuple). Ties share the gradient equally."""
        dim, keepdim = _dim_kw(dim, axis, keepdim, keepdims)
        return R.AMin.apply(self, axis=_reduce_dims(dim, self.ndim), keepdim=keepdim)

    def _max_min(self, dim, keepdim, axis, keepdims, minimum):
        dim, keepdim = _dim_kw(dim, axis, keepdim, keepdims)
        if dim is None:
            return self.amin() if minimum else self.amax()
        if not isinstance(dim, numbers.Integral):
            raise TypeError(f'max/min take one int dim (use amax/amin for several), got {dim!r}')
        d = _dims(dim, self.ndim)[0] if self.ndim else 0
        xp = backend.get_array_module(self.array)
        data = self.array if self.ndim else self.array.reshape(1)
        idx = (xp.argmin if minimum else xp.argmax)(data, axis=d, keepdims=True)
        x = self if self.ndim else self.reshape(1)
        values = R.Gather.apply(x, index=idx, axis=d)
        indices = Tensor._wrap(idx.astype(np.int64, copy=False))
        if not keepdim or not self.ndim:
            values, indices = values.squeeze(d), indices.squeeze(d)
        return (min_return if minimum else max_return)(values, indices)

    def max(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """With no dim, the largest element (ties share the gradient, like ``amax``). With a dim,
        a ``(values, indices)`` pair and the gradient goes to the index returned, as in PyTorch."""
        return self._max_min(dim, keepdim, axis, keepdims, minimum=False)

    def min(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """As ``max``, for the smallest."""
        return self._max_min(dim, keepdim, axis, keepdims, minimum=True)

    def _arg(self, dim, keepdim, axis, keepdims, minimum):
        dim, keepdim = _dim_kw(dim, axis, keepdim, keepdims)
        xp = backend.get_array_module(self.array)
        find = xp.argmin if minimum else xp.argmax
        if dim is None:
            out = find(self.array)
            if keepdim:
                out = out.reshape((1,) * self.ndim)
        elif self.ndim == 0:
            _dims(dim, 0)                      # checks dim
            out = xp.zeros((), dtype=np.int64)
        else:
            out = find(self.array, axis=_dims(dim, self.ndim)[0], keepdims=keepdim)
        return Tensor._wrap(xp.asarray(out, dtype=np.int64))

    def argmax(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """Index of the largest element (of the flattened tensor when dim is None). No gradient."""
        return self._arg(dim, keepdim, axis, keepdims, minimum=False)

    def argmin(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """Index of the smallest element (of the flattened tensor when dim is None). No gradient."""
        return self._arg(dim, keepdim, axis, keepdims, minimum=True)

    def var(self, dim=None, unbiased=None, keepdim=False, *, correction=None, axis=None, keepdims=None):
        """Variance over ``dim`` with PyTorch's default ``correction=1`` (unbiased)."""
        dim, keepdim = _dim_kw(dim, axis, keepdim, keepdims)
        if correction is None:
            correction = 0 if unbiased is False else 1
        x = self._floated()
        dims = _reduce_dims(dim, x.ndim)
        n = x.numel() if dims is None else int(np.prod([x.shape[d] for d in dims]))
        d = x - x.mean(dims, keepdim=True)
        return (d * d).sum(dims, keepdim=keepdim) / max(n - correction, 0)

    def std(self, dim=None, unbiased=None, keepdim=False, *, correction=None):
        return self.var(dim, unbiased, keepdim, correction=correction).sqrt()

    def softmax(self, dim=-1):
        return R.Softmax.apply(self._floated(), axis=_dims(dim, self.ndim)[0])

    def log_softmax(self, dim=-1):
        return R.LogSoftmax.apply(self._floated(), axis=_dims(dim, self.ndim)[0])

    # ------------------------------------------------------------ shape
    def reshape(self, *shape):
        shape = _shape_args(shape)
        if shape == self.shape:
            return self
        try:
            target = np.broadcast_to(np.empty((), dtype=np.int8), self.shape).reshape(shape).shape
        except ValueError:
            raise RuntimeError(f"shape {list(shape)} is invalid for input of size {self.numel()} "
                               f"(shape {list(self.shape)})") from None
        return S.Reshape.apply(self, shape=target)

    view = reshape

    def view_as(self, other):
        return self.reshape(other.shape)

    def reshape_as(self, other):
        return self.reshape(other.shape)

    def flatten(self, start_dim=0, end_dim=-1):
        if self.ndim == 0:
            return self.reshape(1)
        s, e = start_dim % self.ndim, end_dim % self.ndim
        if s > e:
            raise RuntimeError('flatten() has invalid args: start_dim cannot come after end_dim')
        return self.reshape(self.shape[:s] + (-1,) + self.shape[e + 1:])

    def permute(self, *dims):
        dims = _shape_args(dims)
        if len(dims) != self.ndim:
            raise RuntimeError(f'permute: the number of dims ({len(dims)}) does not match the '
                               f'tensor ({self.ndim} dims, shape {list(self.shape)})')
        dims = tuple(d % self.ndim for d in dims)
        if sorted(dims) != list(range(self.ndim)):
            raise RuntimeError(f'permute: dims {dims} repeat or skip a dimension')
        return S.Permute.apply(self, dims=dims)

    def transpose(self, dim0, dim1):
        a, b = _dims(dim0, self.ndim), _dims(dim1, self.ndim)
        if self.ndim == 0:
            return self
        dims = list(range(self.ndim))
        a, b = a[0], b[0]
        dims[a], dims[b] = dims[b], dims[a]
        return S.Permute.apply(self, dims=tuple(dims))

    def unsqueeze(self, dim):
        d = _dims(dim, self.ndim + 1)[0]
        return self.reshape(self.shape[:d] + (1,) + self.shape[d:])

    def squeeze(self, dim=None):
        if dim is None:
            return self.reshape(tuple(s for s in self.shape if s != 1))
        dims = _dims(dim, self.ndim) if self.ndim else ()
        return self.reshape(tuple(s for i, s in enumerate(self.shape) if not (i in dims and s == 1)))

    def expand(self, *sizes):
        sizes = _shape_args(sizes)
        lead = len(sizes) - self.ndim
        if lead < 0:
            raise RuntimeError(f'expand: the number of sizes ({len(sizes)}) must be at least the '
                               f'number of dims ({self.ndim})')
        shape = tuple(self.shape[i - lead] if (s == -1 and i >= lead) else s for i, s in enumerate(sizes))
        for i, s in enumerate(self.shape):
            if s != 1 and s != shape[i + lead]:
                raise RuntimeError(f'expand: the size of dim {i} must match ({s}) or be 1, '
                                   f'got target shape {list(sizes)}')
        if shape == self.shape:
            return self
        return S.Expand.apply(self, shape=shape)

    def expand_as(self, other):
        return self.expand(other.shape)

    def matmul(self, other):
        return matmul(self, other)

    def __getitem__(self, index):
        return S.GetItem.apply(self, index=_index_arrays(index, self))

    def __setitem__(self, index, value):
        if self.requires_grad and autograd.is_grad_enabled():
            raise RuntimeError('in-place assignment to a tensor that requires grad would corrupt '
                               'its gradient; do it under mg.no_grad() or on x.detach()')
        v = value.array if isinstance(value, Tensor) else value
        self.array[_index_arrays(index, self)] = v

    # ------------------------------------------------------------ in-place (no graph)
    def _inplace_ok(self):
        if self.requires_grad and self.is_leaf and autograd.is_grad_enabled():
            raise RuntimeError('a leaf tensor that requires grad is being used in an in-place '
                               'operation; wrap it in mg.no_grad()')

    def zero_(self):
        self._inplace_ok()
        self.array[...] = 0
        return self

    def fill_(self, value):
        self._inplace_ok()
        self.array[...] = value
        return self

    def copy_(self, src):
        self._inplace_ok()
        s = src.array if isinstance(src, Tensor) else src
        if backend.is_array(s) and backend.device_of(s) != self.device:
            s = backend.to_device(s, self.device)
        self.array[...] = s
        return self

    def add_(self, other, alpha=1):
        self._inplace_ok()
        self.array += (other.array if isinstance(other, Tensor) else other) * alpha
        return self

    def mul_(self, other):
        self._inplace_ok()
        self.array *= other.array if isinstance(other, Tensor) else other
        return self

    def uniform_(self, a=0.0, b=1.0):
        self._inplace_ok()
        rs = backend.random_module(self.device)
        self.array[...] = rs.uniform(a, b, size=self.shape).astype(self.dtype, copy=False)
        return self

    def normal_(self, mean=0.0, std=1.0):
        self._inplace_ok()
        rs = backend.random_module(self.device)
        self.array[...] = (rs.standard_normal(size=self.shape, dtype=self.dtype) * std + mean)
        return self


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
        if isinstance(a, Tensor):
            device, dtype = a.device, a.dtype
        elif isinstance(a, (str, backend.Device)):
            device = a
        else:
            dtype = a
    return device, dtype, copy


def _index_arrays(index, like):
    """Turn Tensors and lists inside an index into arrays on the tensor's device."""
    items = index if isinstance(index, tuple) else (index,)
    out = []
    for it in items:
        if isinstance(it, Tensor):
            if it.device != like.device:
                raise RuntimeError(f'indices are on {it.device} but the tensor is on {like.device}; '
                                   f'move them with .to({str(like.device)!r})')
            it = it.array
            if it.ndim == 0 and np.issubdtype(it.dtype, np.integer):
                it = int(it)
        elif isinstance(it, list):
            it = backend.asarray(it, device=like.device)
        out.append(it)
    return tuple(out) if isinstance(index, tuple) else out[0]


def _category(dtype):
    return 2 if _is_float(dtype) else (0 if dtype == np.bool_ else 1)


def _promote(dtypes):
    """Within the highest category (bool < int < float) the widest dtype; lower ones don't count."""
    top = max(_category(d) for d in dtypes)
    return np.result_type(*[d for d in dtypes if _category(d) == top])


def _result_dtype(*tensors):
    """The dtype PyTorch gives an op on these tensors: bool < int < float, and a 0-d tensor
    does not widen a tensor with dims of the same category (float32 * 0-d float64 is float32)."""
    dims = [t.dtype for t in tensors if t.ndim]
    zero = [t.dtype for t in tensors if not t.ndim]
    if not dims or not zero:
        return _promote(dims or zero)
    d, z = _promote(dims), _promote(zero)
    return d if _category(z) <= _category(d) else z


def _coerce(a, b):
    """PyTorch-style promotion for two tensors (see ``_result_dtype``): both get that dtype."""
    if a.dtype == b.dtype:
        return a, b
    dt = _result_dtype(a, b)
    return (a if a.dtype == dt else a.to(dt)), (b if b.dtype == dt else b.to(dt))


# ---------------------------------------------------------------- functions on tensors

def matmul(a, b):
    """Matrix product with NumPy's rules: 1-D, 2-D and batched with broadcasting.

    Shape: (..., n, k) @ (..., k, m) -> (..., n, m); a 1-D operand is a vector.
    """
    if a.ndim == 0 or b.ndim == 0:
        raise RuntimeError('matmul: both arguments need at least 1 dimension, got shapes '
                           f'{list(a.shape)} and {list(b.shape)}')
    ka = a.shape[-1]
    kb = b.shape[-2] if b.ndim > 1 else b.shape[0]
    if ka != kb:
        raise RuntimeError(f'matmul: shapes {list(a.shape)} and {list(b.shape)} cannot be multiplied '
                           f'({ka} != {kb})')
    if a.ndim > 2 or b.ndim > 2:
        try:
            np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
        except ValueError:
            raise RuntimeError(f'matmul: the batch dims of shapes {list(a.shape)} and {list(b.shape)} '
                               f'do not broadcast ({list(a.shape[:-2])} vs {list(b.shape[:-2])})') from None
    a, b = _coerce(a, b)
    return L.MatMul.apply(a, b)


def cat(tensors, dim=0):
    """Concatenate along an existing dim; all other dims must match."""
    tensors = list(tensors)
    if not tensors:
        raise ValueError('cat() needs a non-empty list of tensors')
    ref = tensors[0]
    d = _dims(dim, ref.ndim)[0]
    for t in tensors[1:]:
        if t.ndim != ref.ndim or any(s != r for i, (s, r) in enumerate(zip(t.shape, ref.shape)) if i != d):
            raise RuntimeError(f'cat: sizes of tensors must match except in dim {dim}: got '
                               f'{list(ref.shape)} and {list(t.shape)}')
    dt = _result_dtype(*tensors)
    tensors = [t if t.dtype == dt else t.to(dt) for t in tensors]
    return S.Cat.apply(*tensors, axis=d)


def stack(tensors, dim=0):
    """Join tensors of equal shape along a new dim."""
    tensors = list(tensors)
    if not tensors:
        raise ValueError('stack() needs a non-empty list of tensors')
    for t in tensors[1:]:
        if t.shape != tensors[0].shape:
            raise RuntimeError(f'stack expects each tensor to be equal size, but got '
                               f'{list(tensors[0].shape)} and {list(t.shape)}')
    d = _dims(dim, tensors[0].ndim + 1)[0]
    return cat([t.unsqueeze(d) for t in tensors], dim=d)


def where(condition, input, other):
    """``input`` where ``condition`` is true, else ``other`` (either may be a Python number)."""
    cond = condition.array if isinstance(condition, Tensor) else condition
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        raise TypeError('where() needs at least one tensor among input and other')
    ref = input if isinstance(input, Tensor) else other
    if not isinstance(input, Tensor):
        ref, input = ref._scalar(input)
    if not isinstance(other, Tensor):
        ref, other = ref._scalar(other)
    input, other = _coerce(input, other)
    if backend.is_array(cond) and backend.device_of(cond) != ref.device:
        raise RuntimeError(f'where: the condition is on {backend.device_of(cond)} but the values '
                           f'are on {ref.device}; move it with .to({str(ref.device)!r})')
    return E.Where.apply(input, other, condition=cond.astype(np.bool_, copy=False))


def maximum(input, other):
    """Elementwise maximum; at ties the gradient is split in half, as in PyTorch."""
    a, b = _coerce(input, other)
    return E.Maximum.apply(a, b)


def minimum(input, other):
    return -maximum(-input, -other)


def pad(input, pad, mode='constant', value=0.0):
    """Pad with PyTorch's flat ``pad`` tuple, last dim first: ``(left, right, top, bottom, ...)``.

    Args:
        mode: ``'constant'`` (negative widths crop), ``'reflect'``, ``'replicate'`` or ``'circular'``.
    """
    pad = tuple(int(p) for p in pad)
    if len(pad) % 2 or len(pad) // 2 > input.ndim:
        raise ValueError(f'pad must have an even length of at most 2 * ndim ({2 * input.ndim}), '
                         f'got {pad}')
    widths = [(0, 0)] * input.ndim
    for i in range(len(pad) // 2):
        widths[input.ndim - 1 - i] = (pad[2 * i], pad[2 * i + 1])
    if mode == 'constant':
        x = input
        if any(b < 0 or a < 0 for b, a in widths):   # negative widths crop
            crop = tuple(slice(max(-b, 0), n - max(-a, 0)) for (b, a), n in zip(widths, x.shape))
            x = x[crop]
            widths = [(max(b, 0), max(a, 0)) for b, a in widths]
        if all(b == 0 and a == 0 for b, a in widths):
            return x
        return S.ConstantPad.apply(x, widths=tuple(widths), value=value)
    if mode not in ('reflect', 'replicate', 'circular'):
        raise ValueError(f"unknown padding mode {mode!r}: expected 'constant', 'reflect', "
                         "'replicate' or 'circular'")
    x = input
    for d, (b, a) in enumerate(widths):
        if b == 0 and a == 0:
            continue
        n = x.shape[d]
        pos = np.arange(-b, n + a)
        if mode == 'reflect':
            if b >= n or a >= n:
                raise ValueError(f'reflect padding ({b}, {a}) must be smaller than the size {n} of dim {d}')
            idx = np.abs(pos)
            idx = np.where(idx > n - 1, 2 * (n - 1) - idx, idx)
        elif mode == 'replicate':
            idx = np.clip(pos, 0, n - 1)
        else:
            if b > n or a > n:
                raise ValueError(f'circular padding ({b}, {a}) must be at most the size {n} of dim {d}')
            idx = pos % n
        x = S.IndexSelect.apply(x, index=backend.to_device(idx, x.device), axis=d)
    return x


autograd._wrap = Tensor._wrap

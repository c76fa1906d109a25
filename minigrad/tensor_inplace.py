"""In-place changes to a tensor (a mixin of ``Tensor``): ``add_ sub_ mul_ div_ ... copy_ fill_
zero_ uniform_ normal_``, ``x[i] = v`` and ``x += y``; and the version counter that lets autograd
notice them.

Every in-place change writes into the tensor's own memory (``p.data.sub_(lr * p.grad)`` changes
``p``) and bumps ``t._version``, a counter shared by the tensor's views and its ``detach()``
aliases (not by ``.data``, as in PyTorch). When the change takes part in a graph (grad mode on
and the tensor or an operand requires grad) it is recorded like an out-of-place op: the result is
computed from an alias that stands for the tensor's old value, written into the memory, and the
tensor takes the new ``grad_fn``. So ``y = x * 2; y.mul_(3)`` backpropagates 6, as PyTorch does,
and an op that saved the old values for backward raises there instead of using the new ones.
A view (``y[0]``, ``y.view(-1)``, ``y.t()``) remembers its base: changing it in place rewrites
the base's history too, so ``x[:, 0] += 1`` inside a forward backpropagates as in PyTorch.
A leaf that requires grad (or a view of one) may change in place only under ``no_grad`` (what
optimizers do).
"""
import numpy as np

from . import argcheck, autograd, backend
from .ops import shape as S
from .tensor_shape import index_arrays, is_tensor


def _requires_grad(values):
    return any(getattr(v, 'requires_grad', False) for v in values)


class TensorInplace:
    """In-place methods, ``__setitem__`` and the version counter."""
    __slots__ = ()

    @property
    def _version(self):
        """How many in-place changes this tensor's memory has seen (shared by its views and its
        ``detach()`` aliases, as in PyTorch)."""
        return self._vc[0]

    def _bump_version(self):
        """Record an in-place change made to ``self.array`` by hand (optimizers, loaders)."""
        self._vc[0] += 1

    def _inplace(self, compute, *args, **kwargs):
        """Apply ``compute(tensor, *args, **kwargs)``, an out-of-place Tensor result, in place."""
        recording = autograd.is_grad_enabled() and (
            self.requires_grad or _requires_grad(args) or _requires_grad(kwargs.values()))
        if not recording:
            with autograd.no_grad():
                self._store(compute(self, *args, **kwargs))
            return self
        root = self
        while root._view is not None:
            root = root._view[0]
        if root.requires_grad and root.grad_fn is None:
            raise RuntimeError(f"a {'view of a ' if root is not self else ''}leaf Variable that "
                               'requires grad is being used in an in-place operation: do it inside '
                               '`with mg.no_grad():` (as an optimizer does), or on a copy '
                               '(x = x * 2 instead of x.mul_(2))')
        old = self._alias()
        out = compute(old, *args, **kwargs)
        new_fn = out.grad_fn
        if new_fn is not None and any(s is self.array for s in new_fn.saved):
            # the op saved the values we are about to overwrite: give it its own copy
            new_fn.saved = tuple(s.copy() if s is self.array else s for s in new_fn.saved)
            new_fn._versions = [r for r in new_fn._versions if r[0] is not self._vc]
        self._store(out)
        self._take_history(old, out)
        return self

    def _alias(self):
        """A new tensor object standing for this tensor's current value and history."""
        t = self._wrap(self.array)
        t._vc, t.grad_fn, t.requires_grad = self._vc, self.grad_fn, self.requires_grad
        return t

    def _take_history(self, old, new):
        """This tensor (whose previous state ``old`` stands for) now holds ``new``'s value: take
        ``new``'s graph. Ops that used the tensor before keep using ``old`` (the engine follows
        ``_inplace_of``). A view first rewrites its base's history (and so on up), then becomes
        a view of the changed base again, as in PyTorch."""
        if self._view is not None:
            base, cls, options = self._view
            base_old = base._alias()
            base._take_history(base_old, _write_back(cls, options, base_old, new, base.shape))
            new = cls.apply(base, **options)
        fn = new.grad_fn
        if fn is not None:
            fn._inplace_of = old
        # hooks registered so far belong to the old value (PyTorch's rule); retain_grad stays
        old._hooks, self._hooks = self._hooks, None
        self.grad_fn, self.requires_grad = fn, new.requires_grad

    def _store(self, out):
        """Write ``out``'s values into this tensor's memory and bump the version."""
        a = out.array
        if a is not self.array:
            if tuple(a.shape) != self.shape:
                raise RuntimeError(f"output with shape {list(self.shape)} doesn't match the "
                                   f'broadcast shape {list(a.shape)} (an in-place op keeps the '
                                   "tensor's shape)")
            if a.dtype != self.dtype and not np.can_cast(a.dtype, self.dtype, 'same_kind'):
                raise RuntimeError(f"result type {a.dtype} can't be cast to the desired output "
                                   f'type {self.dtype} (in-place ops keep the dtype; use an '
                                   'out-of-place op)')
            try:
                self.array[...] = a
            except ValueError as e:       # a read-only array: the result of expand()
                raise RuntimeError('unsupported operation: more than one element of the written-to '
                                   'tensor refers to a single memory location (an expand()ed '
                                   'tensor); clone() it first') from e
        self._vc[0] += 1

    # ------------------------------------------------------------ writes
    def _put(self, value, index=Ellipsis):
        """``self[index] = value`` for a Tensor, an array or a Python number (broadcast)."""
        if is_tensor(value):
            v = value
            if v.device != self.device:
                v = v.to(self.device)
            if v.dtype != self.dtype:
                v = v.to(self.dtype)
        else:
            v = self._wrap(backend.asarray(value, dtype=self.dtype, device=self.device))
        try:
            return self._inplace(lambda t, v: S.IndexPut.apply(t, v, index=index), v)
        except ValueError:
            self._check_put_shape(index, v)
            raise

    def __setitem__(self, index, value):
        idx = index_arrays(index, self)
        if autograd.is_grad_enabled() and (self.requires_grad or getattr(value, 'requires_grad', False)):
            self._put(value, idx)
            return
        if is_tensor(value):
            argcheck.same_device('__setitem__', self, value=value)
            value = value.array
        try:
            self.array[idx] = value
        except ValueError:
            self._check_put_shape(idx, value)
            raise
        self._vc[0] += 1

    def _check_put_shape(self, index, value):
        """PyTorch's RuntimeError for a value that does not fit ``self[index]`` (naming both shapes)."""
        target = tuple(self.array[index].shape)
        vshape = tuple(getattr(value, 'shape', ()))
        try:
            if np.broadcast_shapes(vshape, target) == target:
                return
        except ValueError:
            pass
        parts = index if isinstance(index, tuple) else (index,)
        if len(vshape) <= len(target) and not any(backend.is_array(p) or isinstance(p, list) for p in parts):
            for i in range(1, len(vshape) + 1):           # basic indexing: copy_'s message
                if vshape[-i] not in (1, target[-i]):
                    raise RuntimeError(
                        f'The expanded size of the tensor ({target[-i]}) must match the existing size '
                        f'({vshape[-i]}) at non-singleton dimension {len(target) - i}.  Target sizes: '
                        f'{list(target)}.  Tensor sizes: {list(vshape)}')
        raise RuntimeError(f'shape mismatch: value tensor of shape {list(vshape)} cannot be '
                           f'broadcast to indexing result of shape {list(target)}')

    def copy_(self, src):
        """Copy ``src`` (broadcast to this shape; any device and dtype) into this tensor."""
        return self._put(src)

    def fill_(self, value):
        return self._put(value)

    def zero_(self):
        return self._put(0)

    def uniform_(self, a=0.0, b=1.0, *, generator=None):
        """Fill with values drawn uniformly from [a, b) (from ``generator``, an ``mg.Generator``,
        or else the generator of ``mg.manual_seed``)."""
        rs = backend.random_source(generator, self.device)
        return self._put(self._wrap(rs.uniform(a, b, size=self.shape).astype(self.dtype, copy=False)))

    def random_(self, from_=0, to=None, *, generator=None):
        """Fill with integers drawn uniformly from ``[from_, to)`` (``random_(to)`` is
        ``[0, to)``; no bounds: ``[0, 2**24]`` for float32 as PyTorch's mantissa rule, else the
        dtype's range), as ``torch.Tensor.random_``."""
        if to is None:
            from_, to = (0, from_) if from_ else (0, None)
        if to is None:
            to = 2 ** (np.finfo(self.dtype).nmant + 1) + 1 if np.issubdtype(self.dtype, np.floating) \
                else int(np.iinfo(self.dtype).max) + (self.dtype != np.bool_)
        rs = backend.random_source(generator, self.device)
        values = rs.integers(from_, to, size=self.shape) if hasattr(rs, 'integers') else \
            rs.randint(from_, to, size=self.shape)
        return self._put(self._wrap(values.astype(self.dtype, copy=False)))

    def addcmul_(self, tensor1, tensor2, *, value=1):
        """In-place ``self + value * tensor1 * tensor2``."""
        return self._inplace(lambda t: t.addcmul(tensor1, tensor2, value=value))

    def addcdiv_(self, tensor1, tensor2, *, value=1):
        """In-place ``self + value * tensor1 / tensor2``."""
        return self._inplace(lambda t: t.addcdiv(tensor1, tensor2, value=value))

    def normal_(self, mean=0.0, std=1.0, *, generator=None):
        """Fill with values drawn from N(mean, std^2) (from ``generator``, an ``mg.Generator``,
        or else the generator of ``mg.manual_seed``)."""
        rs = backend.random_source(generator, self.device)
        return self._put(self._wrap(rs.standard_normal(size=self.shape, dtype=self.dtype) * std + mean))


def _write_back(cls, options, base_old, value, base_shape):
    """The base of a view after ``value`` was written through the view, as a graph op."""
    if cls is S.GetItem:
        return S.IndexPut.apply(base_old, value, index=options['index'])
    if cls is S.Reshape:
        return S.Reshape.apply(value, shape=tuple(base_shape))
    if cls is S.Permute:
        dims = options['dims']
        return S.Permute.apply(value, dims=tuple(sorted(range(len(dims)), key=dims.__getitem__)))
    raise RuntimeError(f'in-place change of a {cls.__name__} view that requires grad is not supported; '
                       'clone() it first')


def _inplace_method(name):
    def method(self, *args, **kwargs):
        return self._inplace(lambda t, *a, **k: getattr(t, name)(*a, **k), *args, **kwargs)
    method.__name__ = method.__qualname__ = name + '_'
    method.__doc__ = (f'In-place ``{name}``: writes the result into this tensor\'s memory (same '
                      'shape and dtype kind) and is recorded in the graph when grad is on.')
    return method


# in-place forms of out-of-place methods: add_, mul_, clamp_, relu_, ...
INPLACE = ('add', 'sub', 'mul', 'div', 'pow', 'neg', 'clamp', 'clip', 'exp', 'log', 'sqrt', 'abs',
           'sin', 'cos', 'tanh', 'sigmoid', 'relu', 'scatter')
for _name in INPLACE:
    setattr(TensorInplace, _name + '_', _inplace_method(_name))
TensorInplace.__iadd__ = TensorInplace.add_
TensorInplace.__isub__ = TensorInplace.sub_
TensorInplace.__imul__ = TensorInplace.mul_
TensorInplace.__itruediv__ = TensorInplace.div_
TensorInplace.__ipow__ = TensorInplace.pow_

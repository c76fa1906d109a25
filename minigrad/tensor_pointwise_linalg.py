"""Matrix and vector products as PyTorch's Tensor methods (``bmm dot vdot mv outer addmm addmv
baddbmm addbmm addr inner tensordot cross kron trace dist cdist inverse det matrix_power``): the ``TensorLinalg`` mixin,
a base of ``TensorPointwise`` (tensor_pointwise.py, whose ``FUNCTIONS`` also lists these names,
so that ``mg.bmm(a, b)`` etc. exist).

Products go through ``matmul`` or ``einsum`` (their gradients are tested there); the checks here
give PyTorch's errors: the number of dims, the sizes and (for ``bmm``/``dot``/``mv``) one dtype.
"""
import numbers

import numpy as np

from .dtypes import coerce, is_float
from .ops import linalg_more as LM
from .ops import shape as S


def _is_tensor(x):
    return getattr(x, '_is_tensor', False)


def _shape(t):
    return list(t.shape) if _is_tensor(t) else type(t).__name__


class TensorLinalg:
    """Products of matrices and vectors, inverse and determinant."""
    __slots__ = ()

    def _need(self, name, ndim, other, what, same_dtype=True):
        """Check that self and ``other`` are tensors of ``ndim`` dims (a pair: one each)."""
        ndims = ndim if isinstance(ndim, tuple) else (ndim, ndim)
        for role, t, n in (('self', self, ndims[0]), (what, other, ndims[1])):
            if not _is_tensor(t):
                raise TypeError(f'{name}(): expected a Tensor for {role}, got {type(t).__name__}')
            if t.ndim != n:
                raise RuntimeError(f'{name}(): {role} must be a {n}-D tensor, got a {t.ndim}-D '
                                   f'tensor of shape {list(t.shape)}')
        if same_dtype and self.dtype != other.dtype:
            raise RuntimeError(f'{name}(): expected both tensors to have the same dtype, got '
                               f'{self.dtype} and {other.dtype}')

    def bmm(self, mat2):
        """Batched matrix product: (b, n, m) @ (b, m, p) -> (b, n, p); no broadcasting."""
        self._need('bmm', 3, mat2, 'mat2')
        if mat2.shape[0] != self.shape[0] or mat2.shape[1] != self.shape[2]:
            raise RuntimeError(f'bmm(): expected mat2 of shape [{self.shape[0]}, {self.shape[2]}, *] '
                               f'for self of shape {list(self.shape)}, got {list(mat2.shape)}')
        return self.matmul(mat2)

    def dot(self, other):
        """The inner product of two 1-D tensors of equal size and dtype (a 0-d tensor)."""
        self._need('dot', 1, other, 'other')
        if self.shape != other.shape:
            raise RuntimeError(f'dot(): expected both vectors to have the same number of elements, '
                               f'got {self.shape[0]} and {other.shape[0]}')
        return self.matmul(other)

    def mv(self, vec):
        """Matrix-vector product: (n, m) @ (m,) -> (n,)."""
        self._need('mv', (2, 1), vec, 'vec')
        if vec.shape[0] != self.shape[1]:
            raise RuntimeError(f'mv(): size mismatch, got matrix {list(self.shape)} and vector '
                               f'{list(vec.shape)}')
        return self.matmul(vec)

    def outer(self, vec2):
        """Outer product of two 1-D tensors: (n,) x (m,) -> (n, m)."""
        self._need('outer', 1, vec2, 'vec2', same_dtype=False)
        return self.reshape(-1, 1) * vec2.reshape(1, -1)

    ger = outer

    def _add_scaled(self, prod, beta, alpha, name):
        """``beta * self + alpha * prod``; with beta=0 ``self`` is ignored (NaN in it does not
        spread), as PyTorch."""
        try:
            np.broadcast_shapes(self.shape, prod.shape)
        except ValueError:
            raise RuntimeError(f'{name}(): input of shape {list(self.shape)} does not broadcast to '
                               f'the product shape {list(prod.shape)}') from None
        prod = prod if alpha == 1 else prod * alpha
        if beta == 0:
            return prod.expand(*np.broadcast_shapes(self.shape, prod.shape))
        return prod + (self if beta == 1 else self * beta)

    def addmm(self, mat1, mat2, *, beta=1, alpha=1):
        """``beta * self + alpha * (mat1 @ mat2)`` for 2-D ``mat1`` (n, m), ``mat2`` (m, p)."""
        mat1._need('addmm', 2, mat2, 'mat2')
        return self._add_scaled(mat1.mm(mat2), beta, alpha, 'addmm')

    def addmv(self, mat, vec, *, beta=1, alpha=1):
        """``beta * self + alpha * (mat @ vec)``."""
        return self._add_scaled(mat.mv(vec), beta, alpha, 'addmv')

    def baddbmm(self, batch1, batch2, *, beta=1, alpha=1):
        """``beta * self + alpha * bmm(batch1, batch2)``."""
        return self._add_scaled(batch1.bmm(batch2), beta, alpha, 'baddbmm')

    def addr(self, vec1, vec2, *, beta=1, alpha=1):
        """``beta * self + alpha * outer(vec1, vec2)``."""
        return self._add_scaled(vec1.outer(vec2), beta, alpha, 'addr')

    def addbmm(self, batch1, batch2, *, beta=1, alpha=1):
        """``beta * self + alpha * sum_b batch1[b] @ batch2[b]``."""
        return self._add_scaled(batch1.bmm(batch2).sum(0), beta, alpha, 'addbmm')

    def vdot(self, other):
        """``dot`` (real tensors: no conjugation to do)."""
        return self.dot(other)

    def cross(self, other, dim=None):
        """The cross product of 3-vectors along ``dim`` (by default the first dim of size 3, as
        ``torch.cross``); the shapes broadcast."""
        a, b = coerce(self, other)
        shape = np.broadcast_shapes(a.shape, b.shape)
        if dim is None:
            dim = next((i for i, n in enumerate(shape) if n == 3), None)
            if dim is None:
                raise RuntimeError(f'cross(): no dimension of size 3 in shape {list(shape)}')
        d = dim % len(shape) if -len(shape) <= dim < len(shape) else dim
        if not isinstance(d, numbers.Integral) or not 0 <= d < len(shape) or shape[d] != 3:
            raise RuntimeError(f'cross(): dimension {dim} does not have size 3 in shape {list(shape)}')
        a, b = a.expand(*shape), b.expand(*shape)

        def comp(t, i):
            return t[(slice(None),) * d + (slice(i, i + 1),)]
        parts = [comp(a, (i + 1) % 3) * comp(b, (i + 2) % 3) - comp(a, (i + 2) % 3) * comp(b, (i + 1) % 3)
                 for i in range(3)]
        return S.Cat.apply(*parts, axis=d)

    def kron(self, other):
        """The Kronecker product: blocks ``self[i, j] * other``, shapes multiplied dim by dim."""
        n = max(self.ndim, other.ndim)
        a = self.reshape(*((1,) * (n - self.ndim) + self.shape))
        b = other.reshape(*((1,) * (n - other.ndim) + other.shape))
        # interleave: a (..., i, ...) x b (..., k, ...) -> (..., i, k, ...) -> (..., i * k, ...)
        out = a.reshape(*[s for i in a.shape for s in (i, 1)]) * b.reshape(*[s for k in b.shape for s in (1, k)])
        return out.reshape(*[i * k for i, k in zip(a.shape, b.shape)])

    def inner(self, other):
        """Sum of products over the last dim of both: (..., k), (..., k) -> self's batch + other's."""
        if self.ndim == 0 or other.ndim == 0:
            return self * other
        return self.tensordot(other, ([-1], [-1]))

    def tensordot(self, other, dims=2):
        """Contract ``dims`` trailing dims of self with leading dims of other (an int), or the
        given pairs (``([1, 0], [0, 1])``), as ``torch.tensordot``."""
        if isinstance(dims, numbers.Integral):
            if dims < 0 or dims > min(self.ndim, other.ndim):
                raise RuntimeError(f'tensordot(): dims must be in [0, {min(self.ndim, other.ndim)}], got {dims}')
            da, db = list(range(self.ndim - dims, self.ndim)), list(range(dims))
        elif isinstance(dims, (tuple, list)) and len(dims) == 2:
            da, db = ([d] if isinstance(d, numbers.Integral) else list(d) for d in dims)
        else:
            raise TypeError(f'tensordot(): dims must be an int or a pair of dim lists, got {dims!r}')
        da, db = [d % self.ndim for d in da], [d % other.ndim for d in db]
        if len(da) != len(db):
            raise RuntimeError(f'tensordot(): both dim lists must have the same length, got {da} and {db}')
        letters = iter('abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ')
        sa = [next(letters) for _ in range(self.ndim)]
        sb = [next(letters) for _ in range(other.ndim)]
        for i, j in zip(da, db):
            if self.shape[i] != other.shape[j]:
                raise RuntimeError(f'tensordot(): contracted dims have different sizes: '
                                   f'{self.shape[i]} (dim {i}) and {other.shape[j]} (dim {j})')
            sb[j] = sa[i]
        out = [c for k, c in enumerate(sa) if k not in da] + [c for k, c in enumerate(sb) if k not in db]
        return _einsum(f"{''.join(sa)},{''.join(sb)}->{''.join(out)}", self, other)

    def trace(self):
        """The sum of the main diagonal of a 2-D tensor."""
        if self.ndim != 2:
            raise RuntimeError(f'trace(): expected a 2-D tensor, got shape {list(self.shape)}')
        return self.diagonal().sum()

    def dist(self, other, p=2):
        """The p-norm of ``self - other``."""
        return (self - other).norm(p)

    def cdist(self, x2, p=2.0):
        """Pairwise p-norm distances between the rows of (..., P, M) and (..., R, M): (..., P, R)."""
        for t in (self, x2):
            if not _is_tensor(t) or t.ndim < 2 or not is_float(t.dtype):
                raise RuntimeError(f'cdist(): expected floating-point tensors of at least 2 dims, got '
                                   f'{_shape(t)} of dtype {getattr(t, "dtype", None)}')
        if self.shape[-1] != x2.shape[-1]:
            raise RuntimeError(f'cdist(): x1 and x2 must have the same number of columns, got '
                               f'{self.shape[-1]} and {x2.shape[-1]}')
        return (self.unsqueeze(-2) - x2.unsqueeze(-3)).norm(p, dim=-1)

    def _square_matrices(self, name):
        if self.ndim < 2 or self.shape[-1] != self.shape[-2]:
            raise RuntimeError(f'{name}(): expected a square matrix (or a batch of them), got shape '
                               f'{list(self.shape)}')
        if not is_float(self.dtype):
            raise RuntimeError(f'{name}(): expected a floating-point tensor, got {self.dtype}')

    def inverse(self):
        """The inverse of a square matrix (batched over leading dims)."""
        self._square_matrices('inverse')
        return LM.Inverse.apply(self)

    def det(self):
        """The determinant of a square matrix (batched over leading dims)."""
        self._square_matrices('det')
        return LM.Det.apply(self)

    def matrix_power(self, n):
        """``self @ self @ ...`` ``n`` times (the identity for 0, the inverse's powers for n < 0)."""
        if not isinstance(n, numbers.Integral):
            raise TypeError(f'matrix_power(): n must be an int, got {type(n).__name__}')
        if self.ndim < 2 or self.shape[-1] != self.shape[-2]:
            raise RuntimeError(f'matrix_power(): expected a square matrix, got shape {list(self.shape)}')
        base = self.inverse() if n < 0 else self
        if n == 0:
            eye = np.broadcast_to(np.eye(self.shape[-1], dtype=self.dtype), self.shape)
            return self._wrap(eye.copy()).to(self.device)
        out = base
        for _ in range(abs(int(n)) - 1):
            out = out.matmul(base)
        return out


def _einsum(spec, *tensors):
    inputs, output = spec.split('->')
    a, b = coerce(*tensors)
    return LM.Einsum.apply(a, b, inputs=tuple(inputs.split(',')), output=output)

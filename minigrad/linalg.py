"""``minigrad.linalg``: PyTorch's ``torch.linalg`` for real tensors, differentiable.

    import minigrad as torch
    torch.linalg.norm(x, dim=1)              # vector 2-norms of the rows
    w = torch.linalg.solve(X.T @ X, X.T @ y)  # least squares by the normal equations
    U, S, Vh = torch.linalg.svd(X, full_matrices=False)

Functions take PyTorch's names and arguments and batch over leading dims. Decompositions (svd,
eigh, qr, cholesky) are NumPy's/CuPy's ``linalg``; their gradients are in
ops/linalg_more_decomp.py. Complex tensors are not supported, so ``eig``/``eigvals`` are absent.
"""
import collections
import numbers

import numpy as np

from . import backend
from . import dimargs
from .dtypes import coerce
from .ops import linalg_more_decomp as D
from .tensor import Tensor

__all__ = ['cholesky', 'cross', 'det', 'diagonal', 'eigh', 'eigvalsh', 'inv', 'lstsq', 'matmul',
           'matrix_norm', 'matrix_power', 'matrix_rank', 'multi_dot', 'norm', 'pinv', 'qr',
           'slogdet', 'solve', 'svd', 'svdvals', 'vecdot', 'vector_norm']

_svd_return = collections.namedtuple('svd', ['U', 'S', 'Vh'])
_eigh_return = collections.namedtuple('eigh', ['eigenvalues', 'eigenvectors'])
_qr_return = collections.namedtuple('qr', ['Q', 'R'])
_slogdet_return = collections.namedtuple('slogdet', ['sign', 'logabsdet'])
_lstsq_return = collections.namedtuple('lstsq', ['solution', 'residuals', 'rank', 'singular_values'])


def _matrices(name, a, square=False):
    if not isinstance(a, Tensor):
        raise TypeError(f'linalg.{name}: expected a Tensor, got {type(a).__name__}')
    if a.ndim < 2:
        raise RuntimeError(f'linalg.{name}: the input must have at least 2 dimensions, got shape '
                           f'{list(a.shape)}')
    if square and a.shape[-1] != a.shape[-2]:
        raise RuntimeError(f'linalg.{name}: A must be batches of square matrices, but they are '
                           f'{a.shape[-2]} by {a.shape[-1]} matrices')
    return a._floated()


# ---------------------------------------------------------------- norms

def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None):
    """The vector ``ord``-norm over ``dim`` (every element when None): 2, 1, inf, -inf, 0 or
    any other number."""
    if isinstance(ord, str):
        raise RuntimeError(f'linalg.vector_norm: ord must be a number, got {ord!r}')
    return x.norm(ord, dim, keepdim, dtype=dtype)


def matrix_norm(A, ord='fro', dim=(-2, -1), keepdim=False, *, dtype=None):
    """The matrix norm over the two dims ``dim``: 'fro', 'nuc', 1, -1, 2, -2, inf, -inf."""
    x = A if dtype is None else A.to(dtype)
    x = _matrices('matrix_norm', x)
    if isinstance(dim, numbers.Integral) or len(dim) != 2:
        raise RuntimeError(f'linalg.matrix_norm: dim must be a 2-tuple of ints, got {dim!r}')
    r, c = (dimargs.one_dim(d, x.ndim) for d in dim)
    if r == c:
        raise RuntimeError(f'linalg.matrix_norm: dims must be different, got {dim}')
    if ord == 'fro':
        return x.norm(2, (r, c), keepdim)
    # move the two dims last, reduce, then put them back as size 1 if keepdim
    rest = [i for i in range(x.ndim) if i not in (r, c)]
    m = x.permute(*rest, r, c)
    if ord in ('nuc', 2, -2):
        s = svdvals(m)
        out = s.sum(-1) if ord == 'nuc' else (s.amax(-1) if ord == 2 else s.amin(-1))
    elif ord in (1, -1, float('inf'), float('-inf')):
        sums = m.abs().sum(-2 if ord in (1, -1) else -1)
        out = sums.amax(-1) if ord > 0 else sums.amin(-1)
    else:
        raise RuntimeError(f"linalg.matrix_norm: order {ord!r} not supported (use 'fro', 'nuc', "
                           '1, -1, 2, -2, inf or -inf)')
    if keepdim:
        out = out.unsqueeze(min(r, c)).unsqueeze(max(r, c))
    return out


def norm(A, ord=None, dim=None, keepdim=False, *, dtype=None):
    """``vector_norm`` or ``matrix_norm`` as ``torch.linalg.norm`` picks: with ``dim`` an int (or
    ``ord`` None and no dim) a vector norm, with two dims (or a 2-D input and an ``ord``) a
    matrix norm."""
    if dim is not None:
        dims = (dim,) if isinstance(dim, numbers.Integral) else tuple(dim)
        if len(dims) == 2:
            return matrix_norm(A, 'fro' if ord is None else ord, dims, keepdim, dtype=dtype)
        return vector_norm(A, 2 if ord is None else ord, dims, keepdim, dtype=dtype)
    if ord is None:
        return vector_norm(A, 2, None, keepdim, dtype=dtype)
    if A.ndim == 2:
        return matrix_norm(A, ord, (-2, -1), keepdim, dtype=dtype)
    if A.ndim == 1:
        return vector_norm(A, ord, None, keepdim, dtype=dtype)
    raise RuntimeError(f'linalg.norm: If dim is not specified but ord is, the input must be 1D or '
                       f'2D. Got {A.ndim}D.')


# ---------------------------------------------------------------- inverses and solves

def inv(A):
    """The inverse of each square matrix."""
    return _matrices('inv', A, square=True).inverse()


def det(A):
    """The determinant of each square matrix."""
    return _matrices('det', A, square=True).det()


def slogdet(A):
    """``(sign, logabsdet)`` of the determinant, without overflow; the gradient flows through
    ``logabsdet``."""
    a = _matrices('slogdet', A, square=True)
    xp = backend.get_array_module(a.array)
    sign = a._wrap(xp.linalg.slogdet(a.array)[0].astype(a.dtype))
    return _slogdet_return(sign, D.LogAbsDet.apply(a))


def solve(A, B, *, left=True):
    """The ``X`` with ``A @ X = B`` (``X @ A = B`` when ``left=False``); ``B`` (..., n, k) or (n,)."""
    a = _matrices('solve', A, square=True)
    if not isinstance(B, Tensor):
        raise TypeError(f'linalg.solve: expected B to be a Tensor, got {type(B).__name__}')
    if not left:
        return solve(a.mT, B.mT).mT
    a, b = coerce(a, B._floated())
    n = a.shape[-1]
    if (b.shape[-1] if b.ndim == 1 else b.shape[-2]) != n:
        raise RuntimeError(f'linalg.solve: incompatible shapes of A {list(a.shape)} and B '
                           f'{list(b.shape)} (B needs {n} rows)')
    try:
        return D.Solve.apply(a, b)
    except np.linalg.LinAlgError as e:
        raise RuntimeError(f'linalg.solve: the input matrix is singular ({e})') from None


def pinv(A, *, atol=None, rtol=None, hermitian=False):
    """The Moore-Penrose pseudo-inverse (singular values at or below ``rtol`` times the largest
    count as 0; by default ``eps * max(m, n)``)."""
    a = _matrices('pinv', A)
    if atol is not None:
        raise NotImplementedError('linalg.pinv(atol=...) is not supported; give rtol')
    return D.Pinv.apply(a, rtol=rtol)


def lstsq(A, B, rcond=None, *, driver=None):
    """The least-squares solution of ``A @ X = B`` (through ``pinv``), as ``torch.linalg.lstsq``
    with its default CPU driver: ``(solution, residuals, rank, singular_values)`` with empty
    residuals and singular values."""
    a = _matrices('lstsq', A)
    b = B._floated()
    vector = b.ndim == 1
    x = pinv(a, rtol=rcond).matmul(b.unsqueeze(-1) if vector else b)
    xp = backend.get_array_module(a.array)
    empty = a._wrap(xp.zeros((0,), dtype=a.dtype))
    return _lstsq_return(x.squeeze(-1) if vector else x, empty, matrix_rank(a.detach()), empty)


def matrix_rank(A, *, atol=None, rtol=None, hermitian=False):
    """The number of singular values above ``max(atol, rtol * largest)`` (int64)."""
    a = _matrices('matrix_rank', A)
    s = svdvals(a.detach()).array
    xp = backend.get_array_module(s)
    if rtol is None:
        rtol = 0.0 if atol is not None and atol > 0 else np.finfo(a.dtype).eps * max(a.shape[-2:])
    tol = xp.maximum(atol or 0.0, rtol * (s.max(axis=-1) if s.shape[-1] else 0.0))
    return a._wrap((s > xp.asarray(tol)[..., None]).sum(axis=-1).astype(np.int64))


def matrix_power(A, n):
    return _matrices('matrix_power', A, square=True).matrix_power(n)


# ---------------------------------------------------------------- decompositions

def svd(A, full_matrices=True, *, driver=None):
    """``(U, S, Vh)`` with ``A = U diag(S) Vh``; the gradients of U and Vh need
    ``full_matrices=False`` (or a square A) and distinct singular values, as in PyTorch."""
    a = _matrices('svd', A)
    parts = D.svd(a.array, full_matrices)
    return _svd_return(D.SvdU.apply(a, parts=parts), D.SvdS.apply(a, parts=parts), D.SvdVh.apply(a, parts=parts))


def svdvals(A, *, driver=None):
    """The singular values, largest first."""
    a = _matrices('svdvals', A)
    return D.SvdS.apply(a, parts=D.svd(a.array, False))


def eigh(A, UPLO='L'):
    """Eigenvalues (ascending) and eigenvectors (columns) of symmetric matrices, read from the
    ``UPLO`` triangle."""
    a = _matrices('eigh', A, square=True)
    if UPLO not in ('L', 'U'):
        raise RuntimeError(f"linalg.eigh: UPLO must be 'L' or 'U', got {UPLO!r}")
    parts = D.eigh(a.array, UPLO == 'L')
    return _eigh_return(D.EighValues.apply(a, parts=parts), D.EighVectors.apply(a, parts=parts))


def eigvalsh(A, UPLO='L'):
    """The eigenvalues (ascending) of symmetric matrices."""
    return eigh(A, UPLO).eigenvalues


def qr(A, mode='reduced'):
    """``(Q, R)`` with ``A = Q R``, Q orthonormal columns, R upper triangular; mode 'reduced',
    'complete' or 'r' (then Q is empty)."""
    a = _matrices('qr', A)
    if mode not in ('reduced', 'complete', 'r'):
        raise RuntimeError(f"linalg.qr: mode must be 'reduced', 'complete' or 'r', got {mode!r}")
    xp = backend.get_array_module(a.array)
    if mode == 'r':
        return _qr_return(a._wrap(xp.zeros((0,), dtype=a.dtype)), a._wrap(xp.linalg.qr(a.array, mode='r')))
    parts = D.qr(a.array, mode)
    return _qr_return(D.QrQ.apply(a, parts=parts), D.QrR.apply(a, parts=parts))


def cholesky(A, *, upper=False):
    """The lower-triangular ``L`` with ``A = L L^T`` (``upper=True``: its transpose)."""
    out = D.Cholesky.apply(_matrices('cholesky', A, square=True))
    return out.mT if upper else out


# ---------------------------------------------------------------- products

def matmul(input, other):
    return input.matmul(other)


def cross(input, other, *, dim=-1):
    """The cross product of 3-vectors along ``dim`` (the last by default, unlike ``torch.cross``)."""
    return input.cross(other, dim=dim)


def vecdot(x, y, *, dim=-1):
    """The dot product of vectors along ``dim`` (the shapes broadcast)."""
    return (x * y).sum(dim)


def multi_dot(tensors):
    """``tensors[0] @ tensors[1] @ ...``; the first and last may be 1-D."""
    tensors = list(tensors)
    if len(tensors) < 2:
        raise RuntimeError('linalg.multi_dot(): expected at least 2 tensors')
    out = tensors[0]
    for t in tensors[1:]:
        out = out.matmul(t)
    return out


def diagonal(A, *, offset=0, dim1=-2, dim2=-1):
    return A.diagonal(offset, dim1, dim2)


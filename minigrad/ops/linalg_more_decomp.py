"""Ops behind ``minigrad.linalg``: solve, slogdet, pinv, cholesky, and the factors of svd, eigh
and qr. A decomposition is computed once (``svd``, ``eigh``, ``qr`` below, raw arrays) and each
of its outputs is its own op (``SvdU``/``SvdS``/``SvdVh``...), since the gradient of the input is a
sum of one term per output gradient. Real matrices only; batched over leading dims.

Formulas: Giles, "An extended collection of matrix derivative results" (2008); Townsend,
"Differentiating the singular value decomposition" (2016); Walter and Lehmann (QR).
"""
import numpy as np

from ..autograd import Function, unbroadcast
from ..backend import get_array_module


def _t(a):
    return a.swapaxes(-1, -2)


def _eye_like(a, n):
    return get_array_module(a).eye(n, dtype=a.dtype)


def _off_diagonal_inverse(d):
    """F[..., i, j] = 1 / (d_j - d_i) off the diagonal, 0 on it (and where d_j == d_i)."""
    xp = get_array_module(d)
    diff = d[..., None, :] - d[..., :, None]
    with np.errstate(divide='ignore'):
        return xp.where(diff == 0, 0, 1 / xp.where(diff == 0, 1, diff))


class Solve(Function):
    """``X = A^-1 B`` for square ``A`` (..., n, n) and ``B`` (..., n, k) or (n,)."""
    def forward(self, a, b):
        xp = get_array_module(a)
        self.vector = b.ndim == 1
        x = xp.linalg.solve(a, b[..., None] if self.vector else b)
        self.save_for_backward(a, x)
        self.shapes = a.shape, b.shape
        return x[..., 0] if self.vector else x

    # dB = A^-T g,  dA = -dB X^T
    def backward(self, g):
        a, x = self.saved
        xp = get_array_module(g)
        gb = xp.linalg.solve(_t(a), g[..., None] if self.vector else g)
        ga = unbroadcast(-gb @ _t(x), self.shapes[0]) if self.needs_input_grad[0] else None
        if self.needs_input_grad[1]:
            gb = gb[..., 0] if self.vector else gb
            return ga, unbroadcast(gb, self.shapes[1])
        return ga, None


class LogAbsDet(Function):
    """``log|det A|`` (the second output of ``slogdet``)."""
    def forward(self, a):
        xp = get_array_module(a)
        _, logabs = xp.linalg.slogdet(a)
        self.save_for_backward(a)
        return logabs

    # d log|det A| = tr(A^-1 dA), so dA = g A^-T
    def backward(self, g):
        (a,) = self.saved
        xp = get_array_module(g)
        return g[..., None, None] * _t(xp.linalg.inv(a))


class Pinv(Function):
    """The Moore-Penrose pseudo-inverse (singular values below ``rtol * largest`` dropped)."""
    def forward(self, a, rtol=None):
        xp = get_array_module(a)
        if rtol is None:            # PyTorch's default (CuPy's own default is 1e-15)
            rtol = float(np.finfo(a.dtype).eps) * max(a.shape[-2:])
        out = xp.linalg.pinv(a, rtol)       # positional: NumPy's and CuPy's rcond
        self.save_for_backward(a, out)
        return out

    # PyTorch's pinv_backward (valid where the rank does not change)
    def backward(self, g):
        a, p = self.saved
        m, n = a.shape[-2:]
        ph, gh = _t(p), _t(g)
        if m <= n:
            k = gh @ p
            kph = k @ ph
            return -_t(p @ k) + kph - (a @ p) @ kph + (ph @ p) @ (gh - k @ a)
        k = p @ gh
        phk = ph @ k
        return -_t(k @ p) + (gh - a @ k) @ p @ ph + phk - phk @ p @ a


class Cholesky(Function):
    """The lower-triangular ``L`` with ``L L^T = A`` (A symmetric positive-definite)."""
    def forward(self, a):
        xp = get_array_module(a)
        try:
            out = xp.linalg.cholesky(a)
        except np.linalg.LinAlgError as e:
            raise RuntimeError(f'linalg.cholesky: the input is not positive-definite ({e})') from None
        self.save_for_backward(out)
        return out

    # dA = sym(L^-T Phi(L^T g) L^-1), Phi: the lower triangle with its diagonal halved
    def backward(self, g):
        (l,) = self.saved
        xp = get_array_module(g)
        phi = xp.tril(_t(l) @ g)
        phi = phi - 0.5 * phi * _eye_like(phi, phi.shape[-1])
        linv = xp.linalg.inv(l)
        s = _t(linv) @ phi @ linv
        return 0.5 * (s + _t(s))


# ---------------------------------------------------------------- decompositions, one op per output

def svd(a, full_matrices):
    xp = get_array_module(a)
    return xp.linalg.svd(a, full_matrices=full_matrices)


def eigh(a, lower):
    xp = get_array_module(a)
    return xp.linalg.eigh(a, UPLO='L' if lower else 'U')


def qr(a, mode):
    xp = get_array_module(a)
    return xp.linalg.qr(a, mode=mode)


class _Factor(Function):
    """Output number ``index`` of a decomposition ``parts`` computed from the input."""
    index = 0

    def forward(self, a, parts):
        self.parts = parts
        return parts[self.index]


class SvdS(_Factor):
    index = 1

    # dA = U diag(gS) V^T
    def backward(self, g):
        u, _, vh = self.parts
        k = g.shape[-1]
        return (u[..., :k] * g[..., None, :]) @ vh[..., :k, :]


def _svd_check(u, vh, s):
    if u.shape[-1] != s.shape[-1] or vh.shape[-2] != s.shape[-1]:
        raise RuntimeError('linalg.svd: the gradient of U or Vh with full_matrices=True needs a '
                           'square input; use full_matrices=False')


def _svd_u_grad(u, s, vh, g):
    """dA from the gradient ``g`` of U: U (F o (U^T g - g^T U)) S V^T + (I - U U^T) g S^-1 V^T,
    F_ij = 1/(s_j^2 - s_i^2)."""
    _svd_check(u, vh, s)
    f = _off_diagonal_inverse(s * s)
    utg = _t(u) @ g
    inner = (f * (utg - _t(utg))) * s[..., None, :]
    return u @ inner @ vh + ((g - u @ utg) / s[..., None, :]) @ vh


class SvdU(_Factor):
    index = 0

    # dA = U (F o (U^T gU - gU^T U)) S V^T + (I - U U^T) gU S^-1 V^T
    def backward(self, g):
        u, s, vh = self.parts
        return _svd_u_grad(u, s, vh, g)


class SvdVh(_Factor):
    index = 2

    # A^T = V S U^T: the gradient of Vh is that of U for A^T, transposed
    def backward(self, g):
        u, s, vh = self.parts
        return _t(_svd_u_grad(_t(vh), s, _t(u), _t(g)))


class EighValues(_Factor):
    index = 0

    # dA = V diag(g) V^T
    def backward(self, g):
        _, v = self.parts
        return (v * g[..., None, :]) @ _t(v)


class EighVectors(_Factor):
    index = 1

    # dA = V (F o (V^T gV)) V^T, F_ij = 1/(w_j - w_i), made symmetric
    def backward(self, g):
        w, v = self.parts
        inner = _off_diagonal_inverse(w) * (_t(v) @ g)
        out = v @ inner @ _t(v)
        return 0.5 * (out + _t(out))


class QrQ(_Factor):
    index = 0

    def backward(self, g):
        return _qr_grad(self.parts, g, None)


class QrR(_Factor):
    index = 1

    def backward(self, g):
        return _qr_grad(self.parts, None, g)


def _qr_grad(parts, gq, gr):
    """dA = (gQ + Q copyltu(M)) R^-T with M = R gR^T - gQ^T Q, copyltu(M) = tril(M) +
    tril(M, -1)^T (reduced QR with m >= n, R invertible)."""
    q, r = parts
    xp = get_array_module(q)
    if q.shape[-2] < r.shape[-1] or q.shape[-1] != r.shape[-2]:
        raise RuntimeError("linalg.qr: the gradient needs mode='reduced' and rows >= columns")
    gq = xp.zeros_like(q) if gq is None else gq
    gr = xp.zeros_like(r) if gr is None else gr
    m = r @ _t(gr) - _t(gq) @ q
    copyltu = xp.tril(m) + _t(xp.tril(m, -1))
    return _t(xp.linalg.solve(r, _t(gq + q @ copyltu)))

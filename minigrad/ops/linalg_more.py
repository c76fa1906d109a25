"""``einsum``: the equation parser (ellipsis and implicit output, as ``torch.einsum``) and the
op, whose gradient for each operand is itself an einsum of the output gradient with the other
operands.
"""
import string

import numpy as np

from ..autograd import Function
from ..backend import get_array_module

_LETTERS = string.ascii_letters


def parse_equation(equation, shapes):
    """Turn ``equation`` into explicit subscripts: ``(inputs, output)``, one string of letters
    per operand (``...`` replaced by letters of its own, right-aligned as broadcasting does,
    and the implicit output of an equation without ``->`` made explicit).

    Raises ValueError/RuntimeError with PyTorch's meaning for a malformed equation.
    """
    if not isinstance(equation, str):
        raise TypeError(f'einsum(): the equation must be a string, got {type(equation).__name__}')
    eq = equation.replace(' ', '')
    lhs, arrow, rhs = eq.partition('->')
    terms = lhs.split(',')
    if len(terms) != len(shapes):
        raise RuntimeError(f'einsum(): the equation {equation!r} has {len(terms)} operand(s) but '
                           f'{len(shapes)} were given')
    for part in terms + ([rhs] if arrow else []):
        bad = set(part.replace('...', '')) - set(_LETTERS)
        if bad or part.count('...') > 1:
            raise RuntimeError(f'einsum(): invalid subscript in {equation!r}: subscripts are letters '
                               'a-z, A-Z and at most one ellipsis (...) per operand')
    free = [c for c in _LETTERS if c not in eq]
    n_ell = 0
    for t, shape in zip(terms, shapes):
        named = len(t.replace('...', ''))
        if ('...' in t and named > len(shape)) or ('...' not in t and named != len(shape)):
            raise RuntimeError(f'einsum(): the number of subscripts in {t!r} ({named}) does not '
                               f'match the number of dimensions ({len(shape)}) of its operand '
                               f'{list(shape)}' + ('' if '...' in t else ' and no ellipsis was given'))
        if '...' in t:
            n_ell = max(n_ell, len(shape) - named)
    ell = ''.join(free[:n_ell])
    inputs = []
    for t, shape in zip(terms, shapes):
        k = len(shape) - len(t.replace('...', ''))
        inputs.append(t.replace('...', ell[n_ell - k:]) if '...' in t else t)
    if arrow:
        output = rhs.replace('...', ell)      # without '...' in it, the ellipsis dims are summed
        unknown = set(output) - set(''.join(inputs))
        if unknown or len(set(output)) != len(output):
            raise RuntimeError(f'einsum(): output subscripts of {equation!r} must each appear once '
                               'and also in an input')
    else:
        joined = ''.join(t.replace('...', '') for t in terms)
        output = ell + ''.join(sorted(c for c in set(joined) if joined.count(c) == 1))
    sizes = {}
    for sub, shape in zip(inputs, shapes):
        for c, n in zip(sub, shape):
            if sizes.get(c, 1) not in (1, n) and n != 1:
                raise RuntimeError(f'einsum(): subscript {c!r} has size {n} in one operand and '
                                   f'{sizes[c]} in another (in {equation!r})')
            if n != 1 or c not in sizes:
                sizes[c] = n
    return inputs, output


def _einsum(xp, subs, output, arrays):
    spec = ','.join(subs) + '->' + output
    # optimize: contract pairwise through BLAS (9x faster for attention-sized operands)
    return xp.einsum(spec, *arrays, optimize=True)


class Einsum(Function):
    """``einsum`` with explicit subscripts (see ``parse_equation``)."""
    def forward(self, *arrays, inputs, output):
        self.inputs, self.output = inputs, output
        self.shapes = [a.shape for a in arrays]
        self.save_for_backward(*arrays)
        return _einsum(get_array_module(*arrays), inputs, output, arrays)

    # d einsum(..., A_i, ...) = einsum(g, the other operands -> the subscripts of A_i) dA_i
    # (letters only A_i has are broadcast back; repeated letters put it on the diagonal)
    def backward(self, g):
        return tuple(self._grad(i, g) if need else None
                     for i, need in enumerate(self.needs_input_grad))

    def _grad(self, i, g):
        xp = get_array_module(g)
        arrays, subs, shape = self.saved, self.inputs[i], self.shapes[i]
        others = [j for j in range(len(arrays)) if j != i]
        available = set(self.output).union(*[self.inputs[j] for j in others])
        uniq = ''.join(dict.fromkeys(subs))
        size = {c: shape[subs.index(c)] for c in uniq}
        target = ''.join(c for c in uniq if c in available)
        gi = _einsum(xp, [self.output] + [self.inputs[j] for j in others], target,
                     [g] + [arrays[j] for j in others])
        # an operand's size-1 dim that broadcast against a larger one: sum back to 1
        axes = tuple(k for k, c in enumerate(target) if size[c] == 1 and gi.shape[k] != 1)
        if axes:
            gi = gi.sum(axis=axes, keepdims=True)
        # letters only this operand had were summed over: broadcast back along them
        for k, c in enumerate(uniq):
            if c not in available:
                gi = xp.expand_dims(gi, k)
        gi = xp.broadcast_to(gi, tuple(size[c] for c in uniq))
        if len(uniq) == len(subs):
            return gi
        # repeated letters (a diagonal, as in 'ii->i'): spread onto the diagonal with identities
        fresh = iter(c for c in _LETTERS if c not in subs)
        seen, full, eyes, eye_subs = set(), '', [], []
        for c in subs:
            if c in seen:
                f = next(fresh)
                full += f
                eyes.append(xp.eye(size[c], dtype=g.dtype))
                eye_subs.append(c + f)
            else:
                seen.add(c)
                full += c
        return _einsum(xp, [uniq] + eye_subs, full, [gi] + eyes)


class Inverse(Function):
    """The inverse of a square matrix (or of each in a batch)."""
    def forward(self, a):
        xp = get_array_module(a)
        try:
            out = xp.linalg.inv(a)
        except np.linalg.LinAlgError as e:      # (CuPy raises NumPy's too)
            raise RuntimeError(f'inverse(): the matrix is not invertible ({e})') from None
        self.save_for_backward(out)
        return out

    # d A^-1 = -A^-1 dA A^-1, so dA = -A^-T g A^-T
    def backward(self, g):
        xp = get_array_module(g)
        inv_t = xp.swapaxes(self.saved[0], -1, -2)
        return -(inv_t @ g @ inv_t)


class Det(Function):
    """The determinant of a square matrix (or of each in a batch)."""
    def forward(self, a):
        xp = get_array_module(a)
        out = xp.linalg.det(a)
        self.save_for_backward(a, out)
        return out

    # d det(A) = det(A) tr(A^-1 dA), so dA = g det(A) A^-T  (A must be invertible)
    def backward(self, g):
        a, out = self.saved
        xp = get_array_module(g)
        try:
            inv_t = xp.swapaxes(xp.linalg.inv(a), -1, -2)
        except np.linalg.LinAlgError:
            raise RuntimeError('det(): the gradient at a singular matrix is not supported') from None
        return (g * out)[..., None, None] * inv_t

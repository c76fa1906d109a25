"""``torch.nn.utils.parametrizations``: ``weight_norm`` and ``spectral_norm`` as
parametrizations (the forms PyTorch recommends; the hook-based ones are in ``norms.py``).
State dict keys are PyTorch's: ``parametrizations.weight.original0`` (g) and ``original1`` (v)
for weight norm; ``parametrizations.weight.original`` and the buffers
``parametrizations.weight.0._u`` / ``_v`` for spectral norm."""
from ... import factory
from ...autograd import no_grad
from ..module import Module
from .norms import _as_matrix, _norm_except_dim, _normalize
from .parametrize import register_parametrization

__all__ = ['weight_norm', 'spectral_norm']


class _WeightNorm(Module):
    def __init__(self, dim=0):
        super().__init__()
        self.dim = -1 if dim is None else dim

    def forward(self, weight_g, weight_v):
        return weight_v * (weight_g / _norm_except_dim(weight_v, self.dim))

    def right_inverse(self, weight):
        return _norm_except_dim(weight, self.dim), weight


def weight_norm(module, name='weight', dim=0):
    """``module.<name> = g * v / ||v||`` with ``g`` (``original0``) and ``v`` (``original1``)
    learned apart (norm over every dim but ``dim``; ``None``: the whole tensor); returns module."""
    weight = getattr(module, name)
    d = dim if dim is None or dim >= -1 else dim + weight.ndim
    return register_parametrization(module, name, _WeightNorm(d), unsafe=True)


class _SpectralNorm(Module):
    def __init__(self, weight, n_power_iterations=1, dim=0, eps=1e-12):
        super().__init__()
        if n_power_iterations <= 0:
            raise ValueError('Expected n_power_iterations to be positive, but got '
                             f'n_power_iterations={n_power_iterations}')
        ndim = weight.ndim
        self.dim = dim if dim >= 0 else dim + ndim
        self.eps, self.n_power_iterations = eps, n_power_iterations
        if ndim > 1:
            mat = _as_matrix(weight.detach(), self.dim)
            h, w = mat.shape
            self.register_buffer('_u', _normalize(factory.randn(h, dtype=weight.dtype,
                                                                device=weight.device), eps))
            self.register_buffer('_v', _normalize(factory.randn(w, dtype=weight.dtype,
                                                                device=weight.device), eps))
            self._power_method(mat, 15)

    def _power_method(self, mat, n):
        with no_grad():
            for _ in range(n):
                self._u.copy_(_normalize(mat @ self._v, self.eps))
                self._v.copy_(_normalize(mat.T @ self._u, self.eps))

    def forward(self, weight):
        if weight.ndim == 1:
            return weight / max(float((weight * weight).sum().sqrt().item()), self.eps)
        mat = _as_matrix(weight, self.dim)
        if self.training:
            self._power_method(mat.detach(), self.n_power_iterations)
        u, v = self._u.clone(), self._v.clone()
        return weight / (u * (mat @ v)).sum()

    def right_inverse(self, value):
        return value


def spectral_norm(module, name='weight', n_power_iterations=1, eps=1e-12, dim=None):
    """Divide ``module.<name>`` by its largest singular value on each access (power iteration
    in training); returns module. ``dim``: the output dim (default 0; 1 for ConvTranspose)."""
    weight = getattr(module, name)
    if dim is None:
        dim = 1 if type(module).__name__.startswith('ConvTranspose') else 0
    return register_parametrization(module, name,
                                    _SpectralNorm(weight, n_power_iterations, dim, eps))

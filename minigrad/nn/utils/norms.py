"""``torch.nn.utils.weight_norm`` and ``spectral_norm`` (the hook-based forms, with their
``remove_*``): a layer's weight is recomputed from other parameters before every forward.

* weight norm (Salimans and Kingma): ``weight = g * v / ||v||``, learning the direction ``v``
  (``weight_v``) and the length ``g`` (``weight_g``) apart; the norm is taken over every dim
  but ``dim`` (``dim=None``: the whole tensor).
* spectral norm (Miyato et al., GANs): ``weight = weight_orig / sigma``, sigma the largest
  singular value of the weight seen as a matrix, estimated by power iteration on the buffers
  ``weight_u``, ``weight_v`` (one more iteration per training forward).
The parameter and buffer names are PyTorch's, so state dicts load both ways.
"""
from ... import factory
from ...autograd import no_grad
from ..parameter import Parameter

__all__ = ['weight_norm', 'remove_weight_norm', 'spectral_norm', 'remove_spectral_norm']


def _norm_except_dim(v, dim):
    if dim is None or dim == -1:
        return (v * v).sum().sqrt()
    dims = tuple(d for d in range(v.ndim) if d != dim)
    return (v * v).sum(dim=dims, keepdim=True).sqrt()


def _hooks(module):
    if '_weight_hooks' not in module.__dict__:
        object.__setattr__(module, '_weight_hooks', {})
    return module.__dict__['_weight_hooks']


def weight_norm(module, name='weight', dim=0):
    """Reparameterise ``module.<name>`` as ``g * v / ||v||`` (parameters ``<name>_g`` and
    ``<name>_v``), recomputed before every forward; returns the module."""
    if ('weight_norm', name) in _hooks(module):
        raise RuntimeError(f'Cannot register two weight_norm hooks on the same parameter {name}')
    weight = module._parameters.get(name)
    if weight is None:
        raise ValueError(f'weight_norm: module {type(module).__name__} has no parameter {name!r}')
    d = -1 if dim is None else (dim + weight.ndim if dim < -1 else dim)
    del module._parameters[name]
    with no_grad():
        module.register_parameter(name + '_g', Parameter(_norm_except_dim(weight, d).detach()))
        module.register_parameter(name + '_v', Parameter(weight.detach()))

    def compute(m, *_):
        v, g = getattr(m, name + '_v'), getattr(m, name + '_g')
        object.__setattr__(m, name, v * (g / _norm_except_dim(v, d)))
    compute(module)
    _hooks(module)[('weight_norm', name)] = (module.register_forward_pre_hook(compute), compute)
    return module


def remove_weight_norm(module, name='weight'):
    """Fold ``<name>_g`` and ``<name>_v`` back into one Parameter ``<name>``; returns module."""
    entry = _hooks(module).pop(('weight_norm', name), None)
    if entry is None:
        raise ValueError(f"weight_norm of '{name}' not found in {type(module).__name__}")
    handle, compute = entry
    handle.remove()
    compute(module)
    weight = module.__dict__.pop(name).detach()
    del module._parameters[name + '_g'], module._parameters[name + '_v']
    module.register_parameter(name, Parameter(weight))
    return module


def _as_matrix(weight, dim):
    if dim != 0:
        weight = weight.permute(dim, *[d for d in range(weight.ndim) if d != dim])
    return weight.reshape(weight.shape[0], -1)


def _normalize(x, eps):
    return x / max(float((x * x).sum().sqrt().item()), eps)


def spectral_norm(module, name='weight', n_power_iterations=1, eps=1e-12, dim=None):
    """Divide ``module.<name>`` by its largest singular value before every forward (parameter
    ``<name>_orig``, power-iteration buffers ``<name>_u`` and ``<name>_v``); returns module.

    Args:
        n_power_iterations: power iterations per training forward (0: none).
        eps: the smallest norm a vector is divided by.
        dim: the output dim of the weight (default 0; 1 for ConvTranspose layers).
    """
    if n_power_iterations < 0:
        raise ValueError('Expected n_power_iterations to be non-negative, but got '
                         f'n_power_iterations={n_power_iterations}')
    weight = module._parameters.get(name)
    if weight is None:
        raise ValueError(f'spectral_norm: module {type(module).__name__} has no parameter '
                         f'{name!r}')
    if dim is None:
        dim = 1 if type(module).__name__.startswith('ConvTranspose') else 0
    h, w = _as_matrix(weight.detach(), dim).shape
    with no_grad():                              # random unit vectors to start the iteration
        u, v = (_normalize(factory.randn(n, dtype=weight.dtype, device=weight.device), eps)
                for n in (h, w))
    del module._parameters[name]
    module.register_parameter(name + '_orig', weight)
    module.register_buffer(name + '_u', u.detach())
    module.register_buffer(name + '_v', v.detach())

    def compute(m, *_, iterate=True):
        orig, u_buf, v_buf = (getattr(m, name + s) for s in ('_orig', '_u', '_v'))
        wm = _as_matrix(orig, dim)
        if iterate and m.training and n_power_iterations:
            with no_grad():
                wd = wm.detach()
                for _ in range(n_power_iterations):
                    v_buf.copy_(_normalize(wd.T @ u_buf, eps))
                    u_buf.copy_(_normalize(wd @ v_buf, eps))
        sigma = (u_buf.detach() * (wm @ v_buf.detach())).sum()
        object.__setattr__(m, name, orig / sigma)
    object.__setattr__(module, name, weight.detach())     # as PyTorch, until the first forward
    _hooks(module)[('spectral_norm', name)] = (module.register_forward_pre_hook(compute), compute)
    return module


def remove_spectral_norm(module, name='weight'):
    """Make ``<name>`` an ordinary Parameter again (the current normalised value); returns
    module."""
    entry = _hooks(module).pop(('spectral_norm', name), None)
    if entry is None:
        raise ValueError(f"spectral_norm of '{name}' not found in {type(module).__name__}")
    handle, compute = entry
    handle.remove()
    with no_grad():
        compute(module, iterate=False)
    weight = module.__dict__.pop(name).detach()
    del module._parameters[name + '_orig']
    del module._buffers[name + '_u'], module._buffers[name + '_v']
    module.register_parameter(name, Parameter(weight.clone()))
    return module

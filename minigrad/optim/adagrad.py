"""Adagrad and Adamax, as ``torch.optim.Adagrad`` / ``torch.optim.Adamax`` (single-tensor paths)."""
from ..backend import get_array_module
from ..tensor import Tensor
from .adam import _lerp_
from .optimizer import (Optimizer, _check_adam_like, _check_hyper, _compat_options, _decayed_grad,
                        _hypers)

__all__ = ['Adagrad', 'Adamax']


class Adagrad(Optimizer):
    r"""Adagrad (Duchi et al., 2011) with PyTorch's exact update order.

    For each parameter :math:`\theta` with gradient :math:`g` (negated when ``maximize``), at its
    step t (from 1)::

        g <- g + weight_decay * theta                  (if weight_decay != 0)
        clr <- lr / (1 + (t - 1) * lr_decay)
        s <- s + g * g
        theta <- theta - clr * g / (sqrt(s) + eps)

    Args:
        params: an iterable of Tensors or of parameter-group dicts.
        lr: the learning rate (default 1e-2).
        lr_decay: the learning-rate decay (default 0).
        weight_decay: L2 penalty (default 0).
        initial_accumulator_value: the starting value of ``s`` (default 0).
        eps: added to the denominator for numerical stability (default 1e-10).
        foreach, differentiable, fused: accepted for compatibility (one code path here).
        maximize: maximize the objective instead of minimizing it.

    State (per parameter, created at construction as in PyTorch): ``step`` (a Python number) and
    ``sum`` (a Tensor of the parameter's shape and dtype).
    """

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0,
                 eps=1e-10, foreach=None, *, maximize=False, differentiable=False, fused=None):
        _check_hyper('learning rate', lr)
        _check_hyper('lr_decay', lr_decay)
        _check_hyper('weight_decay', weight_decay)
        _check_hyper('initial_accumulator_value', initial_accumulator_value)
        _check_hyper('epsilon', eps)
        defaults = dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, maximize=bool(maximize),
                        **_compat_options(foreach=foreach, differentiable=differentiable,
                                          fused=fused))
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group['params']:
                xp = get_array_module(p.array)
                state = self.state[p]
                state['step'] = 0
                state['sum'] = Tensor._wrap(xp.full_like(
                    p.array, float(group['initial_accumulator_value'])))

    def step(self, closure=None):
        """Update every parameter that has a ``.grad`` (others are skipped); returns the
        closure's loss when a closure is given."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            lr, lr_decay, eps, weight_decay = _hypers(group, 'lr', 'lr_decay', 'eps',
                                                      'weight_decay')
            for p, x, grad in self._params_with_grad(group):
                xp = get_array_module(x)
                state = self.state[p]
                state['step'] += 1
                g, _ = _decayed_grad(xp, x, grad, weight_decay, group['maximize'])
                clr = lr / (1 + (state['step'] - 1) * lr_decay)
                s = state['sum'].array
                scratch = xp.multiply(g, g, out=xp.empty_like(x))
                s += scratch
                std = xp.sqrt(s, out=scratch)
                std += eps
                q = xp.multiply(g, -clr, out=xp.empty_like(x))    # addcdiv's order: (v g) / std
                q /= std
                x += q
        return loss


class Adamax(Optimizer):
    r"""Adamax (Adam with the infinity norm; Kingma & Ba, 2015) with PyTorch's exact update order.

    For each parameter :math:`\theta` with gradient :math:`g` (negated when ``maximize``), at its
    step t (from 1)::

        g <- g + weight_decay * theta                  (if weight_decay != 0)
        m <- lerp(m, g, 1 - beta1)
        u <- max(beta2 * u, |g| + eps)
        theta <- theta - lr / (1 - beta1**t) * m / u

    Args:
        params: an iterable of Tensors or of parameter-group dicts.
        lr: the learning rate (default 2e-3).
        betas: the coefficients of the running average and of the infinity norm.
        eps: added for numerical stability (default 1e-8).
        weight_decay: L2 penalty (default 0).
        foreach, differentiable, capturable: accepted for compatibility (one code path here).
        maximize: maximize the objective instead of minimizing it.

    State (per parameter): ``step`` (a Python int), ``exp_avg`` and ``exp_inf`` (Tensors).
    """

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 foreach=None, *, maximize=False, differentiable=False, capturable=False):
        _check_adam_like(lr, betas, eps, weight_decay)
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                        maximize=bool(maximize),
                        **_compat_options(foreach=foreach, differentiable=differentiable,
                                          capturable=capturable))
        super().__init__(params, defaults)

    def step(self, closure=None):
        """Update every parameter that has a ``.grad`` (others are skipped); returns the
        closure's loss when a closure is given."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            lr, eps, weight_decay = _hypers(group, 'lr', 'eps', 'weight_decay')
            beta1, beta2 = (float(b) for b in group['betas'])
            for p, x, grad in self._params_with_grad(group):
                xp = get_array_module(x)
                state = self.state[p]
                if not state:
                    state['step'] = 0
                    state['exp_avg'] = Tensor._wrap(xp.zeros_like(x))
                    state['exp_inf'] = Tensor._wrap(xp.zeros_like(x))
                state['step'] += 1
                g, _ = _decayed_grad(xp, x, grad, weight_decay, group['maximize'])
                m, u = state['exp_avg'].array, state['exp_inf'].array
                scratch = xp.empty_like(x)
                _lerp_(m, g, 1.0 - beta1, scratch)
                u *= beta2
                xp.abs(g, out=scratch)
                scratch += eps
                xp.maximum(u, scratch, out=u)
                clr = lr / (1 - beta1 ** state['step'])
                xp.multiply(m, -clr, out=scratch)              # addcdiv's order: (v m) / u
                scratch /= u
                x += scratch
        return loss

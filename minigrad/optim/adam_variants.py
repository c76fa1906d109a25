"""NAdam and RAdam, as ``torch.optim.NAdam`` / ``torch.optim.RAdam`` (single-tensor paths)."""
import numpy as np

from ..backend import get_array_module
from ..tensor import Tensor
from .adam import _lerp_
from .optimizer import Optimizer, _check_adam_like, _compat_options, _decayed_grad, _hypers

__all__ = ['NAdam', 'RAdam']


class _AdamVariant(Optimizer):
    """Construction, state and the shared first steps of NAdam and RAdam: weight decay (L2 or
    decoupled), ``m <- lerp(m, g, 1 - beta1)`` and ``v <- beta2 v + (1 - beta2) g g``."""

    def __init__(self, params, defaults, betas, decoupled_weight_decay, maximize):
        _check_adam_like(defaults['lr'], betas, defaults['eps'], defaults['weight_decay'])
        defaults.update(betas=(float(betas[0]), float(betas[1])), maximize=bool(maximize),
                        decoupled_weight_decay=bool(decoupled_weight_decay))
        super().__init__(params, defaults)

    def _moments(self, group, p, x, grad):
        """Advance the state of ``p``; return ``(xp, g, m, v, step, scratch)``."""
        xp = get_array_module(x)
        lr, weight_decay = _hypers(group, 'lr', 'weight_decay')
        beta1, beta2 = (float(b) for b in group['betas'])
        state = self.state[p]
        if not state:
            state['step'] = 0
            self._init_state(state)
            state['exp_avg'] = Tensor._wrap(xp.zeros_like(x))
            state['exp_avg_sq'] = Tensor._wrap(xp.zeros_like(x))
        state['step'] += 1
        decoupled = group['decoupled_weight_decay']
        if weight_decay != 0 and decoupled:
            x *= 1 - lr * weight_decay
        g, _ = _decayed_grad(xp, x, grad, 0.0 if decoupled else weight_decay, group['maximize'])
        m, v = state['exp_avg'].array, state['exp_avg_sq'].array
        scratch = xp.empty_like(x)
        _lerp_(m, g, 1.0 - beta1, scratch)
        v *= beta2
        xp.multiply(g, 1.0 - beta2, out=scratch)
        scratch *= g
        v += scratch
        return xp, g, m, v, state['step'], scratch

    def _init_state(self, state):
        pass


class NAdam(_AdamVariant):
    r"""Adam with Nesterov momentum (Dozat, 2016), with PyTorch's exact update order.

    At step t, with ``mu_t = beta1 (1 - 0.5 * 0.96 ** (t * momentum_decay))`` and ``P_t`` the
    product of the ``mu`` so far (kept in float32, as PyTorch keeps it)::

        m, v as in Adam;  denom <- sqrt(v / (1 - beta2**t)) + eps
        theta <- theta - lr (1 - mu_t) / (1 - P_t) * g / denom
                       - lr mu_{t+1} / (1 - P_t mu_{t+1}) * m / denom

    Args:
        params: an iterable of Tensors or of parameter-group dicts.
        lr: the learning rate (default 2e-3).
        betas, eps, weight_decay: as Adam's.
        momentum_decay: the decay of the momentum schedule (default 4e-3).
        decoupled_weight_decay: decay the weights directly (NAdamW).
        foreach, capturable, differentiable: accepted for compatibility.
        maximize: maximize the objective instead of minimizing it.

    State (per parameter): ``step`` and ``mu_product`` (Python numbers), ``exp_avg``,
    ``exp_avg_sq`` (Tensors).
    """

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 momentum_decay=4e-3, decoupled_weight_decay=False, *, foreach=None,
                 maximize=False, capturable=False, differentiable=False):
        if not 0.0 <= momentum_decay:
            raise ValueError(f'Invalid momentum_decay value: {momentum_decay}')
        defaults = dict(lr=lr, eps=eps, weight_decay=weight_decay, momentum_decay=momentum_decay,
                        **_compat_options(foreach=foreach, capturable=capturable,
                                          differentiable=differentiable))
        super().__init__(params, defaults, betas, decoupled_weight_decay, maximize)

    def _init_state(self, state):
        state['mu_product'] = 1.0

    def step(self, closure=None):
        """Update every parameter that has a ``.grad`` (others are skipped); returns the
        closure's loss when a closure is given."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            lr, eps, momentum_decay = _hypers(group, 'lr', 'eps', 'momentum_decay')
            beta1, beta2 = (float(b) for b in group['betas'])
            for p, x, grad in self._params_with_grad(group):
                xp, g, m, v, step, scratch = self._moments(group, p, x, grad)
                state = self.state[p]
                mu = beta1 * (1.0 - 0.5 * (0.96 ** (step * momentum_decay)))
                mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * momentum_decay)))
                state['mu_product'] = float(np.float32(state['mu_product']) * np.float32(mu))
                mu_product = state['mu_product']
                denom = xp.divide(v, 1 - beta2 ** step, out=xp.empty_like(x))
                xp.sqrt(denom, out=denom)
                denom += eps
                xp.multiply(g, -lr * (1.0 - mu) / (1.0 - mu_product), out=scratch)
                scratch /= denom
                x += scratch                             # addcdiv's order: (value g) / denom
                xp.multiply(m, (-lr * mu_next) / (1.0 - mu_product * mu_next), out=scratch)
                scratch /= denom
                x += scratch
        return loss


class RAdam(_AdamVariant):
    r"""Rectified Adam (Liu et al., 2019) with PyTorch's exact update order.

    At step t, with ``rho_inf = 2 / (1 - beta2) - 1`` and
    ``rho_t = rho_inf - 2 t beta2**t / (1 - beta2**t)``::

        m, v as in Adam;  m_hat <- m / (1 - beta1**t)
        theta <- theta - m_hat * lr * sqrt(1 - beta2**t) / (sqrt(v) + eps) * r_t   (rho_t > 5)
        theta <- theta - m_hat * lr                                                 (otherwise)

    with the rectification ``r_t = sqrt((rho_t - 4)(rho_t - 2) rho_inf /
    ((rho_inf - 4)(rho_inf - 2) rho_t))``.

    Args:
        params: an iterable of Tensors or of parameter-group dicts.
        lr: the learning rate (default 1e-3).
        betas, eps, weight_decay: as Adam's.
        decoupled_weight_decay: decay the weights directly (RAdamW).
        foreach, capturable, differentiable: accepted for compatibility.
        maximize: maximize the objective instead of minimizing it.

    State (per parameter): ``step`` (a Python int), ``exp_avg``, ``exp_avg_sq`` (Tensors).
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 decoupled_weight_decay=False, *, foreach=None, maximize=False, capturable=False,
                 differentiable=False):
        defaults = dict(lr=lr, eps=eps, weight_decay=weight_decay,
                        **_compat_options(foreach=foreach, capturable=capturable,
                                          differentiable=differentiable))
        super().__init__(params, defaults, betas, decoupled_weight_decay, maximize)

    def step(self, closure=None):
        """Update every parameter that has a ``.grad`` (others are skipped); returns the
        closure's loss when a closure is given."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            lr, eps = _hypers(group, 'lr', 'eps')
            beta1, beta2 = (float(b) for b in group['betas'])
            for p, x, grad in self._params_with_grad(group):
                xp, g, m, v, step, scratch = self._moments(group, p, x, grad)
                bias_correction1 = 1 - beta1 ** step
                bias_correction2 = 1 - beta2 ** step
                update = xp.divide(m, bias_correction1, out=xp.empty_like(x))
                update *= lr
                rho_inf = 2 / (1 - beta2) - 1
                rho_t = rho_inf - 2 * step * (beta2 ** step) / bias_correction2
                if rho_t > 5.0:
                    xp.sqrt(v, out=scratch)
                    scratch += eps
                    xp.divide(bias_correction2 ** 0.5, scratch, out=scratch)
                    update *= scratch
                    update *= ((rho_t - 4) * (rho_t - 2) * rho_inf
                               / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
                x -= update
        return loss

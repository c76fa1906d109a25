"""Adadelta, as ``torch.optim.Adadelta`` (the single-tensor path)."""
from ..backend import get_array_module
from ..tensor import Tensor
from .optimizer import Optimizer, _check_hyper, _compat_options, _decayed_grad, _hypers

__all__ = ['Adadelta']


class Adadelta(Optimizer):
    r"""Adadelta (Zeiler, 2012) with PyTorch's exact update order.

    For each parameter :math:`\theta` with gradient :math:`g` (negated when ``maximize``)::

        g <- g + weight_decay * theta                          (if weight_decay != 0)
        v <- rho * v + (1 - rho) * g * g
        delta <- sqrt(u + eps) / sqrt(v + eps) * g
        u <- rho * u + (1 - rho) * delta * delta
        theta <- theta - lr * delta

    Args:
        params: an iterable of Tensors or of parameter-group dicts.
        lr: the coefficient that scales delta before it is applied (default 1.0).
        rho: the coefficient of the running averages of the squared gradient and update (0.9).
        eps: added inside both square roots for numerical stability (default 1e-6).
        weight_decay: L2 penalty (default 0).
        foreach, capturable, differentiable: accepted for compatibility (one code path here).
        maximize: maximize the objective instead of minimizing it.

    State (per parameter): ``step`` (a Python int), ``square_avg`` (v) and ``acc_delta`` (u),
    Tensors of the parameter's shape and dtype.
    """

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, foreach=None, *,
                 capturable=False, maximize=False, differentiable=False):
        _check_hyper('learning rate', lr)
        _check_hyper('rho', rho, 0.0, 1.0)
        _check_hyper('epsilon', eps)
        _check_hyper('weight_decay', weight_decay)
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=bool(maximize),
                        **_compat_options(foreach=foreach, capturable=capturable,
                                          differentiable=differentiable))
        super().__init__(params, defaults)

    def step(self, closure=None):
        """Update every parameter that has a ``.grad`` (others are skipped); returns the
        closure's loss when a closure is given."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            lr, rho, eps, weight_decay = _hypers(group, 'lr', 'rho', 'eps', 'weight_decay')
            for p, x, grad in self._params_with_grad(group):
                xp = get_array_module(x)
                state = self.state[p]
                if not state:
                    state['step'] = 0
                    state['square_avg'] = Tensor._wrap(xp.zeros_like(x))
                    state['acc_delta'] = Tensor._wrap(xp.zeros_like(x))
                state['step'] += 1
                square_avg, acc_delta = state['square_avg'].array, state['acc_delta'].array
                g, _ = _decayed_grad(xp, x, grad, weight_decay, group['maximize'])

                scratch = xp.multiply(g, 1.0 - rho, out=xp.empty_like(x))
                scratch *= g
                square_avg *= rho
                square_avg += scratch                  # v = rho v + (1 - rho) g g
                std = xp.add(square_avg, eps, out=xp.empty_like(x))
                xp.sqrt(std, out=std)
                delta = xp.add(acc_delta, eps, out=scratch)
                xp.sqrt(delta, out=delta)
                delta /= std
                delta *= g                             # delta = sqrt(u + eps) / sqrt(v + eps) g
                xp.multiply(delta, 1.0 - rho, out=std)
                std *= delta
                acc_delta *= rho
                acc_delta += std                       # u = rho u + (1 - rho) delta delta
                delta *= -lr
                x += delta
        return loss

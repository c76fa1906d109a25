"""RMSprop, as ``torch.optim.RMSprop`` (the single-tensor path)."""
from ..backend import get_array_module
from ..tensor import Tensor
from .adam import _lerp_
from .optimizer import Optimizer, _check_hyper, _compat_options, _decayed_grad, _hypers

__all__ = ['RMSprop']


class RMSprop(Optimizer):
    r"""RMSprop (Hinton's lecture 6e) with PyTorch's exact update order.

    For each parameter :math:`\theta` with gradient :math:`g` (negated when ``maximize``)::

        g <- g + weight_decay * theta                  (if weight_decay != 0)
        v <- alpha * v + (1 - alpha) * g * g
        avg <- sqrt(v - ga * ga) + eps,  ga <- lerp(ga, g, 1 - alpha)   (centered)
        avg <- sqrt(v) + eps                                             (otherwise)
        b <- momentum * b + g / avg;  theta <- theta - lr * b           (if momentum > 0)
        theta <- theta - lr * g / avg                                    (otherwise)

    Args:
        params: an iterable of Tensors or of parameter-group dicts.
        lr: the learning rate (default 1e-2).
        alpha: the smoothing constant of the squared-gradient average (default 0.99).
        eps: added to the denominator for numerical stability (default 1e-8).
        weight_decay: L2 penalty (default 0).
        momentum: the momentum factor (default 0).
        centered: normalise by an estimate of the gradient's variance instead of its second moment.
        maximize: maximize the objective instead of minimizing it.

    State (per parameter): ``step`` (a Python int), ``square_avg``, and ``momentum_buffer``
    (momentum > 0) and ``grad_avg`` (centered) Tensors.
    """

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0,
                 centered=False, capturable=False, foreach=None, maximize=False,
                 differentiable=False):
        _check_hyper('learning rate', lr)
        _check_hyper('epsilon', eps)
        _check_hyper('momentum', momentum)
        _check_hyper('weight_decay', weight_decay)
        _check_hyper('alpha', alpha)
        defaults = dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum,
                        centered=bool(centered), maximize=bool(maximize),
                        **_compat_options(capturable=capturable, foreach=foreach,
                                          differentiable=differentiable))
        super().__init__(params, defaults)

    def step(self, closure=None):
        """Update every parameter that has a ``.grad`` (others are skipped); returns the
        closure's loss when a closure is given."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            lr, alpha, eps, weight_decay, momentum = _hypers(group, 'lr', 'alpha', 'eps',
                                                             'weight_decay', 'momentum')
            centered, maximize = group['centered'], group['maximize']
            for p, x, grad in self._params_with_grad(group):
                xp = get_array_module(x)
                state = self.state[p]
                if not state:
                    state['step'] = 0
                    state['square_avg'] = Tensor._wrap(xp.zeros_like(x))
                if momentum > 0 and 'momentum_buffer' not in state:
                    state['momentum_buffer'] = Tensor._wrap(xp.zeros_like(x))
                if centered and 'grad_avg' not in state:
                    state['grad_avg'] = Tensor._wrap(xp.zeros_like(x))
                state['step'] += 1
                square_avg = state['square_avg'].array

                g, _ = _decayed_grad(xp, x, grad, weight_decay, maximize)

                scratch = xp.empty_like(x)
                square_avg *= alpha
                xp.multiply(g, 1.0 - alpha, out=scratch)
                scratch *= g
                square_avg += scratch
                if centered:
                    grad_avg = state['grad_avg'].array
                    _lerp_(grad_avg, g, 1.0 - alpha, scratch)
                    xp.multiply(grad_avg, grad_avg, out=scratch)
                    avg = xp.subtract(square_avg, scratch, out=xp.empty_like(x))
                    xp.sqrt(avg, out=avg)
                else:
                    avg = xp.sqrt(square_avg, out=xp.empty_like(x))
                avg += eps

                if momentum > 0:
                    buf = state['momentum_buffer'].array
                    buf *= momentum
                    xp.divide(g, avg, out=scratch)
                    buf += scratch
                    xp.multiply(buf, lr, out=scratch)
                    x -= scratch
                else:
                    xp.multiply(g, -lr, out=scratch)
                    scratch /= avg
                    x += scratch
        return loss

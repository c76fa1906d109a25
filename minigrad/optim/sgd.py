"""Stochastic gradient descent with optional (Nesterov) momentum, as ``torch.optim.SGD``."""
from ..backend import get_array_module
from ..tensor import Tensor
from .optimizer import Optimizer, _check_hyper, _compat_options, _decayed_grad, _hypers

__all__ = ['SGD']


class SGD(Optimizer):
    r"""Stochastic gradient descent, optionally with momentum (PyTorch's update rule).

    For each parameter :math:`\theta` with gradient :math:`g` (negated when ``maximize``)::

        g <- g + weight_decay * theta                       (if weight_decay != 0)
        b <- g on the first step, else momentum * b + (1 - dampening) * g   (if momentum != 0)
        g <- g + momentum * b  if nesterov  else  b         (if momentum != 0)
        theta <- theta - lr * g

    Args:
        params: an iterable of Tensors or of parameter-group dicts.
        lr: the learning rate (default 1e-3, as PyTorch 2.13).
        momentum: the momentum factor (default 0: plain SGD).
        dampening: dampening of the momentum's gradient term (default 0).
        weight_decay: L2 penalty added to the gradient (default 0).
        nesterov: use Nesterov momentum (needs momentum > 0 and dampening 0).
        maximize: maximize the objective instead of minimizing it.

    State (per parameter): ``momentum_buffer`` (a Tensor) when momentum is used.
    """

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False,
                 *, maximize=False, foreach=None, differentiable=False, fused=None):
        _check_hyper('learning rate', lr)
        _check_hyper('momentum', momentum)
        _check_hyper('weight_decay', weight_decay)
        _check_hyper('dampening', dampening, low=float('-inf'))
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError('Nesterov momentum requires a momentum and zero dampening')
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                        nesterov=bool(nesterov), maximize=bool(maximize),
                        **_compat_options(foreach=foreach, differentiable=differentiable,
                                          fused=fused))
        super().__init__(params, defaults)

    def step(self, closure=None):
        """Update every parameter that has a ``.grad`` (others are skipped); returns the
        closure's loss when a closure is given."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            lr, momentum, dampening, weight_decay = _hypers(group, 'lr', 'momentum', 'dampening',
                                                             'weight_decay')
            nesterov, maximize = group['nesterov'], group['maximize']
            for p, x, grad in self._params_with_grad(group):
                xp = get_array_module(x)
                # g is the update direction; `own` says whether g is a scratch array we may overwrite
                g, own = _decayed_grad(xp, x, grad, weight_decay, maximize)
                if momentum != 0:
                    state = self.state[p]
                    buf = state.get('momentum_buffer')
                    if buf is None:
                        b = g if own else g.copy()
                        state['momentum_buffer'] = Tensor._wrap(b)
                        own = False          # g is now the buffer itself
                    else:
                        b = buf.array
                        b *= momentum
                        if dampening == 0:
                            b += g
                        elif own:
                            g *= 1.0 - dampening          # nesterov is off: g is not needed again
                            b += g
                        else:
                            b += xp.multiply(g, 1.0 - dampening)
                    if nesterov:
                        n = xp.multiply(b, momentum, out=xp.empty_like(b))
                        n += g
                        g, own = n, True
                    else:
                        g, own = b, False
                if own:
                    g *= lr
                    x -= g
                else:
                    x -= xp.multiply(g, lr)
        return loss

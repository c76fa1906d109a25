"""Rprop and ASGD, as ``torch.optim.Rprop`` / ``torch.optim.ASGD`` (the single-tensor paths)."""
import numpy as np

from ..backend import get_array_module
from ..tensor import Tensor
from .optimizer import Optimizer, _check_hyper, _compat_options, _decayed_grad, _hypers

__all__ = ['Rprop', 'ASGD']


class Rprop(Optimizer):
    r"""Resilient backpropagation: each element has its own step size, which grows by
    ``etaplus`` while its gradient keeps its sign and shrinks by ``etaminus`` when the sign
    flips (and that step is skipped); only the gradient's sign is used. PyTorch's update order::

        f <- sign(g * g_prev) mapped to etaplus (> 0), etaminus (< 0), 1 (= 0)
        step_size <- clamp(step_size * f, step_size_min, step_size_max)
        g <- 0 where f == etaminus
        theta <- theta - sign(g) * step_size;   g_prev <- g

    Args:
        params: an iterable of Tensors or of parameter-group dicts.
        lr: the initial step size of every element (default 0.01).
        etas: ``(etaminus, etaplus)``, with ``0 < etaminus < 1 < etaplus`` (default (0.5, 1.2)).
        step_sizes: ``(min, max)`` step sizes (default (1e-6, 50)).
        capturable, foreach, differentiable: accepted for compatibility (one code path here).
        maximize: maximize the objective instead of minimizing it.

    State (per parameter): ``step`` (a Python int), ``prev`` (the last gradient used) and
    ``step_size``, Tensors of the parameter's shape and dtype.
    """

    def __init__(self, params, lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50), *,
                 capturable=False, foreach=None, maximize=False, differentiable=False):
        _check_hyper('learning rate', lr)
        etaminus, etaplus = etas
        if not 0.0 < etaminus < 1.0 < etaplus:
            raise ValueError(f'Invalid eta values: {etaminus}, {etaplus} (expected '
                             '0 < etaminus < 1 < etaplus)')
        defaults = dict(lr=lr, etas=tuple(etas), step_sizes=tuple(step_sizes),
                        maximize=bool(maximize),
                        **_compat_options(foreach=foreach, capturable=capturable,
                                          differentiable=differentiable))
        super().__init__(params, defaults)

    def step(self, closure=None):
        """Update every parameter that has a ``.grad``; returns the closure's loss if given."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            etaminus, etaplus = (float(e) for e in group['etas'])
            smin, smax = (float(s) for s in group['step_sizes'])
            for p, x, grad in self._params_with_grad(group):
                xp = get_array_module(x)
                state = self.state[p]
                if not state:
                    state['step'] = 0
                    state['prev'] = Tensor._wrap(xp.zeros_like(x))
                    state['step_size'] = Tensor._wrap(xp.full_like(x, group['lr']))
                state['step'] += 1
                prev, step_size = state['prev'].array, state['step_size'].array
                g = -grad if group['maximize'] else grad
                sign = xp.sign(g * prev)
                factor = xp.where(sign > 0, x.dtype.type(etaplus),
                                  xp.where(sign < 0, x.dtype.type(etaminus), x.dtype.type(1)))
                step_size *= factor
                xp.clip(step_size, smin, smax, out=step_size)
                g = xp.where(factor == x.dtype.type(etaminus), x.dtype.type(0), g)
                x -= xp.sign(g) * step_size
                prev[...] = g
        return loss


class ASGD(Optimizer):
    r"""Averaged stochastic gradient descent (Polyak and Juditsky), PyTorch's update order::

        g <- g + weight_decay * theta                          (if weight_decay != 0)
        theta <- theta * (1 - lambd * eta) - eta * g
        ax <- theta if mu == 1 else ax + mu * (theta - ax)     (the running average)
        eta <- lr / (1 + lambd * lr * step) ** alpha;   mu <- 1 / max(1, step - t0)

    ``eta`` and ``mu`` are kept in float32, as PyTorch keeps them (its default dtype), so the
    trajectories match its to rounding.

    Args:
        params: an iterable of Tensors or of parameter-group dicts.
        lr: the learning rate (default 0.01).
        lambd: the decay term (default 1e-4).
        alpha: the power of the eta update (default 0.75).
        t0: the step at which averaging starts (default 1e6).
        weight_decay: L2 penalty (default 0).
        foreach, capturable, differentiable: accepted for compatibility (one code path here).
        maximize: maximize the objective instead of minimizing it.

    State (per parameter): ``step`` (a Python int), ``eta`` and ``mu`` (floats), ``ax`` (the
    averaged parameter, a Tensor of its shape and dtype).
    """

    def __init__(self, params, lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0,
                 foreach=None, maximize=False, differentiable=False, capturable=False):
        _check_hyper('learning rate', lr)
        _check_hyper('weight_decay', weight_decay)
        defaults = dict(lr=lr, lambd=lambd, alpha=alpha, t0=t0, weight_decay=weight_decay,
                        maximize=bool(maximize),
                        **_compat_options(foreach=foreach, capturable=capturable,
                                          differentiable=differentiable))
        super().__init__(params, defaults)

    def step(self, closure=None):
        """Update every parameter that has a ``.grad``; returns the closure's loss if given."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            lr, lambd, alpha, t0, wd = _hypers(group, 'lr', 'lambd', 'alpha', 't0',
                                               'weight_decay')
            for p, x, grad in self._params_with_grad(group):
                xp = get_array_module(x)
                state = self.state[p]
                if not state:
                    state['step'] = 0
                    state['eta'] = float(np.float32(lr))
                    state['mu'] = 1.0
                    state['ax'] = Tensor._wrap(xp.zeros_like(x))
                state['step'] += 1
                step, eta, mu = state['step'], state['eta'], state['mu']
                g, _ = _decayed_grad(xp, x, grad, wd, group['maximize'])
                x *= 1 - lambd * eta
                x -= eta * g
                ax = state['ax'].array
                if mu != 1:
                    ax += (x - ax) * x.dtype.type(mu)
                else:
                    ax[...] = x
                state['eta'] = float(np.float32(lr / ((1 + lambd * lr * step) ** alpha)))
                state['mu'] = float(np.float32(1 / max(1, step - t0)))
        return loss

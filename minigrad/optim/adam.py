"""Adam and AdamW, as ``torch.optim.Adam`` / ``torch.optim.AdamW`` (the single-tensor path)."""
from ..backend import get_array_module
from ..tensor import Tensor
from .optimizer import Optimizer, _check_adam_like, _compat_options, _decayed_grad, _hypers

__all__ = ['Adam', 'AdamW']


def _lerp_(start, end, weight, scratch):
    """``start += weight * (end - start)`` in place, with PyTorch's two-branch lerp formula.

    ``scratch`` is an array of the same shape that may be overwritten.
    """
    xp = get_array_module(start)
    xp.subtract(end, start, out=scratch)
    if abs(weight) < 0.5:
        scratch *= weight
        start += scratch
    else:
        # end - (end - start) * (1 - weight), with 1 - weight taken in the arrays' precision
        scratch *= 1.0 - float(start.dtype.type(weight))
        xp.subtract(end, scratch, out=start)


class Adam(Optimizer):
    r"""Adam (Kingma & Ba, 2015) with PyTorch's exact update order.

    For each parameter :math:`\theta` with gradient :math:`g` (negated when ``maximize``), at step
    :math:`t` (counted per parameter, from 1)::

        g <- g + weight_decay * theta                  (Adam, if weight_decay != 0)
        theta <- theta * (1 - lr * weight_decay)       (AdamW: decoupled weight decay)
        m <- lerp(m, g, 1 - beta1)                     (= beta1 * m + (1 - beta1) * g)
        v <- beta2 * v + (1 - beta2) * g * g
        v_max <- max(v_max, v)                         (if amsgrad; used instead of v below)
        denom <- sqrt(v) / sqrt(1 - beta2**t) + eps
        theta <- theta - lr / (1 - beta1**t) * m / denom

    Args:
        params: an iterable of Tensors or of parameter-group dicts.
        lr: the learning rate (default 1e-3).
        betas: coefficients of the running averages of the gradient and its square.
        eps: added to the denominator for numerical stability (default 1e-8).
        weight_decay: L2 penalty (default 0).
        amsgrad: use the AMSGrad variant (the running maximum of ``v``).
        maximize: maximize the objective instead of minimizing it.
        decoupled_weight_decay: decay the weights directly, as AdamW does.

    State (per parameter): ``step`` (a Python int), ``exp_avg``, ``exp_avg_sq`` and, with
    amsgrad, ``max_exp_avg_sq`` (Tensors of the parameter's shape and dtype).
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 amsgrad=False, *, foreach=None, maximize=False, capturable=False,
                 differentiable=False, fused=None, decoupled_weight_decay=False):
        _check_adam_like(lr, betas, eps, weight_decay)
        defaults = dict(lr=lr, betas=(float(betas[0]), float(betas[1])), eps=eps,
                        weight_decay=weight_decay, amsgrad=bool(amsgrad), maximize=bool(maximize),
                        decoupled_weight_decay=bool(decoupled_weight_decay),
                        **_compat_options(foreach=foreach, capturable=capturable,
                                          differentiable=differentiable, fused=fused))
        super().__init__(params, defaults)

    def step(self, closure=None):
        """Update every parameter that has a ``.grad`` (others are skipped); returns the
        closure's loss when a closure is given."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            lr, eps, weight_decay = _hypers(group, 'lr', 'eps', 'weight_decay')
            beta1, beta2 = (float(b) for b in group['betas'])
            amsgrad, maximize = group['amsgrad'], group['maximize']
            decoupled = group.get('decoupled_weight_decay', False)
            for p, x, grad in self._params_with_grad(group):
                xp = get_array_module(x)
                state = self.state[p]
                if not state:
                    state['step'] = 0
                    state['exp_avg'] = Tensor._wrap(xp.zeros_like(x))
                    state['exp_avg_sq'] = Tensor._wrap(xp.zeros_like(x))
                if amsgrad and 'max_exp_avg_sq' not in state:
                    state['max_exp_avg_sq'] = Tensor._wrap(xp.zeros_like(x))
                step = state['step'] + 1
                state['step'] = step
                m, v = state['exp_avg'].array, state['exp_avg_sq'].array

                if decoupled:
                    if weight_decay != 0:
                        x *= 1.0 - lr * weight_decay
                    g, _ = _decayed_grad(xp, x, grad, 0.0, maximize)
                else:
                    g, _ = _decayed_grad(xp, x, grad, weight_decay, maximize)

                scratch = xp.empty_like(x)
                _lerp_(m, g, 1.0 - beta1, scratch)
                v *= beta2
                xp.multiply(g, 1.0 - beta2, out=scratch)
                scratch *= g
                v += scratch

                bias_correction1 = 1.0 - beta1 ** step
                bias_correction2 = 1.0 - beta2 ** step
                step_size = lr / bias_correction1
                bias_correction2_sqrt = bias_correction2 ** 0.5
                if amsgrad:
                    vmax = state['max_exp_avg_sq'].array
                    xp.maximum(vmax, v, out=vmax)
                    v = vmax
                denom = xp.sqrt(v, out=xp.empty_like(x))
                denom /= bias_correction2_sqrt
                denom += eps
                xp.multiply(m, -step_size, out=scratch)
                scratch /= denom
                x += scratch
        return loss


class AdamW(Adam):
    r"""Adam with decoupled weight decay (Loshchilov & Hutter, 2019), as ``torch.optim.AdamW``.

    The weights are multiplied by ``1 - lr * weight_decay`` before the Adam update, instead of
    adding ``weight_decay * theta`` to the gradient. Arguments as :class:`Adam`, with
    ``weight_decay`` defaulting to 1e-2.
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2,
                 amsgrad=False, *, maximize=False, foreach=None, capturable=False,
                 differentiable=False, fused=None):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize,
                         foreach=foreach, capturable=capturable, differentiable=differentiable,
                         fused=fused, decoupled_weight_decay=True)

    def load_state_dict(self, state_dict):
        super().load_state_dict(state_dict)
        for group in self.param_groups:
            group['decoupled_weight_decay'] = True

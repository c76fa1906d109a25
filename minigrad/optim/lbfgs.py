"""L-BFGS, as ``torch.optim.LBFGS``: the same iterations, history, step lengths and
stopping tests (the strong-Wolfe line search is in ``lbfgs_search.py``).

L-BFGS works on all parameters as one flat vector. ``step(closure)`` runs up to ``max_iter``
iterations; each builds a search direction ``d = -H g`` from the last ``history_size`` pairs of
steps ``s`` and gradient changes ``y`` (the two-loop recursion, with the initial inverse
Hessian ``H_diag = s.y / y.y``), then moves along it by ``lr`` (``min(1, 1/|g|_1) * lr`` the
first time) or by the step a strong-Wolfe line search finds. Scalars are kept in the
parameters' dtype (NumPy scalars, as PyTorch keeps 0-d tensors) so float32 runs round as
PyTorch's do.
"""
import copy

from ..backend import get_array_module
from ..tensor import Tensor
from .lbfgs_search import strong_wolfe
from .optimizer import Optimizer, _check_hyper

__all__ = ['LBFGS']


def _float(loss):
    return float(loss.item() if isinstance(loss, Tensor) else loss)


class LBFGS(Optimizer):
    """Limited-memory BFGS; ``step`` needs a closure that zeroes the gradients, computes the
    loss, calls ``backward()`` and returns the loss.

    Args:
        params: an iterable of Tensors (one group only, as PyTorch).
        lr: the step length multiplier (default 1).
        max_iter: iterations per ``step`` (default 20).
        max_eval: closure evaluations per ``step`` (default ``max_iter * 5 // 4``).
        tolerance_grad: stop when the largest gradient element is at most this (1e-7).
        tolerance_change: stop when the step or the loss changes less than this (1e-9).
        history_size: the number of (s, y) pairs kept (default 100).
        line_search_fn: None (fixed steps) or ``'strong_wolfe'``.

    State (on the first parameter, as PyTorch): ``func_evals``, ``n_iter``, the last direction
    ``d`` and step ``t``, the history ``old_dirs``/``old_stps``/``ro``, ``H_diag``,
    ``prev_flat_grad`` and ``prev_loss``.
    """

    def __init__(self, params, lr=1, max_iter=20, max_eval=None, tolerance_grad=1e-7,
                 tolerance_change=1e-9, history_size=100, line_search_fn=None):
        _check_hyper('learning rate', lr)
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        if line_search_fn not in (None, 'strong_wolfe'):
            raise ValueError(f"LBFGS: line_search_fn must be None or 'strong_wolfe', got "
                             f'{line_search_fn!r}')
        defaults = dict(lr=lr, max_iter=max_iter, max_eval=max_eval,
                        tolerance_grad=tolerance_grad, tolerance_change=tolerance_change,
                        history_size=history_size, line_search_fn=line_search_fn)
        super().__init__(params, defaults)
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        self._params = self.param_groups[0]['params']

    # ------------------------------------------------------------ the flat vector
    def _gather_flat_grad(self):
        p0 = self._params[0].array
        xp = get_array_module(p0)
        return xp.concatenate([p.grad.array.reshape(-1) if p.grad is not None
                               else xp.zeros(p.array.size, dtype=p.array.dtype)
                               for p in self._params])

    def _add_grad(self, step_size, update):
        """theta <- theta + step_size * update (each parameter's slice)."""
        offset = 0
        for p in self._params:
            n = p.array.size
            p._bump_version()
            p.array += (update[offset:offset + n] * step_size).reshape(p.array.shape)
            offset += n

    def _clone_param(self):
        return [p.array.copy() for p in self._params]

    def _set_param(self, arrays):
        for p, a in zip(self._params, arrays):
            p._bump_version()
            p.array[...] = a

    def _directional_evaluate(self, closure, x, t, d):
        """The loss and flat gradient at ``x + t d`` (the parameters are put back to ``x``)."""
        self._add_grad(t, d)
        loss = _float(self._closure_loss(closure))
        flat_grad = self._gather_flat_grad()
        self._set_param(x)
        return loss, flat_grad

    # ------------------------------------------------------------ the iterations
    def step(self, closure=None):
        """Run up to ``max_iter`` L-BFGS iterations; returns the closure's first loss."""
        if closure is None:
            raise TypeError('LBFGS.step needs a closure that reevaluates the model and '
                               'returns the loss: opt.step(closure)')
        group = self.param_groups[0]
        lr, max_iter, max_eval = group['lr'], group['max_iter'], group['max_eval']
        tol_grad, tol_change = group['tolerance_grad'], group['tolerance_change']
        history_size = group['history_size']

        state = self.state[self._params[0]]
        state.setdefault('func_evals', 0)
        state.setdefault('n_iter', 0)

        orig_loss = self._closure_loss(closure)
        loss = _float(orig_loss)
        current_evals = 1
        state['func_evals'] += 1
        flat_grad = self._gather_flat_grad()
        xp = get_array_module(flat_grad)
        scalar = flat_grad.dtype.type
        if abs(flat_grad).max() <= tol_grad:
            return orig_loss

        d, t = _arr(state.get('d')), _num(state.get('t'), scalar)
        old_dirs = [_arr(v) for v in state.get('old_dirs', [])]
        old_stps = [_arr(v) for v in state.get('old_stps', [])]
        ro = [scalar(v) for v in state.get('ro', [])]
        H_diag = _num(state.get('H_diag'), scalar)
        prev_flat_grad = _arr(state.get('prev_flat_grad'))
        prev_loss = state.get('prev_loss')

        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            state['n_iter'] += 1
            # the direction: steepest descent first, then the two-loop recursion
            if state['n_iter'] == 1:
                d = -flat_grad
                old_dirs, old_stps, ro, H_diag = [], [], [], 1
            else:
                y = flat_grad - prev_flat_grad
                s = d * t
                ys = xp.dot(y, s)
                if ys > 1e-10:
                    if len(old_dirs) == history_size:
                        old_dirs.pop(0)
                        old_stps.pop(0)
                        ro.pop(0)
                    old_dirs.append(y)
                    old_stps.append(s)
                    ro.append(1.0 / ys)
                    H_diag = ys / xp.dot(y, y)
                al = [None] * len(old_dirs)
                q = -flat_grad
                for i in range(len(old_dirs) - 1, -1, -1):
                    al[i] = xp.dot(old_stps[i], q) * ro[i]
                    q -= old_dirs[i] * al[i]
                d = r = q * H_diag
                for i in range(len(old_dirs)):
                    be_i = xp.dot(old_dirs[i], r) * ro[i]
                    r += old_stps[i] * (al[i] - be_i)
            prev_flat_grad = flat_grad.copy()
            prev_loss = loss

            # the step length
            t = (min(1.0, 1.0 / abs(flat_grad).sum()) * lr if state['n_iter'] == 1 else lr)
            gtd = xp.dot(flat_grad, d)
            if gtd > -tol_change:
                break
            ls_func_evals = 0
            if group['line_search_fn'] is not None:
                x_init = self._clone_param()

                def obj_func(x, t, d):
                    return self._directional_evaluate(closure, x, t, d)
                loss, flat_grad, t, ls_func_evals = strong_wolfe(obj_func, x_init, t, d, loss,
                                                                 flat_grad, gtd)
                self._add_grad(t, d)
                opt_cond = abs(flat_grad).max() <= tol_grad
            else:
                self._add_grad(t, d)
                opt_cond = False
                if n_iter != max_iter:     # no re-evaluation after the last iteration
                    loss = _float(self._closure_loss(closure))
                    flat_grad = self._gather_flat_grad()
                    opt_cond = abs(flat_grad).max() <= tol_grad
                    ls_func_evals = 1
            current_evals += ls_func_evals
            state['func_evals'] += ls_func_evals

            # the stopping tests, in PyTorch's order
            if n_iter == max_iter or current_evals >= max_eval or opt_cond:
                break
            if abs(d * t).max() <= tol_change:
                break
            if abs(loss - prev_loss) < tol_change:
                break

        state.update(d=_tensor(d), t=_num(t, float), old_dirs=[_tensor(v) for v in old_dirs],
                     old_stps=[_tensor(v) for v in old_stps], ro=[float(v) for v in ro],
                     H_diag=_num(H_diag, float), prev_flat_grad=_tensor(prev_flat_grad),
                     prev_loss=prev_loss)
        return orig_loss

    def load_state_dict(self, state_dict):
        """As ``Optimizer.load_state_dict``; L-BFGS's flat vectors and lists are copied as
        they are (they have no parameter's shape)."""
        state = state_dict['state']
        super().load_state_dict({'state': {}, 'param_groups': state_dict['param_groups']})
        for k, v in state.items():
            p = self._params[k] if isinstance(k, int) else k
            self.state[p] = {key: (Tensor._wrap(val.array.copy()) if isinstance(val, Tensor)
                                   else copy.deepcopy(val)) for key, val in v.items()}


def _arr(value):
    return value.array if isinstance(value, Tensor) else value


def _tensor(value):
    return Tensor._wrap(value) if value is not None and not isinstance(value, Tensor) else value


def _num(value, kind):
    return None if value is None else kind(value)

"""Test helpers shipped with the library: a finite-difference gradient check."""
import numpy as np

from . import backend
from .tensor import Tensor


class GradcheckError(AssertionError):
    pass


def gradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True, seed=0):
    """Compare ``fn``'s backward with float64 central differences, like ``torch.autograd.gradcheck``.

    The outputs are contracted with a fixed random vector ``v`` (the vector-Jacobian product
    ``v^T J`` that backward computes), and every input element is perturbed by ``±eps``.

    Args:
        fn: a function of tensors returning a tensor (or a tuple of tensors).
        inputs: a tensor or a tuple of tensors; those with ``requires_grad`` are checked and must
            be float64.
        eps, atol, rtol: step and tolerances; an element passes when
            ``|analytic - numeric| <= atol + rtol * |numeric|``.

    Returns:
        True; on failure raises ``GradcheckError`` with a readable report (or returns False when
        ``raise_exception=False``).
    """
    if isinstance(inputs, Tensor):
        inputs = (inputs,)
    inputs = tuple(inputs)
    checked = [i for i, t in enumerate(inputs) if isinstance(t, Tensor) and t.requires_grad]
    if not checked:
        raise ValueError('gradcheck: no input requires grad')
    for i in checked:
        if inputs[i].dtype != np.float64:
            raise ValueError(f'gradcheck: input {i} is {inputs[i].dtype}; use float64 inputs '
                             '(x.double()) so finite differences are accurate')

    def outputs():
        out = fn(*inputs)
        return out if isinstance(out, (tuple, list)) else (out,)

    outs = outputs()
    rng = np.random.default_rng(seed)
    vs = [backend.to_device(rng.standard_normal(o.shape), o.device) for o in outs]

    def scalar(outs_):
        return sum(float((o.array.astype(np.float64) * v).sum()) for o, v in zip(outs_, vs))

    for i in checked:
        inputs[i].grad = None
    live = [(o, v) for o, v in zip(outs, vs) if o.requires_grad]
    if live:
        from .autograd import run_backward
        run_backward([o for o, _ in live], [v.astype(o.dtype) for o, v in live])

    report = []
    for i in checked:
        t = inputs[i]
        g = t.grad
        analytic = np.zeros(t.shape) if g is None else backend.asnumpy(g.array).astype(np.float64)
        numeric = np.zeros(t.shape)
        for ix in np.ndindex(*t.shape):  # perturb in place by index: any memory layout works
            orig = t.array[ix].item()
            t.array[ix] = orig + eps
            fp = scalar(_no_grad(outputs))
            t.array[ix] = orig - eps
            fm = scalar(_no_grad(outputs))
            t.array[ix] = orig
            numeric[ix] = (fp - fm) / (2 * eps)
        bad = np.abs(analytic - numeric) > atol + rtol * np.abs(numeric)
        if bad.any():
            idx = [tuple(int(v) for v in np.unravel_index(k, t.shape)) for k in np.flatnonzero(bad)[:5]]
            lines = [f'  input {i} (shape {t.shape}): {int(bad.sum())} of {bad.size} elements differ; '
                     f'max |analytic - numeric| = {np.abs(analytic - numeric).max():.3e}']
            for ix in idx:
                lines.append(f'    at {ix}: analytic {analytic[ix]: .6e}  numeric {numeric[ix]: .6e}')
            report.extend(lines)
        t.grad = None
    if report:
        msg = 'gradcheck failed: backward disagrees with finite differences\n' + '\n'.join(report)
        if raise_exception:
            raise GradcheckError(msg)
        return False
    return True


def _no_grad(f):
    from .autograd import no_grad
    with no_grad():
        return f()


def assert_close(actual, expected, rtol=1e-5, atol=1e-8, msg=''):
    """Assert two tensors/arrays are elementwise close, reporting the worst mismatch."""
    a = backend.asnumpy(actual.array if isinstance(actual, Tensor) else actual)
    e = backend.asnumpy(expected.array if isinstance(expected, Tensor) else expected)
    np.testing.assert_allclose(a, e, rtol=rtol, atol=atol, err_msg=msg)

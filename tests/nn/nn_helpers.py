"""Helpers shared by the nn tests: copying weights from a torch module, comparing, and running a
layer against its torch twin."""
import numpy as np

import minigrad as mg


def copy_from_torch(module, tmodule):
    """Load a torch module's state_dict (as NumPy arrays) into the equivalent minigrad module."""
    module.load_state_dict({k: v.detach().cpu().numpy() for k, v in tmodule.state_dict().items()})
    return module


def to_torch(x, torch, requires_grad=False):
    t = torch.tensor(np.array(x.numpy() if isinstance(x, mg.Tensor) else x))
    return t.requires_grad_(requires_grad)


def close(a, b, rtol=1e-5, atol=1e-6, msg=''):
    """Assert a minigrad tensor/array ``a`` is close to a torch tensor/array ``b``."""
    a = a.numpy() if isinstance(a, mg.Tensor) else np.asarray(a)
    b = b.detach().cpu().numpy() if hasattr(b, 'detach') else np.asarray(b)
    assert a.shape == b.shape, f'{msg}: shape {a.shape} != {b.shape}'
    np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, err_msg=msg)


def run_parity(m, t, x_np, rtol=1e-5, atol=1e-5, seed=0, check_params=True):
    """Forward and backward ``m`` and ``t`` on the same input and compare everything."""
    import torch
    x = mg.tensor(x_np, requires_grad=True)
    tx = torch.tensor(x_np, requires_grad=True)
    y, ty = m(x), t(tx)
    close(y, ty, rtol, atol, 'forward')
    gy = np.random.default_rng(seed).standard_normal(y.shape).astype(x_np.dtype)
    y.backward(mg.tensor(gy))
    ty.backward(torch.tensor(gy))
    close(x.grad, tx.grad, rtol, atol, 'input grad')
    if check_params:
        ours, theirs = dict(m.named_parameters()), dict(t.named_parameters())
        assert list(ours) == list(theirs)
        for k in ours:
            close(ours[k].grad, theirs[k].grad, rtol, atol, f'grad of {k}')
    return y

"""Helpers shared by the nn tests: copying weights from a torch module and comparing."""
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

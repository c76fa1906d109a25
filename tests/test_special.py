"""minigrad.special against torch.special, forward and backward, and gradcheck."""
import numpy as np
import pytest

import minigrad as mg
import minigrad.special as S
from minigrad.testing import gradcheck

torch = pytest.importorskip('torch')

X = np.array([-2.7, -0.5, 0.25, 0.7, 2.0, 5.5])
P = np.array([0.01, 0.3, 0.5, 0.9, 0.97])
CASES = [('expit', X, ()), ('gammaln', X, ()), ('digamma', X, ()), ('psi', X, ()), ('erf', X, ()),
         ('erfc', X, ()), ('ndtr', X, ()), ('log_ndtr', X, ()), ('sinc', X, ()), ('exp2', X, ()),
         ('expm1', X, ()), ('log1p', P, ()), ('ndtri', P, ()), ('logit', P, ()), ('erfinv', P - 0.5, ()),
         ('entr', P, ()), ('softmax', X, (0,)), ('log_softmax', X, (0,)), ('logsumexp', X, (0,)),
         ('round', X + 0.1, ())]


@pytest.mark.parametrize('name,x,args', CASES, ids=[c[0] for c in CASES])
def test_matches_torch_and_gradcheck(name, x, args):
    m, t = mg.tensor(x.astype(np.float32), requires_grad=True), torch.tensor(x.astype(np.float32), requires_grad=True)
    om, ot = getattr(S, name)(m, *args), getattr(torch.special, name)(t, *args)
    np.testing.assert_allclose(om.detach().numpy(), ot.detach().numpy(), rtol=1e-5, atol=1e-6)
    om.sum().backward()
    ot.sum().backward()
    np.testing.assert_allclose(m.grad.numpy(), t.grad.numpy(), rtol=1e-5, atol=1e-6)
    assert gradcheck(lambda v: getattr(S, name)(v, *args), (mg.tensor(x, requires_grad=True),))


def test_two_argument_functions_and_edges():
    a, b = np.array([0.0, 0.5, 2.0]), np.array([0.0, 1.5, 3.0])
    for name in ('xlogy', 'xlog1py'):
        np.testing.assert_allclose(getattr(S, name)(mg.tensor(a), mg.tensor(b)).numpy(),
                                   getattr(torch.special, name)(torch.tensor(a), torch.tensor(b)).numpy(), rtol=1e-12)
    e = np.array([0.0, -1.0, 0.5])
    np.testing.assert_array_equal(S.entr(mg.tensor(e)).numpy(), torch.special.entr(torch.tensor(e)).numpy())
    assert np.isfinite(S.log_ndtr(mg.tensor([-30.0], dtype=mg.float64)).item())
    with pytest.raises(TypeError, match='Tensor'):
        S.expit(0.5)

"""nn.CTCLoss / F.ctc_loss against torch: padded and concatenated targets, unequal lengths,
empty targets, custom blank, every reduction, zero_infinity; float32 and float64 gradients;
gradcheck; errors."""
import numpy as np
import pytest

import minigrad as mg
import minigrad.nn.functional as F
from minigrad import nn
from minigrad.testing import gradcheck

torch = pytest.importorskip('torch')
T, N, C = 12, 4, 6
rng = np.random.default_rng(0)
CASES = [
    (rng.integers(1, C, (N, 5)), [12, 10, 12, 7], [5, 3, 4, 0], 'mean', False, 0),
    (rng.integers(1, C, (N, 5)), [12, 12, 12, 12], [5, 5, 5, 5], 'none', False, 0),
    (np.array([1, 2, 2, 3, 4, 4, 1, 5, 5, 5]), [12, 9, 3, 8], [4, 2, 1, 3], 'sum', False, 0),
    (np.array([[1] * 7] * N), [3, 12, 12, 12], [7, 7, 7, 7], 'none', True, 0),   # impossible
    (rng.integers(0, C - 1, (N, 4)), [12, 11, 10, 9], [4, 2, 3, 1], 'mean', False, C - 1),
]


@pytest.mark.parametrize('dtype', [np.float32, np.float64], ids=['float32', 'float64'])
@pytest.mark.parametrize('targets,il,tl,reduction,zero_inf,blank', CASES,
                         ids=[str(i) for i in range(len(CASES))])
def test_ctc_matches_torch(targets, il, tl, reduction, zero_inf, blank, dtype):
    x = np.random.default_rng(1).standard_normal((T, N, C)).astype(dtype)
    X, tX = mg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    m = nn.CTCLoss(blank=blank, reduction=reduction, zero_infinity=zero_inf)
    t = torch.nn.CTCLoss(blank=blank, reduction=reduction, zero_infinity=zero_inf)
    y = m(F.log_softmax(X, 2), mg.tensor(targets), il, tl)
    ty = t(torch.nn.functional.log_softmax(tX, 2), torch.tensor(targets), torch.tensor(il),
           torch.tensor(tl))
    tol = dict(rtol=1e-5, atol=1e-5) if dtype == np.float32 else dict(rtol=1e-10, atol=1e-12)
    assert y.dtype == dtype
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), **tol)
    y.sum().backward()
    ty.sum().backward()
    np.testing.assert_allclose(X.grad.numpy(), tX.grad.numpy(), **tol)


def test_ctc_unbatched_gradcheck_and_errors():
    x = mg.tensor(np.random.default_rng(2).standard_normal((6, 4)), requires_grad=True)
    assert gradcheck(lambda x: F.ctc_loss(F.log_softmax(x, 1), mg.tensor([1, 3, 3]), [6], [3]),
                     [x])
    lp = F.log_softmax(mg.randn(5, 2, 4), 2)
    with pytest.raises(RuntimeError, match='expected input_lengths to have 2 entries'):
        F.ctc_loss(lp, mg.tensor([[1, 2], [1, 2]]), [5], [2, 2])
    with pytest.raises(RuntimeError, match=r'labels outside \[0, 4\) or equal to the blank 0'):
        F.ctc_loss(lp, mg.tensor([[1, 0], [1, 2]]), [5, 5], [2, 2])
    with pytest.raises(RuntimeError, match=r'input_lengths must be in \[0, 5\]'):
        F.ctc_loss(lp, mg.tensor([[1, 2], [1, 2]]), [6, 5], [2, 2])

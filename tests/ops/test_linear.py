"""F.linear's argument errors: a clear RuntimeError naming both shapes (issue 12)."""
import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F


@pytest.mark.parametrize('bias_shape', [(5,), (3,), (2, 5), (3, 4)])
def test_linear_bias_of_the_wrong_length_names_both_shapes(bias_shape):
    x, w = mg.zeros(2, 3), mg.zeros(4, 3)
    with pytest.raises(RuntimeError) as e:
        F.linear(x, w, mg.zeros(*bias_shape))
    msg = str(e.value)
    assert msg.startswith('linear: bias of shape ' + str(bias_shape))
    assert 'weight (4, 3)' in msg and 'expected a bias of shape (4,)' in msg
    assert 'input (2, 3)' in msg


def test_linear_layer_with_a_wrong_bias_names_the_shapes():
    layer = nn.Linear(3, 4)
    layer.bias = nn.Parameter(mg.zeros(5))
    with pytest.raises(RuntimeError, match=r'bias of shape \(5,\).*weight \(4, 3\)'):
        layer(mg.zeros(2, 3))


@pytest.mark.parametrize('bias_shape', [(4,), (1,), (), (2, 4), (1, 4)])
def test_linear_bias_that_broadcasts_is_accepted_as_in_pytorch(bias_shape):
    torch = pytest.importorskip('torch')
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal((2, 3)).astype(np.float32), rng.standard_normal((4, 3)).astype(np.float32)
    b = rng.standard_normal(bias_shape).astype(np.float32)
    got = F.linear(mg.tensor(x), mg.tensor(w), mg.tensor(b)).numpy()
    want = torch.nn.functional.linear(torch.tensor(x), torch.tensor(w), torch.tensor(b)).numpy()
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)

"""Client port: the PyTorch polynomial-regression example (github.com/pytorch/examples,
``regression/main.py``): fit y = W x + b on the features [x, x^2, x^3, x^4] with one
``nn.Linear``, ``F.smooth_l1_loss`` and hand-written updates, until the loss is below 1e-3.

Written afresh, keeping every PyTorch call; only the imports differ (``torch`` -> ``minigrad``).
The update is ``param.data.add_(-0.1 * param.grad)`` as in the example's current form (its older
``param.add_(...)`` on a leaf that requires grad is an error in PyTorch, and must be one here);
the endless ``for batch_idx in count(1)`` stops after 5,000 batches at the latest.
"""
from itertools import count, islice

import pytest

import minigrad as torch
import minigrad.nn.functional as F

POLY_DEGREE = 4


def make_features(x):
    """Builds features i.e. a matrix with columns [x, x^2, x^3, x^4]."""
    x = x.unsqueeze(1)
    return torch.cat([x ** i for i in range(1, POLY_DEGREE + 1)], 1)


def poly_desc(W, b):
    """Creates a string description of a polynomial."""
    result = 'y = '
    for i, w in enumerate(W):
        result += '{:+.2f} x^{} '.format(w, i + 1)
    result += '{:+.2f}'.format(b[0])
    return result


def test_regression_converges_and_describes_the_polynomial(capsys):
    torch.manual_seed(0)
    W_target = torch.randn(POLY_DEGREE, 1) * 5
    b_target = torch.randn(1) * 5

    def f(x):
        """Approximated function."""
        return x.mm(W_target) + b_target.item()

    def get_batch(batch_size=32):
        """Builds a batch i.e. (x, f(x)) pair."""
        random = torch.randn(batch_size)
        x = make_features(random)
        y = f(x)
        return x, y

    fc = torch.nn.Linear(W_target.size(0), 1)
    for batch_idx in islice(count(1), 5000):
        batch_x, batch_y = get_batch()
        fc.zero_grad()
        output = F.smooth_l1_loss(fc(batch_x), batch_y)
        loss = output.item()
        output.backward()
        for param in fc.parameters():
            param.data.add_(-0.1 * param.grad)
        if loss < 1e-3:
            break

    print('Loss: {:.6f} after {} batches'.format(loss, batch_idx))
    print('==> Learned function:\t' + poly_desc(fc.weight.view(-1), fc.bias))
    print('==> Actual function:\t' + poly_desc(W_target.view(-1), b_target))
    lines = capsys.readouterr().out.splitlines()
    assert loss < 1e-3 and batch_idx < 5000
    learned, actual = lines[1].split('\t')[1], lines[2].split('\t')[1]
    assert learned.startswith('y = ') and len(learned.split()) == len(actual.split()) == 11
    # the learned coefficients are close to the actual ones
    assert all(abs(float(a) - float(b)) <= 0.2 for a, b in zip(learned.split()[2::2], actual.split()[2::2]))


def test_the_older_in_place_update_on_a_leaf_is_refused():
    fc = torch.nn.Linear(POLY_DEGREE, 1)
    F.smooth_l1_loss(fc(torch.randn(8, POLY_DEGREE)), torch.randn(8, 1)).backward()
    with pytest.raises(RuntimeError, match='leaf'):
        for param in fc.parameters():
            param.add_(-0.1 * param.grad)

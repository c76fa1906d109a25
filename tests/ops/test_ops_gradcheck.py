"""Finite-difference gradient checks (float64) of every differentiable op in the op table."""
import numpy as np
import pytest

import minigrad as mg
from minigrad.autograd import Function
from minigrad.testing import GradcheckError, gradcheck
from test_ops_cases import CASES, case_params


@pytest.mark.parametrize('case', case_params(CASES))
def test_gradcheck(case):
    inputs = [mg.tensor(a, requires_grad=True) for a in case.arrays(np.float64)]
    assert all(t.dtype == np.float64 for t in inputs)
    assert gradcheck(lambda *xs: case.fn(mg, *xs), inputs, **case.gradcheck)


def test_gradcheck_multiple_outputs():
    x = mg.tensor(np.linspace(-1, 1, 6).reshape(2, 3), dtype=mg.float64, requires_grad=True)
    assert gradcheck(lambda t: (t.exp(), t.sum(1), t[0] * t[1]), [x])


def test_gradcheck_with_a_constant_input():
    x = mg.tensor([[0.3, -0.2], [1.1, 0.7]], dtype=mg.float64, requires_grad=True)
    c = mg.tensor([2.0, -3.0], dtype=mg.float64)          # no requires_grad: not checked
    assert gradcheck(lambda a, b: a * b + b, [x, c])


class _WrongSquare(Function):
    """x**2 with a deliberately wrong backward (3x instead of 2x)."""

    def forward(self, x):
        self.save_for_backward(x)
        return x * x

    def backward(self, g):
        return g * 3 * self.saved[0]


def test_gradcheck_catches_a_wrong_backward():
    x = mg.tensor([0.5, -1.0, 2.0], dtype=mg.float64, requires_grad=True)
    with pytest.raises(GradcheckError, match='input 0'):
        gradcheck(_WrongSquare.apply, [x])
    assert gradcheck(_WrongSquare.apply, [x], raise_exception=False) is False


def test_gradcheck_rejects_float32_and_no_grad_inputs():
    with pytest.raises(ValueError, match='float64'):
        gradcheck(lambda t: t * 2, [mg.tensor([1.0], requires_grad=True)])
    with pytest.raises(ValueError, match='requires grad'):
        gradcheck(lambda t: t * 2, [mg.tensor([1.0], dtype=mg.float64)])


def test_gradcheck_perturbs_non_contiguous_and_0d_inputs():
    data = np.asfortranarray(np.linspace(-1, 1, 12).reshape(3, 4))      # column-major memory
    x = mg.Tensor._wrap(data)
    x.requires_grad = True
    assert gradcheck(lambda t: (t * t).sum(1), [x])
    s = mg.tensor(0.3, dtype=mg.float64, requires_grad=True)
    assert gradcheck(lambda t: t.exp() * x, [s])

"""``minigrad.special``: PyTorch's ``torch.special`` names over minigrad's pointwise methods
(``expit`` is ``sigmoid``, ``gammaln`` is ``lgamma``, ``ndtr`` the normal CDF...), all
differentiable where PyTorch's are."""
import math

from .tensor import Tensor

__all__ = ['digamma', 'entr', 'erf', 'erfc', 'erfinv', 'exp2', 'expit', 'expm1', 'gammaln',
           'log1p', 'log_ndtr', 'log_softmax', 'logit', 'logsumexp', 'ndtr', 'ndtri', 'psi',
           'round', 'sinc', 'softmax', 'xlog1py', 'xlogy']


def _method(name, doc=None):
    def function(input, *args, **kwargs):
        if not isinstance(input, Tensor):
            raise TypeError(f'special.{name}: expected a Tensor, got {type(input).__name__}')
        return getattr(input, name)(*args, **kwargs)
    function.__doc__ = doc or f'``input.{name}(...)``.'
    return function


digamma = psi = _method('digamma', 'd/dx log Gamma(x).')
erf, erfc, erfinv = _method('erf'), _method('erfc'), _method('erfinv')
exp2, expm1, log1p = _method('exp2'), _method('expm1'), _method('log1p')
expit = _method('sigmoid', 'The logistic sigmoid 1 / (1 + exp(-x)).')
gammaln = _method('lgamma', 'log|Gamma(x)|.')
logit, logsumexp, round, sinc = _method('logit'), _method('logsumexp'), _method('round'), _method('sinc')
softmax, log_softmax, xlogy = _method('softmax'), _method('log_softmax'), _method('xlogy')


def xlog1py(input, other):
    """``input * log1p(other)``, 0 where input is 0."""
    return input.xlogy(other + 1)


def entr(input):
    """``-x log x`` elementwise (0 at 0, -inf for x < 0)."""
    x = input._floated()
    safe = x.masked_fill(~(x > 0), 1.0)           # log only where x > 0: no NaN in backward
    return (-(safe * safe.log())).masked_fill(x < 0, float('-inf'))


def ndtr(input):
    """The standard normal CDF."""
    return 0.5 * (1 + (input._floated() * (1 / math.sqrt(2))).erf())


def ndtri(input):
    """The inverse of the standard normal CDF."""
    return (2 * input._floated() - 1).erfinv() * math.sqrt(2)


def log_ndtr(input):
    """``log(ndtr(x))``, through erfc so that it stays finite far in the left tail."""
    x = input._floated()
    return (0.5 * (-x * (1 / math.sqrt(2))).erfc()).log()

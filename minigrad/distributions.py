"""``minigrad.distributions``: the probability distributions of ``torch.distributions`` that
beginner code uses (policy gradients, VAEs): ``Categorical``, ``Normal``, ``Bernoulli``,
``Uniform``, ``MultivariateNormal``, and ``kl_divergence`` between two of a kind.

    from minigrad.distributions import Categorical
    m = Categorical(logits=policy(state))
    action = m.sample()
    loss = -m.log_prob(action) * reward

As in PyTorch: ``sample()`` draws without gradient, ``rsample()`` (Normal, Uniform) is
reparameterised so gradients reach the parameters; ``log_prob``, ``entropy``, ``mean``,
``variance`` are differentiable. Draws come from minigrad's generator (``mg.manual_seed``), so
they repeat run to run but are not torch's numbers.
"""
import math
import numbers

import numpy as np

from .autograd import no_grad
from .dtypes import get_default_dtype
from .factory import rand, randn
from .tensor import Tensor

__all__ = ['Bernoulli', 'Categorical', 'Distribution', 'MultivariateNormal', 'Normal', 'Uniform',
           'kl_divergence']

_LOG_SQRT_2PI = 0.5 * math.log(2 * math.pi)


def _as_tensor(value, like=None):
    """``value`` as a float tensor (a number takes ``like``'s dtype; a tensor keeps its own, and
    promotes with the parameters as in PyTorch)."""
    if isinstance(value, Tensor):
        return value if np.issubdtype(value.dtype, np.floating) else value.to(get_default_dtype())
    dtype = like.dtype if like is not None else get_default_dtype()
    return Tensor(np.asarray(value, dtype=dtype), device=None if like is None else like.device)


def _broadcast(*values):
    """Tensors of the broadcast shape (numbers take the dtype of the first tensor)."""
    like = next((v for v in values if isinstance(v, Tensor)), None)
    ts = [_as_tensor(v, like) for v in values]
    shape = np.broadcast_shapes(*[t.shape for t in ts])
    return [t if t.shape == shape else t.expand(*shape) for t in ts]


def _size(sample_shape):
    if isinstance(sample_shape, numbers.Integral):
        return (int(sample_shape),)
    return tuple(sample_shape)


class Distribution:
    """Base class: ``batch_shape``, ``event_shape``, ``sample``, ``rsample``, ``log_prob``,
    ``entropy``, ``mean``, ``variance``, ``stddev``."""
    has_rsample = False

    def __init__(self, batch_shape=(), event_shape=(), validate_args=None):
        self.batch_shape = tuple(batch_shape)
        self.event_shape = tuple(event_shape)

    def _extended_shape(self, sample_shape=()):
        return _size(sample_shape) + self.batch_shape + self.event_shape

    def sample(self, sample_shape=()):
        """Draws of shape ``sample_shape + batch_shape + event_shape``, without gradient."""
        with no_grad():
            return self.rsample(sample_shape).detach()

    def rsample(self, sample_shape=()):
        raise NotImplementedError(f'{type(self).__name__} has no reparameterised sampling (rsample)')

    def sample_n(self, n):
        return self.sample((n,))

    @property
    def stddev(self):
        return self.variance.sqrt()

    def __repr__(self):
        params = ', '.join(f'{k}: {getattr(self, k).shape if isinstance(getattr(self, k), Tensor) else getattr(self, k)}'
                           for k in self.arg_names)
        return f'{type(self).__name__}({params})'


class Normal(Distribution):
    """The normal distribution N(loc, scale^2), batched over the broadcast shape of its
    parameters."""
    has_rsample = True
    arg_names = ('loc', 'scale')

    def __init__(self, loc, scale, validate_args=None):
        self.loc, self.scale = _broadcast(loc, scale)
        if validate_args is not False and bool((self.scale.detach().array <= 0).any()):
            raise ValueError('Normal: expected scale > 0 (the parameter scale must satisfy GreaterThan(0))')
        super().__init__(self.loc.shape)

    def rsample(self, sample_shape=()):
        eps = randn(*self._extended_shape(sample_shape), dtype=self.loc.dtype, device=self.loc.device)
        return self.loc + eps * self.scale

    def log_prob(self, value):
        value = _as_tensor(value, self.loc)
        return -((value - self.loc) ** 2) / (2 * self.scale ** 2) - self.scale.log() - _LOG_SQRT_2PI

    def entropy(self):
        return 0.5 + _LOG_SQRT_2PI + self.scale.log()

    def cdf(self, value):
        return 0.5 * (1 + ((_as_tensor(value, self.loc) - self.loc) / (self.scale * math.sqrt(2))).erf())

    def icdf(self, value):
        return self.loc + self.scale * (2 * _as_tensor(value, self.loc) - 1).erfinv() * math.sqrt(2)

    @property
    def mean(self):
        return self.loc

    @property
    def mode(self):
        return self.loc

    @property
    def variance(self):
        return self.scale ** 2

    @property
    def stddev(self):
        return self.scale


class Uniform(Distribution):
    """The uniform distribution on [low, high)."""
    has_rsample = True
    arg_names = ('low', 'high')

    def __init__(self, low, high, validate_args=None):
        self.low, self.high = _broadcast(low, high)
        if validate_args is not False and bool((self.low.detach().array >= self.high.detach().array).any()):
            raise ValueError('Uniform: expected low < high')
        super().__init__(self.low.shape)

    def rsample(self, sample_shape=()):
        u = rand(*self._extended_shape(sample_shape), dtype=self.low.dtype, device=self.low.device)
        return self.low + u * (self.high - self.low)

    def log_prob(self, value):
        value = _as_tensor(value, self.low)
        inside = ((value >= self.low) & (value < self.high)).to(self.low.dtype)
        return inside.log() - (self.high - self.low).log()

    def entropy(self):
        return (self.high - self.low).log()

    @property
    def mean(self):
        return (self.low + self.high) / 2

    @property
    def variance(self):
        return (self.high - self.low) ** 2 / 12


def _probs_logits(probs, logits, name, binary):
    if (probs is None) == (logits is None):
        raise ValueError(f'{name}: give either probs or logits, not both and not neither')
    if probs is not None:
        probs = _as_tensor(probs)
        p = probs.detach().array
        if bool(((p < 0) | (p > 1 if binary else False)).any()) or not bool(np.isfinite(np.asarray(p.sum())).all()):
            raise ValueError(f'{name}: probs must be {"in [0, 1]" if binary else "non-negative and finite"}')
        if binary:
            return probs, None
        return probs / probs.sum(-1, keepdim=True), None
    logits = _as_tensor(logits)
    return None, (logits if binary else logits - logits.logsumexp(-1, keepdim=True))


class Categorical(Distribution):
    """A distribution over ``0 .. K-1`` given by ``probs`` (non-negative, normalised along the
    last dim) or ``logits`` (unnormalised log-probabilities); batched over the other dims."""
    arg_names = ('probs',)

    def __init__(self, probs=None, logits=None, validate_args=None):
        p, lg = _probs_logits(probs, logits, 'Categorical', binary=False)
        self._probs, self._logits = p, lg
        ref = p if p is not None else lg
        if ref.ndim < 1:
            raise ValueError('Categorical: probs/logits need at least one dimension (the categories)')
        self._num_events = ref.shape[-1]
        super().__init__(ref.shape[:-1])

    @property
    def probs(self):
        return self._probs if self._probs is not None else self._logits.softmax(-1)

    @property
    def logits(self):
        if self._logits is not None:
            return self._logits
        eps = float(np.finfo(self._probs.dtype).eps)
        return self._probs.clamp(eps, 1 - eps).log()

    @property
    def param_shape(self):
        return self.batch_shape + (self._num_events,)

    def sample(self, sample_shape=()):
        shape = _size(sample_shape)
        n = int(np.prod(shape)) if shape else 1
        probs = self.probs.detach().reshape(-1, self._num_events)
        draws = probs.multinomial(n, replacement=True)              # (batch, n)
        return draws.t().reshape(*(shape + self.batch_shape))

    def log_prob(self, value):
        value = value if isinstance(value, Tensor) else Tensor(np.asarray(value, dtype=np.int64))
        logits = self.logits
        shape = np.broadcast_shapes(value.shape, self.batch_shape)
        lg = logits.expand(*(shape + (self._num_events,)))
        idx = value.long().expand(*shape).unsqueeze(-1)
        if bool(((idx.array < 0) | (idx.array >= self._num_events)).any()):
            raise ValueError(f'Categorical.log_prob: values must be in 0 .. {self._num_events - 1}')
        return lg.gather(-1, idx).squeeze(-1)

    def entropy(self):
        logits = self.logits
        eps_min = float(np.finfo(logits.dtype).min)
        return -(logits.clamp(min=eps_min) * self.probs).sum(-1)

    def enumerate_support(self, expand=True):
        values = Tensor(np.arange(self._num_events, dtype=np.int64)).reshape(-1, *((1,) * len(self.batch_shape)))
        return values.expand(self._num_events, *self.batch_shape) if expand else values

    @property
    def mean(self):
        return self.probs * float('nan')

    @property
    def variance(self):
        return self.probs * float('nan')

    @property
    def mode(self):
        return self.probs.argmax(-1)


class Bernoulli(Distribution):
    """0/1 outcomes, 1 with probability ``probs`` (or ``sigmoid(logits)``)."""
    arg_names = ('probs',)

    def __init__(self, probs=None, logits=None, validate_args=None):
        p, lg = _probs_logits(probs, logits, 'Bernoulli', binary=True)
        self._probs, self._logits = p, lg
        super().__init__((p if p is not None else lg).shape)

    @property
    def probs(self):
        return self._probs if self._probs is not None else self._logits.sigmoid()

    @property
    def logits(self):
        if self._logits is not None:
            return self._logits
        eps = float(np.finfo(self._probs.dtype).eps)
        p = self._probs.clamp(eps, 1 - eps)
        return p.log() - (1 - p).log()

    def sample(self, sample_shape=()):
        probs = self.probs.detach()
        return probs.expand(*self._extended_shape(sample_shape)).bernoulli()

    def log_prob(self, value):
        # -BCE with logits, written stably: v * l - softplus(l)
        value = _as_tensor(value, self.logits)
        lg = self.logits
        softplus = lg.clamp(min=0) + (-lg.abs()).exp().log1p()
        return value * lg - softplus

    def entropy(self):
        p, lg = self.probs, self.logits
        softplus = lg.clamp(min=0) + (-lg.abs()).exp().log1p()
        return softplus - p * lg

    @property
    def mean(self):
        return self.probs

    @property
    def variance(self):
        return self.probs * (1 - self.probs)



class MultivariateNormal(Distribution):
    """N(loc, Sigma) over vectors (the last dim), Sigma given as ``covariance_matrix``,
    ``precision_matrix`` or its Cholesky factor ``scale_tril``."""
    has_rsample = True
    arg_names = ('loc', 'scale_tril')

    def __init__(self, loc, covariance_matrix=None, precision_matrix=None, scale_tril=None,
                 validate_args=None):
        from . import linalg
        given = [m for m in (covariance_matrix, precision_matrix, scale_tril) if m is not None]
        if len(given) != 1:
            raise ValueError('MultivariateNormal: give exactly one of covariance_matrix, '
                             'precision_matrix or scale_tril')
        loc = _as_tensor(loc)
        if loc.ndim < 1:
            raise ValueError('MultivariateNormal: loc must be at least one-dimensional')
        if scale_tril is not None:
            tril = _as_tensor(scale_tril, loc).tril()      # only the lower triangle counts
        elif covariance_matrix is not None:
            tril = linalg.cholesky(_as_tensor(covariance_matrix, loc))
        else:
            tril = linalg.cholesky(linalg.inv(_as_tensor(precision_matrix, loc)))
        k = loc.shape[-1]
        if tril.shape[-2:] != (k, k):
            raise ValueError(f'MultivariateNormal: the matrix must be {k} x {k} for loc of size {k}, '
                             f'got {list(tril.shape)}')
        batch = np.broadcast_shapes(loc.shape[:-1], tril.shape[:-2])
        self.loc = loc.expand(*batch, k)
        self.scale_tril = tril.expand(*batch, k, k)
        super().__init__(batch, (k,))

    def rsample(self, sample_shape=()):
        eps = randn(*self._extended_shape(sample_shape), dtype=self.loc.dtype, device=self.loc.device)
        return self.loc + self.scale_tril.matmul(eps.unsqueeze(-1)).squeeze(-1)

    def _half_log_det(self):
        return self.scale_tril.diagonal(0, -2, -1).log().sum(-1)

    def log_prob(self, value):
        from . import linalg
        diff = _as_tensor(value, self.loc) - self.loc
        shape = np.broadcast_shapes(diff.shape[:-1], self.batch_shape)
        tril = self.scale_tril.expand(*shape, *self.event_shape * 2)
        z = linalg.solve(tril, diff.expand(*shape, *self.event_shape).unsqueeze(-1)).squeeze(-1)
        k = self.event_shape[0]
        return -0.5 * (k * math.log(2 * math.pi) + (z * z).sum(-1)) - self._half_log_det()

    def entropy(self):
        k = self.event_shape[0]
        return 0.5 * k * (1.0 + math.log(2 * math.pi)) + self._half_log_det()

    @property
    def covariance_matrix(self):
        return self.scale_tril.matmul(self.scale_tril.mT)

    @property
    def mean(self):
        return self.loc

    @property
    def variance(self):
        return (self.scale_tril ** 2).sum(-1)

def kl_divergence(p, q):
    """KL(p || q) for two distributions of the same kind (Normal, Categorical, Bernoulli,
    Uniform), batched."""
    if type(p) is not type(q):
        raise NotImplementedError(f'kl_divergence({type(p).__name__}, {type(q).__name__}) is not '
                                  'implemented; both must be of the same kind')
    if isinstance(p, Normal):
        var_ratio = (p.scale / q.scale) ** 2
        t1 = ((p.loc - q.loc) / q.scale) ** 2
        return 0.5 * (var_ratio + t1 - 1 - var_ratio.log())
    if isinstance(p, Categorical):
        return (p.probs * (p.logits - q.logits)).sum(-1)
    if isinstance(p, Bernoulli):
        return (p.probs * (p.logits.sigmoid().log() - q.logits.sigmoid().log())
                + (1 - p.probs) * ((-p.logits).sigmoid().log() - (-q.logits).sigmoid().log()))
    if isinstance(p, Uniform):
        inside = ((q.low <= p.low) & (p.high <= q.high)).to(p.low.dtype)
        return ((q.high - q.low) / (p.high - p.low)).log() - inside.log()
    raise NotImplementedError(f'kl_divergence for {type(p).__name__} is not implemented')

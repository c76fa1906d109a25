"""Batch normalisation: BatchNorm1d and BatchNorm2d (the op is ``minigrad.ops.norm.BatchNorm``)."""
import numpy as np

from .. import factory
from ..autograd import no_grad
from . import functional as F
from . import init
from .linear import _empty
from .module import Module

__all__ = ['BatchNorm1d', 'BatchNorm2d']


class _BatchNorm(Module):
    _dims = ()

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True,
                 device=None, dtype=None, *, bias=True):
        super().__init__()
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        fdt = dtype or np.float32
        if affine:
            self.weight = _empty((num_features,), device, dtype)
            if bias:
                self.bias = _empty((num_features,), device, dtype)
            else:
                self.register_parameter('bias', None)
        else:
            self.register_parameter('weight', None)
            self.register_parameter('bias', None)
        if track_running_stats:
            self.register_buffer('running_mean', factory.zeros(num_features, dtype=fdt, device=device))
            self.register_buffer('running_var', factory.ones(num_features, dtype=fdt, device=device))
            self.register_buffer('num_batches_tracked',
                                 factory.tensor(0, dtype=np.int64, device=device))
        else:
            self.register_buffer('running_mean', None)
            self.register_buffer('running_var', None)
            self.register_buffer('num_batches_tracked', None)
        self.reset_parameters()

    def reset_running_stats(self):
        if self.track_running_stats:
            with no_grad():
                self.running_mean.zero_()
                self.running_var.fill_(1)
                self.num_batches_tracked.zero_()

    def reset_parameters(self):
        self.reset_running_stats()
        if self.affine:
            init.ones_(self.weight)
            if self.bias is not None:
                init.zeros_(self.bias)

    def _check_input_dim(self, input):
        if input.ndim not in self._dims:
            dims = ' or '.join(f'{d}D' for d in self._dims)
            raise ValueError(f'expected {dims} input (got {input.ndim}D input of shape '
                             f'{input.shape})')
        if input.shape[1] != self.num_features:
            raise ValueError(f'{self._get_name()}({self.num_features}): expected input with '
                             f'{self.num_features} channels in dim 1, got shape {input.shape}')

    def forward(self, input):
        self._check_input_dim(input)
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats and self.num_batches_tracked is not None:
            self.num_batches_tracked.array += 1
            if self.momentum is None:         # cumulative moving average
                factor = 1.0 / float(self.num_batches_tracked.item())
        use_batch_stats = self.training or (self.running_mean is None and self.running_var is None)
        keep = not self.training or self.track_running_stats
        return F.batch_norm(input, self.running_mean if keep else None,
                            self.running_var if keep else None, self.weight, self.bias,
                            use_batch_stats, factor, self.eps)

    def extra_repr(self):
        return (f'{self.num_features}, eps={self.eps}, momentum={self.momentum}, '
                f'affine={self.affine}, bias={self.bias is not None}, '
                f'track_running_stats={self.track_running_stats}')


class BatchNorm1d(_BatchNorm):
    """Batch normalisation over a (N, C) or (N, C, L) input: per channel, normalise with the
    batch mean and (biased) variance in training - updating ``running_mean``/``running_var``
    with the unbiased variance and ``momentum`` (None: a cumulative average) - and with the
    running statistics in eval mode; then scale by ``weight`` and shift by ``bias``.

    Args:
        num_features: C.
        eps: added to the variance for stability.
        momentum: the weight of the new batch in the running statistics, or None.
        affine: learn ``weight`` (ones) and ``bias`` (zeros).
        bias: (keyword only) with ``affine``, also learn ``bias`` (as PyTorch 2.13).
        track_running_stats: keep running statistics (else batch statistics are used in eval too).
    """
    _dims = (2, 3)


class BatchNorm2d(_BatchNorm):
    """Batch normalisation over an (N, C, H, W) input, per channel; see ``BatchNorm1d``."""
    _dims = (4,)

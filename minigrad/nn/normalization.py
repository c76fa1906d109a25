"""Normalisation layers: BatchNorm1d, BatchNorm2d (the op is ``minigrad.ops.norm.BatchNorm``),
LayerNorm, RMSNorm, GroupNorm, InstanceNorm1d and InstanceNorm2d (composed in
``functional_layers``)."""
import numpy as np

from .. import factory
from ..autograd import no_grad
from ..dtypes import get_default_dtype
from . import functional as F
from . import init
from .functional_layers import group_norm, instance_norm, layer_norm, rms_norm
from .linear import _empty
from .module import Module

__all__ = ['BatchNorm1d', 'BatchNorm2d', 'LayerNorm', 'RMSNorm', 'GroupNorm', 'InstanceNorm1d',
           'InstanceNorm2d', 'BatchNorm3d', 'InstanceNorm3d', 'SyncBatchNorm']


def _affine_params(module, shape, affine, bias, device, dtype):
    """Register ``weight`` and ``bias`` of ``shape`` (or None placeholders, as PyTorch)."""
    module.register_parameter('weight', _empty(shape, device, dtype) if affine else None)
    module.register_parameter('bias', _empty(shape, device, dtype) if affine and bias else None)


def _reset_affine(module):
    """``weight`` to ones and ``bias`` to zeros, where they exist."""
    if module.weight is not None:
        init.ones_(module.weight)
    if module.bias is not None:
        init.zeros_(module.bias)


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
        fdt = dtype or get_default_dtype()
        _affine_params(self, (num_features,), affine, bias, device, dtype)
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
        _reset_affine(self)

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


class BatchNorm3d(_BatchNorm):
    """Batch normalisation over an (N, C, D, H, W) input, per channel; see ``BatchNorm1d``."""
    _dims = (5,)


class SyncBatchNorm(_BatchNorm):
    """``torch.nn.SyncBatchNorm``: batch normalisation over (N, C, *) inputs of any rank.

    Differs on purpose: the batch statistics are those of this process's batch (PyTorch
    averages them over the ranks of ``process_group``); on one process, or with PyTorch on
    the CPU without a process group, the two agree. ``convert_sync_batchnorm`` swaps the
    BatchNorm layers of a model for these, keeping their parameters and statistics.
    """
    _dims = (2, 3, 4, 5)

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True,
                 track_running_stats=True, process_group=None, device=None, dtype=None, *,
                 bias=True):
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device, dtype,
                         bias=bias)
        self.process_group = process_group

    @classmethod
    def convert_sync_batchnorm(cls, module, process_group=None):
        """``module`` with every BatchNorm*d (itself, or inside it) replaced by a SyncBatchNorm
        holding the same parameters and buffers."""
        if isinstance(module, _BatchNorm) and not isinstance(module, (cls, _InstanceNorm)):
            out = cls(module.num_features, module.eps, module.momentum, module.affine,
                      module.track_running_stats, process_group)
            out._parameters.update(module._parameters)
            out._buffers.update(module._buffers)
            out.train(module.training)
            return out
        for name, child in list(module._modules.items()):
            if child is not None:
                module._modules[name] = cls.convert_sync_batchnorm(child, process_group)
        return module


class _TrailingNorm(Module):
    """What LayerNorm and RMSNorm share: the trailing ``normalized_shape`` and its parameters."""

    def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True, bias=True,
                 device=None, dtype=None):
        super().__init__()
        if isinstance(normalized_shape, (int, np.integer)):
            normalized_shape = (normalized_shape,)
        self.normalized_shape = tuple(int(s) for s in normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        _affine_params(self, self.normalized_shape, elementwise_affine, bias, device, dtype)
        self.reset_parameters()

    def reset_parameters(self):
        _reset_affine(self)


class LayerNorm(_TrailingNorm):
    """Normalise over the trailing ``normalized_shape`` dims of each sample (mean 0, biased
    variance 1, as PyTorch), then apply an elementwise ``weight`` and ``bias``.

    Args:
        normalized_shape: an int or a tuple: the trailing dims to normalise over.
        eps: added to the variance for stability.
        elementwise_affine: learn ``weight`` (ones) and ``bias`` (zeros) of ``normalized_shape``.
        bias: with ``elementwise_affine``, also learn ``bias``.
        device, dtype: where and in what float type to create the parameters.

    Shape:
        input (*, *normalized_shape) -> the same.
    """

    def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True, bias=True,
                 device=None, dtype=None):
        super().__init__(normalized_shape, eps, elementwise_affine, bias, device, dtype)

    def forward(self, input):
        return layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return (f'{self.normalized_shape}, eps={self.eps}, '
                f'elementwise_affine={self.elementwise_affine}, bias={self.bias is not None}')


class GroupNorm(Module):
    """Split the channels into ``num_groups`` groups; normalise each group of each sample over
    its channels and positions, then apply a per-channel ``weight`` and ``bias``.

    Args:
        num_groups: the number of groups; must divide ``num_channels``.
        num_channels: C.
        eps: added to the variance for stability.
        affine: learn a per-channel ``weight`` (ones) and ``bias`` (zeros).
        bias: (keyword only) with ``affine``, also learn ``bias``.
        device, dtype: where and in what float type to create the parameters.

    Shape:
        input (N, C, *) -> the same.
    """

    def __init__(self, num_groups, num_channels, eps=1e-5, affine=True, device=None, dtype=None,
                 *, bias=True):
        super().__init__()
        if num_channels % num_groups != 0:
            raise ValueError('num_channels must be divisible by num_groups')
        self.num_groups = num_groups
        self.num_channels = num_channels
        self.eps = eps
        self.affine = affine
        _affine_params(self, (num_channels,), affine, bias, device, dtype)
        self.reset_parameters()

    def reset_parameters(self):
        _reset_affine(self)

    def forward(self, input):
        return group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return (f'{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, '
                f'bias={self.bias is not None}')


class RMSNorm(_TrailingNorm):
    """``x / sqrt(mean(x^2) + eps) * weight`` over the trailing ``normalized_shape`` dims.

    Args:
        normalized_shape: an int or a tuple: the trailing dims to normalise over.
        eps: added to the mean square; None is the machine epsilon of the input's dtype.
        elementwise_affine: learn ``weight`` (ones) of ``normalized_shape``.
        device, dtype: where and in what float type to create the weight.

    Shape:
        input (*, *normalized_shape) -> the same.
    """

    def __init__(self, normalized_shape, eps=None, elementwise_affine=True, device=None,
                 dtype=None):
        super().__init__(normalized_shape, eps, elementwise_affine, False, device, dtype)

    def forward(self, input):
        return rms_norm(input, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self):
        return (f'{self.normalized_shape}, eps={self.eps}, '
                f'elementwise_affine={self.elementwise_affine}')


class _InstanceNorm(_BatchNorm):
    """Instance normalisation: each channel of each sample normalised over its positions."""
    _unbatched = 0

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=False,
                 track_running_stats=False, device=None, dtype=None, *, bias=True):
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device, dtype,
                         bias=bias)

    def forward(self, input):
        if input.ndim == self._unbatched:               # one sample without the batch dim
            return self.forward(input.unsqueeze(0)).squeeze(0)
        self._check_input_dim(input)
        use_input_stats = self.training or not self.track_running_stats
        return instance_norm(input, self.running_mean, self.running_var, self.weight, self.bias,
                             use_input_stats, 0.0 if self.momentum is None else self.momentum,
                             self.eps)


class InstanceNorm1d(_InstanceNorm):
    """Instance normalisation over an (N, C, L) or (C, L) input; see ``InstanceNorm2d``."""
    _dims = (3,)
    _unbatched = 2


class InstanceNorm2d(_InstanceNorm):
    """Instance normalisation over an (N, C, H, W) or (C, H, W) input: each channel of each
    sample is normalised over its positions (biased variance); no learned parameters and no
    running statistics by default, as PyTorch.

    Args:
        num_features: C.
        eps: added to the variance for stability.
        momentum: the weight of the new batch in the running statistics.
        affine: learn a per-channel ``weight`` and ``bias``.
        track_running_stats: keep running statistics, used in eval mode.
    """
    _dims = (4,)
    _unbatched = 3


class InstanceNorm3d(_InstanceNorm):
    """Instance normalisation over an (N, C, D, H, W) or (C, D, H, W) input; see
    ``InstanceNorm2d``."""
    _dims = (5,)
    _unbatched = 4

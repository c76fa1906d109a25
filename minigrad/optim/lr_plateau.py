"""ReduceLROnPlateau, as ``torch.optim.lr_scheduler.ReduceLROnPlateau``."""
import math
import warnings

from .lr_base import LRScheduler
from .optimizer import Optimizer

__all__ = ['ReduceLROnPlateau']


class ReduceLROnPlateau(LRScheduler):
    """Multiply the learning rate by ``factor`` when a metric has stopped improving for more than
    ``patience`` epochs. Call ``step(metric)`` once per epoch (after validation).

    Args:
        optimizer: the Optimizer.
        mode: ``'min'`` (the metric should fall, e.g. a loss) or ``'max'`` (e.g. an accuracy).
        factor: the factor of each reduction, < 1 (default 0.1).
        patience: how many epochs without improvement are tolerated (default 10).
        threshold: how much better than the best a value must be to count as an improvement.
        threshold_mode: ``'rel'`` (better than ``best * (1 -+ threshold)``) or ``'abs'`` (better
            than ``best -+ threshold``).
        cooldown: epochs to wait after a reduction before counting bad epochs again.
        min_lr: a lower bound on the lr (one for all groups, or a list with one per group).
        eps: a reduction smaller than this is not applied.
    """

    def __init__(self, optimizer, mode='min', factor=0.1, patience=10, threshold=1e-4,
                 threshold_mode='rel', cooldown=0, min_lr=0, eps=1e-8):
        if factor >= 1.0:
            raise ValueError(f'Factor should be < 1.0, got {factor}.')
        self.factor = factor
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f'{type(optimizer).__name__} is not an Optimizer')
        self.optimizer = optimizer
        if isinstance(min_lr, (list, tuple)):
            if len(min_lr) != len(optimizer.param_groups):
                raise ValueError(f'expected {len(optimizer.param_groups)} min_lrs, got '
                                 f'{len(min_lr)}')
            self.default_min_lr = None
            self.min_lrs = list(min_lr)
        else:
            self.default_min_lr = min_lr
            self.min_lrs = [min_lr] * len(optimizer.param_groups)
        self.patience = patience
        self.cooldown = cooldown
        self.eps = eps
        self.last_epoch = 0
        self._last_lr = [group['lr'] for group in optimizer.param_groups]
        self._init_is_better(mode, threshold, threshold_mode)
        self._reset()

    def _reset(self):
        self.best = self.mode_worse
        self.cooldown_counter = 0
        self.num_bad_epochs = 0

    def step(self, metrics, epoch=None):
        """Record this epoch's ``metrics`` (a number or a one-element Tensor) and reduce the lr
        if it has not improved for more than ``patience`` epochs."""
        current = float(metrics)
        if epoch is None:
            epoch = self.last_epoch + 1
        else:
            warnings.warn('passing an epoch to scheduler.step() is deprecated', UserWarning,
                          stacklevel=2)
        self.last_epoch = epoch
        if self._is_better(current, self.best):
            self.best = current
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.in_cooldown:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0          # bad epochs during the cooldown do not count
        if self.num_bad_epochs > self.patience:
            self._reduce_lr()
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        self._last_lr = [group['lr'] for group in self.optimizer.param_groups]

    def _reduce_lr(self):
        groups = self.optimizer.param_groups
        if len(groups) != len(self.min_lrs):
            if self.default_min_lr is None:
                raise RuntimeError(f'The number of param groups in the `optimizer` ({len(groups)}) '
                                   'differs from when `ReduceLROnPlateau` was initialized '
                                   f'({len(self.min_lrs)}); set `min_lrs` to one per group.')
            self.min_lrs = [self.default_min_lr] * len(groups)
        for i, group in enumerate(groups):
            old_lr = float(group['lr'])
            new_lr = max(old_lr * self.factor, self.min_lrs[i])
            if old_lr - new_lr > self.eps:
                group['lr'] = new_lr

    @property
    def in_cooldown(self):
        return self.cooldown_counter > 0

    def _is_better(self, a, best):
        if self.mode == 'min' and self.threshold_mode == 'rel':
            return a < best * (1.0 - self.threshold)
        if self.mode == 'min':
            return a < best - self.threshold
        if self.threshold_mode == 'rel':
            return a > best * (self.threshold + 1.0)
        return a > best + self.threshold

    def _init_is_better(self, mode, threshold, threshold_mode):
        if mode not in ('min', 'max'):
            raise ValueError(f"mode {mode!r} is unknown: expected 'min' or 'max'")
        if threshold_mode not in ('rel', 'abs'):
            raise ValueError(f"threshold mode {threshold_mode!r} is unknown: expected 'rel' or "
                             "'abs'")
        self.mode_worse = math.inf if mode == 'min' else -math.inf
        self.mode = mode
        self.threshold = threshold
        self.threshold_mode = threshold_mode

    def get_lr(self):
        return self._last_lr

    def load_state_dict(self, state_dict):
        self.__dict__.update(state_dict)
        self._init_is_better(self.mode, self.threshold, self.threshold_mode)

"""Learning-rate schedulers, as ``torch.optim.lr_scheduler`` (same formulas, same sequences).

A scheduler sets ``group['lr']`` of its optimizer's parameter groups. Construct it after the
optimizer (construction makes the initial step: it records ``initial_lr`` in every group and sets
``last_epoch`` to 0); call ``scheduler.step()`` after ``optimizer.step()``.

The base class is in ``lr_base.py``; OneCycleLR, ReduceLROnPlateau and SequentialLR have modules
of their own and are re-exported here.
"""
import math
import types
from bisect import bisect_right
from collections import Counter

from .lr_base import LRScheduler
from .lr_onecycle import OneCycleLR
from .lr_plateau import ReduceLROnPlateau
from .lr_sequential import SequentialLR

__all__ = ['LRScheduler', 'LambdaLR', 'StepLR', 'MultiStepLR', 'ExponentialLR', 'LinearLR',
           'CosineAnnealingLR', 'OneCycleLR', 'ReduceLROnPlateau', 'SequentialLR']


class StepLR(LRScheduler):
    """Multiply the learning rate of each group by ``gamma`` every ``step_size`` epochs.

    Args:
        optimizer: the Optimizer.
        step_size: the period of the decay, in epochs.
        gamma: the decay factor (default 0.1).
        last_epoch: see :class:`LRScheduler`.
    """

    def __init__(self, optimizer, step_size, gamma=0.1, last_epoch=-1):
        self.step_size = step_size
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return [group['lr'] for group in self.optimizer.param_groups]
        return [group['lr'] * self.gamma for group in self.optimizer.param_groups]

    def _get_closed_form_lr(self):
        return [base_lr * self.gamma ** (self.last_epoch // self.step_size) for base_lr in self.base_lrs]


class MultiStepLR(LRScheduler):
    """Multiply the learning rate by ``gamma`` at each milestone (by ``gamma**n`` at a milestone
    listed n times).

    Args:
        optimizer: the Optimizer.
        milestones: epoch indices (increasing).
        gamma: the decay factor (default 0.1).
        last_epoch: see :class:`LRScheduler`.
    """

    def __init__(self, optimizer, milestones, gamma=0.1, last_epoch=-1):
        self.milestones = Counter(milestones)
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        if self.last_epoch not in self.milestones:
            return [group['lr'] for group in self.optimizer.param_groups]
        return [group['lr'] * self.gamma ** self.milestones[self.last_epoch]
                for group in self.optimizer.param_groups]

    def _get_closed_form_lr(self):
        milestones = sorted(self.milestones.elements())
        return [base_lr * self.gamma ** bisect_right(milestones, self.last_epoch)
                for base_lr in self.base_lrs]

    def load_state_dict(self, state_dict):
        super().load_state_dict(state_dict)
        self.milestones = Counter(self.milestones)     # a plain dict after mg.save/mg.load


class CosineAnnealingLR(LRScheduler):
    r"""Cosine annealing from the initial lr down to ``eta_min`` over ``T_max`` epochs.

    Uses PyTorch's recursive form, so that the sequence equals torch's exactly::

        lr_t = eta_min + (lr_{t-1} - eta_min) * (1 + cos(pi t / T_max)) / (1 + cos(pi (t-1) / T_max))

    which follows ``eta_min + (base_lr - eta_min) * (1 + cos(pi t / T_max)) / 2`` (and, past
    ``T_max``, climbs back up as torch's does).

    Args:
        optimizer: the Optimizer.
        T_max: the number of epochs of the half cosine.
        eta_min: the minimum learning rate (default 0).
        last_epoch: see :class:`LRScheduler`.
    """

    def __init__(self, optimizer, T_max, eta_min=0.0, last_epoch=-1):
        self.T_max = T_max
        self.eta_min = eta_min
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        groups = self.optimizer.param_groups
        if self._is_initial:
            return [group['lr'] for group in groups]
        if self._step_count == 1 and self.last_epoch > 0:
            return [self.eta_min + (base_lr - self.eta_min)
                    * (1 + math.cos(self.last_epoch * math.pi / self.T_max)) / 2
                    for base_lr in self.base_lrs]
        if (self.last_epoch - 1 - self.T_max) % (2 * self.T_max) == 0:
            return [group['lr'] + (base_lr - self.eta_min) * (1 - math.cos(math.pi / self.T_max)) / 2
                    for base_lr, group in zip(self.base_lrs, groups)]
        return [(1 + math.cos(math.pi * self.last_epoch / self.T_max))
                / (1 + math.cos(math.pi * (self.last_epoch - 1) / self.T_max))
                * (group['lr'] - self.eta_min) + self.eta_min
                for group in groups]

    def _get_closed_form_lr(self):
        return [self.eta_min + (base_lr - self.eta_min)
                * (1 + math.cos(math.pi * self.last_epoch / self.T_max)) / 2
                for base_lr in self.base_lrs]


class LambdaLR(LRScheduler):
    """Set the lr of each group to its initial lr times ``lr_lambda(epoch)``.

    Args:
        optimizer: the Optimizer.
        lr_lambda: a function of the epoch (an int), or a list with one per parameter group.
        last_epoch: see :class:`LRScheduler`.

    ``state_dict`` saves the state of callable objects among the lambdas (their ``__dict__``),
    not plain functions, as PyTorch.
    """

    def __init__(self, optimizer, lr_lambda, last_epoch=-1):
        self.optimizer = optimizer
        if not isinstance(lr_lambda, (list, tuple)):
            self.lr_lambdas = [lr_lambda] * len(optimizer.param_groups)
        else:
            if len(lr_lambda) != len(optimizer.param_groups):
                raise ValueError(f'Expected {len(optimizer.param_groups)} lr_lambdas, but got '
                                 f'{len(lr_lambda)}')
            self.lr_lambdas = list(lr_lambda)
        for fn in self.lr_lambdas:
            if not callable(fn):
                raise TypeError(f'lr_lambda must be callable, got {type(fn).__name__}')
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        return [base_lr * lmbda(self.last_epoch)
                for lmbda, base_lr in zip(self.lr_lambdas, self.base_lrs)]

    def state_dict(self):
        state = {k: v for k, v in self.__dict__.items() if k not in ('optimizer', 'lr_lambdas')}
        state['lr_lambdas'] = [None if isinstance(fn, types.FunctionType) else fn.__dict__.copy()
                               for fn in self.lr_lambdas]
        return state

    def load_state_dict(self, state_dict):
        state = dict(state_dict)
        lambdas = state.pop('lr_lambdas')
        self.__dict__.update(state)
        for fn, saved in zip(self.lr_lambdas, lambdas):
            if saved is not None:
                fn.__dict__.update(saved)


class ExponentialLR(LRScheduler):
    """Multiply the learning rate of each group by ``gamma`` every epoch.

    Args:
        optimizer: the Optimizer.
        gamma: the decay factor.
        last_epoch: see :class:`LRScheduler`.
    """

    def __init__(self, optimizer, gamma, last_epoch=-1):
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        if self._is_initial:
            return [group['lr'] for group in self.optimizer.param_groups]
        return [group['lr'] * self.gamma for group in self.optimizer.param_groups]

    def _get_closed_form_lr(self):
        return [base_lr * self.gamma ** self.last_epoch for base_lr in self.base_lrs]


class LinearLR(LRScheduler):
    """Scale the learning rate by a factor that goes linearly from ``start_factor`` to
    ``end_factor`` over ``total_iters`` epochs (then stays), with PyTorch's recursive form.

    Args:
        optimizer: the Optimizer.
        start_factor: the factor at epoch 0, in (0, 1] (default 1/3).
        end_factor: the factor from epoch ``total_iters`` on, in [0, 1] (default 1).
        total_iters: the number of epochs of the ramp (default 5).
        last_epoch: see :class:`LRScheduler`.
    """

    def __init__(self, optimizer, start_factor=1.0 / 3, end_factor=1.0, total_iters=5,
                 last_epoch=-1):
        if start_factor > 1.0 or start_factor <= 0:
            raise ValueError('Starting multiplicative factor expected to be greater than 0 and '
                             f'less or equal to 1, got {start_factor}.')
        if end_factor > 1.0 or end_factor < 0:
            raise ValueError(f'Ending multiplicative factor expected to be between 0 and 1, got '
                             f'{end_factor}.')
        self.start_factor = start_factor
        self.end_factor = end_factor
        self.total_iters = total_iters
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        groups = self.optimizer.param_groups
        if self.last_epoch == 0:
            return [group['lr'] * self.start_factor for group in groups]
        if self._is_initial or self.last_epoch > self.total_iters:
            return [group['lr'] for group in groups]
        span = self.end_factor - self.start_factor
        return [group['lr'] * (1.0 + span / (self.total_iters * self.start_factor
                                             + (self.last_epoch - 1) * span))
                for group in groups]

    def _get_closed_form_lr(self):
        return [base_lr * (self.start_factor + (self.end_factor - self.start_factor)
                           * min(self.total_iters, self.last_epoch) / self.total_iters)
                for base_lr in self.base_lrs]

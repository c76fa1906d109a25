"""The base class of the learning-rate schedulers (``torch.optim.lr_scheduler.LRScheduler``)."""
import warnings

from .optimizer import Optimizer

__all__ = ['LRScheduler']


def _format_param(name, optimizer, param):
    """One value per parameter group: a list/tuple of them, or one value for all."""
    if isinstance(param, (list, tuple)):
        if len(param) != len(optimizer.param_groups):
            raise ValueError(f'{name} must have the same length as optimizer.param_groups: {name} '
                             f'has {len(param)} values, param_groups has '
                             f'{len(optimizer.param_groups)}')
        return list(param)
    return [param] * len(optimizer.param_groups)


class LRScheduler:
    """Base class of the learning-rate schedulers.

    Subclasses implement ``get_lr()`` (the new lr of each group, computed at ``last_epoch``)
    and may implement ``_get_closed_form_lr()`` (used by the deprecated ``step(epoch)``).

    Args:
        optimizer: the Optimizer whose learning rates are scheduled.
        last_epoch: the index of the last epoch; -1 (the default) starts a new schedule. Other
            values resume one and need ``initial_lr`` in every parameter group.

    Attributes:
        base_lrs: the initial learning rate of each group.
        last_epoch: how many times ``step()`` has been called since the start (0 after construction).
    """

    def __init__(self, optimizer, last_epoch=-1):
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f'{type(optimizer).__name__} is not an Optimizer')
        self.optimizer = optimizer
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault('initial_lr', group['lr'])
        else:
            for i, group in enumerate(optimizer.param_groups):
                if 'initial_lr' not in group:
                    raise KeyError(f"param 'initial_lr' is not specified in param_groups[{i}] when "
                                   'resuming a scheduler with last_epoch >= 0; load the '
                                   "optimizer's state dict first")
        self.base_lrs = [group['initial_lr'] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self._initial_step()

    def _initial_step(self):
        self._step_count = 0
        self._is_initial = True
        try:
            self.step()
        finally:
            self._is_initial = False

    def get_lr(self):
        """The learning rate of each group at ``last_epoch`` (called by ``step()``)."""
        raise NotImplementedError

    def get_last_lr(self):
        """The learning rates the last ``step()`` set, one per parameter group."""
        return self._last_lr

    def step(self, epoch=None):
        """Advance the schedule by one step (or, deprecated, jump to ``epoch``)."""
        self._step_count += 1
        if epoch is not None:
            warnings.warn('passing an epoch to scheduler.step() is deprecated; call step() '
                          'without arguments', UserWarning, stacklevel=2)
        self._update_lr(epoch)

    def _update_lr(self, epoch=None):
        """Set the lr of every group for the next epoch (or for ``epoch``, by the closed form)."""
        if epoch is None:
            self.last_epoch += 1
            values = self.get_lr()
        else:
            self.last_epoch = epoch
            closed = getattr(self, '_get_closed_form_lr', None)
            values = closed() if closed is not None else self.get_lr()
        for group, lr in zip(self.optimizer.param_groups, values):
            group['lr'] = lr
        self._last_lr = [group['lr'] for group in self.optimizer.param_groups]

    def state_dict(self):
        """The scheduler's state: every attribute except the optimizer (``mg.save`` can write it)."""
        return {key: value for key, value in self.__dict__.items() if key != 'optimizer'}

    def load_state_dict(self, state_dict):
        """Restore a state from ``state_dict()``."""
        self.__dict__.update(state_dict)

"""Schedulers made of schedulers, as PyTorch's: SequentialLR (one after another) and
ChainedScheduler (all at once)."""
from bisect import bisect_right

from .lr_base import LRScheduler
from .lr_plateau import ReduceLROnPlateau

__all__ = ['SequentialLR', 'ChainedScheduler']


def _check_schedulers(composite, schedulers, optimizer):
    """Each scheduler must be a scheduler of ``optimizer``, and not ReduceLROnPlateau."""
    name = type(composite).__name__
    if len(schedulers) < 1:
        raise ValueError(f'{name} expects at least one scheduler, but got no scheduler.')
    for i, s in enumerate(schedulers):
        if not hasattr(s, 'optimizer'):
            raise TypeError(f'{name} at index {i} should have `optimizer` as its attribute.')
        if isinstance(s, ReduceLROnPlateau):
            raise ValueError(f'{name} does not support `ReduceLROnPlateau` scheduler as it '
                             'requires additional kwargs to be specified when calling `step`, '
                             f'but got one at index {i} in the given schedulers sequence.')
        if s.optimizer is not optimizer:
            raise ValueError(f'{name} expects all schedulers to belong to the same optimizer, '
                             f'but got scheduler {type(s).__name__} at index {i} with another '
                             'optimizer.')


class _Composite(LRScheduler):
    """The state of a scheduler made of ``self._schedulers``: its own, plus each one's."""

    def state_dict(self):
        state = {k: v for k, v in self.__dict__.items() if k not in ('optimizer', '_schedulers')}
        state['_schedulers'] = [s.state_dict() for s in self._schedulers]
        return state

    def load_state_dict(self, state_dict):
        state = dict(state_dict)
        saved = state.pop('_schedulers')
        self.__dict__.update(state)
        for s, st in zip(self._schedulers, saved):
            s.load_state_dict(st)


class SequentialLR(_Composite):
    """Run ``schedulers[0]`` until ``milestones[0]``, then ``schedulers[1]`` (restarted from its
    epoch 0) until ``milestones[1]``, and so on, exactly as PyTorch's.

    Args:
        optimizer: the Optimizer every scheduler belongs to.
        schedulers: the schedulers, constructed on ``optimizer`` (their construction steps are
            undone here).
        milestones: the epochs at which the next scheduler takes over (one fewer than schedulers).
        last_epoch: see :class:`LRScheduler`.
    """

    def __init__(self, optimizer, schedulers, milestones, last_epoch=-1):
        _check_schedulers(self, schedulers, optimizer)
        if len(milestones) != len(schedulers) - 1:
            raise ValueError('Sequential Schedulers expects number of schedulers provided to be one '
                             'more than the number of milestone points, but got number of '
                             f'schedulers {len(schedulers)} and the number of milestones to be '
                             f'equal to {len(milestones)}')
        self._schedulers = list(schedulers)
        self._milestones = list(milestones)
        self.last_epoch = last_epoch + 1
        self.optimizer = optimizer
        for group in optimizer.param_groups:           # back to the initial learning rates
            group['lr'] = group['initial_lr']
        self._recursive_undo()                          # undo the schedulers' construction steps
        idx = bisect_right(self._milestones, 0)
        self._schedulers[idx]._initial_step()
        self._last_lr = self._schedulers[idx].get_last_lr()

    def _recursive_undo(self, sched=None):
        scheds = self if sched is None else sched
        if hasattr(scheds, '_schedulers'):
            for s in scheds._schedulers:
                self._recursive_undo(s)
        elif hasattr(scheds, 'last_epoch'):
            scheds.last_epoch -= 1

    def step(self):
        """Advance by one epoch: step the current scheduler, or start the next at a milestone."""
        self.last_epoch += 1
        idx = bisect_right(self._milestones, self.last_epoch)
        scheduler = self._schedulers[idx]
        if idx > 0 and self._milestones[idx - 1] == self.last_epoch:
            scheduler._update_lr(0)
        else:
            scheduler.step()
        self._last_lr = scheduler.get_last_lr()


class ChainedScheduler(_Composite):
    """Step every scheduler in ``schedulers`` at each step, in order (their effects compose).

    Args:
        schedulers: schedulers of one optimizer.
        optimizer: that optimizer (default: the first scheduler's).
    """

    def __init__(self, schedulers, optimizer=None):
        if len(schedulers) < 1:
            raise ValueError(f'{type(self).__name__} expects at least one scheduler to be '
                             'chained, but got no scheduler.')
        optimizer = optimizer or schedulers[0].optimizer
        _check_schedulers(self, schedulers, optimizer)
        self._schedulers = list(schedulers)
        self.optimizer = optimizer
        self._last_lr = [group['lr'] for group in self._schedulers[-1].optimizer.param_groups]

    def step(self):
        """Step every scheduler."""
        for scheduler in self._schedulers:
            scheduler.step()
        self._last_lr = [group['lr'] for group in self._schedulers[-1].optimizer.param_groups]

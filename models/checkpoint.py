"""Training checkpoints of ``python -m models.train``: writing, reading and checking them.

A checkpoint is one ``mg.save`` file (atomic: a temp file and a rename) holding the model's and
the optimizer's (and scheduler's) state, the position in the run (``epoch``, ``batch``, the
running sums of a half-done epoch as ``partial``), the random state, the recipe (``args``), the
metrics so far (``history``) and the class names.
"""
import os

import minigrad as mg

from .errors import UsageError, one_line

CHECKPOINT_KIND = 'minigrad-models-train-checkpoint'
CHECKPOINT_VERSION = 1


class Checkpointer:
    """Writes one run's checkpoints to ``path``.

    Args:
        path: the checkpoint file.
        model, optimizer, scheduler: what is saved (``scheduler`` may be None).
        loader: the training ``DataLoader`` (its seed is saved).
        args: the run's recipe plus ``epochs`` and ``limit_test``.
        classes: the class names.
    """

    def __init__(self, path, model, optimizer, scheduler, loader, args, classes):
        self.path = path
        self.model, self.optimizer, self.scheduler, self.loader = model, optimizer, scheduler, loader
        self.args = args
        self.classes = classes

    def save(self, epoch, batch, history, partial=None):
        """Save the run at ``batch`` of ``epoch`` (0-based; batch 0 of epoch e: e epochs done)."""
        state = {
            'kind': CHECKPOINT_KIND, 'version': CHECKPOINT_VERSION,
            'model': self.model.state_dict(), 'optimizer': self.optimizer.state_dict(),
            'epoch': int(epoch), 'batch': int(batch),
            'loader': {'seed': int(self.loader.seed), 'epoch': int(epoch), 'batch': int(batch)},
            'rng': mg.get_rng_state(),
            'args': self.args,
            'history': history, 'classes': self.classes,
        }
        if self.scheduler is not None:
            state['scheduler'] = self.scheduler.state_dict()
        if partial is not None:
            state['partial'] = partial
        mg.save(state, self.path)


def load_checkpoint(path):
    """A training checkpoint written by ``python -m models.train`` (UsageError when absent or
    foreign)."""
    if not os.path.isfile(path):
        raise UsageError(f'no checkpoint at {path}')
    try:
        ckpt = mg.load(path, map_location='cpu')    # the run moves it to its device
    except Exception as e:          # truncated, foreign or corrupt: the loader names the problem
        raise UsageError(f'cannot read checkpoint {path}: {one_line(e)}') from None
    if not isinstance(ckpt, dict) or ckpt.get('kind') != CHECKPOINT_KIND:
        raise UsageError(f'{path} is not a checkpoint of python -m models.train')
    return ckpt


def load_weights(model, state, path):
    """``model.load_state_dict(state)``, a mismatch reported as a UsageError naming ``path``."""
    try:
        model.load_state_dict(state)
    except (KeyError, ValueError, RuntimeError) as e:
        raise UsageError(f'checkpoint {path} does not fit the model: {one_line(e)}') from None

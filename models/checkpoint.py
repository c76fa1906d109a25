"""Training checkpoints of ``python -m models.train``: writing, reading and checking them.

A checkpoint is one ``mg.save`` file (atomic: a temp file and a rename) holding the model's and
the optimizer's (and scheduler's) state, the position in the run (``epoch``, ``batch``, the
running sums of a half-done epoch as ``partial``), the random state, the recipe (``args``), the
metrics so far (``history``), the class names, and what the model expects of its input
(``input``: shape, resize, normalisation mean and std; since version 2).

``load_trained(path)`` gives the trained model and the transform its inputs need.
"""
import math
import os

import minigrad as mg

from .errors import UsageError, one_line
from .recipe import build_model, check_values, inference_transform, input_spec

CHECKPOINT_KIND = 'minigrad-models-train-checkpoint'
CHECKPOINT_VERSION = 2


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
            'input': input_spec(self.args),
        }
        if self.scheduler is not None:
            state['scheduler'] = self.scheduler.state_dict()
        if partial is not None:
            state['partial'] = partial
        mg.save(state, self.path)


def load_checkpoint(path):
    """A training checkpoint written by ``python -m models.train``, its stored values checked.

    Raises:
        UsageError (a ValueError) naming ``path`` when the file is absent, unreadable, foreign,
        or holds values a run could not have written (a negative epoch, a string batch size...).
    """
    if os.path.isdir(path):
        raise UsageError(f'checkpoint {path} is a directory, not a file')
    if not os.path.isfile(path):
        raise UsageError(f'no checkpoint at {path}')
    try:
        ckpt = mg.load(path, map_location='cpu')    # the run moves it to its device
    except Exception as e:          # truncated, foreign or corrupt: the loader names the problem
        raise UsageError(f'cannot read checkpoint {path}: {one_line(e)}') from None
    if not isinstance(ckpt, dict) or ckpt.get('kind') != CHECKPOINT_KIND:
        raise UsageError(f'{path} is not a checkpoint of python -m models.train')
    check_checkpoint(ckpt, path)
    return ckpt


def check_checkpoint(ckpt, path):
    """UsageError naming the first stored value that a training run could not have written."""
    def bad(what, value):
        return UsageError(f'checkpoint {path}: its stored {what}, got {value!r}; the file is '
                          f'damaged or was not written by python -m models.train')

    for key, kind in (('args', dict), ('model', dict), ('optimizer', dict), ('rng', dict),
                      ('history', list)):
        if not isinstance(ckpt.get(key), kind):
            raise bad(f'{key} must be a {kind.__name__}', type(ckpt.get(key)).__name__)
    for key in ('epoch', 'batch'):
        value = ckpt.get(key)
        if not (isinstance(value, int) and not isinstance(value, bool) and value >= 0):
            raise bad(f'{key} must be an integer of at least 0', value)
    check_values(ckpt['args'], f'checkpoint {path}')
    partial = ckpt.get('partial')
    if partial is not None:
        if not isinstance(partial, dict) or not all(
                isinstance(partial.get(k), (int, float)) and not isinstance(partial.get(k), bool)
                and math.isfinite(partial.get(k)) and partial.get(k) >= 0
                for k in ('loss_sum', 'correct', 'count', 'seconds')):
            raise bad('partial epoch sums must be numbers of at least 0', partial)
    if not all(isinstance(row, dict) for row in ckpt['history']):
        raise bad('history must hold one dict per epoch', ckpt['history'])


def load_weights(model, state, path):
    """``model.load_state_dict(state)``, a mismatch reported as a UsageError naming ``path``."""
    try:
        model.load_state_dict(state)
    except (KeyError, ValueError, RuntimeError) as e:
        raise UsageError(f'checkpoint {path} does not fit the model: {one_line(e)}') from None


def load_trained(path, device='cpu'):
    """The model a ``python -m models.train`` checkpoint holds, ready for inference.

    Args:
        path: the checkpoint, e.g. ``runs/lenet5-mnist-sample/checkpoint.npz``.
        device: where the model goes (``'cpu'``, ``'cuda'``).

    Returns:
        ``(model, transform)``: the model in eval mode with the trained weights, and the
        transform its inputs need: the resize and the normalisation the run trained with,
        applied to images as the data sets hand them out (float, ``(C, H, W)`` or
        ``(N, C, H, W)``, values in [0, 1])::

            model, transform = models.load_trained('runs/lenet5-mnist-sample/checkpoint.npz')
            image, label = mg.data.MNISTSample(train=False)[0]
            logits = model(mg.tensor(transform(image))[None])

    Raises:
        ValueError (``models.errors.UsageError``) naming the file when it is missing, not a
        checkpoint of ``models.train``, damaged, or does not fit the model it names.
    """
    ckpt = load_checkpoint(path)
    model = build_model(ckpt['args'])
    load_weights(model, ckpt['model'], path)
    model.to(device).eval()
    return model, inference_transform(stored_input_spec(ckpt))


def stored_input_spec(ckpt):
    """The checkpoint's ``input`` spec; for version 1 checkpoints (which did not store it), the
    one its recipe implies (the same values: the data set's statistics)."""
    spec = ckpt.get('input')
    return spec if isinstance(spec, dict) else input_spec(ckpt['args'])

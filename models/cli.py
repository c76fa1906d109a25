"""The command line of ``python -m models.train`` and the pieces every program of the zoo shares:
one-line errors with exit code 2 (``ArgumentParser``, ``cli_main``) and the device check."""
import argparse
import sys

import minigrad as mg

from .errors import TrainingDiverged, UsageError, one_line
from .recipe import AUGMENTS, DATASETS, DEFAULT_EPOCHS, DEFAULTS, OPTIMIZERS, SCHEDULERS
from .vgg import HEADS
from .zoo import MODEL_NAMES

__all__ = ['ArgumentParser', 'UsageError', 'one_line', 'cli_main', 'check_device',
           'build_train_parser']


class ArgumentParser(argparse.ArgumentParser):
    """``argparse.ArgumentParser`` whose errors are one line (not the usage block), exit code 2."""

    def error(self, message):
        self.exit(2, f'{self.prog}: error: {message} (see --help)\n')


def cli_main(parser, run_fn, argv=None, report=True):
    """Parse ``argv`` and call ``run_fn(args)``.

    Problems become one line on stderr (none when ``report`` is false: the other ranks of a
    data-parallel job): a ``UsageError`` or a file-system error (``OSError``) exits with code 2,
    a run whose loss became NaN or Inf (``TrainingDiverged``) with 3, a second Ctrl-C with 130.
    """
    args = parser.parse_args(argv)
    say = (lambda msg: print(msg, file=sys.stderr)) if report else (lambda msg: None)
    try:
        return run_fn(args)
    except UsageError as e:
        say(f'{parser.prog}: error: {e}')
        return 2
    except TrainingDiverged as e:
        say(f'{parser.prog}: error: {e}')
        return e.exit_code
    except OSError as e:            # a full disk, a folder that vanished, ...
        say(f'{parser.prog}: error: {_os_error(e)}')
        return 2
    except KeyboardInterrupt:
        say('interrupted: stopped without saving a checkpoint')
        return 130


def _os_error(e):
    where = f'{e.filename}: ' if getattr(e, 'filename', None) else ''
    return where + (e.strerror or one_line(e))


def check_device(device):
    """The normalised device string, or a UsageError when it cannot be used."""
    try:
        return str(mg.backend.get_device(device))
    except (ValueError, TypeError, RuntimeError) as e:
        raise UsageError(f'--device {device}: {one_line(e)}') from None


def add_num_workers(add_argument):
    """``--num-workers N``: load batches in N worker processes (the same batches as without)."""
    add_argument('--num-workers', type=int, default=0, metavar='N',
                 help='load batches in N worker processes (persistent across epochs; the batches '
                      'are the same as without workers; default 0: in this process)')



def worker_options(num_workers):
    """The DataLoader arguments for ``--num-workers``."""
    return dict(num_workers=num_workers, persistent_workers=num_workers > 0)


def build_train_parser():
    """The parser of ``python -m models.train``.

    The recipe options default to None, so that a resumed run can tell what was given; their
    defaults are ``recipe.DEFAULTS``.
    """
    p = ArgumentParser(prog='python -m models.train',
                       description='Train a minigrad model-zoo network; see the module docstring.')
    a = p.add_argument
    a('--model', choices=MODEL_NAMES, default=None, help=f"network (default {DEFAULTS['model']})")
    a('--dataset', choices=tuple(DATASETS), default=None,
      help=f"data set (default {DEFAULTS['dataset']}, ships with minigrad)")
    a('--epochs', type=int, default=None, help=f'total epochs to reach (default {DEFAULT_EPOCHS})')
    a('--batch-size', type=int, default=None, help=f"default {DEFAULTS['batch_size']}")
    a('--optimizer', choices=OPTIMIZERS, default=None, help=f"default {DEFAULTS['optimizer']}")
    a('--lr', type=float, default=None, help='learning rate (default 1e-3, 0.01 for sgd)')
    a('--momentum', type=float, default=None, help='SGD/RMSprop momentum (default 0.9)')
    a('--weight-decay', type=float, default=None, help='default 0, 0.01 for adamw')
    a('--scheduler', choices=SCHEDULERS, default=None,
      help='learning-rate schedule: step (x gamma every --step-size epochs), cosine or '
           'onecycle (both per batch over the whole run); default none')
    a('--step-size', type=int, default=None, help='epochs between steps of --scheduler step '
                                                  '(default a third of --epochs)')
    a('--gamma', type=float, default=None, help='factor of --scheduler step (default 0.1)')
    a('--width', type=float, default=None, help='VGG channel multiplier (default 1.0)')
    a('--head', choices=HEADS, default=None, help='VGG head (default compact)')
    a('--no-batch-norm', dest='batch_norm', action='store_const', const=False, default=None,
      help='VGG without batch norm')
    a('--augment', choices=AUGMENTS, default=None,
      help='training augmentation; auto = random crop (padding 4) and flip for cifar10, none '
           'for the MNIST family')
    a('--resize', type=int, default=None, help='resize images to this size (e.g. 32 for vgg11+ '
                                               'on 28x28 data)')
    a('--device', default='cpu', help="cpu, cuda or cuda:N")
    a('--seed', type=int, default=None, help='seeds the weights, the shuffling, the augmentation '
                                             'and dropout (default 0)')
    a('--data-dir', default=None, help='where to look for (and download) data sets')
    a('--download', action='store_true', help='download a missing data set')
    a('--limit-train', type=int, default=None, metavar='N', help='train on N samples (a fixed '
                                                                 'random subset)')
    a('--limit-test', type=int, default=None, metavar='N', help='test on N samples')
    a('--out', default=None, help='output folder (default runs/MODEL-DATASET)')
    a('--checkpoint', default=None, metavar='PATH', help='checkpoint file (default OUT/checkpoint.npz)')
    a('--resume', action='store_true', help='continue from the checkpoint')
    a('--overwrite', action='store_true', help='start a new run in an --out that holds one '
                                               '(replaces its metrics and checkpoint)')
    a('--detect-anomaly', action='store_true',
      help='name the first operation whose gradient is NaN or Inf, and where it was made '
           '(mg.autograd.set_detect_anomaly; slower)')
    a('--no-progress', dest='progress', action='store_false', help='no progress bars')
    add_num_workers(a)
    a('--nproc', type=int, default=None, metavar='N',
      help='data-parallel training on N processes of this machine (through mpirun; or start '
           'mpirun -n N python -m models.train yourself): --batch-size is the global batch')
    return p

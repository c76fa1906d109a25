"""Train a model of the zoo: ``python -m models.train [options]``.

With no options it trains LeNet-5 on the MNIST sample that ships with minigrad for 8 epochs
(Adam, lr 1e-3, batch 32; offline, 15-20 s on two idle CPU cores) and reaches about 0.977 test
accuracy::

    python -m models.train
    python -m models.train --dataset fashion-mnist --epochs 10
    python -m models.train --model vgg_mini --dataset fashion-mnist --epochs 8 --batch-size 64 \
        --scheduler cosine
    python -m models.train --model vgg11 --dataset cifar10 --optimizer sgd --lr 0.05 \\
        --scheduler cosine --epochs 30 --device cuda

Each epoch it evaluates on the test split, appends a line to ``OUT/metrics.jsonl`` (``epoch``,
``train_loss``, ``train_acc`` (running means over the epoch), ``test_loss``, ``test_acc``, ``lr``
(of the epoch's last step), ``seconds``) and writes a checkpoint atomically (``OUT/checkpoint.npz`` unless ``--checkpoint`` says otherwise). ``--resume``
continues from the checkpoint exactly: on the CPU, 2 epochs give the same weights and metrics,
bit for bit, as 1 epoch, then ``--epochs 2 --resume``. Ctrl-C finishes the current batch, saves a
checkpoint (mid-epoch resume is exact too) and exits with code 130; a second Ctrl-C stops at once.

A resumed run keeps the recipe of the checkpoint (model, dataset, optimizer, learning rate,
batch size, seed, ...); only ``--epochs`` (the total to reach; fixed for the cosine and one-cycle
schedules, which are shaped by the run's length), ``--device``, ``--out``, ``--data-dir``,
``--limit-test`` (kept unless given) and the progress display may change.

Bad arguments (an unknown model, missing data, a checkpoint of another model, no GPU) print one
line on stderr and exit with code 2.
"""
import argparse
import json
import os
import signal
import sys
import time

import numpy as np
from tqdm import tqdm

import minigrad as mg
from minigrad import nn
from minigrad.data import transforms as T

from . import MODEL_NAMES, get_model
from .summary import ShapeError, summary

CHECKPOINT_KIND = 'minigrad-models-train-checkpoint'
CHECKPOINT_VERSION = 1
EVAL_BATCH_SIZE = 256

#: datasets: constructor name, image shape, normalisation statistics (of the training split)
DATASETS = {
    'mnist-sample': dict(cls='MNISTSample', shape=(1, 28, 28), mean=(0.1307,), std=(0.3081,)),
    'mnist': dict(cls='MNIST', shape=(1, 28, 28), mean=(0.1307,), std=(0.3081,)),
    'fashion-mnist': dict(cls='FashionMNIST', shape=(1, 28, 28), mean=(0.2860,), std=(0.3530,)),
    'cifar10': dict(cls='CIFAR10', shape=(3, 32, 32), mean=(0.4914, 0.4822, 0.4465),
                    std=(0.2470, 0.2435, 0.2616)),
}
OPTIMIZERS = ('sgd', 'adam', 'adamw', 'rmsprop')
SCHEDULERS = ('none', 'step', 'cosine', 'onecycle')
AUGMENTS = ('auto', 'none', 'flip', 'crop', 'crop-flip')
VGG_HEADS = ('compact', 'classic')

#: the defaults of the recipe options (None in the parser, so that a resumed run can tell what
#: was given explicitly); lr and weight decay depend on the optimizer, see resolve_recipe
DEFAULTS = dict(model='lenet5', dataset='mnist-sample', batch_size=32, optimizer='adam', lr=None,
                momentum=0.9, weight_decay=None, scheduler='none', step_size=None, gamma=0.1,
                seed=0, limit_train=None, width=1.0, head='compact', batch_norm=True,
                augment='auto', resize=None)
DEFAULT_EPOCHS = 8
RECIPE_KEYS = tuple(DEFAULTS)
DEFAULT_LR = {'sgd': 0.01, 'adam': 1e-3, 'adamw': 1e-3, 'rmsprop': 1e-3}


class UsageError(Exception):
    """A problem with the arguments or the inputs: reported as one line, exit code 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):       # one line, not argparse's usage block
        self.exit(2, f'{self.prog}: error: {message} (see --help)\n')


def build_parser():
    p = _Parser(prog='python -m models.train',
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
    a('--head', choices=VGG_HEADS, default=None, help='VGG head (default compact)')
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
    a('--no-progress', dest='progress', action='store_false', help='no progress bars')
    return p


# ---------------------------------------------------------------- helpers shared with evaluate

def one_line(exc):
    """An exception's message on one line."""
    return ' '.join(str(exc).split()) or type(exc).__name__


def check_device(device):
    """The normalised device string, or a UsageError when it cannot be used."""
    try:
        return str(mg.backend.get_device(device))
    except (ValueError, TypeError, RuntimeError) as e:
        raise UsageError(f'--device {device}: {one_line(e)}') from None


def load_dataset(name, train, data_dir=None, download=False):
    """The training or test split of a data set of ``DATASETS``."""
    if name not in DATASETS:
        raise UsageError(f'unknown dataset {name!r}; choose one of: {", ".join(DATASETS)}')
    cls = getattr(mg.data, DATASETS[name]['cls'])
    try:
        if name == 'mnist-sample':
            return cls(train=train)
        return cls(root=data_dir, train=train, download=download)
    except (OSError, ValueError, RuntimeError) as e:
        # DatasetNotFoundError, CorruptFileError, DownloadError and friends
        raise UsageError(f'{name}: {one_line(e)}') from None


def subset(dataset, n):
    """The first ``n`` samples of a fixed random permutation (independent of --seed), or all."""
    if n is None or n >= len(dataset):
        return dataset
    idx = np.sort(np.random.default_rng(0).permutation(len(dataset))[:n])
    return mg.data.Subset(dataset, idx)


def input_shape(recipe):
    c, h, w = DATASETS[recipe['dataset']]['shape']
    if recipe.get('resize'):
        h = w = int(recipe['resize'])
    return c, h, w


def model_kwargs(recipe):
    kw = dict(num_classes=10, in_channels=input_shape(recipe)[0])
    if recipe['model'] != 'lenet5':
        kw.update(width=recipe['width'], head=recipe['head'], batch_norm=recipe['batch_norm'])
    return kw


def build_model(recipe):
    """The recipe's model, checked (by shape propagation) to accept the data's images."""
    model = get_model(recipe['model'], **model_kwargs(recipe))
    shape = input_shape(recipe)
    try:
        summary(model, shape, verbose=False)
    except ShapeError as e:
        hint = ' (pass --resize 32)' if shape[1] < 32 else ''
        raise UsageError(f"{recipe['model']} cannot take {recipe['dataset']} images of shape "
                         f"{shape}: {one_line(e)}{hint}") from None
    return model


def test_transform(recipe):
    tf = []
    if recipe.get('resize'):
        tf.append(T.Resize(int(recipe['resize'])))
    stats = DATASETS[recipe['dataset']]
    tf.append(T.Normalize(stats['mean'], stats['std']))
    return T.Compose(tf)


def train_transform(recipe):
    aug = recipe['augment']
    if aug == 'auto':
        aug = 'crop-flip' if recipe['dataset'] == 'cifar10' else 'none'
    tf = []
    if recipe.get('resize'):
        tf.append(T.Resize(int(recipe['resize'])))
    if 'crop' in aug:
        size = input_shape(recipe)[1:]
        tf.append(T.RandomCrop(size, padding=4 if size[0] >= 32 else 2))
    if 'flip' in aug:
        tf.append(T.RandomHorizontalFlip())
    stats = DATASETS[recipe['dataset']]
    tf.append(T.Normalize(stats['mean'], stats['std']))
    return T.Compose(tf)


def evaluate(model, loader, num_classes=10, progress=False, stop=None, desc='test'):
    """Loss, accuracy and confusion matrix (rows: true class, columns: predicted) on ``loader``.

    Returns None when ``stop.requested`` turned true (Ctrl-C) before the end.
    """
    model.eval()
    loss_sum, correct, count = 0.0, 0, 0
    confusion = np.zeros((num_classes, num_classes), dtype=np.int64)
    bar = tqdm(loader, desc=desc, leave=False, disable=not progress, unit='batch',
               dynamic_ncols=True)
    try:
        with mg.no_grad():
            for x, y in bar:
                logits = model(x)
                n = int(y.shape[0])
                loss_sum += float(nn.functional.cross_entropy(logits, y).item()) * n
                pred = mg.backend.asnumpy(logits.array.argmax(1))
                true = mg.backend.asnumpy(y.array)
                confusion += np.bincount(true * num_classes + pred,
                                         minlength=num_classes ** 2).reshape(num_classes, num_classes)
                correct += int((pred == true).sum())
                count += n
                if stop is not None and stop.requested:
                    return None
    finally:
        bar.close()
    return dict(loss=loss_sum / max(count, 1), acc=correct / max(count, 1), count=count,
                confusion=confusion)


def load_checkpoint(path):
    """A training checkpoint written by this script (UsageError when absent or foreign)."""
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
    try:
        model.load_state_dict(state)
    except (KeyError, ValueError, RuntimeError) as e:
        raise UsageError(f'checkpoint {path} does not fit the model: {one_line(e)}') from None


# ---------------------------------------------------------------- the recipe

def resolve_recipe(args, saved=None):
    """The recipe (model, data, optimisation settings) from the arguments and a checkpoint's.

    A resumed run keeps the checkpoint's recipe; giving a different value is an error.
    """
    recipe = {}
    for key in RECIPE_KEYS:
        given = getattr(args, key)
        if saved is not None:
            old = saved.get(key)
            if given is not None and given != old:
                flag = '--' + key.replace('_', '-')
                if key == 'model':
                    raise UsageError(f'the checkpoint was trained with --model {old}, not {given}; '
                                     f'use another --out or --checkpoint for a new run')
                raise UsageError(f'{flag} {given} differs from the checkpoint ({old}); a resumed '
                                 f'run keeps its recipe: start a new run (another --out) to change it')
            recipe[key] = old
        else:
            recipe[key] = DEFAULTS[key] if given is None else given
    if saved is None:
        if recipe['lr'] is None:
            recipe['lr'] = DEFAULT_LR[recipe['optimizer']]
        if recipe['weight_decay'] is None:
            recipe['weight_decay'] = 0.01 if recipe['optimizer'] == 'adamw' else 0.0
        if recipe['step_size'] is None:
            recipe['step_size'] = max(1, (args.epochs or DEFAULT_EPOCHS) // 3)
    for key in ('limit_train', 'limit_test'):
        value = recipe.get(key, getattr(args, key))
        if value is not None and value < 1:
            raise UsageError(f"--{key.replace('_', '-')} must be at least 1, got {value}")
    if recipe['batch_size'] < 1:
        raise UsageError(f"--batch-size must be at least 1, got {recipe['batch_size']}")
    if recipe['lr'] <= 0:
        raise UsageError(f"--lr must be positive, got {recipe['lr']}")
    if recipe['width'] <= 0:
        raise UsageError(f"--width must be positive, got {recipe['width']}")
    return recipe


def build_optimizer(recipe, params):
    name, lr, wd = recipe['optimizer'], recipe['lr'], recipe['weight_decay']
    if name == 'sgd':
        return mg.optim.SGD(params, lr=lr, momentum=recipe['momentum'], weight_decay=wd)
    if name == 'adam':
        return mg.optim.Adam(params, lr=lr, weight_decay=wd)
    if name == 'adamw':
        return mg.optim.AdamW(params, lr=lr, weight_decay=wd)
    return mg.optim.RMSprop(params, lr=lr, momentum=recipe['momentum'], weight_decay=wd)


def build_scheduler(recipe, optimizer, epochs, steps_per_epoch):
    """``(scheduler or None, per_batch)``."""
    S = mg.optim.lr_scheduler
    name = recipe['scheduler']
    if name == 'step':
        return S.StepLR(optimizer, step_size=recipe['step_size'], gamma=recipe['gamma']), False
    if name == 'cosine':
        return S.CosineAnnealingLR(optimizer, T_max=epochs * steps_per_epoch), True
    if name == 'onecycle':
        return S.OneCycleLR(optimizer, max_lr=recipe['lr'], total_steps=epochs * steps_per_epoch), True
    return None, False


# ---------------------------------------------------------------- Ctrl-C

class GracefulInterrupt:
    """Turns the first Ctrl-C into a flag checked between batches; a second one stops at once."""

    def __init__(self):
        self.requested = False
        self._old = None

    def _handle(self, signum, frame):
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True

    def __enter__(self):
        try:
            self._old = signal.signal(signal.SIGINT, self._handle)
        except ValueError:          # not the main thread: leave Ctrl-C alone
            self._old = None
        return self

    def __exit__(self, *exc):
        if self._old is not None:
            signal.signal(signal.SIGINT, self._old)
        return False


# ---------------------------------------------------------------- training

def _write_metrics(path, history):
    tmp = path + '.tmp'
    with open(tmp, 'w') as f:
        for row in history:
            f.write(json.dumps(row) + '\n')
    os.replace(tmp, path)


def _current_lr(optimizer):
    return float(optimizer.param_groups[0]['lr'])


def run(args):
    epochs_given = args.epochs
    model_for_paths = args.model or DEFAULTS['model']
    data_for_paths = args.dataset or DEFAULTS['dataset']
    out = args.out or os.path.join('runs', f'{model_for_paths}-{data_for_paths}')
    ckpt_path = args.checkpoint or os.path.join(out, 'checkpoint.npz')

    ckpt = load_checkpoint(ckpt_path) if args.resume else None
    saved = ckpt['args'] if ckpt is not None else None
    recipe = resolve_recipe(args, saved)
    epochs = epochs_given if epochs_given is not None else (
        int(saved.get('epochs', DEFAULT_EPOCHS)) if saved else DEFAULT_EPOCHS)
    if epochs < 1:
        raise UsageError(f'--epochs must be at least 1, got {epochs}')
    if saved is not None:
        _check_schedule_length(recipe, int(saved.get('epochs', epochs)), epochs)
    device = check_device(args.device)

    train_set = subset(load_dataset(recipe['dataset'], True, args.data_dir, args.download),
                       recipe['limit_train'])
    limit_test = args.limit_test
    if limit_test is None and saved is not None:      # a resumed run tests on the same subset
        limit_test = saved.get('limit_test')
    test_set = subset(load_dataset(recipe['dataset'], False, args.data_dir, args.download),
                      limit_test)

    mg.manual_seed(recipe['seed'])
    model = build_model(recipe).to(device)
    optimizer = build_optimizer(recipe, model.parameters())
    train_loader = mg.data.DataLoader(train_set, batch_size=recipe['batch_size'], shuffle=True,
                                      seed=recipe['seed'], transform=train_transform(recipe),
                                      device=device)
    test_loader = mg.data.DataLoader(test_set, batch_size=EVAL_BATCH_SIZE, shuffle=False,
                                     transform=test_transform(recipe), device=device)
    steps = len(train_loader)
    scheduler, per_batch = build_scheduler(recipe, optimizer, epochs, steps)
    criterion = nn.CrossEntropyLoss()

    start_epoch, start_batch, partial, history = 0, 0, None, []
    if ckpt is not None:
        load_weights(model, ckpt['model'], ckpt_path)
        optimizer.load_state_dict(ckpt['optimizer'])
        if scheduler is not None:
            scheduler.load_state_dict(ckpt['scheduler'])
        mg.set_rng_state(ckpt['rng'])
        start_epoch, start_batch = int(ckpt['epoch']), int(ckpt['batch'])
        partial = ckpt.get('partial')
        history = [dict(h) for h in ckpt.get('history', [])]
    os.makedirs(out, exist_ok=True)
    ckpt_dir = os.path.dirname(os.path.abspath(ckpt_path))
    os.makedirs(ckpt_dir, exist_ok=True)
    metrics_path = os.path.join(out, 'metrics.jsonl')
    _write_metrics(metrics_path, history)
    classes = list(getattr(train_set, 'classes', None) or getattr(
        getattr(train_set, 'dataset', None), 'classes', None) or [str(i) for i in range(10)])

    def save(epoch, batch, partial_state):
        state = {
            'kind': CHECKPOINT_KIND, 'version': CHECKPOINT_VERSION,
            'model': model.state_dict(), 'optimizer': optimizer.state_dict(),
            'epoch': int(epoch), 'batch': int(batch),
            'loader': {'seed': int(train_loader.seed), 'epoch': int(epoch), 'batch': int(batch)},
            'rng': mg.get_rng_state(),
            'args': {**recipe, 'epochs': int(epochs), 'limit_test': limit_test},
            'history': history, 'classes': classes,
        }
        if scheduler is not None:
            state['scheduler'] = scheduler.state_dict()
        if partial_state is not None:
            state['partial'] = partial_state
        mg.save(state, ckpt_path)

    if start_epoch >= epochs:
        tqdm.write(f'the checkpoint has already trained {start_epoch} epochs (--epochs {epochs})')
        if history:
            print(f"test accuracy: {history[-1]['test_acc']:.4f}")
        return 0

    progress = args.progress
    where = f'resuming at epoch {start_epoch + 1}, ' if ckpt is not None else ''
    print(f"{recipe['model']} on {recipe['dataset']} ({len(train_set)} train / {len(test_set)} test "
          f"images), {recipe['optimizer']} lr {recipe['lr']:g}, batch {recipe['batch_size']}, "
          f"{epochs} epoch{'s' if epochs != 1 else ''} on {device}; {where}writing {out}", flush=True)
    with GracefulInterrupt() as stop:
        for epoch in range(start_epoch, epochs):
            sums = dict(partial) if partial else dict(loss_sum=0.0, correct=0, count=0, seconds=0.0)
            partial = None
            t0 = time.perf_counter()
            model.train()
            batch = start_batch
            if batch < steps:
                train_loader.load_state_dict({'seed': train_loader.seed, 'epoch': epoch, 'batch': batch})
                batch = train_batches(model, criterion, optimizer, scheduler if per_batch else None,
                                      train_loader, sums, stop, progress,
                                      desc=f'epoch {epoch + 1}/{epochs}', start=batch)
            if not stop.requested:
                result = evaluate(model, test_loader, 10, progress, stop)
            if stop.requested:
                sums['seconds'] += time.perf_counter() - t0
                save(epoch, batch, sums)
                print(f'interrupted: checkpoint saved to {ckpt_path} (epoch {epoch + 1}, batch '
                      f'{batch}/{steps}); continue with --resume', file=sys.stderr)
                return 130
            lr = sums.get('lr', _current_lr(optimizer))
            if scheduler is not None and not per_batch:
                scheduler.step()
            n = max(sums['count'], 1)
            row = dict(epoch=epoch + 1, train_loss=sums['loss_sum'] / n, train_acc=sums['correct'] / n,
                       test_loss=result['loss'], test_acc=result['acc'], lr=lr,
                       seconds=round(sums['seconds'] + time.perf_counter() - t0, 3))
            history.append(row)
            _write_metrics(metrics_path, history)
            save(epoch + 1, 0, None)
            start_batch = 0
            tqdm.write(f"epoch {epoch + 1}/{epochs}: train loss {row['train_loss']:.4f} "
                       f"acc {row['train_acc']:.4f} | test loss {row['test_loss']:.4f} "
                       f"acc {row['test_acc']:.4f} | lr {lr:.3g} | {row['seconds']:.1f}s")
    print(f"test accuracy: {history[-1]['test_acc']:.4f}")
    return 0


def train_batches(model, criterion, optimizer, scheduler, loader, sums, stop, progress, desc, start):
    """Train on the batches ``loader`` yields, adding to ``sums``; stop early at Ctrl-C.

    ``scheduler`` (or None) steps after every batch. Returns the index of the next batch.
    """
    steps = len(loader)
    bar = tqdm(loader, desc=desc, initial=start, total=steps, disable=not progress, unit='batch',
               dynamic_ncols=True)
    seen0, t0, batch = sums['count'], time.perf_counter(), start
    try:
        for x, y in bar:
            logits = model(x)
            loss = criterion(logits, y)
            optimizer.zero_grad()
            loss.backward()
            sums['lr'] = float(optimizer.param_groups[0]['lr'])
            optimizer.step()
            if scheduler is not None:
                scheduler.step()
            n = int(y.shape[0])
            sums['loss_sum'] += float(loss.item()) * n
            sums['correct'] += int((logits.array.argmax(1) == y.array).sum())
            sums['count'] += n
            batch += 1
            if progress:
                rate = (sums['count'] - seen0) / max(time.perf_counter() - t0, 1e-9)
                bar.set_postfix({'loss': f"{sums['loss_sum'] / sums['count']:.4f}",
                                 'acc': f"{sums['correct'] / sums['count']:.4f}",
                                 'samples/s': f'{rate:.0f}'}, refresh=False)
            if stop.requested:
                break
    finally:
        bar.close()
    return batch


def _check_schedule_length(recipe, planned_epochs, epochs):
    """Cosine and one-cycle schedules are shaped by the run's length: it cannot change on resume."""
    if epochs != planned_epochs and recipe['scheduler'] in ('cosine', 'onecycle'):
        raise UsageError(f"the {recipe['scheduler']} schedule of the checkpoint was planned for "
                         f'{planned_epochs} epochs; resume with --epochs {planned_epochs}, or start '
                         f'a new run (another --out) to train longer')


def cli_main(parser, run_fn, argv=None):
    """Parse ``argv`` and call ``run_fn(args)``: problems become one line on stderr and exit 2."""
    args = parser.parse_args(argv)
    try:
        return run_fn(args)
    except UsageError as e:
        print(f'{parser.prog}: error: {e}', file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print('interrupted: stopped without saving a checkpoint', file=sys.stderr)
        return 130


def main(argv=None):
    return cli_main(build_parser(), run, argv)


if __name__ == '__main__':
    sys.exit(main())

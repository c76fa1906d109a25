"""The training recipe: data sets and their statistics, the defaults, and the builders.

A recipe is a dict of the options in ``DEFAULTS`` (model, data set, optimizer, learning rate,
batch size, seed, ...). ``python -m models.train`` resolves it from the arguments (or a
checkpoint's, on ``--resume``), stores it in each checkpoint, and ``models.evaluate`` rebuilds
the model and the test transform from it.
"""
import math
import os

import numpy as np

import minigrad as mg
from minigrad.data import transforms as T

from .errors import UsageError, one_line
from .summary import ShapeError, summary
from .vgg import HEADS
from .zoo import MODEL_NAMES, get_model

EVAL_BATCH_SIZE = 256

#: datasets: constructor name, image shape, normalisation statistics (of the training split)
DATASETS = {
    'mnist-sample': dict(cls='MNISTSample', shape=(1, 28, 28), mean=(0.1307,), std=(0.3081,)),
    'mnist': dict(cls='MNIST', shape=(1, 28, 28), mean=(0.1307,), std=(0.3081,)),
    'fashion-mnist': dict(cls='FashionMNIST', shape=(1, 28, 28), mean=(0.2860,), std=(0.3530,)),
    'cifar10': dict(cls='CIFAR10', shape=(3, 32, 32), mean=(0.4914, 0.4822, 0.4465),
                    std=(0.2470, 0.2435, 0.2616)),
}
SCHEDULERS = ('none', 'step', 'cosine', 'onecycle')
AUGMENTS = ('auto', 'none', 'flip', 'crop', 'crop-flip')

#: the defaults of the recipe options (None in the parser, so that a resumed run can tell what
#: was given explicitly); lr and weight decay depend on the optimizer, see resolve_recipe
DEFAULTS = dict(model='lenet5', dataset='mnist-sample', batch_size=32, optimizer='adam', lr=None,
                momentum=0.9, weight_decay=None, scheduler='none', step_size=None, gamma=0.1,
                seed=0, limit_train=None, width=1.0, head='compact', batch_norm=True,
                augment='auto', resize=None)
DEFAULT_EPOCHS = 8
RECIPE_KEYS = tuple(DEFAULTS)
#: the optimizers and their default learning rates
DEFAULT_LR = {'sgd': 0.01, 'adam': 1e-3, 'adamw': 1e-3, 'rmsprop': 1e-3}
OPTIMIZERS = tuple(DEFAULT_LR)


def load_dataset(name, train, data_dir=None, download=False):
    """The training or test split of a data set of ``DATASETS``.

    Problems are a UsageError naming the command-line flags that fix them (``--download``,
    ``--data-dir``).
    """
    if name not in DATASETS:
        raise UsageError(f'unknown dataset {name!r}; choose one of: {", ".join(DATASETS)}')
    cls = getattr(mg.data, DATASETS[name]['cls'])
    if data_dir is not None and not os.path.isdir(data_dir):
        raise UsageError(f'--data-dir {data_dir} is not a folder')
    try:
        if name == 'mnist-sample':
            return cls(train=train)
        return cls(root=data_dir, train=train, download=download)
    except mg.data.DatasetNotFoundError as e:
        raise UsageError(not_found_message(name, e, data_dir, download)) from None
    except (OSError, ValueError, RuntimeError) as e:
        # CorruptFileError, DownloadError and friends
        raise UsageError(f'{name}: {one_line(e)}') from None


def not_found_message(name, error, data_dir, download):
    """The library's data-not-found message in the command line's terms: what was looked for
    and under which folders, then the flags that get the data."""
    lines = str(error).splitlines()
    what = lines[0].replace(' Looked in:', '').rstrip(':. ') if lines else name
    search_roots = getattr(getattr(mg.data, 'download', None), 'search_roots', None)
    where = f" under {', '.join(search_roots(data_dir))}" if search_roots else ''
    fix = '--download' if not download else '--download (it failed: check the network)'
    return (f'{name}: {what}{where}; get it with {fix}, or pass --data-dir DIR naming the '
            f'folder that holds its files')


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


def input_spec(recipe):
    """What the recipe's model expects of its input: ``shape`` (C, H, W) after ``resize`` (or
    None) and the per-channel ``mean`` and ``std`` it was normalised with (the training split's
    statistics). Stored in every checkpoint as ``'input'``."""
    stats = DATASETS[recipe['dataset']]
    return {'shape': list(input_shape(recipe)), 'resize': recipe.get('resize'),
            'mean': list(stats['mean']), 'std': list(stats['std'])}


def inference_transform(spec):
    """The transform of an ``input_spec``: resize (if any), then normalise."""
    tf = []
    if spec.get('resize'):
        tf.append(T.Resize(int(spec['resize'])))
    tf.append(T.Normalize(spec['mean'], spec['std']))
    return T.Compose(tf)


def test_transform(recipe):
    """The transform of test (and inference) images: ``inference_transform(input_spec(recipe))``."""
    return inference_transform(input_spec(recipe))


def train_transform(recipe):
    """Resize (if any), the recipe's augmentation, then normalise as ``input_spec`` says."""
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
    spec = input_spec(recipe)
    tf.append(T.Normalize(spec['mean'], spec['std']))
    return T.Compose(tf)


def resolve_recipe(args, saved=None):
    """The recipe (model, data, optimisation settings) from the arguments and a checkpoint's.

    A resumed run keeps the checkpoint's recipe (checked by ``checkpoint.load_checkpoint``);
    giving a different value is an error. Every value given is checked (``check_values``).
    """
    check_values(vars(args))
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


def check_schedule_length(recipe, planned_epochs, epochs):
    """Cosine and one-cycle schedules are shaped by the run's length: it cannot change on resume."""
    if epochs != planned_epochs and recipe['scheduler'] in ('cosine', 'onecycle'):
        raise UsageError(f"the {recipe['scheduler']} schedule of the checkpoint was planned for "
                         f'{planned_epochs} epochs; resume with --epochs {planned_epochs}, or start '
                         f'a new run (another --out) to train longer')


# ---------------------------------------------------------------- what each value may be

def _number(v):
    return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, (bool, np.bool_))


def _integer(v):
    return isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))


def _int_at_least(lo, optional=False):
    return (lambda v: (optional and v is None) or (_integer(v) and v >= lo),
            f'an integer of at least {lo}')


def _finite(test, what):
    return (lambda v: _number(v) and math.isfinite(v) and test(v), what)


def _choice(options):
    return (lambda v: isinstance(v, str) and v in options, f"one of {', '.join(options)}")


#: every value of a recipe (and the run's epochs and test limit): (test, what it must be)
VALUE_RULES = {
    'model': _choice(MODEL_NAMES),
    'dataset': _choice(tuple(DATASETS)),
    'optimizer': _choice(OPTIMIZERS),
    'scheduler': _choice(SCHEDULERS),
    'head': _choice(HEADS),
    'augment': _choice(AUGMENTS),
    'batch_norm': (lambda v: isinstance(v, bool), 'true or false'),
    'batch_size': _int_at_least(1),
    'lr': _finite(lambda v: v > 0, 'a finite number above 0'),
    'momentum': _finite(lambda v: 0 <= v < 1, 'a number in [0, 1)'),
    'weight_decay': _finite(lambda v: v >= 0, 'a finite number of at least 0'),
    'step_size': _int_at_least(1),
    'gamma': _finite(lambda v: v > 0, 'a finite number above 0'),
    'seed': (lambda v: _integer(v) and 0 <= v < 2 ** 63, 'an integer in [0, 2**63)'),
    'limit_train': _int_at_least(1, optional=True),
    'width': _finite(lambda v: v > 0, 'a finite number above 0'),
    'resize': _int_at_least(1, optional=True),
    'epochs': _int_at_least(1),
    'limit_test': _int_at_least(1, optional=True),
    'num_workers': _int_at_least(0),
}


def check_values(values, source='arguments'):
    """Check each known key of ``values`` against ``VALUE_RULES`` (UsageError at the first bad one).

    ``source`` is ``'arguments'`` (the message names the flag, e.g. ``--lr``) or a description
    of where the values were stored, e.g. ``'checkpoint runs/x/checkpoint.npz'``.
    """
    for key, (test, what) in VALUE_RULES.items():
        if key not in values:
            continue
        value = values[key]
        if source == 'arguments' and value is None:       # not given: the default applies
            continue
        if not test(value):
            if source == 'arguments':
                raise UsageError(f"--{key.replace('_', '-')} must be {what}, got {value!r}")
            raise UsageError(f'{source}: its stored {key} must be {what}, got {value!r}; the file '
                             f'is damaged or was not written by python -m models.train')

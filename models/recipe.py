"""The training recipe: data sets and their statistics, the defaults, and the builders.

A recipe is a dict of the options in ``DEFAULTS`` (model, data set, optimizer, learning rate,
batch size, seed, ...). ``python -m models.train`` resolves it from the arguments (or a
checkpoint's, on ``--resume``), stores it in each checkpoint, and ``models.evaluate`` rebuilds
the model and the test transform from it.
"""
import numpy as np

import minigrad as mg
from minigrad.data import transforms as T

from .errors import UsageError, one_line
from .summary import ShapeError, summary
from .zoo import get_model

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


def check_schedule_length(recipe, planned_epochs, epochs):
    """Cosine and one-cycle schedules are shaped by the run's length: it cannot change on resume."""
    if epochs != planned_epochs and recipe['scheduler'] in ('cosine', 'onecycle'):
        raise UsageError(f"the {recipe['scheduler']} schedule of the checkpoint was planned for "
                         f'{planned_epochs} epochs; resume with --epochs {planned_epochs}, or start '
                         f'a new run (another --out) to train longer')

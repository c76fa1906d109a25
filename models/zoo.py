"""Building models of the zoo: by name (``get_model``) and with torchvision's constructors.

``lenet5()``, ``vgg11()`` ... ``vgg19()`` and ``vgg11_bn()`` ... ``vgg19_bn()`` take
torchvision's signature ``(*, weights=None, progress=True, **kwargs)`` and its defaults: the VGGs
have 1000 classes, 3 input channels and the paper's classic head, with batch norm only in the
``_bn`` variants, so ``vgg16()`` has torchvision's 138,357,544 parameters. No pretrained weights
ship with minigrad: ``weights`` must be None.

``get_model(name, **kwargs)`` is what ``python -m models.train`` uses: its VGGs keep ``VGG``'s
own defaults (10 classes, batch norm, the compact head for small images).
"""
from .lenet import LeNet5
from .vgg import VGG

#: the names ``get_model`` accepts (and ``python -m models.train --model`` offers)
MODEL_NAMES = ('lenet5', 'vgg_mini', 'vgg11', 'vgg13', 'vgg16', 'vgg19')


def get_model(name, **kwargs):
    """Build a model of the zoo by name.

    Args:
        name: one of ``MODEL_NAMES``: ``'lenet5'``, ``'vgg_mini'``, ``'vgg11'``, ``'vgg13'``,
            ``'vgg16'``, ``'vgg19'`` (case-insensitive).
        **kwargs: passed to the constructor: ``LeNet5(num_classes, in_channels)`` or
            ``VGG(cfg, num_classes, in_channels, batch_norm, width, head, dropout)``.

    Raises:
        ValueError: for an unknown name (the message lists the choices).
    """
    key = str(name).lower().replace('-', '_')
    if key in ('lenet5', 'lenet_5'):
        return LeNet5(**kwargs)
    if key in MODEL_NAMES:
        return VGG(key, **kwargs)
    raise ValueError(f'unknown model {name!r}; choose one of: {", ".join(MODEL_NAMES)}')


def _check_no_weights(name, weights, kwargs):
    """torchvision's ``weights=`` (and its legacy ``pretrained=``) may only be None/False."""
    pretrained = kwargs.pop('pretrained', False)
    if weights is not None or pretrained:
        given = f'weights={weights!r}' if weights is not None else f'pretrained={pretrained!r}'
        raise ValueError(f'{name}: minigrad ships no pretrained weights, so weights must be None, '
                         f'got {given}; train the model (python -m models.train) or load a '
                         f'state_dict you saved')


def lenet5(*, weights=None, progress=True, **kwargs):
    """LeNet-5 in torchvision's constructor form: ``LeNet5(**kwargs)``.

    Args:
        weights: must be None (minigrad ships no pretrained weights).
        progress: accepted for torchvision compatibility; unused.
        **kwargs: passed to ``LeNet5`` (``num_classes``, ``in_channels``).
    """
    _check_no_weights('lenet5', weights, kwargs)
    return LeNet5(**kwargs)


def _vgg_constructor(cfg, batch_norm):
    name = cfg + ('_bn' if batch_norm else '')

    def build(*, weights=None, progress=True, **kwargs):
        _check_no_weights(name, weights, kwargs)
        return VGG(cfg, batch_norm=batch_norm, **{'num_classes': 1000, 'head': 'classic', **kwargs})

    build.__name__ = build.__qualname__ = name
    build.__module__ = __name__
    build.__doc__ = f"""VGG {cfg[3:]}-layer model{' with batch normalization' if batch_norm else ''}, as
    torchvision's ``{name}``: ``VGG({cfg!r}, num_classes=1000, in_channels=3,
    batch_norm={batch_norm}, head='classic')``.

    Args:
        weights: must be None (minigrad ships no pretrained weights).
        progress: accepted for torchvision compatibility; unused.
        **kwargs: passed to ``VGG`` (e.g. ``num_classes=10``, ``head='compact'``, ``width=0.5``).
    """
    return build


vgg11, vgg13, vgg16, vgg19 = (_vgg_constructor(c, False) for c in ('vgg11', 'vgg13', 'vgg16', 'vgg19'))
vgg11_bn, vgg13_bn, vgg16_bn, vgg19_bn = (_vgg_constructor(c, True)
                                          for c in ('vgg11', 'vgg13', 'vgg16', 'vgg19'))

#: torchvision's constructor names, in the order above
CONSTRUCTORS = ('lenet5', 'vgg11', 'vgg13', 'vgg16', 'vgg19', 'vgg11_bn', 'vgg13_bn', 'vgg16_bn',
                'vgg19_bn')

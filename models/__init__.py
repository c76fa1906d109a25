"""The minigrad model zoo: LeNet-5 and VGG, plus ``summary`` and the training entry point.

    import models
    net = models.get_model('vgg_mini', in_channels=1)     # or models.VGG('vgg_mini', ...)
    models.summary(net, (1, 28, 28))                     # layer table by shape propagation

Train from the command line with ``python -m models.train`` (see ``--help``) and evaluate a
checkpoint with ``python -m models.evaluate CHECKPOINT``.
"""
from .lenet import LeNet5
from .summary import ModelSummary, ShapeError, summary
from .vgg import VGG, cfgs

__all__ = ['LeNet5', 'VGG', 'cfgs', 'get_model', 'summary', 'ModelSummary', 'ShapeError',
           'MODEL_NAMES']

#: the names ``get_model`` accepts
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

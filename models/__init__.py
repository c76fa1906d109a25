"""The minigrad model zoo: LeNet-5 and VGG, plus ``summary`` and the training entry point.

    import models
    net = models.get_model('vgg_mini', in_channels=1)     # or models.VGG('vgg_mini', ...)
    models.summary(net, (1, 28, 28))                     # layer table by shape propagation
    models.summary(net, input_size=(1, 1, 28, 28))       # torchinfo's form (batch first)
    net = models.vgg16()                                 # torchvision's constructors
    net = models.resnet18(num_classes=10)                # (vgg*, vgg*_bn, resnet18/34/50)

Train from the command line with ``python -m models.train`` (see ``--help``), evaluate a
checkpoint with ``python -m models.evaluate runs/lenet5-mnist-sample/checkpoint.npz``, use it
with ``model, transform = models.load_trained(path)``, and print a layer table with
``python -m models.summary vgg_mini --input 1 28 28``.
"""
from .checkpoint import load_trained
from .lenet import LeNet5
from .summary import ModelSummary, ShapeError, summary
from .resnet import ResNet, resnet18, resnet34, resnet50
from .vgg import VGG, cfgs
from .zoo import (MODEL_NAMES, get_model, lenet5, vgg11, vgg11_bn, vgg13, vgg13_bn, vgg16,
                  vgg16_bn, vgg19, vgg19_bn)

__all__ = ['LeNet5', 'VGG', 'cfgs', 'get_model', 'summary', 'ModelSummary', 'ShapeError',
           'MODEL_NAMES', 'lenet5', 'vgg11', 'vgg13', 'vgg16', 'vgg19', 'vgg11_bn', 'vgg13_bn',
           'vgg16_bn', 'vgg19_bn', 'load_trained', 'ResNet', 'resnet18', 'resnet34',
           'resnet50']

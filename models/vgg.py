"""VGG (Simonyan & Zisserman, 2014): stacks of 3x3 convolutions and 2x2 max pools.

The named configurations are the paper's columns A, B, D and E (``vgg11``, ``vgg13``, ``vgg16``,
``vgg19``) and ``vgg_mini``, three small blocks for 28x28 and 32x32 images. A configuration is a
list of output channel counts for 3x3 convolutions (padding 1, so they keep the spatial size) and
``'M'`` for a 2x2 max pool of stride 2 (which halves it).
"""
from minigrad import nn

#: The layer configurations: ints are 3x3 conv output channels, 'M' a 2x2 max pool.
cfgs = {
    'vgg11': [64, 'M', 128, 'M', 256, 256, 'M', 512, 512, 'M', 512, 512, 'M'],                  # A
    'vgg13': [64, 64, 'M', 128, 128, 'M', 256, 256, 'M', 512, 512, 'M', 512, 512, 'M'],         # B
    'vgg16': [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 'M', 512, 512, 512, 'M',
              512, 512, 512, 'M'],                                                             # D
    'vgg19': [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 256, 'M', 512, 512, 512, 512, 'M',
              512, 512, 512, 512, 'M'],                                                        # E
    'vgg_mini': [32, 32, 'M', 64, 64, 'M', 128, 128, 'M'],
}
# the paper's column letters are accepted as aliases
_ALIASES = {'A': 'vgg11', 'B': 'vgg13', 'D': 'vgg16', 'E': 'vgg19'}

HEADS = ('compact', 'classic')


def _resolve_cfg(cfg):
    """(name, layer list) for a config name, a paper letter or an explicit list."""
    if isinstance(cfg, str):
        name = _ALIASES.get(cfg, cfg)
        if name not in cfgs:
            raise ValueError(f'unknown VGG configuration {cfg!r}; choose one of '
                             f'{", ".join(cfgs)} (or the paper letters A, B, D, E), or pass a list')
        return name, list(cfgs[name])
    layers = list(cfg)
    for v in layers:
        if v != 'M' and not (isinstance(v, int) and not isinstance(v, bool) and v > 0):
            raise ValueError(f"a VGG configuration holds positive ints (conv channels) and 'M' "
                             f"(max pool), got {v!r}")
    if not any(v != 'M' for v in layers):
        raise ValueError('a VGG configuration needs at least one convolution')
    return None, layers


def _scale(channels, width):
    return max(1, int(round(channels * width)))


def make_features(cfg, in_channels=3, batch_norm=True, width=1.0):
    """The convolutional trunk of a VGG as an ``nn.Sequential``.

    Each int ``c`` of ``cfg`` becomes ``Conv2d(in, c * width, 3, padding=1)``, then
    ``BatchNorm2d`` when ``batch_norm``, then ``ReLU``; each ``'M'`` becomes ``MaxPool2d(2, 2)``.

    Returns:
        ``(features, out_channels)``.
    """
    layers, channels = [], int(in_channels)
    for v in cfg:
        if v == 'M':
            layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
            continue
        out = _scale(v, width)
        # no conv bias before BN would save parameters, but torchvision keeps it: so do we,
        # so that parameter counts match the published ones
        layers.append(nn.Conv2d(channels, out, kernel_size=3, padding=1))
        if batch_norm:
            layers.append(nn.BatchNorm2d(out))
        layers.append(nn.ReLU())
        channels = out
    return nn.Sequential(*layers), channels


class VGG(nn.Module):
    """VGG network: ``features`` (3x3 convs and max pools), ``avgpool``, ``classifier``.

    Args:
        cfg: a configuration name (``'vgg11'``, ``'vgg13'``, ``'vgg16'``, ``'vgg19'``,
            ``'vgg_mini'``, or the paper letters ``'A'``, ``'B'``, ``'D'``, ``'E'``), or a list of
            channel counts and ``'M'`` (see ``cfgs``).
        num_classes: number of output logits.
        in_channels: channels of the input images (3 for colour, 1 for grey).
        batch_norm: put a ``BatchNorm2d`` after every convolution (VGG-BN).
        width: multiplies every channel count (and the classic head's 4096), e.g. 0.5 for a
            half-width network; counts are rounded, at least 1.
        head: ``'compact'``: global average pooling and one ``Linear`` (suits small images);
            ``'classic'``: the paper's head, ``AdaptiveAvgPool2d(7)``, then
            ``Linear(512*7*7, 4096)``-ReLU-Dropout-``Linear(4096, 4096)``-ReLU-Dropout-
            ``Linear(4096, num_classes)`` (as torchvision; ``vgg16`` with 1000 classes and no BN
            has the published 138,357,544 parameters).
        dropout: the dropout probability of the classic head.

    Shape:
        - Input: ``(N, in_channels, H, W)``; every ``'M'`` halves H and W (rounding down), so
          ``vgg_mini`` (3 pools) takes 28x28 or 32x32 images and ``vgg11``-``vgg19`` (5 pools)
          need at least 32x32.
        - Output: ``(N, num_classes)`` logits.

    The layer indices (and so the ``state_dict`` keys) are torchvision's: ``features.0.weight``
    ... ``classifier.6.weight``. Initialisation follows torchvision: convolutions Kaiming-normal
    (fan-out, ReLU) with zero bias, batch-norm weight 1 and bias 0, linear layers N(0, 0.01) with
    zero bias.
    """

    def __init__(self, cfg='vgg16', num_classes=10, in_channels=3, batch_norm=True, width=1.0,
                 head='compact', dropout=0.5):
        super().__init__()
        if head not in HEADS:
            raise ValueError(f"head must be one of {', '.join(repr(h) for h in HEADS)}, got {head!r}")
        if not width > 0:
            raise ValueError(f'width must be positive, got {width!r}')
        self.cfg_name, layers = _resolve_cfg(cfg)
        self.cfg = layers
        self.num_classes = int(num_classes)
        self.in_channels = int(in_channels)
        self.batch_norm = bool(batch_norm)
        self.width = float(width)
        self.head = head
        self.features, channels = make_features(layers, self.in_channels, self.batch_norm, self.width)
        if head == 'compact':
            self.avgpool = nn.AdaptiveAvgPool2d(1)
            self.classifier = nn.Sequential(nn.Linear(channels, self.num_classes))
        else:
            hidden = _scale(4096, self.width)
            self.avgpool = nn.AdaptiveAvgPool2d(7)
            self.classifier = nn.Sequential(
                nn.Linear(channels * 7 * 7, hidden), nn.ReLU(), nn.Dropout(dropout),
                nn.Linear(hidden, hidden), nn.ReLU(), nn.Dropout(dropout),
                nn.Linear(hidden, self.num_classes),
            )
        self._init_weights()

    def _init_weights(self):
        init = nn.init
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                init.kaiming_normal_(m.weight, mode='fan_out', nonlinearity='relu')
                if m.bias is not None:
                    init.zeros_(m.bias)
            elif isinstance(m, nn.BatchNorm2d):
                init.ones_(m.weight)
                init.zeros_(m.bias)
            elif isinstance(m, nn.Linear):
                init.normal_(m.weight, 0.0, 0.01)
                if m.bias is not None:
                    init.zeros_(m.bias)

    def forward(self, x):
        x = self.avgpool(self.features(x))
        return self.classifier(x.flatten(1))

    def extra_repr(self):
        name = self.cfg_name or 'custom'
        return (f'cfg={name!r}, num_classes={self.num_classes}, in_channels={self.in_channels}, '
                f'batch_norm={self.batch_norm}, width={self.width:g}, head={self.head!r}')

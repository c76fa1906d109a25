"""``python -m models.summary MODEL [--input C H W]``: print a zoo model's layer table."""
import sys

from ..cli import ArgumentParser, UsageError, cli_main
from ..errors import one_line
from ..vgg import HEADS
from ..zoo import MODEL_NAMES, get_model
from . import summary


def build_parser():
    p = ArgumentParser(prog='python -m models.summary',
                       description="Print a model's layers, output shapes and parameter counts "
                                   '(by shape propagation: instant even for VGG-16 on 224x224).')
    a = p.add_argument
    a('model', choices=MODEL_NAMES, help='network, as python -m models.train --model')
    a('--input', type=int, nargs=3, metavar=('C', 'H', 'W'), default=None,
      help='one input image (default 1 28 28 for lenet5, 3 32 32 for the VGGs); C sets the '
           "model's input channels")
    a('--batch-size', type=int, default=1, help='the batch dimension shown (default 1)')
    a('--num-classes', type=int, default=10, help='output logits (default 10)')
    a('--width', type=float, default=None, help='VGG channel multiplier (default 1.0)')
    a('--head', choices=HEADS, default=None, help='VGG head (default compact)')
    a('--no-batch-norm', dest='batch_norm', action='store_false', help='VGG without batch norm')
    return p


def run(args):
    shape = tuple(args.input) if args.input else ((1, 28, 28) if args.model == 'lenet5' else (3, 32, 32))
    for name, value in (('--input', min(shape)), ('--batch-size', args.batch_size),
                        ('--num-classes', args.num_classes)):
        if value < 1:
            raise UsageError(f'{name} must be at least 1, got {value}')
    kw = dict(num_classes=args.num_classes, in_channels=shape[0])
    if args.model == 'lenet5':
        if args.width is not None or args.head is not None or not args.batch_norm:
            raise UsageError('--width, --head and --no-batch-norm apply to the VGGs, not lenet5')
    else:
        kw.update(batch_norm=args.batch_norm, head=args.head or 'compact')
        if args.width is not None:
            kw['width'] = args.width
    try:
        model = get_model(args.model, **kw)
        summary(model, shape, batch_size=args.batch_size, verbose=True)
    except ValueError as e:         # ShapeError (image too small, ...) and bad widths
        raise UsageError(one_line(e)) from None
    return 0


def main(argv=None):
    return cli_main(build_parser(), run, argv)


if __name__ == '__main__':
    sys.exit(main())

"""Evaluate a training checkpoint: ``python -m models.evaluate CHECKPOINT [options]``.

Rebuilds the model the checkpoint was trained with, runs it on the test split of its data set
(or of ``--dataset``, e.g. a model trained on the MNIST sample tested on the full MNIST) and
prints the loss, the accuracy and the confusion matrix (rows: true class, columns: predicted)::

    python -m models.evaluate runs/lenet5-mnist-sample/checkpoint.npz
    python -m models.evaluate runs/lenet5-mnist-sample/checkpoint.npz --dataset mnist

Problems (no such file, a file that is not a checkpoint, data that does not fit the model, no
GPU) print one line on stderr and exit with code 2.
"""
import sys

import minigrad as mg

from .checkpoint import load_checkpoint, load_weights, stored_input_spec
from .cli import ArgumentParser, UsageError, add_num_workers, check_device, cli_main, worker_options
from .loop import evaluate
from .recipe import (DATASETS, EVAL_BATCH_SIZE, build_model, check_values, inference_transform,
                     input_shape, load_dataset, subset)


def build_parser():
    p = ArgumentParser(prog='python -m models.evaluate',
                       description='Evaluate a checkpoint of python -m models.train on a test split.')
    a = p.add_argument
    a('checkpoint', help='the checkpoint file')
    a('--dataset', choices=tuple(DATASETS), default=None,
      help="test split to use (default: the checkpoint's data set)")
    a('--batch-size', type=int, default=EVAL_BATCH_SIZE)
    a('--device', default='cpu', help='cpu, cuda or cuda:N')
    a('--data-dir', default=None, help='where to look for (and download) data sets')
    a('--download', action='store_true', help='download a missing data set')
    a('--limit-test', type=int, default=None, metavar='N', help='evaluate on N samples')
    a('--no-progress', dest='progress', action='store_false', help='no progress bar')
    add_num_workers(a)
    return p


def format_confusion(confusion, classes=None):
    """The confusion matrix as text: one row per true class (with its accuracy, i.e. recall),
    one column per predicted class."""
    k = confusion.shape[0]
    names = [str(c) for c in (classes or [])][:k]
    names += [str(i) for i in range(len(names), k)]
    labels = [n if n.split(' ')[0] == str(i) else f'{i} {n}' for i, n in enumerate(names)]
    width = max(5, len(str(int(confusion.max()))) + 1)
    corner = 'true \\ predicted'
    label_w = max(len(corner), *(len(n) for n in labels))
    lines = [f'{corner:<{label_w}}' + ''.join(f'{i:>{width}}' for i in range(k)) + '     acc']
    for i in range(k):
        total = int(confusion[i].sum())
        acc = f'{confusion[i, i] / total:8.4f}' if total else '       -'
        lines.append(f'{labels[i]:<{label_w}}' + ''.join(f'{int(v):>{width}}' for v in confusion[i])
                     + acc)
    return '\n'.join(lines)


def run(args):
    check_values({'batch_size': args.batch_size, 'limit_test': args.limit_test,
                  'num_workers': args.num_workers})
    ckpt = load_checkpoint(args.checkpoint)
    recipe = dict(ckpt['args'])
    trained_on = recipe['dataset']
    if args.dataset is not None and args.dataset != trained_on:
        if input_shape({**recipe, 'dataset': args.dataset}) != input_shape(recipe):
            raise UsageError(f"the checkpoint's {recipe['model']} was trained on {trained_on} "
                             f"images of shape {input_shape(recipe)}; {args.dataset} images have "
                             f"shape {input_shape({**recipe, 'dataset': args.dataset})}")
    device = check_device(args.device)
    dataset = args.dataset or trained_on
    test_set = subset(load_dataset(dataset, False, args.data_dir, args.download), args.limit_test)

    model = build_model(recipe)
    load_weights(model, ckpt['model'], args.checkpoint)
    model.to(device)
    # resize and normalise as the run did (the checkpoint's stored statistics)
    loader = mg.data.DataLoader(test_set, batch_size=args.batch_size, shuffle=False,
                                transform=inference_transform(stored_input_spec(ckpt)),
                                device=device, **worker_options(args.num_workers))
    result = evaluate(model, loader, 10, args.progress)
    classes = getattr(test_set, 'classes', None) or getattr(
        getattr(test_set, 'dataset', None), 'classes', None) or ckpt.get('classes')
    print(f"model: {recipe['model']} trained on {trained_on} for {int(ckpt['epoch'])} epoch(s); "
          f"tested on {dataset} ({result['count']} images)")
    print(f"test loss: {result['loss']:.4f}")
    print(f"test accuracy: {result['acc']:.4f}")
    print('confusion matrix:')
    print(format_confusion(result['confusion'], classes))
    return 0


def main(argv=None):
    return cli_main(build_parser(), run, argv)


if __name__ == '__main__':
    sys.exit(main())

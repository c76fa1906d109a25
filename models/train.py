"""Train a model of the zoo: ``python -m models.train [options]``.

With no options it trains LeNet-5 on the MNIST sample that ships with minigrad for 8 epochs
(Adam, lr 1e-3, batch 32; offline, about 6 s on two idle CPU cores) and reaches about 0.977 test
accuracy::

    python -m models.train
    python -m models.train --dataset fashion-mnist --epochs 10
    python -m models.train --model vgg_mini --dataset fashion-mnist --epochs 8 --batch-size 64 \\
        --scheduler cosine
    python -m models.train --model vgg11 --dataset cifar10 --optimizer sgd --lr 0.05 \\
        --scheduler cosine --epochs 30 --device cuda

Each epoch it evaluates on the test split, appends a line to ``OUT/metrics.jsonl`` (``epoch``,
``train_loss``, ``train_acc`` (running means over the epoch), ``test_loss``, ``test_acc``, ``lr``
(of the epoch's last step), ``seconds``) and writes a checkpoint atomically
(``OUT/checkpoint.npz`` unless ``--checkpoint`` says otherwise; ``OUT`` is
``runs/MODEL-DATASET`` unless ``--out`` says otherwise). The checkpoint also records the input
normalisation, so ``python -m models.evaluate OUT/checkpoint.npz`` and
``models.load_trained(path)`` prepare images as training did.

``--resume`` continues from the checkpoint exactly: on the CPU, 2 epochs give the same weights
and metrics, bit for bit, as 1 epoch, then ``--epochs 2 --resume``. Ctrl-C or SIGTERM finishes
the current batch, saves a checkpoint (mid-epoch resume is exact too) and exits with code 130
(143 for SIGTERM); a second one stops at once. A new run refuses an ``--out`` that holds a
previous run unless ``--overwrite`` is given.

A resumed run keeps the recipe of the checkpoint (model, dataset, optimizer, learning rate,
batch size, seed, ...); only ``--epochs`` (the total to reach; fixed for the cosine and one-cycle
schedules, which are shaped by the run's length), ``--device``, ``--out``, ``--data-dir``,
``--limit-test`` (kept unless given) and the progress display may change.

Exit codes: 0 done; 2 for bad arguments or inputs (an unknown model, a value out of range,
missing data, a checkpoint of another model or with damaged values, an ``--out`` that cannot be
written, no GPU), reported in one line on stderr; 3 when the training loss becomes NaN or Inf
(the run stops at that batch, the last checkpoint is kept; try a lower ``--lr`` or
``--detect-anomaly``); 130/143 after Ctrl-C/SIGTERM.

``--nproc N`` trains data-parallel on N processes of this machine (through ``mpirun``; or
start ``mpirun -n N python -m models.train ...`` yourself, e.g. with a hostfile): ``--batch-size``
is the global batch, split across the ranks, so the results are those of one process up to
float rounding; rank 0 alone prints and writes; see ``models/parallel.py``.

The pieces: ``cli`` (the arguments), ``recipe`` (data sets, defaults, builders), ``checkpoint``
(save, load, check), ``loop`` (the train and evaluate loops), ``parallel`` (the ranks of a
data-parallel run); ``run`` below puts them together.
"""
import os
import sys
import tempfile

import minigrad as mg

from .checkpoint import Checkpointer, load_checkpoint, load_weights
from .cli import build_train_parser, check_device, cli_main, worker_options
from .errors import TrainingDiverged, UsageError, one_line
from .loop import Trainer, catch_stop_signals_early, write_metrics
from .parallel import Job, launched_ranks, relaunch
from .recipe import (DEFAULT_EPOCHS, DEFAULTS, EVAL_BATCH_SIZE, build_model, build_optimizer,
                     build_scheduler, check_schedule_length, load_dataset, resolve_recipe, subset,
                     test_transform, train_transform)


def output_paths(args):
    """``(out folder, checkpoint path)``: ``runs/MODEL-DATASET`` and ``OUT/checkpoint.npz`` by
    default."""
    model = args.model or DEFAULTS['model']
    dataset = args.dataset or DEFAULTS['dataset']
    out = args.out or os.path.join('runs', f'{model}-{dataset}')
    return out, args.checkpoint or os.path.join(out, 'checkpoint.npz')


def class_names(dataset):
    """The class names of a data set (or of the one a ``Subset`` draws from)."""
    return list(getattr(dataset, 'classes', None) or getattr(
        getattr(dataset, 'dataset', None), 'classes', None) or [str(i) for i in range(10)])


def run(args, job=None):
    """The training command: resolve the recipe, build the run (or restore it), train.

    ``job`` is the ``parallel.Job`` of a data-parallel run (default: one process).
    """
    job = job or Job()
    out, ckpt_path = output_paths(args)
    check_output(out, ckpt_path, args.resume, args.overwrite)
    ckpt = load_checkpoint(ckpt_path) if args.resume else None
    recipe, epochs, limit_test = resolve_run(args, ckpt['args'] if ckpt is not None else None)
    device = check_device(args.device)
    job.check_batch_size(recipe['batch_size'])
    if args.detect_anomaly:
        enable_anomaly_detection()
    train_set = subset(load_dataset(recipe['dataset'], True, args.data_dir, args.download),
                       recipe['limit_train'])
    test_set = subset(load_dataset(recipe['dataset'], False, args.data_dir, args.download),
                      limit_test)
    device = job.start(device)

    mg.manual_seed(recipe['seed'])
    model = build_model(recipe).to(device)
    optimizer = build_optimizer(recipe, model.parameters())
    train_loader, test_loader = make_loaders(recipe, train_set, test_set, device, job,
                                             args.num_workers)
    scheduler, per_batch = build_scheduler(recipe, optimizer, epochs, len(train_loader))
    start_epoch, start_batch, partial, history = 0, 0, None, []
    if ckpt is not None:
        start_epoch, start_batch, partial, history = restore(ckpt, ckpt_path, model, optimizer,
                                                             scheduler, len(train_loader))
    metrics_path = os.path.join(out, 'metrics.jsonl')
    if job.is_main:
        make_output_dirs(out, ckpt_path)
        write_metrics(metrics_path, history)
    checkpointer = Checkpointer(ckpt_path, model, optimizer, scheduler, train_loader,
                                {**recipe, 'epochs': int(epochs), 'limit_test': limit_test},
                                class_names(train_set))
    say = print if job.is_main else (lambda *a, **k: None)
    if start_epoch >= epochs:
        say(f'the checkpoint has already trained {start_epoch} epochs (--epochs {epochs})')
        if history:
            say(f"test accuracy: {history[-1]['test_acc']:.4f}")
        job.finish()
        return 0
    where = f'resuming at epoch {start_epoch + 1}, ' if ckpt is not None else ''
    ranks = f' x {job.world} ranks' if job.distributed else ''
    say(f"{recipe['model']} on {recipe['dataset']} ({len(train_set)} train / {len(test_set)} test "
        f"images), {recipe['optimizer']} lr {recipe['lr']:g}, batch {recipe['batch_size']}, "
        f"{epochs} epoch{'s' if epochs != 1 else ''} on {device}{ranks}; {where}writing {out}",
        flush=True)
    trainer = Trainer(job.wrap(model), optimizer, scheduler, per_batch, train_loader, test_loader,
                      checkpointer, metrics_path, history, args.progress, args.detect_anomaly,
                      job=job, eval_model=model)
    try:
        # rank 0 holds the partial sums of a resumed epoch; the others count from zero
        code = trainer.fit(start_epoch, epochs, start_batch, partial if job.is_main else None)
    except TrainingDiverged:
        job.finish()            # every rank saw it (the ranks agree on each loss)
        raise
    job.finish()
    if code == 0:
        say(f"test accuracy: {history[-1]['test_acc']:.4f}")
    return code


def resolve_run(args, saved):
    """``(recipe, epochs, limit_test)`` from the arguments and a checkpoint's ``args`` (or
    None): a resumed run keeps its recipe and, unless given, its epochs and test subset."""
    recipe = resolve_recipe(args, saved)
    epochs = resolve_epochs(args, recipe, saved)
    limit_test = args.limit_test
    if limit_test is None and saved is not None:
        limit_test = saved.get('limit_test')
    return recipe, epochs, limit_test


def make_loaders(recipe, train_set, test_set, device, job, num_workers=0):
    """The training loader (shuffled; this rank's shard of each global batch in a data-parallel
    job) and the test loader (this rank's shard of the test split), each loading in
    ``num_workers`` persistent worker processes (0: in this one)."""
    sampler = job.train_sampler(train_set, recipe['seed'])
    rank_batch = job.check_batch_size(recipe['batch_size'])
    workers = worker_options(num_workers)
    train_loader = mg.data.DataLoader(train_set, batch_size=rank_batch, seed=recipe['seed'],
                                      transform=train_transform(recipe), device=device, **workers,
                                      **(dict(sampler=sampler) if sampler else dict(shuffle=True)))
    test_loader = mg.data.DataLoader(job.test_shard(test_set), batch_size=EVAL_BATCH_SIZE,
                                     shuffle=False, transform=test_transform(recipe), device=device,
                                     **workers)
    return train_loader, test_loader


def launch_or_run(args, argv, job):
    """``--nproc N`` (N > 1) outside MPI: start the job through mpirun; else run this rank."""
    if job.distributed:
        catch_stop_signals_early()
    if args.nproc is not None:
        if args.nproc < 1:
            raise UsageError(f'--nproc must be an integer of at least 1, got {args.nproc}')
        if job.distributed and args.nproc != job.world:
            raise UsageError(f'--nproc {args.nproc} differs from the {job.world} ranks mpirun '
                             f'started')
        if not job.distributed and args.nproc > 1:
            batch = args.batch_size or (None if args.resume else DEFAULTS['batch_size'])
            if batch is not None and batch % args.nproc:
                raise UsageError(f'--batch-size {batch} (the global batch) must divide evenly '
                                 f'across the {args.nproc} ranks of --nproc')
            return relaunch(args.nproc, argv)
    return run(args, job)


def check_output(out, ckpt_path, resume, overwrite):
    """Refuse, before any work, what would fail later or lose a previous run: ``--out`` naming a
    file, ``--checkpoint`` naming a folder, and a new run (no ``--resume``) where one was written
    before, unless ``--overwrite``."""
    if resume and overwrite:
        raise UsageError('--resume continues the run in --out and --overwrite starts a new one '
                         'over it: give one of them')
    if os.path.exists(out) and not os.path.isdir(out):
        raise UsageError(f'--out {out} is a file; --out names the folder of the run')
    if os.path.isdir(ckpt_path):
        raise UsageError(f'the checkpoint path {ckpt_path} is a folder; --checkpoint names a file')
    metrics = os.path.join(out, 'metrics.jsonl')
    previous = [p for p in (ckpt_path, metrics) if os.path.exists(p)
                and not (p == metrics and os.path.getsize(p) == 0)]    # an empty one: no epoch
    if previous and not resume and not overwrite:
        raise UsageError(f'{out} holds a previous run ({", ".join(previous)}); continue it with '
                         f'--resume, or start over with --overwrite (replaces it), or give '
                         f'another --out')


def make_output_dirs(out, ckpt_path):
    """Create the run's folders and check that files can be written there (UsageError if not)."""
    for folder in dict.fromkeys((out, os.path.dirname(os.path.abspath(ckpt_path)))):
        try:
            os.makedirs(folder, exist_ok=True)
            with tempfile.TemporaryFile(dir=folder):
                pass
        except OSError as e:
            raise UsageError(f'cannot write the run to {folder}: '
                             f'{e.strerror or one_line(e)}') from None


def enable_anomaly_detection():
    """``mg.autograd.set_detect_anomaly(True)``, or a UsageError if this minigrad lacks it."""
    set_detect_anomaly = getattr(mg.autograd, 'set_detect_anomaly', None)
    if set_detect_anomaly is None:
        raise UsageError('--detect-anomaly needs mg.autograd.set_detect_anomaly, which this '
                         'minigrad does not have')
    set_detect_anomaly(True)


def resolve_epochs(args, recipe, saved):
    """The total epochs to reach: ``--epochs``, else the checkpoint's, else ``DEFAULT_EPOCHS``."""
    epochs = args.epochs if args.epochs is not None else (
        int(saved.get('epochs', DEFAULT_EPOCHS)) if saved else DEFAULT_EPOCHS)
    if epochs < 1:
        raise UsageError(f'--epochs must be at least 1, got {epochs}')
    if saved is not None:
        check_schedule_length(recipe, int(saved.get('epochs', epochs)), epochs)
    return epochs


def restore(ckpt, path, model, optimizer, scheduler, steps):
    """Load a checkpoint's states: ``(start epoch, start batch, partial sums, history)``.

    ``steps`` is the number of batches of an epoch; a stored batch beyond it, or states that do
    not load, are a UsageError naming the file.
    """
    load_weights(model, ckpt['model'], path)
    if int(ckpt['batch']) > steps:
        raise UsageError(f"checkpoint {path}: its stored batch {ckpt['batch']} is beyond the "
                         f'{steps} batches of an epoch; the file is damaged')
    try:
        optimizer.load_state_dict(ckpt['optimizer'])
        if scheduler is not None:
            scheduler.load_state_dict(ckpt['scheduler'])
        mg.set_rng_state(ckpt['rng'])
    except (KeyError, TypeError, ValueError, IndexError, RuntimeError) as e:
        raise UsageError(f'checkpoint {path}: its optimizer, scheduler or random state does not '
                         f'load: {one_line(e)}') from None
    return (int(ckpt['epoch']), int(ckpt['batch']), ckpt.get('partial'),
            [dict(h) for h in ckpt.get('history', [])])


def main(argv=None):
    argv = sys.argv[1:] if argv is None else [str(a) for a in argv]
    job = Job(*launched_ranks())
    # in a data-parallel job every rank meets the same problems: rank 0 alone reports them
    code = cli_main(build_train_parser(), lambda args: launch_or_run(args, argv, job), argv,
                    report=job.is_main)
    return job.exit_code(code)


if __name__ == '__main__':
    sys.exit(main())

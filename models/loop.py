"""The training and evaluation loops of ``python -m models.train``, and its Ctrl-C handling."""
import json
import math
import signal
import sys
import time

import numpy as np
from tqdm import tqdm

import minigrad as mg
from minigrad import atomic, nn

from .errors import TrainingDiverged
from .parallel import Job


_early_signals = []


def catch_stop_signals_early(signals=(signal.SIGUSR1,)):
    """Remember stop signals that come before the training loop (a rank of a data-parallel job
    may still be setting up when ``mpirun`` forwards SIGUSR1, whose default action would kill
    it); the loop's ``GracefulInterrupt`` then honours them at once."""
    for sig in signals:
        signal.signal(sig, lambda signum, frame: _early_signals.append(signum))


class GracefulInterrupt:
    """Turns the first Ctrl-C (SIGINT), SIGTERM or SIGUSR1 (what ``mpirun`` forwards to its ranks)
    into a flag checked between batches, so that the run can save a checkpoint; a second one
    stops at once (KeyboardInterrupt).

    ``requested`` says whether one came, ``signum`` which; ``exit_code`` is 128 + its number
    (130 for Ctrl-C, 143 for SIGTERM, 138 for SIGUSR1), as a shell reports a process the signal
    ended.
    """

    SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGUSR1)

    def __init__(self, names=None):
        self.requested = False
        self.signum = None
        self.names = dict(names or {})
        self._old = {}

    def _handle(self, signum, frame):
        if self.requested:
            raise KeyboardInterrupt
        self.requested, self.signum = True, signum

    @property
    def exit_code(self):
        return 128 + int(self.signum or signal.SIGINT)

    @property
    def name(self):
        if self.signum in self.names:
            return self.names[self.signum]
        if self.signum in (None, signal.SIGINT):
            return 'interrupted'
        return f'stopped by {signal.Signals(self.signum).name}'

    def __enter__(self):
        try:
            for sig in self.SIGNALS:
                self._old[sig] = signal.signal(sig, self._handle)
        except ValueError:          # not the main thread: leave the signals alone
            pass
        if _early_signals:
            self.requested, self.signum = True, _early_signals[0]
            _early_signals.clear()
        return self

    def __exit__(self, *exc):
        for sig, old in self._old.items():
            signal.signal(sig, old)
        self._old = {}
        return False


def write_metrics(path, history):
    """Rewrite ``metrics.jsonl`` whole, through minigrad's atomic writer (a killed write leaves
    the previous file and no temp file behind)."""
    atomic.write_atomically(path, lambda f: f.writelines(json.dumps(row) + '\n' for row in history),
                            mode='w')


def current_lr(optimizer):
    return float(optimizer.param_groups[0]['lr'])


def evaluate(model, loader, num_classes=10, progress=False, stop=None, desc='test'):
    """Loss, accuracy and confusion matrix (rows: true class, columns: predicted) on ``loader``.

    Returns a dict (``loss``, ``acc``, ``count``, ``confusion``, and the sums ``loss_sum``,
    ``correct``), or None when ``stop.requested`` turned true (Ctrl-C) before the end.
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
                confusion=confusion, loss_sum=loss_sum, correct=correct)


class Trainer:
    """Runs the epochs of a training run: train, evaluate, record, checkpoint.

    Args:
        model, optimizer: what is trained (``model`` may be a ``DistributedDataParallel``).
        scheduler: a learning-rate scheduler or None; ``per_batch`` says whether it steps after
            every batch (cosine, one-cycle) or every epoch (step).
        train_loader, test_loader: the data (this rank's shards in a data-parallel job).
        checkpointer: a ``checkpoint.Checkpointer`` for this run.
        metrics_path: the ``metrics.jsonl`` file, rewritten after every epoch.
        history: the metrics rows so far (one dict per epoch; extended in place).
        progress: show tqdm progress bars.
        detect_anomaly: anomaly detection is on (a backward error then ends the run as
            ``TrainingDiverged``).
        job: the ``parallel.Job`` (default: one process); rank 0 alone prints and writes.
        eval_model: the bare model to evaluate and save (default ``model``).
    """

    def __init__(self, model, optimizer, scheduler, per_batch, train_loader, test_loader,
                 checkpointer, metrics_path, history, progress, detect_anomaly=False, job=None,
                 eval_model=None):
        self.model, self.optimizer = model, optimizer
        self.scheduler, self.per_batch = scheduler, per_batch
        self.train_loader, self.test_loader = train_loader, test_loader
        self.checkpointer, self.metrics_path = checkpointer, metrics_path
        self.history = history
        self.detect_anomaly = detect_anomaly
        self.job = job or Job()
        self.progress = progress and self.job.is_main
        self.eval_model = model if eval_model is None else eval_model
        self.criterion = nn.CrossEntropyLoss()

    def fit(self, start_epoch, epochs, start_batch=0, partial=None):
        """Train epochs ``start_epoch`` .. ``epochs - 1`` (0-based), the first from batch
        ``start_batch`` with the running sums ``partial``. Returns the exit code: 0, or 128 +
        the signal after a stop signal (130 for Ctrl-C, 143 for SIGTERM; a checkpoint saved)."""
        # a loss that overflows ends the run (TrainingDiverged), not NumPy's warnings about it
        errors_off = np.errstate(over='ignore', invalid='ignore', divide='ignore')
        with GracefulInterrupt(self.job.signal_names()) as stop, errors_off:
            for epoch in range(start_epoch, epochs):
                row = self.train_epoch(epoch, epochs, start_batch, partial, stop)
                if row is None:
                    return stop.exit_code
                partial, start_batch = None, 0
                self.history.append(row)
                if self.job.is_main:
                    write_metrics(self.metrics_path, self.history)
                    self.checkpointer.save(epoch + 1, 0, self.history)
                    tqdm.write(f"epoch {epoch + 1}/{epochs}: train loss {row['train_loss']:.4f} "
                               f"acc {row['train_acc']:.4f} | test loss {row['test_loss']:.4f} "
                               f"acc {row['test_acc']:.4f} | lr {row['lr']:.3g} | "
                               f"{row['seconds']:.1f}s")
        return 0

    def train_epoch(self, epoch, epochs, start_batch, partial, stop):
        """Train epoch ``epoch`` from batch ``start_batch`` and evaluate: the epoch's metrics row,
        or None after a stop signal (the checkpoint then saved)."""
        sums = dict(partial) if partial else dict(loss_sum=0.0, correct=0, count=0, seconds=0.0)
        t0 = time.perf_counter()
        self.model.train()
        loader, job = self.train_loader, self.job
        batch, steps = start_batch, len(loader)
        if batch < steps:
            if job.distributed:                             # a DistributedSampler
                loader.sampler.set_epoch(epoch)
            loader.load_state_dict({'seed': loader.seed, 'epoch': epoch, 'batch': batch})
            batch = self.train_batches(epoch, epochs, batch, sums, stop)
        job.sync_buffers(self.eval_model)
        if not stop.requested:
            result = evaluate(self.eval_model, self.test_loader, 10, self.progress, stop)
        if job.distributed:
            stop.requested = job.agree(0.0, stop.requested)[1]
            sums.update(job.sum({k: sums[k] for k in ('loss_sum', 'correct', 'count')}))
        if stop.requested:
            sums['seconds'] += time.perf_counter() - t0
            if job.is_main:
                self.checkpointer.save(epoch, batch, self.history, sums)
                print(f'{stop.name}: checkpoint saved to {self.checkpointer.path} (epoch '
                      f'{epoch + 1}, batch {batch}/{steps}); continue with --resume',
                      file=sys.stderr)
            return None
        if job.distributed:
            result = job.sum({k: result[k] for k in ('loss_sum', 'correct', 'count')})
            result.update(loss=result['loss_sum'] / max(result['count'], 1),
                          acc=result['correct'] / max(result['count'], 1))
        lr = sums.get('lr', current_lr(self.optimizer))
        if self.scheduler is not None and not self.per_batch:
            self.scheduler.step()
        n = max(sums['count'], 1)
        return dict(epoch=epoch + 1, train_loss=sums['loss_sum'] / n, train_acc=sums['correct'] / n,
                    test_loss=result['loss'], test_acc=result['acc'], lr=lr,
                    seconds=round(sums['seconds'] + time.perf_counter() - t0, 3))

    def train_batches(self, epoch, epochs, start, sums, stop):
        """Train on the batches the loader yields from batch ``start`` of ``epoch``, adding to
        ``sums``; stop early after a stop signal. Returns the index of the next batch.

        Raises:
            TrainingDiverged: at the first loss that is NaN or Inf (on any rank; before its
                backward and step, so the model keeps its last finite weights), or, with
                ``detect_anomaly``, at the anomaly error of a backward pass.
        """
        model, optimizer, job = self.model, self.optimizer, self.job
        scheduler = self.scheduler if self.per_batch else None
        loader = self.train_loader
        bar = tqdm(loader, desc=f'epoch {epoch + 1}/{epochs}', initial=start, total=len(loader),
                   disable=not self.progress, unit='batch', dynamic_ncols=True)
        seen0, t0, batch = sums['count'], time.perf_counter(), start
        try:
            for x, y in bar:
                logits = model(x)
                loss = self.criterion(logits, y)
                loss_value = float(loss.item())
                agreed = job.agree(loss_value, False)[0] if job.distributed else loss_value
                if not math.isfinite(agreed):
                    raise TrainingDiverged(epoch + 1, batch + 1, current_lr(optimizer),
                                           f'loss became {agreed}')
                optimizer.zero_grad()
                try:
                    loss.backward()
                except mg.autograd.AnomalyError as e:
                    raise TrainingDiverged(epoch + 1, batch + 1, current_lr(optimizer),
                                           'gradient became NaN or Inf', report=str(e)) from e
                sums['lr'] = current_lr(optimizer)
                optimizer.step()
                if scheduler is not None:
                    scheduler.step()
                n = int(y.shape[0])
                sums['loss_sum'] += loss_value * n
                sums['correct'] += int((logits.array.argmax(1) == y.array).sum())
                sums['count'] += n
                batch += 1
                if self.progress:
                    rate = (sums['count'] - seen0) / max(time.perf_counter() - t0, 1e-9)
                    bar.set_postfix({'loss': f"{sums['loss_sum'] / sums['count']:.4f}",
                                     'acc': f"{sums['correct'] / sums['count']:.4f}",
                                     'samples/s': f'{rate:.0f}'}, refresh=False)
                if job.distributed:
                    stop.requested = job.agree(0.0, stop.requested)[1]
                if stop.requested:
                    break
        finally:
            bar.close()
        return batch

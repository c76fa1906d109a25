"""The training command never loses work and never runs on silently: non-finite losses, existing
runs, signals, argument and file-system checks, checkpoint validation, stored normalisation."""
import hashlib
import os
import shutil
import signal

import numpy as np
import pytest
from train_helpers import SMALL, cli, read_metrics, train, train_until_signal

import minigrad as mg
import models
import models.evaluate
from models import train as train_cli
from models import recipe

TINY = ['--limit-train', '64', '--limit-test', '32', '--batch-size', '16']


def digest(path):
    with open(path, 'rb') as f:
        return hashlib.sha256(f.read()).hexdigest()


@pytest.fixture(scope='module')
def trained(tmp_path_factory):
    """One epoch on a small subset: a run folder to copy from."""
    out = str(tmp_path_factory.mktemp('safety') / 'run')
    train(out, '--epochs', 1)
    return out


@pytest.fixture
def run_copy(trained, tmp_path):
    out = str(tmp_path / 'run')
    shutil.copytree(trained, out)
    return out


def in_process(capsys, *args):
    """``python -m models.train ARGS`` in this process: (exit code, stderr lines)."""
    code = train_cli.main([*map(str, args)])
    err = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    return code, err


def rewrite_checkpoint(path, change):
    ckpt = mg.load(path)
    change(ckpt)
    mg.save(ckpt, path)


# ---------------------------------------------------------------- non-finite loss

def test_nonfinite_loss_stops_at_once_with_exit_3_and_keeps_the_checkpoint(run_copy):
    ckpt_path = os.path.join(run_copy, 'checkpoint.npz')

    def poison(ckpt):       # weights that make every logit NaN from the first batch on
        bias = ckpt['model']['classifier.5.bias']
        ckpt['model']['classifier.5.bias'] = mg.tensor(np.full(bias.shape, np.nan, np.float32))
    rewrite_checkpoint(ckpt_path, poison)
    before, rows = digest(ckpt_path), read_metrics(run_copy)
    proc = train(run_copy, '--resume', '--epochs', 3, check=3)
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and 'Traceback' not in proc.stderr, proc.stderr
    line = lines[0]
    assert 'nan' in line and 'epoch 2, batch 1' in line
    assert '--lr' in line and '--detect-anomaly' in line
    assert digest(ckpt_path) == before                  # the last good checkpoint, untouched
    assert read_metrics(run_copy) == rows
    assert 'epoch 2/3' not in proc.stdout


def test_diverging_new_run_exits_3_without_a_checkpoint(tmp_path):
    out = str(tmp_path / 'run')
    proc = cli('train', '--out', out, '--no-progress', *TINY, '--epochs', 1, '--optimizer', 'sgd',
               '--lr', '1e30', check=3)
    assert 'batch 2' in proc.stderr and 'RuntimeWarning' not in proc.stderr
    assert not os.path.exists(os.path.join(out, 'checkpoint.npz'))


def test_detect_anomaly_flag_turns_it_on(tmp_path, capsys, monkeypatch):
    calls = []
    monkeypatch.setattr(mg.autograd, 'set_detect_anomaly', calls.append, raising=False)
    code, err = in_process(capsys, '--out', tmp_path / 'a', '--no-progress', *TINY, '--epochs', 1,
                           '--detect-anomaly')
    assert code == 0, err
    assert calls == [True]
    code, err = in_process(capsys, '--out', tmp_path / 'b', '--no-progress', *TINY, '--epochs', 1)
    assert code == 0 and calls == [True]            # off unless asked


# ---------------------------------------------------------------- no run lost to another

def test_new_run_in_a_used_out_refuses(run_copy, capsys):
    before = digest(os.path.join(run_copy, 'checkpoint.npz'))
    rows = read_metrics(run_copy)
    code, err = in_process(capsys, '--out', run_copy, '--no-progress', *SMALL, '--epochs', 1)
    assert code == 2 and len(err) == 1
    assert '--resume' in err[0] and '--overwrite' in err[0]
    assert digest(os.path.join(run_copy, 'checkpoint.npz')) == before
    assert read_metrics(run_copy) == rows
    code, err = in_process(capsys, '--out', run_copy, '--resume', '--overwrite')
    assert code == 2 and '--resume' in err[0] and '--overwrite' in err[0]
    code, err = in_process(capsys, '--out', run_copy, '--no-progress', *TINY, '--epochs', 1,
                           '--overwrite')
    assert code == 0, err
    assert len(read_metrics(run_copy)) == 1
    assert mg.load(os.path.join(run_copy, 'checkpoint.npz'))['args']['batch_size'] == 16


def test_sigterm_saves_a_checkpoint(tmp_path):
    out = str(tmp_path / 'run')
    code, stderr = train_until_signal(out, ['--epochs', 2, '--batch-size', 8, '--limit-train',
                                            2048, '--limit-test', 64], signal.SIGTERM)
    assert code == 128 + signal.SIGTERM, stderr
    assert 'stopped by SIGTERM: checkpoint saved' in stderr and 'Traceback' not in stderr
    ckpt = mg.load(os.path.join(out, 'checkpoint.npz'))
    assert ckpt['epoch'] == 0 and 0 < ckpt['batch'] <= 256
    proc = cli('train', '--out', out, '--no-progress', '--resume', check=0)
    assert [r['epoch'] for r in read_metrics(out)] == [1, 2]


# ---------------------------------------------------------------- arguments and files

@pytest.mark.parametrize('args,flag', [
    (['--lr', 'nan'], '--lr'), (['--lr', 'inf'], '--lr'), (['--lr', '0'], '--lr'),
    (['--momentum', '-1'], '--momentum'), (['--momentum', '1'], '--momentum'),
    (['--weight-decay', '-1'], '--weight-decay'), (['--weight-decay', 'inf'], '--weight-decay'),
    (['--scheduler', 'step', '--step-size', '0'], '--step-size'),
    (['--gamma', '-1'], '--gamma'), (['--gamma', 'nan'], '--gamma'), (['--resize', '0'], '--resize'),
    (['--width', 'nan'], '--width'), (['--seed', '-1'], '--seed'), (['--epochs', '0'], '--epochs'),
    (['--batch-size', '0'], '--batch-size'), (['--limit-train', '0'], '--limit-train'),
    (['--limit-test', '0'], '--limit-test'),
])
def test_every_numeric_argument_is_checked(args, flag, tmp_path, capsys):
    out = tmp_path / 'run'
    code, err = in_process(capsys, '--out', out, '--no-progress', *args)
    assert code == 2 and len(err) == 1, err
    assert flag in err[0]
    assert not out.exists()                         # refused before anything was written


def test_file_system_problems_are_one_line(tmp_path, capsys):
    a_file = tmp_path / 'file'
    a_file.write_text('x')
    for args in (['--out', a_file], ['--out', a_file / 'sub'],
                 ['--out', tmp_path / 'o', '--checkpoint', tmp_path],
                 ['--out', tmp_path / 'o2', '--data-dir', a_file, '--dataset', 'mnist']):
        code, err = in_process(capsys, *args, '--no-progress', *TINY, '--epochs', 1)
        assert code == 2 and len(err) == 1, (args, err)
        assert str(args[1]) in err[0] or str(args[-1]) in err[0] or 'file' in err[0], err


def test_missing_data_names_the_command_line_flags(tmp_path, capsys, monkeypatch):
    empty = tmp_path / 'empty'
    empty.mkdir()
    monkeypatch.setenv('MINIGRAD_DATA', str(empty))
    monkeypatch.setenv('HOME', str(tmp_path))
    try:
        mg.data.CIFAR10(root=str(empty))
        pytest.skip('CIFAR-10 is installed system-wide here')
    except Exception:
        pass
    code, err = in_process(capsys, '--dataset', 'cifar10', '--data-dir', empty, '--out',
                           tmp_path / 'o', '--no-progress')
    assert code == 2 and len(err) == 1
    assert '--download' in err[0] and '--data-dir' in err[0]
    assert 'download=True' not in err[0] and 'root=' not in err[0]


@pytest.mark.parametrize('key,value,word', [('epoch', -1, 'epoch'), ('batch', 'x', 'batch'),
                                            ('args.batch_size', '32', 'batch_size'),
                                            ('args.lr', float('nan'), 'lr'),
                                            ('args.model', 'resnet', 'model'),
                                            ('history', 'none', 'history')])
def test_checkpoint_values_are_checked_on_resume(run_copy, capsys, key, value, word):
    path = os.path.join(run_copy, 'checkpoint.npz')

    def damage(ckpt):
        *parents, last = key.split('.')
        node = ckpt
        for p in parents:
            node = node[p]
        node[last] = value
    rewrite_checkpoint(path, damage)
    code, err = in_process(capsys, '--out', run_copy, '--no-progress', '--resume', '--epochs', 2)
    assert code == 2 and len(err) == 1, err
    assert path in err[0] and word in err[0]
    assert 'Traceback' not in '\n'.join(err)
    code = models.evaluate.main([path, '--no-progress'])
    assert code == 2


def test_checkpoint_batch_beyond_the_epoch(run_copy, capsys):
    path = os.path.join(run_copy, 'checkpoint.npz')
    rewrite_checkpoint(path, lambda c: c.update(epoch=0, batch=10 ** 6))
    code, err = in_process(capsys, '--out', run_copy, '--no-progress', '--resume', '--epochs', 2)
    assert code == 2 and 'batch' in err[0]


# ---------------------------------------------------------------- the stored normalisation

def test_checkpoint_stores_the_input_normalisation(trained):
    ckpt = mg.load(os.path.join(trained, 'checkpoint.npz'))
    assert ckpt['input'] == {'shape': [1, 28, 28], 'resize': None, 'mean': [0.1307],
                             'std': [0.3081]}


def _accuracy(model, transform, dataset):
    x = np.stack([dataset[i][0] for i in range(len(dataset))]).astype(np.float32)
    y = np.array([dataset[i][1] for i in range(len(dataset))])
    with mg.no_grad():
        pred = model(mg.tensor(transform(x))).numpy().argmax(1)
    return float((pred == y).mean())


def test_load_trained_gives_the_model_and_its_transform(trained):
    path = os.path.join(trained, 'checkpoint.npz')
    model, transform = models.load_trained(path)
    assert isinstance(model, models.LeNet5) and not model.training
    ckpt = mg.load(path)
    test_set = recipe.subset(mg.data.MNISTSample(train=False), ckpt['args']['limit_test'])
    # the run's own test accuracy, from the helper's pieces alone
    assert _accuracy(model, transform, test_set) == pytest.approx(ckpt['history'][-1]['test_acc'])
    with pytest.raises(ValueError, match='no checkpoint'):
        models.load_trained(os.path.join(trained, 'nothing.npz'))


def test_evaluate_applies_the_stored_normalisation(run_copy):
    path = os.path.join(run_copy, 'checkpoint.npz')
    rewrite_checkpoint(path, lambda c: c['input'].update(mean=[0.9], std=[0.05]))
    model, transform = models.load_trained(path)
    ckpt = mg.load(path)
    test_set = recipe.subset(mg.data.MNISTSample(train=False), 256)
    expected = _accuracy(model, transform, test_set)
    assert expected != pytest.approx(_accuracy(model, recipe.test_transform(ckpt['args']), test_set))
    proc = cli('evaluate', path, '--limit-test', 256, '--no-progress', check=0)
    assert f'test accuracy: {expected:.4f}' in proc.stdout


class _SqrtAtZero(mg.nn.Module):
    """Logits sqrt(w) with w = 0: a finite loss whose gradient is infinite."""

    def __init__(self):
        super().__init__()
        self.w = mg.nn.Parameter(mg.zeros(10))

    def forward(self, x):
        return (x.flatten(1)[:, :10] * 0 + self.w).sqrt()


def _trainer(model, detect_anomaly):
    from models.loop import GracefulInterrupt, Trainer
    data = mg.data.TensorDataset(mg.rand(8, 1, 4, 4), mg.tensor(np.arange(8) % 10))
    loader = mg.data.DataLoader(data, batch_size=4, shuffle=True, seed=0)
    trainer = Trainer(model, mg.optim.SGD(model.parameters(), lr=0.1), None, False, loader, loader,
                      None, None, [], False, detect_anomaly=detect_anomaly)
    return trainer, GracefulInterrupt()


@pytest.mark.filterwarnings('ignore::RuntimeWarning')
def test_detect_anomaly_names_the_op_that_made_the_gradient():
    if not hasattr(mg.autograd, 'set_detect_anomaly'):
        pytest.skip('this minigrad has no anomaly detection')
    from models.errors import TrainingDiverged
    trainer, stop = _trainer(_SqrtAtZero(), detect_anomaly=True)
    sums = dict(loss_sum=0.0, correct=0, count=0, seconds=0.0)
    with mg.autograd.detect_anomaly(), pytest.raises(TrainingDiverged) as info:
        trainer.train_batches(0, 1, 0, sums, stop)
    assert (info.value.epoch, info.value.batch) == (1, 1)
    assert 'Sqrt' in info.value.report and '--lr' in str(info.value)
    assert 'forward' in info.value.report              # where the op was made: our forward
    # without it the infinite gradient poisons the weights: the next loss stops the run
    trainer, stop = _trainer(_SqrtAtZero(), detect_anomaly=False)
    with pytest.raises(TrainingDiverged) as info:
        trainer.train_batches(0, 1, 0, sums, stop)
    assert info.value.batch == 2 and info.value.report is None
    assert '--detect-anomaly' in str(info.value)


class _HookSaysNan(mg.nn.Module):
    """A backward that fails with a RuntimeError whose message mentions nan but is no anomaly."""

    def __init__(self):
        super().__init__()
        self.w = mg.nn.Parameter(mg.zeros(10))

    def forward(self, x):
        out = x.flatten(1)[:, :10] * 0 + self.w
        out.register_hook(self._fail)
        return out

    @staticmethod
    def _fail(grad):
        raise RuntimeError('a hook refused this grad: it is nan, inf or wrong')


def test_only_anomaly_errors_end_the_run_as_diverged():
    """The trainer catches mg.autograd.AnomalyError, not any RuntimeError that says 'nan'."""
    from models.errors import TrainingDiverged
    trainer, stop = _trainer(_HookSaysNan(), detect_anomaly=True)
    sums = dict(loss_sum=0.0, correct=0, count=0, seconds=0.0)
    with mg.autograd.detect_anomaly(), pytest.raises(RuntimeError, match='hook refused') as info:
        trainer.train_batches(0, 1, 0, sums, stop)
    assert not isinstance(info.value, TrainingDiverged)

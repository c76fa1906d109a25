"""End-to-end runs of ``python -m models.train`` and ``python -m models.evaluate`` on the sample."""
import os
import re
import signal

import numpy as np
import pytest
from train_helpers import (assert_same_state, cli, env_with_repo, one_error_line, read_metrics,
                           train, train_until_signal, without_time)

import minigrad as mg

METRIC_KEYS = {'epoch', 'train_loss', 'train_acc', 'test_loss', 'test_acc', 'lr', 'seconds'}


@pytest.fixture(scope='module')
def runs(tmp_path_factory):
    """Two epochs in one go, and one epoch + resume + one epoch."""
    root = tmp_path_factory.mktemp('train')
    full, split = str(root / 'full'), str(root / 'split')
    p_full = train(full, '--epochs', 2)
    p_first = train(split, '--epochs', 1)
    p_resumed = train(split, '--epochs', 2, '--resume')
    return dict(root=root, full=full, split=split, p_full=p_full, p_first=p_first, p_resumed=p_resumed)


def test_metrics_jsonl(runs):
    rows = read_metrics(runs['full'])
    assert [r['epoch'] for r in rows] == [1, 2]
    for r in rows:
        assert set(r) == METRIC_KEYS
        assert 0.0 <= r['train_acc'] <= 1.0 and 0.0 <= r['test_acc'] <= 1.0
        assert r['train_loss'] > 0 and r['test_loss'] > 0 and r['seconds'] > 0
        assert r['lr'] == pytest.approx(1e-3)
    # learning happens: well above chance (0.1) after 16 steps
    assert rows[-1]['test_acc'] > 0.3
    assert rows[1]['train_loss'] < rows[0]['train_loss']
    last = runs['p_full'].stdout.strip().splitlines()[-1]
    assert last == f"test accuracy: {rows[-1]['test_acc']:.4f}"


def test_checkpoint_contents(runs):
    import models
    ckpt = mg.load(os.path.join(runs['full'], 'checkpoint.npz'))
    assert ckpt['epoch'] == 2 and ckpt['batch'] == 0
    assert ckpt['args']['model'] == 'lenet5' and ckpt['args']['dataset'] == 'mnist-sample'
    assert ckpt['args']['optimizer'] == 'adam'
    assert set(ckpt['model']) == set(models.LeNet5().state_dict())
    assert ckpt['optimizer']['state'] and ckpt['optimizer']['param_groups']
    assert ckpt['loader']['epoch'] == 2
    assert 'numpy' in ckpt['rng']
    assert without_time(ckpt['history']) == without_time(read_metrics(runs['full']))
    # no temporary files left next to it (the save is atomic: temp file + rename)
    assert sorted(os.listdir(runs['full'])) == ['checkpoint.npz', 'metrics.jsonl']


def test_resume_is_bit_exact(runs):
    a = mg.load(os.path.join(runs['full'], 'checkpoint.npz'))
    b = mg.load(os.path.join(runs['split'], 'checkpoint.npz'))
    assert_same_state(a['model'], b['model'], 'model')
    assert_same_state(a['optimizer'], b['optimizer'], 'optimizer')
    assert a['rng'] == b['rng']
    assert without_time(read_metrics(runs['full'])) == without_time(read_metrics(runs['split']))
    assert runs['p_full'].stdout.splitlines()[-1] == runs['p_resumed'].stdout.splitlines()[-1]


def test_evaluate_command(runs):
    ckpt = os.path.join(runs['full'], 'checkpoint.npz')
    proc = cli('evaluate', ckpt, '--limit-test', 256, '--no-progress', check=0)
    rows = read_metrics(runs['full'])
    assert f"test accuracy: {rows[-1]['test_acc']:.4f}" in proc.stdout
    lines = proc.stdout.splitlines()
    start = lines.index('confusion matrix:') + 2
    matrix = np.array([[int(v) for v in line.split()[-11:-1]] for line in lines[start:start + 10]])
    assert matrix.sum() == 256
    assert np.trace(matrix) / 256 == pytest.approx(rows[-1]['test_acc'])


def test_bad_model_name(tmp_path):
    line = one_error_line(train(str(tmp_path), '--model', 'resnet50', check=2))
    assert 'resnet50' in line and 'lenet5' in line


def test_missing_data(tmp_path):
    empty = tmp_path / 'empty'
    empty.mkdir()
    env = env_with_repo(MINIGRAD_DATA=str(empty), HOME=str(tmp_path))
    try:
        mg.data.CIFAR10(root=str(empty))
        pytest.skip('CIFAR-10 is installed system-wide here')
    except Exception:
        pass
    proc = cli('train', '--dataset', 'cifar10', '--data-dir', empty, '--out', tmp_path / 'o',
               '--no-progress', env=env)
    assert 'cifar' in one_error_line(proc).lower()


def test_resume_with_another_model(runs, tmp_path):
    ckpt = os.path.join(runs['full'], 'checkpoint.npz')
    line = one_error_line(train(str(tmp_path), '--model', 'vgg_mini', '--checkpoint', ckpt,
                                '--resume', '--epochs', 3, check=2))
    assert 'lenet5' in line
    line = one_error_line(train(str(tmp_path), '--resume', check=2))
    assert 'checkpoint' in line
    line = one_error_line(train(str(tmp_path), '--checkpoint', ckpt, '--resume', '--epochs', 3,
                                '--lr', 0.5, check=2))
    assert '--lr' in line


def test_evaluate_bad_file(runs):
    line = one_error_line(cli('evaluate', os.path.join(runs['full'], 'metrics.jsonl')))
    assert 'metrics.jsonl' in line
    line = one_error_line(cli('evaluate', os.path.join(runs['full'], 'nothing.npz')))
    assert 'nothing.npz' in line


def test_model_too_deep_for_the_images(tmp_path):
    line = one_error_line(train(str(tmp_path), '--model', 'vgg11', check=2))
    assert '--resize' in line


def test_cuda_unavailable(tmp_path):
    if mg.cuda.is_available():
        pytest.skip('a GPU is available here')
    line = one_error_line(train(str(tmp_path), '--device', 'cuda', check=2))
    assert 'cuda' in line.lower()


def test_ctrl_c_saves_and_resume_is_exact(tmp_path):
    """Ctrl-C mid-run saves a checkpoint (exit 130); resuming gives the uninterrupted result,
    per-batch learning-rate schedule included."""
    args = ['--epochs', 2, '--batch-size', 8, '--limit-train', 512, '--limit-test', 128,
            '--scheduler', 'cosine']
    ref = str(tmp_path / 'ref')
    cli('train', '--out', ref, '--no-progress', *args, check=0)

    out = str(tmp_path / 'stopped')
    code, stderr = train_until_signal(out, args, signal.SIGINT)
    assert code == 130, stderr
    last = re.split(r'[\r\n]+', stderr.strip())[-1]
    assert last.startswith('interrupted: checkpoint saved'), last
    assert 'Traceback' not in stderr
    ckpt = mg.load(os.path.join(out, 'checkpoint.npz'))
    assert (ckpt['epoch'], ckpt['batch']) < (2, 0)

    # a cosine schedule is shaped by the run's length: it cannot be stretched on resume
    line = one_error_line(cli('train', '--out', out, '--no-progress', '--resume', '--epochs', 3))
    assert 'cosine' in line and '--epochs 2' in line

    cli('train', '--out', out, '--no-progress', '--resume', '--epochs', 2, check=0)
    a = mg.load(os.path.join(ref, 'checkpoint.npz'))
    b = mg.load(os.path.join(out, 'checkpoint.npz'))
    assert_same_state(a['model'], b['model'], 'model')
    assert_same_state(a['optimizer'], b['optimizer'], 'optimizer')
    assert_same_state(a['scheduler'], b['scheduler'], 'scheduler')
    assert without_time(read_metrics(ref)) == without_time(read_metrics(out))


def test_num_workers_gives_the_same_run_bit_for_bit(runs, tmp_path):
    """--num-workers 2 loads in persistent worker processes; the run is the one without them."""
    out = str(tmp_path / 'workers')
    proc = train(out, '--epochs', 2, '--num-workers', 2)
    assert without_time(read_metrics(out)) == without_time(read_metrics(runs['full']))
    a = mg.load(os.path.join(runs['full'], 'checkpoint.npz'))
    b = mg.load(os.path.join(out, 'checkpoint.npz'))
    assert_same_state(a['model'], b['model'], 'model')
    assert proc.stdout.splitlines()[-1] == runs['p_full'].stdout.splitlines()[-1]
    ckpt = os.path.join(runs['full'], 'checkpoint.npz')
    ev0 = cli('evaluate', ckpt, '--limit-test', 256, '--no-progress', check=0)
    ev2 = cli('evaluate', ckpt, '--limit-test', 256, '--no-progress', '--num-workers', 2, check=0)
    assert ev2.stdout == ev0.stdout


@pytest.mark.parametrize('module', ['train', 'evaluate'])
def test_num_workers_must_not_be_negative(module, runs, tmp_path):
    if module == 'train':
        proc = train(str(tmp_path / 'bad'), '--num-workers', -1, check=2)
    else:
        proc = cli('evaluate', os.path.join(runs['full'], 'checkpoint.npz'), '--num-workers', -1,
                   check=2)
    assert one_error_line(proc).endswith('--num-workers must be an integer of at least 0, got -1')

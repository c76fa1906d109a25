"""torchvision-style constructors, summary's two input forms, and python -m models.summary."""
import ast
import os
import subprocess
import sys

import pytest

import models
from models import LeNet5, VGG, summary
from models.summary import ShapeError

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def n_params(model):
    return sum(int(p.numel()) for p in model.parameters())


# ---------------------------------------------------------------- constructors

@pytest.mark.parametrize('name,cfg,bn', [(f'vgg{d}{s}', f'vgg{d}', s == '_bn')
                                         for d in (11, 13, 16, 19) for s in ('', '_bn')])
def test_vgg_constructors_follow_torchvision(name, cfg, bn):
    net = getattr(models, name)(num_classes=10, width=0.0625)
    assert isinstance(net, VGG)
    assert net.cfg_name == cfg and net.batch_norm is bn
    assert net.head == 'classic' and net.in_channels == 3
    assert net.num_classes == 10
    assert getattr(models, name).__name__ == name


def test_vgg16_constructor_has_torchvision_parameter_count():
    # the published figure of torchvision's vgg16() (1000 classes, no batch norm)
    assert summary(models.vgg16(), (3, 224, 224), verbose=False).total_params == 138_357_544
    assert models.vgg16().num_classes == 1000


def test_lenet5_constructor():
    net = models.lenet5(num_classes=7, in_channels=3)
    assert isinstance(net, LeNet5) and net.num_classes == 7 and net.in_channels == 3
    assert n_params(models.lenet5()) == 61_706


@pytest.mark.parametrize('name', ['lenet5', 'vgg11', 'vgg16_bn'])
def test_constructors_accept_only_weights_none(name):
    build = getattr(models, name)
    with pytest.raises(ValueError, match='weights must be None'):
        build(weights='DEFAULT')
    with pytest.raises(ValueError, match='pretrained'):
        build(pretrained=True)
    kw = dict(num_classes=3) if name == 'lenet5' else dict(num_classes=3, width=0.0625)
    assert build(weights=None, progress=False, pretrained=False, **kw).num_classes == 3
    with pytest.raises(TypeError):
        build('DEFAULT')            # keyword-only, as torchvision's


def test_vgg_bn_constructor_rejects_batch_norm_keyword():
    with pytest.raises(TypeError, match='batch_norm'):
        models.vgg11(batch_norm=True)


# ---------------------------------------------------------------- summary input forms

def test_summary_torchinfo_input_size_with_batch_dimension():
    own = summary(LeNet5(), (1, 28, 28), batch_size=4, verbose=False)
    torchinfo = summary(LeNet5(), input_size=(4, 1, 28, 28), verbose=False)
    assert torchinfo.input_shape == own.input_shape == (4, 1, 28, 28)
    assert [r['output_shape'] for r in torchinfo.rows] == [r['output_shape'] for r in own.rows]
    assert torchinfo.output_shape == (4, 10)


def test_summary_torchinfo_form_passed_positionally():
    s = summary(LeNet5(), (2, 1, 28, 28), verbose=False)
    assert s.input_shape == (2, 1, 28, 28) and s.output_shape == (2, 10)


def test_summary_shape_arguments_are_checked():
    with pytest.raises(TypeError, match='not both'):
        summary(LeNet5(), (1, 28, 28), input_size=(1, 1, 28, 28), verbose=False)
    with pytest.raises(TypeError, match='input_size'):
        summary(LeNet5(), verbose=False)
    with pytest.raises(ValueError, match='positive ints'):
        summary(LeNet5(), (1, 0, 28), verbose=False)
    with pytest.raises(TypeError, match='nn.Module'):
        summary('lenet5', (1, 28, 28), verbose=False)
    # fits neither as a sample nor as a batch: the sample form's error
    with pytest.raises(ShapeError, match='Conv2d'):
        summary(LeNet5(), (3, 28, 28), verbose=False)
    with pytest.raises(ShapeError, match='Conv2d'):
        summary(LeNet5(), input_size=(1, 3, 28, 28), verbose=False)


# ---------------------------------------------------------------- python -m models.summary

def _run(*args):
    env = dict(os.environ, PYTHONPATH=REPO + os.pathsep + os.environ.get('PYTHONPATH', ''))
    return subprocess.run([sys.executable, '-m', 'models.summary', *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=120)


def test_summary_command_prints_the_table():
    proc = _run('lenet5')
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ''                # no RuntimeWarning from runpy
    assert 'Total params: 61,706' in proc.stdout
    assert 'LeNet5: input [1, 1, 28, 28]' in proc.stdout
    proc = _run('vgg16', '--head', 'classic', '--num-classes', '1000', '--no-batch-norm',
                '--input', '3', '224', '224')
    assert proc.returncode == 0, proc.stderr
    assert 'Total params: 138,357,544' in proc.stdout


def test_summary_command_errors_are_one_line():
    for args in (['vgg11', '--input', '1', '28', '28'], ['resnet'], ['lenet5', '--input', '0', '1', '1'],
                 ['lenet5', '--head', 'classic']):
        proc = _run(*args)
        assert proc.returncode == 2, (args, proc.stderr)
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and 'Traceback' not in proc.stderr, (args, proc.stderr)


# ---------------------------------------------------------------- the training command's parts

def test_evaluate_uses_only_public_pieces():
    tree = ast.parse(open(os.path.join(REPO, 'models', 'evaluate.py')).read())
    imported = [a.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
                for a in node.names]
    assert imported and not [n for n in imported if n.startswith('_')]


def test_choices_are_written_once():
    from models import cli, recipe, vgg, zoo
    actions = {a.dest: a for a in cli.build_train_parser()._actions}
    assert actions['head'].choices is vgg.HEADS
    assert tuple(actions['model'].choices) == zoo.MODEL_NAMES
    assert tuple(actions['optimizer'].choices) == recipe.OPTIMIZERS
    assert set(recipe.DEFAULT_LR) == set(recipe.OPTIMIZERS)

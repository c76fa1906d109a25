"""models.resnet18/34/50: torchvision's layout, parameter counts, init and forward/backward."""
import numpy as np
import pytest

import minigrad as mg
import models
from models.resnet import BasicBlock, Bottleneck


@pytest.mark.parametrize('name, count', [('resnet18', 11_689_512), ('resnet34', 21_797_672),
                                         ('resnet50', 25_557_032)])
def test_parameter_counts_are_torchvisions(name, count):
    # the published figures of torchvision's constructors (1000 classes)
    model = getattr(models, name)()
    assert sum(p.numel() for p in model.parameters()) == count


def test_state_dict_names_follow_torchvision():
    keys = list(models.resnet18().state_dict())
    assert keys[:6] == ['conv1.weight', 'bn1.weight', 'bn1.bias', 'bn1.running_mean',
                        'bn1.running_var', 'bn1.num_batches_tracked']
    assert 'layer2.0.downsample.0.weight' in keys and 'layer1.0.downsample.0.weight' not in keys
    assert keys[-2:] == ['fc.weight', 'fc.bias']
    assert 'layer4.2.conv3.weight' in models.resnet50().state_dict()


def test_forward_backward_and_a_new_head():
    mg.manual_seed(0)
    model = models.resnet18(num_classes=10)
    x = mg.randn(2, 3, 32, 32)
    out = model(x)
    assert tuple(out.shape) == (2, 10) and out.dtype == mg.float32
    out.sum().backward()
    assert all(p.grad is not None for p in model.parameters())
    # batch norms start at weight 1, bias 0; convolutions are Kaiming-normal (fan_out)
    assert np.all(model.bn1.weight.numpy() == 1) and np.all(model.bn1.bias.numpy() == 0)
    std = model.layer1[0].conv1.weight.numpy().std()
    assert abs(std - np.sqrt(2 / (64 * 9))) < 0.1 * np.sqrt(2 / (64 * 9))


def test_zero_init_residual_makes_blocks_start_at_identity():
    model = models.resnet18(zero_init_residual=True)
    assert all(np.all(m.bn2.weight.numpy() == 0) for m in model.modules() if isinstance(m, BasicBlock))
    model = models.resnet50(zero_init_residual=True)
    assert all(np.all(m.bn3.weight.numpy() == 0) for m in model.modules() if isinstance(m, Bottleneck))


@pytest.mark.parametrize('kwargs', [{'pretrained': True}, {'weights': 'IMAGENET1K_V1'}])
def test_pretrained_weights_are_refused_clearly(kwargs):
    with pytest.raises(ValueError, match='resnet18: minigrad ships no pretrained weights'):
        models.resnet18(**kwargs)


def test_resnet_matches_torchvision_layout_in_torch():
    torch = pytest.importorskip('torch')
    tv = pytest.importorskip('torchvision')
    ours, theirs = models.resnet18(), tv.models.resnet18()
    assert {k: tuple(v.shape) for k, v in ours.state_dict().items()} == \
        {k: tuple(v.shape) for k, v in theirs.state_dict().items()}

"""The model zoo: output shapes, parameter counts, summary by shape propagation, get_model."""
import gc
import tracemalloc

import numpy as np
import pytest

import minigrad as mg
import models
from minigrad import nn
from models import VGG, LeNet5, get_model, summary
from models.summary import ShapeError


def n_params(model):
    return sum(int(p.numel()) for p in model.parameters())


def forward_shape(model, shape, seed=0):
    x = mg.tensor(np.random.default_rng(seed).standard_normal(shape).astype(np.float32))
    model.eval()
    with mg.no_grad():
        y = model(x)
    assert y.dtype == np.float32
    assert np.isfinite(y.numpy()).all()
    return tuple(y.shape)


# ---------------------------------------------------------------- LeNet-5

def test_lenet5_output_shapes():
    mg.manual_seed(0)
    assert forward_shape(LeNet5(), (3, 1, 28, 28)) == (3, 10)
    assert forward_shape(LeNet5(num_classes=7, in_channels=3), (2, 3, 28, 28)) == (2, 7)


def test_lenet5_parameter_count():
    # 156 + 2,416 + 48,120 + 10,164 + 850: the classic figure for 10 classes
    assert n_params(LeNet5()) == 61_706
    assert n_params(LeNet5(num_classes=100)) == 61_706 - 850 + 84 * 100 + 100


def test_lenet5_summary_shapes_follow_the_classic_layout():
    s = summary(LeNet5(), (1, 28, 28), batch_size=4, verbose=False)
    shapes = {r['name']: r['output_shape'] for r in s.rows}
    assert shapes['features.0'] == (4, 6, 28, 28)
    assert shapes['features.2'] == (4, 6, 14, 14)
    assert shapes['features.3'] == (4, 16, 10, 10)
    assert shapes['features.5'] == (4, 16, 5, 5)
    assert [r['output_shape'][1] for r in s.rows if r['type'] == 'Linear'] == [120, 84, 10]
    assert s.output_shape == (4, 10)
    assert s.total_params == s.trainable_params == 61_706
    assert sum(r['params'] for r in s.rows) == 61_706
    assert s.method == 'shapes'


def test_lenet5_docstring_says_modern_variant():
    doc = LeNet5.__doc__.lower()
    assert 'relu' in doc and 'max pool' in doc


# ---------------------------------------------------------------- VGG

@pytest.mark.parametrize('shape,in_channels', [((2, 1, 28, 28), 1), ((2, 3, 32, 32), 3)])
def test_vgg_mini_on_mnist_and_cifar_shapes(shape, in_channels):
    mg.manual_seed(0)
    model = get_model('vgg_mini', in_channels=in_channels)
    assert forward_shape(model, shape) == (2, 10)
    assert summary(model, shape[1:], batch_size=2, verbose=False).output_shape == (2, 10)


def test_vgg_mini_width_scales_channels():
    model = VGG('vgg_mini', in_channels=1, width=0.5)
    convs = [m for m in model.modules() if isinstance(m, nn.Conv2d)]
    assert [c.out_channels for c in convs] == [16, 16, 32, 32, 64, 64]
    assert forward_shape(model, (2, 1, 28, 28)) == (2, 10)


@pytest.mark.parametrize('name', ['vgg11', 'vgg13', 'vgg16', 'vgg19'])
def test_deep_vgg_on_cifar_shapes(name):
    mg.manual_seed(0)
    model = get_model(name, width=0.125)     # narrow so that the real forward is quick
    n_conv = sum(isinstance(m, nn.Conv2d) for m in model.modules())
    assert n_conv == int(name[3:]) - 3     # the paper's depth counts the 3 linear layers
    assert forward_shape(model, (2, 3, 32, 32)) == (2, 10)


def test_vgg_classic_head_on_small_images():
    # AdaptiveAvgPool2d(7) blows the 1x1 map of a 32x32 image up to 7x7, as in torchvision
    model = VGG('vgg11', width=0.0625, head='classic')
    assert forward_shape(model, (2, 3, 32, 32)) == (2, 10)
    linears = [m for m in model.modules() if isinstance(m, nn.Linear)]
    assert [(m.in_features, m.out_features) for m in linears] == [(32 * 49, 256), (256, 256), (256, 10)]
    assert sum(isinstance(m, nn.Dropout) for m in model.modules()) == 2


def test_vgg_batch_norm_switch():
    with_bn = VGG('vgg_mini', in_channels=1)
    without = VGG('vgg_mini', in_channels=1, batch_norm=False)
    assert sum(isinstance(m, nn.BatchNorm2d) for m in with_bn.modules()) == 6
    assert not any(isinstance(m, nn.BatchNorm2d) for m in without.modules())
    # every BN adds weight and bias for each of its channels
    assert n_params(with_bn) - n_params(without) == 2 * (32 + 32 + 64 + 64 + 128 + 128)


def test_vgg_state_dict_keys_follow_torchvision():
    keys = set(VGG('vgg11', batch_norm=False, head='classic', width=0.0625).state_dict())
    assert {'features.0.weight', 'features.3.weight', 'classifier.0.weight',
            'classifier.3.weight', 'classifier.6.bias'} <= keys


def test_vgg16_classic_parameter_count_via_summary():
    """The published VGG-16 count; summary must not run a 224x224 batch to get it."""
    mg.manual_seed(0)
    model = VGG('vgg16', num_classes=1000, batch_norm=False, head='classic')
    gc.collect()
    tracemalloc.start()
    try:
        s = summary(model, (3, 224, 224), verbose=False)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert s.total_params == 138_357_544
    # one 64x224x224 float32 activation alone is 12.8 MB
    assert peak < 4 * 2 ** 20, f'summary allocated {peak / 2 ** 20:.1f} MB'
    shapes = [r['output_shape'] for r in s.rows]
    assert shapes[0] == (1, 64, 224, 224)
    assert (1, 512, 7, 7) in shapes
    assert s.output_shape == (1, 1000)
    assert sum(r['type'] == 'Conv2d' for r in s.rows) == 13
    # the usual "15.5 GFLOPs" of VGG-16 are multiply-accumulates
    assert abs(s.mult_adds / 15.47e9 - 1) < 0.005
    text = str(s)
    assert '138,357,544' in text and '[1, 64, 224, 224]' in text


def test_vgg11_classic_parameter_count():
    mg.manual_seed(0)
    model = VGG('vgg11', num_classes=1000, batch_norm=False, head='classic')
    assert summary(model, (3, 224, 224), verbose=False).total_params == 132_863_336
    assert n_params(model) == 132_863_336


def test_vgg_bad_arguments():
    with pytest.raises(ValueError, match='vgg_mini'):
        VGG('vgg12')
    with pytest.raises(ValueError, match='head'):
        VGG('vgg_mini', head='fancy')
    with pytest.raises(ValueError):
        VGG([64, 'X'])
    assert isinstance(VGG([8, 'M', 16, 'M'], in_channels=1), VGG)
    assert VGG('D', width=0.0625).cfg == VGG('vgg16', width=0.0625).cfg


# ---------------------------------------------------------------- get_model, repr

@pytest.mark.parametrize('name,cls', [('lenet5', LeNet5), ('vgg_mini', VGG), ('vgg11', VGG),
                                      ('vgg13', VGG), ('vgg16', VGG), ('vgg19', VGG)])
def test_get_model_names(name, cls):
    kw = {} if name == 'lenet5' else {'width': 0.0625}
    model = get_model(name, num_classes=5, **kw)
    assert type(model) is cls
    assert model.num_classes == 5


def test_get_model_unknown_name_lists_choices():
    with pytest.raises(ValueError) as e:
        get_model('resnet50')
    for name in models.MODEL_NAMES:
        assert name in str(e.value)


def test_repr_is_readable():
    text = repr(LeNet5())
    assert text.startswith('LeNet5(')
    assert 'Conv2d(1, 6' in text and 'Linear(in_features=400, out_features=120' in text
    text = repr(VGG('vgg_mini', in_channels=1))
    assert "cfg='vgg_mini'" in text and 'BatchNorm2d(32' in text


# ---------------------------------------------------------------- summary edge cases

def test_summary_rejects_inputs_that_do_not_fit():
    with pytest.raises(ShapeError, match='Conv2d'):
        summary(LeNet5(), (3, 28, 28), verbose=False)
    # five 2x2 pools take 28 -> 14 -> 7 -> 3 -> 1 -> nothing
    with pytest.raises(ShapeError, match='too small'):
        summary(VGG('vgg11', in_channels=1, width=0.0625), (1, 28, 28), verbose=False)


def test_summary_prints_the_table(capsys):
    s = summary(LeNet5(), (1, 28, 28))
    out = capsys.readouterr().out
    assert out.strip() == str(s).strip()
    assert 'Total params: 61,706' in out
    assert summary(LeNet5(), (1, 28, 28), verbose=False) is not None
    assert capsys.readouterr().out == ''


class _Scale(nn.Module):
    """A leaf layer summary has no rule for: its shape comes from a one-sample forward."""

    def __init__(self, n):
        super().__init__()
        self.weight = nn.Parameter(mg.ones(n))

    def forward(self, x):
        return (x * self.weight.reshape(1, -1, 1, 1))[:, :, ::2, ::2]


class _Functional(nn.Module):
    """A custom forward using nn.functional on the tensor: summary falls back to a real pass."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 4, 3)
        self.fc = nn.Linear(4 * 26 * 26, 3)

    def forward(self, x):
        x = nn.functional.relu(self.conv(x))
        return self.fc(x.reshape(x.shape[0], -1))


def test_summary_unknown_leaf_layer_uses_a_tiny_forward():
    model = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), _Scale(4), nn.Flatten(),
                          nn.Linear(4 * 14 * 14, 2))
    s = summary(model, (1, 28, 28), batch_size=3, verbose=False)
    assert [r['output_shape'] for r in s.rows][1] == (3, 4, 14, 14)
    assert s.output_shape == (3, 2)
    assert s.total_params == n_params(model) and s.rows[1]['params'] == 4


def test_summary_falls_back_to_a_real_forward_for_custom_code():
    model = _Functional()
    s = summary(model, (1, 28, 28), verbose=False)
    assert s.method == 'forward'
    assert s.output_shape == (1, 3)
    assert [r['name'] for r in s.rows] == ['conv', 'fc']
    assert s.total_params == n_params(model)
    assert model.training      # the mode is restored
    assert 'forward' not in vars(model.conv)


# ---------------------------------------------------------------- parity with PyTorch

def _copy_from_torch(model, torch_model):
    state = {k: mg.tensor(v.detach().numpy().copy()) for k, v in torch_model.state_dict().items()
             if not k.endswith('num_batches_tracked')}
    model.load_state_dict(state, strict=False)
    ours = set(model.state_dict())
    assert set(state) <= ours and all(k in state or 'num_batches' in k for k in ours)


def test_lenet5_matches_pytorch():
    torch = pytest.importorskip('torch')
    tnn = torch.nn

    class TorchLeNet5(tnn.Module):
        def __init__(self):
            super().__init__()
            self.features = tnn.Sequential(tnn.Conv2d(1, 6, 5, padding=2), tnn.ReLU(), tnn.MaxPool2d(2),
                                           tnn.Conv2d(6, 16, 5), tnn.ReLU(), tnn.MaxPool2d(2))
            self.classifier = tnn.Sequential(tnn.Flatten(), tnn.Linear(400, 120), tnn.ReLU(),
                                             tnn.Linear(120, 84), tnn.ReLU(), tnn.Linear(84, 10))

        def forward(self, x):
            return self.classifier(self.features(x))

    torch.manual_seed(0)
    ref = TorchLeNet5()
    model = LeNet5()
    _copy_from_torch(model, ref)
    x = np.random.default_rng(0).standard_normal((4, 1, 28, 28)).astype(np.float32)
    expected = ref(torch.from_numpy(x)).detach().numpy()
    got = model(mg.tensor(x)).numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5)


def test_vgg_mini_matches_pytorch():
    torch = pytest.importorskip('torch')
    tnn = torch.nn
    layers, c = [], 1
    for v in [32, 32, 'M', 64, 64, 'M', 128, 128, 'M']:
        if v == 'M':
            layers.append(tnn.MaxPool2d(2, 2))
        else:
            layers += [tnn.Conv2d(c, v, 3, padding=1), tnn.BatchNorm2d(v), tnn.ReLU()]
            c = v

    class TorchVGGMini(tnn.Module):
        def __init__(self):
            super().__init__()
            self.features = tnn.Sequential(*layers)
            self.avgpool = tnn.AdaptiveAvgPool2d(1)
            self.classifier = tnn.Sequential(tnn.Linear(128, 10))

        def forward(self, x):
            return self.classifier(torch.flatten(self.avgpool(self.features(x)), 1))

    torch.manual_seed(0)
    ref = TorchVGGMini()
    with torch.no_grad():       # non-trivial running statistics for eval mode
        for m in ref.modules():
            if isinstance(m, tnn.BatchNorm2d):
                m.running_mean.uniform_(-0.5, 0.5)
                m.running_var.uniform_(0.5, 2.0)
    model = VGG('vgg_mini', in_channels=1)
    _copy_from_torch(model, ref)
    x = np.random.default_rng(1).standard_normal((4, 1, 28, 28)).astype(np.float32)
    for train in (True, False):
        ref.train(train)
        model.train(train)
        expected = ref(torch.from_numpy(x)).detach().numpy()
        got = model(mg.tensor(x)).numpy()
        np.testing.assert_allclose(got, expected, rtol=1e-3, atol=1e-4)

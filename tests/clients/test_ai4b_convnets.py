"""Client port: the ConvNets lesson of Microsoft's AI-For-Beginners
(``lessons/4-ComputerVision/07-ConvNets/ConvNetsPyTorch.ipynb``) with its helper module
(ported in ``ai4b_pytorchcv.py``).

Each code cell of the notebook is a step here, written afresh and keeping every PyTorch call;
only the imports differ (``torch`` -> ``minigrad``, torchvision -> ``minigrad.data``,
``from torchinfo import summary`` -> ``from models import summary``). Changes for a quick test:
384/256 real MNIST digits and 3,000/200 synthetic CIFAR-10 images on local files
(``conftest.py``), batches of 32 for MNIST, one or two epochs; plotting is left out (the helpers
return what they would draw).
"""
import numpy as np
import pytest

import ai4b_pytorchcv as cv
import minigrad as torch
import minigrad.nn as nn
from ai4b_pytorchcv import torchvision    # `import torchvision`, as the helper module does
from models import summary


# ---- the notebook's networks (cells 3, 6 and 10) -------------------------------------------------

class OneConv(nn.Module):
    def __init__(self):
        super(OneConv, self).__init__()
        self.conv = nn.Conv2d(in_channels=1, out_channels=9, kernel_size=(5, 5))
        self.flatten = nn.Flatten()
        self.fc = nn.Linear(5184, 10)

    def forward(self, x):
        x = nn.functional.relu(self.conv(x))
        x = self.flatten(x)
        x = nn.functional.log_softmax(self.fc(x), dim=1)
        return x


class MultiLayerCNN(nn.Module):
    def __init__(self):
        super(MultiLayerCNN, self).__init__()
        self.conv1 = nn.Conv2d(1, 10, 5)
        self.pool = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(10, 20, 5)
        self.fc = nn.Linear(320, 10)

    def forward(self, x):
        x = self.pool(nn.functional.relu(self.conv1(x)))
        x = self.pool(nn.functional.relu(self.conv2(x)))
        x = x.view(-1, 320)
        x = nn.functional.log_softmax(self.fc(x), dim=1)
        return x


class LeNet(nn.Module):
    def __init__(self):
        super(LeNet, self).__init__()
        self.conv1 = nn.Conv2d(3, 6, 5)
        self.pool = nn.MaxPool2d(2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.conv3 = nn.Conv2d(16, 120, 5)
        self.flat = nn.Flatten()
        self.fc1 = nn.Linear(120, 64)
        self.fc2 = nn.Linear(64, 10)

    def forward(self, x):
        x = self.pool(nn.functional.relu(self.conv1(x)))
        x = self.pool(nn.functional.relu(self.conv2(x)))
        x = nn.functional.relu(self.conv3(x))
        x = self.flat(x)
        x = nn.functional.relu(self.fc1(x))
        x = self.fc2(x)
        return x


def load_cifar():
    """Cell 8."""
    transform = torchvision.transforms.Compose(
        [torchvision.transforms.ToTensor(),
         torchvision.transforms.Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5))])
    trainset = torchvision.datasets.CIFAR10(root='./data', train=True, download=True, transform=transform)
    trainloader = torch.utils.data.DataLoader(trainset, batch_size=14, shuffle=True)
    testset = torchvision.datasets.CIFAR10(root='./data', train=False, download=True, transform=transform)
    testloader = torch.utils.data.DataLoader(testset, batch_size=14, shuffle=False)
    return trainset, trainloader, testset, testloader


classes = ('plane', 'car', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck')


def _correlate3x3(image, kernel):
    """The valid 2-D cross-correlation of an (H, W) image with a 3x3 kernel, in NumPy."""
    h, w = image.shape
    return sum(kernel[i, j] * image[i:h - 2 + i, j:w - 2 + j] for i in range(3) for j in range(3))


# ---- the steps ----------------------------------------------------------------------------------

def test_cell1_load_mnist(workdir):
    cv.load_mnist(batch_size=128)
    image, label = cv.data_train[0]
    assert isinstance(image, torch.Tensor) and tuple(image.shape) == (1, 28, 28)
    assert image.dtype == torch.float32 and 0 <= image.min().item() < image.max().item() <= 1
    assert isinstance(label, int)
    assert len(cv.data_train) == 384 and len(cv.data_test) == 256
    features, labels = next(iter(cv.train_loader))
    assert tuple(features.shape) == (128, 1, 28, 28) and tuple(labels.shape) == (128,)
    assert len(cv.test_loader) == 2


@pytest.mark.parametrize('kernel', [[[-1., 0., 1.], [-1., 0., 1.], [-1., 0., 1.]],       # vertical edges
                                    [[-1., -1., -1.], [0., 0., 0.], [1., 1., 1.]]])     # horizontal edges
def test_cell2_plot_convolution(workdir, kernel):
    cv.load_mnist(batch_size=128)
    shown = cv.plot_convolution(torch.tensor(kernel), 'edge filter')
    assert len(shown) == 5
    for im, filtered in shown:
        assert tuple(im.shape) == (28, 28) and tuple(filtered.shape) == (26, 26)
        assert not filtered.requires_grad
    # the filtered image is the kernel's correlation with the digit (plus the layer's random bias)
    im, filtered = shown[0]
    expected = _correlate3x3(im.numpy(), np.array(kernel, dtype=np.float32))
    offset = filtered.numpy() - expected
    assert np.allclose(offset, offset[0, 0], atol=1e-5)


def test_cell3_one_conv_summary():
    net = OneConv()
    stats = summary(net, input_size=(1, 1, 28, 28))
    assert stats.total_params == 9 * 25 + 9 + 5184 * 10 + 10          # "about 50k" in the text
    assert tuple(stats.input_shape) == (1, 1, 28, 28) and tuple(stats.output_shape) == (1, 10)
    assert '[1, 9, 24, 24]' in str(stats) and '[1, 5184]' in str(stats)


def test_cell4_one_conv_trains(workdir, capsys):
    torch.manual_seed(0)
    cv.load_mnist(batch_size=32)
    net = OneConv()
    hist = cv.train(net, cv.train_loader, cv.test_loader, epochs=2)
    assert sorted(hist) == ['train_acc', 'train_loss', 'val_acc', 'val_loss']
    assert all(len(v) == 2 for v in hist.values())
    assert hist['train_loss'][1] < hist['train_loss'][0]
    assert hist['val_acc'][1] > 0.6                              # chance is 0.1
    assert capsys.readouterr().out.count('Val acc=') == 2

    # cell 5: the trained filters, one 5x5 picture each
    with torch.no_grad():
        p = next(net.conv.parameters())
        pictures = [x.detach().cpu()[0, ...] for i, x in enumerate(p)]
    assert len(pictures) == 9 and all(tuple(f.shape) == (5, 5) for f in pictures)
    assert np.array_equal(pictures[3].numpy(), net.conv.weight.numpy()[3, 0])


def test_cell6_multilayer_cnn_summary():
    net = MultiLayerCNN()
    stats = summary(net, input_size=(1, 1, 28, 28))
    assert stats.total_params == (25 * 10 + 10) + (10 * 20 * 25 + 20) + (320 * 10 + 10)   # ~8.5k
    assert tuple(stats.output_shape) == (1, 10)


def test_cell7_multilayer_cnn_trains(workdir):
    torch.manual_seed(0)
    cv.load_mnist(batch_size=32)
    net = MultiLayerCNN()
    hist = cv.train(net, cv.train_loader, cv.test_loader, epochs=2)
    assert hist['train_loss'][1] < hist['train_loss'][0]
    assert hist['val_acc'][1] > 0.6


def test_train_long_prints_progress(workdir, capsys):
    torch.manual_seed(0)
    cv.load_mnist(batch_size=32)
    net = MultiLayerCNN()
    cv.train_long(net, cv.train_loader, cv.test_loader, epochs=1, print_freq=4)
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(':')[0] for line in lines[:3]] == [
        'Epoch 0, minibatch 0', 'Epoch 0, minibatch 4', 'Epoch 0, minibatch 8']
    assert lines[-1].startswith('Epoch 0 done, validation acc = ')
    assert float(lines[-1].split('=')[1].split(',')[0]) > 0.3


def test_cell8_load_cifar(workdir):
    trainset, trainloader, testset, testloader = load_cifar()
    image, label = trainset[0]
    assert isinstance(image, torch.Tensor) and tuple(image.shape) == (3, 32, 32)
    assert -1 <= image.min().item() < image.max().item() <= 1           # Normalize(0.5, 0.5)
    assert len(trainset) == 3000 and len(testset) == 200
    images, labels = next(iter(trainloader))
    assert tuple(images.shape) == (14, 3, 32, 32) and labels.dtype == torch.int64
    assert len(testloader) == 15


def test_cell9_display_dataset(workdir):
    trainset = load_cifar()[0]
    shown = cv.display_dataset(trainset, classes=classes)
    assert len(shown) == 10
    for image, title in shown:
        assert np.asarray(image).shape == (32, 32, 3)
        assert title in classes
    values = np.stack([np.asarray(image) for image, _ in shown])
    assert values.min() == 0 and abs(values.max() - 1) < 1e-6


def test_cell10_lenet_summary():
    net = LeNet()
    stats = summary(net, input_size=(1, 3, 32, 32))
    assert stats.total_params == 456 + 2416 + 48120 + 7744 + 650
    assert tuple(stats.output_shape) == (1, 10) and '[1, 120, 1, 1]' in str(stats)


def test_cell11_lenet_trains_with_sgd_and_cross_entropy(workdir):
    torch.manual_seed(0)
    _, trainloader, _, testloader = load_cifar()
    net = LeNet()
    opt = torch.optim.SGD(net.parameters(), lr=0.001, momentum=0.9)
    hist = cv.train(net, trainloader, testloader, epochs=3, optimizer=opt, loss_fn=nn.CrossEntropyLoss())
    assert hist['train_loss'][2] < hist['train_loss'][0]
    assert hist['val_acc'][2] > 0.5                      # chance is 0.1


def test_helper_common_transform_and_random_split(workdir):
    """The cats-and-dogs loader's steps (a later lesson), on CIFAR images instead of ImageFolder."""
    dataset = torchvision.datasets.CIFAR10('./data', train=True, transform=cv.common_transform())
    trainset, testset = torch.utils.data.random_split(dataset, [2000, len(dataset) - 2000])
    assert len(trainset) == 2000 and len(testset) == 1000
    trainloader = torch.utils.data.DataLoader(trainset, batch_size=32)
    images, labels = next(iter(trainloader))
    assert tuple(images.shape) == (32, 3, 224, 224) and images.dtype == torch.float32
    assert tuple(labels.shape) == (32,)
    # ImageNet normalisation of [0, 1] pixels: each channel within [-mean/std, (1-mean)/std]
    lows = [-m / s for m, s in zip((0.485, 0.456, 0.406), (0.229, 0.224, 0.225))]
    per_channel_min = images.numpy().min(axis=(0, 2, 3))
    assert all(lo - 1e-4 <= v for lo, v in zip(lows, per_channel_min))
    assert images.numpy().min() < 0 < images.numpy().max()

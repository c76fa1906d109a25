"""Client port: ``pytorchcv.py``, the helper module of the computer-vision lessons of Microsoft's
AI-For-Beginners (``lessons/4-ComputerVision/07-ConvNets/pytorchcv.py``).

Written afresh after the original, keeping every PyTorch call it makes; only the imports differ
(``torch`` -> ``minigrad``, torchvision's datasets and ``ToTensor`` -> ``minigrad.data``).
Plotting is left out: ``plot_convolution`` and ``display_dataset`` compute what they would draw
and return it instead. ``load_mnist`` keeps its datasets and loaders in this module's globals
(the original puts them in ``builtins``, which a test suite should not). Of the cats-and-dogs
helpers (used by a later lesson) ``common_transform`` is ported; the image checks and the
ImageFolder loader need PIL and JPEG decoding, which minigrad does not have.
"""
import types

import numpy as np

import minigrad as torch
import minigrad.data
import minigrad.nn as nn
from minigrad.data.transforms import ToTensor

# `import torchvision`: minigrad.data holds both the datasets and the transforms
torchvision = types.SimpleNamespace(datasets=minigrad.data, transforms=minigrad.data.transforms)

default_device = 'cuda' if torch.cuda.is_available() else 'cpu'

data_train = data_test = train_loader = test_loader = None


def load_mnist(batch_size=64):
    global data_train, data_test, train_loader, test_loader
    data_train = torchvision.datasets.MNIST('./data', download=True, train=True, transform=ToTensor())
    data_test = torchvision.datasets.MNIST('./data', download=True, train=False, transform=ToTensor())
    train_loader = torch.utils.data.DataLoader(data_train, batch_size=batch_size)
    test_loader = torch.utils.data.DataLoader(data_test, batch_size=batch_size)


def train_epoch(net, dataloader, lr=0.01, optimizer=None, loss_fn=nn.NLLLoss()):
    optimizer = optimizer or torch.optim.Adam(net.parameters(), lr=lr)
    net.train()
    total_loss, acc, count = 0, 0, 0
    for features, labels in dataloader:
        optimizer.zero_grad()
        lbls = labels.to(default_device)
        out = net(features.to(default_device))
        loss = loss_fn(out, lbls)
        loss.backward()
        optimizer.step()
        total_loss += loss
        _, predicted = torch.max(out, 1)
        acc += (predicted == lbls).sum()
        count += len(labels)
    return total_loss.item() / count, acc.item() / count


def validate(net, dataloader, loss_fn=nn.NLLLoss()):
    net.eval()
    count, acc, loss = 0, 0, 0
    with torch.no_grad():
        for features, labels in dataloader:
            lbls = labels.to(default_device)
            out = net(features.to(default_device))
            loss += loss_fn(out, lbls)
            pred = torch.max(out, 1)[1]
            acc += (pred == lbls).sum()
            count += len(labels)
    return loss.item() / count, acc.item() / count


def train(net, train_loader, test_loader, optimizer=None, lr=0.01, epochs=10, loss_fn=nn.NLLLoss()):
    optimizer = optimizer or torch.optim.Adam(net.parameters(), lr=lr)
    res = {'train_loss': [], 'train_acc': [], 'val_loss': [], 'val_acc': []}
    for ep in range(epochs):
        tl, ta = train_epoch(net, train_loader, optimizer=optimizer, lr=lr, loss_fn=loss_fn)
        vl, va = validate(net, test_loader, loss_fn=loss_fn)
        print(f"Epoch {ep:2}, Train acc={ta:.3f}, Val acc={va:.3f}, Train loss={tl:.3f}, Val loss={vl:.3f}")
        res['train_loss'].append(tl)
        res['train_acc'].append(ta)
        res['val_loss'].append(vl)
        res['val_acc'].append(va)
    return res


def train_long(net, train_loader, test_loader, epochs=5, lr=0.01, optimizer=None, loss_fn=nn.NLLLoss(),
               print_freq=10):
    optimizer = optimizer or torch.optim.Adam(net.parameters(), lr=lr)
    for epoch in range(epochs):
        net.train()
        total_loss, acc, count = 0, 0, 0
        for i, (features, labels) in enumerate(train_loader):
            lbls = labels.to(default_device)
            optimizer.zero_grad()
            out = net(features.to(default_device))
            loss = loss_fn(out, lbls)
            loss.backward()
            optimizer.step()
            total_loss += loss
            _, predicted = torch.max(out, 1)
            acc += (predicted == lbls).sum()
            count += len(labels)
            if i % print_freq == 0:
                print("Epoch {}, minibatch {}: train acc = {}, train loss = {}".format(
                    epoch, i, acc.item() / count, total_loss.item() / count))
        vl, va = validate(net, test_loader, loss_fn)
        print("Epoch {} done, validation acc = {}, validation loss = {}".format(epoch, va, vl))


def plot_convolution(t, title=''):
    """The first five training digits and the digits filtered by a 3x3 convolution with kernel t.

    Returns ``[(image (28, 28), filtered (26, 26)), ...]``: what the original draws.
    """
    shown = []
    with torch.no_grad():
        c = nn.Conv2d(kernel_size=(3, 3), out_channels=1, in_channels=1)
        c.weight.copy_(t)
        for i in range(5):
            im = data_train[i][0]
            shown.append((im[0], c(im.unsqueeze(0))[0][0]))
    return shown


def display_dataset(dataset, n=10, classes=None):
    """The first n images scaled into [0, 1] as (H, W, C) arrays, and their titles (or None)."""
    mn = min([dataset[i][0].min() for i in range(n)])
    mx = max([dataset[i][0].max() for i in range(n)])
    shown = []
    for i in range(n):
        image = np.transpose((dataset[i][0] - mn) / (mx - mn), (1, 2, 0))
        shown.append((image, classes[dataset[i][1]] if classes else None))
    return shown


def common_transform():
    std_normalize = torchvision.transforms.Normalize(mean=[0.485, 0.456, 0.406],
                                                     std=[0.229, 0.224, 0.225])
    trans = torchvision.transforms.Compose([
        torchvision.transforms.Resize(256),
        torchvision.transforms.CenterCrop(224),
        torchvision.transforms.ToTensor(),
        std_normalize])
    return trans

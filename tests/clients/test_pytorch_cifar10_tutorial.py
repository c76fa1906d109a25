"""Client port: PyTorch's "Training a Classifier" (the 60-minute blitz,
``beginner_source/blitz/cifar10_tutorial.py``): CIFAR-10 through ``ToTensor`` + ``Normalize``, a
DataLoader with worker processes, a small CNN, SGD with momentum, save and load, accuracy overall
and per class, moving the net to a device.

Written afresh, step by step, keeping every PyTorch call its reader writes; only the imports
differ (``torch`` -> ``minigrad``, torchvision's datasets and transforms -> ``minigrad.data``).
Changes for a quick test: 3,000/200 synthetic images in CIFAR-10's binary format on local files
(``conftest.py``), a running loss printed every 250 mini-batches instead of 2000; the image
grid (``torchvision.utils.make_grid`` + matplotlib) is left out, but ``imshow``'s arithmetic is
kept. The overall accuracy uses the tutorial's 2019 form ``torch.max(outputs.data, 1)``; the
per-class one its current form.
"""
import contextlib
import io
import os
import re
import types

import numpy as np
import pytest

import minigrad as torch
import minigrad.data
import minigrad.nn as nn
import minigrad.nn.functional as F
import minigrad.optim as optim
import minigrad.data.transforms as transforms

# `import torchvision`: its datasets are in minigrad.data
torchvision = types.SimpleNamespace(datasets=minigrad.data)

batch_size = 4
classes = ('plane', 'car', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck')


def load_data():
    transform = transforms.Compose(
        [transforms.ToTensor(),
         transforms.Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5))])
    trainset = torchvision.datasets.CIFAR10(root='./data', train=True, download=True, transform=transform)
    trainloader = torch.utils.data.DataLoader(trainset, batch_size=batch_size, shuffle=True, num_workers=2)
    testset = torchvision.datasets.CIFAR10(root='./data', train=False, download=True, transform=transform)
    testloader = torch.utils.data.DataLoader(testset, batch_size=batch_size, shuffle=False, num_workers=2)
    return trainset, trainloader, testset, testloader


def imshow(img):
    """The tutorial's imshow without the drawing: returns what it would show."""
    img = img / 2 + 0.5     # unnormalize
    npimg = img.numpy()
    return np.transpose(npimg, (1, 2, 0))


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 6, 5)
        self.pool = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        x = torch.flatten(x, 1)     # flatten all dimensions except batch
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        x = self.fc3(x)
        return x


# ---- the steps ----------------------------------------------------------------------------------

def test_load_and_show_some_training_images(workdir, capsys):
    trainset, trainloader, testset, testloader = load_data()
    assert len(trainset) == 3000 and len(testset) == 200 and len(trainloader) == 750
    dataiter = iter(trainloader)
    images, labels = next(dataiter)
    assert tuple(images.shape) == (4, 3, 32, 32) and tuple(labels.shape) == (4,)
    shown = imshow(images[0])
    assert shown.shape == (32, 32, 3) and 0 <= shown.min() and shown.max() <= 1
    print(' '.join(f'{classes[labels[j]]:5s}' for j in range(batch_size)))
    names = capsys.readouterr().out.split()
    assert len(names) == 4 and all(name in classes for name in names)


def test_net_output_shape():
    net = Net()
    assert tuple(net(torch.randn(2, 3, 32, 32)).shape) == (2, 10)


@pytest.fixture(scope='module')
def trained(tmp_path_factory, client_data):
    """Steps 3 and 4 (the loss, the optimizer, two epochs of training, saving the net), once for
    the tests that look at the result: ``(path of the saved net, what the steps printed)``."""
    folder = tmp_path_factory.mktemp('cifar_tutorial')
    os.symlink(client_data, folder / 'data')
    printed = io.StringIO()
    with pytest.MonkeyPatch.context() as mp, contextlib.redirect_stdout(printed):
        mp.chdir(folder)
        train_and_save()
    return folder / 'cifar_net.pth', printed.getvalue()


def train_and_save():
    torch.manual_seed(0)
    _, trainloader, _, _ = load_data()
    net = Net()
    criterion = nn.CrossEntropyLoss()
    optimizer = optim.SGD(net.parameters(), lr=0.001, momentum=0.9)
    for epoch in range(2):
        running_loss = 0.0
        for i, data in enumerate(trainloader, 0):
            inputs, labels = data
            optimizer.zero_grad()
            outputs = net(inputs)
            loss = criterion(outputs, labels)
            loss.backward()
            optimizer.step()
            running_loss += loss.item()
            if i % 250 == 249:
                print(f'[{epoch + 1}, {i + 1:5d}] loss: {running_loss / 250:.3f}')
                running_loss = 0.0
    print('Finished Training')
    PATH = './cifar_net.pth'
    torch.save(net.state_dict(), PATH)


def test_training_lowers_the_running_loss(trained):
    _, out = trained
    losses = [float(v) for v in re.findall(r'\] loss: ([0-9.]+)', out)]
    assert len(losses) == 6 and out.rstrip().endswith('Finished Training')
    assert losses[-1] < 0.5 * losses[0]          # ln(10) = 2.30 at the start


def test_reloaded_net_predicts_and_scores(trained, workdir, capsys):
    PATH = trained[0]
    testloader = load_data()[3]
    dataiter = iter(testloader)
    images, labels = next(dataiter)
    print('GroundTruth: ', ' '.join(f'{classes[labels[j]]:5s}' for j in range(4)))
    net = Net()
    net.load_state_dict(torch.load(PATH, weights_only=True))
    outputs = net(images)
    _, predicted = torch.max(outputs, 1)
    print('Predicted: ', ' '.join(f'{classes[predicted[j]]:5s}' for j in range(4)))
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith('GroundTruth: ') and lines[1].startswith('Predicted: ')
    assert len(lines[1].split()) == 5

    correct = 0
    total = 0
    with torch.no_grad():
        for data in testloader:
            images, labels = data
            outputs = net(images)
            _, predicted = torch.max(outputs.data, 1)
            total += labels.size(0)
            correct += (predicted == labels).sum().item()
    print(f'Accuracy of the network on the 10000 test images: {100 * correct // total} %')
    assert total == 200 and correct / total > 0.5                # chance is 0.1

    correct_pred = {classname: 0 for classname in classes}
    total_pred = {classname: 0 for classname in classes}
    with torch.no_grad():
        for data in testloader:
            images, labels = data
            outputs = net(images)
            _, predictions = torch.max(outputs, 1)
            for label, prediction in zip(labels, predictions):
                if label == prediction:
                    correct_pred[classes[label]] += 1
                total_pred[classes[label]] += 1
    for classname, correct_count in correct_pred.items():
        accuracy = 100 * float(correct_count) / total_pred[classname]
        print(f'Accuracy for class: {classname:5s} is {accuracy:.1f} %')
    assert sum(total_pred.values()) == 200 and sum(correct_pred.values()) == correct
    assert capsys.readouterr().out.count('Accuracy for class:') == 10


def test_training_on_a_device(workdir):
    device = torch.device('cuda:0' if torch.cuda.is_available() else 'cpu')
    assert str(device) in ('cpu', 'cuda:0')
    net = Net()
    net.to(device)
    _, trainloader, _, _ = load_data()
    data = next(iter(trainloader))
    inputs, labels = data[0].to(device), data[1].to(device)
    assert inputs.device == device and labels.device == device
    assert net(inputs).device == device

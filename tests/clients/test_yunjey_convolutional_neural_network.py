"""Client port: yunjey/pytorch-tutorial,
``tutorials/02-intermediate/convolutional_neural_network/main.py``: two Conv-BatchNorm-ReLU-MaxPool
blocks in ``nn.Sequential``, ``out.reshape(out.size(0), -1)``, Adam, ``model.eval()`` before
testing (batch norm then uses its running statistics).

Written afresh, keeping every PyTorch call its reader writes; only the imports differ (``torch``
-> ``minigrad``, torchvision's datasets/transforms -> ``minigrad.data``). Deviations for a quick
test: 384/256 real digits on local files (``conftest.py``), batches of 32 (the original: batches
of 100, 5 epochs of 60,000 images), the loss printed every 4 steps instead of 100.
"""
import re
import types

import numpy as np

import minigrad as torch
import minigrad.data
import minigrad.nn as nn
import minigrad.data.transforms as transforms

torchvision = types.SimpleNamespace(datasets=minigrad.data)

# Device configuration
device = torch.device('cuda:0' if torch.cuda.is_available() else 'cpu')

# Hyper parameters
num_epochs = 5
num_classes = 10
batch_size = 32
learning_rate = 0.001


# Convolutional neural network (two convolutional layers)
class ConvNet(nn.Module):
    def __init__(self, num_classes=10):
        super(ConvNet, self).__init__()
        self.layer1 = nn.Sequential(
            nn.Conv2d(1, 16, kernel_size=5, stride=1, padding=2),
            nn.BatchNorm2d(16),
            nn.ReLU(),
            nn.MaxPool2d(kernel_size=2, stride=2))
        self.layer2 = nn.Sequential(
            nn.Conv2d(16, 32, kernel_size=5, stride=1, padding=2),
            nn.BatchNorm2d(32),
            nn.ReLU(),
            nn.MaxPool2d(kernel_size=2, stride=2))
        self.fc = nn.Linear(7*7*32, num_classes)

    def forward(self, x):
        out = self.layer1(x)
        out = self.layer2(out)
        out = out.reshape(out.size(0), -1)
        out = self.fc(out)
        return out


def main():
    # MNIST dataset
    train_dataset = torchvision.datasets.MNIST(root='./data',
                                               train=True,
                                               transform=transforms.ToTensor(),
                                               download=True)

    test_dataset = torchvision.datasets.MNIST(root='./data',
                                              train=False,
                                              transform=transforms.ToTensor())

    # Data loader
    train_loader = torch.utils.data.DataLoader(dataset=train_dataset,
                                               batch_size=batch_size,
                                               shuffle=True)

    test_loader = torch.utils.data.DataLoader(dataset=test_dataset,
                                              batch_size=batch_size,
                                              shuffle=False)

    model = ConvNet(num_classes).to(device)

    # Loss and optimizer
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=learning_rate)

    # Train the model
    total_step = len(train_loader)
    for epoch in range(num_epochs):
        for i, (images, labels) in enumerate(train_loader):
            images = images.to(device)
            labels = labels.to(device)

            # Forward pass
            outputs = model(images)
            loss = criterion(outputs, labels)

            # Backward and optimize
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()

            if (i+1) % 4 == 0:
                print('Epoch [{}/{}], Step [{}/{}], Loss: {:.4f}'
                      .format(epoch+1, num_epochs, i+1, total_step, loss.item()))

    # Test the model
    model.eval()  # eval mode (batchnorm uses moving mean/variance instead of mini-batch mean/variance)
    with torch.no_grad():
        correct = 0
        total = 0
        for images, labels in test_loader:
            images = images.to(device)
            labels = labels.to(device)
            outputs = model(images)
            _, predicted = torch.max(outputs.data, 1)
            total += labels.size(0)
            correct += (predicted == labels).sum().item()

        print('Test Accuracy of the model on the 10000 test images: {} %'.format(100 * correct / total))

    # Save the model checkpoint
    torch.save(model.state_dict(), 'model.ckpt')
    return model


def test_convnet_shapes():
    model = ConvNet(num_classes).to(device)
    x = torch.randn(4, 1, 28, 28)
    assert tuple(model.layer1(x).shape) == (4, 16, 14, 14)
    assert tuple(model.layer2(model.layer1(x)).shape) == (4, 32, 7, 7)
    assert tuple(model(x).shape) == (4, 10)


def test_convnet_learns_mnist(workdir, capsys):
    torch.manual_seed(0)
    model = main()
    out = capsys.readouterr().out
    losses = [float(v) for v in re.findall(r'Loss: ([0-9.]+)', out)]
    assert len(losses) == 5 * 3
    assert np.mean(losses[-2:]) < 0.5 * np.mean(losses[:2])
    accuracy = float(re.search(r'test images: ([0-9.]+) %', out).group(1))
    assert accuracy > 80                                        # chance is 10 %
    assert not model.training
    state = torch.load('model.ckpt')
    assert 'layer1.1.running_mean' in state and 'layer1.1.num_batches_tracked' in state
    assert state['layer1.1.num_batches_tracked'].item() == 5 * 12

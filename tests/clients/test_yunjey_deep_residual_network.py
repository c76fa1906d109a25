"""Client port: yunjey/pytorch-tutorial, ``tutorials/02-intermediate/deep_residual_network/main.py``:
a CIFAR-10 ResNet (3 stages of 2 residual blocks, 16-32-64 channels) built from ``conv3x3``,
``ResidualBlock`` (``nn.ReLU(inplace=True)``, ``if self.downsample:``, ``out += residual``) and
``make_layer``; augmentation with ``transforms.Pad``, ``RandomHorizontalFlip``, ``RandomCrop``;
Adam with the learning rate decayed by hand through ``optimizer.param_groups`` (``update_lr``).

Written afresh, keeping every PyTorch call its reader writes; only the imports differ (``torch``
-> ``minigrad``, torchvision's datasets/transforms -> ``minigrad.data``). Deviations for a quick
test: the synthetic CIFAR-10 of ``conftest.py``, of which the first 800 training images are
used (``Subset``) for 3 epochs instead of 50,000 for 80, batches of 50 instead of 100, the loss
printed every 4 steps instead of 100, and the learning rate divided by 3 after every epoch
instead of every 20th.
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
device = torch.device('cuda' if torch.cuda.is_available() else 'cpu')

# Hyper-parameters
num_epochs = 3
batch_size = 50
learning_rate = 0.001

# Image preprocessing modules
transform = transforms.Compose([
    transforms.Pad(4),
    transforms.RandomHorizontalFlip(),
    transforms.RandomCrop(32),
    transforms.ToTensor()])


# 3x3 convolution
def conv3x3(in_channels, out_channels, stride=1):
    return nn.Conv2d(in_channels, out_channels, kernel_size=3,
                     stride=stride, padding=1, bias=False)


# Residual block
class ResidualBlock(nn.Module):
    def __init__(self, in_channels, out_channels, stride=1, downsample=None):
        super(ResidualBlock, self).__init__()
        self.conv1 = conv3x3(in_channels, out_channels, stride)
        self.bn1 = nn.BatchNorm2d(out_channels)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = conv3x3(out_channels, out_channels)
        self.bn2 = nn.BatchNorm2d(out_channels)
        self.downsample = downsample

    def forward(self, x):
        residual = x
        out = self.conv1(x)
        out = self.bn1(out)
        out = self.relu(out)
        out = self.conv2(out)
        out = self.bn2(out)
        if self.downsample:
            residual = self.downsample(x)
        out += residual
        out = self.relu(out)
        return out


# ResNet
class ResNet(nn.Module):
    def __init__(self, block, layers, num_classes=10):
        super(ResNet, self).__init__()
        self.in_channels = 16
        self.conv = conv3x3(3, 16)
        self.bn = nn.BatchNorm2d(16)
        self.relu = nn.ReLU(inplace=True)
        self.layer1 = self.make_layer(block, 16, layers[0])
        self.layer2 = self.make_layer(block, 32, layers[1], 2)
        self.layer3 = self.make_layer(block, 64, layers[2], 2)
        self.avg_pool = nn.AvgPool2d(8)
        self.fc = nn.Linear(64, num_classes)

    def make_layer(self, block, out_channels, blocks, stride=1):
        downsample = None
        if (stride != 1) or (self.in_channels != out_channels):
            downsample = nn.Sequential(
                conv3x3(self.in_channels, out_channels, stride=stride),
                nn.BatchNorm2d(out_channels))
        layers = []
        layers.append(block(self.in_channels, out_channels, stride, downsample))
        self.in_channels = out_channels
        for i in range(1, blocks):
            layers.append(block(out_channels, out_channels))
        return nn.Sequential(*layers)

    def forward(self, x):
        out = self.conv(x)
        out = self.bn(out)
        out = self.relu(out)
        out = self.layer1(out)
        out = self.layer2(out)
        out = self.layer3(out)
        out = self.avg_pool(out)
        out = out.view(out.size(0), -1)
        out = self.fc(out)
        return out


# For updating learning rate
def update_lr(optimizer, lr):
    for param_group in optimizer.param_groups:
        param_group['lr'] = lr


def main():
    # CIFAR-10 dataset
    train_dataset = torchvision.datasets.CIFAR10(root='./data/',
                                                 train=True,
                                                 transform=transform,
                                                 download=True)

    test_dataset = torchvision.datasets.CIFAR10(root='./data/',
                                                train=False,
                                                transform=transforms.ToTensor())
    train_dataset = torch.utils.data.Subset(train_dataset, range(800))    # (the port's cut)

    # Data loader
    train_loader = torch.utils.data.DataLoader(dataset=train_dataset,
                                               batch_size=batch_size,
                                               shuffle=True)

    test_loader = torch.utils.data.DataLoader(dataset=test_dataset,
                                              batch_size=batch_size,
                                              shuffle=False)

    model = ResNet(ResidualBlock, [2, 2, 2]).to(device)

    # Loss and optimizer
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=learning_rate)

    # Train the model
    total_step = len(train_loader)
    curr_lr = learning_rate
    lrs = []
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
                print("Epoch [{}/{}], Step [{}/{}] Loss: {:.4f}"
                      .format(epoch+1, num_epochs, i+1, total_step, loss.item()))

        # Decay learning rate
        if (epoch+1) % 1 == 0:
            curr_lr /= 3
            update_lr(optimizer, curr_lr)
        lrs.append(optimizer.param_groups[0]['lr'])    # (the port's record)

    # Test the model
    model.eval()
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

        print('Accuracy of the model on the test images: {} %'.format(100 * correct / total))

    # Save the model checkpoint
    torch.save(model.state_dict(), 'resnet.ckpt')
    return model, optimizer, lrs


def test_augmentation_keeps_the_image_shape(workdir):
    train_dataset = torchvision.datasets.CIFAR10(root='./data/', train=True, transform=transform)
    plain = torchvision.datasets.CIFAR10(root='./data/', train=True, transform=transforms.ToTensor())
    image, label = train_dataset[0]
    assert tuple(image.shape) == (3, 32, 32) and image.dtype == torch.float32
    assert label == plain[0][1]
    # padding 4 then a random 32x32 crop: the pixels are the original's, shifted (or flipped)
    padded = transforms.Pad(4)(plain[0][0])
    assert tuple(padded.shape) == (3, 40, 40) and padded[:, :4].abs().sum().item() == 0


def test_resnet_shapes_and_blocks():
    model = ResNet(ResidualBlock, [2, 2, 2])
    x = torch.randn(2, 3, 32, 32)
    assert tuple(model.layer1(model.relu(model.bn(model.conv(x)))).shape) == (2, 16, 32, 32)
    assert tuple(model(x).shape) == (2, 10)
    assert model.layer1[0].downsample is None and model.layer2[0].downsample is not None
    assert len(model.layer3) == 2


def test_resnet_trains_with_decaying_lr(workdir, capsys):
    torch.manual_seed(0)
    model, optimizer, lrs = main()
    out = capsys.readouterr().out
    losses = [float(v) for v in re.findall(r'Loss: ([0-9.]+)', out)]
    assert len(losses) == 3 * 4 and 'Step [16/16]' in out
    assert np.mean(losses[-3:]) < 0.5 * np.mean(losses[:2])
    assert np.allclose(lrs, [0.001 / 3, 0.001 / 9, 0.001 / 27])
    accuracy = float(re.search(r'test images: ([0-9.]+) %', out).group(1))
    assert accuracy > 50                                        # chance is 10 %
    state = torch.load('resnet.ckpt')
    assert 'layer2.0.downsample.1.running_var' in state

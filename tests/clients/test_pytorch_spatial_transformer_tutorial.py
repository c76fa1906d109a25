"""Client port: PyTorch's "Spatial Transformer Networks" tutorial
(``intermediate_source/spatial_transformer_tutorial.py``): a localisation network regressing a
2x3 affine matrix (its last layer set to the identity through ``.weight.data.zero_()`` and
``.bias.data.copy_(...)``), ``F.affine_grid`` + ``F.grid_sample`` in front of a small classifier
with ``nn.Dropout2d`` and ``F.dropout(x, training=self.training)``, SGD, the test loop with the
legacy ``size_average=False``, and ``visualize_stn``'s ``make_grid`` + ``convert_image_np``.

Written afresh after the tutorial, keeping every PyTorch call its reader writes; only the imports
differ (``torch`` -> ``minigrad``, torchvision's datasets/transforms/utils -> ``minigrad.data``).
Changes for a quick test: MNIST is the 384/256 digits of ``conftest.py`` (``root='.'`` finds
them through a link), training batches of 16 instead of 64 at lr 0.02 instead of 0.01 (24
batches an epoch where the tutorial has 938), the loss printed every 2 batches instead of 500;
plotting is left out.
"""
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
from minigrad.data import transforms
import minigrad.data.utils

datasets = minigrad.data
torchvision = types.SimpleNamespace(utils=minigrad.data.utils)

device = torch.device("cuda" if torch.cuda.is_available() else "cpu")


class Net(nn.Module):
    def __init__(self):
        super(Net, self).__init__()
        self.conv1 = nn.Conv2d(1, 10, kernel_size=5)
        self.conv2 = nn.Conv2d(10, 20, kernel_size=5)
        self.conv2_drop = nn.Dropout2d()
        self.fc1 = nn.Linear(320, 50)
        self.fc2 = nn.Linear(50, 10)

        # Spatial transformer localization-network
        self.localization = nn.Sequential(
            nn.Conv2d(1, 8, kernel_size=7),
            nn.MaxPool2d(2, stride=2),
            nn.ReLU(True),
            nn.Conv2d(8, 10, kernel_size=5),
            nn.MaxPool2d(2, stride=2),
            nn.ReLU(True)
        )

        # Regressor for the 3 * 2 affine matrix
        self.fc_loc = nn.Sequential(
            nn.Linear(10 * 3 * 3, 32),
            nn.ReLU(True),
            nn.Linear(32, 3 * 2)
        )

        # Initialize the weights/bias with identity transformation
        self.fc_loc[2].weight.data.zero_()
        self.fc_loc[2].bias.data.copy_(torch.tensor([1, 0, 0, 0, 1, 0], dtype=torch.float))

    # Spatial transformer network forward function
    def stn(self, x):
        xs = self.localization(x)
        xs = xs.view(-1, 10 * 3 * 3)
        theta = self.fc_loc(xs)
        theta = theta.view(-1, 2, 3)

        grid = F.affine_grid(theta, x.size())
        x = F.grid_sample(x, grid)

        return x

    def forward(self, x):
        # transform the input
        x = self.stn(x)

        # Perform the usual forward pass
        x = F.relu(F.max_pool2d(self.conv1(x), 2))
        x = F.relu(F.max_pool2d(self.conv2_drop(self.conv2(x)), 2))
        x = x.view(-1, 320)
        x = F.relu(self.fc1(x))
        x = F.dropout(x, training=self.training)
        x = self.fc2(x)
        return F.log_softmax(x, dim=1)


def convert_image_np(inp):
    """Convert a Tensor to numpy image."""
    inp = inp.numpy().transpose((1, 2, 0))
    mean = np.array([0.485, 0.456, 0.406])
    std = np.array([0.229, 0.224, 0.225])
    inp = std * inp + mean
    inp = np.clip(inp, 0, 1)
    return inp


def run():
    # Training dataset
    train_loader = torch.utils.data.DataLoader(
        datasets.MNIST(root='.', train=True, download=True,
                       transform=transforms.Compose([
                           transforms.ToTensor(),
                           transforms.Normalize((0.1307,), (0.3081,))
                       ])), batch_size=16, shuffle=True, num_workers=4)
    # Test dataset
    test_loader = torch.utils.data.DataLoader(
        datasets.MNIST(root='.', train=False, transform=transforms.Compose([
            transforms.ToTensor(),
            transforms.Normalize((0.1307,), (0.3081,))
        ])), batch_size=64, shuffle=True, num_workers=4)

    model = Net().to(device)

    optimizer = optim.SGD(model.parameters(), lr=0.02)

    def train(epoch):
        model.train()
        for batch_idx, (data, target) in enumerate(train_loader):
            data, target = data.to(device), target.to(device)

            optimizer.zero_grad()
            output = model(data)
            loss = F.nll_loss(output, target)
            loss.backward()
            optimizer.step()
            if batch_idx % 2 == 0:
                print('Train Epoch: {} [{}/{} ({:.0f}%)]\tLoss: {:.6f}'.format(
                    epoch, batch_idx * len(data), len(train_loader.dataset),
                    100. * batch_idx / len(train_loader), loss.item()))

    # A simple test procedure to measure the STN performances on MNIST.
    def test():
        with torch.no_grad():
            model.eval()
            test_loss = 0
            correct = 0
            for data, target in test_loader:
                data, target = data.to(device), target.to(device)
                output = model(data)

                # sum up batch loss
                test_loss += F.nll_loss(output, target, size_average=False).item()
                # get the index of the max log-probability
                pred = output.max(1, keepdim=True)[1]
                correct += pred.eq(target.view_as(pred)).sum().item()

            test_loss /= len(test_loader.dataset)
            print('\nTest set: Average loss: {:.4f}, Accuracy: {}/{} ({:.0f}%)\n'
                  .format(test_loss, correct, len(test_loader.dataset),
                          100. * correct / len(test_loader.dataset)))

    def visualize_stn():
        with torch.no_grad():
            # Get a batch of training data
            data = next(iter(test_loader))[0].to(device)

            input_tensor = data.cpu()
            transformed_input_tensor = model.stn(data).cpu()

            in_grid = convert_image_np(
                torchvision.utils.make_grid(input_tensor))

            out_grid = convert_image_np(
                torchvision.utils.make_grid(transformed_input_tensor))
            return in_grid, out_grid          # (plotted side by side in the tutorial)

    for epoch in range(1, 20 + 1):
        train(epoch)
        test()
    return model, visualize_stn()


def test_identity_initialisation_leaves_the_image_unchanged():
    torch.manual_seed(0)
    model = Net()
    x = torch.rand(2, 1, 28, 28)
    # theta starts as [[1, 0, 0], [0, 1, 0]]: grid_sample of the identity grid gives x back
    assert np.allclose(model.fc_loc(model.localization(x).view(-1, 90)).detach().numpy(),
                       [[1, 0, 0, 0, 1, 0]] * 2)
    assert np.allclose(model.stn(x).detach().numpy(), x.numpy(), atol=1e-5)
    assert tuple(model(x).shape) == (2, 10)


def test_stn_trains_and_visualises(workdir, capsys):
    os.symlink(workdir / 'data' / 'MNIST', workdir / 'MNIST')       # root='.'
    torch.manual_seed(0)
    with pytest.warns(UserWarning, match='size_average'):
        model, (in_grid, out_grid) = run()
    out = capsys.readouterr().out
    losses = [float(v) for v in re.findall(r'\tLoss: ([0-9.]+)', out)]
    results = [(float(l), int(c)) for l, c in re.findall(r'Average loss: ([0-9.]+), Accuracy: (\d+)/256', out)]
    assert len(losses) == 20 * 12 and len(results) == 20
    assert np.mean(losses[-12:]) < 0.5 * np.mean(losses[:12])
    assert results[-1][1] > 0.7 * 256 and results[-1][0] < results[0][0]
    # the localisation net has learnt something: theta moved away from the identity
    assert np.abs(model.fc_loc[2].weight.detach().numpy()).max() > 0
    assert in_grid.shape == out_grid.shape == (2 + 8 * 30, 2 + 8 * 30, 3)
    assert 0 <= out_grid.min() and out_grid.max() <= 1

"""Client port: the PyTorch MNIST-with-an-RNN example (github.com/pytorch/examples,
``mnist_rnn/main.py``): each image read row by row by an ``nn.LSTM(batch_first=True)``, the last
output through ``BatchNorm1d``, ``Dropout2d`` and two linear layers; Adadelta and StepLR.

Written afresh, keeping every PyTorch call; only the imports differ (``torch`` -> ``minigrad``,
torchvision's datasets/transforms -> ``minigrad.data``). The ``train``/``test`` functions are the
MNIST example's (``test_pytorch_examples_mnist.py``), identical in both programs apart from
``test``'s dry-run break. Changes for a quick test: 384/256 digits (``conftest.py``), four
epochs of batches of 16 at ``lr=1.0`` instead of 14 epochs of 64 at ``lr=0.1`` (which, on
384 digits, would not leave chance level).
"""
import re
import types

import minigrad as torch
import minigrad.nn as nn
import minigrad.nn.functional as F
import minigrad.optim as optim
from minigrad import data as datasets
from minigrad.data import transforms
from minigrad.optim.lr_scheduler import StepLR
from test_pytorch_examples_mnist import test as evaluate, train


class Net(nn.Module):
    def __init__(self):
        super(Net, self).__init__()
        self.rnn = nn.LSTM(input_size=28, hidden_size=64, batch_first=True)
        self.batchnorm = nn.BatchNorm1d(64)
        self.dropout1 = nn.Dropout2d(0.25)
        self.dropout2 = nn.Dropout2d(0.5)
        self.fc1 = nn.Linear(64, 32)
        self.fc2 = nn.Linear(32, 10)

    def forward(self, input):
        # (batch_size, 1, 28, 28) -> (batch_size, 28, 28): 28 steps of 28 pixels
        input = input.reshape(-1, 28, 28)
        output, hidden = self.rnn(input)
        output = output[:, -1, :]
        output = self.batchnorm(output)
        output = self.dropout1(output)
        output = self.fc1(output)
        output = F.relu(output)
        output = self.dropout2(output)
        output = self.fc2(output)
        output = F.log_softmax(output, dim=1)
        return output


def test_net_shapes():
    model = Net()
    output, (h, c) = model.rnn(torch.randn(3, 28, 28))
    assert tuple(output.shape) == (3, 28, 64) and tuple(h.shape) == tuple(c.shape) == (1, 3, 64)
    model.eval()
    assert tuple(model(torch.randn(3, 1, 28, 28)).shape) == (3, 10)


def test_main(workdir, capsys):
    args = types.SimpleNamespace(batch_size=16, test_batch_size=1000, epochs=4, lr=1.0, gamma=0.7,
                                 dry_run=False, log_interval=8, save_model=True)
    device = torch.device("cpu")
    torch.manual_seed(1)
    train_loader = torch.utils.data.DataLoader(
        datasets.MNIST('./data', train=True, download=True,
                       transform=transforms.Compose([
                           transforms.ToTensor(),
                           transforms.Normalize((0.1307,), (0.3081,))
                       ])),
        batch_size=args.batch_size, shuffle=True)
    test_loader = torch.utils.data.DataLoader(
        datasets.MNIST('./data', train=False, transform=transforms.Compose([
            transforms.ToTensor(),
            transforms.Normalize((0.1307,), (0.3081,))
        ])),
        batch_size=args.test_batch_size, shuffle=True)

    model = Net().to(device)
    optimizer = optim.Adadelta(model.parameters(), lr=args.lr)
    scheduler = StepLR(optimizer, step_size=1, gamma=args.gamma)
    for epoch in range(1, args.epochs + 1):
        train(args, model, device, train_loader, optimizer, epoch)
        evaluate(model, device, test_loader)
        scheduler.step()
    if args.save_model:
        torch.save(model.state_dict(), "mnist_rnn.pt")

    out = capsys.readouterr().out
    losses = [float(v) for v in re.findall(r'Loss: ([0-9.]+)', out)]
    results = [(float(l), int(c)) for l, c in re.findall(r'Average loss: ([0-9.]+), Accuracy: (\d+)/256', out)]
    assert len(losses) == 12 and len(results) == 4
    assert sum(losses[-3:]) < sum(losses[:3])                 # the training loss falls
    assert results[-1][0] < 2.0 and results[-1][1] / 256 > 0.3  # ln(10) = 2.30; chance is 0.1
    assert sorted(torch.load("mnist_rnn.pt")) == sorted(model.state_dict())

"""Client port: "What is torch.nn *really*?" (pytorch.org/tutorials, ``beginner_source/nn_tutorial.py``,
by Jeremy Howard): logistic regression on MNIST from bare tensors (hand-written log-softmax and NLL
with ``input[range(n), target]``, updates ``weights -= weights.grad * lr`` under ``no_grad``),
then refactored step by step through ``F.cross_entropy``, ``nn.Module``/``nn.Parameter``,
``nn.Linear``, ``optim``, ``TensorDataset``, ``DataLoader``, validation, a CNN, ``nn.Sequential``
with a custom ``Lambda`` layer, a wrapped DataLoader with ``AdaptiveAvgPool2d``, and a device.

Written afresh, section by section, keeping every PyTorch call; only the imports differ (``torch``
-> ``minigrad``). The tutorial downloads ``mnist.pkl.gz`` (NumPy arrays in a gzipped pickle); the
test writes such a file from the 8,000 + 500 digits of minigrad's MNIST sample and reads it with the
tutorial's own code. Plots are left out; what ``print`` shows is checked.
"""
import gzip
import math
import pickle
import re

import numpy as np
import pytest

import minigrad as torch
import minigrad.nn.functional as F
from minigrad import nn, optim
from minigrad.data import MNISTSample
from minigrad.utils.data import DataLoader, TensorDataset

bs = 64  # batch size
epochs = 2  # how many epochs to train for


@pytest.fixture(scope='module')
def mnist_pickle(tmp_path_factory):
    """``data/mnist/mnist.pkl.gz`` as the tutorial downloads it: ((x, y) train, valid, test)."""
    train, test = MNISTSample(train=True), MNISTSample(train=False)

    def split(ds, n):
        x = np.asarray(ds.data[:n]).reshape(n, 784).astype(np.float32) / 255
        return x, np.asarray(ds.targets[:n]).astype(np.int64)
    PATH = tmp_path_factory.mktemp('nn_tutorial') / "data" / "mnist"
    PATH.mkdir(parents=True, exist_ok=True)
    with gzip.open(PATH / "mnist.pkl.gz", "wb", compresslevel=1) as f:
        pickle.dump((split(train, 8000), split(test, 500), split(test, 10)), f)
    return PATH / "mnist.pkl.gz"


def load(path):
    with gzip.open(path, "rb") as f:
        ((x_train, y_train), (x_valid, y_valid), _) = pickle.load(f, encoding="latin-1")
    x_train, y_train, x_valid, y_valid = map(
        torch.tensor, (x_train, y_train, x_valid, y_valid)
    )
    return x_train, y_train, x_valid, y_valid


def accuracy(out, yb):
    preds = torch.argmax(out, dim=1)
    return (preds == yb).float().mean()


# ---- the bare-tensor model ----------------------------------------------------------------------

def test_data_as_tensors(mnist_pickle):
    x_train, y_train, x_valid, y_valid = load(mnist_pickle)
    n, c = x_train.shape
    assert (n, c) == (8000, 784) and x_train.dtype == torch.float32 and y_train.dtype == torch.int64
    assert (y_train.min().item(), y_train.max().item()) == (0, 9)
    print(x_train, y_train)


def test_neural_net_from_scratch(mnist_pickle):
    x_train, y_train, _, _ = load(mnist_pickle)
    n, c = x_train.shape
    torch.manual_seed(0)
    weights = torch.randn(784, 10) / math.sqrt(784)
    weights.requires_grad_()
    bias = torch.zeros(10, requires_grad=True)

    def log_softmax(x):
        return x - x.exp().sum(-1).log().unsqueeze(-1)

    def model(xb):
        return log_softmax(xb @ weights + bias)

    def nll(input, target):
        return -input[range(target.shape[0]), target].mean()
    loss_func = nll

    xb = x_train[0:bs]  # a mini-batch from x
    preds = model(xb)  # predictions
    assert tuple(preds[0].shape) == (10,) and tuple(preds.shape) == (64, 10)
    yb = y_train[0:bs]
    start_loss, start_acc = loss_func(preds, yb).item(), accuracy(preds, yb).item()
    assert abs(start_loss - F.nll_loss(preds, yb).item()) < 1e-5

    lr = 0.5  # learning rate
    for epoch in range(epochs):
        for i in range((n - 1) // bs + 1):
            start_i = i * bs
            end_i = start_i + bs
            xb = x_train[start_i:end_i]
            yb = y_train[start_i:end_i]
            pred = model(xb)
            loss = loss_func(pred, yb)

            loss.backward()
            with torch.no_grad():
                weights -= weights.grad * lr
                bias -= bias.grad * lr
                weights.grad.zero_()
                bias.grad.zero_()
    assert tuple(xb.shape) == (64, 784)                 # the last batch
    assert loss_func(model(xb), yb).item() < 0.5 * start_loss
    assert accuracy(model(xb), yb).item() > max(0.8, start_acc)

    # using torch.nn.functional: the same loss without the hand-written pieces
    loss_func = F.cross_entropy
    assert abs(loss_func(xb @ weights + bias, yb).item() - nll(model(xb), yb).item()) < 1e-5


# ---- refactoring with nn, optim, Dataset and DataLoader -----------------------------------------

class Mnist_Logistic(nn.Module):
    def __init__(self):
        super().__init__()
        self.weights = nn.Parameter(torch.randn(784, 10) / math.sqrt(784))
        self.bias = nn.Parameter(torch.zeros(10))

    def forward(self, xb):
        return xb @ self.weights + self.bias


class Mnist_Linear(nn.Module):      # the tutorial's second Mnist_Logistic
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(784, 10)

    def forward(self, xb):
        return self.lin(xb)


@pytest.mark.parametrize('Model', [Mnist_Logistic, Mnist_Linear])
def test_refactor_using_nn_module(mnist_pickle, Model):
    x_train, y_train, _, _ = load(mnist_pickle)
    n, c = x_train.shape
    loss_func, lr = F.cross_entropy, 0.5
    torch.manual_seed(0)
    model = Model()
    xb, yb = x_train[:bs], y_train[:bs]
    start = loss_func(model(xb), yb).item()

    def fit():
        for epoch in range(epochs):
            for i in range((n - 1) // bs + 1):
                start_i = i * bs
                end_i = start_i + bs
                xb = x_train[start_i:end_i]
                yb = y_train[start_i:end_i]
                pred = model(xb)
                loss = loss_func(pred, yb)

                loss.backward()
                with torch.no_grad():
                    for p in model.parameters():
                        p -= p.grad * lr
                    model.zero_grad()
    fit()
    assert loss_func(model(xb), yb).item() < 0.5 * start


def test_refactor_using_optim_dataset_dataloader(mnist_pickle):
    x_train, y_train, _, _ = load(mnist_pickle)
    n, c = x_train.shape
    loss_func, lr = F.cross_entropy, 0.5

    def get_model():
        model = Mnist_Linear()
        return model, optim.SGD(model.parameters(), lr=lr)

    torch.manual_seed(0)
    train_ds = TensorDataset(x_train, y_train)
    model, opt = get_model()
    start = loss_func(model(x_train[:bs]), y_train[:bs]).item()
    for epoch in range(epochs):
        for i in range((n - 1) // bs + 1):
            xb, yb = train_ds[i * bs: i * bs + bs]
            pred = model(xb)
            loss = loss_func(pred, yb)

            loss.backward()
            opt.step()
            opt.zero_grad()
    assert tuple(xb.shape) == (64, 784) and tuple(yb.shape) == (64,)
    assert loss_func(model(xb), yb).item() < 0.5 * start

    train_dl = DataLoader(train_ds, batch_size=bs)
    model, opt = get_model()
    for epoch in range(epochs):
        for xb, yb in train_dl:
            pred = model(xb)
            loss = loss_func(pred, yb)

            loss.backward()
            opt.step()
            opt.zero_grad()
    assert loss_func(model(xb), yb).item() < 0.5 * start


def test_add_validation(mnist_pickle, capsys):
    x_train, y_train, x_valid, y_valid = load(mnist_pickle)
    loss_func, lr = F.cross_entropy, 0.5
    torch.manual_seed(0)
    train_ds = TensorDataset(x_train, y_train)
    train_dl = DataLoader(train_ds, batch_size=bs, shuffle=True)
    valid_ds = TensorDataset(x_valid, y_valid)
    valid_dl = DataLoader(valid_ds, batch_size=bs * 2)
    model = Mnist_Linear()
    opt = optim.SGD(model.parameters(), lr=lr)

    for epoch in range(epochs):
        model.train()
        for xb, yb in train_dl:
            pred = model(xb)
            loss = loss_func(pred, yb)

            loss.backward()
            opt.step()
            opt.zero_grad()

        model.eval()
        with torch.no_grad():
            valid_loss = sum(loss_func(model(xb), yb) for xb, yb in valid_dl)

        print(epoch, valid_loss / len(valid_dl))
    assert len(valid_dl) == 4
    assert (valid_loss / len(valid_dl)).item() < 0.6


# ---- fit() and get_data(), then CNNs ------------------------------------------------------------

def loss_batch(model, loss_func, xb, yb, opt=None):
    loss = loss_func(model(xb), yb)

    if opt is not None:
        loss.backward()
        opt.step()
        opt.zero_grad()

    return loss.item(), len(xb)


def fit(epochs, model, loss_func, opt, train_dl, valid_dl):
    for epoch in range(epochs):
        model.train()
        for xb, yb in train_dl:
            loss_batch(model, loss_func, xb, yb, opt)

        model.eval()
        with torch.no_grad():
            losses, nums = zip(
                *[loss_batch(model, loss_func, xb, yb) for xb, yb in valid_dl]
            )
        val_loss = np.sum(np.multiply(losses, nums)) / np.sum(nums)

        print(epoch, val_loss)


def get_data(train_ds, valid_ds, bs):
    return (
        DataLoader(train_ds, batch_size=bs, shuffle=True),
        DataLoader(valid_ds, batch_size=bs * 2),
    )


class Mnist_CNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, kernel_size=3, stride=2, padding=1)
        self.conv2 = nn.Conv2d(16, 16, kernel_size=3, stride=2, padding=1)
        self.conv3 = nn.Conv2d(16, 10, kernel_size=3, stride=2, padding=1)

    def forward(self, xb):
        xb = xb.view(-1, 1, 28, 28)
        xb = F.relu(self.conv1(xb))
        xb = F.relu(self.conv2(xb))
        xb = F.relu(self.conv3(xb))
        xb = F.avg_pool2d(xb, 4)
        return xb.view(-1, xb.size(1))


class Lambda(nn.Module):
    def __init__(self, func):
        super().__init__()
        self.func = func

    def forward(self, x):
        return self.func(x)


class WrappedDataLoader:
    def __init__(self, dl, func):
        self.dl = dl
        self.func = func

    def __len__(self):
        return len(self.dl)

    def __iter__(self):
        batches = iter(self.dl)
        for b in batches:
            yield (self.func(*b))


def _val_losses(text):
    return [float(v) for v in re.findall(r'^\d+ ([0-9.]+)$', text, re.M)]


def _valid_accuracy(model, x_valid, y_valid):
    with torch.no_grad():
        return accuracy(model(x_valid.view(-1, 1, 28, 28)), y_valid).item()


def test_fit_and_get_data_with_the_linear_model(mnist_pickle, capsys):
    x_train, y_train, x_valid, y_valid = load(mnist_pickle)
    torch.manual_seed(0)
    train_ds, valid_ds = TensorDataset(x_train, y_train), TensorDataset(x_valid, y_valid)
    train_dl, valid_dl = get_data(train_ds, valid_ds, bs)
    model = Mnist_Linear()
    opt = optim.SGD(model.parameters(), lr=0.5)
    fit(epochs, model, F.cross_entropy, opt, train_dl, valid_dl)
    losses = _val_losses(capsys.readouterr().out)
    assert len(losses) == 2 and losses[-1] < 0.6


def test_switch_to_cnn(mnist_pickle, capsys):
    x_train, y_train, x_valid, y_valid = load(mnist_pickle)
    torch.manual_seed(0)
    train_dl, valid_dl = get_data(TensorDataset(x_train, y_train), TensorDataset(x_valid, y_valid), bs)
    lr = 0.1
    model = Mnist_CNN()
    opt = optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    fit(epochs, model, F.cross_entropy, opt, train_dl, valid_dl)
    losses = _val_losses(capsys.readouterr().out)
    # two epochs over 8,000 digits (the tutorial: 50,000) only start this net's learning
    assert len(losses) == 2 and losses[-1] < 2.1              # ln(10) = 2.30 for a guess
    assert _valid_accuracy(model, x_valid, y_valid) > 0.25    # chance is 0.1


def test_nn_sequential_with_a_lambda_layer(mnist_pickle, capsys):
    x_train, y_train, x_valid, y_valid = load(mnist_pickle)
    torch.manual_seed(0)
    train_dl, valid_dl = get_data(TensorDataset(x_train, y_train), TensorDataset(x_valid, y_valid), bs)

    def preprocess(x):
        return x.view(-1, 1, 28, 28)

    model = nn.Sequential(
        Lambda(preprocess),
        nn.Conv2d(1, 16, kernel_size=3, stride=2, padding=1),
        nn.ReLU(),
        nn.Conv2d(16, 16, kernel_size=3, stride=2, padding=1),
        nn.ReLU(),
        nn.Conv2d(16, 10, kernel_size=3, stride=2, padding=1),
        nn.ReLU(),
        nn.AvgPool2d(4),
        Lambda(lambda x: x.view(x.size(0), -1)),
    )
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    fit(epochs, model, F.cross_entropy, opt, train_dl, valid_dl)
    losses = _val_losses(capsys.readouterr().out)
    assert len(losses) == 2 and losses[-1] < 2.1
    assert _valid_accuracy(model, x_valid, y_valid) > 0.25


def test_wrapped_dataloader_adaptive_pool_and_device(mnist_pickle, capsys):
    x_train, y_train, x_valid, y_valid = load(mnist_pickle)
    torch.manual_seed(0)
    train_ds, valid_ds = TensorDataset(x_train, y_train), TensorDataset(x_valid, y_valid)
    dev = torch.device(
        "cuda") if torch.cuda.is_available() else torch.device("cpu")

    def preprocess(x, y):
        return x.view(-1, 1, 28, 28).to(dev), y.to(dev)

    train_dl, valid_dl = get_data(train_ds, valid_ds, bs)
    train_dl = WrappedDataLoader(train_dl, preprocess)
    valid_dl = WrappedDataLoader(valid_dl, preprocess)
    model = nn.Sequential(
        nn.Conv2d(1, 16, kernel_size=3, stride=2, padding=1),
        nn.ReLU(),
        nn.Conv2d(16, 16, kernel_size=3, stride=2, padding=1),
        nn.ReLU(),
        nn.Conv2d(16, 10, kernel_size=3, stride=2, padding=1),
        nn.ReLU(),
        nn.AdaptiveAvgPool2d(1),
        Lambda(lambda x: x.view(x.size(0), -1)),
    )
    model.to(dev)
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    assert len(train_dl) == 125
    fit(epochs, model, F.cross_entropy, opt, train_dl, valid_dl)
    losses = _val_losses(capsys.readouterr().out)
    assert len(losses) == 2 and losses[-1] < 2.1
    assert _valid_accuracy(model, x_valid.to(dev), y_valid.to(dev)) > 0.25


def test_same_seed_same_run(mnist_pickle, capsys):
    """Seeding as PyTorch users do makes the shuffled run repeat bit for bit."""
    x_train, y_train, x_valid, y_valid = load(mnist_pickle)
    printed = []
    for _ in range(2):
        torch.manual_seed(0)
        train_dl, valid_dl = get_data(TensorDataset(x_train, y_train), TensorDataset(x_valid, y_valid), bs)
        model = Mnist_Linear()
        fit(epochs, model, F.cross_entropy, optim.SGD(model.parameters(), lr=0.5), train_dl, valid_dl)
        printed.append(capsys.readouterr().out)
    assert printed[0] == printed[1] and len(_val_losses(printed[0])) == 2

"""Client port: PyTorch's "Quickstart" tutorial (pytorch.org/tutorials, Learn the Basics,
``beginner_source/basics/quickstart_tutorial.py``): Fashion-MNIST, an MLP in ``nn.Sequential``,
``CrossEntropyLoss`` and SGD, save and load, one prediction.

Written afresh, step by step, keeping every PyTorch call its reader writes; only the imports
differ (``torch`` -> ``minigrad``, torchvision's datasets and ``ToTensor`` -> ``minigrad.data``).
Changes for a quick test: the "Fashion-MNIST" files hold 384/256 MNIST digits (``conftest.py``),
batches of 16 instead of 64 and ``lr=0.1`` instead of ``1e-3`` (a few dozen steps instead of
thousands), a loss printed every 8 batches instead of 100. Device selection is tested in both of the tutorial's
forms (``torch.cuda`` until 2024, ``torch.accelerator`` since).
"""
import re

import numpy as np

import minigrad as torch
from minigrad import nn
from minigrad.data import DataLoader
from minigrad import data as datasets
from minigrad.data.transforms import ToTensor

classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
           "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]

device = "cuda" if torch.cuda.is_available() else "cpu"


class NeuralNetwork(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.linear_relu_stack = nn.Sequential(
            nn.Linear(28 * 28, 512),
            nn.ReLU(),
            nn.Linear(512, 512),
            nn.ReLU(),
            nn.Linear(512, 10)
        )

    def forward(self, x):
        x = self.flatten(x)
        logits = self.linear_relu_stack(x)
        return logits


def train(dataloader, model, loss_fn, optimizer):
    size = len(dataloader.dataset)
    model.train()
    for batch, (X, y) in enumerate(dataloader):
        X, y = X.to(device), y.to(device)
        pred = model(X)
        loss = loss_fn(pred, y)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        if batch % 8 == 0:
            loss, current = loss.item(), (batch + 1) * len(X)
            print(f"loss: {loss:>7f}  [{current:>5d}/{size:>5d}]")


def test(dataloader, model, loss_fn):
    size = len(dataloader.dataset)
    num_batches = len(dataloader)
    model.eval()
    test_loss, correct = 0, 0
    with torch.no_grad():
        for X, y in dataloader:
            X, y = X.to(device), y.to(device)
            pred = model(X)
            test_loss += loss_fn(pred, y).item()
            correct += (pred.argmax(1) == y).type(torch.float).sum().item()
    test_loss /= num_batches
    correct /= size
    print(f"Test Error: \n Accuracy: {(100*correct):>0.1f}%, Avg loss: {test_loss:>8f} \n")


test.__test__ = False   # the client's function, not a pytest test


def load_data(batch_size=16):
    training_data = datasets.FashionMNIST(root="data", train=True, download=True, transform=ToTensor())
    test_data = datasets.FashionMNIST(root="data", train=False, download=True, transform=ToTensor())
    train_dataloader = DataLoader(training_data, batch_size=batch_size)
    test_dataloader = DataLoader(test_data, batch_size=batch_size)
    return training_data, test_data, train_dataloader, test_dataloader


# ---- the steps ----------------------------------------------------------------------------------

def test_working_with_data(workdir):
    training_data, test_data, _, test_dataloader = load_data(batch_size=64)
    assert len(training_data) == 384 and len(test_data) == 256
    for X, y in test_dataloader:
        print(f"Shape of X [N, C, H, W]: {X.shape}")
        print(f"Shape of y: {y.shape} {y.dtype}")
        break
    assert tuple(X.shape) == (64, 1, 28, 28) and X.dtype == torch.float32
    assert tuple(y.shape) == (64,) and y.dtype == torch.int64


def test_device_selection_2025_form():
    device = torch.accelerator.current_accelerator().type if torch.accelerator.is_available() else "cpu"
    assert f"Using {device} device" in ("Using cpu device", "Using cuda device")


def test_creating_models_prints_the_layers():
    model = NeuralNetwork().to(device)
    text = str(model)
    assert text.startswith('NeuralNetwork(')
    assert '(flatten): Flatten(' in text
    assert '(linear_relu_stack): Sequential(' in text
    assert '(0): Linear(in_features=784, out_features=512, bias=True)' in text
    assert '(1): ReLU()' in text
    out = model(torch.rand(3, 1, 28, 28))
    assert tuple(out.shape) == (3, 10)


def test_optimizing_saving_loading_predicting(workdir, capsys):
    torch.manual_seed(0)
    _, test_data, train_dataloader, test_dataloader = load_data()
    model = NeuralNetwork().to(device)
    loss_fn = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-1)
    epochs = 5
    for t in range(epochs):
        print(f"Epoch {t+1}\n-------------------------------")
        train(train_dataloader, model, loss_fn, optimizer)
        test(test_dataloader, model, loss_fn)
    print("Done!")

    out = capsys.readouterr().out
    losses = [float(v) for v in re.findall(r'loss: +([0-9.]+) +\[ *\d+/  384\]', out)]
    assert len(losses) == 15                             # batches 0, 8, 16 of five epochs
    assert np.mean(losses[-3:]) < 0.6 * np.mean(losses[:3])
    accuracies = [float(v) for v in re.findall(r'Accuracy: ([0-9.]+)%', out)]
    assert len(accuracies) == 5 and accuracies[-1] > 60    # chance is 10%

    torch.save(model.state_dict(), "model.pth")
    model = NeuralNetwork().to(device)
    model.load_state_dict(torch.load("model.pth", weights_only=True))

    model.eval()
    x, y = test_data[0][0], test_data[0][1]
    with torch.no_grad():
        x = x.to(device)
        pred = model(x)
        predicted, actual = classes[pred[0].argmax(0)], classes[y]
    assert predicted in classes and actual == classes[int(test_data.targets[0])]
    # sample by sample, the reloaded model scores the accuracy the last test() printed (to within
    # one sample: a batch of one may round differently from a batch of 16)
    hits = 0
    with torch.no_grad():
        for i in range(len(test_data)):
            x, y = test_data[i][0], test_data[i][1]
            hits += classes[model(x.to(device))[0].argmax(0)] == classes[y]
    assert abs(100 * hits / len(test_data) - accuracies[-1]) < 100 / len(test_data) + 0.05

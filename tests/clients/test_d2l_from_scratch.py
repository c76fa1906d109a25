"""Client port: Dive into Deep Learning (d2l.ai), PyTorch edition, chapters 3-4 "from scratch"
and "concise" sections: linear regression by hand (``torch.normal``, a ``data_iter`` generator
indexing with ``torch.tensor`` of indices, an ``sgd`` doing ``param -= lr * param.grad /
batch_size`` under ``no_grad``) and with ``nn.Sequential`` (``net[0].weight.data.normal_``,
``bias.data.fill_``); softmax regression from scratch (``y_hat[range(len(y_hat)), y]``,
``train_ch3`` with an updater that is a function or a ``torch.optim.Optimizer``) and concise
(``nn.CrossEntropyLoss(reduction='none')``, ``l.mean().backward()``); the MLP from scratch
(``nn.Parameter(torch.randn(...) * 0.01)``, ``torch.max(X, a)`` as ReLU) and dropout from
scratch (``(torch.rand(X.shape) > dropout).float()``).

Written afresh after the book, keeping every PyTorch call its reader writes; only the imports
differ (``torch`` -> ``minigrad``, torchvision's datasets/transforms -> ``minigrad.data``); the
``d2l`` helpers are the book's own plain-PyTorch definitions. Changes for a quick test:
Fashion-MNIST is the 384/256 images of ``conftest.py``, batches of 32 instead of 256, the MLPs
train 30 epochs instead of 10 (to reach ``train_ch3``'s thresholds); plots and
``Animator`` are left out, the book's accuracy thresholds kept (``train_ch3``'s asserts).
"""
import random
import re

import numpy as np
import pytest

import minigrad as torch
from minigrad import nn
from minigrad.data import transforms
import minigrad.data as torchvision_datasets
from minigrad.utils import data


# ---- 3.2 Linear regression from scratch ----------------------------------------------------------

def synthetic_data(w, b, num_examples):  #@save
    """Generate y = Xw + b + noise."""
    X = torch.normal(0, 1, (num_examples, len(w)))
    y = torch.matmul(X, w) + b
    y += torch.normal(0, 0.01, y.shape)
    return X, y.reshape((-1, 1))


def data_iter(batch_size, features, labels):
    num_examples = len(features)
    indices = list(range(num_examples))
    # The examples are read at random, in no particular order
    random.shuffle(indices)
    for i in range(0, num_examples, batch_size):
        batch_indices = torch.tensor(
            indices[i: min(i + batch_size, num_examples)])
        yield features[batch_indices], labels[batch_indices]


def linreg(X, w, b):  #@save
    """The linear regression model."""
    return torch.matmul(X, w) + b


def squared_loss(y_hat, y):  #@save
    """Squared loss."""
    return (y_hat - y.reshape(y_hat.shape)) ** 2 / 2


def sgd(params, lr, batch_size):  #@save
    """Minibatch stochastic gradient descent."""
    with torch.no_grad():
        for param in params:
            param -= lr * param.grad / batch_size
            param.grad.zero_()


def test_linear_regression_from_scratch(capsys):
    random.seed(0)
    torch.manual_seed(0)
    true_w = torch.tensor([2, -3.4])
    true_b = 4.2
    features, labels = synthetic_data(true_w, true_b, 1000)
    print('features:', features[0], '\nlabel:', labels[0])
    assert tuple(features.shape) == (1000, 2) and tuple(labels.shape) == (1000, 1)
    assert features.dtype == labels.dtype == torch.float32

    batch_size = 10
    for X, y in data_iter(batch_size, features, labels):
        print(X, '\n', y)
        break
    assert tuple(X.shape) == (10, 2) and tuple(y.shape) == (10, 1)

    w = torch.normal(0, 0.01, size=(2, 1), requires_grad=True)
    b = torch.zeros(1, requires_grad=True)
    lr = 0.03
    num_epochs = 3
    net = linreg
    loss = squared_loss

    for epoch in range(num_epochs):
        for X, y in data_iter(batch_size, features, labels):
            l = loss(net(X, w, b), y)  # Minibatch loss in `X` and `y`
            # Compute gradient on `l` with respect to [`w`, `b`]
            l.sum().backward()
            sgd([w, b], lr, batch_size)  # Update parameters using their gradient
        with torch.no_grad():
            train_l = loss(net(features, w, b), labels)
            print(f'epoch {epoch + 1}, loss {float(train_l.mean()):f}')

    print(f'error in estimating w: {true_w - w.reshape(true_w.shape)}')
    print(f'error in estimating b: {true_b - b}')
    out = capsys.readouterr().out
    losses = [float(v) for v in re.findall(r'epoch \d, loss ([0-9.]+)', out)]
    assert len(losses) == 3 and losses[-1] < 1e-3 and w.is_leaf and w.requires_grad
    assert np.allclose(w.detach().numpy().ravel(), [2, -3.4], atol=0.01) and abs(b.item() - 4.2) < 0.01
    assert re.search(r'error in estimating w: tensor\(\[.*grad_fn=<SubBackward0?>\)', out)


def load_array(data_arrays, batch_size, is_train=True):  #@save
    """Construct a PyTorch data iterator."""
    dataset = data.TensorDataset(*data_arrays)
    return data.DataLoader(dataset, batch_size, shuffle=is_train)


def test_linear_regression_concise(capsys):
    torch.manual_seed(0)
    true_w = torch.tensor([2, -3.4])
    true_b = 4.2
    features, labels = synthetic_data(true_w, true_b, 1000)
    batch_size = 10
    data_iter = load_array((features, labels), batch_size)
    X, y = next(iter(data_iter))
    assert tuple(X.shape) == (10, 2)

    net = nn.Sequential(nn.Linear(2, 1))
    net[0].weight.data.normal_(0, 0.01)
    net[0].bias.data.fill_(0)
    loss = nn.MSELoss()
    trainer = torch.optim.SGD(net.parameters(), lr=0.03)
    num_epochs = 3
    for epoch in range(num_epochs):
        for X, y in data_iter:
            l = loss(net(X), y)
            trainer.zero_grad()
            l.backward()
            trainer.step()
        l = loss(net(features), labels)
        print(f'epoch {epoch + 1}, loss {l:f}')
    w = net[0].weight.data
    print('error in estimating w:', true_w - w.reshape(true_w.shape))
    b = net[0].bias.data
    print('error in estimating b:', true_b - b)
    out = capsys.readouterr().out
    assert re.search(r'epoch 3, loss 0\.000\d+', out)
    assert np.allclose(w.numpy().ravel(), [2, -3.4], atol=0.01) and not w.requires_grad


# ---- 3.5-3.7 softmax regression ------------------------------------------------------------------

def load_data_fashion_mnist(batch_size, resize=None):  #@save
    """Download the Fashion-MNIST dataset and then load it into memory."""
    trans = [transforms.ToTensor()]
    if resize:
        trans.insert(0, transforms.Resize(resize))
    trans = transforms.Compose(trans)
    mnist_train = torchvision_datasets.FashionMNIST(
        root="./data", train=True, transform=trans, download=True)
    mnist_test = torchvision_datasets.FashionMNIST(
        root="./data", train=False, transform=trans, download=True)
    return (data.DataLoader(mnist_train, batch_size, shuffle=True, num_workers=2),
            data.DataLoader(mnist_test, batch_size, shuffle=False, num_workers=2))


def get_fashion_mnist_labels(labels):  #@save
    """Return text labels for the Fashion-MNIST dataset."""
    text_labels = ['t-shirt', 'trouser', 'pullover', 'dress', 'coat',
                   'sandal', 'shirt', 'sneaker', 'bag', 'ankle boot']
    return [text_labels[int(i)] for i in labels]


class Accumulator:  #@save
    """For accumulating sums over `n` variables."""
    def __init__(self, n):
        self.data = [0.0] * n

    def add(self, *args):
        self.data = [a + float(b) for a, b in zip(self.data, args)]

    def reset(self):
        self.data = [0.0] * len(self.data)

    def __getitem__(self, idx):
        return self.data[idx]


def accuracy(y_hat, y):  #@save
    """Compute the number of correct predictions."""
    if len(y_hat.shape) > 1 and y_hat.shape[1] > 1:
        y_hat = y_hat.argmax(axis=1)
    cmp = y_hat.type(y.dtype) == y
    return float(cmp.type(y.dtype).sum())


def evaluate_accuracy(net, data_iter):  #@save
    """Compute the accuracy for a model on a dataset."""
    if isinstance(net, torch.nn.Module):
        net.eval()  # Set the model to evaluation mode
    metric = Accumulator(2)  # No. of correct predictions, no. of predictions
    with torch.no_grad():
        for X, y in data_iter:
            metric.add(accuracy(net(X), y), y.numel())
    return metric[0] / metric[1]


def train_epoch_ch3(net, train_iter, loss, updater):  #@save
    """The training loop defined in Chapter 3."""
    # Set the model to training mode
    if isinstance(net, torch.nn.Module):
        net.train()
    # Sum of training loss, sum of training accuracy, no. of examples
    metric = Accumulator(3)
    for X, y in train_iter:
        # Compute gradients and update parameters
        y_hat = net(X)
        l = loss(y_hat, y)
        if isinstance(updater, torch.optim.Optimizer):
            # Using PyTorch in-built optimizer & loss criterion
            updater.zero_grad()
            l.mean().backward()
            updater.step()
        else:
            # Using custom built optimizer & loss criterion
            l.sum().backward()
            updater(X.shape[0])
        metric.add(float(l.sum()), accuracy(y_hat, y), y.numel())
    # Return training loss and training accuracy
    return metric[0] / metric[2], metric[1] / metric[2]


def train_ch3(net, train_iter, test_iter, loss, num_epochs, updater):  #@save
    """Train a model (defined in Chapter 3)."""
    for epoch in range(num_epochs):
        train_metrics = train_epoch_ch3(net, train_iter, loss, updater)
        test_acc = evaluate_accuracy(net, test_iter)
    train_loss, train_acc = train_metrics
    assert train_loss < 0.5, train_loss
    assert train_acc <= 1 and train_acc > 0.7, train_acc
    assert test_acc <= 1 and test_acc > 0.7, test_acc
    return train_loss, train_acc, test_acc


def test_softmax_regression_from_scratch(workdir):
    torch.manual_seed(0)
    batch_size = 32
    train_iter, test_iter = load_data_fashion_mnist(batch_size)
    num_inputs = 784
    num_outputs = 10
    W = torch.normal(0, 0.01, size=(num_inputs, num_outputs), requires_grad=True)
    b = torch.zeros(num_outputs, requires_grad=True)

    X = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    assert X.sum(0, keepdim=True).tolist() == [[5.0, 7.0, 9.0]] and X.sum(1, keepdim=True).tolist() == [[6.0], [15.0]]

    def softmax(X):
        X_exp = torch.exp(X)
        partition = X_exp.sum(1, keepdim=True)
        return X_exp / partition  # The broadcasting mechanism is applied here

    X = torch.normal(0, 1, (2, 5))
    X_prob = softmax(X)
    assert np.allclose(X_prob.sum(1).numpy(), 1)

    def net(X):
        return softmax(torch.matmul(X.reshape((-1, W.shape[0])), W) + b)

    y = torch.tensor([0, 2])
    y_hat = torch.tensor([[0.1, 0.3, 0.6], [0.3, 0.2, 0.5]])
    assert np.allclose(y_hat[[0, 1], y].numpy(), [0.1, 0.5])

    def cross_entropy(y_hat, y):
        return - torch.log(y_hat[range(len(y_hat)), y])

    assert np.allclose(cross_entropy(y_hat, y).numpy(), [2.3026, 0.6931], atol=1e-4)
    assert accuracy(y_hat, y) / len(y) == 0.5
    assert 0 <= evaluate_accuracy(net, test_iter) < 0.3                       # untrained

    lr = 0.1

    def updater(batch_size):
        return sgd([W, b], lr, batch_size)

    num_epochs = 10
    train_loss, train_acc, test_acc = train_ch3(net, train_iter, test_iter, cross_entropy, num_epochs, updater)

    for X, y in test_iter:
        break
    trues = get_fashion_mnist_labels(y)
    preds = get_fashion_mnist_labels(net(X).argmax(axis=1))
    titles = [true + '\n' + pred for true, pred in zip(trues, preds)]
    assert len(titles) == 32 and sum(t == p for t, p in zip(trues, preds)) > 16


def test_softmax_regression_concise(workdir):
    torch.manual_seed(0)
    batch_size = 32
    train_iter, test_iter = load_data_fashion_mnist(batch_size)
    # PyTorch does not implicitly reshape the inputs. Thus we define the flatten
    # layer to reshape the inputs before the linear layer in our network
    net = nn.Sequential(nn.Flatten(), nn.Linear(784, 10))

    def init_weights(m):
        if type(m) == nn.Linear:
            nn.init.normal_(m.weight, std=0.01)

    net.apply(init_weights)
    loss = nn.CrossEntropyLoss(reduction='none')
    trainer = torch.optim.SGD(net.parameters(), lr=0.1)
    num_epochs = 10
    train_ch3(net, train_iter, test_iter, loss, num_epochs, trainer)


# ---- 4.2-4.3 multilayer perceptrons, 4.6 dropout ---------------------------------------------------

def test_mlp_from_scratch(workdir):
    torch.manual_seed(0)
    batch_size = 32
    train_iter, test_iter = load_data_fashion_mnist(batch_size)
    num_inputs, num_outputs, num_hiddens = 784, 10, 256

    W1 = nn.Parameter(torch.randn(
        num_inputs, num_hiddens, requires_grad=True) * 0.01)
    b1 = nn.Parameter(torch.zeros(num_hiddens, requires_grad=True))
    W2 = nn.Parameter(torch.randn(
        num_hiddens, num_outputs, requires_grad=True) * 0.01)
    b2 = nn.Parameter(torch.zeros(num_outputs, requires_grad=True))

    params = [W1, b1, W2, b2]

    def relu(X):
        a = torch.zeros_like(X)
        return torch.max(X, a)

    def net(X):
        X = X.reshape((-1, num_inputs))
        H = relu(X@W1 + b1)  # Here '@' stands for matrix multiplication
        return (H@W2 + b2)

    loss = nn.CrossEntropyLoss(reduction='none')
    num_epochs, lr = 30, 0.1
    updater = torch.optim.SGD(params, lr=lr)
    assert W1.is_leaf and W1.requires_grad and W1.grad_fn is None
    train_ch3(net, train_iter, test_iter, loss, num_epochs, updater)


def dropout_layer(X, dropout):  #@save
    assert 0 <= dropout <= 1
    # In this case, all elements are dropped out
    if dropout == 1:
        return torch.zeros_like(X)
    # In this case, all elements are kept
    if dropout == 0:
        return X
    mask = (torch.rand(X.shape) > dropout).float()
    return mask * X / (1.0 - dropout)


def test_dropout_from_scratch_and_concise_mlp(workdir):
    torch.manual_seed(0)
    X = torch.arange(16, dtype=torch.float32).reshape((2, 8))
    assert np.array_equal(dropout_layer(X, 0.).numpy(), X.numpy())
    assert dropout_layer(X, 1.).sum().item() == 0
    half = dropout_layer(X, 0.5).numpy()
    assert set(np.round(half / np.where(X.numpy() == 0, 1, X.numpy()), 4).ravel()) <= {0.0, 2.0}

    dropout1, dropout2 = 0.2, 0.5
    net = nn.Sequential(nn.Flatten(),
                        nn.Linear(784, 256),
                        nn.ReLU(),
                        # Add a dropout layer after the first fully connected layer
                        nn.Dropout(dropout1),
                        nn.Linear(256, 256),
                        nn.ReLU(),
                        # Add a dropout layer after the second fully connected layer
                        nn.Dropout(dropout2),
                        nn.Linear(256, 10))

    def init_weights(m):
        if type(m) == nn.Linear:
            nn.init.normal_(m.weight, std=0.01)

    net.apply(init_weights)
    batch_size = 32
    train_iter, test_iter = load_data_fashion_mnist(batch_size)
    loss = nn.CrossEntropyLoss(reduction='none')
    trainer = torch.optim.SGD(net.parameters(), lr=0.5)
    train_ch3(net, train_iter, test_iter, loss, 30, trainer)

"""Client port: yunjey/pytorch-tutorial,
``tutorials/01-basics/feedforward_neural_network/main.py``: a 784-500-10 ReLU network on MNIST
with Adam, moved to ``device``, tested with ``torch.max(outputs.data, 1)``.

Written afresh, keeping every PyTorch call its reader writes; only the imports differ (``torch``
-> ``minigrad``, torchvision's datasets/transforms -> ``minigrad.data``). Deviations for a quick
test: 384/256 real digits on local files (``conftest.py``), batches of 32 and 3 epochs (the
original: batches of 100, 5 epochs of 60,000 images), the loss printed every 4 steps instead
of 100.
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
input_size = 784
hidden_size = 500
num_classes = 10
num_epochs = 3
batch_size = 32
learning_rate = 0.001


# Fully connected neural network with one hidden layer
class NeuralNet(nn.Module):
    def __init__(self, input_size, hidden_size, num_classes):
        super(NeuralNet, self).__init__()
        self.fc1 = nn.Linear(input_size, hidden_size)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(hidden_size, num_classes)

    def forward(self, x):
        out = self.fc1(x)
        out = self.relu(out)
        out = self.fc2(out)
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

    model = NeuralNet(input_size, hidden_size, num_classes).to(device)

    # Loss and optimizer
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=learning_rate)

    # Train the model
    total_step = len(train_loader)
    for epoch in range(num_epochs):
        for i, (images, labels) in enumerate(train_loader):
            # Move tensors to the configured device
            images = images.reshape(-1, 28*28).to(device)
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
    # In test phase, we don't need to compute gradients (for memory efficiency)
    with torch.no_grad():
        correct = 0
        total = 0
        for images, labels in test_loader:
            images = images.reshape(-1, 28*28).to(device)
            labels = labels.to(device)
            outputs = model(images)
            _, predicted = torch.max(outputs.data, 1)
            total += labels.size(0)
            correct += (predicted == labels).sum().item()

        print('Accuracy of the network on the 10000 test images: {} %'.format(100 * correct / total))

    # Save the model checkpoint
    torch.save(model.state_dict(), 'model.ckpt')
    return model


def test_model_shapes():
    model = NeuralNet(input_size, hidden_size, num_classes).to(device)
    assert tuple(model(torch.randn(5, 784).to(device)).shape) == (5, 10)
    assert [tuple(p.shape) for p in model.parameters()] == [(500, 784), (500,), (10, 500), (10,)]


def test_feedforward_network_learns_mnist(workdir, capsys):
    torch.manual_seed(0)
    model = main()
    out = capsys.readouterr().out
    losses = [float(v) for v in re.findall(r'Loss: ([0-9.]+)', out)]
    assert len(losses) == 3 * 3
    assert np.mean(losses[-3:]) < 0.5 * np.mean(losses[:3])
    accuracy = float(re.search(r'test images: ([0-9.]+) %', out).group(1))
    assert accuracy > 80                                        # chance is 10 %
    reloaded = NeuralNet(input_size, hidden_size, num_classes)
    reloaded.load_state_dict(torch.load('model.ckpt'))
    x = torch.randn(3, 784)
    assert np.array_equal(reloaded(x).detach().numpy(), model(x).detach().numpy())

"""Client port: yunjey/pytorch-tutorial, ``tutorials/02-intermediate/recurrent_neural_network/main.py``:
a 2-layer nn.LSTM(batch_first=True) reading each 28x28 digit as 28 rows of 28 pixels, with zero initial states (h0, c0), classifying from the last step's output; Adam, test accuracy, the saved ``state_dict``.

Written afresh, keeping every PyTorch call its reader writes; only the imports differ (``torch``
-> ``minigrad``, torchvision's datasets/transforms -> ``minigrad.data``). Deviations for a quick
test: 384/256 real digits on local files (``conftest.py``), batches of 32 instead of 100 and 10
epochs of 384 images instead of 2 of 60,000, the loss printed every 4 steps instead of 100.
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
sequence_length = 28
input_size = 28
hidden_size = 128
num_layers = 2
num_classes = 10
batch_size = 32
num_epochs = 10
learning_rate = 0.01


class RNN(nn.Module):
    def __init__(self, input_size, hidden_size, num_layers, num_classes):
        super(RNN, self).__init__()
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.lstm = nn.LSTM(input_size, hidden_size, num_layers, batch_first=True)
        self.fc = nn.Linear(hidden_size, num_classes)

    def forward(self, x):
        # Set initial hidden and cell states
        h0 = torch.zeros(self.num_layers, x.size(0), self.hidden_size).to(device)
        c0 = torch.zeros(self.num_layers, x.size(0), self.hidden_size).to(device)

        # Forward propagate LSTM
        out, _ = self.lstm(x, (h0, c0))  # out: tensor of shape (batch_size, seq_length, hidden_size)

        # Decode the hidden state of the last time step
        out = self.fc(out[:, -1, :])
        return out


def main():
    # MNIST dataset
    train_dataset = torchvision.datasets.MNIST(root='./data/',
                                               train=True,
                                               transform=transforms.ToTensor(),
                                               download=True)

    test_dataset = torchvision.datasets.MNIST(root='./data/',
                                              train=False,
                                              transform=transforms.ToTensor())

    # Data loader
    train_loader = torch.utils.data.DataLoader(dataset=train_dataset,
                                               batch_size=batch_size,
                                               shuffle=True)

    test_loader = torch.utils.data.DataLoader(dataset=test_dataset,
                                              batch_size=batch_size,
                                              shuffle=False)

    model = RNN(input_size, hidden_size, num_layers, num_classes).to(device)

    # Loss and optimizer
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=learning_rate)

    # Train the model
    total_step = len(train_loader)
    for epoch in range(num_epochs):
        for i, (images, labels) in enumerate(train_loader):
            images = images.reshape(-1, sequence_length, input_size).to(device)
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
    with torch.no_grad():
        correct = 0
        total = 0
        for images, labels in test_loader:
            images = images.reshape(-1, sequence_length, input_size).to(device)
            labels = labels.to(device)
            outputs = model(images)
            _, predicted = torch.max(outputs.data, 1)
            total += labels.size(0)
            correct += (predicted == labels).sum().item()

        print('Test Accuracy of the model on the 10000 test images: {} %'.format(100 * correct / total))

    # Save the model checkpoint
    torch.save(model.state_dict(), 'model.ckpt')
    return model


def test_model_shapes():
    model = RNN(input_size, hidden_size, num_layers, num_classes).to(device)
    x = torch.randn(3, sequence_length, input_size)
    assert tuple(model(x).shape) == (3, 10)
    out, (h, c) = model.lstm(x)
    assert tuple(out.shape) == (3, 28, hidden_size)
    assert tuple(h.shape) == tuple(c.shape) == (num_layers, 3, hidden_size)


def test_rnn_learns_mnist_row_by_row(workdir, capsys):
    torch.manual_seed(0)
    model = main()
    out = capsys.readouterr().out
    losses = [float(v) for v in re.findall(r'Loss: ([0-9.]+)', out)]
    assert len(losses) == 10 * 3
    assert np.mean(losses[-3:]) < 0.6 * np.mean(losses[:3])
    accuracy = float(re.search(r'test images: ([0-9.]+) %', out).group(1))
    assert accuracy > 50                                        # chance is 10 %
    state = torch.load('model.ckpt')
    assert 'lstm.weight_hh_l1' in state and tuple(state['lstm.weight_ih_l0'].shape) == (4 * hidden_size, input_size)

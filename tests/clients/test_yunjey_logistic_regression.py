"""Client port: yunjey/pytorch-tutorial, ``tutorials/01-basics/logistic_regression/main.py``:
multinomial logistic regression on MNIST (``nn.Linear(784, 10)`` + ``CrossEntropyLoss`` + SGD),
its test accuracy from ``torch.max(outputs.data, 1)``, and the saved ``state_dict``.

Written afresh, keeping every PyTorch call its reader writes; only the imports differ (``torch``
-> ``minigrad``, torchvision's datasets/transforms -> ``minigrad.data``). Deviations for a quick
test: 384/256 real digits on local files (``conftest.py``), batches of 32 and learning rate 0.1
where the original takes batches of 100 at 0.001 for 5 epochs of 60,000 images, the loss printed
every 4 steps instead of 100.
"""
import re
import types

import numpy as np

import minigrad as torch
import minigrad.data
import minigrad.nn as nn
import minigrad.data.transforms as transforms

torchvision = types.SimpleNamespace(datasets=minigrad.data)

# Hyper-parameters
input_size = 28 * 28    # 784
num_classes = 10
num_epochs = 5
batch_size = 32
learning_rate = 0.1


def main():
    # MNIST dataset (images and labels)
    train_dataset = torchvision.datasets.MNIST(root='./data',
                                               train=True,
                                               transform=transforms.ToTensor(),
                                               download=True)

    test_dataset = torchvision.datasets.MNIST(root='./data',
                                              train=False,
                                              transform=transforms.ToTensor())

    # Data loader (input pipeline)
    train_loader = torch.utils.data.DataLoader(dataset=train_dataset,
                                               batch_size=batch_size,
                                               shuffle=True)

    test_loader = torch.utils.data.DataLoader(dataset=test_dataset,
                                              batch_size=batch_size,
                                              shuffle=False)

    # Logistic regression model
    model = nn.Linear(input_size, num_classes)

    # Loss and optimizer
    # nn.CrossEntropyLoss() computes softmax internally
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=learning_rate)

    # Train the model
    total_step = len(train_loader)
    for epoch in range(num_epochs):
        for i, (images, labels) in enumerate(train_loader):
            # Reshape images to (batch_size, input_size)
            images = images.reshape(-1, input_size)

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
            images = images.reshape(-1, input_size)
            outputs = model(images)
            _, predicted = torch.max(outputs.data, 1)
            total += labels.size(0)
            correct += (predicted == labels).sum()

        print('Accuracy of the model on the 10000 test images: {} %'.format(100 * correct / total))

    # Save the model checkpoint
    torch.save(model.state_dict(), 'model.ckpt')
    return model


def test_logistic_regression_learns_mnist(workdir, capsys):
    torch.manual_seed(0)
    model = main()
    out = capsys.readouterr().out
    losses = [float(v) for v in re.findall(r'Loss: ([0-9.]+)', out)]
    assert len(losses) == 5 * 3 and out.count('Step [12/12]') == 5
    assert np.mean(losses[-3:]) < 0.6 * np.mean(losses[:3])
    # `correct` is summed as a 0-d tensor: '{}'.format prints its value, as in PyTorch
    accuracy = float(re.search(r'test images: ([0-9.]+) %', out).group(1))
    assert accuracy > 70                                        # chance is 10 %
    state = torch.load('model.ckpt')
    assert sorted(state) == ['bias', 'weight'] and tuple(state['weight'].shape) == (10, 784)
    assert np.array_equal(state['weight'].numpy(), model.weight.detach().numpy())

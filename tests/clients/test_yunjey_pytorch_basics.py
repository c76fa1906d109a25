"""Client port: yunjey/pytorch-tutorial, ``tutorials/01-basics/pytorch_basics/main.py`` (the
most starred PyTorch tutorial repository's first lesson): autograd by hand, a Linear layer and
one SGD step, NumPy round trips, the CIFAR-10 input pipeline, a custom dataset, a "pretrained"
ResNet-18 with a new head, saving and loading.

Written afresh, section by section, keeping every PyTorch call its reader writes; only the
imports differ (``torch`` -> ``minigrad``, torchvision's datasets/transforms -> ``minigrad.data``,
``torchvision.models`` -> ``models``). Deviations: CIFAR-10 is the 3,000 synthetic images of
``conftest.py``; ``data_iter.next()`` (Python 2 era) is ``next(data_iter)``; section 6 builds
ResNet-18 without downloaded weights (``pretrained=True`` is refused: minigrad ships none) and
feeds 2 images of 64x64 instead of 64 of 224x224; section 7's ``torch.save(resnet, ...)`` of a
whole module is refused on purpose (minigrad never pickles), so only the ``state_dict`` form runs,
and the refusal is checked to be a clear error.
"""
import types

import numpy as np
import pytest

import minigrad as torch
import minigrad.data
import minigrad.nn as nn
import minigrad.data.transforms as transforms
import models

# `import torchvision`
torchvision = types.SimpleNamespace(datasets=minigrad.data, models=models)


def test_basic_autograd_example_1(capsys):
    # Create tensors.
    x = torch.tensor(1., requires_grad=True)
    w = torch.tensor(2., requires_grad=True)
    b = torch.tensor(3., requires_grad=True)

    # Build a computational graph.
    y = w * x + b    # y = 2 * x + 3

    # Compute gradients.
    y.backward()

    # Print out the gradients.
    print(x.grad)    # x.grad = 2
    print(w.grad)    # w.grad = 1
    print(b.grad)    # b.grad = 1
    assert (x.grad.item(), w.grad.item(), b.grad.item()) == (2.0, 1.0, 1.0)
    assert capsys.readouterr().out.splitlines() == ['tensor(2.)', 'tensor(1.)', 'tensor(1.)']


def test_basic_autograd_example_2(capsys):
    torch.manual_seed(0)
    # Create tensors of shape (10, 3) and (10, 2).
    x = torch.randn(10, 3)
    y = torch.randn(10, 2)

    # Build a fully connected layer.
    linear = nn.Linear(3, 2)
    print('w: ', linear.weight)
    print('b: ', linear.bias)

    # Build loss function and optimizer.
    criterion = nn.MSELoss()
    optimizer = torch.optim.SGD(linear.parameters(), lr=0.01)

    # Forward pass.
    pred = linear(x)

    # Compute loss.
    loss = criterion(pred, y)
    print('loss: ', loss.item())

    # Backward pass.
    loss.backward()

    # Print out the gradients.
    print('dL/dw: ', linear.weight.grad)
    print('dL/db: ', linear.bias.grad)

    # 1-step gradient descent.
    optimizer.step()

    # You can also perform gradient descent at the low level.
    # linear.weight.data.sub_(0.01 * linear.weight.grad.data)
    # linear.bias.data.sub_(0.01 * linear.bias.grad.data)

    # Print out the loss after 1-step gradient descent.
    pred = linear(x)
    loss2 = criterion(pred, y)
    print('loss after 1 step optimization: ', loss2.item())
    assert loss2.item() < loss.item()
    out = capsys.readouterr().out
    assert out.startswith('w:  Parameter containing:\ntensor([[')
    assert 'requires_grad=True' in out and 'dL/dw:  tensor([[' in out

    # The commented-out low-level form works too (one more step by hand).
    linear.weight.data.sub_(0.01 * linear.weight.grad.data)
    linear.bias.data.sub_(0.01 * linear.bias.grad.data)
    assert criterion(linear(x), y).item() < loss2.item()


def test_loading_data_from_numpy():
    # Create a numpy array.
    x = np.array([[1, 2], [3, 4]])

    # Convert the numpy array to a torch tensor.
    y = torch.from_numpy(x)

    # Convert the torch tensor to a numpy array.
    z = y.numpy()
    assert y.dtype == torch.int64 and (z == x).all()
    x[0, 0] = 7                      # from_numpy shares memory
    assert y[0, 0].item() == 7 and z[0, 0] == 7


def test_input_pipeline(workdir):
    # Download and construct CIFAR-10 dataset.
    train_dataset = torchvision.datasets.CIFAR10(root='./data/',
                                                 train=True,
                                                 transform=transforms.ToTensor(),
                                                 download=True)

    # Fetch one data pair (read data from disk).
    image, label = train_dataset[0]
    print(image.size())
    print(label)
    assert tuple(image.size()) == (3, 32, 32) and isinstance(label, int)
    assert image.dtype == torch.float32 and 0 <= image.min().item() and image.max().item() <= 1

    # Data loader (this provides queues and threads in a very simple way).
    train_loader = torch.utils.data.DataLoader(dataset=train_dataset,
                                               batch_size=64,
                                               shuffle=True)

    # When iteration starts, queue and thread start to load data from files.
    data_iter = iter(train_loader)

    # Mini-batch images and labels.
    images, labels = next(data_iter)
    assert tuple(images.shape) == (64, 3, 32, 32) and tuple(labels.shape) == (64,)
    assert labels.dtype == torch.int64

    # Actual usage of the data loader is as below.
    n = 0
    for images, labels in train_loader:
        # Training code should be written here.
        n += images.size(0)
    assert n == 3000


def test_input_pipeline_for_custom_dataset():
    # You should build your custom dataset as below.
    class CustomDataset(torch.utils.data.Dataset):
        def __init__(self):
            # TODO
            # 1. Initialize file paths or a list of file names.
            self.items = [(np.full((2, 2), i, dtype=np.float32), i % 3) for i in range(10)]

        def __getitem__(self, index):
            # TODO
            # 1. Read one data from file (e.g. using numpy.fromfile, PIL.Image.open).
            # 2. Preprocess the data (e.g. torchvision.Transform).
            # 3. Return a data pair (e.g. image and label).
            return self.items[index]

        def __len__(self):
            # You should change 0 to the total size of your dataset.
            return len(self.items)

    # You can then use the prebuilt data loader.
    custom_dataset = CustomDataset()
    train_loader = torch.utils.data.DataLoader(dataset=custom_dataset,
                                               batch_size=64,
                                               shuffle=True)
    (images, labels), = list(train_loader)
    assert tuple(images.shape) == (10, 2, 2) and sorted(labels.tolist()) == sorted(i % 3 for i in range(10))


def test_pretrained_model(tmp_path, monkeypatch):
    torch.manual_seed(0)
    monkeypatch.chdir(tmp_path)
    # Load the pretrained ResNet-18 (no weights ship with minigrad: pretrained=False).
    resnet = torchvision.models.resnet18(pretrained=False)

    # If you want to finetune only the top layer of the model, set as below.
    for param in resnet.parameters():
        param.requires_grad = False

    # Replace the top layer for finetuning.
    resnet.fc = nn.Linear(resnet.fc.in_features, 100)  # 100 is an example.

    # Forward pass.
    images = torch.randn(2, 3, 64, 64)
    outputs = resnet(images)
    print(outputs.size())     # (64, 100)
    assert tuple(outputs.size()) == (2, 100)
    outputs.sum().backward()
    trainable = [name for name, p in resnet.named_parameters() if p.requires_grad]
    assert trainable == ['fc.weight', 'fc.bias'] and resnet.fc.weight.grad is not None
    assert resnet.conv1.weight.grad is None

    with pytest.raises(ValueError, match='pretrained'):
        torchvision.models.resnet18(pretrained=True)

    # ---- 7. Save and load the model ----
    # Save and load the entire model: minigrad saves tensors, never pickled objects.
    with pytest.raises(RuntimeError, match=r'ResNet.*state_dict\(\)'):
        torch.save(resnet, 'model.ckpt')

    # Save and load only the model parameters (recommended).
    torch.save(resnet.state_dict(), 'params.ckpt')
    fresh = torchvision.models.resnet18()
    fresh.fc = nn.Linear(fresh.fc.in_features, 100)
    fresh.load_state_dict(torch.load('params.ckpt'))
    fresh.eval(), resnet.eval()
    with torch.no_grad():
        assert np.array_equal(fresh(images).numpy(), resnet(images).numpy())

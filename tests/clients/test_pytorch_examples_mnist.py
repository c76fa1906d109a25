"""Client port: the PyTorch MNIST example (github.com/pytorch/examples, ``mnist/main.py``).

Written afresh after the example, step by step, keeping every PyTorch call its user writes; only
the imports differ (``torch`` -> ``minigrad``, torchvision's datasets/transforms ->
``minigrad.data``). Changes for a quick test: the data are 384/256 real digits on local files
(``conftest.py``), training runs two epochs with batches of 32, and the command line is a
namespace. Device selection is tested as written in the example's 2023 (``torch.backends.mps``)
and 2025 (``torch.accelerator``) forms.
"""
import itertools
import re
import types

import numpy as np
import pytest

import minigrad as torch
import minigrad.nn as nn
import minigrad.nn.functional as F
import minigrad.optim as optim
from minigrad import data as datasets
from minigrad.data import transforms
from minigrad.optim.lr_scheduler import StepLR


# ---- the client's code --------------------------------------------------------------------------

class Net(nn.Module):
    def __init__(self):
        super(Net, self).__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, 1)
        self.conv2 = nn.Conv2d(32, 64, 3, 1)
        self.dropout1 = nn.Dropout(0.25)
        self.dropout2 = nn.Dropout(0.5)
        self.fc1 = nn.Linear(9216, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = F.relu(self.conv1(x))
        x = F.relu(self.conv2(x))
        x = F.max_pool2d(x, 2)
        x = self.dropout1(x)
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = self.dropout2(x)
        x = self.fc2(x)
        return F.log_softmax(x, dim=1)


def train(args, model, device, train_loader, optimizer, epoch):
    model.train()
    for batch_idx, (data, target) in enumerate(train_loader):
        data, target = data.to(device), target.to(device)
        optimizer.zero_grad()
        output = model(data)
        loss = F.nll_loss(output, target)
        loss.backward()
        optimizer.step()
        if batch_idx % args.log_interval == 0:
            print('Train Epoch: {} [{}/{} ({:.0f}%)]\tLoss: {:.6f}'.format(
                epoch, batch_idx * len(data), len(train_loader.dataset),
                100. * batch_idx / len(train_loader), loss.item()))
            if args.dry_run:
                break


def test(model, device, test_loader):
    model.eval()
    test_loss = 0
    correct = 0
    with torch.no_grad():
        for data, target in test_loader:
            data, target = data.to(device), target.to(device)
            output = model(data)
            test_loss += F.nll_loss(output, target, reduction='sum').item()
            pred = output.argmax(dim=1, keepdim=True)
            correct += pred.eq(target.view_as(pred)).sum().item()
    test_loss /= len(test_loader.dataset)
    print('\nTest set: Average loss: {:.4f}, Accuracy: {}/{} ({:.0f}%)\n'.format(
        test_loss, correct, len(test_loader.dataset),
        100. * correct / len(test_loader.dataset)))


test.__test__ = False   # the client's function, not a pytest test


def make_transform():
    return transforms.Compose([
        transforms.ToTensor(),
        transforms.Normalize((0.1307,), (0.3081,))
    ])


# what the example passes to its loaders on a GPU (2023) or any accelerator (2025)
CUDA_KWARGS = {'num_workers': 1, 'pin_memory': True, 'shuffle': True}
ACCEL_KWARGS = {'num_workers': 1, 'persistent_workers': True, 'pin_memory': True, 'shuffle': True}


def make_loaders(accel_kwargs=None, batch_size=32, test_batch_size=1000):
    train_kwargs = {'batch_size': batch_size}
    test_kwargs = {'batch_size': test_batch_size}
    if accel_kwargs:           # exercised here on the CPU
        train_kwargs.update(accel_kwargs)
        test_kwargs.update(accel_kwargs)
    transform = make_transform()
    dataset1 = datasets.MNIST('./data', train=True, download=True, transform=transform)
    dataset2 = datasets.MNIST('./data', train=False, transform=transform)
    train_loader = torch.utils.data.DataLoader(dataset1, **train_kwargs)
    test_loader = torch.utils.data.DataLoader(dataset2, **test_kwargs)
    return train_loader, test_loader


# ---- the steps ----------------------------------------------------------------------------------

def _train_losses(text):
    return [float(v) for v in re.findall(r'Loss: ([0-9.]+)', text)]


def _test_results(text):
    return [(float(loss), int(c), int(n)) for loss, c, n in
            re.findall(r'Average loss: ([0-9.]+), Accuracy: (\d+)/(\d+)', text)]


def test_net_forward_gives_log_probabilities():
    torch.manual_seed(1)
    model = Net()
    out = model(torch.randn(3, 1, 28, 28))
    assert tuple(out.shape) == (3, 10)
    assert np.allclose(out.exp().sum(dim=1).numpy(), 1, atol=1e-5)


def test_manual_seed_makes_the_same_net():
    torch.manual_seed(1)
    a = Net().state_dict()
    torch.manual_seed(1)
    b = Net().state_dict()
    assert list(a) == list(b)
    assert all(np.array_equal(a[k].numpy(), b[k].numpy()) for k in a)


def test_device_selection_2023_form():
    use_cuda = torch.cuda.is_available()
    use_mps = torch.backends.mps.is_available()
    if use_cuda:
        device = torch.device("cuda")
    elif use_mps:
        device = torch.device("mps")
    else:
        device = torch.device("cpu")
    assert "Using Device: {}".format(device) in ("Using Device: cpu", "Using Device: cuda")


def test_device_selection_2025_form():
    use_accel = torch.accelerator.is_available()
    device = torch.accelerator.current_accelerator() if use_accel else torch.device("cpu")
    x = torch.ones(2).to(device)
    assert x.device == device


def test_transform_gives_normalised_tensor_samples(workdir):
    dataset1 = datasets.MNIST('./data', train=True, download=True, transform=make_transform())
    image, label = dataset1[0]
    assert isinstance(image, torch.Tensor)
    assert tuple(image.shape) == (1, 28, 28) and image.dtype == torch.float32
    assert isinstance(label, int) and 0 <= label < 10
    # (x / 255 - 0.1307) / 0.3081 ranges from -0.4242 (black) to 2.8215 (white)
    assert abs(image.min().item() + 0.1307 / 0.3081) < 1e-4
    assert abs(image.max().item() - (1 - 0.1307) / 0.3081) < 1e-2


@pytest.mark.parametrize('accel_kwargs', [CUDA_KWARGS, ACCEL_KWARGS], ids=['2023', '2025'])
def test_loaders_with_the_accelerator_keyword_arguments(workdir, accel_kwargs):
    train_loader, test_loader = make_loaders(accel_kwargs)
    assert len(train_loader.dataset) == 384 and len(test_loader.dataset) == 256
    assert len(train_loader) == 12
    epochs = [[target.numpy() for data, target in train_loader] for _ in range(2)]
    data, target = next(iter(train_loader))
    assert tuple(data.shape) == (32, 1, 28, 28) and data.dtype == torch.float32
    assert tuple(target.shape) == (32,) and target.dtype == torch.int64
    first, second = (np.concatenate(e) for e in epochs)
    assert len(first) == 384 and sorted(first) == sorted(second)    # every sample once per epoch
    assert not np.array_equal(first, second)                        # reshuffled


def test_adadelta_and_step_lr():
    model = Net()
    optimizer = optim.Adadelta(model.parameters(), lr=1.0)
    scheduler = StepLR(optimizer, step_size=1, gamma=0.7)
    lrs = []
    for _ in range(3):
        lrs.append(optimizer.param_groups[0]['lr'])
        scheduler.step()
    assert [round(lr, 6) for lr in lrs] == [1.0, 0.7, 0.49]


def test_main_trains_tests_and_saves(workdir, capsys):
    args = types.SimpleNamespace(log_interval=4, dry_run=False, epochs=2, lr=1.0, gamma=0.7,
                                 save_model=True)
    torch.manual_seed(1)
    device = torch.device("cpu")
    train_loader, test_loader = make_loaders()
    model = Net().to(device)
    optimizer = optim.Adadelta(model.parameters(), lr=args.lr)
    scheduler = StepLR(optimizer, step_size=1, gamma=args.gamma)
    for epoch in range(1, args.epochs + 1):
        train(args, model, device, train_loader, optimizer, epoch)
        test(model, device, test_loader)
        scheduler.step()
    if args.save_model:
        torch.save(model.state_dict(), "mnist_cnn.pt")

    out = capsys.readouterr().out
    losses = _train_losses(out)
    assert len(losses) == 6                        # batches 0, 4, 8 of two epochs
    assert losses[-1] < 0.6 * losses[0]            # the loss falls
    results = _test_results(out)
    assert len(results) == 2
    (loss1, _, n), (loss2, correct, _) = results
    assert n == 256
    assert correct / n > 0.6                       # chance is 0.1
    assert loss2 < 2.0                             # ln(10) = 2.30 for a guess

    reloaded = Net()
    reloaded.load_state_dict(torch.load("mnist_cnn.pt"))
    model.eval(), reloaded.eval()
    x = next(iter(test_loader))[0][:4]
    with torch.no_grad():
        assert np.array_equal(model(x).numpy(), reloaded(x).numpy())


def test_same_trajectory_as_pytorch(workdir):
    """The example's model, optimizer and schedule follow PyTorch's numbers: the same weights
    and batches give the same losses step by step (eval mode: dropout draws from different
    generators in the two libraries)."""
    real_torch = pytest.importorskip('torch')
    threads = real_torch.get_num_threads()
    real_torch.set_num_threads(1)          # quicker on a machine shared by many processes
    try:
        _compare_with_torch(real_torch)
    finally:
        real_torch.set_num_threads(threads)


def _compare_with_torch(real_torch):
    class TorchNet(real_torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = real_torch.nn.Conv2d(1, 32, 3, 1)
            self.conv2 = real_torch.nn.Conv2d(32, 64, 3, 1)
            self.fc1 = real_torch.nn.Linear(9216, 128)
            self.fc2 = real_torch.nn.Linear(128, 10)

        def forward(self, x):
            TF = real_torch.nn.functional
            x = TF.max_pool2d(TF.relu(self.conv2(TF.relu(self.conv1(x)))), 2)
            x = TF.relu(self.fc1(real_torch.flatten(x, 1)))
            return TF.log_softmax(self.fc2(x), dim=1)

    torch.manual_seed(1)
    model = Net()
    reference = TorchNet()
    reference.load_state_dict({k: real_torch.from_numpy(v.numpy().copy()) for k, v in model.state_dict().items()})
    model.eval(), reference.eval()
    optimizer = optim.Adadelta(model.parameters(), lr=1.0)
    scheduler = StepLR(optimizer, step_size=1, gamma=0.7)
    ref_optimizer = real_torch.optim.Adadelta(reference.parameters(), lr=1.0)
    ref_scheduler = real_torch.optim.lr_scheduler.StepLR(ref_optimizer, step_size=1, gamma=0.7)
    train_loader, _ = make_loaders(batch_size=16)
    batches = list(itertools.islice(train_loader, 3))
    for epoch in range(2):
        for data, target in batches:
            optimizer.zero_grad()
            loss = F.nll_loss(model(data), target)
            loss.backward()
            optimizer.step()
            ref_optimizer.zero_grad()
            ref_loss = real_torch.nn.functional.nll_loss(
                reference(real_torch.from_numpy(data.numpy().copy())), real_torch.from_numpy(target.numpy().copy()))
            ref_loss.backward()
            ref_optimizer.step()
            assert abs(loss.item() - ref_loss.item()) < 1e-4 * max(1.0, abs(ref_loss.item()))
        scheduler.step()
        ref_scheduler.step()
    for name, p in reference.named_parameters():
        assert np.allclose(model.state_dict()[name].numpy(), p.detach().numpy(), atol=1e-4), name

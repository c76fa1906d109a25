"""Client port: "Deep Learning with PyTorch" (Stevens, Antiga, Viehmann; Manning 2020), chapter 8,
"Using convolutions to generalize" (``dlwpt-code/p1ch8/1_convolution.ipynb``), with the data
preparation of chapter 7 that it starts from: CIFAR-10 reduced to birds vs airplanes
(``cifar2``), hand-set convolution kernels under ``torch.no_grad()``, the ``nn.Sequential`` that
fails on a missing flatten (the book shows the error), ``Net`` as a module and in functional
form, the training loop and ``validate``, saving and loading, and the model-design section:
``NetWidth``, a manual L2 penalty and ``weight_decay``, ``NetDropout`` (``Dropout2d``),
``NetBatchNorm``, ``NetDepth``, ``NetRes`` and ``NetResDeep`` (``nn.Sequential(*(n_blocks *
[ResBlock(n_chans1)]))``: one block shared ten times, with ``kaiming_normal_``, ``constant_``,
``zeros_``).

Written afresh after the notebook, keeping every PyTorch call its reader writes; only the
imports differ (``torch`` -> ``minigrad``, torchvision's datasets/transforms ->
``minigrad.data``). Deviations for a quick test: the synthetic CIFAR-10 of ``conftest.py``
(about 600 birds and airplanes for training, 40 for validation, instead of 10,000 and 2,000),
3 epochs instead of 100 (each model of the design section 4 epochs), the loss printed every
epoch; ``datetime.datetime.now()`` is kept in the printout. Plots are left out.
"""
import collections
import datetime
import re

import numpy as np
import pytest

import minigrad as torch
import minigrad.nn as nn
import minigrad.nn.functional as F
import minigrad.optim as optim
from minigrad import data as datasets
from minigrad.data import transforms

data_path = './data/'
class_names = ['airplane', 'bird']
label_map = {0: 0, 2: 1}


def load_cifar2():
    """Chapter 7's data: CIFAR-10 normalised with the book's per-channel statistics, birds
    (class 2) and airplanes (class 0) only."""
    cifar10 = datasets.CIFAR10(
        data_path, train=True, download=False,
        transform=transforms.Compose([
            transforms.ToTensor(),
            transforms.Normalize((0.4915, 0.4823, 0.4468),
                                 (0.2470, 0.2435, 0.2616))
        ]))
    cifar10_val = datasets.CIFAR10(
        data_path, train=False, download=False,
        transform=transforms.Compose([
            transforms.ToTensor(),
            transforms.Normalize((0.4915, 0.4823, 0.4468),
                                 (0.2470, 0.2435, 0.2616))
        ]))
    cifar2 = [(img, label_map[label])
              for img, label in cifar10
              if label in [0, 2]]
    cifar2_val = [(img, label_map[label])
                  for img, label in cifar10_val
                  if label in [0, 2]]
    return cifar2, cifar2_val


@pytest.fixture(scope='module')
def cifar2_data(client_data):
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(client_data.parent)
        return load_cifar2()


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, kernel_size=3, padding=1)
        self.conv2 = nn.Conv2d(16, 8, kernel_size=3, padding=1)
        self.fc1 = nn.Linear(8 * 8 * 8, 32)
        self.fc2 = nn.Linear(32, 2)

    def forward(self, x):
        out = F.max_pool2d(torch.tanh(self.conv1(x)), 2)
        out = F.max_pool2d(torch.tanh(self.conv2(out)), 2)
        out = out.view(-1, 8 * 8 * 8)
        out = torch.tanh(self.fc1(out))
        out = self.fc2(out)
        return out


device = (torch.device('cuda') if torch.cuda.is_available()
          else torch.device('cpu'))


def training_loop(n_epochs, optimizer, model, loss_fn, train_loader):
    for epoch in range(1, n_epochs + 1):
        loss_train = 0.0
        for imgs, labels in train_loader:
            imgs = imgs.to(device=device)
            labels = labels.to(device=device)
            outputs = model(imgs)
            loss = loss_fn(outputs, labels)

            optimizer.zero_grad()
            loss.backward()
            optimizer.step()

            loss_train += loss.item()

        if epoch == 1 or epoch % 1 == 0:
            print('{} Epoch {}, Training loss {}'.format(
                datetime.datetime.now(), epoch,
                loss_train / len(train_loader)))


def training_loop_l2reg(n_epochs, optimizer, model, loss_fn, train_loader):
    for epoch in range(1, n_epochs + 1):
        loss_train = 0.0
        for imgs, labels in train_loader:
            imgs = imgs.to(device=device)
            labels = labels.to(device=device)
            outputs = model(imgs)
            loss = loss_fn(outputs, labels)

            l2_lambda = 0.001
            l2_norm = sum(p.pow(2.0).sum()
                          for p in model.parameters())  # Replace pow(2.0) with abs() for L1 regularization
            loss = loss + l2_lambda * l2_norm

            optimizer.zero_grad()
            loss.backward()
            optimizer.step()

            loss_train += loss.item()
        if epoch == 1 or epoch % 1 == 0:
            print('{} Epoch {}, Training loss {}'.format(
                datetime.datetime.now(), epoch,
                loss_train / len(train_loader)))


def validate(model, train_loader, val_loader):
    accdict = {}
    for name, loader in [("train", train_loader), ("val", val_loader)]:
        correct = 0
        total = 0

        with torch.no_grad():
            for imgs, labels in loader:
                imgs = imgs.to(device=device)
                labels = labels.to(device=device)
                outputs = model(imgs)
                _, predicted = torch.max(outputs, dim=1)  # <1>
                total += labels.shape[0]
                correct += int((predicted == labels).sum())

        print("Accuracy {}: {:.2f}".format(name, correct / total))
        accdict[name] = correct / total
    return accdict


class NetWidth(nn.Module):
    def __init__(self, n_chans1=32):
        super().__init__()
        self.n_chans1 = n_chans1
        self.conv1 = nn.Conv2d(3, n_chans1, kernel_size=3, padding=1)
        self.conv2 = nn.Conv2d(n_chans1, n_chans1 // 2, kernel_size=3,
                               padding=1)
        self.fc1 = nn.Linear(8 * 8 * n_chans1 // 2, 32)
        self.fc2 = nn.Linear(32, 2)

    def forward(self, x):
        out = F.max_pool2d(torch.tanh(self.conv1(x)), 2)
        out = F.max_pool2d(torch.tanh(self.conv2(out)), 2)
        out = out.view(-1, 8 * 8 * self.n_chans1 // 2)
        out = torch.tanh(self.fc1(out))
        out = self.fc2(out)
        return out


class NetDropout(nn.Module):
    def __init__(self, n_chans1=32):
        super().__init__()
        self.n_chans1 = n_chans1
        self.conv1 = nn.Conv2d(3, n_chans1, kernel_size=3, padding=1)
        self.conv1_dropout = nn.Dropout2d(p=0.4)
        self.conv2 = nn.Conv2d(n_chans1, n_chans1 // 2, kernel_size=3,
                               padding=1)
        self.conv2_dropout = nn.Dropout2d(p=0.4)
        self.fc1 = nn.Linear(8 * 8 * n_chans1 // 2, 32)
        self.fc2 = nn.Linear(32, 2)

    def forward(self, x):
        out = F.max_pool2d(torch.tanh(self.conv1(x)), 2)
        out = self.conv1_dropout(out)
        out = F.max_pool2d(torch.tanh(self.conv2(out)), 2)
        out = self.conv2_dropout(out)
        out = out.view(-1, 8 * 8 * self.n_chans1 // 2)
        out = torch.tanh(self.fc1(out))
        out = self.fc2(out)
        return out


class NetBatchNorm(nn.Module):
    def __init__(self, n_chans1=32):
        super().__init__()
        self.n_chans1 = n_chans1
        self.conv1 = nn.Conv2d(3, n_chans1, kernel_size=3, padding=1)
        self.conv1_batchnorm = nn.BatchNorm2d(num_features=n_chans1)
        self.conv2 = nn.Conv2d(n_chans1, n_chans1 // 2, kernel_size=3,
                               padding=1)
        self.conv2_batchnorm = nn.BatchNorm2d(num_features=n_chans1 // 2)
        self.fc1 = nn.Linear(8 * 8 * n_chans1 // 2, 32)
        self.fc2 = nn.Linear(32, 2)

    def forward(self, x):
        out = self.conv1_batchnorm(self.conv1(x))
        out = F.max_pool2d(torch.tanh(out), 2)
        out = self.conv2_batchnorm(self.conv2(out))
        out = F.max_pool2d(torch.tanh(out), 2)
        out = out.view(-1, 8 * 8 * self.n_chans1 // 2)
        out = torch.tanh(self.fc1(out))
        out = self.fc2(out)
        return out


class NetDepth(nn.Module):
    def __init__(self, n_chans1=32):
        super().__init__()
        self.n_chans1 = n_chans1
        self.conv1 = nn.Conv2d(3, n_chans1, kernel_size=3, padding=1)
        self.conv2 = nn.Conv2d(n_chans1, n_chans1 // 2, kernel_size=3,
                               padding=1)
        self.conv3 = nn.Conv2d(n_chans1 // 2, n_chans1 // 2,
                               kernel_size=3, padding=1)
        self.fc1 = nn.Linear(4 * 4 * n_chans1 // 2, 32)
        self.fc2 = nn.Linear(32, 2)

    def forward(self, x):
        out = F.max_pool2d(torch.relu(self.conv1(x)), 2)
        out = F.max_pool2d(torch.relu(self.conv2(out)), 2)
        out = F.max_pool2d(torch.relu(self.conv3(out)), 2)
        out = out.view(-1, 4 * 4 * self.n_chans1 // 2)
        out = torch.relu(self.fc1(out))
        out = self.fc2(out)
        return out


class NetRes(nn.Module):
    def __init__(self, n_chans1=32):
        super().__init__()
        self.n_chans1 = n_chans1
        self.conv1 = nn.Conv2d(3, n_chans1, kernel_size=3, padding=1)
        self.conv2 = nn.Conv2d(n_chans1, n_chans1 // 2, kernel_size=3,
                               padding=1)
        self.conv3 = nn.Conv2d(n_chans1 // 2, n_chans1 // 2,
                               kernel_size=3, padding=1)
        self.fc1 = nn.Linear(4 * 4 * n_chans1 // 2, 32)
        self.fc2 = nn.Linear(32, 2)

    def forward(self, x):
        out = F.max_pool2d(torch.relu(self.conv1(x)), 2)
        out = F.max_pool2d(torch.relu(self.conv2(out)), 2)
        out1 = out
        out = F.max_pool2d(torch.relu(self.conv3(out)) + out1, 2)
        out = out.view(-1, 4 * 4 * self.n_chans1 // 2)
        out = torch.relu(self.fc1(out))
        out = self.fc2(out)
        return out


class ResBlock(nn.Module):
    def __init__(self, n_chans):
        super(ResBlock, self).__init__()
        self.conv = nn.Conv2d(n_chans, n_chans, kernel_size=3,
                              padding=1, bias=False)  # <1>
        self.batch_norm = nn.BatchNorm2d(num_features=n_chans)
        torch.nn.init.kaiming_normal_(self.conv.weight,
                                      nonlinearity='relu')  # <2>
        torch.nn.init.constant_(self.batch_norm.weight, 0.5)
        torch.nn.init.zeros_(self.batch_norm.bias)

    def forward(self, x):
        out = self.conv(x)
        out = self.batch_norm(out)
        out = torch.relu(out)
        return out + x


class NetResDeep(nn.Module):
    def __init__(self, n_chans1=32, n_blocks=10):
        super().__init__()
        self.n_chans1 = n_chans1
        self.conv1 = nn.Conv2d(3, n_chans1, kernel_size=3, padding=1)
        self.resblocks = nn.Sequential(
            *(n_blocks * [ResBlock(n_chans=n_chans1)]))
        self.fc1 = nn.Linear(8 * 8 * n_chans1, 32)
        self.fc2 = nn.Linear(32, 2)

    def forward(self, x):
        out = F.max_pool2d(torch.relu(self.conv1(x)), 2)
        out = self.resblocks(out)
        out = F.max_pool2d(out, 2)
        out = out.view(-1, 8 * 8 * self.n_chans1)
        out = torch.relu(self.fc1(out))
        out = self.fc2(out)
        return out


def _losses(text):
    return [float(v) for v in re.findall(r'Training loss ([0-9.e-]+)', text)]


# ---- the steps ----------------------------------------------------------------------------------

def test_chapter7_statistics_and_cifar2(workdir, cifar2_data):
    tensor_cifar10 = datasets.CIFAR10(data_path, train=True, download=False,
                                      transform=transforms.ToTensor())
    img_t, _ = tensor_cifar10[99]
    assert tuple(img_t.shape) == (3, 32, 32) and img_t.dtype == torch.float32
    assert tuple(img_t.permute(1, 2, 0).shape) == (32, 32, 3)
    imgs = torch.stack([img_t for img_t, _ in tensor_cifar10], dim=3)
    assert tuple(imgs.shape) == (3, 32, 32, 3000)
    mean = imgs.view(3, -1).mean(dim=1)
    std = imgs.view(3, -1).std(dim=1)
    assert tuple(mean.shape) == tuple(std.shape) == (3,)
    assert np.all((0 < mean.numpy()) & (mean.numpy() < 1)) and np.all(std.numpy() > 0)

    cifar2, cifar2_val = cifar2_data
    labels = [label for _, label in cifar2]
    assert 500 < len(cifar2) < 700 and set(labels) == {0, 1} and len(cifar2_val) > 20
    assert tuple(cifar2[0][0].shape) == (3, 32, 32)


def test_convolution_shapes_and_hand_set_kernels(cifar2_data):
    cifar2, _ = cifar2_data
    conv = nn.Conv2d(3, 16, kernel_size=3)
    assert (tuple(conv.weight.shape), tuple(conv.bias.shape)) == ((16, 3, 3, 3), (16,))
    img, _ = cifar2[0]
    output = conv(img.unsqueeze(0))
    assert tuple(img.unsqueeze(0).shape) == (1, 3, 32, 32) and tuple(output.shape) == (1, 16, 30, 30)

    conv = nn.Conv2d(3, 1, kernel_size=3, padding=1)
    output = conv(img.unsqueeze(0))
    assert tuple(output.shape) == (1, 1, 32, 32)

    with torch.no_grad():
        conv.bias.zero_()
    with torch.no_grad():
        conv.weight.fill_(1.0 / 9.0)
    output = conv(img.unsqueeze(0))     # a 3x3 box blur summed over the channels
    centre = img[:, 10:13, 10:13].sum().item() / 9
    assert abs(output[0, 0, 11, 11].item() - centre) < 1e-4

    conv = nn.Conv2d(3, 1, kernel_size=3, padding=1)
    with torch.no_grad():
        conv.weight[:] = torch.tensor([[-1.0, 0.0, 1.0],
                                       [-1.0, 0.0, 1.0],
                                       [-1.0, 0.0, 1.0]])
        conv.bias.zero_()
    output = conv(img.unsqueeze(0))     # a vertical-edge detector: zero on a constant image
    flat = conv(torch.ones(1, 3, 8, 8))
    assert np.allclose(flat[0, 0, 1:-1, 1:-1].detach().numpy(), 0)
    assert tuple(output.shape) == (1, 1, 32, 32)

    pool = nn.MaxPool2d(2)
    output = pool(img.unsqueeze(0))
    assert tuple(output.shape) == (1, 3, 16, 16)


def test_sequential_without_flatten_fails_clearly(cifar2_data):
    img, _ = cifar2_data[0][0]
    model = nn.Sequential(
        nn.Conv2d(3, 16, kernel_size=3, padding=1),
        nn.Tanh(),
        nn.MaxPool2d(2),
        nn.Conv2d(16, 8, kernel_size=3, padding=1),
        nn.Tanh(),
        nn.MaxPool2d(2),
        # ... <1>
        nn.Linear(8 * 8 * 8, 32),
        nn.Tanh(),
        nn.Linear(32, 2))
    numel_list = [p.numel() for p in model.parameters()]
    assert (sum(numel_list), numel_list) == (18090, [432, 16, 1152, 8, 16384, 32, 64, 2])
    # the book: "RuntimeError: size mismatch, m1: [64 x 8], m2: [512 x 32]"
    with pytest.raises(RuntimeError, match=r'512') as info:
        model(img.unsqueeze(0))
    assert '8' in str(info.value)


def test_net_as_module_and_functional(cifar2_data):
    img, _ = cifar2_data[0][0]

    class NetModules(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(3, 16, kernel_size=3, padding=1)
            self.act1 = nn.Tanh()
            self.pool1 = nn.MaxPool2d(2)
            self.conv2 = nn.Conv2d(16, 8, kernel_size=3, padding=1)
            self.act2 = nn.Tanh()
            self.pool2 = nn.MaxPool2d(2)
            self.fc1 = nn.Linear(8 * 8 * 8, 32)
            self.act3 = nn.Tanh()
            self.fc2 = nn.Linear(32, 2)

        def forward(self, x):
            out = self.pool1(self.act1(self.conv1(x)))
            out = self.pool2(self.act2(self.conv2(out)))
            out = out.view(-1, 8 * 8 * 8)  # <1>
            out = self.act3(self.fc1(out))
            out = self.fc2(out)
            return out

    for model in (NetModules(), Net()):
        numel_list = [p.numel() for p in model.parameters()]
        assert sum(numel_list) == 18090
        assert tuple(model(img.unsqueeze(0)).shape) == (1, 2)


@pytest.fixture(scope='module')
def trained_net(cifar2_data, tmp_path_factory):
    """The chapter's first training run, validation and save: (model, accuracies, printout, path)."""
    import contextlib
    import io
    cifar2, cifar2_val = cifar2_data
    torch.manual_seed(123)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        print(f"Training on device {device}.")
        train_loader = torch.utils.data.DataLoader(cifar2, batch_size=64,
                                                   shuffle=True)  # <1>
        model = Net().to(device=device)  # <1>
        optimizer = optim.SGD(model.parameters(), lr=1e-2)  # <2>
        loss_fn = nn.CrossEntropyLoss()  # <3>
        training_loop(  # <4>
            n_epochs=3,
            optimizer=optimizer,
            model=model,
            loss_fn=loss_fn,
            train_loader=train_loader,
        )
        train_loader = torch.utils.data.DataLoader(cifar2, batch_size=64,
                                                   shuffle=False)
        val_loader = torch.utils.data.DataLoader(cifar2_val, batch_size=64,
                                                 shuffle=False)
        accdict = validate(model, train_loader, val_loader)
    path = str(tmp_path_factory.mktemp('dlwpt')) + '/'
    torch.save(model.state_dict(), path + 'birds_vs_airplanes.pt')
    return model, accdict, printed.getvalue(), path + 'birds_vs_airplanes.pt'


def test_training_loop_lowers_the_loss_and_validates(trained_net):
    _, accdict, out, _ = trained_net
    assert out.startswith('Training on device cpu.') or out.startswith('Training on device cuda')
    losses = _losses(out)
    assert len(losses) == 3 and losses[-1] < 0.7 * losses[0]
    assert re.search(r'^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+ Epoch 1, Training loss ', out, re.M)
    assert re.search(r'^Accuracy train: \d\.\d\d$', out, re.M) and 'Accuracy val: ' in out
    assert accdict['train'] > 0.8 and accdict['val'] > 0.8          # chance is 0.5


def test_saved_model_loads_back(trained_net, cifar2_data):
    model, _, _, path = trained_net
    loaded_model = Net().to(device=device)
    loaded_model.load_state_dict(torch.load(path, map_location=device))
    imgs = torch.stack([img for img, _ in cifar2_data[1][:8]])
    assert np.array_equal(loaded_model(imgs).detach().numpy(), model(imgs).detach().numpy())


@pytest.mark.parametrize('name, make, loop, kwargs', [
    ('width', lambda: NetWidth(n_chans1=32), training_loop, {}),
    ('l2 reg', lambda: Net(), training_loop_l2reg, {}),
    ('weight decay', lambda: Net(), training_loop, {'weight_decay': 0.001}),
    ('dropout', lambda: NetDropout(n_chans1=32), training_loop, {}),
    ('batch_norm', lambda: NetBatchNorm(n_chans1=32), training_loop, {}),
    ('depth', lambda: NetDepth(n_chans1=32), training_loop, {}),
    ('res', lambda: NetRes(n_chans1=32), training_loop, {}),
    ('res deep', lambda: NetResDeep(n_chans1=32, n_blocks=10), training_loop, {}),
])
def test_model_design_variants_train(name, make, loop, kwargs, cifar2_data, capsys):
    cifar2, cifar2_val = cifar2_data
    all_acc_dict = collections.OrderedDict()
    torch.manual_seed(0)
    train_loader = torch.utils.data.DataLoader(cifar2, batch_size=64, shuffle=True)
    model = make().to(device=device)
    lr = 3e-3 if name == 'res deep' else 1e-2       # the book's rates
    optimizer = optim.SGD(model.parameters(), lr=lr, **kwargs)
    loss_fn = nn.CrossEntropyLoss()
    loop(n_epochs=4, optimizer=optimizer, model=model, loss_fn=loss_fn, train_loader=train_loader)
    all_acc_dict[name] = validate(model, train_loader, torch.utils.data.DataLoader(cifar2_val, batch_size=64))
    losses = _losses(capsys.readouterr().out)
    assert len(losses) == 4 and losses[-1] < losses[0]
    assert all_acc_dict[name]['train'] > 0.9                       # chance is 0.5


def test_resdeep_shares_one_block():
    model = NetResDeep(n_chans1=32, n_blocks=10)
    # the same ResBlock object ten times: its parameters count once, as in PyTorch
    assert all(block is model.resblocks[0] for block in model.resblocks)
    numel = sum(p.numel() for p in model.parameters())
    assert numel == 896 + (9216 + 32 + 32) + (65568 + 66)
    assert 'resblocks.9.conv.weight' in model.state_dict()
    block = model.resblocks[0]
    assert np.all(block.batch_norm.weight.detach().numpy() == 0.5)
    assert np.all(block.batch_norm.bias.detach().numpy() == 0)
    std = block.conv.weight.detach().numpy().std()
    assert abs(std - np.sqrt(2 / (32 * 9))) < 0.15 * np.sqrt(2 / (32 * 9))
    model(torch.randn(2, 3, 32, 32)).sum().backward()
    assert block.conv.weight.grad is not None

"""Client port: the PyTorch VAE example (github.com/pytorch/examples, ``vae/main.py``): a
784-400-20 variational auto-encoder on MNIST with the reparameterisation trick
(``torch.randn_like``), ``F.binary_cross_entropy(..., reduction='sum')`` plus the KL term,
Adam, reconstructions and samples written with ``torchvision.utils.save_image``.

Written afresh after the example, keeping every PyTorch call its user writes; only the imports
differ (``torch`` -> ``minigrad``, torchvision's datasets/transforms -> ``minigrad.data``,
``torchvision.utils.save_image`` -> ``minigrad.data.utils.save_image``). Changes for a quick test:
384/256 real digits on local files (``conftest.py``), batches of 32 instead of
128, the command line is a namespace. ``comparison`` uses ``args.batch_size`` as the example
does, so the test set size is a multiple of the batch size here too.
"""
import re
import types

import numpy as np

import minigrad as torch
import minigrad.data
import minigrad.nn.functional as F
from minigrad import nn, optim
from minigrad.data import transforms
from minigrad.data.utils import read_png, save_image

datasets = minigrad.data


class VAE(nn.Module):
    def __init__(self):
        super(VAE, self).__init__()

        self.fc1 = nn.Linear(784, 400)
        self.fc21 = nn.Linear(400, 20)
        self.fc22 = nn.Linear(400, 20)
        self.fc3 = nn.Linear(20, 400)
        self.fc4 = nn.Linear(400, 784)

    def encode(self, x):
        h1 = F.relu(self.fc1(x))
        return self.fc21(h1), self.fc22(h1)

    def reparameterize(self, mu, logvar):
        std = torch.exp(0.5*logvar)
        eps = torch.randn_like(std)
        return mu + eps*std

    def decode(self, z):
        h3 = F.relu(self.fc3(z))
        return torch.sigmoid(self.fc4(h3))

    def forward(self, x):
        mu, logvar = self.encode(x.view(-1, 784))
        z = self.reparameterize(mu, logvar)
        return self.decode(z), mu, logvar


# Reconstruction + KL divergence losses summed over all elements and batch
def loss_function(recon_x, x, mu, logvar):
    BCE = F.binary_cross_entropy(recon_x, x.view(-1, 784), reduction='sum')

    # see Appendix B from VAE paper:
    # Kingma and Welling. Auto-Encoding Variational Bayes. ICLR, 2014
    # https://arxiv.org/abs/1312.6114
    # 0.5 * sum(1 + log(sigma^2) - mu^2 - sigma^2)
    KLD = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())

    return BCE + KLD


def run(args):
    """The example's module-level code and main block."""
    args.cuda = not args.no_cuda and torch.cuda.is_available()
    torch.manual_seed(args.seed)
    device = torch.device("cuda" if args.cuda else "cpu")
    kwargs = {'num_workers': 1, 'pin_memory': True} if args.cuda else {}
    train_loader = torch.utils.data.DataLoader(
        datasets.MNIST('./data', train=True, download=True,
                       transform=transforms.ToTensor()),
        batch_size=args.batch_size, shuffle=True, **kwargs)
    test_loader = torch.utils.data.DataLoader(
        datasets.MNIST('./data', train=False, transform=transforms.ToTensor()),
        batch_size=args.batch_size, shuffle=False, **kwargs)

    model = VAE().to(device)
    optimizer = optim.Adam(model.parameters(), lr=1e-3)

    def train(epoch):
        model.train()
        train_loss = 0
        for batch_idx, (data, _) in enumerate(train_loader):
            data = data.to(device)
            optimizer.zero_grad()
            recon_batch, mu, logvar = model(data)
            loss = loss_function(recon_batch, data, mu, logvar)
            loss.backward()
            train_loss += loss.item()
            optimizer.step()
            if batch_idx % args.log_interval == 0:
                print('Train Epoch: {} [{}/{} ({:.0f}%)]\tLoss: {:.6f}'.format(
                    epoch, batch_idx * len(data), len(train_loader.dataset),
                    100. * batch_idx / len(train_loader),
                    loss.item() / len(data)))

        print('====> Epoch: {} Average loss: {:.4f}'.format(
              epoch, train_loss / len(train_loader.dataset)))

    def test(epoch):
        model.eval()
        test_loss = 0
        with torch.no_grad():
            for i, (data, _) in enumerate(test_loader):
                data = data.to(device)
                recon_batch, mu, logvar = model(data)
                test_loss += loss_function(recon_batch, data, mu, logvar).item()
                if i == 0:
                    n = min(data.size(0), 8)
                    comparison = torch.cat([data[:n],
                                            recon_batch.view(args.batch_size, 1, 28, 28)[:n]])
                    save_image(comparison.cpu(),
                               'results/reconstruction_' + str(epoch) + '.png', nrow=n)

        test_loss /= len(test_loader.dataset)
        print('====> Test set loss: {:.4f}'.format(test_loss))

    for epoch in range(1, args.epochs + 1):
        train(epoch)
        test(epoch)
        with torch.no_grad():
            sample = torch.randn(64, 20).to(device)
            sample = model.decode(sample).cpu()
            save_image(sample.view(64, 1, 28, 28),
                       'results/sample_' + str(epoch) + '.png')
    return model


ARGS = dict(batch_size=32, epochs=10, no_cuda=False, no_mps=True, seed=1, log_interval=4)


def test_vae_shapes_and_loss():
    torch.manual_seed(1)
    model = VAE()
    x = torch.rand(5, 1, 28, 28)
    recon, mu, logvar = model(x)
    assert tuple(recon.shape) == (5, 784) and tuple(mu.shape) == tuple(logvar.shape) == (5, 20)
    assert 0 < recon.min().item() and recon.max().item() < 1
    loss = loss_function(recon, x, mu, logvar)
    assert loss.ndim == 0 and loss.item() > 0
    loss.backward()
    assert all(p.grad is not None for p in model.parameters())


def test_vae_trains_and_writes_images(workdir, capsys):
    (workdir / 'results').mkdir()
    model = run(types.SimpleNamespace(**ARGS))
    out = capsys.readouterr().out
    train_avg = [float(v) for v in re.findall(r'====> Epoch: \d+ Average loss: ([0-9.]+)', out)]
    test_avg = [float(v) for v in re.findall(r'====> Test set loss: ([0-9.]+)', out)]
    assert len(train_avg) == len(test_avg) == 10
    # the loss per image starts near 784 * ln 2 = 543 and falls (about 100 when fully trained)
    assert train_avg[-1] < 0.6 * train_avg[0] and test_avg[-1] < 0.8 * test_avg[0]
    assert 'Train Epoch: 1 [0/384 (0%)]\tLoss: ' in out
    grid = read_png(workdir / 'results' / 'reconstruction_10.png')
    assert grid.shape == (2 + 2 * 30, 2 + 8 * 30, 3)             # 8 originals over 8 reconstructions
    sample = read_png(workdir / 'results' / 'sample_10.png')
    assert sample.shape == (2 + 8 * 30, 2 + 8 * 30, 3)
    # the reconstructions look like their digits: each correlates more with its own
    # original than with the others (384 training digits give blurry ones)
    originals, recons = grid[2:30, :, 0].astype(float), grid[32:60, :, 0].astype(float)
    tiles = [slice(2 + 30 * k, 30 * (k + 1)) for k in range(8)]
    corr = np.corrcoef([originals[:, t].ravel() for t in tiles] + [recons[:, t].ravel() for t in tiles])[8:, :8]
    assert np.mean(np.diag(corr)) > np.mean(corr[~np.eye(8, dtype=bool)]) + 0.1

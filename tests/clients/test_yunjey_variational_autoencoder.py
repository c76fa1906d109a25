"""Client port: yunjey/pytorch-tutorial, ``tutorials/03-advanced/variational_autoencoder/main.py``:
a VAE (784-400-20) with ``torch.exp(log_var/2)``, ``torch.randn_like``, ``F.sigmoid``, the
legacy ``F.binary_cross_entropy(..., size_average=False)`` plus the KL term, sampled digits and
side-by-side reconstructions (``torch.cat(..., dim=3)``) written with ``save_image``.

Written afresh, keeping every PyTorch call its reader writes; only the imports differ (``torch``
-> ``minigrad``, torchvision's datasets/transforms/utils -> ``minigrad.data``). Deviations for a
quick test: 384 real digits on local files (``conftest.py``), batches of 32 instead of 128, the
losses printed every 4 steps instead of 10. ``size_average=False`` warns as in PyTorch.
"""
import os
import re
import types

import numpy as np
import pytest

import minigrad as torch
import minigrad.data
import minigrad.nn as nn
import minigrad.nn.functional as F
import minigrad.data.transforms as transforms
from minigrad.data.utils import read_png, save_image

torchvision = types.SimpleNamespace(datasets=minigrad.data)

# Device configuration
device = torch.device('cuda' if torch.cuda.is_available() else 'cpu')

# Create a directory if not exists
sample_dir = 'samples'

# Hyper-parameters
image_size = 784
h_dim = 400
z_dim = 20
num_epochs = 15
batch_size = 32
learning_rate = 1e-3


# VAE model
class VAE(nn.Module):
    def __init__(self, image_size=784, h_dim=400, z_dim=20):
        super(VAE, self).__init__()
        self.fc1 = nn.Linear(image_size, h_dim)
        self.fc2 = nn.Linear(h_dim, z_dim)
        self.fc3 = nn.Linear(h_dim, z_dim)
        self.fc4 = nn.Linear(z_dim, h_dim)
        self.fc5 = nn.Linear(h_dim, image_size)

    def encode(self, x):
        h = F.relu(self.fc1(x))
        return self.fc2(h), self.fc3(h)

    def reparameterize(self, mu, log_var):
        std = torch.exp(log_var/2)
        eps = torch.randn_like(std)
        return mu + eps * std

    def decode(self, z):
        h = F.relu(self.fc4(z))
        return F.sigmoid(self.fc5(h))

    def forward(self, x):
        mu, log_var = self.encode(x)
        z = self.reparameterize(mu, log_var)
        x_reconst = self.decode(z)
        return x_reconst, mu, log_var


def main():
    if not os.path.exists(sample_dir):
        os.makedirs(sample_dir)

    # MNIST dataset
    dataset = torchvision.datasets.MNIST(root='./data',
                                         train=True,
                                         transform=transforms.ToTensor(),
                                         download=True)

    # Data loader
    data_loader = torch.utils.data.DataLoader(dataset=dataset,
                                              batch_size=batch_size,
                                              shuffle=True)

    model = VAE().to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=learning_rate)

    # Start training
    for epoch in range(num_epochs):
        for i, (x, _) in enumerate(data_loader):
            # Forward pass
            x = x.to(device).view(-1, image_size)
            x_reconst, mu, log_var = model(x)

            # Compute reconstruction loss and kl divergence
            # For KL divergence, see Appendix B in VAE paper or http://yunjey47.tistory.com/43
            reconst_loss = F.binary_cross_entropy(x_reconst, x, size_average=False)
            kl_div = - 0.5 * torch.sum(1 + log_var - mu.pow(2) - log_var.exp())

            # Backprop and optimize
            loss = reconst_loss + kl_div
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()

            if (i+1) % 4 == 0:
                print("Epoch[{}/{}], Step [{}/{}], Reconst Loss: {:.4f}, KL Div: {:.4f}"
                      .format(epoch+1, num_epochs, i+1, len(data_loader), reconst_loss.item(), kl_div.item()))

        with torch.no_grad():
            # Save the sampled images
            z = torch.randn(batch_size, z_dim).to(device)
            out = model.decode(z).view(-1, 1, 28, 28)
            save_image(out, os.path.join(sample_dir, 'sampled-{}.png'.format(epoch+1)))

            # Save the reconstructed images
            out, _, _ = model(x)
            x_concat = torch.cat([x.view(-1, 1, 28, 28), out.view(-1, 1, 28, 28)], dim=3)
            save_image(x_concat, os.path.join(sample_dir, 'reconst-{}.png'.format(epoch+1)))
    return model


def test_vae_trains_and_writes_samples(workdir, capsys):
    torch.manual_seed(0)
    with pytest.warns(UserWarning, match='size_average and reduce args will be deprecated'):
        main()
    out = capsys.readouterr().out
    rows = [(float(a), float(b)) for a, b in re.findall(r'Reconst Loss: ([0-9.]+), KL Div: ([0-9.]+)', out)]
    assert len(rows) == 15 * 3
    reconst = [r for r, _ in rows]
    # summed over a batch of 32: 32 * 784 * ln 2 = 17,390 for a coin-flip decoder
    assert np.mean(reconst[-3:]) < 0.6 * np.mean(reconst[:3]) and all(kl > 0 for _, kl in rows)
    sampled = read_png(os.path.join(sample_dir, 'sampled-15.png'))
    reconst_png = read_png(os.path.join(sample_dir, 'reconst-15.png'))
    assert sampled.shape == (2 + 4 * 30, 2 + 8 * 30, 3)
    assert reconst_png.shape == (2 + 4 * 30, 2 + 8 * 58, 3)       # each tile: digit | reconstruction

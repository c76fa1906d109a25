"""Client port: yunjey/pytorch-tutorial, ``tutorials/03-advanced/generative_adversarial_network/main.py``:
a fully connected GAN on MNIST (``nn.Sequential`` of Linear/LeakyReLU/Sigmoid and Linear/ReLU/Tanh),
``nn.BCELoss``, two Adam optimizers cleared together by ``reset_grad``, ``denorm`` with
``clamp``, sample grids written with ``save_image``, both nets' checkpoints.

Written afresh, keeping every PyTorch call its reader writes; only the imports differ (``torch``
-> ``minigrad``, torchvision's datasets/transforms/utils -> ``minigrad.data``). Deviations for a
quick test: 384 real digits on local files (``conftest.py``), batches of 32 instead of 100, 20
epochs instead of 200, the losses printed every 6 steps instead of 200.
"""
import os
import re
import types

import numpy as np

import minigrad as torch
import minigrad.data
import minigrad.nn as nn
import minigrad.data.transforms as transforms
from minigrad.data.utils import read_png, save_image

torchvision = types.SimpleNamespace(datasets=minigrad.data)

# Device configuration
device = torch.device('cuda' if torch.cuda.is_available() else 'cpu')

# Hyper-parameters
latent_size = 64
hidden_size = 256
image_size = 784
num_epochs = 20
batch_size = 32
sample_dir = 'samples'


def main():
    # Create a directory if not exists
    if not os.path.exists(sample_dir):
        os.makedirs(sample_dir)

    # Image processing
    transform = transforms.Compose([
                    transforms.ToTensor(),
                    transforms.Normalize(mean=[0.5],   # 1 for greyscale channels
                                         std=[0.5])])

    # MNIST dataset
    mnist = torchvision.datasets.MNIST(root='./data/',
                                       train=True,
                                       transform=transform,
                                       download=True)

    # Data loader
    data_loader = torch.utils.data.DataLoader(dataset=mnist,
                                              batch_size=batch_size,
                                              shuffle=True)

    # Discriminator
    D = nn.Sequential(
        nn.Linear(image_size, hidden_size),
        nn.LeakyReLU(0.2),
        nn.Linear(hidden_size, hidden_size),
        nn.LeakyReLU(0.2),
        nn.Linear(hidden_size, 1),
        nn.Sigmoid())

    # Generator
    G = nn.Sequential(
        nn.Linear(latent_size, hidden_size),
        nn.ReLU(),
        nn.Linear(hidden_size, hidden_size),
        nn.ReLU(),
        nn.Linear(hidden_size, image_size),
        nn.Tanh())

    # Device setting
    D = D.to(device)
    G = G.to(device)

    # Binary cross entropy loss and optimizer
    criterion = nn.BCELoss()
    d_optimizer = torch.optim.Adam(D.parameters(), lr=0.0002)
    g_optimizer = torch.optim.Adam(G.parameters(), lr=0.0002)

    def denorm(x):
        out = (x + 1) / 2
        return out.clamp(0, 1)

    def reset_grad():
        d_optimizer.zero_grad()
        g_optimizer.zero_grad()

    # Start training
    total_step = len(data_loader)
    for epoch in range(num_epochs):
        for i, (images, _) in enumerate(data_loader):
            images = images.reshape(batch_size, -1).to(device)

            # Create the labels which are later used as input for the BCE loss
            real_labels = torch.ones(batch_size, 1).to(device)
            fake_labels = torch.zeros(batch_size, 1).to(device)

            # ================================================================== #
            #                      Train the discriminator                       #
            # ================================================================== #

            # Compute BCE_Loss using real images where BCE_Loss(x, y): - y * log(D(x)) - (1-y) * log(1 - D(x))
            # Second term of the loss is always zero since real_labels == 1
            outputs = D(images)
            d_loss_real = criterion(outputs, real_labels)
            real_score = outputs

            # Compute BCELoss using fake images
            # First term of the loss is always zero since fake_labels == 0
            z = torch.randn(batch_size, latent_size).to(device)
            fake_images = G(z)
            outputs = D(fake_images)
            d_loss_fake = criterion(outputs, fake_labels)
            fake_score = outputs

            # Backprop and optimize
            d_loss = d_loss_real + d_loss_fake
            reset_grad()
            d_loss.backward()
            d_optimizer.step()

            # ================================================================== #
            #                        Train the generator                         #
            # ================================================================== #

            # Compute loss with fake images
            z = torch.randn(batch_size, latent_size).to(device)
            fake_images = G(z)
            outputs = D(fake_images)

            # We train G to maximize log(D(G(z)) instead of minimizing log(1-D(G(z)))
            # For the reason, see the last paragraph of section 3. https://arxiv.org/pdf/1406.2661.pdf
            g_loss = criterion(outputs, real_labels)

            # Backprop and optimize
            reset_grad()
            g_loss.backward()
            g_optimizer.step()

            if (i+1) % 6 == 0:
                print('Epoch [{}/{}], Step [{}/{}], d_loss: {:.4f}, g_loss: {:.4f}, D(x): {:.2f}, D(G(z)): {:.2f}'
                      .format(epoch, num_epochs, i+1, total_step, d_loss.item(), g_loss.item(),
                              real_score.mean().item(), fake_score.mean().item()))

        # Save real images
        if (epoch+1) == 1:
            images = images.reshape(images.size(0), 1, 28, 28)
            save_image(denorm(images), os.path.join(sample_dir, 'real_images.png'))

        # Save sampled images
        fake_images = fake_images.reshape(fake_images.size(0), 1, 28, 28)
        save_image(denorm(fake_images), os.path.join(sample_dir, 'fake_images-{}.png'.format(epoch+1)))

    # Save the model checkpoints
    torch.save(G.state_dict(), 'G.ckpt')
    torch.save(D.state_dict(), 'D.ckpt')
    return G, D


def test_gan_trains_and_samples(workdir, capsys):
    torch.manual_seed(0)
    G, D = main()
    out = capsys.readouterr().out
    rows = [tuple(float(v) for v in m) for m in re.findall(
        r'd_loss: ([0-9.]+), g_loss: ([0-9.]+), D\(x\): ([0-9.]+), D\(G\(z\)\): ([0-9.]+)', out)]
    assert len(rows) == 20 * 2 and np.isfinite(rows).all()
    rows = np.array(rows)
    # the discriminator learns to score real digits above the generator's images
    assert rows[-10:, 2].mean() > rows[-10:, 3].mean() + 0.2
    real = read_png(os.path.join('samples', 'real_images.png'))
    fake = read_png(os.path.join('samples', 'fake_images-20.png'))
    assert real.shape == fake.shape == (2 + 4 * 30, 2 + 8 * 30, 3)
    # denorm(clamp) maps the Tanh outputs into [0, 1]: the PNG uses the full 0-255 range
    assert fake.min() == 0 or fake.max() == 255
    reloaded = nn.Sequential(nn.Linear(latent_size, hidden_size), nn.ReLU(),
                             nn.Linear(hidden_size, hidden_size), nn.ReLU(),
                             nn.Linear(hidden_size, image_size), nn.Tanh())
    reloaded.load_state_dict(torch.load('G.ckpt'))
    z = torch.randn(2, latent_size)
    assert np.array_equal(reloaded(z).detach().numpy(), G(z).detach().numpy())

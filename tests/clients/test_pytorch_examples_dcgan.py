"""Client port: the PyTorch DCGAN example (github.com/pytorch/examples, ``dcgan/main.py``): a
generator of ``ConvTranspose2d``-BatchNorm-ReLU layers and a discriminator of strided ``Conv2d``
with ``LeakyReLU(0.2, inplace=True)``, both initialised through ``net.apply(weights_init)``
(``classname.find('Conv')``, ``nn.init.normal_``, ``zeros_``), ``nn.BCELoss``, labels made with
``torch.full`` and refilled with ``label.fill_``, ``fake.detach()`` for the discriminator's step,
two Adam optimizers with ``betas=(beta1, 0.999)``, samples written with
``vutils.save_image(..., normalize=True)`` and checkpoints of both nets.

Written afresh after the example, keeping every PyTorch call its user writes; only the imports
differ (``torch`` -> ``minigrad``, ``torchvision.datasets`` -> ``minigrad.data``,
``torchvision.utils`` -> ``minigrad.data.utils``). Changes for a quick test: the command line
is a namespace; ``--ngf``/``--ndf`` 8 instead of 64 (the layers are the example's, only
narrower), batches of 16, 2 epochs over the first 384 MNIST digits of ``conftest.py`` (resized to
64x64 by the example's own ``transforms.Resize``), and the ``--dataset fake`` path on 32 images.
``torch.backends.cudnn`` is reached as an attribute in the run (``import torch.backends.cudnn as
cudnn`` is tested on its own).
"""
import os
import random
import re
import types

import numpy as np
import pytest

import minigrad as torch
import minigrad.data as dset
import minigrad.data.transforms as transforms
import minigrad.data.utils as vutils
import minigrad.nn as nn
import minigrad.optim as optim
from minigrad.data.utils import read_png


# custom weights initialization called on netG and netD
def weights_init(m):
    classname = m.__class__.__name__
    if classname.find('Conv') != -1:
        torch.nn.init.normal_(m.weight, 0.0, 0.02)
    elif classname.find('BatchNorm') != -1:
        torch.nn.init.normal_(m.weight, 1.0, 0.02)
        torch.nn.init.zeros_(m.bias)


class Generator(nn.Module):
    def __init__(self, ngpu, nz, ngf, nc):
        super(Generator, self).__init__()
        self.ngpu = ngpu
        self.main = nn.Sequential(
            # input is Z, going into a convolution
            nn.ConvTranspose2d(     nz, ngf * 8, 4, 1, 0, bias=False),
            nn.BatchNorm2d(ngf * 8),
            nn.ReLU(True),
            # state size. (ngf*8) x 4 x 4
            nn.ConvTranspose2d(ngf * 8, ngf * 4, 4, 2, 1, bias=False),
            nn.BatchNorm2d(ngf * 4),
            nn.ReLU(True),
            # state size. (ngf*4) x 8 x 8
            nn.ConvTranspose2d(ngf * 4, ngf * 2, 4, 2, 1, bias=False),
            nn.BatchNorm2d(ngf * 2),
            nn.ReLU(True),
            # state size. (ngf*2) x 16 x 16
            nn.ConvTranspose2d(ngf * 2,     ngf, 4, 2, 1, bias=False),
            nn.BatchNorm2d(ngf),
            nn.ReLU(True),
            # state size. (ngf) x 32 x 32
            nn.ConvTranspose2d(    ngf,      nc, 4, 2, 1, bias=False),
            nn.Tanh()
            # state size. (nc) x 64 x 64
        )

    def forward(self, input):
        if input.is_cuda and self.ngpu > 1:
            output = nn.parallel.data_parallel(self.main, input, range(self.ngpu))
        else:
            output = self.main(input)
        return output


class Discriminator(nn.Module):
    def __init__(self, ngpu, ndf, nc):
        super(Discriminator, self).__init__()
        self.ngpu = ngpu
        self.main = nn.Sequential(
            # input is (nc) x 64 x 64
            nn.Conv2d(nc, ndf, 4, 2, 1, bias=False),
            nn.LeakyReLU(0.2, inplace=True),
            # state size. (ndf) x 32 x 32
            nn.Conv2d(ndf, ndf * 2, 4, 2, 1, bias=False),
            nn.BatchNorm2d(ndf * 2),
            nn.LeakyReLU(0.2, inplace=True),
            # state size. (ndf*2) x 16 x 16
            nn.Conv2d(ndf * 2, ndf * 4, 4, 2, 1, bias=False),
            nn.BatchNorm2d(ndf * 4),
            nn.LeakyReLU(0.2, inplace=True),
            # state size. (ndf*4) x 8 x 8
            nn.Conv2d(ndf * 4, ndf * 8, 4, 2, 1, bias=False),
            nn.BatchNorm2d(ndf * 8),
            nn.LeakyReLU(0.2, inplace=True),
            # state size. (ndf*8) x 4 x 4
            nn.Conv2d(ndf * 8, 1, 4, 1, 0, bias=False),
            nn.Sigmoid()
        )

    def forward(self, input):
        if input.is_cuda and self.ngpu > 1:
            output = nn.parallel.data_parallel(self.main, input, range(self.ngpu))
        else:
            output = self.main(input)

        return output.view(-1, 1).squeeze(1)


def main(opt):
    """The example's script body (the nets' classes take nz/ngf/ndf/nc as arguments instead of
    reading the script's globals)."""
    try:
        os.makedirs(opt.outf)
    except OSError:
        pass

    if opt.manualSeed is None:
        opt.manualSeed = random.randint(1, 10000)
    print("Random Seed: ", opt.manualSeed)
    random.seed(opt.manualSeed)
    torch.manual_seed(opt.manualSeed)

    torch.backends.cudnn.benchmark = True

    if opt.dataset == 'mnist':
        dataset = dset.MNIST(root=opt.dataroot, download=True,
                             transform=transforms.Compose([
                                 transforms.Resize(opt.imageSize),
                                 transforms.ToTensor(),
                                 transforms.Normalize((0.5,), (0.5,)),
                             ]))
        nc = 1
    elif opt.dataset == 'fake':
        dataset = dset.FakeData(size=32, image_size=(3, opt.imageSize, opt.imageSize),
                                transform=transforms.ToTensor())
        nc = 3

    assert dataset
    dataloader = torch.utils.data.DataLoader(dataset, batch_size=opt.batchSize,
                                             shuffle=True, num_workers=int(opt.workers))
    use_accel = opt.accel and torch.accelerator.is_available()
    if use_accel:
        device = torch.accelerator.current_accelerator()
    else:
        device = torch.device("cpu")
    print(f"Using device: {device}")

    ngpu = int(opt.ngpu)
    nz = int(opt.nz)
    ngf = int(opt.ngf)
    ndf = int(opt.ndf)

    netG = Generator(ngpu, nz, ngf, nc).to(device)
    netG.apply(weights_init)
    if opt.netG != '':
        netG.load_state_dict(torch.load(opt.netG))
    print(netG)

    netD = Discriminator(ngpu, ndf, nc).to(device)
    netD.apply(weights_init)
    if opt.netD != '':
        netD.load_state_dict(torch.load(opt.netD))
    print(netD)

    criterion = nn.BCELoss()

    fixed_noise = torch.randn(opt.batchSize, nz, 1, 1, device=device)
    real_label = 1
    fake_label = 0

    # setup optimizer
    optimizerD = optim.Adam(netD.parameters(), lr=opt.lr, betas=(opt.beta1, 0.999))
    optimizerG = optim.Adam(netG.parameters(), lr=opt.lr, betas=(opt.beta1, 0.999))

    if opt.dry_run:
        opt.niter = 1

    for epoch in range(opt.niter):
        for i, data in enumerate(dataloader, 0):
            ############################
            # (1) Update D network: maximize log(D(x)) + log(1 - D(G(z)))
            ###########################
            # train with real
            netD.zero_grad()
            real_cpu = data[0].to(device)
            batch_size = real_cpu.size(0)
            label = torch.full((batch_size,), real_label,
                               dtype=real_cpu.dtype, device=device)

            output = netD(real_cpu)
            errD_real = criterion(output, label)
            errD_real.backward()
            D_x = output.mean().item()

            # train with fake
            noise = torch.randn(batch_size, nz, 1, 1, device=device)
            fake = netG(noise)
            label.fill_(fake_label)
            output = netD(fake.detach())
            errD_fake = criterion(output, label)
            errD_fake.backward()
            D_G_z1 = output.mean().item()
            errD = errD_real + errD_fake
            optimizerD.step()

            ############################
            # (2) Update G network: maximize log(D(G(z)))
            ###########################
            netG.zero_grad()
            label.fill_(real_label)  # fake labels are real for generator cost
            output = netD(fake)
            errG = criterion(output, label)
            errG.backward()
            D_G_z2 = output.mean().item()
            optimizerG.step()

            print('[%d/%d][%d/%d] Loss_D: %.4f Loss_G: %.4f D(x): %.4f D(G(z)): %.4f / %.4f'
                  % (epoch, opt.niter, i, len(dataloader),
                     errD.item(), errG.item(), D_x, D_G_z1, D_G_z2))
            if i % 100 == 0:
                vutils.save_image(real_cpu,
                                  '%s/real_samples.png' % opt.outf,
                                  normalize=True)
                fake = netG(fixed_noise)
                vutils.save_image(fake.detach(),
                                  '%s/fake_samples_epoch_%03d.png' % (opt.outf, epoch),
                                  normalize=True)

            if opt.dry_run:
                break
        # do checkpointing
        torch.save(netG.state_dict(), '%s/netG_epoch_%d.pth' % (opt.outf, epoch))
        torch.save(netD.state_dict(), '%s/netD_epoch_%d.pth' % (opt.outf, epoch))
    return netG, netD


def options(**kw):
    opt = dict(dataset='mnist', dataroot='./data', workers=0, batchSize=16, imageSize=64, nz=100,
               ngf=8, ndf=8, niter=2, lr=0.0002, beta1=0.5, accel=False, dry_run=False, ngpu=1,
               netG='', netD='', manualSeed=999, classes='bedroom', outf='out')
    opt.update(kw)
    return types.SimpleNamespace(**opt)


def _lines(text):
    return [tuple(float(v) for v in m) for m in re.findall(
        r'Loss_D: ([0-9.]+) Loss_G: ([0-9.]+) D\(x\): ([0-9.]+) D\(G\(z\)\): ([0-9.]+) / ([0-9.]+)', text)]


def test_import_lines():
    import minigrad.backends.cudnn as cudnn             # import torch.backends.cudnn as cudnn
    cudnn.benchmark = True
    assert torch.backends.cudnn.benchmark is True


def test_nets_shapes_and_weights_init():
    torch.manual_seed(0)
    netG, netD = Generator(1, 100, 8, 3), Discriminator(1, 8, 3)
    netG.apply(weights_init)
    netD.apply(weights_init)
    z = torch.randn(5, 100, 1, 1)
    fake = netG(z)
    assert tuple(fake.shape) == (5, 3, 64, 64) and -1 <= fake.min().item() and fake.max().item() <= 1
    out = netD(fake)
    assert tuple(out.shape) == (5,) and 0 < out.min().item() and out.max().item() < 1
    convs = [m.weight.detach().numpy() for m in netG.modules() if type(m).__name__ == 'ConvTranspose2d']
    assert len(convs) == 5 and all(abs(w.std() - 0.02) < 0.004 for w in convs if w.size > 2000)
    bns = [m for m in netD.modules() if isinstance(m, nn.BatchNorm2d)]
    assert all(np.all(m.bias.detach().numpy() == 0) for m in bns)
    assert all(abs(m.weight.detach().numpy().mean() - 1) < 0.05 for m in bns)
    text = repr(netG)
    assert 'ConvTranspose2d(100, 64, kernel_size=(4, 4), stride=(1, 1), bias=False)' in text
    assert 'LeakyReLU(negative_slope=0.2, inplace=True)' in repr(netD)


def test_dcgan_trains_on_mnist(workdir, capsys):
    netG, netD = main(options())
    out = capsys.readouterr().out
    assert out.startswith('Random Seed:  999\nUsing device: cpu\nGenerator(\n  (main): Sequential(')
    lines = _lines(out)
    assert len(lines) == 2 * 24 and all(np.isfinite(lines).all(axis=1))
    assert '[1/2][23/24] Loss_D: ' in out
    first, last = np.array(lines[:4]), np.array(lines[-8:])
    # the discriminator learns to tell digits from the generator's noise: D(x) rises above
    # D(G(z)), and the generator's loss log(1/D(G(z))) grows from log 2
    assert last[:, 2].mean() > last[:, 3].mean() + 0.2
    assert last[:, 1].mean() > first[:, 1].mean()
    real = read_png('out/real_samples.png')
    fake = read_png('out/fake_samples_epoch_001.png')
    assert real.shape == fake.shape == (2 + 2 * 66, 2 + 8 * 66, 3)
    for epoch in range(2):
        for name in ('netG', 'netD'):
            assert os.path.exists(f'out/{name}_epoch_{epoch}.pth')
    # --netG / --netD: the saved checkpoints load back into fresh nets
    again = main(options(niter=1, dry_run=True, netG='out/netG_epoch_1.pth',
                         netD='out/netD_epoch_1.pth', outf='out2'))
    assert len(_lines(capsys.readouterr().out)) == 1 and isinstance(again[0], Generator)


def test_dcgan_dry_run_on_fake_data(workdir, capsys):
    main(options(dataset='fake', dry_run=True, niter=5, outf='fake_out'))
    out = capsys.readouterr().out
    assert len(_lines(out)) == 1 and '[0/1][0/2] Loss_D: ' in out
    assert read_png('fake_out/fake_samples_epoch_000.png').shape == (2 + 2 * 66, 2 + 8 * 66, 3)

"""Client port: pytorch/examples ``super_resolution`` (``model.py``, ``data.py``, ``main.py``,
``super_resolve.py``): an ESPCN-style net ending in ``nn.PixelShuffle``, initialised with
``init.orthogonal_`` and ``init.calculate_gain('relu')``; a ``DatasetFromFolder`` that opens
images with PIL, keeps the Y channel of YCbCr and applies ``CenterCrop``/``Resize``/``ToTensor``;
Adam + ``MSELoss``, PSNR from ``log10``; and ``super_resolve.py``'s PIL round trip.

Written afresh after the example, keeping every PyTorch call its user writes; only the imports
differ (``torch`` -> ``minigrad``, torchvision's transforms -> ``minigrad.data.transforms``).
Changes for a quick test: the BSDS300 download is replaced by 96 training and 16 test digits of
``conftest.py`` written as PNG files (with ``save_image``), crops of 24 pixels instead of 256,
upscale factor 2, 30 epochs; ``checkpoint`` saves ``model.state_dict()`` because minigrad refuses
to pickle a whole module (``torch.save(model, path)``: checked to fail clearly). PIL is needed,
as in the example (skipped without it).
"""
import os
import re
import types
from math import log10
from os import listdir
from os.path import join

import numpy as np
import pytest

Image = pytest.importorskip('PIL.Image')

import minigrad as torch                                      # noqa: E402
import minigrad.nn as nn                                      # noqa: E402
import minigrad.nn.init as init                               # noqa: E402
import minigrad.optim as optim                                # noqa: E402
import minigrad.utils.data as data                            # noqa: E402
from minigrad.data import MNIST                               # noqa: E402
from minigrad.data.transforms import CenterCrop, Compose, Resize, ToTensor   # noqa: E402
from minigrad.data.utils import save_image                    # noqa: E402
from minigrad.serialization import SerializationError         # noqa: E402
from minigrad.utils.data import DataLoader                    # noqa: E402


# ---- model.py -----------------------------------------------------------------------------------

class Net(nn.Module):
    def __init__(self, upscale_factor):
        super(Net, self).__init__()

        self.relu = nn.ReLU()
        self.conv1 = nn.Conv2d(1, 64, (5, 5), (1, 1), (2, 2))
        self.conv2 = nn.Conv2d(64, 64, (3, 3), (1, 1), (1, 1))
        self.conv3 = nn.Conv2d(64, 32, (3, 3), (1, 1), (1, 1))
        self.conv4 = nn.Conv2d(32, upscale_factor ** 2, (3, 3), (1, 1), (1, 1))
        self.pixel_shuffle = nn.PixelShuffle(upscale_factor)

        self._initialize_weights()

    def forward(self, x):
        x = self.relu(self.conv1(x))
        x = self.relu(self.conv2(x))
        x = self.relu(self.conv3(x))
        x = self.pixel_shuffle(self.conv4(x))
        return x

    def _initialize_weights(self):
        init.orthogonal_(self.conv1.weight, init.calculate_gain('relu'))
        init.orthogonal_(self.conv2.weight, init.calculate_gain('relu'))
        init.orthogonal_(self.conv3.weight, init.calculate_gain('relu'))
        init.orthogonal_(self.conv4.weight)


# ---- dataset.py and data.py ---------------------------------------------------------------------

def is_image_file(filename):
    return any(filename.endswith(extension) for extension in [".png", ".jpg", ".jpeg"])


def load_img(filepath):
    img = Image.open(filepath).convert('YCbCr')
    y, _, _ = img.split()
    return y


class DatasetFromFolder(data.Dataset):
    def __init__(self, image_dir, input_transform=None, target_transform=None):
        super(DatasetFromFolder, self).__init__()
        self.image_filenames = [join(image_dir, x) for x in sorted(listdir(image_dir)) if is_image_file(x)]

        self.input_transform = input_transform
        self.target_transform = target_transform

    def __getitem__(self, index):
        input = load_img(self.image_filenames[index])
        target = input.copy()
        if self.input_transform:
            input = self.input_transform(input)
        if self.target_transform:
            target = self.target_transform(target)

        return input, target

    def __len__(self):
        return len(self.image_filenames)


def download_bsd300(dest="dataset"):
    """(The port's) the BSDS300 images, as PNG files of local digits, where the example unpacks them."""
    output_image_dir = join(dest, "BSDS300/images")
    if not os.path.exists(output_image_dir):
        digits = MNIST('./data', train=True, transform=ToTensor())
        for split, indices in (('train', range(96)), ('test', range(96, 112))):
            os.makedirs(join(output_image_dir, split))
            for i in indices:
                save_image(digits[i][0], join(output_image_dir, split, f'{i}.png'))
    return output_image_dir


def calculate_valid_crop_size(crop_size, upscale_factor):
    return crop_size - (crop_size % upscale_factor)


def input_transform(crop_size, upscale_factor):
    return Compose([
        CenterCrop(crop_size),
        Resize(crop_size // upscale_factor),
        ToTensor(),
    ])


def target_transform(crop_size):
    return Compose([
        CenterCrop(crop_size),
        ToTensor(),
    ])


def get_training_set(upscale_factor):
    root_dir = download_bsd300()
    train_dir = join(root_dir, "train")
    crop_size = calculate_valid_crop_size(24, upscale_factor)

    return DatasetFromFolder(train_dir,
                             input_transform=input_transform(crop_size, upscale_factor),
                             target_transform=target_transform(crop_size))


def get_test_set(upscale_factor):
    root_dir = download_bsd300()
    test_dir = join(root_dir, "test")
    crop_size = calculate_valid_crop_size(24, upscale_factor)

    return DatasetFromFolder(test_dir,
                             input_transform=input_transform(crop_size, upscale_factor),
                             target_transform=target_transform(crop_size))


# ---- main.py ------------------------------------------------------------------------------------

def main(opt):
    print(opt)
    torch.manual_seed(opt.seed)
    device = torch.device("cuda" if opt.cuda else "cpu")

    print('===> Loading datasets')
    train_set = get_training_set(opt.upscale_factor)
    test_set = get_test_set(opt.upscale_factor)
    training_data_loader = DataLoader(dataset=train_set, num_workers=opt.threads, batch_size=opt.batchSize, shuffle=True)
    testing_data_loader = DataLoader(dataset=test_set, num_workers=opt.threads, batch_size=opt.testBatchSize, shuffle=False)

    print('===> Building model')
    model = Net(upscale_factor=opt.upscale_factor).to(device)
    criterion = nn.MSELoss()

    optimizer = optim.Adam(model.parameters(), lr=opt.lr)

    def train(epoch):
        epoch_loss = 0
        for iteration, batch in enumerate(training_data_loader, 1):
            input, target = batch[0].to(device), batch[1].to(device)

            optimizer.zero_grad()
            loss = criterion(model(input), target)
            epoch_loss += loss.item()
            loss.backward()
            optimizer.step()

            print("===> Epoch[{}]({}/{}): Loss: {:.4f}".format(epoch, iteration, len(training_data_loader), loss.item()))

        print("===> Epoch {} Complete: Avg. Loss: {:.4f}".format(epoch, epoch_loss / len(training_data_loader)))

    def test():
        avg_psnr = 0
        with torch.no_grad():
            for batch in testing_data_loader:
                input, target = batch[0].to(device), batch[1].to(device)

                prediction = model(input)
                mse = criterion(prediction, target)
                psnr = 10 * log10(1 / mse.item())
                avg_psnr += psnr
        print("===> Avg. PSNR: {:.4f} dB".format(avg_psnr / len(testing_data_loader)))

    def checkpoint(epoch):
        model_out_path = "model_epoch_{}.pth".format(epoch)
        torch.save(model.state_dict(), model_out_path)
        print("Checkpoint saved to {}".format(model_out_path))

    for epoch in range(1, opt.nEpochs + 1):
        train(epoch)
        test()
        checkpoint(epoch)
    return model


OPT = dict(upscale_factor=2, batchSize=16, testBatchSize=8, nEpochs=30, lr=0.01, cuda=False,
           mps=False, threads=2, seed=123)


def test_pixel_shuffle_net_shapes_and_orthogonal_init():
    torch.manual_seed(0)
    model = Net(upscale_factor=3)
    assert tuple(model(torch.rand(2, 1, 10, 12)).shape) == (2, 1, 30, 36)
    w = model.conv2.weight.detach().numpy().reshape(64, -1)           # (64, 576): orthogonal rows
    assert np.allclose(w @ w.T, 2 * np.eye(64), atol=1e-4)            # gain sqrt(2) squared


def test_dataset_from_folder(workdir):
    train_set = get_training_set(2)
    input, target = train_set[0]
    assert len(train_set) == 96 and len(get_test_set(2)) == 16
    assert tuple(input.shape) == (1, 12, 12) and tuple(target.shape) == (1, 24, 24)
    assert input.dtype == target.dtype == torch.float32 and 0 <= target.min().item() and target.max().item() <= 1


def test_super_resolution_trains_and_resolves(workdir, capsys):
    model = main(types.SimpleNamespace(**OPT))
    out = capsys.readouterr().out
    psnr = [float(v) for v in re.findall(r'Avg. PSNR: ([0-9.]+) dB', out)]
    avg = [float(v) for v in re.findall(r'Epoch \d+ Complete: Avg. Loss: ([0-9.]+)', out)]
    assert len(psnr) == len(avg) == 30 and 'Checkpoint saved to model_epoch_30.pth' in out
    assert avg[-1] < 0.5 * avg[0] and psnr[-1] > psnr[0] + 3

    # the nearest-neighbour upscaling that the net must beat
    test_set = get_test_set(2)
    mse = np.mean([np.mean((np.repeat(np.repeat(i.numpy(), 2, 1), 2, 2) - t.numpy()) ** 2) for i, t in test_set])
    assert psnr[-1] > 10 * log10(1 / mse)

    # whole-module checkpoints (the example's torch.save(model, path)) are refused clearly
    with pytest.raises(SerializationError, match=r'Net are not supported.*state_dict\(\)'):
        torch.save(model, 'model.pth')

    # super_resolve.py, with the model rebuilt from the saved state_dict
    model = Net(upscale_factor=2)
    model.load_state_dict(torch.load('model_epoch_30.pth'))
    img = Image.open(join('dataset', 'BSDS300', 'images', 'test', '100.png')).convert('YCbCr')
    y, cb, cr = img.split()
    img_to_tensor = ToTensor()
    input = img_to_tensor(y).view(1, -1, y.size[1], y.size[0])
    out = model(input)
    out_img_y = out[0].detach().numpy()
    out_img_y *= 255.0
    out_img_y = out_img_y.clip(0, 255)
    out_img_y = Image.fromarray(np.uint8(out_img_y[0]), mode='L')
    out_img_cb = cb.resize(out_img_y.size, Image.BICUBIC)
    out_img_cr = cr.resize(out_img_y.size, Image.BICUBIC)
    out_img = Image.merge('YCbCr', [out_img_y, out_img_cb, out_img_cr]).convert('RGB')
    out_img.save('out.png')
    assert Image.open('out.png').size == (56, 56)

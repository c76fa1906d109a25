"""Client port: PyTorch's "Transfer Learning for Computer Vision" tutorial
(``beginner_source/transfer_learning_tutorial.py``): ants vs bees with ``datasets.ImageFolder``,
``RandomResizedCrop``/``RandomHorizontalFlip`` for training and ``Resize``+``CenterCrop`` for
validation, ``torchvision.utils.make_grid`` + ``imshow``'s arithmetic, ``train_model`` with
``torch.set_grad_enabled(phase == 'train')``, ``running_corrects.double()``, ``StepLR`` and the
best weights kept in a ``TemporaryDirectory``; ResNet-18 fine-tuned and as a fixed feature
extractor; ``visualize_model`` and ``visualize_model_predictions`` on a PIL image.

Written afresh after the tutorial, keeping every PyTorch call its reader writes; only the imports
differ (``torch`` -> ``minigrad``, torchvision's datasets/transforms/utils -> ``minigrad.data``,
``torchvision.models`` -> ``models``). Changes for a quick test: the hymenoptera images are 32x32
PNG files made from two classes of ``conftest.py``'s synthetic CIFAR-10 (40 train and 10 val per
class), crops of 32 instead of 224 (``Resize(36)`` instead of 256), 3 epochs instead of 25 with
``step_size=2``, and ``weights=None``: minigrad ships no pretrained ImageNet weights, so the
"fixed feature extractor" trains only its new head on random features (it must still beat
chance, more slowly). Plots are left out; PIL is needed for ``Image.open`` (skipped without).
"""
import os
import re
import time
import types
from tempfile import TemporaryDirectory

import numpy as np
import pytest

import minigrad as torch
import minigrad.data
import minigrad.data.utils
import minigrad.nn as nn
import minigrad.optim as optim
from minigrad.data import transforms
from minigrad.optim import lr_scheduler
import models

from tests.clients.conftest import synthetic_cifar

datasets = minigrad.data
torchvision = types.SimpleNamespace(models=models, utils=minigrad.data.utils, datasets=minigrad.data)

data_transforms = {
    'train': transforms.Compose([
        transforms.RandomResizedCrop(32),
        transforms.RandomHorizontalFlip(),
        transforms.ToTensor(),
        transforms.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])
    ]),
    'val': transforms.Compose([
        transforms.Resize(36),
        transforms.CenterCrop(32),
        transforms.ToTensor(),
        transforms.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])
    ]),
}


def make_hymenoptera_data(root):
    """(The port's) the tutorial's download: 32x32 PNG files, ants (red) and bees (yellow)."""
    rng = np.random.default_rng(0)
    for phase, n in (('train', 40), ('val', 10)):
        for cls, label in (('ants', 0), ('bees', 2)):
            folder = os.path.join(root, phase, cls)
            os.makedirs(folder)
            images, labels = synthetic_cifar(20 * n, rng)
            for k, image in enumerate(images[labels == label][:n]):
                minigrad.data.save_image(torch.from_numpy(image.transpose(2, 0, 1) / np.float32(255)),
                                         os.path.join(folder, f'{k}.png'))


def imshow(inp, title=None):
    """Display image for Tensor (the drawing left out: returns what would be shown)."""
    inp = inp.numpy().transpose((1, 2, 0))
    mean = np.array([0.485, 0.456, 0.406])
    std = np.array([0.229, 0.224, 0.225])
    inp = std * inp + mean
    inp = np.clip(inp, 0, 1)
    return inp, title


def setup():
    data_dir = 'data/hymenoptera_data'
    image_datasets = {x: datasets.ImageFolder(os.path.join(data_dir, x),
                                              data_transforms[x])
                      for x in ['train', 'val']}
    dataloaders = {x: torch.utils.data.DataLoader(image_datasets[x], batch_size=4,
                                                  shuffle=True, num_workers=4)
                   for x in ['train', 'val']}
    dataset_sizes = {x: len(image_datasets[x]) for x in ['train', 'val']}
    class_names = image_datasets['train'].classes
    return dataloaders, dataset_sizes, class_names


device = torch.accelerator.current_accelerator().type if torch.accelerator.is_available() else "cpu"


def train_model(model, criterion, optimizer, scheduler, dataloaders, dataset_sizes, num_epochs=25):
    since = time.time()

    # Create a temporary directory to save training checkpoints
    with TemporaryDirectory() as tempdir:
        best_model_params_path = os.path.join(tempdir, 'best_model_params.pt')

        torch.save(model.state_dict(), best_model_params_path)
        best_acc = 0.0

        for epoch in range(num_epochs):
            print(f'Epoch {epoch}/{num_epochs - 1}')
            print('-' * 10)

            # Each epoch has a training and validation phase
            for phase in ['train', 'val']:
                if phase == 'train':
                    model.train()  # Set model to training mode
                else:
                    model.eval()   # Set model to evaluate mode

                running_loss = 0.0
                running_corrects = 0

                # Iterate over data.
                for inputs, labels in dataloaders[phase]:
                    inputs = inputs.to(device)
                    labels = labels.to(device)

                    # zero the parameter gradients
                    optimizer.zero_grad()

                    # forward
                    # track history if only in train
                    with torch.set_grad_enabled(phase == 'train'):
                        outputs = model(inputs)
                        _, preds = torch.max(outputs, 1)
                        loss = criterion(outputs, labels)

                        # backward + optimize only if in training phase
                        if phase == 'train':
                            loss.backward()
                            optimizer.step()

                    # statistics
                    running_loss += loss.item() * inputs.size(0)
                    running_corrects += torch.sum(preds == labels.data)
                if phase == 'train':
                    scheduler.step()

                epoch_loss = running_loss / dataset_sizes[phase]
                epoch_acc = running_corrects.double() / dataset_sizes[phase]

                print(f'{phase} Loss: {epoch_loss:.4f} Acc: {epoch_acc:.4f}')

                # deep copy the model
                if phase == 'val' and epoch_acc > best_acc:
                    best_acc = epoch_acc
                    torch.save(model.state_dict(), best_model_params_path)

            print()

        time_elapsed = time.time() - since
        print(f'Training complete in {time_elapsed // 60:.0f}m {time_elapsed % 60:.0f}s')
        print(f'Best val Acc: {best_acc:4f}')

        # load best model weights
        model.load_state_dict(torch.load(best_model_params_path, weights_only=True))
    return model


def visualize_model(model, dataloaders, class_names, num_images=6):
    was_training = model.training
    model.eval()
    images_so_far = 0
    shown = []

    with torch.no_grad():
        for i, (inputs, labels) in enumerate(dataloaders['val']):
            inputs = inputs.to(device)
            labels = labels.to(device)

            outputs = model(inputs)
            _, preds = torch.max(outputs, 1)

            for j in range(inputs.size()[0]):
                images_so_far += 1
                shown.append(imshow(inputs.cpu().data[j], f'predicted: {class_names[preds[j]]}'))

                if images_so_far == num_images:
                    model.train(mode=was_training)
                    return shown
        model.train(mode=was_training)
    return shown


@pytest.fixture(scope='module')
def hymenoptera(tmp_path_factory):
    root = tmp_path_factory.mktemp('transfer')
    make_hymenoptera_data(os.path.join(root, 'data', 'hymenoptera_data'))
    return root


@pytest.fixture
def in_root(hymenoptera, monkeypatch):
    monkeypatch.chdir(hymenoptera)
    return hymenoptera


def test_image_folders_and_a_grid(in_root, capsys):
    dataloaders, dataset_sizes, class_names = setup()
    print(f"Using {device} device")
    assert dataset_sizes == {'train': 80, 'val': 20} and class_names == ['ants', 'bees']
    # Get a batch of training data
    inputs, classes = next(iter(dataloaders['train']))
    assert tuple(inputs.shape) == (4, 3, 32, 32) and classes.dtype == torch.int64
    # Make a grid from batch
    out = torchvision.utils.make_grid(inputs)
    shown, title = imshow(out, title=[class_names[x] for x in classes])
    assert shown.shape == (36, 4 * 34 + 2, 3) and 0 <= shown.min() and shown.max() <= 1
    assert set(title) <= {'ants', 'bees'}


@pytest.mark.parametrize('fixed_features', [False, True], ids=['finetune', 'fixed-feature-extractor'])
def test_train_model(in_root, capsys, fixed_features):
    torch.manual_seed(0)
    dataloaders, dataset_sizes, class_names = setup()
    model = torchvision.models.resnet18(weights=None)       # the tutorial: weights='IMAGENET1K_V1'
    if fixed_features:
        for param in model.parameters():
            param.requires_grad = False
    num_ftrs = model.fc.in_features
    # Here the size of each output sample is set to 2.
    # Alternatively, it can be generalized to ``nn.Linear(num_ftrs, len(class_names))``.
    model.fc = nn.Linear(num_ftrs, 2)
    model = model.to(device)
    criterion = nn.CrossEntropyLoss()
    params = model.fc.parameters() if fixed_features else model.parameters()
    optimizer = optim.SGD(params, lr=0.001 if not fixed_features else 0.01, momentum=0.9)
    # Decay LR by a factor of 0.1 every 7 epochs (here: every 2)
    exp_lr_scheduler = lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.1)
    model = train_model(model, criterion, optimizer, exp_lr_scheduler, dataloaders, dataset_sizes, num_epochs=3)
    out = capsys.readouterr().out
    accs = [float(v) for v in re.findall(r'^val Loss: [0-9.]+ Acc: ([0-9.]+)$', out, re.M)]
    best = float(re.search(r'Best val Acc: ([0-9.]+)', out).group(1))
    assert len(accs) == 3 and best == max(accs) and re.search(r'Training complete in \d+m \d+s', out)
    assert best > 0.75                                                      # chance is 0.5
    assert optimizer.param_groups[0]['lr'] == pytest.approx((0.01 if fixed_features else 0.001) * 0.1)
    if fixed_features:
        assert model.conv1.weight.grad is None and not model.conv1.weight.requires_grad

    # the reloaded best weights score the best accuracy again
    model.eval()
    correct = 0
    with torch.no_grad():
        for inputs, labels in dataloaders['val']:
            correct += (torch.max(model(inputs), 1)[1] == labels).sum().item()
    assert correct / 20 == pytest.approx(best, abs=1e-4)

    shown = visualize_model(model, dataloaders, class_names)
    assert len(shown) == 6 and all(t.startswith('predicted: ') for _, t in shown) and not model.training

    # visualize_model_predictions on one image opened with PIL
    Image = pytest.importorskip('PIL.Image')
    img = Image.open('data/hymenoptera_data/val/bees/1.png')
    img = data_transforms['val'](img)
    img = img.unsqueeze(0)
    img = img.to(device)
    with torch.no_grad():
        outputs = model(img)
        _, preds = torch.max(outputs, 1)
    assert class_names[preds[0]] in ('ants', 'bees') and tuple(img.shape) == (1, 3, 32, 32)

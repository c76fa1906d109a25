"""torchvision's ``ImageFolder`` and ``DatasetFolder``: a dataset from a folder with one
subfolder per class (``root/cat/001.png``, ``root/dog/xyz.jpg``), as PyTorch's transfer-learning
tutorial and most custom-data scripts lay out their images.

    train = ImageFolder('data/hymenoptera_data/train', transform=Compose([RandomResizedCrop(224),
                        RandomHorizontalFlip(), ToTensor(), Normalize(mean, std)]))
    train.classes, train.class_to_idx, train.samples[0]   # ['ants', 'bees'], {...}, (path, 0)

Images are read with Pillow when it is installed (``convert('RGB')``, exactly torchvision's
loader, so the transform gets a PIL image); without it, PNG files are decoded by minigrad's own
reader (8-bit greyscale, RGB or RGBA, every PNG row filter) into ``(H, W, 3)`` uint8 arrays,
and other formats ask for Pillow.
"""
import os

import numpy as np

from .dataset import Dataset
from .transforms import apply_transform

IMG_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.ppm', '.bmp', '.pgm', '.tif', '.tiff', '.webp')


def has_file_allowed_extension(filename, extensions):
    """Whether ``filename`` ends with one of ``extensions`` (case-insensitive)."""
    return filename.lower().endswith(tuple(e.lower() for e in extensions))


def is_image_file(filename):
    return has_file_allowed_extension(filename, IMG_EXTENSIONS)


def find_classes(directory):
    """The class names (the subfolders of ``directory``, sorted) and ``{name: index}``.

    Raises:
        FileNotFoundError: ``directory`` is missing or has no subfolder.
    """
    directory = os.fspath(directory)
    if not os.path.isdir(directory):
        what = 'is a file, not a folder' if os.path.exists(directory) else 'does not exist'
        raise FileNotFoundError(f'image folder {directory!r} {what}: expected a folder with one '
                                f'subfolder per class')
    classes = sorted(entry.name for entry in os.scandir(directory) if entry.is_dir())
    if not classes:
        raise FileNotFoundError(f"Couldn't find any class folder in {directory!r}: expected one "
                                f"subfolder per class (root/cat/1.png, root/dog/2.png, ...)")
    return classes, {name: i for i, name in enumerate(classes)}


def make_dataset(directory, class_to_idx=None, extensions=None, is_valid_file=None, allow_empty=False):
    """``[(path, class_index)]`` for every accepted file under each class folder, in torchvision's
    order (classes sorted, then files sorted per folder walked).

    Args:
        extensions: accepted file endings; exclusive with ``is_valid_file``.
        is_valid_file: a function ``path -> bool`` deciding which files count.
        allow_empty: accept a class folder without any file (else FileNotFoundError).
    """
    directory = os.path.expanduser(os.fspath(directory))
    if class_to_idx is None:
        _, class_to_idx = find_classes(directory)
    if (extensions is None) == (is_valid_file is None):
        raise ValueError('Both extensions and is_valid_file cannot be None or not None at the same time')
    if is_valid_file is None:
        def is_valid_file(path):
            return has_file_allowed_extension(path, extensions)
    instances, found = [], set()
    for target_class in sorted(class_to_idx):
        class_index = class_to_idx[target_class]
        target_dir = os.path.join(directory, target_class)
        if not os.path.isdir(target_dir):
            continue
        for root, _, fnames in sorted(os.walk(target_dir, followlinks=True)):
            for fname in sorted(fnames):
                path = os.path.join(root, fname)
                if is_valid_file(path):
                    instances.append((path, class_index))
                    found.add(target_class)
    empty = set(class_to_idx) - found
    if empty and not allow_empty:
        what = f'Supported extensions are: {", ".join(extensions)}' if extensions else 'is_valid_file accepted none'
        raise FileNotFoundError(f'Found no valid file for the classes {", ".join(sorted(empty))}. {what}')
    return instances


def pil_loader(path):
    """torchvision's loader: the file opened with Pillow, converted to RGB."""
    from PIL import Image
    with open(path, 'rb') as f:
        img = Image.open(f)
        return img.convert('RGB')


def default_loader(path):
    """Pillow's RGB image when Pillow is installed; else a PNG as a ``(H, W, 3)`` uint8 array."""
    try:
        return pil_loader(path)
    except ImportError:
        pass
    if not str(path).lower().endswith('.png'):
        raise ImportError(f'cannot read {path!r}: minigrad decodes PNG files only; install Pillow '
                          f'(pip install pillow) to read other image formats')
    from .utils import read_png
    pixels = read_png(path)
    return np.repeat(pixels[:, :, None], 3, axis=2) if pixels.ndim == 2 else pixels[:, :, :3]


class DatasetFolder(Dataset):
    """Samples in class subfolders, read by ``loader``, as ``torchvision.datasets.DatasetFolder``.

    Args:
        root: the folder holding one subfolder per class.
        loader: ``path -> sample``.
        extensions: accepted file endings (or give ``is_valid_file``).
        transform, target_transform: applied to the sample and to the class index.
        is_valid_file: ``path -> bool``, instead of ``extensions``.
        allow_empty: accept class folders without files.

    Attributes: ``classes``, ``class_to_idx``, ``samples`` (``[(path, index)]``), ``targets``.
    ``dataset[i]`` is ``(transform(loader(path)), target_transform(index))``.
    """

    def __init__(self, root, loader, extensions=None, transform=None, target_transform=None,
                 is_valid_file=None, allow_empty=False):
        self.root = os.fspath(root)
        self.transform, self.target_transform = transform, target_transform
        self.classes, self.class_to_idx = self.find_classes(self.root)
        self.samples = self.make_dataset(self.root, self.class_to_idx, extensions, is_valid_file,
                                         allow_empty=allow_empty)
        self.loader, self.extensions = loader, extensions
        self.targets = [s[1] for s in self.samples]

    @staticmethod
    def make_dataset(directory, class_to_idx, extensions=None, is_valid_file=None, allow_empty=False):
        return make_dataset(directory, class_to_idx, extensions, is_valid_file, allow_empty)

    def find_classes(self, directory):
        return find_classes(directory)

    def __getitem__(self, index):
        path, target = self.samples[index]
        sample = apply_transform(self.transform, self.loader(path))
        return sample, apply_transform(self.target_transform, target)

    def __len__(self):
        return len(self.samples)

    def __repr__(self):
        lines = [f'Dataset {type(self).__name__}', f'    Number of datapoints: {len(self)}',
                 f'    Root location: {self.root}']
        if self.transform is not None:
            lines.append(f'    StandardTransform\n    Transform: {self.transform!r}')
        return '\n'.join(lines)


class ImageFolder(DatasetFolder):
    """Images in class subfolders, as ``torchvision.datasets.ImageFolder`` (``imgs`` is
    ``samples``). See ``DatasetFolder`` for the arguments; ``loader`` defaults to
    ``default_loader``, the extensions to ``IMG_EXTENSIONS``."""

    def __init__(self, root, transform=None, target_transform=None, loader=default_loader,
                 is_valid_file=None, allow_empty=False):
        super().__init__(root, loader, IMG_EXTENSIONS if is_valid_file is None else None,
                         transform=transform, target_transform=target_transform,
                         is_valid_file=is_valid_file, allow_empty=allow_empty)
        self.imgs = self.samples

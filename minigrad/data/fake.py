"""torchvision's ``FakeData``: random images with random labels, made on demand, for trying a
pipeline or a model without any files (pytorch/examples' ``--dataset fake``)."""
import numpy as np

from .dataset import ImageDataset


class _FakePixels:
    """The uint8 pixels of ``FakeData``, made per index from a generator seeded by the index:
    indexable like the ``(N, H, W[, C])`` array of a real image dataset."""

    def __init__(self, size, image_size, offset):
        channels, height, width = image_size
        self.shape = (size, height, width) + (() if channels == 1 else (channels,))
        self.offset = offset

    def __len__(self):
        return self.shape[0]

    def one(self, index):
        rng = np.random.default_rng(int(index) + self.offset)
        rng.integers(0, 1)                        # the first draw is the label (see FakeData)
        return rng.integers(0, 256, size=self.shape[1:], dtype=np.uint8)

    def __getitem__(self, index):
        if np.ndim(index) == 0:
            return self.one(index)
        return np.stack([self.one(i) for i in np.asarray(index).ravel()])


class FakeData(ImageDataset):
    """Random uint8 images and labels, as ``torchvision.datasets.FakeData``.

    Args:
        size: the number of samples.
        image_size: ``(C, H, W)`` of each image (C 1 or 3 for images a transform can take).
        num_classes: labels are drawn from ``range(num_classes)``.
        transform, target_transform: as for ``MNIST`` / ``CIFAR10``: the transform gets each
            image's uint8 pixels ``(H, W)`` or ``(H, W, C)``; ``transforms.ToTensor()`` makes a
            float32 ``(C, H, W)`` Tensor of them.
        random_offset: added to the index to seed each sample, so that two FakeData sets differ.

    Sample ``i`` is the same on every call (seeded by ``i + random_offset``); the pixel values
    are not torchvision's (its come from ``torch.randn`` through ``ToPILImage``).
    """

    def __init__(self, size=1000, image_size=(3, 224, 224), num_classes=10, transform=None,
                 target_transform=None, random_offset=0):
        image_size = tuple(int(s) for s in image_size)
        if len(image_size) != 3 or min(image_size) < 1 or int(size) < 0 or int(num_classes) < 1:
            raise ValueError(f'FakeData: expected size >= 0, image_size (C, H, W) of positive ints '
                             f'and num_classes >= 1, got size={size}, image_size={image_size}, '
                             f'num_classes={num_classes}')
        self.image_size, self.num_classes, self.random_offset = image_size, int(num_classes), int(random_offset)
        targets = np.array([np.random.default_rng(i + self.random_offset).integers(0, self.num_classes)
                            for i in range(int(size))], dtype=np.int64)
        super().__init__(_FakePixels(int(size), image_size, self.random_offset), targets,
                         transform=transform, target_transform=target_transform)

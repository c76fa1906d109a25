"""LeNet-5 (LeCun et al., 1998) in its modern form: ReLU activations and max pooling."""
from minigrad import nn


class LeNet5(nn.Module):
    """LeNet-5 with the classic 6-16-120-84 layout, for 28x28 images.

    The first convolution pads by 2, so a 28x28 MNIST digit is seen as the 32x32 input of the
    original paper::

        input      1 x 28 x 28
        conv 5x5   6 x 28 x 28   (padding 2)  + ReLU
        max pool   6 x 14 x 14
        conv 5x5  16 x 10 x 10                + ReLU
        max pool  16 x  5 x  5
        flatten   400
        linear    120                         + ReLU
        linear     84                         + ReLU
        linear    num_classes

    This is the "modern" LeNet-5 that tutorials (and PyTorch examples) use: ReLU instead of the
    scaled tanh, max pooling instead of the trainable sub-sampling layers, a full C3 connection
    table and a plain linear output instead of the RBF units. With 10 classes it has 61,706
    parameters. Layers are initialised with PyTorch's defaults.

    Args:
        num_classes: number of output logits.
        in_channels: channels of the input images (1 for MNIST, 3 for colour).

    Shape:
        - Input: ``(N, in_channels, 28, 28)``
        - Output: ``(N, num_classes)`` logits (no softmax; use ``nn.CrossEntropyLoss``).
    """

    def __init__(self, num_classes=10, in_channels=1):
        super().__init__()
        self.num_classes = int(num_classes)
        self.in_channels = int(in_channels)
        self.features = nn.Sequential(
            nn.Conv2d(self.in_channels, 6, kernel_size=5, padding=2), nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(6, 16, kernel_size=5), nn.ReLU(),
            nn.MaxPool2d(2),
        )
        self.classifier = nn.Sequential(
            nn.Flatten(),
            nn.Linear(16 * 5 * 5, 120), nn.ReLU(),
            nn.Linear(120, 84), nn.ReLU(),
            nn.Linear(84, self.num_classes),
        )

    def forward(self, x):
        return self.classifier(self.features(x))

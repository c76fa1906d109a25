"""Client port: the rest of PyTorch's "Learn the Basics" series (pytorch.org/tutorials,
``beginner_source/basics/``): Tensors, Datasets & DataLoaders, Transforms, Build Model, Autograd.
(The Quickstart and the training loop are in ``test_pytorch_quickstart.py``.)

Written afresh, section by section, keeping every PyTorch call its reader writes; only the
imports differ (``torch`` -> ``minigrad``, torchvision's datasets/transforms -> ``minigrad.data``).
Plots are left out (what they would show is checked instead). The custom dataset reads ``.npy``
images where the tutorial calls ``torchvision.io.read_image`` on JPEG files (minigrad decodes no
image formats); its CSV of labels is read with the ``csv`` module instead of pandas.
"""
import csv
import os

import numpy as np

import minigrad as torch
from minigrad import nn
from minigrad.data import DataLoader, Dataset
from minigrad import data as datasets
from minigrad.data.transforms import Lambda, ToTensor
from test_pytorch_quickstart import NeuralNetwork   # the Build Model tutorial defines the same net


# ---- Tensors ------------------------------------------------------------------------------------

def test_tensors_initializing():
    data = [[1, 2], [3, 4]]
    x_data = torch.tensor(data)
    np_array = np.array(data)
    x_np = torch.from_numpy(np_array)
    x_ones = torch.ones_like(x_data)
    x_rand = torch.rand_like(x_data, dtype=torch.float)
    assert x_data.dtype == torch.int64 and x_np.dtype == torch.int64
    assert x_ones.dtype == torch.int64 and x_ones.numpy().tolist() == [[1, 1], [1, 1]]
    assert x_rand.dtype == torch.float32 and tuple(x_rand.shape) == (2, 2)
    print(f"Ones Tensor: \n {x_ones} \n")
    print(f"Random Tensor: \n {x_rand} \n")

    shape = (2, 3,)
    rand_tensor = torch.rand(shape)
    ones_tensor = torch.ones(shape)
    zeros_tensor = torch.zeros(shape)
    assert tuple(rand_tensor.shape) == tuple(ones_tensor.shape) == tuple(zeros_tensor.shape) == (2, 3)


def test_tensors_attributes_and_device():
    tensor = torch.rand(3, 4)
    assert f"Shape of tensor: {tensor.shape}" in ("Shape of tensor: (3, 4)", "Shape of tensor: torch.Size([3, 4])")
    # minigrad's dtypes are NumPy's: "float32" where PyTorch prints "torch.float32"
    assert f"Datatype of tensor: {tensor.dtype}" in ("Datatype of tensor: float32", "Datatype of tensor: torch.float32")
    assert f"Device tensor is stored on: {tensor.device}" == "Device tensor is stored on: cpu"
    # `&` evaluates both sides: torch.device('cuda') is built even without a GPU
    if torch.cuda.is_available() & (torch.device('cuda').index is not None):
        tensor = tensor.to('cuda')
    assert str(tensor.device) in ('cpu', 'cuda:0')


def test_tensors_indexing_joining_arithmetic():
    tensor = torch.ones(4, 4)
    assert tensor[0].numpy().tolist() == [1, 1, 1, 1]
    assert tensor[:, 0].numpy().tolist() == [1, 1, 1, 1]
    assert tensor[..., -1].numpy().tolist() == [1, 1, 1, 1]
    tensor[:, 1] = 0
    expected = np.ones((4, 4), np.float32)
    expected[:, 1] = 0
    assert np.array_equal(tensor.numpy(), expected)

    t1 = torch.cat([tensor, tensor, tensor], dim=1)
    assert tuple(t1.shape) == (4, 12)

    y1 = tensor @ tensor.T
    y2 = tensor.matmul(tensor.T)
    y3 = torch.rand_like(tensor)
    torch.matmul(tensor, tensor.T, out=y3)
    assert np.array_equal(y1.numpy(), expected @ expected.T)
    assert np.array_equal(y2.numpy(), y1.numpy()) and np.array_equal(y3.numpy(), y1.numpy())

    z1 = tensor * tensor
    z2 = tensor.mul(tensor)
    z3 = torch.rand_like(tensor)
    torch.mul(tensor, tensor, out=z3)
    assert np.array_equal(z1.numpy(), expected) and np.array_equal(z2.numpy(), expected)
    assert np.array_equal(z3.numpy(), expected)

    agg = tensor.sum()
    agg_item = agg.item()
    assert agg_item == 12.0 and type(agg_item) is float

    tensor.add_(5)
    assert np.array_equal(tensor.numpy(), expected + 5)


def test_tensors_bridge_with_numpy():
    t = torch.ones(5)
    n = t.numpy()
    t.add_(1)
    assert n.tolist() == [2, 2, 2, 2, 2]          # the array shares the tensor's memory

    n = np.ones(5)
    t = torch.from_numpy(n)
    np.add(n, 1, out=n)
    assert t.numpy().tolist() == [2, 2, 2, 2, 2]  # and the tensor the array's
    assert t.dtype == torch.float64


# ---- Datasets & DataLoaders ---------------------------------------------------------------------

labels_map = {0: "T-Shirt", 1: "Trouser", 2: "Pullover", 3: "Dress", 4: "Coat",
              5: "Sandal", 6: "Shirt", 7: "Sneaker", 8: "Bag", 9: "Ankle Boot"}


def test_loading_and_iterating_a_dataset(workdir):
    training_data = datasets.FashionMNIST(root="data", train=True, download=True, transform=ToTensor())
    cols, rows = 3, 3
    for i in range(1, cols * rows + 1):
        sample_idx = torch.randint(len(training_data), size=(1,)).item()
        img, label = training_data[sample_idx]
        assert labels_map[label] in labels_map.values()
        assert tuple(img.squeeze().shape) == (28, 28)

    train_dataloader = DataLoader(training_data, batch_size=64, shuffle=True)
    train_features, train_labels = next(iter(train_dataloader))
    assert tuple(train_features.size()) == (64, 1, 28, 28)
    assert tuple(train_labels.size()) == (64,)
    img = train_features[0].squeeze()
    label = train_labels[0]
    assert tuple(img.shape) == (28, 28)
    print(f"Label: {label}")
    assert 0 <= int(label) < 10


class CustomImageDataset(Dataset):
    def __init__(self, annotations_file, img_dir, transform=None, target_transform=None):
        with open(annotations_file, newline='') as f:
            self.img_labels = list(csv.reader(f))
        self.img_dir = img_dir
        self.transform = transform
        self.target_transform = target_transform

    def __len__(self):
        return len(self.img_labels)

    def __getitem__(self, idx):
        img_path = os.path.join(self.img_dir, self.img_labels[idx][0])
        image = torch.from_numpy(np.load(img_path))       # read_image(img_path) in the tutorial
        label = int(self.img_labels[idx][1])
        if self.transform:
            image = self.transform(image)
        if self.target_transform:
            label = self.target_transform(label)
        return image, label


def test_a_custom_dataset(tmp_path):
    rng = np.random.default_rng(0)
    rows = []
    for i in range(10):
        np.save(tmp_path / f'img{i}.npy', rng.integers(0, 256, size=(1, 8, 8), dtype=np.uint8))
        rows.append([f'img{i}.npy', str(i % 3)])
    with open(tmp_path / 'labels.csv', 'w', newline='') as f:
        csv.writer(f).writerows(rows)
    dataset = CustomImageDataset(tmp_path / 'labels.csv', tmp_path,
                                 transform=lambda image: image.float() / 255,
                                 target_transform=lambda label: label * 10)
    assert len(dataset) == 10
    image, label = dataset[4]
    assert image.dtype == torch.float32 and tuple(image.shape) == (1, 8, 8) and label == 10
    images, labels = next(iter(DataLoader(dataset, batch_size=4, shuffle=False)))
    assert tuple(images.shape) == (4, 1, 8, 8)
    assert labels.dtype == torch.int64 and labels.numpy().tolist() == [0, 10, 20, 0]


# ---- Transforms ---------------------------------------------------------------------------------

def test_to_tensor_and_a_one_hot_target_transform(workdir):
    ds = datasets.FashionMNIST(
        root="data",
        train=True,
        download=True,
        transform=ToTensor(),
        target_transform=Lambda(lambda y: torch.zeros(10, dtype=torch.float).scatter_(0, torch.tensor(y), value=1))
    )
    image, target = ds[0]
    assert image.dtype == torch.float32 and 0 <= image.min().item() and image.max().item() <= 1
    assert target.dtype == torch.float32 and tuple(target.shape) == (10,)
    assert target.numpy().sum() == 1 and target.numpy().argmax() == int(ds.targets[0])


# ---- Build the Neural Network -------------------------------------------------------------------

def test_build_model():
    device = 'cuda' if torch.cuda.is_available() else 'cpu'
    model = NeuralNetwork().to(device)
    X = torch.rand(1, 28, 28, device=device)
    logits = model(X)
    pred_probab = nn.Softmax(dim=1)(logits)
    y_pred = pred_probab.argmax(1)
    assert tuple(y_pred.shape) == (1,) and 0 <= y_pred.item() < 10
    assert abs(pred_probab.sum().item() - 1) < 1e-5


def test_model_layers():
    input_image = torch.rand(3, 28, 28)
    assert tuple(input_image.size()) == (3, 28, 28)
    flatten = nn.Flatten()
    flat_image = flatten(input_image)
    assert tuple(flat_image.size()) == (3, 784)
    layer1 = nn.Linear(in_features=28 * 28, out_features=20)
    hidden1 = layer1(flat_image)
    assert tuple(hidden1.size()) == (3, 20)
    before = hidden1.detach().numpy().copy()
    hidden1 = nn.ReLU()(hidden1)
    assert np.array_equal(hidden1.detach().numpy(), np.maximum(before, 0))
    print(f"After ReLU: {hidden1}")

    seq_modules = nn.Sequential(
        flatten,
        layer1,
        nn.ReLU(),
        nn.Linear(20, 10)
    )
    input_image = torch.rand(3, 28, 28)
    logits = seq_modules(input_image)
    softmax = nn.Softmax(dim=1)
    pred_probab = softmax(logits)
    assert np.allclose(pred_probab.detach().numpy().sum(axis=1), 1, atol=1e-6)


def test_model_parameters():
    model = NeuralNetwork()
    lines = [f"Layer: {name} | Size: {param.size()} | Values : {param[:2]} \n"
             for name, param in model.named_parameters()]
    names = [line.split(' | ')[0] for line in lines]
    assert names == ['Layer: linear_relu_stack.0.weight', 'Layer: linear_relu_stack.0.bias',
                     'Layer: linear_relu_stack.2.weight', 'Layer: linear_relu_stack.2.bias',
                     'Layer: linear_relu_stack.4.weight', 'Layer: linear_relu_stack.4.bias']
    print("Model structure: ", model, "\n\n")
    assert "(linear_relu_stack): Sequential(" in str(model)


# ---- Automatic differentiation ------------------------------------------------------------------

def test_autograd_one_layer():
    x = torch.ones(5)  # input tensor
    y = torch.zeros(3)  # expected output
    w = torch.randn(5, 3, requires_grad=True)
    b = torch.randn(3, requires_grad=True)
    z = torch.matmul(x, w) + b
    loss = torch.nn.functional.binary_cross_entropy_with_logits(z, y)
    assert z.grad_fn is not None and loss.grad_fn is not None
    print(f"Gradient function for z = {z.grad_fn}")
    print(f"Gradient function for loss = {loss.grad_fn}")

    loss.backward()
    # d loss / d z = sigmoid(z) / 3 (the mean over three outputs against zero targets)
    dz = 1 / (1 + np.exp(-z.detach().numpy())) / 3
    assert np.allclose(b.grad.numpy(), dz, atol=1e-6)
    assert np.allclose(w.grad.numpy(), np.outer(np.ones(5), dz), atol=1e-6)


def test_autograd_disabling_tracking():
    x = torch.ones(5)
    w = torch.randn(5, 3, requires_grad=True)
    b = torch.randn(3, requires_grad=True)
    z = torch.matmul(x, w) + b
    assert z.requires_grad is True
    with torch.no_grad():
        z = torch.matmul(x, w) + b
    assert z.requires_grad is False
    z = torch.matmul(x, w) + b
    z_det = z.detach()
    assert z_det.requires_grad is False


def test_autograd_jacobian_products():
    inp = torch.eye(4, 5, requires_grad=True)
    out = (inp + 1).pow(2).t()
    out.backward(torch.ones_like(out), retain_graph=True)
    first = inp.grad.numpy().copy()
    out.backward(torch.ones_like(out), retain_graph=True)
    second = inp.grad.numpy().copy()
    inp.grad.zero_()
    out.backward(torch.ones_like(out), retain_graph=True)
    third = inp.grad.numpy().copy()
    expected = 2 * (np.eye(4, 5) + 1)
    assert np.array_equal(first, expected)
    assert np.array_equal(second, 2 * expected)             # gradients accumulate
    assert np.array_equal(third, expected)

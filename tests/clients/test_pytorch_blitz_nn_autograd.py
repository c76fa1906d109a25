"""Client port: two more parts of PyTorch's 60-minute blitz (pytorch.org/tutorials,
``beginner_source/blitz/``): "Neural Networks" (LeNet by hand, ``num_flat_features``, a loss, walking
``grad_fn.next_functions``, ``net.zero_grad()``, the hand-written update
``f.data.sub_(f.grad.data * learning_rate)``, then ``optim.SGD``) and "A Gentle Introduction to
torch.autograd" (external gradients, what requires grad, freezing a pretrained model and replacing
its head).

Written afresh, keeping every PyTorch call its reader writes; only the imports differ
(``torch`` -> ``minigrad``). The MSE target is ``torch.randn(10)`` as in the current tutorial. The
autograd tutorial freezes torchvision's pretrained ResNet-18 and replaces ``model.fc``; minigrad's
zoo has no ResNet and no pretrained weights, so the same steps run on ``models.lenet5()`` and
replace its last layer, ``model.classifier[-1]``.
"""
import numpy as np

import minigrad as torch
import minigrad.nn as nn
import minigrad.nn.functional as F
import minigrad.optim as optim
from models import lenet5


class Net(nn.Module):

    def __init__(self):
        super(Net, self).__init__()
        # 1 input image channel, 6 output channels, 5x5 square convolution kernel
        self.conv1 = nn.Conv2d(1, 6, 5)
        self.conv2 = nn.Conv2d(6, 16, 5)
        # an affine operation: y = Wx + b
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), (2, 2))
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = x.view(-1, self.num_flat_features(x))
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        x = self.fc3(x)
        return x

    def num_flat_features(self, x):
        size = x.size()[1:]  # all dimensions except the batch dimension
        num_features = 1
        for s in size:
            num_features *= s
        return num_features


# ---- Neural Networks ----------------------------------------------------------------------------

def test_define_the_network():
    net = Net()
    assert str(net).startswith('Net(') and '(conv1): Conv2d(1, 6, kernel_size=(5, 5), stride=(1, 1))' in str(net)
    params = list(net.parameters())
    assert len(params) == 10
    assert tuple(params[0].size()) == (6, 1, 5, 5)  # conv1's .weight

    input = torch.randn(1, 1, 32, 32)
    out = net(input)
    assert tuple(out.shape) == (1, 10)
    net.zero_grad()
    out.backward(torch.randn(1, 10))
    assert all(p.grad is not None and tuple(p.grad.shape) == tuple(p.shape) for p in params)


def test_loss_function_and_its_graph():
    net = Net()
    input = torch.randn(1, 1, 32, 32)
    output = net(input)
    target = torch.randn(10)  # a dummy target, for example
    target = target.view(1, -1)  # make it the same shape as output
    criterion = nn.MSELoss()
    loss = criterion(output, target)
    expected = ((output.detach().numpy() - target.numpy()) ** 2).mean()
    assert abs(loss.item() - expected) < 1e-5

    print(loss.grad_fn)  # MSELoss
    linear = loss.grad_fn.next_functions[0][0]  # Linear
    relu = loss.grad_fn.next_functions[0][0].next_functions[0][0]  # ReLU
    print(linear)
    print(relu)
    assert linear is not None and relu is not None and relu is not linear


def test_backprop_and_the_hand_written_update():
    net = Net()
    input = torch.randn(1, 1, 32, 32)
    target = torch.randn(10).view(1, -1)
    criterion = nn.MSELoss()
    loss = criterion(net(input), target)

    net.zero_grad()     # zeroes the gradient buffers of all parameters
    before = net.conv1.bias.grad
    assert before is None or not before.numpy().any()
    loss.backward()
    after = net.conv1.bias.grad
    assert tuple(after.shape) == (6,) and after.numpy().any()

    old = [f.detach().numpy().copy() for f in net.parameters()]
    learning_rate = 0.01
    for f in net.parameters():
        f.data.sub_(f.grad.data * learning_rate)
    for f, w in zip(net.parameters(), old):
        assert np.allclose(f.detach().numpy(), w - learning_rate * f.grad.numpy(), atol=1e-7)
    assert criterion(net(input), target).item() < loss.item()


def test_update_with_torch_optim():
    net = Net()
    input = torch.randn(1, 1, 32, 32)
    target = torch.randn(10).view(1, -1)
    criterion = nn.MSELoss()
    optimizer = optim.SGD(net.parameters(), lr=0.01)
    losses = []
    for _ in range(5):
        optimizer.zero_grad()   # zero the gradient buffers
        output = net(input)
        loss = criterion(output, target)
        loss.backward()
        optimizer.step()    # Does the update
        losses.append(loss.item())
    assert losses[-1] < losses[0]


# ---- A Gentle Introduction to torch.autograd ----------------------------------------------------

def test_differentiation_in_autograd():
    a = torch.tensor([2., 3.], requires_grad=True)
    b = torch.tensor([6., 4.], requires_grad=True)
    Q = 3*a**3 - b**2
    external_grad = torch.tensor([1., 1.])
    Q.backward(gradient=external_grad)
    assert (9*a**2 == a.grad).numpy().tolist() == [True, True]
    assert (-2*b == b.grad).numpy().tolist() == [True, True]


def test_exclusion_from_the_dag():
    x = torch.rand(5, 5)
    y = torch.rand(5, 5)
    z = torch.rand((5, 5), requires_grad=True)
    a = x + y
    assert f"Does `a` require gradients?: {a.requires_grad}" == "Does `a` require gradients?: False"
    b = x + z
    assert f"Does `b` require gradients?: {b.requires_grad}" == "Does `b` require gradients?: True"


def test_freezing_a_model_and_replacing_its_head():
    model = lenet5()
    for param in model.parameters():
        param.requires_grad = False
    model.classifier[-1] = nn.Linear(84, 10)
    optimizer = optim.SGD(model.parameters(), lr=1e-2, momentum=0.9)

    frozen = {name: p.detach().numpy().copy() for name, p in model.named_parameters()}
    data = torch.rand(4, 1, 28, 28)
    labels = torch.tensor([0, 1, 2, 3])
    optimizer.zero_grad()
    loss = F.cross_entropy(model(data), labels)
    loss.backward()
    optimizer.step()
    changed = sorted(name for name, p in model.named_parameters()
                     if not np.array_equal(p.detach().numpy(), frozen[name]))
    assert changed == ['classifier.5.bias', 'classifier.5.weight']

"""Client port: PyTorch's "Learning PyTorch with Examples" (pytorch.org/tutorials,
``beginner_source/examples_autograd/``, ``examples_nn/``): the third-order polynomial fitted to
sin(x) with bare autograd tensors, with a custom ``torch.autograd.Function`` (the Legendre
polynomial P3), with ``nn.Sequential`` + ``Flatten(0, 1)`` + ``MSELoss(reduction='sum')``, with
``optim.RMSprop``, as a custom ``nn.Module``, and the dynamic net (control flow, weight sharing).

Written afresh, keeping every PyTorch call; only the imports differ (``torch`` -> ``minigrad``).
Changes for a quick test: 500 steps instead of 2,000, printing every 100 as the tutorial does (the
dynamic net: 1,000 steps instead of 30,000, printing every 100 instead of every 2,000); the checks
read what is printed.
"""
import math
import random
import re

import minigrad as torch

STEPS = 500


def _printed_losses(text):
    return [float(v) for v in re.findall(r'^\d+ ([0-9.e+-]+)$', text, re.M)]


def test_tensors_and_autograd(capsys):
    dtype = torch.float
    device = "cpu"
    torch.manual_seed(0)
    x = torch.linspace(-math.pi, math.pi, 2000, dtype=dtype)
    y = torch.sin(x)
    a = torch.randn((), device=device, dtype=dtype, requires_grad=True)
    b = torch.randn((), device=device, dtype=dtype, requires_grad=True)
    c = torch.randn((), device=device, dtype=dtype, requires_grad=True)
    d = torch.randn((), device=device, dtype=dtype, requires_grad=True)

    learning_rate = 1e-6
    first = None
    for t in range(STEPS):
        y_pred = a + b * x + c * x ** 2 + d * x ** 3
        loss = (y_pred - y).pow(2).sum()
        first = loss.item() if first is None else first
        if t % 100 == 99:
            print(t, loss.item())
        loss.backward()
        with torch.no_grad():
            a -= learning_rate * a.grad
            b -= learning_rate * b.grad
            c -= learning_rate * c.grad
            d -= learning_rate * d.grad
            a.grad = None
            b.grad = None
            c.grad = None
            d.grad = None
    print(f'Result: y = {a.item()} + {b.item()} x + {c.item()} x^2 + {d.item()} x^3')
    out = capsys.readouterr().out
    losses = _printed_losses(out)
    assert len(losses) == STEPS // 100 and losses[-1] < 0.2 * first
    assert all(later <= earlier for earlier, later in zip(losses, losses[1:]))
    assert out.splitlines()[-1].startswith('Result: y = ')


class LegendrePolynomial3(torch.autograd.Function):
    @staticmethod
    def forward(ctx, input):
        ctx.save_for_backward(input)
        return 0.5 * (5 * input ** 3 - 3 * input)

    @staticmethod
    def backward(ctx, grad_output):
        input, = ctx.saved_tensors
        return grad_output * 1.5 * (5 * input ** 2 - 1)


def test_defining_new_autograd_functions(capsys):
    dtype = torch.float
    device = torch.device("cpu")
    x = torch.linspace(-math.pi, math.pi, 2000, device=device, dtype=dtype)
    y = torch.sin(x)
    a = torch.full((), 0.0, device=device, dtype=dtype, requires_grad=True)
    b = torch.full((), -1.0, device=device, dtype=dtype, requires_grad=True)
    c = torch.full((), 0.0, device=device, dtype=dtype, requires_grad=True)
    d = torch.full((), 0.3, device=device, dtype=dtype, requires_grad=True)

    learning_rate = 5e-6
    first = None
    for t in range(STEPS):
        P3 = LegendrePolynomial3.apply
        y_pred = a + b * P3(c + d * x)
        loss = (y_pred - y).pow(2).sum()
        first = loss.item() if first is None else first
        if t % 100 == 99:
            print(t, loss.item())
        loss.backward()
        with torch.no_grad():
            a -= learning_rate * a.grad
            b -= learning_rate * b.grad
            c -= learning_rate * c.grad
            d -= learning_rate * d.grad
            a.grad = None
            b.grad = None
            c.grad = None
            d.grad = None
    print(f'Result: y = {a.item()} + {b.item()} * P3({c.item()} + {d.item()} x)')
    losses = _printed_losses(capsys.readouterr().out)
    assert len(losses) == STEPS // 100 and losses[-1] < 0.5 * first

    # the custom backward is the derivative of the custom forward
    z = torch.tensor([-0.7, 0.2, 1.3], requires_grad=True)
    LegendrePolynomial3.apply(z).sum().backward()
    expected = [1.5 * (5 * v ** 2 - 1) for v in (-0.7, 0.2, 1.3)]
    assert all(abs(g - e) < 1e-5 for g, e in zip(z.grad.numpy().tolist(), expected))


def _fit_sequential(capsys, use_optim):
    x = torch.linspace(-math.pi, math.pi, 2000)
    y = torch.sin(x)
    p = torch.tensor([1, 2, 3])
    xx = x.unsqueeze(-1).pow(p)
    assert tuple(xx.shape) == (2000, 3)
    torch.manual_seed(0)
    model = torch.nn.Sequential(
        torch.nn.Linear(3, 1),
        torch.nn.Flatten(0, 1)
    )
    loss_fn = torch.nn.MSELoss(reduction='sum')
    first = loss_fn(model(xx), y).item()
    if use_optim:
        learning_rate = 1e-3
        optimizer = torch.optim.RMSprop(model.parameters(), lr=learning_rate)
    else:
        learning_rate = 1e-6
    for t in range(STEPS):
        y_pred = model(xx)
        loss = loss_fn(y_pred, y)
        if t % 100 == 99:
            print(t, loss.item())
        if use_optim:
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        else:
            model.zero_grad()
            loss.backward()
            with torch.no_grad():
                for param in model.parameters():
                    param -= learning_rate * param.grad
    linear_layer = model[0]
    print(f'Result: y = {linear_layer.bias.item()} + {linear_layer.weight[:, 0].item()} x + '
          f'{linear_layer.weight[:, 1].item()} x^2 + {linear_layer.weight[:, 2].item()} x^3')
    out = capsys.readouterr().out
    losses = _printed_losses(out)
    assert len(losses) == STEPS // 100 and losses[-1] < 0.5 * first
    assert out.splitlines()[-1].startswith('Result: y = ')


def test_nn_sequential_flatten_and_mse(capsys):
    _fit_sequential(capsys, use_optim=False)


def test_optim_rmsprop(capsys):
    _fit_sequential(capsys, use_optim=True)


class Polynomial3(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.a = torch.nn.Parameter(torch.randn(()))
        self.b = torch.nn.Parameter(torch.randn(()))
        self.c = torch.nn.Parameter(torch.randn(()))
        self.d = torch.nn.Parameter(torch.randn(()))

    def forward(self, x):
        return self.a + self.b * x + self.c * x ** 2 + self.d * x ** 3

    def string(self):
        return f'y = {self.a.item()} + {self.b.item()} x + {self.c.item()} x^2 + {self.d.item()} x^3'


def test_custom_nn_modules(capsys):
    x = torch.linspace(-math.pi, math.pi, 2000)
    y = torch.sin(x)
    torch.manual_seed(0)
    model = Polynomial3()
    criterion = torch.nn.MSELoss(reduction='sum')
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-6)
    first = criterion(model(x), y).item()
    for t in range(STEPS):
        y_pred = model(x)
        loss = criterion(y_pred, y)
        if t % 100 == 99:
            print(t, loss.item())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    print(f'Result: {model.string()}')
    out = capsys.readouterr().out
    assert len(list(model.parameters())) == 4
    assert _printed_losses(out)[-1] < 0.2 * first and out.splitlines()[-1].startswith('Result: y = ')


class DynamicNet(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.a = torch.nn.Parameter(torch.randn(()))
        self.b = torch.nn.Parameter(torch.randn(()))
        self.c = torch.nn.Parameter(torch.randn(()))
        self.d = torch.nn.Parameter(torch.randn(()))
        self.e = torch.nn.Parameter(torch.randn(()))

    def forward(self, x):
        y = self.a + self.b * x + self.c * x ** 2 + self.d * x ** 3
        for exp in range(4, random.randint(4, 6)):
            y = y + self.e * x ** exp
        return y

    def string(self):
        return (f'y = {self.a.item()} + {self.b.item()} x + {self.c.item()} x^2 + {self.d.item()} x^3 + '
                f'{self.e.item()} x^4 ? + {self.e.item()} x^5 ?')


def test_control_flow_and_weight_sharing(capsys):
    random.seed(0)
    torch.manual_seed(0)
    x = torch.linspace(-math.pi, math.pi, 2000)
    y = torch.sin(x)
    model = DynamicNet()
    criterion = torch.nn.MSELoss(reduction='sum')
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-8, momentum=0.9)
    e0 = model.e.item()
    first = criterion(model(x), y).item()
    for t in range(1000):
        y_pred = model(x)
        loss = criterion(y_pred, y)
        if t % 100 == 99:
            print(t, loss.item())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    print(f'Result: {model.string()}')
    out = capsys.readouterr().out
    losses = _printed_losses(out)
    assert len(losses) == 10 and losses[-1] < 0.2 * first
    assert model.e.item() != e0                          # the shared weight was trained

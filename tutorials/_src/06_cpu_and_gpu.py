# %% [markdown]
# # 6. CPU and GPU
#
# Training a CNN is mostly large matrix products (a convolution is one, notebook 2), and a GPU
# does those many times faster than a CPU. minigrad keeps every tensor's numbers in an array of
# a **backend**: a NumPy array on the CPU, or a CuPy array in the memory of an NVIDIA GPU. Each
# operation works on whichever kind of array it is given, with the same code, so moving the work
# is a matter of moving the tensors. This notebook shows
#
# 1. the one line that moves a model and its data,
# 2. what moves, and what must not be mixed (with the errors you get),
# 3. a training loop that runs unchanged on either device,
# 4. CPU versus GPU timings, when a GPU is present.
#
# It runs everywhere: on a machine without a GPU the GPU-only cells say so and skip.

# %%
%config InlineBackend.figure_format = 'png'
import itertools
import time

import numpy as np
import matplotlib.pyplot as plt
from tqdm import tqdm

import minigrad as mg
from minigrad import nn

import models

plt.rcParams.update({'figure.dpi': 72})
mg.manual_seed(0)

# %% [markdown]
# ## Is there a GPU?
#
# `mg.cuda.is_available()` is True when CuPy is installed (`pip install -e ".[gpu]"`) **and** a
# GPU can be used. The usual idiom picks the device once and uses the variable everywhere.

# %%
GPU = mg.cuda.is_available()
device = 'cuda' if GPU else 'cpu'
print('GPU available:', GPU, '  GPUs:', mg.cuda.device_count())
print('using device:', device)

# %% [markdown]
# Every tensor knows where it lives. New tensors go to the default device, which is the CPU
# unless `mg.set_default_device('cuda')` or the environment variable `MINIGRAD_DEVICE=cuda` says
# otherwise; `device=` picks one explicitly.

# %%
a = mg.randn(3, 3)
print('a.device:', a.device, '  default device:', mg.get_default_device())
b = mg.zeros(3, 3, device=device)
print('b.device:', b.device, '  its array type:', type(b.array).__module__ + '.' + type(b.array).__name__)

# %% [markdown]
# ## One line moves a model and its data
#
# `tensor.to(device)` returns a copy of the tensor on that device (or the tensor itself if it is
# already there). `model.to(device)` moves the model's **parameters and buffers** (the batch-norm
# running statistics, say) in place and returns the model, so the layers, their names and the
# parameter objects stay the same. In a script the whole change is:
#
# ```python
# model = model.to(device)
# x, y = x.to(device), y.to(device)        # every batch, inside the loop
# ```
#
# `vgg_mini` has both parameters and buffers, so we move it and look:

# %%
model = models.VGG('vgg_mini', in_channels=1)
print('before:', {str(p.device) for p in model.parameters()} | {str(t.device) for t in model.buffers()})
model = model.to(device)
params_dev = {str(p.device) for p in model.parameters()}
buffers_dev = {str(t.device) for t in model.buffers()}
print('after: parameters on', params_dev, '  buffers on', buffers_dev)
print('e.g.', 'features.1.running_mean', dict(model.named_buffers())['features.1.running_mean'].device)
assert len(params_dev | buffers_dev) == 1 and next(iter(params_dev)).startswith(device)

# %% [markdown]
# What does **not** move by itself:
#
# * **the data**: every batch that comes out of the `DataLoader` must be moved too (or give
#   the loader `device=device` and it hands out batches already there);
# * **the targets**: labels meet the model's output in the loss, so they must be on the same
#   device as well;
# * **tensors you create** inside your own code (masks, constants, noise): create them with
#   `device=x.device` or `zeros_like(x)`;
# * **the optimizer state**: create the optimizer after `model.to(device)`, so its momentum
#   buffers are made where the parameters are.
#
# Python numbers are fine anywhere (`x * 2.0`). Going back to the CPU is explicit too:
# `.cpu()`, or `.numpy()` / `.item()`, which copy the numbers to the host (each is a transfer,
# so call them once per batch, not per element). `mg.save` writes checkpoints that `mg.load(...,
# map_location='cpu')` reads on a machine without a GPU.

# %%
x = mg.randn(4, 1, 28, 28).to(device)
scores = model(x)
print('input on', x.device, '-> scores on', scores.device, '  as NumPy:', type(scores.numpy()).__name__)
loader = mg.data.DataLoader(mg.data.MNISTSample(train=False), batch_size=32, device=device)
xb, yb = next(iter(loader))
print('a batch from DataLoader(device=...):', xb.device, yb.device)
assert scores.device == x.device == xb.device == yb.device

# %% [markdown]
# ## What must not be mixed, and the error you get
#
# An operation whose inputs live on different devices is an error: minigrad never copies
# silently, because a hidden transfer in a training loop can cost more than the work itself. The
# error names both devices and the fix. Without a GPU, the error you meet instead is the one for
# asking for `'cuda'` at all; it says why and what to do.

# %%
if GPU:
    on_gpu = mg.ones(3, device='cuda')
    on_cpu = mg.ones(3)
    try:
        on_gpu + on_cpu
    except RuntimeError as err:
        print('mixing devices in one op:\n  RuntimeError:', err)
    try:
        model(mg.randn(1, 1, 28, 28))                  # a GPU model fed a CPU batch
    except RuntimeError as err:
        print('a GPU model with a CPU input:\n  RuntimeError:', err)
else:
    try:
        mg.ones(3).to('cuda')
    except RuntimeError as err:
        print("asking for 'cuda' on this machine:\n  RuntimeError:", err)
        assert 'cuda' in str(err)
    print("\n(no GPU here: with one, this cell shows the device-mixing error of `gpu + cpu`;"
          "\n it reads: Expected all tensors to be on the same device, ... move them to one device first)")

# %% [markdown]
# ## One training loop for both devices
#
# Written with a `device` variable, the loop runs unchanged on the CPU or a GPU: move the model
# once, build the optimizer, move each batch. Here LeNet-5 trains for 40 steps on the MNIST
# sample, on whatever `device` is.

# %%
mg.manual_seed(0)
net = models.LeNet5().to(device)                       # 1. move the model first
optimizer = mg.optim.Adam(net.parameters(), lr=2e-3)   # 2. then build the optimizer
loss_fn = nn.CrossEntropyLoss()
train_loader = mg.data.DataLoader(mg.data.MNISTSample(train=True), batch_size=64, shuffle=True, seed=0)
losses = []
for x, y in tqdm(itertools.islice(train_loader, 40), total=40, desc=f'LeNet-5 on {device}', mininterval=2):
    x, y = x.to(device), y.to(device)                  # 3. move every batch
    loss = loss_fn(net(x), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    losses.append(loss.item())                         # .item() copies one number to the host
print(f'loss: first 5 steps {np.mean(losses[:5]):.3f}, last 5 steps {np.mean(losses[-5:]):.3f}')
assert np.mean(losses[-5:]) < 0.5 * np.mean(losses[:5])

# %% [markdown]
# ## Timings: CPU versus GPU
#
# GPU work is **asynchronous**: a call returns as soon as the work is queued. To time it we must
# wait for the GPU to finish (`mg.cuda.synchronize()`), and we run every case once untimed
# first, since the first call compiles and caches GPU kernels. We time three things at both
# ends of the scale: a large matrix product, and a training step of LeNet-5 and of `vgg_mini` on
# a batch of 128 digits.

# %%
def timeit(fn, repeat=3):
    """Best wall-clock time of fn() over `repeat` runs, after one warm-up run."""
    fn()
    mg.cuda.synchronize()
    best = float('inf')
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        mg.cuda.synchronize()                           # wait for queued GPU work
        best = min(best, time.perf_counter() - start)
    return best


def matmul_case(dev, n=1024):
    a, b = mg.randn(n, n, device=dev), mg.randn(n, n, device=dev)
    return lambda: a @ b


def train_step_case(make_model, dev, batch=128):
    mg.manual_seed(0)
    m = make_model().to(dev)
    opt = mg.optim.SGD(m.parameters(), lr=0.01)
    x = mg.randn(batch, 1, 28, 28, device=dev)
    y = mg.randint(0, 10, (batch,), device=dev)

    def step():
        loss = nn.functional.cross_entropy(m(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return step


cases = {'matmul 1024x1024': lambda dev: matmul_case(dev),
         'LeNet-5 train step': lambda dev: train_step_case(models.LeNet5, dev),
         'vgg_mini train step': lambda dev: train_step_case(lambda: models.VGG('vgg_mini', in_channels=1), dev)}
timings = {name: {'cpu': timeit(make('cpu'), repeat=2)} for name, make in cases.items()}
for name, t in timings.items():
    print(f'{name:22s} CPU {t["cpu"] * 1e3:8.1f} ms')

# %%
if not GPU:
    print('SKIPPED: no GPU on this machine (mg.cuda.is_available() is False), so there is nothing '
          'to compare the CPU timings above with.\nOn a machine with an NVIDIA GPU and CuPy '
          '(pip install -e ".[gpu]") this cell times the same cases on the GPU and plots both.')
else:
    for name, make in cases.items():
        timings[name]['cuda'] = timeit(make('cuda'), repeat=5)
    print(f'{"":22s} {"CPU":>10s} {"GPU":>10s} {"speed-up":>9s}')
    for name, t in timings.items():
        print(f'{name:22s} {t["cpu"] * 1e3:8.1f} ms {t["cuda"] * 1e3:7.2f} ms {t["cpu"] / t["cuda"]:8.1f}x')
    fig, ax = plt.subplots(figsize=(6.5, 3))
    pos = np.arange(len(timings))
    ax.barh(pos + 0.2, [t['cpu'] * 1e3 for t in timings.values()], 0.4, label='CPU (NumPy)')
    ax.barh(pos - 0.2, [t['cuda'] * 1e3 for t in timings.values()], 0.4, label='GPU (CuPy)')
    ax.set_yticks(pos, list(timings))
    ax.set_xscale('log')
    ax.set_xlabel('time (ms, log scale)')
    ax.legend()
    fig.tight_layout()

# %% [markdown]
# What to expect on a GPU: the large matrix product and the `vgg_mini` step gain the most, since
# each of their operations has enough work to keep thousands of GPU cores busy. The tiny LeNet-5
# step gains much less, or nothing: its operations are small, and the fixed cost of launching
# each GPU kernel (microseconds, paid once per operation) dominates. GPUs pay off for large
# batches and large layers.
#
# **Summary.** Pick `device` once; move the model with `model.to(device)` before building the
# optimizer, and every batch (inputs and targets) with `.to(device)`; create new tensors on
# `x.device`. Every tensor in one operation must be on the same device: minigrad raises an error
# instead of copying behind your back, and asking for `'cuda'` without a GPU is a clear error
# too. Synchronize before reading a clock.

# %% [markdown]
# # 4. LeNet-5 on MNIST
#
# So far every filter was designed by hand. Now a network learns its own: **LeNet-5**, the
# convolutional network Yann LeCun and colleagues built to read handwritten digits in the 1990s.
# We train it on the MNIST sample that ships with minigrad, watch what its layers learned, and
# then test the claim that motivates convolutional networks in the first place:
#
# > MNIST digits are all centred in their images, which makes them easy even for a plain
# > fully-connected network. A CNN looks for *patterns* wherever they are, so it should cope
# > much better when the digits move.

# %%
%config InlineBackend.figure_format = 'png'
import time

import numpy as np
import matplotlib.pyplot as plt
from tqdm import tqdm

import minigrad as mg
from minigrad import nn

import models

plt.rcParams.update({'figure.dpi': 72, 'image.interpolation': 'nearest'})
mg.manual_seed(0)

# %% [markdown]
# ## The data
#
# 8,000 training and 2,000 test digits, real MNIST images bundled with minigrad. Each sample is a
# float32 `(1, 28, 28)` image in [0, 1] and an integer label.

# %%
train_set = mg.data.MNISTSample(train=True)
test_set = mg.data.MNISTSample(train=False)
test_images = test_set.images(np.arange(len(test_set)))       # (2000, 1, 28, 28) float32
test_labels = test_set.targets                                # (2000,) int64
print(len(train_set), 'training digits,', len(test_set), 'test digits;  one image:', test_images[0].shape)

fig, axes = plt.subplots(1, 10, figsize=(9, 1.3))
for ax, img, lab in zip(axes, test_images, test_labels):
    ax.imshow(img[0], cmap='gray')
    ax.set_title(str(lab), fontsize=10)
    ax.axis('off')

# %% [markdown]
# ## The model
#
# `models.LeNet5` is the classic layout with two modern touches (ReLU activations and max
# pooling, as in most current write-ups):
#
# * `features`: a 5x5 convolution with 6 filters (padding 2 keeps 28x28), ReLU, 2x2 max pooling
#   (keep the largest of every 2x2 block: 28x28 -> 14x14), then a 5x5 convolution with 16 filters
#   (14x14 -> 10x10), ReLU, pooling (-> 5x5);
# * `classifier`: flatten the 16x5x5 = 400 numbers, then fully-connected layers 400 -> 120 -> 84
#   -> 10, one output score ("logit") per digit.
#
# `models.summary` lists the output shape and the parameter count of every layer.

# %%
lenet = models.LeNet5()
print(lenet)
table = models.summary(lenet, (1, 28, 28))
table

# %% [markdown]
# A convolution layer has `out_channels x in_channels x k x k` weights plus one bias per filter,
# a linear layer `in x out` weights plus `out` biases. Adding them up by hand gives the same total:

# %%
by_hand = (6 * 1 * 5 * 5 + 6) + (16 * 6 * 5 * 5 + 16) + (400 * 120 + 120) + (120 * 84 + 84) + (84 * 10 + 10)
n_lenet = sum(p.numel() for p in lenet.parameters())
print(f'LeNet-5 parameters: {n_lenet:,}  (by hand: {by_hand:,})')
assert n_lenet == by_hand == table.total_params

# %% [markdown]
# ## The training loop
#
# Training is a loop over mini-batches. For each batch of 64 digits:
#
# 1. **forward**: the model turns images into 10 scores each;
# 2. **loss**: cross-entropy compares the scores with the true labels (low when the right digit
#    gets a high score);
# 3. **backward**: `loss.backward()` computes the gradient of the loss for every weight
#    (notebook 3);
# 4. **step**: the optimizer (Adam here) moves every weight a little against its gradient, after
#    `zero_grad()` cleared the gradients of the previous batch.
#
# The `DataLoader` shuffles the training set differently every epoch (reproducibly, from its
# seed) and hands out batches as tensors. After each epoch we measure accuracy on the test digits,
# which the model never trains on. We write the loop as a function, since we will train a second
# model with it later.

# %%
def accuracy(model, images, labels, batch_size=500):
    """Fraction of `images` (a NumPy array) that `model` classifies correctly."""
    model.eval()
    correct = 0
    with mg.no_grad():                               # no graph needed: saves time and memory
        for i in range(0, len(labels), batch_size):
            scores = model(mg.tensor(images[i:i + batch_size]))
            correct += int((scores.argmax(dim=1).numpy() == labels[i:i + batch_size]).sum())
    model.train()
    return correct / len(labels)


def fit(model, epochs, lr=2e-3, batch_size=64, name='model'):
    loader = mg.data.DataLoader(train_set, batch_size=batch_size, shuffle=True, seed=0)
    optimizer = mg.optim.Adam(model.parameters(), lr=lr)
    loss_fn = nn.CrossEntropyLoss()
    history = {'loss': [], 'train_acc': [], 'test_acc': []}
    model.train()
    for epoch in range(epochs):
        seen = correct = 0
        bar = tqdm(loader, desc=f'{name} epoch {epoch + 1}/{epochs}', mininterval=2)
        for x, y in bar:
            scores = model(x)                        # 1. forward
            loss = loss_fn(scores, y)                # 2. loss
            optimizer.zero_grad()
            loss.backward()                          # 3. backward
            optimizer.step()                         # 4. step
            history['loss'].append(loss.item())
            correct += int((scores.argmax(dim=1).numpy() == y.numpy()).sum())
            seen += len(y)
            bar.set_postfix(loss=f'{loss.item():.3f}', acc=f'{correct / seen:.3f}', refresh=False)
        history['train_acc'].append(correct / seen)
        history['test_acc'].append(accuracy(model, test_images, test_labels))
        bar.set_postfix(loss=f'{loss.item():.3f}', acc=f'{correct / seen:.3f}',
                        test_acc=f'{history["test_acc"][-1]:.3f}')
        bar.close()
    return history


EPOCHS = 3
start = time.perf_counter()
history = fit(lenet, EPOCHS, name='LeNet-5')
lenet_time = time.perf_counter() - start
print(f'trained in {lenet_time:.1f} s;  test accuracy per epoch:', history['test_acc'])
assert history['test_acc'][-1] > 0.9

# %% [markdown]
# Three passes over 8,000 digits (a few seconds) are enough for about 96% accuracy on digits the
# network has never seen. The loss falls fast during the first few hundred steps and then slowly; the test
# accuracy follows the training accuracy closely, so the network is not just memorising.

# %%
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3))
steps = np.arange(1, len(history['loss']) + 1)
ax1.plot(steps, history['loss'], lw=0.6, alpha=0.4, label='per batch')
smooth = np.convolve(history['loss'], np.ones(20) / 20, mode='valid')
ax1.plot(steps[19:], smooth, lw=1.5, label='average of 20 batches')
ax1.set(xlabel='training step (batch)', ylabel='cross-entropy loss', yscale='log', title='loss')
ax1.legend()
epochs = np.arange(1, EPOCHS + 1)
ax2.plot(epochs, history['train_acc'], 'o-', label='train (during the epoch)')
ax2.plot(epochs, history['test_acc'], 's-', label='test')
ax2.set(xlabel='epoch', ylabel='accuracy', title='accuracy', xticks=epochs)
ax2.legend()
fig.tight_layout()

# %% [markdown]
# ## What the first layer learned
#
# The six 5x5 filters of the first convolution started as random numbers. After only three short
# epochs they are still rough, but most already have a positive (red) side and a negative (blue)
# side: they respond to light/dark transitions in particular directions, the same kind of
# oriented edge detectors we built by hand in notebook 1. Nobody designed them; gradient descent
# chose them because they help to tell digits apart. Their feature maps below show it better than
# the raw weights.

# %%
conv1 = lenet.features[0]
filters = conv1.weight.numpy()                              # (6, 1, 5, 5)
print('first-layer weight:', filters.shape)
fig, axes = plt.subplots(1, 6, figsize=(8, 1.6))
for i, ax in enumerate(axes):
    lim = np.abs(filters[i, 0]).max()
    ax.imshow(filters[i, 0], cmap='RdBu_r', vmin=-lim, vmax=lim)
    ax.set_title(f'filter {i}', fontsize=9)
    ax.axis('off')

# %% [markdown]
# ## Feature maps: from edges to parts
#
# Run one test digit through `lenet.features` layer by layer and keep every intermediate result.
# After the first convolution (and ReLU) each of the 6 maps is the digit seen through one
# filter: it lights up where the strokes have a certain edge orientation. Pooling halves the
# resolution and keeps the strongest responses. The second convolution combines all 6 maps (its
# filters are `6 x 5 x 5`), so its 16 maps respond to **combinations** of edges (stroke endings,
# corners, curves, crossings) in a coarser 10x10 grid. Stacking layers builds this hierarchy:
# simple patterns first, then parts made of them.

# %%
digit = mg.tensor(test_images[:1])
activations = []
h = digit
with mg.no_grad():
    for layer in lenet.features:
        h = layer(h)
        activations.append((type(layer).__name__, h.numpy()[0]))
for i, (name, a) in enumerate(activations):
    print(f'features[{i}] {name:9s} -> {a.shape}')
assert activations[1][1].shape == (6, 28, 28) and activations[4][1].shape == (16, 10, 10)
assert activations[5][1].shape == (16, 5, 5)


def show_maps(maps, title, cols):
    rows = int(np.ceil(len(maps) / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(1.1 * cols, 1.15 * rows + 0.3), squeeze=False)
    for ax in axes.flat:
        ax.axis('off')
    for ax, m in zip(axes.flat, maps):
        ax.imshow(m, cmap='magma')
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()


fig, ax = plt.subplots(figsize=(1.6, 1.6))
ax.imshow(test_images[0, 0], cmap='gray')
ax.set_title(f'input: a {test_labels[0]}', fontsize=9)
ax.axis('off')
show_maps(activations[1][1], 'layer 1: conv 5x5 + ReLU, 6 maps of 28x28 (edges)', 6)
show_maps(activations[2][1], 'after 2x2 max pooling: 6 maps of 14x14', 6)
show_maps(activations[4][1], 'layer 2: conv 5x5 + ReLU, 16 maps of 10x10 (combinations of edges)', 8)

# %% [markdown]
# ## Moving the digits: CNN versus a fully-connected network
#
# Now the experiment. We train a **multi-layer perceptron** (MLP) of about the same size: the
# 784 pixels go straight into a hidden layer of 76 units and then to the 10 outputs. Every hidden
# unit has one weight *per pixel position*, so what it learned about a stroke at one position
# says nothing about the same stroke two pixels to the right. A convolution uses the *same*
# filter at every position, and pooling forgives small displacements.

# %%
mlp = nn.Sequential(nn.Flatten(), nn.Linear(28 * 28, 76), nn.ReLU(), nn.Linear(76, 10))
n_mlp = sum(p.numel() for p in mlp.parameters())
print(f'LeNet-5: {n_lenet:,} parameters    MLP 784-76-10: {n_mlp:,} parameters')
assert abs(n_mlp - n_lenet) / n_lenet < 0.05            # within 5%: a fair comparison

start = time.perf_counter()
mlp_history = fit(mlp, EPOCHS, name='MLP')
mlp_time = time.perf_counter() - start
print(f'MLP trained in {mlp_time:.1f} s;  test accuracy per epoch:', mlp_history['test_acc'])

# %% [markdown]
# On centred digits the two are close. Now we move every test digit by `s` pixels, up, down,
# left or right (the pixels that leave the frame are lost, new ones are black), and measure both
# networks again. Neither network ever saw a shifted digit during training.

# %%
def shift(images, dy, dx):
    """Move images (N, 1, H, W) by dy rows and dx columns, filling with black."""
    out = np.zeros_like(images)
    H, W = images.shape[-2:]
    out[..., max(dy, 0):H + min(dy, 0), max(dx, 0):W + min(dx, 0)] = \
        images[..., max(-dy, 0):H + min(-dy, 0), max(-dx, 0):W + min(-dx, 0)]
    return out


fig, axes = plt.subplots(1, 5, figsize=(6, 1.5))
for ax, s in zip(axes, [0, 2, 4, 6, 8]):
    ax.imshow(shift(test_images[:1], 0, s)[0, 0], cmap='gray')
    ax.set_title(f'shift {s}', fontsize=9)
    ax.axis('off')

shifts = np.arange(0, 9)
directions = [(1, 0), (-1, 0), (0, 1), (0, -1)]
subset, subset_labels = test_images[:1000], test_labels[:1000]
results = {'LeNet-5': [], 'MLP': []}
for s in shifts:
    for name, model in [('LeNet-5', lenet), ('MLP', mlp)]:
        accs = [accuracy(model, shift(subset, s * dy, s * dx), subset_labels) for dy, dx in directions]
        results[name].append(np.mean(accs))
print('shift   LeNet-5   MLP')
for s, a, b in zip(shifts, results['LeNet-5'], results['MLP']):
    print(f'{s:5d}   {a:7.3f}   {b:5.3f}')

# %%
fig, ax = plt.subplots(figsize=(5.5, 3.3))
ax.plot(shifts, results['LeNet-5'], 'o-', label=f'LeNet-5 ({n_lenet:,} parameters)')
ax.plot(shifts, results['MLP'], 's-', label=f'MLP ({n_mlp:,} parameters)')
ax.axhline(0.1, color='grey', ls=':', lw=1)
ax.text(0, 0.11, 'chance', fontsize=8, color='grey')
ax.set(xlabel='shift (pixels, up/down/left/right)', ylabel='test accuracy', ylim=(0, 1.02),
       title='accuracy on shifted digits')
ax.legend()

lenet_acc, mlp_acc = np.array(results['LeNet-5']), np.array(results['MLP'])
assert lenet_acc[0] > 0.9 and mlp_acc[0] > 0.85
assert (lenet_acc[2:6] > mlp_acc[2:6] + 0.1).all()      # a clear margin at 2-5 pixels

# %% [markdown]
# Both networks lose accuracy as the digits move, but the MLP collapses much faster: a shift of
# a few pixels puts the strokes on pixels whose weights never learned anything about them. The
# CNN applies the same filters everywhere, so its feature maps simply move along with the digit,
# and the two 2x2 poolings absorb part of the displacement. It is not fully shift-invariant
# either: its fully-connected classifier still reads the final 5x5 maps position by position. Real
# systems close the gap by training on shifted and otherwise altered images (**data
# augmentation**, `mg.data.transforms.RandomCrop`) and by pooling over the whole map at the end,
# as the VGG of notebook 5 does.
#
# **Summary.** A CNN learns its filters by backpropagation. Its first layer ends up with edge
# detectors and its deeper layers combine them into parts. With the same number of parameters as
# an MLP it is far more robust to where things are in the image, because it looks for the same
# patterns at every position.

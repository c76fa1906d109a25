# %% [markdown]
# # 5. The pyramid: VGG
#
# Most CNNs for images share one shape. The first layers work at full resolution with few
# filters (8-64), which is enough for simple pixel patterns like edges. Every so often the
# feature maps are shrunk (by pooling or a stride) and the number of filters grows, so deeper
# layers see larger regions and can represent more kinds of combinations. Toward the classifier
# the maps get smaller and deeper: a **pyramid**.
#
# VGG-16 (Simonyan and Zisserman, 2014; 92.7% top-5 accuracy on ImageNet) is the cleanest
# example: nothing but 3x3 convolutions (stride 1, padding 1, so they keep the size) and 2x2 max
# pools (which halve it), with the channel count doubling after each of the first three pools,
# from 64 up to 512,
# followed by three fully-connected layers. In this notebook we
#
# 1. build VGG-16 and read its layer table: shapes, parameters and compute per layer,
# 2. plot how the spatial size falls while the channels grow,
# 3. train `vgg_mini`, a three-block VGG for 28x28 images, on Fashion-MNIST, and compare it with
#    LeNet-5 on accuracy, parameters and time.

# %%
%config InlineBackend.figure_format = 'png'
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
# ## VGG-16's layer table
#
# A VGG is described by a list: a number is a 3x3 convolution with that many filters, `'M'` a 2x2
# max pool. VGG-16 has 13 convolutions in 5 blocks; with its three fully-connected layers that
# makes 16 layers with weights.

# %%
print(models.cfgs['vgg16'])

# %% [markdown]
# We build it as in the paper: 3-channel 224x224 input, 1000 ImageNet classes, no batch
# normalisation, and the "classic" head of three fully-connected layers (4096, 4096, 1000).
# `models.summary` propagates the input shape through the layers without running any data, so
# it is instant; building the network itself allocates its 138 million weights (about half a
# gigabyte) and takes a few seconds.

# %%
vgg16 = models.VGG('vgg16', num_classes=1000, in_channels=3, batch_norm=False, head='classic')
table = models.summary(vgg16, (3, 224, 224))
table

# %% [markdown]
# The total can be checked by hand. A 3x3 convolution from `c_in` to `c_out` channels has
# `9 c_in c_out` weights and `c_out` biases; the first fully-connected layer reads the
# 512 x 7 x 7 = 25,088 numbers left after the last pool.

# %%
conv_params, c_in = 0, 3
for v in models.cfgs['vgg16']:
    if v != 'M':
        conv_params += 9 * c_in * v + v
        c_in = v
fc_params = (25088 * 4096 + 4096) + (4096 * 4096 + 4096) + (4096 * 1000 + 1000)
n_vgg16 = sum(p.numel() for p in vgg16.parameters())
print(f'convolutions: {conv_params:>12,}')
print(f'classifier:   {fc_params:>12,}')
print(f'total:        {conv_params + fc_params:>12,}   (summary: {table.total_params:,})')
assert table.total_params == n_vgg16 == conv_params + fc_params == 138_357_544

# %% [markdown]
# ## Spatial size down, channels up
#
# From the table we take, for every convolution and pool, the output's side length and channel
# count, and plot both. Each pool halves the side (224, 112, 56, 28, 14, 7) while the
# convolutions double the channels (64, 128, 256, 512), so the number of values per map shrinks
# from 3.2 million to 25,088 by the end of the features.

# %%
rows = [r for r in table.rows if r['type'] in ('Conv2d', 'MaxPool2d')]
side = np.array([r['output_shape'][2] for r in rows])
channels = np.array([r['output_shape'][1] for r in rows])
labels = [('conv' if r['type'] == 'Conv2d' else 'pool') for r in rows]
for r in rows[:4] + rows[-3:]:
    print(f"{r['name']:12s} {r['type']:10s} -> {r['output_shape']}")
assert side[0] == 224 and side[-1] == 7 and channels[0] == 64 and channels[-1] == 512

fig, ax1 = plt.subplots(figsize=(8, 3.2))
x = np.arange(len(rows))
ax1.plot(x, side, 'o-', color='tab:blue', label='side length (pixels)')
ax1.set_ylabel('side length H = W', color='tab:blue')
ax1.set_yscale('log', base=2)
ax1.set_yticks([7, 14, 28, 56, 112, 224], labels=['7', '14', '28', '56', '112', '224'])
ax2 = ax1.twinx()
ax2.step(x, channels, where='mid', color='tab:red', label='channels')
ax2.set_ylabel('channels', color='tab:red')
ax2.set_yscale('log', base=2)
ax2.set_yticks([64, 128, 256, 512], labels=['64', '128', '256', '512'])
ax1.set_xticks(x, labels, rotation=90, fontsize=8)
ax1.set_title('VGG-16 features: the maps shrink while the channels grow')
fig.tight_layout()

# %% [markdown]
# ## Where the parameters are, and where the compute is
#
# The table also says how many parameters and multiply-adds each layer needs. They live in very
# different places: the first fully-connected layer alone holds 103 million of the 138 million
# parameters, but it is used once per image, while the convolutions at high resolution reuse
# their few weights at every one of thousands of positions and do almost all the arithmetic.

# %%
layer_rows = [r for r in table.rows if r['params'] > 0]
n_conv = sum(r['type'] == 'Conv2d' for r in layer_rows)
names = [f'conv{i + 1}' if i < n_conv else f'fc{i - n_conv + 1}' for i in range(len(layer_rows))]
params = np.array([r['params'] for r in layer_rows], dtype=float)
macs = np.array([r['mult_adds'] for r in layer_rows], dtype=float)
fc_share = params[-3:].sum() / params.sum()
conv_compute = macs[:-3].sum() / macs.sum()
print(f'fully-connected layers: {fc_share:.1%} of the parameters, {1 - conv_compute:.2%} of the mult-adds')
print(f'one 224x224 image: {macs.sum() / 1e9:.1f} billion mult-adds')
assert fc_share > 0.85 and conv_compute > 0.99

fig, (a1, a2) = plt.subplots(1, 2, figsize=(9.5, 3))
a1.bar(names, params / 1e6, color=['tab:blue'] * 13 + ['tab:orange'] * 3)
a1.set(ylabel='parameters (millions)', title='parameters per layer')
a2.bar(names, macs / 1e9, color=['tab:blue'] * 13 + ['tab:orange'] * 3)
a2.set(ylabel='mult-adds (billions)', title='compute per layer (one image)')
for ax in (a1, a2):
    ax.tick_params(axis='x', rotation=90, labelsize=8)
fig.tight_layout()

del vgg16            # free the half gigabyte

# %% [markdown]
# ### Why only 3x3 kernels?
#
# Two stacked 3x3 convolutions see a 5x5 patch of their input, three see 7x7 (notebook 2). For
# `C` channels in and out, three 3x3 layers need $3 \cdot 9 C^2 = 27 C^2$ weights where one 7x7
# layer needs $49 C^2$, and they put two extra ReLUs in between, so the stack is both cheaper and
# more expressive. That is VGG's design rule.

# %%
C = 256
three_3x3 = sum(p.numel() for p in nn.Sequential(*[nn.Conv2d(C, C, 3, bias=False) for _ in range(3)]).parameters())
one_7x7 = nn.Conv2d(C, C, 7, bias=False).weight.numel()
print(f'three 3x3 layers: {three_3x3:,} weights;  one 7x7 layer: {one_7x7:,} weights')
assert three_3x3 == 27 * C * C and one_7x7 == 49 * C * C

# %% [markdown]
# ## A VGG for small images: `vgg_mini`
#
# `vgg_mini` keeps the recipe but has three blocks of two 3x3 convolutions (32, 64 and 128
# channels), each followed by a 2x2 pool, so a 28x28 image becomes 128 maps of 3x3. A global
# average pool turns each map into one number and a single linear layer maps the 128 numbers to
# the 10 classes. Each convolution is followed by **batch normalisation** (the "VGG-BN" variant),
# which rescales every channel to a stable range and lets a deep stack train quickly.

# %%
mg.manual_seed(0)
vgg_mini = models.VGG('vgg_mini', num_classes=10, in_channels=1)
lenet = models.LeNet5(num_classes=10, in_channels=1)
mini_table = models.summary(vgg_mini, (1, 28, 28))
lenet_table = models.summary(lenet, (1, 28, 28), verbose=False)
mini_table

# %% [markdown]
# ## Fashion-MNIST
#
# Fashion-MNIST has the format of MNIST (28x28 grey, 10 classes, 60,000 + 10,000 images) but
# shows clothes, which is harder: shirts, pullovers and coats look alike. Debian's
# `dataset-fashion-mnist` package puts it in `/usr/share/datasets/fashion-mnist/`. If it is not
# installed we fall back to the MNIST sample bundled with minigrad (the comparison still runs, on
# an easier task). To keep the notebook fast we train on a random subset of 2,500 images and test
# on 1,000.

# %%
N_TRAIN, N_TEST = 2500, 1000
try:
    full_train = mg.data.FashionMNIST(train=True)
    full_test = mg.data.FashionMNIST(train=False)
    dataset_name = 'Fashion-MNIST'
except mg.data.DatasetNotFoundError as err:
    print('Fashion-MNIST is not installed (on Debian/Ubuntu: apt-get install dataset-fashion-mnist);')
    print('falling back to the MNIST sample that ships with minigrad.\n')
    full_train = mg.data.MNISTSample(train=True)
    full_test = mg.data.MNISTSample(train=False)
    dataset_name = 'MNIST sample'

rng = np.random.default_rng(0)
train_set = mg.data.Subset(full_train, rng.permutation(len(full_train))[:N_TRAIN])
test_pick = rng.permutation(len(full_test))[:N_TEST]
test_images, test_labels = full_test.images(test_pick), full_test.targets[test_pick]
print(f'{dataset_name}: training on {len(train_set)} images, testing on {len(test_labels)}')

fig, axes = plt.subplots(2, 8, figsize=(8, 2.6))
for ax, img, lab in zip(axes.flat, test_images, test_labels):
    ax.imshow(img[0], cmap='gray')
    ax.set_title(full_test.classes[lab], fontsize=8)
    ax.axis('off')
fig.tight_layout()

# %% [markdown]
# ## Training both networks the same way
#
# The same loop as in notebook 4: Adam, batches of 64, two passes over the 2,500 images, test
# accuracy after each epoch, and the wall-clock time of the whole run.

# %%
def accuracy(model, images, labels, batch_size=250):
    model.eval()                                 # batch norm: use the running statistics
    correct = 0
    with mg.no_grad():
        for i in range(0, len(labels), batch_size):
            scores = model(mg.tensor(images[i:i + batch_size]))
            correct += int((scores.argmax(dim=1).numpy() == labels[i:i + batch_size]).sum())
    model.train()
    return correct / len(labels)


def fit(model, epochs, name, lr=2e-3, batch_size=64):
    loader = mg.data.DataLoader(train_set, batch_size=batch_size, shuffle=True, seed=0)
    optimizer = mg.optim.Adam(model.parameters(), lr=lr)
    loss_fn = nn.CrossEntropyLoss()
    test_acc, start = [], time.perf_counter()
    model.train()
    for epoch in range(epochs):
        bar = tqdm(loader, desc=f'{name} epoch {epoch + 1}/{epochs}', mininterval=2)
        for x, y in bar:
            loss = loss_fn(model(x), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            bar.set_postfix(loss=f'{loss.item():.3f}', refresh=False)
        bar.close()
        test_acc.append(accuracy(model, test_images, test_labels))
    return test_acc, time.perf_counter() - start


EPOCHS = 2
vgg_acc, vgg_time = fit(vgg_mini, EPOCHS, 'vgg_mini')
lenet_acc, lenet_time = fit(lenet, EPOCHS, 'LeNet-5')
print(f'vgg_mini: test accuracy {vgg_acc}  in {vgg_time:.1f} s')
print(f'LeNet-5:  test accuracy {lenet_acc}  in {lenet_time:.1f} s')

# %% [markdown]
# (`vgg_mini`'s low score after its first epoch is a batch-normalisation effect: in `eval()` mode
# it normalises with running averages of the training batches' statistics, and those lag behind
# while the weights still change fast. Normalised with the test batches' own statistics, the same
# network already scores nearly as well as after epoch 2. By the second epoch the averages have
# caught up.)
#
# ## The comparison

# %%
n_mini = sum(p.numel() for p in vgg_mini.parameters())
n_lenet = sum(p.numel() for p in lenet.parameters())
print(f'{"":10s} {"parameters":>11s} {"mult-adds/image":>16s} {"train time":>11s} {"test acc":>9s}')
for name, n, tab, t, acc in [('vgg_mini', n_mini, mini_table, vgg_time, vgg_acc[-1]),
                             ('LeNet-5', n_lenet, lenet_table, lenet_time, lenet_acc[-1])]:
    print(f'{name:10s} {n:>11,} {tab.mult_adds / 1e6:>14.1f} M {t:>9.1f} s {acc:>9.3f}')
assert n_mini == mini_table.total_params and n_lenet == lenet_table.total_params == 61_706
print(f'vgg_mini / LeNet-5: {n_mini / n_lenet:.1f}x the parameters, '
      f'{mini_table.mult_adds / lenet_table.mult_adds:.0f}x the mult-adds')
assert 4.5 < n_mini / n_lenet < 5 and 60 < mini_table.mult_adds / lenet_table.mult_adds < 80
assert vgg_acc[-1] > 0.7 and lenet_acc[-1] > 0.6
if dataset_name == 'Fashion-MNIST':
    assert vgg_acc[-1] > lenet_acc[-1]

fig, axes = plt.subplots(1, 4, figsize=(10, 2.6))
for ax, values, title, fmt in zip(
        axes, [[n_mini, n_lenet], [mini_table.mult_adds / 1e6, lenet_table.mult_adds / 1e6],
               [vgg_time, lenet_time], [vgg_acc[-1], lenet_acc[-1]]],
        ['parameters', 'mult-adds per image (M)', f'training time (s, {EPOCHS} epochs)',
         f'test accuracy ({dataset_name})'],
        ['{:,.0f}', '{:.1f}', '{:.1f}', '{:.3f}']):
    bars = ax.bar(['vgg_mini', 'LeNet-5'], values, color=['tab:purple', 'tab:green'])
    ax.bar_label(bars, [fmt.format(v) for v in values], fontsize=8)
    ax.set_title(title, fontsize=9)
    ax.margins(y=0.2)
axes[3].set_ylim(0, 1)
fig.tight_layout()

# %% [markdown]
# With the same data and the same two epochs, `vgg_mini` reaches the higher accuracy: its deeper
# stack of small filters (and batch normalisation) extracts better features per pass over the
# data. It pays for that in compute. It has about 4.7 times LeNet-5's parameters, but about 70
# times its multiply-adds per image, because its convolutions run at full 28x28 resolution
# with 32 channels; the training time follows the multiply-adds, not the parameter count.
#
# That trade-off is the whole story of CNN design since VGG: spend compute where it buys
# accuracy. For a fair picture, give LeNet-5 more epochs. It is so cheap that eight epochs still
# take less time than `vgg_mini`'s two:

# %%
mg.manual_seed(0)
lenet_long = models.LeNet5()
LONG = 8
long_acc, long_time = fit(lenet_long, LONG, f'LeNet-5 ({LONG} epochs)')
print(f'LeNet-5, {LONG} epochs: test accuracy {long_acc[-1]:.3f} in {long_time:.1f} s '
      f'(vgg_mini, 2 epochs: {vgg_acc[-1]:.3f} in {vgg_time:.1f} s)')
assert long_acc[-1] > lenet_acc[-1] and long_acc[-1] > vgg_acc[-1] - 0.05

fig, ax = plt.subplots(figsize=(5.5, 3.2))
ax.plot(np.arange(1, LONG + 1), long_acc, 'o-', color='tab:green', label='LeNet-5')
ax.plot(np.arange(1, EPOCHS + 1), vgg_acc, 's-', color='tab:purple', label='vgg_mini')
ax.set(xlabel='epoch', ylabel='test accuracy', title=f'{dataset_name}, {N_TRAIN} training images')
ax.legend();

# %% [markdown]
# On this small 28x28 task the little network, given more epochs but still a fraction of the
# time, ends up about as accurate as `vgg_mini`, which would in turn keep improving with more
# epochs (and more data). The larger, deeper network
# pays off on larger images and harder problems, which is why the pyramid of 3x3 convolutions
# became the template for the architectures that followed (ResNet adds shortcuts to the same
# pattern). With more compute to spend, notebook 6 moves the work to a GPU.
#
# **Summary.** VGG stacks 3x3 convolutions and halves the resolution with pooling while doubling
# the channels: a pyramid from 224x224x64 down to 7x7x512. VGG-16 has 138,357,544 parameters,
# most of them in its first fully-connected layer, but almost all of its compute is in the
# convolutions. Per epoch, the deep `vgg_mini` learns Fashion-MNIST better than LeNet-5, at many
# times the cost per image.

# %% [markdown]
# # 2. Padding, stride and channels
#
# Notebook 1 slid a kernel over an image one pixel at a time and kept the kernel inside the
# image. Three knobs change that picture, and with it the **shape** of the feature map:
#
# * **padding** adds a frame of zeros around the image, so the kernel can also sit on the border;
# * **stride** moves the kernel by more than one pixel at a time;
# * **channels**: a colour image (or the output of an earlier layer) has several channels, and a
#   filter has one slice of weights per input channel.
#
# Getting the shapes right is most of the work of designing a CNN, so we check every formula
# against `F.conv2d`, and finish with a small network traced shape by shape.

# %%
%config InlineBackend.figure_format = 'png'
import itertools

import numpy as np
import matplotlib.pyplot as plt

import minigrad as mg
import minigrad.nn.functional as F

plt.rcParams.update({'figure.dpi': 72, 'image.interpolation': 'nearest'})
mg.manual_seed(0)

# %% [markdown]
# ## The output-size formula
#
# Along one axis, an input of size $n$, a kernel of size $k$, padding $p$ on each side and stride
# $s$ give
#
# $$n_\text{out} = \left\lfloor \frac{n + 2p - k}{s} \right\rfloor + 1 .$$
#
# The padded input has $n + 2p$ pixels; the kernel's first position covers $k$ of them and each
# step moves it $s$ further, as long as it still fits. (With **dilation** $d$, a kernel with gaps
# between its taps, $k$ becomes the spread $d(k - 1) + 1$.) Let us check the formula against
# `F.conv2d` on a grid of a few hundred cases.

# %%
def out_size(n, k, p=0, s=1, d=1):
    return (n + 2 * p - d * (k - 1) - 1) // s + 1


rows = []
for n, k, p, s, d in itertools.product([5, 7, 10, 28], [1, 2, 3, 5], [0, 1, 2], [1, 2, 3], [1, 2]):
    if d * (k - 1) + 1 > n + 2 * p:
        continue                                  # the kernel does not fit at all
    x = mg.zeros(1, 1, n, n)
    w = mg.zeros(1, 1, k, k)
    got = F.conv2d(x, w, stride=s, padding=p, dilation=d).shape[-1]
    rows.append((n, k, p, s, d, out_size(n, k, p, s, d), got))

print(' n  k  p  s  d | formula  F.conv2d')
for row in rows[::40]:                            # a few of them
    print('{:2d} {:2d} {:2d} {:2d} {:2d} | {:7d} {:9d}'.format(*row))
mismatches = [r for r in rows if r[-2] != r[-1]]
print(f'{len(rows)} cases checked, {len(mismatches)} mismatches')
assert len(rows) > 250 and not mismatches

# %% [markdown]
# Height and width are independent, so non-square images and kernels follow the same rule per
# axis:

# %%
x = mg.zeros(1, 1, 20, 33)
w = mg.zeros(1, 1, 3, 5)
y = F.conv2d(x, w, stride=(1, 2), padding=(1, 0))
print(x.shape, '->', y.shape)
assert y.shape[2:] == (out_size(20, 3, 1, 1), out_size(33, 5, 0, 2))

# %% [markdown]
# ## A 7x7 image and a 3x3 kernel: 5x5 out, and the border is seen less
#
# Without padding a 3x3 kernel fits in 7 - 3 + 1 = 5 positions along each axis, so a 7x7 image
# gives a 5x5 feature map: one row and one column are lost on every side. Worse, the border
# pixels take part in fewer sums. Count, for every input pixel, how many kernel positions cover it:

# %%
def coverage(n, k, p=0, s=1):
    """How many positions of a k x k kernel cover each pixel of an n x n image."""
    counts = np.zeros((n + 2 * p, n + 2 * p), dtype=int)
    m = out_size(n, k, p, s)
    for i in range(m):
        for j in range(m):
            counts[i * s:i * s + k, j * s:j * s + k] += 1
    return counts[p:p + n, p:p + n]                 # only the real pixels, not the padding


no_pad = coverage(7, 3)
print(no_pad)
assert F.conv2d(mg.zeros(1, 1, 7, 7), mg.zeros(1, 1, 3, 3)).shape == (1, 1, 5, 5)
assert no_pad[0, 0] == 1 and no_pad[0, 3] == 3 and no_pad[3, 3] == 9

# %% [markdown]
# A corner pixel is used once and a pixel in the middle of an edge three times; only the pixels
# at least two steps from the border take part in all nine positions. Whatever sits at the border of the image has less
# influence on the feature map.
#
# ## Padding keeps the size
#
# **Padding** puts a frame of zeros around the image before sliding. With a 3x3 kernel one pixel
# of padding gives back a 7x7 map, and the border pixels are covered more often (the corners 4
# times instead of once). For an odd kernel size $k$ and stride 1, $p = (k - 1)/2$ keeps the size
# exactly ("same" padding); for an even kernel no symmetric padding can, which is one reason
# kernels are almost always odd (they also have a centre pixel).

# %%
image7 = mg.arange(1, 50, dtype=mg.float32).reshape(1, 1, 7, 7)
padded = mg.pad(image7, (1, 1, 1, 1))               # (left, right, top, bottom), as in PyTorch
print('padded image:', padded.shape)
print(padded[0, 0].numpy().astype(int))
same = F.conv2d(image7, mg.ones(1, 1, 3, 3), padding=1)
print('3x3 kernel with padding=1:', image7.shape, '->', same.shape)
assert same.shape == image7.shape
for k in (3, 5, 7):
    assert out_size(28, k, p=(k - 1) // 2) == 28

with_pad = coverage(7, 3, p=1)
fig, axes = plt.subplots(1, 2, figsize=(6, 3))
for ax, c, title in zip(axes, [no_pad, with_pad], ['padding 0: 5x5 output', 'padding 1: 7x7 output']):
    ax.imshow(c, cmap='Blues', vmin=0, vmax=9)
    for (i, j), v in np.ndenumerate(c):
        ax.text(j, i, v, ha='center', va='center', fontsize=9, color='white' if v > 5 else 'black')
    ax.set_title(f'{title}\ntimes each pixel is covered', fontsize=9)
    ax.axis('off')
assert with_pad[0, 0] == 4 and with_pad[3, 3] == 9

# %% [markdown]
# ## Stride shrinks the map
#
# With **stride** 2 the kernel jumps two pixels at a time, so the feature map is about half as
# wide and high (a quarter of the positions). A 7x7 image with a 3x3 kernel and stride 2 gives
# 3x3. Strided convolutions (and pooling, notebook 4) are how networks shrink their feature maps;
# a large kernel with a large stride shrinks an image fast, which is why some networks open with
# one (a 7x7 kernel with stride 2 and padding 3 turns 224x224 into 112x112 in one layer). Below: where the
# top-left corner of the kernel lands for strides 1, 2 and 3.

# %%
fig, axes = plt.subplots(1, 3, figsize=(7.5, 2.6))
for ax, s in zip(axes, [1, 2, 3]):
    m = out_size(7, 3, 0, s)
    grid = np.zeros((7, 7))
    for i in range(m):
        for j in range(m):
            grid[i * s, j * s] = 1
    ax.imshow(grid, cmap='Oranges', vmin=0, vmax=1.5)
    ax.set_xticks(np.arange(-0.5, 7, 1), minor=True)
    ax.set_yticks(np.arange(-0.5, 7, 1), minor=True)
    ax.grid(which='minor', color='grey', lw=0.5)
    ax.tick_params(which='both', length=0, labelbottom=False, labelleft=False)
    ax.set_title(f'stride {s}: {m}x{m} output', fontsize=9)
    y = F.conv2d(mg.zeros(1, 1, 7, 7), mg.zeros(1, 1, 3, 3), stride=s)
    assert y.shape[-1] == m
assert out_size(224, 7, p=3, s=2) == 112

# %% [markdown]
# The same on a real digit, with a vertical edge filter and padding 1: stride 1 keeps 28x28,
# stride 2 gives 14x14 and stride 3 gives 10x10. The coarser maps still show where the vertical
# strokes are.

# %%
digits = mg.data.MNISTSample(train=False)
digit = mg.tensor(digits.images([3]))                         # (1, 1, 28, 28)
edge = mg.tensor([[-1.0, 0.0, 1.0]] * 3).reshape(1, 1, 3, 3)

fig, axes = plt.subplots(1, 4, figsize=(8, 2.3))
axes[0].imshow(digit[0, 0].numpy(), cmap='gray')
axes[0].set_title(f'input {tuple(digit.shape[2:])}', fontsize=9)
for ax, s in zip(axes[1:], [1, 2, 3]):
    m = F.conv2d(digit, edge, stride=s, padding=1)[0, 0].numpy()
    lim = np.abs(m).max()
    ax.imshow(m, cmap='RdBu_r', vmin=-lim, vmax=lim)
    ax.set_title(f'stride {s}: {m.shape}', fontsize=9)
    assert m.shape == (out_size(28, 3, 1, s),) * 2
for ax in axes:
    ax.axis('off')

# %% [markdown]
# ## Channels: a filter sums over all of them
#
# A colour image is `3 x H x W`. A filter for it is `3 x k x k`: one `k x k` slice per channel.
# At each position it multiplies each slice with its channel and adds **everything** up (27
# products for a 3x3 filter, plus a bias), so the channels are absorbed and one filter gives one
# 2-D feature map. That is why `F.conv2d`'s weight has the shape
# `(out_channels, in_channels, kh, kw)`.
#
# We check this on a generated colour image: one filter applied to the 3-channel image equals the
# sum of its three slices applied to the three channels separately.

# %%
H = W = 32
yy, xx = np.mgrid[0:H, 0:W]
rgb = np.zeros((3, H, W), dtype=np.float32)
rgb[0] = ((yy - 12) ** 2 + (xx - 11) ** 2 < 8 ** 2)            # a red disc
rgb[1, 16:28, 14:30] = 1.0                                     # a green rectangle
rgb[2] = xx / (W - 1) * 0.8                                    # a blue ramp
colour = mg.tensor(rgb)[None]                                  # (1, 3, 32, 32)

one_filter = mg.randn(1, 3, 3, 3)                              # 1 filter, 3 input channels
together = F.conv2d(colour, one_filter)
separately = sum(F.conv2d(colour[:, c:c + 1], one_filter[:, c:c + 1]) for c in range(3))
print(colour.shape, '* filter', one_filter.shape, '->', together.shape)
print('max difference, together vs channel by channel:', np.abs((together - separately).numpy()).max())
assert together.shape == (1, 1, 30, 30)
assert np.allclose(together.numpy(), separately.numpy(), atol=1e-5)

# one output number by hand: the 27 products at position (5, 7)
patch = colour[0, :, 5:8, 7:10]                                # (3, 3, 3)
print('by hand:', (patch * one_filter[0]).sum().item(), '  F.conv2d:', together[0, 0, 5, 7].item())
assert np.isclose((patch * one_filter[0]).sum().item(), together[0, 0, 5, 7].item(), atol=1e-5)

# %% [markdown]
# **One filter, one feature map**: 15 filters give 15 maps. We build 15 meaningful filters as
# (colour weighting) x (spatial pattern): five ways of mixing the channels (red, green, blue,
# brightness, and red minus green) times three patterns (a blur, a vertical edge, a horizontal
# edge). The weight tensor is `(15, 3, 3, 3)` and the output `(1, 15, 32, 32)` (padding 1).

# %%
colours = {'red': [1, 0, 0], 'green': [0, 1, 0], 'blue': [0, 0, 1],
           'bright': [1 / 3, 1 / 3, 1 / 3], 'red-green': [1, -1, 0]}
patterns = {'blur': np.full((3, 3), 1 / 9),
            'vert. edge': np.array([[-1, 0, 1]] * 3) / 3,
            'horiz. edge': np.array([[-1, 0, 1]] * 3).T / 3}
weights, names = [], []
for cname, cw in colours.items():
    for pname, pat in patterns.items():
        weights.append(np.array(cw)[:, None, None] * pat)       # (3, 3, 3)
        names.append(f'{cname}\n{pname}')
bank = mg.tensor(np.stack(weights).astype(np.float32))          # (15, 3, 3, 3)
maps = F.conv2d(colour, bank, padding=1)
print('image', colour.shape, '* weight', bank.shape, '->', maps.shape)
assert maps.shape == (1, 15, 32, 32)

fig, axes = plt.subplots(3, 6, figsize=(8.5, 4.9))
axes[0, 0].imshow(rgb.transpose(1, 2, 0))
axes[0, 0].set_title('input (RGB)', fontsize=8)
for ax in axes[1:, 0]:
    ax.set_visible(False)
for idx, (m, name) in enumerate(zip(maps[0].numpy(), names)):
    ax = axes[idx % 3, 1 + idx // 3]
    lim = np.abs(m).max() + 1e-8
    ax.imshow(m, cmap='RdBu_r', vmin=-lim, vmax=lim)
    ax.set_title(name, fontsize=8)
for ax in axes.flat:
    ax.axis('off')
fig.tight_layout()

# %% [markdown]
# The "red vertical edge" map sees only the disc's sides, the "green" maps only the rectangle,
# and "red-green" turns red positive and green negative. A network's first layer learns such
# combinations of colour and shape by itself.
#
# ## A worked example: from 5x5x1 to 1x1x6
#
# A tiny network, written in the `height x width x channels` notation that is common in lecture
# notes:
#
# ```
# [5x5x1] --15 filters [3x3x1]--> [3x3x15] --ReLU--> [3x3x15]
#         --10 filters [1x1x15]--> [3x3x10] --6 filters [3x3x10]--> [1x1x6]
# ```
#
# minigrad (like PyTorch) writes the channels first, so the same shapes read `(1, 5, 5) ->
# (15, 3, 3) -> (10, 3, 3) -> (6, 1, 1)`, with a batch axis in front. The input is a small
# black-and-white image; the first of the 15 filters is an "X" pattern, the others random.

# %%
img5 = mg.tensor([[1, 1, 1, 0, 0],
                  [0, 1, 1, 1, 0],
                  [0, 0, 1, 1, 1],
                  [0, 0, 1, 1, 0],
                  [0, 1, 1, 0, 0]], dtype=mg.float32).reshape(1, 1, 5, 5)
x_filter = mg.tensor([[1, 0, 1],
                      [0, 1, 0],
                      [1, 0, 1]], dtype=mg.float32)

w1 = mg.randn(15, 1, 3, 3) * 0.5
w1[0, 0] = x_filter                     # filter 0 is the "X"
b1 = mg.zeros(15)
w2, b2 = mg.randn(10, 15, 1, 1) * 0.3, mg.zeros(10)
w3, b3 = mg.randn(6, 10, 3, 3) * 0.1, mg.zeros(6)

h1 = F.conv2d(img5, w1, b1)
a1 = F.relu(h1)
h2 = F.conv2d(a1, w2, b2)
out = F.conv2d(h2, w3, b3)
for name, t, w in [('input', img5, None), ('conv 15 x [3x3x1]', h1, w1), ('ReLU', a1, None),
                   ('conv 10 x [1x1x15]', h2, w2), ('conv 6 x [3x3x10]', out, w3)]:
    extra = '' if w is None else f'   weight {tuple(w.shape)}: {w.numel() + w.shape[0]} parameters with bias'
    print(f'{name:20s} -> {str(tuple(t.shape)):16s}{extra}')

assert h1.shape == (1, 15, 3, 3) and a1.shape == (1, 15, 3, 3)
assert h2.shape == (1, 10, 3, 3) and out.shape == (1, 6, 1, 1)

# %% [markdown]
# The "X" filter's feature map can be checked by hand. Its top-left value covers the image's
# top-left 3x3 patch `[[1,1,1],[0,1,1],[0,0,1]]`; the X picks the four corners and the centre,
# `1 + 1 + 1 + 0 + 1 = 4`. Sliding on gives the whole 3x3 map:

# %%
print(h1[0, 0].numpy())
assert h1[0, 0, 0, 0].item() == 4
expected = np.array([[(img5[0, 0, i:i + 3, j:j + 3] * x_filter).sum().item() for j in range(3)]
                     for i in range(3)])
assert np.allclose(h1[0, 0].numpy(), expected)

# %% [markdown]
# **ReLU** ("rectified linear unit") is applied element by element: negative values become 0,
# positive values pass unchanged. It does not change the shape. The result is what is usually
# called the **feature map** or activation map.

# %%
pre = h1[0].numpy()
f = next(i for i in range(15) if (pre[i] < 0).any() and (pre[i] > 0).any())   # a map with both signs
print(f'before ReLU, filter {f}:\n', np.round(pre[f], 2))
print(f'after ReLU, filter {f}:\n', np.round(a1[0, f].numpy(), 2))
assert (a1.numpy() >= 0).all() and np.allclose(a1.numpy(), np.maximum(h1.numpy(), 0))

# %% [markdown]
# ### The 1x1 convolution mixes channels
#
# A 1x1 filter looks at a single pixel, but across **all** 15 channels: each output value is a
# weighted sum of the 15 numbers stacked at that pixel. So a layer of ten 1x1 filters is a small
# fully-connected layer (15 inputs -> 10 outputs) applied at every pixel separately. It keeps the
# 3x3 grid and changes only the number of channels, here 15 -> 10, for 150 weights plus 10 biases.
# This **pointwise** convolution is a cheap way to shrink (or grow) the channel count.
#
# We check it by doing the same thing with a matrix product: flatten the 3x3 grid into 9 columns,
# multiply the `(10, 15)` weight matrix with the `(15, 9)` feature matrix, reshape back.

# %%
as_matmul = (w2.reshape(10, 15) @ a1.reshape(15, 9)).reshape(1, 10, 3, 3) + b2.reshape(1, 10, 1, 1)
print('1x1 conv vs matrix product, max difference:', np.abs((as_matmul - h2).numpy()).max())
assert np.allclose(as_matmul.numpy(), h2.numpy(), atol=1e-5)

# %% [markdown]
# ### A filter as large as its input is a fully-connected layer
#
# The last six filters are `3x3x10`, exactly the size of their input, so each fits in one
# position only and gives a single number: the output is `1x1x6`. Each of the six numbers is a
# weighted sum of all 90 inputs, which is what a fully-connected (linear) layer computes:

# %%
as_linear = w3.reshape(6, 90) @ h2.reshape(90) + b3
print('last conv :', np.round(out.reshape(6).numpy(), 4))
print('as linear :', np.round(as_linear.numpy(), 4))
assert np.allclose(as_linear.numpy(), out.reshape(6).numpy(), atol=1e-5)

# %% [markdown]
# ## Why small kernels: stacking grows what a pixel sees
#
# A pixel of a feature map depends on a patch of the input called its **receptive field**. One
# 3x3 layer sees 3x3; a second 3x3 layer on top sees 3x3 patches of the first, so 5x5 of the
# input; a third sees 7x7. Two stacked 3x3 layers cover the same area as one 5x5 layer with 18
# instead of 25 weights per channel pair, and put a non-linearity in between. That is the design
# rule of VGG (notebook 5). We measure it: light one input pixel and see how far it spreads.

# %%
dot = mg.zeros(1, 1, 15, 15)
dot[0, 0, 7, 7] = 1.0
ones = mg.ones(1, 1, 3, 3)
spread, sizes = dot, []
fig, axes = plt.subplots(1, 4, figsize=(7.5, 2.2))
axes[0].imshow(dot[0, 0].numpy(), cmap='magma')
axes[0].set_title('one pixel', fontsize=9)
for ax, layers in zip(axes[1:], [1, 2, 3]):
    spread = F.conv2d(spread, ones, padding=1)
    rows_hit = np.flatnonzero(spread[0, 0].numpy().any(axis=1))
    sizes.append(len(rows_hit))
    ax.imshow(spread[0, 0].numpy(), cmap='magma')
    ax.set_title(f'{layers} x (3x3): {sizes[-1]}x{sizes[-1]}', fontsize=9)
for ax in axes:
    ax.axis('off')
print('receptive field after 1, 2, 3 layers:', sizes)
assert sizes == [3, 5, 7]

# %% [markdown]
# **Summary.**
#
# * output size per axis: $\lfloor (n + 2p - k)/s \rfloor + 1$;
# * without padding the border is covered less and the map shrinks by $k - 1$; padding
#   $(k - 1)/2$ keeps the size; stride $s$ divides it by about $s$;
# * a filter spans all input channels and gives one map: `weight` is `(C_out, C_in, k, k)`, and
#   C_out filters give C_out maps;
# * a 1x1 convolution mixes channels at each pixel; a filter as large as its input is a
#   fully-connected layer;
# * stacked small kernels see larger and larger patches of the input.
#
# Next, notebook 3 opens the box that makes all of this trainable: automatic differentiation.

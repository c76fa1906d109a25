# %% [markdown]
# # 1. Convolution filters by hand
#
# A convolutional network looks for small **patterns** (an edge, a line, a blob) anywhere in a
# picture, and then for combinations of those patterns. The tool that finds a pattern is a
# **filter** (also called a **kernel**): a small grid of weights slid over the image. At each
# position we multiply the weights with the pixels under them and add the products up. The grid
# of all those sums is a **feature map**: it is large where the image looks like the pattern.
#
# In this notebook we
#
# 1. look at an image as a matrix of numbers (and a colour image as a stack of three of them),
# 2. slide a 3x3 kernel over an image with two plain Python loops,
# 3. get exactly the same numbers from minigrad's `F.conv2d`,
# 4. apply hand-made edge and line detectors to handwritten digits and a piece of clothing,
# 5. build a small filter bank of oriented edges, bars and spots, and
# 6. settle what "convolution" means in deep-learning libraries (it is really cross-correlation).
#
# Nothing here is learned yet: every filter is written by hand. Later notebooks let a network
# learn its own filters.

# %%
%config InlineBackend.figure_format = 'png'
import numpy as np
import matplotlib.pyplot as plt

import minigrad as mg
import minigrad.nn.functional as F

plt.rcParams.update({'figure.dpi': 72, 'image.interpolation': 'nearest'})
mg.manual_seed(0)
np.set_printoptions(linewidth=120)

# %% [markdown]
# ## An image is a matrix
#
# minigrad ships 10,000 real MNIST digits (28x28 pixels, grey), so this runs offline.
# `dataset.data` holds the raw pixels as bytes: 0 is black, 255 is white.

# %%
digits = mg.data.MNISTSample(train=False)
print(digits)
raw = digits.data[0]                   # a NumPy uint8 array
print('label:', digits.targets[0], '  shape:', raw.shape, '  dtype:', raw.dtype)
print(raw[4:24, 4:24])                 # the middle 20x20 pixels, as numbers

# %% [markdown]
# Those numbers *are* the picture: draw them as grey levels and the digit appears.

# %%
fig, ax = plt.subplots(figsize=(2.5, 2.5))
ax.imshow(raw, cmap='gray')
ax.set_title(f'label {digits.targets[0]}')
ax.axis('off');

# %% [markdown]
# Networks work on floats, so the dataset hands out each image as a float32 array in [0, 1]
# with a leading **channel** axis: `C x H x W`, here `1 x 28 x 28`. A colour image has three
# channels (red, green, blue), so it is a `3 x H x W` tensor: three matrices stacked. Let us make
# one in code and pull its channels apart.

# %%
image, label = digits[0]
x = mg.tensor(image)
print('one MNIST image as a tensor:', x.shape, x.dtype)

H = W = 32
yy, xx = np.mgrid[0:H, 0:W]
rgb = np.zeros((3, H, W), dtype=np.float32)
rgb[0] = ((yy - 12) ** 2 + (xx - 11) ** 2 < 8 ** 2)          # red: a disc
rgb[1, 16:28, 14:30] = 1.0                                   # green: a rectangle
rgb[2] = xx / (W - 1)                                        # blue: a left-to-right ramp
colour = mg.tensor(rgb)
print('a colour image as a tensor:', colour.shape)

fig, axes = plt.subplots(1, 4, figsize=(8, 2.2))
axes[0].imshow(colour.permute(1, 2, 0).numpy())              # matplotlib wants H x W x C
axes[0].set_title('RGB image')
for c, name in enumerate(['red', 'green', 'blue']):
    axes[c + 1].imshow(colour[c].numpy(), cmap='gray', vmin=0, vmax=1)
    axes[c + 1].set_title(f'channel {c} ({name})')
for ax in axes:
    ax.axis('off')

# %% [markdown]
# ## Sliding a 3x3 kernel with plain loops
#
# Put a 3x3 kernel `K` on the top-left corner of the image, multiply the nine pairs of numbers
# and add them: that is the first output pixel. Move one pixel right and repeat, row after row.
# Without padding the kernel must stay inside the image, so a 28x28 image gives a 26x26 map
# (notebook 2 explains the sizes). Written out:
#
# $$\text{out}[i, j] = \sum_{a=0}^{2}\sum_{b=0}^{2} \text{img}[i + a,\ j + b]\; K[a, b]$$
#
# Our first kernel is a **vertical edge** detector: negative weights on the left column, positive
# on the right. On a flat patch the two columns cancel to 0; where the image gets brighter from
# left to right the sum is large and positive, where it gets darker it is negative.

# %%
def slide(img, kernel):
    """Slide `kernel` over `img` (2-D NumPy arrays) and return the map of weighted sums."""
    kh, kw = kernel.shape
    out = np.zeros((img.shape[0] - kh + 1, img.shape[1] - kw + 1), dtype=np.float32)
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            patch = img[i:i + kh, j:j + kw]
            out[i, j] = (patch * kernel).sum()
    return out


vertical_edge = np.array([[-1, 0, 1],
                          [-1, 0, 1],
                          [-1, 0, 1]], dtype=np.float32)
horizontal_edge = vertical_edge.T.copy()   # top row negative, bottom row positive
print(horizontal_edge)

img = image[0]                             # 28 x 28
by_hand = slide(img, vertical_edge)
print('input', img.shape, '-> feature map', by_hand.shape)

# %% [markdown]
# ## The same numbers from `F.conv2d`
#
# `F.conv2d(input, weight)` does the sliding for a whole batch of images and a whole set of
# kernels at once, without Python loops. Its shapes follow PyTorch:
#
# * `input`: `(N, C_in, H, W)` - N images with C_in channels each,
# * `weight`: `(C_out, C_in, kh, kw)` - C_out kernels, each with one `kh x kw` slice per input channel,
# * output: `(N, C_out, H_out, W_out)` - one feature map per kernel per image.
#
# One grey image and one kernel is `N = C_in = C_out = 1`, so we add the two leading axes with
# `[None, None]`.

# %%
x = mg.tensor(img)[None, None]                       # (1, 1, 28, 28)
w = mg.tensor(vertical_edge)[None, None]             # (1, 1, 3, 3)
fast = F.conv2d(x, w)
print('F.conv2d output shape:', fast.shape)
print('largest difference from the loops:', np.abs(fast.numpy()[0, 0] - by_hand).max())
assert fast.shape == (1, 1, 26, 26)
assert np.allclose(fast.numpy()[0, 0], by_hand, atol=1e-5)

# %% [markdown]
# ## Edge filters on handwritten digits
#
# Now both edge kernels go into one `weight` tensor of shape `(2, 1, 3, 3)`, and one call
# produces both feature maps for a batch of digits. We draw the maps with a red/blue colour
# scale: red for positive responses, blue for negative, white for zero.
#
# * The **vertical** edge filter lights up on both sides of strokes that run up and down:
#   entering a bright stroke from the left the image gets brighter (a positive, red response),
#   leaving it on the right it gets darker (negative, blue).
# * The **horizontal** edge filter lights up above and below strokes that run sideways.

# %%
edges = mg.tensor(np.stack([vertical_edge, horizontal_edge])[:, None])   # (2, 1, 3, 3)
first_of_class = [int(np.flatnonzero(digits.targets == c)[0]) for c in (0, 1, 4, 7)]
batch = mg.tensor(digits.images(first_of_class))                         # (4, 1, 28, 28)
maps = F.conv2d(batch, edges, padding=1)                                 # (4, 2, 28, 28)
print('batch', batch.shape, '* weight', edges.shape, '->', maps.shape)


def show_maps(images, maps, names, titles=None, signed=True):
    """One row per image: the image, then each of its feature maps (red/blue when `signed`)."""
    n, k = maps.shape[:2]
    fig, axes = plt.subplots(n, k + 1, figsize=(1.9 * (k + 1), 1.9 * n), squeeze=False)
    for r in range(n):
        axes[r, 0].imshow(images[r, 0], cmap='gray')
        axes[r, 0].set_title(titles[r] if titles else 'input', fontsize=9)
        for c in range(k):
            m = maps[r, c]
            lim = np.abs(m).max() + 1e-8
            if signed:
                axes[r, c + 1].imshow(m, cmap='RdBu_r', vmin=-lim, vmax=lim)
            else:
                axes[r, c + 1].imshow(m, cmap='gray', vmin=0, vmax=lim)
            axes[r, c + 1].set_title(names[c], fontsize=9)
    for ax in axes.flat:
        ax.axis('off')
    fig.tight_layout()


show_maps(batch.numpy(), maps.numpy(), ['vertical edges', 'horizontal edges'],
          [f'digit {digits.targets[i]}' for i in first_of_class])

# %% [markdown]
# The "1" is made of one upright stroke, so the vertical filter sees a strong red/blue pair
# while the horizontal filter sees only its two ends. The "7" has a horizontal bar on top, which
# only the horizontal filter picks up. We can measure that instead of eyeballing it: the total
# absolute response of each filter.

# %%
energy = np.abs(maps.numpy()).sum(axis=(2, 3))        # (4 images, 2 filters)
for i, (v, h) in zip(first_of_class, energy):
    print(f'digit {digits.targets[i]}:  vertical {v:6.1f}   horizontal {h:6.1f}')

# %% [markdown]
# ## The same filters on a piece of clothing
#
# Fashion-MNIST has the same format as MNIST (28x28 grey) but shows clothes. Debian's
# `dataset-fashion-mnist` package installs it in `/usr/share/datasets/fashion-mnist/`, where
# minigrad finds it; if it is not there we fall back to a digit.

# %%
try:
    fashion = mg.data.FashionMNIST(train=False)
    picks = [int(np.flatnonzero(fashion.targets == c)[0]) for c in (1, 7)]   # a trouser, a sneaker
    items = fashion.images(picks)
    item_titles = [fashion.classes[fashion.targets[i]] for i in picks]
except mg.data.DatasetNotFoundError as err:
    print('Fashion-MNIST is not installed here, so we use two more digits instead.\n', err)
    picks = [2, 3]
    items = digits.images(picks)
    item_titles = [f'digit {digits.targets[i]}' for i in picks]

item_maps = F.conv2d(mg.tensor(items), edges, padding=1)
show_maps(items, item_maps.numpy(), ['vertical edges', 'horizontal edges'], item_titles)

# %% [markdown]
# ## A vertical *line* detector
#
# An edge is a step from dark to bright. A **line** is a thin bright stripe. The kernel
#
# ```
# 0 1 0
# 0 1 0
# 0 1 0
# ```
#
# adds up three pixels stacked on top of each other. It answers most (3 times the brightness)
# when all three sit on a bright vertical line, and only 1 times the brightness when a
# horizontal line crosses its middle. Its transpose is a horizontal line detector. We check this
# on a generated picture of one vertical and one horizontal line.

# %%
vertical_line = np.array([[0, 1, 0],
                          [0, 1, 0],
                          [0, 1, 0]], dtype=np.float32)
lines = np.stack([vertical_line, vertical_line.T])[:, None]         # (2, 1, 3, 3)

grid = np.zeros((1, 1, 28, 28), dtype=np.float32)
grid[0, 0, 3:25, 8] = 1.0          # a vertical line in column 8
grid[0, 0, 18, 3:25] = 1.0         # a horizontal line in row 18
line_maps = F.conv2d(mg.tensor(grid), mg.tensor(lines), padding=1).numpy()

print('vertical detector, on the vertical line:   ', line_maps[0, 0, 10, 8])
print('vertical detector, on the horizontal line: ', line_maps[0, 0, 18, 20])
print('horizontal detector, on the horizontal line:', line_maps[0, 1, 18, 20])
assert line_maps[0, 0, 10, 8] == 3 and line_maps[0, 0, 18, 20] == 1
assert line_maps[0, 1, 18, 20] == 3 and line_maps[0, 1, 10, 8] == 1

# %% [markdown]
# Below, on the generated lines and on the clothing item, the vertical detector keeps the
# vertical structure bright and washes horizontal structure out (and the other way round).
# On real photographs the effect of such a tiny kernel is subtle; it becomes obvious on the
# synthetic image where we know the answer.

# %%
pictures = np.concatenate([grid, items[:1]])
show_maps(pictures, F.conv2d(mg.tensor(pictures), mg.tensor(lines), padding=1).numpy(),
          ['vertical line detector', 'horizontal line detector'], ['two lines', item_titles[0]],
          signed=False)

# %% [markdown]
# ## A filter bank: oriented edges, bars and spots
#
# Hand-designed vision systems used whole **banks** of filters. The Leung-Malik bank, for
# instance, has edge and bar detectors at six orientations and three scales, plus round "spot"
# detectors. We build a smaller bank of the same kind from Gaussians:
#
# * an **edge** filter is the first derivative of an elongated Gaussian, taken across its long
#   axis (bright on one side, dark on the other);
# * a **bar** filter is minus the second derivative across the long axis (a bright stripe with dark
#   flanks);
# * a **spot** filter is a round Laplacian of Gaussian (a bright blob with a dark ring, or the
#   reverse) or a plain Gaussian blob.
#
# Orientations are 0, 30, ..., 150 degrees, measured counter-clockwise from the horizontal, so a
# "60 degree bar" looks for lines that rise to the right at 60 degrees. Each kernel is 11x11.

# %%
SIZE = 11
r = SIZE // 2
ky, kx = np.mgrid[r:-r - 1:-1, -r:r + 1].astype(np.float64)   # y points up, x points right


def normalise(f):
    f = f - f.mean()                    # zero mean: a flat image gives no response
    return f / np.abs(f).sum()


def oriented(sigma, angle_deg, order, elongation=3.0):
    """Edge (order 1) or bar (order 2) filter along the direction `angle_deg`."""
    t = np.deg2rad(angle_deg)
    along = np.cos(t) * kx + np.sin(t) * ky
    across = -np.sin(t) * kx + np.cos(t) * ky
    g = np.exp(-along ** 2 / (2 * (elongation * sigma) ** 2) - across ** 2 / (2 * sigma ** 2))
    if order == 1:
        return normalise(-across / sigma ** 2 * g)
    return normalise((1 / sigma ** 2 - across ** 2 / sigma ** 4) * g)


def spot(sigma, laplacian=True):
    g = np.exp(-(kx ** 2 + ky ** 2) / (2 * sigma ** 2))
    if laplacian:
        g = -(kx ** 2 + ky ** 2 - 2 * sigma ** 2) / sigma ** 4 * g    # minus the Laplacian
    return normalise(g) if laplacian else g / g.sum()


angles = [0, 30, 60, 90, 120, 150]
bank, bank_names = [], []
for order, kind in [(1, 'edge'), (2, 'bar')]:
    for sigma in (1.0, 1.5):
        for a in angles:
            bank.append(oriented(sigma, a, order))
            bank_names.append(f'{kind} {a}° s{sigma}')
for sigma in (1.0, 1.5, 2.0):
    bank.append(spot(sigma))
    bank_names.append(f'LoG s{sigma}')
for sigma in (1.0, 2.0):
    bank.append(spot(sigma, laplacian=False))
    bank_names.append(f'Gauss s{sigma}')
bank.append(-spot(1.5))
bank_names.append('-LoG s1.5')
bank = np.stack(bank).astype(np.float32)[:, None]                  # (30, 1, 11, 11)
print('filter bank:', bank.shape)

fig, axes = plt.subplots(5, 6, figsize=(7, 6.2))
for ax, f, name in zip(axes.flat, bank[:, 0], bank_names):
    lim = np.abs(f).max()
    ax.imshow(f, cmap='RdBu_r', vmin=-lim, vmax=lim)
    ax.set_title(name, fontsize=8)
    ax.axis('off')
fig.suptitle('edges (rows 1-2), bars (rows 3-4), spots (row 5)', fontsize=10)
fig.tight_layout()

# %% [markdown]
# Does a bar filter really prefer its own orientation? Draw a thin bright line at each of the
# six angles and ask which bar filter answers most strongly. With `padding=5` the maps keep the
# 28x28 size, and a single `F.conv2d` call applies all 30 filters to all six pictures.

# %%
def line_image(angle_deg, size=28, width=0.8):
    c = (size - 1) / 2
    y, x = np.mgrid[c:-c - 1:-1, -c:c + 1]
    t = np.deg2rad(angle_deg)
    distance = np.abs(-np.sin(t) * x + np.cos(t) * y)         # distance from the line
    return np.exp(-distance ** 2 / (2 * width ** 2)).astype(np.float32)


tests = np.stack([line_image(a) for a in angles])[:, None]           # (6, 1, 28, 28)
responses = F.conv2d(mg.tensor(tests), mg.tensor(bank), padding=r)   # (6, 30, 28, 28)
print('responses:', responses.shape)

bars = [i for i, n in enumerate(bank_names) if n.startswith('bar') and n.endswith('s1.0')]
peak = responses.numpy()[:, bars, 9:19, 9:19].max(axis=(2, 3))      # centre, away from the border
for a, row in zip(angles, peak):
    best = angles[int(row.argmax())]
    print(f'line at {a:3d}°: strongest bar filter {best:3d}°   (responses {np.round(row, 2)})')
    assert best == a

# %% [markdown]
# Each line is found by the bar filter of its own angle. Now the whole bank on the clothing item
# (or digit): every filter gives its own feature map, highlighting a different kind of structure.

# %%
item_bank = F.conv2d(mg.tensor(items[:1]), mg.tensor(bank), padding=r).numpy()[0]   # (30, 28, 28)
fig, axes = plt.subplots(5, 6, figsize=(7, 6.2))
for ax, m, name in zip(axes.flat, item_bank, bank_names):
    lim = np.abs(m).max() + 1e-8
    ax.imshow(m, cmap='RdBu_r', vmin=-lim, vmax=lim)
    ax.set_title(name, fontsize=8)
    ax.axis('off')
fig.suptitle(f'the filter bank applied to: {item_titles[0]}', fontsize=10)
fig.tight_layout()

# %% [markdown]
# Designing such banks by hand takes expertise, and they are never quite right for a given task.
# The key idea of a convolutional network is to treat the kernel weights as **parameters** and
# learn them by gradient descent; notebook 4 shows that the first layer of a trained network
# ends up with edge-like filters much like these.
#
# ## Convolution or cross-correlation?
#
# What we computed so far,
# $\text{out}[i, j] = \sum_{a,b} \text{img}[i + a, j + b]\,K[a, b]$,
# is strictly called **cross-correlation**. The **convolution** of signal processing flips the
# kernel first:
# $\text{out}[i, j] = \sum_{a,b} \text{img}[i + a, j + b]\,K[k_h - 1 - a,\ k_w - 1 - b]$
# (the kernel turned by 180 degrees). NumPy's 1-D functions show the difference:

# %%
signal = np.array([0, 0, 1, 2, 3, 0, 0], dtype=np.float32)
k1 = np.array([1, 0, -1], dtype=np.float32)
print('np.correlate          :', np.correlate(signal, k1, 'valid'))
print('np.convolve           :', np.convolve(signal, k1, 'valid'))
print('np.correlate, flipped :', np.correlate(signal, k1[::-1], 'valid'))
assert np.allclose(np.convolve(signal, k1, 'valid'), np.correlate(signal, k1[::-1], 'valid'))

# %% [markdown]
# Deep-learning libraries (PyTorch, TensorFlow, and minigrad) compute cross-correlation and call
# it convolution. We can check which one `F.conv2d` computes with a lopsided 5x5 kernel whose
# only non-zero weight sits in its top-left corner. Cross-correlation with it copies, for each
# output pixel, the input pixel two rows up and two columns left, so the picture moves **down and
# right**; true convolution uses the flipped kernel (weight in the bottom-right corner) and moves
# it **up and left**.

# %%
def convolve_by_hand(img, kernel):
    """True convolution: cross-correlation with the kernel turned by 180 degrees."""
    return slide(img, kernel[::-1, ::-1])


corner = np.zeros((5, 5), dtype=np.float32)
corner[0, 0] = 1.0
padded = np.pad(img, 2)                                    # keep 28x28 so the shift is visible
correlated = slide(padded, corner)
convolved = convolve_by_hand(padded, corner)

lib = F.conv2d(mg.tensor(img)[None, None], mg.tensor(corner)[None, None], padding=2).numpy()[0, 0]
lib_flipped = F.conv2d(mg.tensor(img)[None, None], mg.tensor(corner[::-1, ::-1].copy())[None, None],
                       padding=2).numpy()[0, 0]
print('F.conv2d equals cross-correlation:                   ', np.allclose(lib, correlated))
print('F.conv2d with the flipped kernel equals convolution: ', np.allclose(lib_flipped, convolved))
assert np.allclose(lib, correlated) and not np.allclose(lib, convolved)
assert np.allclose(lib_flipped, convolved)

fig, axes = plt.subplots(1, 3, figsize=(6.5, 2.4))
for ax, m, t in zip(axes, [img, lib, lib_flipped],
                    ['input', 'F.conv2d (correlation)\nmoves down-right',
                     'flipped kernel (convolution)\nmoves up-left']):
    ax.imshow(m, cmap='gray')
    ax.axhline(13.5, color='tab:red', lw=0.8)
    ax.axvline(13.5, color='tab:red', lw=0.8)
    ax.set_title(t, fontsize=9)
    ax.axis('off')

# %% [markdown]
# For a symmetric kernel (the line detector, a Gaussian spot) the two operations agree. For a
# learned kernel the difference does not matter either: the network simply learns the flipped
# weights. It matters when you copy a kernel from a signal-processing text into a network, or
# when you derive gradients (notebook 3: the gradient with respect to the input is a *true*
# convolution).
#
# **Summary.** An image is a `C x H x W` array of numbers. A filter is a small array of weights;
# sliding it over the image and summing products gives a feature map that is large where the
# image matches the filter. `F.conv2d` does this for batches of images and many filters at once,
# and computes cross-correlation. Next: how padding, stride and channels change the shapes.

# %% [markdown]
# # 3. Autograd from scratch
#
# A convolutional network learns its filters by **gradient descent**: compute a loss, find how
# the loss changes when each weight changes a little (its **gradient**), and move every weight a
# small step downhill. Networks have millions of weights, so the gradients must come
# automatically. This is **reverse-mode automatic differentiation** (autograd), and
# backpropagation is its name in neural networks.
#
# In this notebook we
#
# 1. watch minigrad record a computation as a graph,
# 2. walk that graph backwards by hand, applying the chain rule one node at a time,
# 3. check gradients against derivatives worked out on paper and against finite differences
#    (`gradcheck`),
# 4. draw the graph, and
# 5. derive the backward pass of a convolution and check it against minigrad's.

# %%
%config InlineBackend.figure_format = 'png'
import shutil
import subprocess

import numpy as np
import matplotlib.pyplot as plt
from IPython.display import Image, display

import minigrad as mg
import minigrad.nn.functional as F
from minigrad.autograd import Function
from minigrad.testing import GradcheckError, gradcheck

plt.rcParams.update({'figure.dpi': 72, 'image.interpolation': 'nearest'})
mg.manual_seed(0)

# %% [markdown]
# ## How the graph is recorded
#
# A tensor created with `requires_grad=True` is a **leaf** we want gradients for. Every operation
# on it runs its forward computation and, on the side, records a node: which operation it was
# (the result's `grad_fn`) and which tensors went in (`grad_fn.parents`). Take
#
# $$u = x y + y^2, \qquad f = \tanh(u), \qquad x = 0.5,\ y = -0.3 .$$

# %%
x = mg.tensor(0.5, requires_grad=True)
y = mg.tensor(-0.3, requires_grad=True)
x.name, y.name = 'x', 'y'                 # names only label the drawing below
u = x * y + y ** 2
f = u.tanh()
u.name, f.name = 'u', 'f'
print('f =', f.item())
print('f.grad_fn:', f.grad_fn, '  its input:', [p.name for p in f.grad_fn.parents])
print('u.grad_fn:', u.grad_fn, '   its inputs:', [p.grad_fn for p in u.grad_fn.parents])
print('x is a leaf:', x.is_leaf, ' with grad_fn', x.grad_fn)

# %% [markdown]
# Following `grad_fn.parents` from `f` reaches every operation that contributed to it and ends
# at the leaves. Nothing is differentiated yet; the graph only remembers the recipe, and each
# node kept what its derivative will need (`Tanh` kept its output, `Mul` its two inputs).
#
# ## A picture of the graph
#
# `mg.autograd.to_dot(t)` writes the graph that made `t` in Graphviz's DOT language: operations
# as boxes, tensors as ovals with their shape and dtype, leaves that want a gradient shaded. We
# must draw it **before** calling `backward()`, which frees the graph as it goes. If the Graphviz
# `dot` program is installed we render a picture, otherwise we print the text.

# %%
def draw(tensor, dpi=60, left_to_right=False):
    """Render mg.autograd.to_dot(tensor) with Graphviz when available, else print the DOT text."""
    dot_text = mg.autograd.to_dot(tensor)
    if left_to_right:
        dot_text = dot_text.replace('rankdir=BT', 'rankdir=LR')
    if shutil.which('dot') is None:
        print('(Graphviz is not installed: here is the DOT text; paste it into any Graphviz viewer)')
        print(dot_text)
        return dot_text
    png = subprocess.run(['dot', '-Tpng', f'-Gdpi={dpi}'], input=dot_text.encode(),
                         capture_output=True, check=True).stdout
    display(Image(png))
    return dot_text


dot_text = draw(f)
assert dot_text.startswith('digraph') and 'Tanh' in dot_text

# %% [markdown]
# ## Walking the graph backwards, by hand
#
# The chain rule says: if we know $\partial f/\partial v$ for a node's output $v$, the node can
# turn it into $\partial f / \partial(\text{input})$ for each of its inputs, knowing only its own
# local derivative. Each minigrad operation has a `backward(g)` method that does exactly this on
# raw arrays: given $g = \partial f/\partial(\text{output})$ it returns one gradient per input.
#
# So the whole algorithm is:
#
# 1. order the nodes so that every tensor comes **before** the tensors it was computed from
#    (a reverse topological order, found with a depth-first search);
# 2. start with $\partial f/\partial f = 1$;
# 3. visit the tensors in that order; pass each one's gradient through its `grad_fn.backward`
#    and **add** the results to its parents' gradients (a tensor used twice, like `y` here, gets
#    the sum of both contributions).
#
# Here it is in a few lines. minigrad's own engine (`minigrad/autograd.py`) is the same loop,
# plus bookkeeping: it searches without recursion (a deep network would overflow Python's
# stack), frees each node's saved arrays after use, and stores gradients only on leaves.

# %%
def reverse_topological_order(root):
    order, seen = [], set()

    def visit(t):                                  # depth-first: parents first, then t
        if id(t) in seen:
            return
        seen.add(id(t))
        if t.grad_fn is not None:
            for p in t.grad_fn.parents:
                visit(p)
        order.append(t)

    visit(root)
    return order[::-1]                             # root first, leaves last


def backward_by_hand(root):
    grads = {id(root): np.ones_like(root.array)}    # d root / d root = 1
    for t in reverse_topological_order(root):
        g = grads.get(id(t))
        if g is None or t.grad_fn is None:
            continue
        parent_grads = t.grad_fn.backward(g)
        if not isinstance(parent_grads, tuple):
            parent_grads = (parent_grads,)
        for p, pg in zip(t.grad_fn.parents, parent_grads):
            if pg is not None and p.requires_grad:
                grads[id(p)] = grads[id(p)] + pg if id(p) in grads else pg
        print(f'  {t.grad_fn.name:10s} gets d f/d out = {float(g): .4f}  '
              f'-> passes {[round(float(v), 4) for v in parent_grads if v is not None]}')
    return grads


print('visit order:', [t.name or (t.grad_fn.name if t.grad_fn else '?') for t in reverse_topological_order(f)])
grads = backward_by_hand(f)
print('by hand:  df/dx =', float(grads[id(x)]), '  df/dy =', float(grads[id(y)]))

# %% [markdown]
# Now the same with minigrad's engine, and with the derivative worked out on paper:
#
# $$\frac{\partial f}{\partial x} = (1 - \tanh^2 u)\, y, \qquad
#   \frac{\partial f}{\partial y} = (1 - \tanh^2 u)\,(x + 2y).$$

# %%
f.backward()
xv, yv = 0.5, -0.3
fv = np.tanh(xv * yv + yv ** 2)
paper = ((1 - fv ** 2) * yv, (1 - fv ** 2) * (xv + 2 * yv))
print('engine:   df/dx =', x.grad.item(), '  df/dy =', y.grad.item())
print('paper:    df/dx =', paper[0], '  df/dy =', paper[1])
assert np.allclose([x.grad.item(), y.grad.item()], paper, atol=1e-6)
assert np.allclose([float(grads[id(x)]), float(grads[id(y)])], paper, atol=1e-6)

# %% [markdown]
# After `backward()` the graph is gone: the engine freed every node's saved arrays as soon as it
# had used them (that keeps memory flat while training). Calling it again is an error, unless
# the first call passed `retain_graph=True`:

# %%
try:
    f.backward()
except RuntimeError as err:
    print('RuntimeError:', err)

# %% [markdown]
# Gradients **accumulate** in `.grad`: a second graph through the same leaves adds to what is
# there. That is why training loops zero the gradients before every step.

# %%
(x * 3).backward()
print('x.grad after a second backward (df/dx + 3):', x.grad.item())
assert np.isclose(x.grad.item(), paper[0] + 3, atol=1e-6)
x.grad = None

# %% [markdown]
# ## Checking gradients against hand derivations
#
# Three small expressions that appear everywhere in deep learning. For each we derive the
# gradient on paper, then compare with autograd.
#
# **A polynomial.** $p(x) = x^3 - 2x$, so $p'(x) = 3x^2 - 2$, on several points at once (the
# gradient of `p.sum()` is the vector of the derivatives).

# %%
xs = mg.tensor([-2.0, -0.5, 0.0, 1.0, 1.5], requires_grad=True)
(xs ** 3 - 2 * xs).sum().backward()
print('autograd:', xs.grad.numpy())
print('paper:   ', 3 * xs.numpy() ** 2 - 2)
assert np.allclose(xs.grad.numpy(), 3 * xs.numpy() ** 2 - 2)

# %% [markdown]
# **A least-squares loss.** For a line $w x + b$ fitted to points $(x_i, t_i)$,
# $L = \frac1n \sum_i (w x_i + b - t_i)^2$, so
# $\partial L/\partial w = \frac2n \sum_i (w x_i + b - t_i)\,x_i$ and
# $\partial L/\partial b = \frac2n \sum_i (w x_i + b - t_i)$.

# %%
px = mg.randn(20)
pt = 3 * px + 1 + 0.1 * mg.randn(20)
w = mg.tensor(0.5, requires_grad=True)
b = mg.tensor(0.0, requires_grad=True)
loss = ((w * px + b - pt) ** 2).mean()
loss.backward()
r = (w.item() * px.numpy() + b.item() - pt.numpy())
print('autograd: dL/dw =', w.grad.item(), ' dL/db =', b.grad.item())
print('paper:    dL/dw =', 2 * (r * px.numpy()).mean(), ' dL/db =', 2 * r.mean())
assert np.allclose([w.grad.item(), b.grad.item()], [2 * (r * px.numpy()).mean(), 2 * r.mean()], atol=1e-5)

# %% [markdown]
# **Softmax cross-entropy**, the loss of every classifier in these notebooks. For scores $z$
# and the correct class $c$, $L = -\log \mathrm{softmax}(z)_c$, and the gradient is remarkably
# simple: $\partial L/\partial z = \mathrm{softmax}(z) - \mathrm{onehot}(c)$. (The predicted
# probabilities, minus 1 at the right answer.)

# %%
z = mg.tensor([2.0, -1.0, 0.5, 0.1], requires_grad=True)
c = 2
(-z.log_softmax(dim=0)[c]).backward()
probs = np.exp(z.numpy()) / np.exp(z.numpy()).sum()
print('autograd:', np.round(z.grad.numpy(), 5))
print('paper:   ', np.round(probs - np.eye(4)[c], 5))
assert np.allclose(z.grad.numpy(), probs - np.eye(4)[c], atol=1e-6)

# %% [markdown]
# ## Checking gradients numerically: `gradcheck`
#
# When there is no derivation to compare with, use the definition of the derivative:
# $\partial L/\partial x_k \approx \frac{L(x + \epsilon e_k) - L(x - \epsilon e_k)}{2\epsilon}$,
# one input element at a time. `minigrad.testing.gradcheck(fn, inputs)` does that in float64
# (float32 is too coarse for finite differences) and compares with the backward pass.

# %%
a = mg.randn(3, 4, dtype=mg.float64, requires_grad=True)
m = mg.randn(4, 2, dtype=mg.float64, requires_grad=True)
print(gradcheck(lambda a, m: (a @ m).tanh().sum(), (a, m)))
print(gradcheck(lambda a: a.softmax(dim=1) * a.exp(), (a,)))
assert gradcheck(lambda a, m: ((a @ m).relu() ** 2).mean(), (a, m))

# %% [markdown]
# A new operation is a `Function` subclass with `forward` and `backward` side by side, both on
# raw arrays. Here is a cube function with a **deliberately wrong** derivative, and what
# `gradcheck` says about it, next to the correct one:

# %%
class CubeWrong(Function):
    def forward(self, x):
        self.save_for_backward(x)
        return x ** 3

    # d x^3 = 3 x^2 dx ... but we "forget" the 3
    def backward(self, g):
        (x,) = self.saved
        return g * x ** 2


class Cube(Function):
    def forward(self, x):
        self.save_for_backward(x)
        return x ** 3

    # d x^3 = 3 x^2 dx
    def backward(self, g):
        (x,) = self.saved
        return g * 3 * x ** 2


v = mg.randn(5, dtype=mg.float64, requires_grad=True)
try:
    gradcheck(lambda t: CubeWrong.apply(t), (v,))
except GradcheckError as err:
    print(err)
print('correct Cube passes:', gradcheck(lambda t: Cube.apply(t), (v,)))

# %% [markdown]
# ## The graph of a neuron
#
# One layer of a network, $y = \mathrm{relu}(W x + b)$, with a squared-error loss. In the
# picture the leaves that want gradients (W and b) are shaded; the data x and target t are not.
# Every box will receive the gradient of the loss and pass it on to the boxes below it.

# %%
W = mg.randn(3, 4, requires_grad=True)
bias = mg.zeros(3, requires_grad=True)
xin, target = mg.randn(4), mg.randn(3)
W.name, bias.name, xin.name, target.name = 'W', 'b', 'x', 't'
out = (W @ xin + bias).relu()
loss = ((out - target) ** 2).sum()
loss.name = 'loss'
dot_text = draw(loss, left_to_right=True)
assert 'MatMul' in dot_text and 'ReLU' in dot_text

loss.backward()
print('dloss/dW has the shape of W:', W.grad.shape, '  dloss/db:', bias.grad.shape)
assert W.grad.shape == W.shape and bias.grad.shape == bias.shape

# %% [markdown]
# ## Backpropagation through a convolution
#
# Take one input channel and one kernel, no padding, stride 1:
#
# $$Y[i, j] = \sum_{a, b} X[i + a,\ j + b]\; K[a, b] .$$
#
# The loss $L$ depends on $Y$; backward receives $G = \partial L/\partial Y$ (same shape as Y)
# and must produce $\partial L/\partial K$ and $\partial L/\partial X$.
#
# **Kernel gradient.** $K[a, b]$ multiplies $X[i + a, j + b]$ in every output $Y[i, j]$, so
#
# $$\frac{\partial L}{\partial K[a, b]} = \sum_{i, j} G[i, j]\; X[i + a,\ j + b],$$
#
# which is the same sliding sum as the forward pass, with **G in the role of the kernel**: the
# kernel gradient is the cross-correlation of the input with the output gradient,
# `F.conv2d(X, G)`.
#
# **Input gradient.** $X[p, q]$ appears in output $Y[i, j]$ with weight $K[p - i,\ q - j]$
# (whenever that index is inside the kernel), so
#
# $$\frac{\partial L}{\partial X[p, q]} = \sum_{i, j} G[i, j]\; K[p - i,\ q - j],$$
#
# a **true convolution** (note the minus signs) of G with K, in "full" mode: every position
# where G and K overlap at all. In terms of `F.conv2d` (which correlates): pad G with $k - 1$
# zeros on every side and correlate it with the kernel turned by 180 degrees.
#
# We test both formulas against minigrad's backward, in float64, with a random $G$: using
# `L = (Y * G).sum()` makes $\partial L/\partial Y = G$ exactly.

# %%
X = mg.randn(1, 1, 7, 7, dtype=mg.float64, requires_grad=True)
K = mg.randn(1, 1, 3, 3, dtype=mg.float64, requires_grad=True)
Y = F.conv2d(X, K)
G = mg.randn(*Y.shape, dtype=mg.float64)
(Y * G).sum().backward()

k = K.shape[-1]
dK_formula = F.conv2d(X.detach(), G)                                      # correlate X with G
K_flipped = mg.tensor(K.numpy()[:, :, ::-1, ::-1].copy())
dX_formula = F.conv2d(mg.pad(G, (k - 1,) * 4), K_flipped)                 # full convolution
print('Y', Y.shape, ' G', G.shape, ' dK', dK_formula.shape, ' dX', dX_formula.shape)
print('kernel gradient, max difference from minigrad:', np.abs(dK_formula.numpy() - K.grad.numpy()).max())
print('input gradient,  max difference from minigrad:', np.abs(dX_formula.numpy() - X.grad.numpy()).max())
assert np.allclose(dK_formula.numpy(), K.grad.numpy(), atol=1e-10)
assert np.allclose(dX_formula.numpy(), X.grad.numpy(), atol=1e-10)

# %% [markdown]
# A picture makes the input gradient intuitive. Let $G$ be zero except for a single 1: we ask
# how one output pixel depends on the input. The answer is the kernel itself, placed over the
# 3x3 patch that output pixel looked at; the full convolution puts it there (the flip in the
# formula undoes the flip of convolution, so it appears the right way up).

# %%
K2 = mg.tensor([[[[1.0, 2.0, 0.0],
                  [0.0, 3.0, 0.0],
                  [0.0, 0.0, -1.0]]]], dtype=mg.float64, requires_grad=True)
X2 = mg.zeros(1, 1, 7, 7, dtype=mg.float64, requires_grad=True)
impulse = mg.zeros(1, 1, 5, 5, dtype=mg.float64)
impulse[0, 0, 1, 3] = 1.0                       # the output pixel at row 1, column 3
(F.conv2d(X2, K2) * impulse).sum().backward()
assert np.allclose(X2.grad.numpy()[0, 0, 1:4, 3:6], K2.numpy()[0, 0])
assert np.abs(X2.grad.numpy()).sum() == np.abs(K2.numpy()).sum()

fig, axes = plt.subplots(1, 3, figsize=(7, 2.5))
for ax, img, title in zip(axes, [K2.numpy()[0, 0], impulse.numpy()[0, 0], X2.grad.numpy()[0, 0]],
                          ['kernel K', 'G: one output pixel', 'dL/dX: K over its patch']):
    ax.imshow(img, cmap='RdBu_r', vmin=-3, vmax=3)
    for (i, j), val in np.ndenumerate(img):
        if val:
            ax.text(j, i, f'{val:g}', ha='center', va='center', fontsize=8)
    ax.set_title(title, fontsize=9)
    ax.set_xticks([])
    ax.set_yticks([])

# %% [markdown]
# ### Batches and channels
#
# With a batch of N images, C input channels and O filters, the same derivation gives
#
# $$\frac{\partial L}{\partial W[o, c]} = \sum_n \mathrm{corr}(X[n, c],\ G[n, o]), \qquad
#   \frac{\partial L}{\partial X[n, c]} = \sum_o \mathrm{conv_{full}}(G[n, o],\ W[o, c]), \qquad
#   \frac{\partial L}{\partial b[o]} = \sum_{n, i, j} G[n, o, i, j].$$
#
# Both sums over an axis are exactly what `F.conv2d` does over its input channels, so swapping
# two axes turns each formula into a single `F.conv2d` call: for the weight gradient the batch
# axis plays the role of the channels (`X` as `(C, N, H, W)`, `G` as `(O, N, H', W')`), for the
# input gradient the filters do (the flipped weight as `(C, O, k, k)`).

# %%
N, C, O, k = 2, 3, 4, 3
Xb = mg.randn(N, C, 8, 8, dtype=mg.float64, requires_grad=True)
Wb = mg.randn(O, C, k, k, dtype=mg.float64, requires_grad=True)
bb = mg.randn(O, dtype=mg.float64, requires_grad=True)
Yb = F.conv2d(Xb, Wb, bb)
Gb = mg.randn(*Yb.shape, dtype=mg.float64)
(Yb * Gb).sum().backward()

dW = F.conv2d(Xb.detach().permute(1, 0, 2, 3), Gb.permute(1, 0, 2, 3)).permute(1, 0, 2, 3)
W_flip = mg.tensor(Wb.numpy()[:, :, ::-1, ::-1].copy()).permute(1, 0, 2, 3)      # (C, O, k, k)
dX = F.conv2d(mg.pad(Gb, (k - 1,) * 4), W_flip)
db = Gb.sum(dim=(0, 2, 3))
for name, mine, ref in [('weight', dW, Wb.grad), ('input', dX, Xb.grad), ('bias', db, bb.grad)]:
    print(f'{name:6s} gradient {str(tuple(ref.shape)):14s} max difference {np.abs(mine.numpy() - ref.numpy()).max():.2e}')
    assert mine.shape == ref.shape and np.allclose(mine.numpy(), ref.numpy(), atol=1e-10)

# %% [markdown]
# Finally `gradcheck` confirms minigrad's convolution backward with finite differences, including
# the cases the derivation above left out: padding and stride (with stride $s$ the output
# gradient is spread out with $s - 1$ zeros between its entries before the same formulas apply).

# %%
for stride, padding in [(1, 0), (1, 1), (2, 1), (2, 0)]:
    xs_ = mg.randn(2, 2, 6, 6, dtype=mg.float64, requires_grad=True)
    ws_ = mg.randn(3, 2, 3, 3, dtype=mg.float64, requires_grad=True)
    bs_ = mg.randn(3, dtype=mg.float64, requires_grad=True)
    ok = gradcheck(lambda a, w_, b_: F.conv2d(a, w_, b_, stride=stride, padding=padding), (xs_, ws_, bs_))
    print(f'stride {stride}, padding {padding}: gradcheck passed = {ok}')
    assert ok

# %% [markdown]
# **Summary.** Operations record a graph as they run; `backward()` walks it from the loss to
# the leaves in reverse topological order, each node turning the gradient of its output into
# gradients of its inputs (the chain rule), and gradients that meet are added. A convolution's
# backward is made of convolutions again: the kernel gradient correlates the input with the
# output gradient, the input gradient fully convolves the output gradient with the kernel.
# Next, notebook 4 puts these pieces to work and trains a real CNN.

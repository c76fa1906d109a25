# %% [markdown]
# # 7. More than one core: data-parallel training
#
# NumPy runs most of a training step on one core. The way deep-learning frameworks use every core
# of a machine, and then every machine of a cluster, is **data parallelism**: start N copies of
# the same program (**ranks**), give each the same model and a different slice of every batch,
# and before each optimizer step **average the gradients** over the ranks. Every rank then takes
# the same step, so the N copies stay identical, and together they train exactly as one process
# with the whole batch would, only faster.
#
# This notebook shows
#
# 1. why averaging gradients of slices gives the gradient of the whole batch (by hand, here),
# 2. the three pieces minigrad provides: `minigrad.distributed` (the ranks talk through MPI),
#    `DistributedSampler` (which samples each rank reads), and `DistributedDataParallel` (averages
#    the gradients during backward),
# 3. a 2-rank training run started from this notebook, whose weights equal those of one process
#    with the global batch.

# %%
import os
import subprocess
import sys
import tempfile
import textwrap
import time

import numpy as np

import minigrad as mg
import minigrad.nn.functional as F

import models

mg.manual_seed(0)

# %% [markdown]
# ## Why the average of the slices' gradients is the whole batch's gradient
#
# The loss of a batch of B samples is the **mean** of the per-sample losses,
# $L = \frac{1}{B}\sum_{i=1}^{B} \ell_i$. Cut the batch into N slices of B/N samples, one per
# rank; rank r computes the mean over its own slice, $L_r = \frac{N}{B}\sum_{i \in r} \ell_i$.
# Then $\frac{1}{N}\sum_r L_r = L$, and since the gradient is linear,
# $\frac{1}{N}\sum_r \nabla L_r = \nabla L$: the **average over ranks of the slice gradients is
# the full-batch gradient**. Let us check it with two copies of LeNet-5 in this one process.

# %%
net = models.LeNet5().double()
ds = mg.data.MNISTSample(train=True)
x, y = next(iter(mg.data.DataLoader(ds, batch_size=32)))
x = x.double()

def gradients(model, xb, yb):
    model.zero_grad()
    F.cross_entropy(model(xb), yb).backward()
    return [p.grad.numpy().copy() for p in model.parameters()]

full = gradients(net, x, y)                                   # one process, batch 32
halves = [gradients(net, x[:16], y[:16]), gradients(net, x[16:], y[16:])]   # 2 "ranks" x 16
averaged = [(a + b) / 2 for a, b in zip(*halves)]
worst = max(np.abs(f - a).max() for f, a in zip(full, averaged))
print(f'largest difference between the full-batch gradient and the average of the halves: {worst:.1e}')
assert worst < 1e-12

# %% [markdown]
# That is all DDP has to do: average gradients. (It would not hold for a loss that is a **sum**
# over the batch; there the ranks' gradients would be summed. And layers that look at the whole
# batch, batch normalisation, see only their rank's slice: each rank normalises with its own
# batch statistics, as in PyTorch's default. LeNet-5 has none.)
#
# ## The pieces
#
# **Ranks and collectives.** `mpirun -n 2 python train.py` starts two processes running the same
# script. `dist.init_process_group('mpi')` connects them; `dist.get_rank()` is 0 or 1 and
# `dist.get_world_size()` is 2. A **collective** is a call every rank makes together:
# `dist.all_reduce(t)` replaces `t` on every rank by the sum over ranks; `dist.broadcast(t, 0)`
# copies rank 0's `t` everywhere.
#
# **DistributedSampler.** Each rank must read different samples, and together the ranks' batch
# number k must be the global batch number k. `DistributedSampler(dataset)` shuffles the
# indices the same way on every rank (from the seed and `set_epoch(epoch)`) and gives rank r
# every N-th index starting at r. With a per-rank batch of B/N, the ranks' batches together
# hold exactly the B samples one process would take:

# %%
from minigrad.data import DistributedSampler

B, N = 8, 2
order = list(DistributedSampler(ds, num_replicas=1, rank=0, seed=0))       # one process
shards = [list(DistributedSampler(ds, num_replicas=N, rank=r, seed=0)) for r in range(N)]
for k in range(3):
    per_rank = [s[k * B // N:(k + 1) * B // N] for s in shards]
    print(f'batch {k}: one process {sorted(order[k * B:(k + 1) * B])}  ranks {per_rank}')
    assert sorted(sum(per_rank, [])) == sorted(order[k * B:(k + 1) * B])

# %% [markdown]
# **DistributedDataParallel.** `model = DDP(model)` copies rank 0's weights to every rank, then
# hooks into backward: as soon as the last layer's gradients are ready, they start travelling
# (in **buckets** of about 1 MB, by a non-blocking all-reduce) while backward goes on computing
# the earlier layers; when `loss.backward()` returns, every rank holds the averaged gradients.
# The optimizer, the scheduler and the rest of the loop do not change.
#
# ## Two ranks, started from this notebook
#
# Here is a whole training script. It runs as one process (no DDP, batch 32) or, under
# `mpirun`, as ranks that each take 32/N samples per step. Rank 0 alone writes the weights.

# %%
script = textwrap.dedent('''
    import sys
    import numpy as np
    import minigrad as mg
    import minigrad.distributed as dist
    import minigrad.nn.functional as F
    from minigrad.data import DataLoader, DistributedSampler
    from minigrad.nn.parallel import DistributedDataParallel as DDP
    import models

    parallel = 'OMPI_COMM_WORLD_SIZE' in __import__('os').environ     # started by mpirun?
    if parallel:
        dist.init_process_group('mpi')
    rank = dist.get_rank() if parallel else 0
    world = dist.get_world_size() if parallel else 1

    mg.manual_seed(rank)                  # different initial weights: DDP copies rank 0's
    model = models.LeNet5().double()
    if parallel:
        model = DDP(model)
    opt = mg.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    ds = mg.data.MNISTSample(train=True)
    sampler = DistributedSampler(ds, num_replicas=world, rank=rank, seed=0)
    loader = DataLoader(ds, batch_size=32 // world, sampler=sampler)
    for epoch in range(1):
        sampler.set_epoch(epoch)          # a new order each epoch, the same on every rank
        for step, (x, y) in enumerate(loader):
            if step == 30:
                break
            opt.zero_grad()
            loss = F.cross_entropy(model(x.double()), y)
            loss.backward()               # DDP: gradients averaged over the ranks here
            opt.step()
    if rank == 0:
        net = model.module if parallel else model
        np.savez(sys.argv[1], **{k: v.numpy() for k, v in net.state_dict().items()})
        print(f'rank 0 of {world}: last loss {loss.item():.4f}')
''')
work = tempfile.mkdtemp()
with open(os.path.join(work, 'train.py'), 'w') as f:
    f.write(script)

# %% [markdown]
# One process first, then two ranks through `python -m minigrad.distributed.launch --nproc 2`,
# which is `mpirun -n 2 python train.py` plus one BLAS thread per rank. (It needs the
# `distributed` extra: `pip install -e ".[distributed]"`, which installs mpi4py and Open MPI.)

# %%
env = dict(os.environ, PYTHONPATH=os.pathsep.join([os.path.abspath('..'), os.environ.get('PYTHONPATH', '')]))

def run(cmd):
    t0 = time.perf_counter()
    res = subprocess.run(cmd, cwd=work, env=env, capture_output=True, text=True, timeout=120)
    shown = ' '.join(os.path.basename(c) if os.sep in c else c for c in cmd[1:])
    print(f'$ python {shown}  ({time.perf_counter() - t0:.1f} s)')
    print(res.stdout.strip() or res.stderr[-2000:])
    return res.returncode == 0

one = os.path.join(work, 'one.npz')
two = os.path.join(work, 'two.npz')
assert run([sys.executable, 'train.py', one])

from minigrad.distributed.launch import find_mpirun
have_mpi = mg.distributed.is_mpi_available() and find_mpirun() is not None
if have_mpi:
    assert run([sys.executable, '-m', 'minigrad.distributed.launch', '--nproc', '2', 'train.py', two])
else:
    print('mpi4py/mpirun are not installed here (pip install -e ".[distributed]"): skipping the 2-rank run')

# %% [markdown]
# The two runs started from different weights on rank 1, read the data in slices of 16, and
# communicated 30 times. (The printed losses differ: rank 0's is the mean over its own 16
# samples.) Their weights agree to float64 rounding:

# %%
if have_mpi:
    a, b = np.load(one), np.load(two)
    worst = max(np.abs(a[k] - b[k]).max() for k in a.files)
    print(f'{len(a.files)} tensors, largest difference {worst:.1e}')
    assert worst < 1e-10
    assert max(np.abs(a[k] - models.LeNet5().double().state_dict()[k].numpy()).max() for k in a.files) > 1e-3

# %% [markdown]
# ## In practice
#
# * **On a laptop**: `python -m minigrad.distributed.launch --nproc 4 train.py` (or
#   `python -m models.train --nproc 4 ...` for the model zoo). Give each rank one BLAS thread (the
#   launcher does); 2 ranks on 2 cores beat one process with 2 threads, because NumPy keeps most
#   of a step on one core. Speeds are in `benchmarks/README.md`.
# * **On several machines**: `mpirun -n 8 --hostfile hosts python train.py`, where `hosts` lists
#   the machines and how many ranks each runs (`node1 slots=4`); the code does not change.
# * **On GPUs**: `dist.init_process_group('nccl')` and `model.to('cuda')`: each rank uses one GPU
#   (rank modulo the GPUs of its machine) and gradients travel over NVIDIA's NCCL.
# * **Only rank 0 prints and saves.** A rank that fails ends the whole job with its traceback,
#   so no rank waits forever for a peer that is gone.
# * **Gradient accumulation**: run the first micro-batches inside `with model.no_sync():` and
#   the last one outside: the ranks communicate once per step.

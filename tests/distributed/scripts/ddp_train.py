"""Run by tests/distributed/test_dist_ddp.py (under mpirun -n N, or alone for 1 rank):
train LeNet-5 with DDP for some SGD-momentum steps on a fixed global batch stream, then rank 0
writes the weights to an .npz file.

    python ddp_train.py OUT.npz --dtype float64 --steps 20 --batch 32 [--accumulate K] [--plain]
"""
import argparse
import contextlib

import numpy as np

import minigrad as mg
import minigrad.distributed as dist
import minigrad.nn.functional as F
from minigrad.nn.parallel import DistributedDataParallel as DDP

import models

p = argparse.ArgumentParser()
p.add_argument('out')
p.add_argument('--dtype', default='float64')
p.add_argument('--steps', type=int, default=20)
p.add_argument('--batch', type=int, default=32)
p.add_argument('--accumulate', type=int, default=1, help='micro-batches per step (no_sync)')
p.add_argument('--bucket-mb', type=float, default=0.05)
p.add_argument('--rank-seed', action='store_true', help='different initial weights per rank')
p.add_argument('--plain', action='store_true', help='one process, no process group, no DDP')
p.add_argument('--optim', default='sgd', choices=['sgd', 'adam'])
args = p.parse_args()

if args.plain:
    rank, world = 0, 1
else:
    dist.init_process_group('mpi')
    rank, world = dist.get_rank(), dist.get_world_size()
dtype = np.dtype(args.dtype)
mg.manual_seed(1234 + (rank if args.rank_seed else 0))
net = models.LeNet5().to(dtype)
model = net if args.plain else DDP(net, bucket_cap_mb=args.bucket_mb)
if args.optim == 'sgd':
    opt = mg.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
else:
    opt = mg.optim.Adam(model.parameters(), lr=1e-3)
sched = mg.optim.lr_scheduler.StepLR(opt, step_size=7, gamma=0.5)
data = np.random.default_rng(7)
per = args.batch // world
for step in range(args.steps):
    x = data.standard_normal((args.accumulate, args.batch, 1, 28, 28)).astype(dtype)
    y = data.integers(0, 10, (args.accumulate, args.batch))
    opt.zero_grad()
    for m in range(args.accumulate):
        xs = mg.tensor(x[m, rank * per:(rank + 1) * per])
        ys = mg.tensor(y[m, rank * per:(rank + 1) * per])
        last = m == args.accumulate - 1
        if last:
            loss = F.cross_entropy(model(xs), ys) / args.accumulate
        else:
            with (model.no_sync() if not args.plain else contextlib.nullcontext()):
                loss = F.cross_entropy(model(xs), ys) / args.accumulate
        loss.backward()
    opt.step()
    sched.step()
if rank == 0:
    np.savez(args.out, **{k: v.numpy() for k, v in net.state_dict().items()})
if not args.plain:
    dist.destroy_process_group()

"""Run by tests/distributed/test_dist_ddp.py under mpirun -n 2: DistributedDataParallel's
gradients equal a hand-made average for several bucket sizes, replicas stay identical, BatchNorm
buffers follow broadcast_buffers, no_sync accumulates, state_dict has the module. prefix, and a
different model on one rank is a clear error. Raises (ending the job) on the first failure."""
import copy

import numpy as np

import minigrad as mg
import minigrad.distributed as dist
import minigrad.nn as nn
import minigrad.nn.functional as F
from minigrad.nn.parallel import DDP, DistributedDataParallel

dist.init_process_group('mpi')
rank, world = dist.get_rank(), dist.get_world_size()


class Net(nn.Module):
    def __init__(self, hidden=10):
        super().__init__()
        self.conv = nn.Conv2d(1, 4, 3)
        self.bn = nn.BatchNorm2d(4)
        self.fc = nn.Linear(4 * 6 * 6, hidden)
        self.unused = nn.Linear(3, 3)          # never called: its grads stay None

    def forward(self, x):
        return self.fc(F.relu(self.bn(self.conv(x))).flatten(1))


def flat(arrays):
    return np.concatenate([np.asarray(a).ravel() for a in arrays])


def same_on_all_ranks(values):
    local = mg.tensor(flat(values))
    outs = [mg.zeros_like(local) for _ in range(world)]
    dist.all_gather(outs, local)
    return all(np.array_equal(o.numpy(), outs[0].numpy()) for o in outs)


g = np.random.default_rng(rank)
x = mg.tensor(g.standard_normal((6, 1, 8, 8)))
y = mg.tensor(g.integers(0, 10, 6))
for cap in (1e-6, 0.002, 1.0, 100.0):
    mg.manual_seed(rank)                          # different weights on each rank before wrapping
    net = Net().double()
    model = DistributedDataParallel(net, bucket_cap_mb=cap)
    assert model.module is net
    assert same_on_all_ranks([p.numpy() for p in net.parameters()]), 'not broadcast at wrap'
    assert same_on_all_ranks([b.numpy() for b in net.buffers()])
    ref = copy.deepcopy(net)
    F.cross_entropy(ref(x), y).backward()
    expected = []
    for p in ref.parameters():
        if p.grad is not None:
            dist.all_reduce(p.grad, op=dist.ReduceOp.AVG)
    F.cross_entropy(model(x), y).backward()
    for (name, p), q in zip(net.named_parameters(), ref.parameters()):
        if name.startswith('unused'):
            assert p.grad is None, name
            continue
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-12, atol=1e-14,
                                   err_msg=f'{name} with bucket_cap_mb={cap}')
    nb = len(model.reducer.buckets)
    if cap == 1e-6:
        assert nb == sum(1 for _ in net.parameters()), nb
    if cap == 100.0:
        assert nb == 1, nb

# replicas stay identical under an optimizer and a scheduler; state_dict has the module. prefix
mg.manual_seed(rank)
net = Net()
model = DDP(net, bucket_cap_mb=0.001)
keys = list(model.state_dict())
assert keys and all(k.startswith('module.') for k in keys), keys
assert list(model.module.state_dict()) == [k[len('module.'):] for k in keys]
opt = mg.optim.Adam(model.parameters(), lr=1e-2, weight_decay=1e-3)
sched = mg.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=5)
xf = mg.tensor(g.standard_normal((6, 1, 8, 8)).astype(np.float32))
for _ in range(3):
    opt.zero_grad()
    F.cross_entropy(model(xf), y).backward()
    opt.step()
    sched.step()
assert same_on_all_ranks([p.numpy() for p in net.parameters()]), 'replicas drifted apart'
assert not same_on_all_ranks([net.bn.running_mean.numpy()]), 'batch statistics should be per rank'

# broadcast_buffers: rank 0's running statistics go to every rank at each training forward
same_x = mg.tensor(np.random.default_rng(99).standard_normal((4, 1, 8, 8)).astype(np.float32))
for bcast in (True, False):
    mg.manual_seed(0)
    net = Net()
    model = DDP(net, broadcast_buffers=bcast)
    net.bn.running_mean.array[...] = rank * 10.0          # the ranks' buffers differ
    model(same_x)                                         # same data on every rank
    assert same_on_all_ranks([net.bn.running_mean.numpy()]) == bcast, bcast
    model.eval()
    net.bn.running_mean.array[...] = rank * 10.0
    with mg.no_grad():
        model(same_x)                 # follows a training forward: syncs (as PyTorch)
        assert same_on_all_ranks([net.bn.running_mean.numpy()]) == bcast
        net.bn.running_mean.array[...] = rank * 10.0
        model(same_x)                 # follows a no_grad forward: no sync
        assert not same_on_all_ranks([net.bn.running_mean.numpy()])
    model.train()

# no_sync: local accumulation, then one average of the sums
mg.manual_seed(0)
net = Net().double()
model = DDP(net)
ref = copy.deepcopy(net)
x2 = mg.tensor(g.standard_normal((6, 1, 8, 8)))
with model.no_sync():
    F.cross_entropy(model(x), y).backward()
local = net.fc.weight.grad.numpy().copy()
assert not same_on_all_ranks([local]), 'no_sync should not average'
F.cross_entropy(model(x2), y).backward()
F.cross_entropy(ref(x), y).backward()
F.cross_entropy(ref(x2), y).backward()
dist.all_reduce(ref.fc.weight.grad, op=dist.ReduceOp.AVG)
np.testing.assert_allclose(net.fc.weight.grad.numpy(), ref.fc.weight.grad.numpy(), rtol=1e-12)

# a different model on one rank: the same clear error everywhere
try:
    DDP(Net(hidden=10 + rank))
except ValueError as e:
    assert 'same model' in str(e) and 'rank 1' in str(e), e
else:
    raise AssertionError('a different model on rank 1 was accepted')

dist.destroy_process_group()
print(f'rank {rank} ok', flush=True)

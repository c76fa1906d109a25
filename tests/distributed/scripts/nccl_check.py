"""Run by tests/distributed/test_dist_collectives.py on a GPU machine: the 'nccl' backend against
NumPy (one rank per GPU)."""
import numpy as np

import minigrad as mg
import minigrad.distributed as dist

dist.init_process_group('nccl')
rank, world = dist.get_rank(), dist.get_world_size()
dev = f'cuda:{rank % mg.cuda.device_count()}'
t = mg.tensor(np.arange(6, dtype=np.float32) * (rank + 1), device=dev)
dist.all_reduce(t)
np.testing.assert_allclose(t.numpy(), np.arange(6) * sum(r + 1 for r in range(world)))
w = dist.all_reduce(t, op=dist.ReduceOp.AVG, async_op=True)
w.wait()
b = mg.tensor([float(rank)] * 4, device=dev)
dist.broadcast(b, world - 1)
np.testing.assert_array_equal(b.numpy(), world - 1)
outs = [mg.zeros(2, device=dev) for _ in range(world)]
dist.all_gather(outs, mg.tensor([rank, rank + 0.5], device=dev))
for r, o in enumerate(outs):
    np.testing.assert_array_equal(o.numpy(), [r, r + 0.5])
dist.barrier()
dist.destroy_process_group()
print('nccl ok', flush=True)

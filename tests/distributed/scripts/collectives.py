"""Run by tests/distributed/test_dist_collectives.py under mpirun -n N: every collective against
NumPy on data that every rank can recompute for every other rank; raises (ending the job) on
the first disagreement, prints 'rank R ok' at the end."""
import numpy as np

import minigrad as mg
import minigrad.distributed as dist
from minigrad.distributed import ReduceOp

dist.init_process_group('mpi')
rank, world = dist.get_rank(), dist.get_world_size()
assert dist.is_initialized() and dist.get_backend() == 'mpi'


def data(r, dtype, shape=(3, 4)):
    g = np.random.default_rng(100 + r)
    if np.dtype(dtype).kind == 'f':
        return (g.standard_normal(shape) + 1.5).astype(dtype)
    return g.integers(-5, 6, shape).astype(dtype)


def expect_raises(exc, words, fn):
    try:
        fn()
    except exc as e:
        for w in words:
            assert w in str(e), f'{w!r} not in {e}'
        return str(e)
    raise AssertionError(f'{fn} did not raise {exc.__name__}')


reduce = {ReduceOp.SUM: lambda a: a.sum(0), ReduceOp.AVG: lambda a: a.mean(0),
          ReduceOp.PRODUCT: lambda a: a.prod(0), ReduceOp.MIN: lambda a: a.min(0),
          ReduceOp.MAX: lambda a: a.max(0)}
for dtype in (np.float16, np.float32, np.float64, np.int32, np.int64):
    everyone = np.stack([data(r, dtype) for r in range(world)])
    for op, fn in reduce.items():
        if op is ReduceOp.AVG and np.dtype(dtype).kind != 'f':
            continue
        for async_op in (False, True):
            t = mg.tensor(data(rank, dtype))
            work = dist.all_reduce(t, op=op, async_op=async_op)
            if async_op:
                assert work.wait() and work.is_completed()
            else:
                assert work is None
            assert t.dtype == dtype, (t.dtype, dtype)
            want = fn(everyone.astype(np.float64)).astype(dtype)
            tol = 1e-2 if dtype == np.float16 else 1e-5 if dtype == np.float32 else 1e-12
            np.testing.assert_allclose(t.numpy().astype(np.float64), want.astype(np.float64),
                                       rtol=tol, atol=tol, err_msg=f'{op} {dtype}')

# a non-contiguous tensor (a transposed view) is reduced in place through a staging copy
base = mg.tensor(data(rank, np.float64, (4, 3)))
view = base.T
dist.all_reduce(view)
want = np.stack([data(r, np.float64, (4, 3)) for r in range(world)]).sum(0)
np.testing.assert_allclose(base.numpy(), want, rtol=1e-12)

# broadcast from every source
for src in range(world):
    t = mg.tensor(data(rank, np.float32, (5,)))
    dist.broadcast(t, src)
    np.testing.assert_array_equal(t.numpy(), data(src, np.float32, (5,)))

# all_gather
outs = [mg.zeros(2, 3, dtype=mg.float64) for _ in range(world)]
dist.all_gather(outs, mg.tensor(data(rank, np.float64, (2, 3))))
for r, o in enumerate(outs):
    np.testing.assert_array_equal(o.numpy(), data(r, np.float64, (2, 3)))

dist.barrier()

# mismatched shapes or dtypes: the same clear ValueError on every rank, no hang
for name, fn in (('all_reduce', lambda t: dist.all_reduce(t)), ('broadcast', lambda t: dist.broadcast(t, 0)),
                 ('all_gather', lambda t: dist.all_gather([mg.zeros_like(t) for _ in range(world)], t))):
    msg = expect_raises(ValueError, [name, 'same shape', 'rank 0', 'rank 1'],
                        lambda: fn(mg.zeros(2 + rank)))
    expect_raises(ValueError, [name, 'float32', 'float64'],
                  lambda: fn(mg.zeros(3, dtype=mg.float32 if rank == 0 else mg.float64)))
expect_raises(ValueError, ['world_size', 'list'], lambda: dist.all_gather([mg.zeros(2)], mg.zeros(2)))
expect_raises(ValueError, ['tensor_list[0]'],
              lambda: dist.all_gather([mg.zeros(3) for _ in range(world)], mg.zeros(2)))
expect_raises(ValueError, ['src=' + str(world)], lambda: dist.broadcast(mg.zeros(2), world))
expect_raises(TypeError, ['Tensor'], lambda: dist.all_reduce(np.zeros(2)))
expect_raises(TypeError, ['ReduceOp'], lambda: dist.all_reduce(mg.zeros(2), op='sum'))
expect_raises(TypeError, ['AVG'], lambda: dist.all_reduce(mg.zeros(2, dtype=mg.int64), op=ReduceOp.AVG))
expect_raises(RuntimeError, ['twice'], lambda: dist.init_process_group('mpi'))

# still in step after all the errors
t = mg.ones(1)
dist.all_reduce(t)
assert t.item() == world
dist.destroy_process_group()
assert not dist.is_initialized()
expect_raises(RuntimeError, ['init_process_group'], lambda: dist.all_reduce(t))
expect_raises(ValueError, ['world_size=5', 'mpirun'], lambda: dist.init_process_group('mpi', world_size=5))
assert not dist.is_initialized()
dist.init_process_group('mpi', world_size=world, rank=rank)     # again, after destroy
dist.all_reduce(t)
assert t.item() == world * world
expect_raises(RuntimeError, ['twice'], lambda: dist.init_process_group())
dist.destroy_process_group()
print(f'rank {rank} ok', flush=True)

"""minigrad.nn.parallel: data-parallel training (``DistributedDataParallel``, alias ``DDP``).

    # mpirun -n 2 python train.py
    import minigrad.distributed as dist
    from minigrad.nn.parallel import DistributedDataParallel as DDP
    dist.init_process_group('mpi')
    model = DDP(model)                  # rank 0's weights everywhere
    loss_fn(model(x_shard), y_shard).backward()     # gradients averaged over ranks
    optimizer.step()
"""
from .data_parallel import DataParallel, data_parallel
from .distributed import DDP, DistributedDataParallel

__all__ = ['DistributedDataParallel', 'DDP', 'DataParallel', 'data_parallel']

"""minigrad.distributed: process groups and collectives for data-parallel training.

Named as ``torch.distributed``; 'mpi' runs over mpi4py (``pip install "minigrad[distributed]"``
installs mpi4py and Open MPI from pip), 'nccl' over CuPy's NCCL bindings for 'cuda' tensors.

    # run with: mpirun -n 2 python this_script.py
    import minigrad as mg
    import minigrad.distributed as dist
    dist.init_process_group('mpi')
    t = mg.ones(3) * dist.get_rank()
    dist.all_reduce(t)                     # sum over ranks, in place, on every rank
    dist.destroy_process_group()

``minigrad.nn.parallel.DistributedDataParallel`` builds data-parallel training on these.
"""
from .process_group import (INSTALL_HINT, ReduceOp, Work, all_gather, all_reduce, barrier, broadcast,
                            destroy_process_group, get_backend, get_rank, get_world_size,
                            init_process_group, is_available, is_initialized, is_mpi_available,
                            is_nccl_available)

__all__ = ['init_process_group', 'destroy_process_group', 'is_available', 'is_initialized',
           'is_mpi_available', 'is_nccl_available', 'get_rank', 'get_world_size', 'get_backend',
           'all_reduce', 'broadcast', 'all_gather', 'barrier', 'ReduceOp', 'Work']

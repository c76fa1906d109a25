"""Run by tests/distributed/test_dist_collectives.py under mpirun -n 2: rank 1 fails in the way
given by argv[1] while rank 0 waits in a collective; the job must end, not hang."""
import os
import signal
import sys

import minigrad as mg
import minigrad.distributed as dist

dist.init_process_group('mpi')
rank = dist.get_rank()
t = mg.ones(3)
dist.all_reduce(t)
how = sys.argv[1]
if rank == 1:
    if how == 'raise':
        raise ValueError('boom on rank 1')
    if how == 'exit':
        sys.exit(3)
    if how == 'kill':
        os.kill(os.getpid(), signal.SIGKILL)
dist.barrier()            # rank 0 waits here for a rank that is gone
dist.all_reduce(t)
print('rank', rank, 'should not get here', flush=True)

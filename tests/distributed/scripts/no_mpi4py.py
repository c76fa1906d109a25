"""Run by tests/distributed/test_dist_collectives.py: mpi4py made unimportable; prints the error."""
import sys

sys.modules['mpi4py'] = None          # import mpi4py now raises ImportError
import minigrad.distributed as dist  # noqa: E402  (importing minigrad never needs mpi4py)

try:
    dist.init_process_group('mpi')
except RuntimeError as e:
    print('ERROR:', e)

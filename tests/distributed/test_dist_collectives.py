"""minigrad.distributed: collectives against NumPy on 2 ranks (mpirun), failing ranks end the
job, clear errors before init_process_group and without mpi4py. Skipped (with the reason) when
mpi4py or mpirun is missing; every rank-launching test has a time limit."""
import time

import pytest

import minigrad as mg
import minigrad.distributed as dist
from dist_helpers import run_ranks


def test_collectives_agree_with_numpy_on_two_ranks():
    res = run_ranks(2, 'collectives.py')
    assert 'rank 0 ok' in res.stdout and 'rank 1 ok' in res.stdout


@pytest.mark.parametrize('how,words', [
    ('raise', ['ValueError: boom on rank 1', 'rank 1 of 2 failed']),
    ('exit', ['rank 1 of 2 called sys.exit(3)']),
    ('kill', ['rank 1', 'signal 9']),
])
def test_a_failing_rank_ends_the_job(how, words):
    t0 = time.perf_counter()
    res = run_ranks(2, 'fail.py', how, timeout=120, check=False)
    took = time.perf_counter() - t0
    out = res.stdout + res.stderr
    assert res.returncode != 0, out
    assert 'should not get here' not in out
    for w in words:
        assert w in out, out
    print(f'{how}: the job ended in {took:.1f} s')


def test_errors_before_init_process_group():
    assert dist.is_available()
    if dist.is_initialized():
        pytest.skip('a process group is initialised in this process')
    for fn in (dist.get_rank, dist.get_world_size, dist.barrier,
               lambda: dist.all_reduce(mg.ones(2)), lambda: dist.broadcast(mg.ones(2), 0),
               lambda: dist.all_gather([mg.ones(2)], mg.ones(2)), dist.destroy_process_group):
        with pytest.raises(RuntimeError, match='init_process_group'):
            fn()
    from minigrad.nn.parallel import DistributedDataParallel
    with pytest.raises(RuntimeError, match='init_process_group'):
        DistributedDataParallel(mg.nn.Linear(2, 2))


def test_bad_backend_arguments():
    with pytest.raises(ValueError, match="'mpi'"):
        dist.init_process_group('gloo')
    with pytest.raises(ValueError, match='mpirun'):
        dist.init_process_group('mpi', init_method='tcp://10.0.0.1:23456')
    assert not dist.is_initialized()


def test_missing_mpi4py_names_the_extra():
    res = run_ranks(0, 'no_mpi4py.py')
    assert 'ERROR:' in res.stdout and 'pip install "minigrad[distributed]"' in res.stdout, res.stdout


@pytest.mark.requires_cuda
def test_nccl_all_reduce_on_gpus():
    if mg.cuda.device_count() < 1 or not dist.is_nccl_available():
        pytest.skip('needs CuPy with NCCL and a GPU')
    res = run_ranks(1, 'nccl_check.py')
    assert 'nccl ok' in res.stdout

"""DistributedDataParallel on 2 ranks (mpirun): the same weights as one process with the global
batch (LeNet-5, 20 SGD-momentum steps: float64 to 1e-10, float32 to rounding), with gradient
accumulation under no_sync, with Adam; and the behaviour checks of scripts/ddp_checks.py.
Skipped (with the reason) when mpi4py or mpirun is missing."""
import numpy as np
import pytest

from dist_helpers import run_ranks


def _weights(path):
    with np.load(path) as f:
        return {k: f[k] for k in f.files}


def _train(tmp_path, name, nproc, *args):
    out = tmp_path / f'{name}.npz'
    if nproc == 1:
        run_ranks(0, 'ddp_train.py', out, '--plain', *args)
    else:
        run_ranks(nproc, 'ddp_train.py', out, '--rank-seed', *args)
    return _weights(out)


@pytest.mark.parametrize('dtype,rtol,atol', [('float64', 1e-10, 1e-12), ('float32', 2e-4, 2e-6)])
def test_two_ranks_train_as_one_process_with_the_global_batch(tmp_path, dtype, rtol, atol):
    one = _train(tmp_path, 'one', 1, '--dtype', dtype, '--steps', 20, '--batch', 32)
    two = _train(tmp_path, 'two', 2, '--dtype', dtype, '--steps', 20, '--batch', 32)
    assert one.keys() == two.keys() and len(one) == 10
    moved = 0.0
    for k in one:
        assert one[k].dtype == two[k].dtype == np.dtype(dtype)
        np.testing.assert_allclose(two[k], one[k], rtol=rtol, atol=atol, err_msg=k)
        moved = max(moved, float(np.abs(one[k]).max()))
    assert moved > 0.01                               # the weights did train


def test_accumulation_with_no_sync_and_adam(tmp_path):
    args = ('--dtype', 'float64', '--steps', 6, '--batch', 16, '--accumulate', 3, '--optim', 'adam')
    one = _train(tmp_path, 'one', 1, *args)
    two = _train(tmp_path, 'two', 2, *args)
    for k in one:
        np.testing.assert_allclose(two[k], one[k], rtol=1e-9, atol=1e-11, err_msg=k)


def test_ddp_behaviour_on_two_ranks():
    res = run_ranks(2, 'ddp_checks.py')
    assert 'rank 0 ok' in res.stdout and 'rank 1 ok' in res.stdout

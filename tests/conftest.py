"""Shared pytest helpers, kept minimal: a seeding fixture and the ``requires_cuda`` marker.

Mark GPU tests with ``@pytest.mark.requires_cuda``: they are skipped unless CuPy imports and a
GPU is usable (``mg.cuda.is_available()``).

The suite runs with one BLAS thread (unless the environment says otherwise), set here before NumPy
loads: when other processes hold the cores, a multi-threaded OpenBLAS spins waiting for its
threads and small GEMMs run 10-60x slower (measured: the client ports took 149 s instead of 15 s
at load 3-5). Subprocesses (the CLI and MPI tests, the notebooks) inherit the setting.
"""
import os
import sys

# tests/test_backend.py and tests/test_dtypes.py reuse the op table of tests/ops/test_ops_cases.py:
# make it importable whichever test files a run collects.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), 'ops'))

for _var in ('OPENBLAS_NUM_THREADS', 'OMP_NUM_THREADS', 'MKL_NUM_THREADS'):
    os.environ.setdefault(_var, '1')

import numpy as np  # noqa: E402  (after the thread settings)
import pytest  # noqa: E402

import minigrad as mg  # noqa: E402


def pytest_configure(config):
    config.addinivalue_line('markers', 'requires_cuda: needs CuPy and a usable CUDA GPU (else skipped)')


def pytest_runtest_setup(item):
    if item.get_closest_marker('requires_cuda') is not None and not mg.cuda.is_available():
        pytest.skip('needs CuPy and a usable CUDA GPU')


@pytest.fixture
def seed():
    """Seed minigrad's generator; returns a NumPy Generator with the same seed for test data."""
    mg.manual_seed(0)
    return np.random.default_rng(0)


@pytest.fixture(autouse=True)
def _restore_global_state():
    """A test must not leak grad mode or the default device into the next one."""
    from minigrad import autograd, backend
    grad_mode, device = autograd._grad_enabled, backend._default_device
    yield
    autograd._grad_enabled, backend._default_device = grad_mode, device

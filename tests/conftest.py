"""Shared pytest helpers, kept minimal: a seeding fixture and the ``requires_cuda`` marker.

Mark GPU tests with ``@pytest.mark.requires_cuda``: they are skipped unless CuPy imports and a
GPU is usable (``mg.cuda.is_available()``).
"""
import numpy as np
import pytest

import minigrad as mg


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

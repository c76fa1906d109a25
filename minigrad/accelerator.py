"""``mg.accelerator``, as ``torch.accelerator``: is a GPU usable, and which device is it.

PyTorch code since 2025 picks its device with
``torch.accelerator.current_accelerator() if torch.accelerator.is_available() else 'cpu'``;
minigrad's only accelerator is CUDA through CuPy (see ``minigrad.cuda``).
"""
from . import backend


def is_available():
    """True when a CUDA GPU can be used (CuPy installed and a device present)."""
    return backend.cuda_is_available()


def current_accelerator():
    """``mg.device('cuda')`` when a GPU can be used, else None (as PyTorch)."""
    return backend.Device('cuda') if is_available() else None


def device_count():
    return backend.cuda_device_count() if is_available() else 0

"""``mg.cuda``: ask whether a GPU can be used (CuPy is imported only by ``minigrad.backend``)."""
import types

from . import amp as _amp
from . import backend

# torch.cuda.amp.autocast / GradScaler (the old spelling of torch.amp): accepted, no effect
amp = types.SimpleNamespace(autocast=_amp.autocast, GradScaler=_amp.GradScaler)


def is_available():
    """True when CuPy is installed and a GPU can be used."""
    return backend.cuda_is_available()


def device_count():
    return backend.cuda_device_count()


def synchronize():
    """Wait for the GPU to finish queued work (a no-op without a GPU)."""
    if is_available():
        backend._import_cupy().cuda.Device().synchronize()

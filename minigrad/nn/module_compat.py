"""``ModuleCompat``: the conversions and no-op conveniences of ``torch.nn.Module`` that
``Module`` inherits (each a one-liner over ``Module.to``), kept apart so that ``module.py``
holds the registration, traversal and state machinery."""
import numpy as np

from .. import backend

__all__ = ['ModuleCompat']


class ModuleCompat:
    """Mixin of ``Module``: ``cpu``, ``cuda``, ``float``, ``double``, ``half``, ``share_memory``
    and ``compile``, as PyTorch's (all return self except ``compile``)."""

    def cpu(self):
        """Move every parameter and buffer to the CPU (NumPy), in place."""
        return self.to('cpu')

    def cuda(self, device=None):
        """Move every parameter and buffer to the GPU (CuPy), in place."""
        return self.to(backend.cuda_device(device))

    def float(self):
        """Cast floating parameters and buffers to float32, in place."""
        return self.to(np.float32)

    def double(self):
        """Cast floating parameters and buffers to float64, in place."""
        return self.to(np.float64)

    def half(self):
        """Cast floating parameters and buffers to float16, in place."""
        return self.to(np.float16)

    def share_memory(self):
        """PyTorch moves the tensors to shared memory for multiprocessing; minigrad's workers
        never receive the model, so this does nothing and returns self."""
        return self

    def compile(self, *args, **kwargs):
        """PyTorch compiles ``forward`` with ``torch.compile``; minigrad has no compiler, so
        this accepts the same arguments and leaves the module as it is (returns None, as
        PyTorch)."""
        return None

"""``DataParallel`` and ``data_parallel``, as ``torch.nn.DataParallel``: in PyTorch they split
each batch over the GPUs of one process. minigrad runs one device per process (use
``DistributedDataParallel`` with one rank per core or GPU), so these wrap the module and run it
on the whole batch: code written for ``nn.DataParallel`` runs unchanged, with the same
``module.`` prefix in its state dict."""
from ..module import Module

__all__ = ['DataParallel', 'data_parallel']


class DataParallel(Module):
    """Wraps ``module`` (``.module``) and calls it on the whole batch.

    Args:
        module: the model to wrap.
        device_ids, output_device, dim: accepted for PyTorch code; one device is used (the
            module's), so they change nothing.
    """

    def __init__(self, module, device_ids=None, output_device=None, dim=0):
        super().__init__()
        self.module = module
        self.device_ids, self.output_device, self.dim = device_ids, output_device, dim

    def forward(self, *inputs, **kwargs):
        return self.module(*inputs, **kwargs)


def data_parallel(module, inputs, device_ids=None, output_device=None, dim=0,
                  module_kwargs=None):
    """``module(*inputs, **module_kwargs)`` (see ``DataParallel``)."""
    if not isinstance(inputs, tuple):
        inputs = (inputs,)
    return module(*inputs, **(module_kwargs or {}))

"""minigrad.utils: ``minigrad.utils.data`` is where PyTorch code finds the loading API
(``from minigrad.utils.data import DataLoader, Dataset, ...``, as ``torch.utils.data``)."""
from . import data

__all__ = ['data']

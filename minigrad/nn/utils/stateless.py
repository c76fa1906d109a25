"""``torch.nn.utils.stateless``: ``functional_call`` (defined in ``fusion.py``)."""
from .fusion import functional_call

__all__ = ['functional_call']

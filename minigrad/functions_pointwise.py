"""Free functions of the elementwise/math family that are not just Tensor methods (see
tensor_pointwise.py for those)."""

__all__ = []

"""Free functions of the indexing family that are not just Tensor methods (see tensor_index.py
for those)."""

__all__ = []

"""Differentiable ops, one class per op, grouped by family.

Each op works on raw backend arrays (NumPy or CuPy: ``xp`` is the module of its inputs) and
writes its derivative as a one-line comment above ``backward``.
"""

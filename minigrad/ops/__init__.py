"""Differentiable ops, one class per op, grouped by family.

Each op works on raw backend arrays (NumPy or CuPy: ``xp`` is the module of its inputs) and
writes its derivative as a one-line comment above ``backward``.

Like PyTorch, an op that meets ``log(0)``, ``x / 0`` or an overflow gives ``-inf``, ``inf`` or
``nan`` without a word: NumPy's floating-point RuntimeWarnings raised from minigrad's modules
are filtered out when minigrad is imported (only theirs; NumPy's error state is left alone, and
``detect_anomaly`` still reports NaNs). The filter costs nothing per op; an import inside a
``warnings.catch_warnings()`` block (pytest's collection, say) loses it when the block ends.
"""
import warnings

warnings.filterwarnings('ignore', message=r'(divide by zero|invalid value|overflow|underflow) encountered',
                        category=RuntimeWarning, module=r'minigrad\.')

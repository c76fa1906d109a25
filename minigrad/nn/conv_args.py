"""Size arguments of the convolutions as n-tuples, and their padding strings (shared by
``conv.py``, ``conv_transpose.py`` and ``functional_conv3d.py``)."""
from .. import argcheck

__all__ = ['int_tuple', 'string_padding']


def int_tuple(value, n, name, op, minimum):
    """An int or an n-tuple of ints -> an n-tuple (``TypeError``/``ValueError`` otherwise)."""
    if n == 2:
        return argcheck.pair(value, name, op, minimum)
    if isinstance(value, (tuple, list)) and len(value) in (1, n):
        values = list(value) * (n if len(value) == 1 else 1)
    else:
        values = [value] * n
    if not all(argcheck.is_int(v) for v in values):
        raise TypeError(f'{op}: {name} must be an int or a {n}-tuple of ints, got {value!r}')
    if min(values) < minimum:
        raise ValueError(f'{op}: {name} must be at least {minimum}, got {name}={value}')
    return tuple(int(v) for v in values)


def string_padding(padding, kernel, stride, dilation, op):
    """``'valid'`` or ``'same'`` -> (before, after) per spatial dim, first dim first (the
    2-D rule of ``argcheck.conv_padding``, for any number of dims)."""
    n = len(kernel)
    if n <= 2:
        one = (1,) * (2 - n)
        return argcheck.conv_padding(padding, one + kernel, one + stride, one + dilation,
                                     op)[4 - 2 * n:]
    if padding == 'valid':
        return (0, 0) * n
    if padding != 'same':
        raise ValueError(f"{op}: invalid padding string {padding!r}: expected 'same' or 'valid'")
    if any(st != 1 for st in stride):
        raise ValueError(f"{op}: padding='same' is not supported for strided convolutions "
                         f'(stride={tuple(stride)})')
    totals = [d * (k - 1) for k, d in zip(kernel, dilation)]
    return sum(((t // 2, t - t // 2) for t in totals), ())

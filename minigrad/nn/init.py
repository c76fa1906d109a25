"""Weight initialisation, as ``torch.nn.init``: in-place, under no_grad, returning the tensor.

Random draws come from ``generator=`` (an ``mg.Generator``) or else the library's generator
(``mg.manual_seed`` seeds it), on the tensor's device.
"""
import math
import warnings

from .. import backend, factory
from ..autograd import no_grad

__all__ = ['calculate_gain', 'uniform_', 'normal_', 'constant_', 'zeros_', 'ones_',
           'xavier_uniform_', 'xavier_normal_', 'kaiming_uniform_', 'kaiming_normal_',
           'trunc_normal_', 'orthogonal_', 'eye_', 'dirac_', 'sparse_']

_LINEAR_FNS = ('linear', 'conv1d', 'conv2d', 'conv3d', 'conv_transpose1d', 'conv_transpose2d',
               'conv_transpose3d')


def calculate_gain(nonlinearity, param=None):
    """The recommended gain for a nonlinearity (PyTorch's table).

    ==================  ==============================================
    linear, conv*d       1
    sigmoid              1
    tanh                 5/3
    relu                 sqrt(2)
    leaky_relu           sqrt(2 / (1 + negative_slope^2)); param is the slope (0.01 by default)
    selu                 3/4
    ==================  ==============================================
    """
    if nonlinearity in _LINEAR_FNS or nonlinearity == 'sigmoid':
        return 1
    if nonlinearity == 'tanh':
        return 5.0 / 3
    if nonlinearity == 'relu':
        return math.sqrt(2.0)
    if nonlinearity == 'leaky_relu':
        if param is None:
            slope = 0.01
        elif not isinstance(param, bool) and isinstance(param, (int, float)):
            slope = param
        else:
            raise ValueError(f'negative_slope {param} not a valid number')
        return math.sqrt(2.0 / (1 + slope ** 2))
    if nonlinearity == 'selu':
        return 3.0 / 4
    raise ValueError(f'Unsupported nonlinearity {nonlinearity}')


def _calculate_fan_in_and_fan_out(tensor):
    if tensor.ndim < 2:
        raise ValueError('Fan in and fan out can not be computed for tensor with fewer than 2 '
                         f'dimensions (got shape {tensor.shape})')
    receptive = math.prod(tensor.shape[2:])
    return tensor.shape[1] * receptive, tensor.shape[0] * receptive


def _calculate_correct_fan(tensor, mode):
    mode = mode.lower()
    if mode not in ('fan_in', 'fan_out'):
        raise ValueError(f'Mode {mode} not supported, please use one of fan_in, fan_out')
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == 'fan_in' else fan_out


def uniform_(tensor, a=0.0, b=1.0, generator=None):
    """Fill with draws from U(a, b)."""
    with no_grad():
        return tensor.uniform_(a, b, generator=generator)


def normal_(tensor, mean=0.0, std=1.0, generator=None):
    """Fill with draws from N(mean, std^2)."""
    with no_grad():
        return tensor.normal_(mean, std, generator=generator)


def constant_(tensor, val):
    """Fill with ``val``."""
    with no_grad():
        return tensor.fill_(val)


def zeros_(tensor):
    return constant_(tensor, 0.0)


def ones_(tensor):
    return constant_(tensor, 1.0)


def xavier_uniform_(tensor, gain=1.0, generator=None):
    """Glorot uniform: U(-a, a) with ``a = gain * sqrt(6 / (fan_in + fan_out))``."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    a = math.sqrt(3.0) * std
    return uniform_(tensor, -a, a, generator)


def xavier_normal_(tensor, gain=1.0, generator=None):
    """Glorot normal: N(0, std^2) with ``std = gain * sqrt(2 / (fan_in + fan_out))``."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return normal_(tensor, 0.0, std, generator)


def _kaiming_std(tensor, a, mode, nonlinearity):
    fan = _calculate_correct_fan(tensor, mode)
    return calculate_gain(nonlinearity, a) / math.sqrt(fan)


def kaiming_uniform_(tensor, a=0, mode='fan_in', nonlinearity='leaky_relu', generator=None):
    """He uniform: U(-bound, bound) with ``bound = gain * sqrt(3 / fan)``.

    Args:
        a: the negative slope of the rectifier after this layer (for 'leaky_relu').
        mode: 'fan_in' (keeps the forward variance) or 'fan_out' (the backward one).
        nonlinearity: 'relu' or 'leaky_relu' (the default), see ``calculate_gain``.
    """
    if 0 in tensor.shape:
        warnings.warn('Initializing zero-element tensors is a no-op')
        return tensor
    bound = math.sqrt(3.0) * _kaiming_std(tensor, a, mode, nonlinearity)
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(tensor, a=0, mode='fan_in', nonlinearity='leaky_relu', generator=None):
    """He normal: N(0, std^2) with ``std = gain / sqrt(fan)``; arguments as ``kaiming_uniform_``."""
    if 0 in tensor.shape:
        warnings.warn('Initializing zero-element tensors is a no-op')
        return tensor
    return normal_(tensor, 0.0, _kaiming_std(tensor, a, mode, nonlinearity), generator)

def trunc_normal_(tensor, mean=0.0, std=1.0, a=-2.0, b=2.0, generator=None):
    """Fill with draws from N(mean, std^2) truncated to ``[a, b]`` (by redrawing the values that
    fall outside; after 100 rounds any left are clipped, which only a range far in a tail needs).

    Args:
        mean, std: of the normal before truncation.
        a, b: the bounds (absolute values, as PyTorch's).
        generator: an ``mg.Generator`` to draw from (default: the library's generator).
    """
    if not a < b:
        raise ValueError(f'trunc_normal_: expected a < b, got a={a}, b={b}')
    if mean < a - 2 * std or mean > b + 2 * std:
        warnings.warn('mean is more than 2 std from [a, b] in nn.init.trunc_normal_. The '
                      'distribution of values may be incorrect.', stacklevel=2)
    with no_grad():
        arr = factory.randn(*tensor.shape, generator=generator, dtype=tensor.dtype,
                            device=tensor.device).array
        arr = arr * std + mean
        for _ in range(100):
            bad = (arr < a) | (arr > b)
            n = int(bad.sum())
            if n == 0:
                break
            redraw = factory.randn(n, generator=generator, dtype=tensor.dtype,
                                   device=tensor.device).array
            arr[bad] = redraw * std + mean
        return tensor.copy_(tensor._wrap(arr.clip(a, b).astype(tensor.dtype, copy=False)))


def orthogonal_(tensor, gain=1.0, generator=None):
    """Fill with a (semi-)orthogonal matrix: the Q of a QR decomposition of a standard normal
    draw, signs fixed by R's diagonal, times ``gain`` (Saxe et al.). Dims after the first are
    flattened."""
    if tensor.ndim < 2:
        raise ValueError('Only tensors with 2 or more dimensions are supported')
    if tensor.numel() == 0:
        return tensor
    rows = tensor.shape[0]
    cols = tensor.numel() // rows
    with no_grad():
        flat = factory.randn(rows, cols, generator=generator, dtype=tensor.dtype,
                             device=tensor.device).array
        xp = backend.get_array_module(flat)
        if rows < cols:
            flat = flat.T
        q, r = xp.linalg.qr(flat)
        q = q * xp.sign(xp.diagonal(r))
        if rows < cols:
            q = q.T
        return tensor.copy_(tensor._wrap((q * gain).reshape(tensor.shape).astype(tensor.dtype)))


def eye_(tensor):
    """Fill a 2-D tensor with the identity matrix (ones on the diagonal)."""
    if tensor.ndim != 2:
        raise ValueError('Only tensors with 2 dimensions are supported')
    with no_grad():
        xp = backend.get_array_module(tensor.array)
        return tensor.copy_(tensor._wrap(xp.eye(*tensor.shape, dtype=tensor.dtype)))


def dirac_(tensor, groups=1):
    """Fill a 3-, 4- or 5-D convolution weight with the Dirac delta: each output channel (of
    each group) passes its input channel through unchanged."""
    if tensor.ndim not in (3, 4, 5):
        raise ValueError('Only tensors with 3, 4, or 5 dimensions are supported')
    out_per_group = tensor.shape[0] // groups
    if tensor.shape[0] % groups:
        raise ValueError('dim 0 must be divisible by groups')
    with no_grad():
        xp = backend.get_array_module(tensor.array)
        arr = xp.zeros(tensor.shape, dtype=tensor.dtype)
        centre = tuple(s // 2 for s in tensor.shape[2:])
        for g in range(groups):
            for d in range(min(out_per_group, tensor.shape[1])):
                arr[(g * out_per_group + d, d) + centre] = 1
        return tensor.copy_(tensor._wrap(arr))


def sparse_(tensor, sparsity, std=0.01, generator=None):
    """Fill a 2-D tensor with N(0, std^2) draws, then zero ``ceil(sparsity * rows)`` random
    entries of every column (Martens, 2010), as ``torch.nn.init.sparse_``."""
    if tensor.ndim != 2:
        raise ValueError(f'Only tensors with 2 dimensions are supported, got a {tensor.ndim}-D '
                         f'tensor of shape {tuple(tensor.shape)}')
    rows, cols = tensor.shape
    num_zeros = int(math.ceil(sparsity * rows))
    with no_grad():
        tensor.normal_(0, std, generator=generator)
        for col in range(cols):
            zero = factory.randperm(rows, generator=generator, device=tensor.device)[:num_zeros]
            tensor.array[zero.array, col] = 0
        tensor._bump_version()
    return tensor

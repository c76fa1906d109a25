"""More of ``torch.nn.functional`` (re-exported by ``minigrad.nn.functional``): ``unfold`` /
``fold`` (im2col and col2im, ops in ``minigrad.ops.conv_unfold``), ``local_response_norm``
(AlexNet), ``bilinear``, ``alpha_dropout`` / ``feature_alpha_dropout`` (SELU networks) and
``pdist``. All but the first two are composed from Tensor ops, so their gradients come from
autograd."""
import numbers

import numpy as np

from .. import argcheck, backend, factory
from ..functions import pad as _pad
from ..functions import where
from ..tensor import Tensor
from ..ops import conv_unfold as U
from ..ops.conv import ConvGeometry
from .functional_layers import _check_affine

__all__ = ['unfold', 'fold', 'local_response_norm', 'bilinear', 'alpha_dropout',
           'feature_alpha_dropout', 'pdist']


def _block_args(op, kernel_size, dilation, padding, stride):
    k = argcheck.pair(kernel_size, 'kernel_size', op, minimum=1)
    d = argcheck.pair(dilation, 'dilation', op, minimum=1)
    p = argcheck.pair(padding, 'padding', op, minimum=0)
    s = argcheck.pair(stride, 'stride', op, minimum=1)
    return k, d, (p[0], p[0], p[1], p[1]), s


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """Every sliding ``kernel_size`` block of an image as a column (im2col), as
    ``torch.nn.functional.unfold``.

    Args:
        input: ``(N, C, H, W)`` or ``(C, H, W)``.
        kernel_size, dilation, padding, stride: an int or a pair each.

    Shape:
        ``(N, C*kH*kW, L)``, L the number of blocks: ``prod((size + 2*padding -
        dilation*(kernel - 1) - 1) // stride + 1)`` over H and W. Row ``c*kH*kW + i*kW + j``.
    """
    op = 'unfold'
    argcheck.float_tensor(op, input)
    if input.ndim not in (3, 4):
        raise RuntimeError(f'{op}: expected a 3-D (C, H, W) or 4-D (N, C, H, W) input, got a '
                           f'{input.ndim}-D input of shape {tuple(input.shape)}')
    k, d, p, s = _block_args(op, kernel_size, dilation, padding, stride)
    N, C, H, W = (1,) * (4 - input.ndim) + tuple(input.shape)
    geom = ConvGeometry(N, C, H, W, 1, k[0], k[1], s, p, d)
    if geom.OH < 1 or geom.OW < 1:
        raise RuntimeError(f'{op}: the (dilated) kernel {k} (dilation {d}) does not fit the '
                           f'padded input {(H + 2 * p[0], W + 2 * p[2])} (input shape '
                           f'{tuple(input.shape)}, padding {(p[0], p[2])})')
    return U.Unfold.apply(input, geom=geom)


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """Sum columns of blocks back into an image (col2im; overlaps add), as
    ``torch.nn.functional.fold``, the adjoint of ``unfold``.

    Args:
        input: ``(N, C*kH*kW, L)`` or ``(C*kH*kW, L)``, L the number of blocks that fit.
        output_size: the image size ``(H, W)`` (an int or a pair).
        kernel_size, dilation, padding, stride: as ``unfold``.

    Shape:
        ``(N, C, H, W)`` (3-D for a 2-D input).
    """
    op = 'fold'
    argcheck.float_tensor(op, input)
    if input.ndim not in (2, 3):
        raise RuntimeError(f'{op}: expected a 2-D (C*kH*kW, L) or 3-D (N, C*kH*kW, L) input, '
                           f'got a {input.ndim}-D input of shape {tuple(input.shape)}')
    H, W = argcheck.pair(output_size, 'output_size', op, minimum=1)
    k, d, p, s = _block_args(op, kernel_size, dilation, padding, stride)
    N, CK, L = (1,) * (3 - input.ndim) + tuple(input.shape)
    if CK % (k[0] * k[1]):
        raise RuntimeError(f'{op}: expected size of input dimension -2 ({CK}, input shape '
                           f'{tuple(input.shape)}) to be divisible by the product of '
                           f'kernel_size {k} = {k[0] * k[1]}')
    geom = ConvGeometry(N, CK // (k[0] * k[1]), H, W, 1, k[0], k[1], s, p, d)
    if geom.OH < 1 or geom.OW < 1 or geom.OH * geom.OW != L:
        raise RuntimeError(f'{op}: given output_size={(H, W)}, kernel_size={k}, dilation={d}, '
                           f'padding={(p[0], p[2])}, stride={s}, expected size of input\'s last '
                           f'dimension to be {max(geom.OH, 0) * max(geom.OW, 0)} blocks, but got '
                           f'{L} (input shape {tuple(input.shape)})')
    return U.Fold.apply(input, geom=geom)


def local_response_norm(input, size, alpha=1e-4, beta=0.75, k=1.0):
    """Local response normalization across channels (AlexNet), as
    ``torch.nn.functional.local_response_norm``:
    ``b_c = a_c / (k + alpha/size * sum_{c' in window(c)} a_c'^2) ** beta``, the window of
    ``size`` channels centred on c (``size // 2`` before, ``(size - 1) // 2`` after), zero-padded.

    Shape:
        ``(N, C, *)`` with at least 3 dims -> the same.
    """
    op = 'local_response_norm'
    argcheck.float_tensor(op, input)
    if input.ndim < 3:
        raise ValueError(f'{op}: expected 3D or higher dimensionality input (got {input.ndim} '
                         f'dimensions, shape {tuple(input.shape)})')
    if input.numel() == 0:
        return input
    size = argcheck.positive_int(size, 'size', op)
    C = input.shape[1]
    sq = _pad(input * input, (0, 0) * (input.ndim - 2) + (size // 2, (size - 1) // 2))
    window = sq[:, 0:C]
    for j in range(1, size):                    # the sum over each channel's window
        window = window + sq[:, j:j + C]
    return input / (window * (alpha / size) + k) ** beta


def bilinear(input1, input2, weight, bias=None):
    """``y_o = x1^T A_o x2 + b_o``, as ``torch.nn.functional.bilinear``.

    Args:
        input1: ``(*, in1)``; input2: ``(*, in2)`` with the same leading dims.
        weight: ``(out, in1, in2)``; bias: ``(out,)`` or None.

    Shape:
        ``(*, out)``.
    """
    op = 'bilinear'
    argcheck.float_tensor(op, input1)
    argcheck.like_input(op, input1, input2=input2, weight=weight, bias=bias)
    if weight.ndim != 3:
        raise RuntimeError(f'{op}: weight must be 3-D (out_features, in1_features, in2_features), '
                           f'got shape {tuple(weight.shape)}')
    out, n1, n2 = weight.shape
    if input1.ndim == 0 or input1.shape[-1] != n1 or input2.ndim == 0 or input2.shape[-1] != n2 \
            or input1.shape[:-1] != input2.shape[:-1]:
        raise RuntimeError(f'{op}: weight of shape {tuple(weight.shape)} expects input1 (*, {n1}) '
                           f'and input2 (*, {n2}) with the same leading dims, got shapes '
                           f'{tuple(input1.shape)} and {tuple(input2.shape)}')
    if bias is not None:
        _check_affine(op, weight, (out,), bias=bias)
    lead = tuple(input1.shape[:-1])
    x1, x2 = input1.reshape(-1, n1), input2.reshape(-1, n2)
    t = x1 @ weight.permute(1, 0, 2).reshape(n1, out * n2)        # (M, out*in2)
    y = (t.reshape(-1, out, n2) * x2.unsqueeze(1)).sum(-1)         # (M, out)
    if bias is not None:
        y = y + bias
    return y.reshape(*lead, out)


_ALPHA = 1.7580993408473766         # -SELU's scale * alpha: the value SELU saturates to


def _alpha_dropout(op, input, p, training, mask_shape):
    if not isinstance(p, numbers.Real) or not 0.0 <= p <= 1.0:
        raise ValueError(f'dropout probability has to be between 0 and 1, but got {p}')
    argcheck.float_tensor(op, input)
    if not training or p == 0.0 or input.numel() == 0:
        return input
    if p == 1.0:
        return input * 0.0
    keep = (factory.rand(mask_shape, dtype=input.dtype, device=input.device).array >= p)
    keep = keep.astype(input.dtype)
    a = (_ALPHA * _ALPHA * p + 1) ** -0.5 * (1 - p) ** -0.5
    # kept: a*x; dropped: the saturation value -alpha, then the same affine map (PyTorch's)
    scale = factory.tensor(keep * a, device=input.device)
    shift = factory.tensor((keep - 1) * (_ALPHA * a) + _ALPHA * a * p, device=input.device)
    return input * scale + shift


def alpha_dropout(input, p=0.5, training=False, inplace=False):
    """Dropout that keeps a SELU network's zero mean and unit variance, as
    ``torch.nn.functional.alpha_dropout``: a dropped element is set to SELU's saturation value
    ``-1.7581``, then every element goes through ``a * x + b`` with ``a, b`` chosen so the mean
    and variance are unchanged. The mask comes from ``mg.manual_seed``'s generator."""
    return _alpha_dropout('alpha_dropout', input, p, training, tuple(input.shape))


def feature_alpha_dropout(input, p=0.5, training=False, inplace=False):
    """``alpha_dropout`` of whole channels: one draw per ``(n, c)`` of an ``(N, C, *)`` input."""
    shape = tuple(input.shape[:2]) + (1,) * (input.ndim - 2)
    return _alpha_dropout('feature_alpha_dropout', input, p, training, shape)


def pdist(input, p=2):
    """The p-norm distance between every pair of rows ``i < j`` of an (N, M) input, in the
    order of ``triu_indices(N, 1)``, as ``torch.nn.functional.pdist`` (a zero distance has a
    zero gradient, not NaN).

    Shape:
        ``(N * (N - 1) / 2,)``.
    """
    op = 'pdist'
    argcheck.float_tensor(op, input)
    if input.ndim != 2:
        raise RuntimeError(f'{op}: only supports 2D tensors, got a {input.ndim}-D input of '
                           f'shape {tuple(input.shape)}')
    if p < 0:
        raise RuntimeError(f'{op}: only supports non-negative p values, got p={p}')
    xp = backend.get_array_module(input.array)
    i, j = (xp.asarray(a) for a in np.triu_indices(input.shape[0], 1))
    diff = (input[i] - input[j]).abs()
    if p == float('inf'):
        return diff.amax(-1) if diff.shape[-1] else diff.sum(-1)
    if p == 0:
        return factory.tensor((diff.array != 0).sum(-1).astype(input.dtype))
    total = (diff ** p).sum(-1)
    alive = Tensor._wrap(total.array > 0)
    safe = where(alive, total, Tensor._wrap(xp.ones((), dtype=input.dtype)))
    return where(alive, safe ** (1.0 / p), Tensor._wrap(xp.zeros((), dtype=input.dtype)))

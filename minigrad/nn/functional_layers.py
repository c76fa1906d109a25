"""More layer functions, as ``torch.nn.functional``: ``layer_norm``, ``rms_norm``, ``group_norm``,
``instance_norm``,
``embedding``, ``one_hot``, ``dropout1d``, ``dropout2d``, ``dropout3d``, ``normalize``, ``cosine_similarity``,
``pairwise_distance``, ``scaled_dot_product_attention``.

Each is composed from existing differentiable ops (mean, biased variance, indexing, ``where``,
multiplication), whose gradients are exact, so none needs a backward of its own.
"""
import math
import numbers
import warnings

import numpy as np

from .. import argcheck, backend, factory
from ..functions import where

__all__ = ['layer_norm', 'rms_norm', 'group_norm', 'instance_norm', 'embedding', 'one_hot',
           'dropout1d', 'dropout2d', 'dropout3d', 'normalize', 'cosine_similarity',
           'pairwise_distance', 'scaled_dot_product_attention']


def _normalize(x, dims, eps):
    """``(x - mean) / sqrt(var + eps)`` over ``dims``, with the biased variance (as PyTorch)."""
    mean = x.mean(dims, keepdim=True)
    centred = x - mean
    var = (centred * centred).mean(dims, keepdim=True)
    return centred / (var + eps).sqrt()


def _check_affine(op, input, shape, **params):
    for name, t in params.items():
        if t is None:
            continue
        argcheck.like_input(op, input, **{name: t})
        if tuple(t.shape) != tuple(shape):
            raise RuntimeError(f'{op}: expected {name} of shape {tuple(shape)}, got shape '
                               f'{tuple(t.shape)}')


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Normalise over the last ``len(normalized_shape)`` dims (mean 0, biased variance 1), then
    scale by ``weight`` and shift by ``bias`` (both of ``normalized_shape``).

    Shape:
        input (*, *normalized_shape) -> the same.
    """
    argcheck.float_tensor('layer_norm', input)
    shape = _trailing_shape('layer_norm', input, normalized_shape)
    _check_affine('layer_norm', input, shape, weight=weight, bias=bias)
    k = len(shape)
    out = _normalize(input, tuple(range(input.ndim - k, input.ndim)), float(eps))
    if weight is not None:
        out = out * weight
    return out + bias if bias is not None else out


def _trailing_shape(op, input, normalized_shape):
    """``normalized_shape`` as a tuple, checked against the input's last dims."""
    shape = (int(normalized_shape),) if argcheck.is_int(normalized_shape) else \
        tuple(int(s) for s in normalized_shape)
    k = len(shape)
    if k == 0 or input.ndim < k or tuple(input.shape[input.ndim - k:]) != shape:
        raise RuntimeError(f'{op}: expected an input whose last dimensions are '
                           f'normalized_shape={list(shape)}, got input of shape {tuple(input.shape)}')
    return shape


def rms_norm(input, normalized_shape, weight=None, eps=None):
    """``x / sqrt(mean(x^2) + eps)`` over the last ``len(normalized_shape)`` dims, times
    ``weight``; ``eps=None`` is the machine epsilon of the input's dtype (as PyTorch).

    Shape:
        input (*, *normalized_shape) -> the same.
    """
    argcheck.float_tensor('rms_norm', input)
    shape = _trailing_shape('rms_norm', input, normalized_shape)
    _check_affine('rms_norm', input, shape, weight=weight)
    eps = float(np.finfo(input.dtype).eps) if eps is None else float(eps)
    dims = tuple(range(input.ndim - len(shape), input.ndim))
    out = input / ((input * input).mean(dims, keepdim=True) + eps).sqrt()
    return out * weight if weight is not None else out


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    """Split the channels (dim 1) into ``num_groups`` groups and normalise each group of each
    sample over its channels and positions; then apply the per-channel ``weight``/``bias``.

    Shape:
        input (N, C, *) -> the same; weight, bias (C,).
    """
    argcheck.float_tensor('group_norm', input)
    if input.ndim < 2:
        raise RuntimeError(f'group_norm: expected an input of shape (N, C, *), got shape '
                           f'{tuple(input.shape)}')
    n, c = input.shape[:2]
    if not argcheck.is_int(num_groups) or num_groups <= 0 or c % num_groups:
        raise RuntimeError(f'group_norm: expected the number of channels ({c}) to be divisible by '
                           f'num_groups, got num_groups={num_groups}')
    _check_affine('group_norm', input, (c,), weight=weight, bias=bias)
    if input.size(0) == 0 or math.prod(input.shape) == 0:
        out = input * 1.0
    else:
        out = _normalize(input.reshape(n, num_groups, -1), 2, float(eps)).reshape(input.shape)
    bshape = (1, c) + (1,) * (input.ndim - 2)
    if weight is not None:
        out = out * weight.reshape(bshape)
    return out + bias.reshape(bshape) if bias is not None else out


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None,
                  use_input_stats=True, momentum=0.1, eps=1e-5):
    """Normalise each channel of each sample over its positions, then apply the per-channel
    ``weight``/``bias``. With ``use_input_stats`` and running statistics given, these are updated
    in place with the batch average of the samples' statistics (unbiased variance), as PyTorch;
    without ``use_input_stats`` the running statistics are used instead.

    Shape:
        input (N, C, *) -> the same.
    """
    argcheck.float_tensor('instance_norm', input)
    if input.ndim < 3:
        raise RuntimeError(f'instance_norm: expected an input of shape (N, C, L, ...), got shape '
                           f'{tuple(input.shape)}')
    c = input.shape[1]
    _check_affine('instance_norm', input, (c,), weight=weight, bias=bias,
                  running_mean=running_mean, running_var=running_var)
    bshape = (1, c) + (1,) * (input.ndim - 2)
    dims = tuple(range(2, input.ndim))
    if use_input_stats:
        if input.numel() == 0:
            out = input * 1.0
        else:
            out = _normalize(input, dims, float(eps))
        if running_mean is not None and input.numel():
            n = math.prod(input.shape[2:])
            with_stats = input.detach()
            mean = with_stats.mean(dims)
            var = ((with_stats - mean.reshape(mean.shape + (1,) * len(dims))) ** 2).sum(dims) \
                / max(n - 1, 1)
            for run, stat in ((running_mean, mean), (running_var, var)):
                run.array *= 1.0 - momentum
                run.array += momentum * stat.mean(0).array
                run._bump_version()
    else:
        if running_mean is None or running_var is None:
            raise RuntimeError('instance_norm: running_mean and running_var are needed when not '
                               'using the input statistics')
        out = (input - running_mean.reshape(bshape)) / (running_var.reshape(bshape) + eps).sqrt()
    if weight is not None:
        out = out * weight.reshape(bshape)
    return out + bias.reshape(bshape) if bias is not None else out


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0,
              scale_grad_by_freq=False, sparse=False):
    """Rows of ``weight`` picked by the integer ``input``: ``weight[input]``.

    Args:
        input: integer indices in ``[0, num_embeddings)``, any shape.
        weight: (num_embeddings, embedding_dim).
        padding_idx: the row at this index gets no gradient (its value is still returned).
        max_norm, scale_grad_by_freq, sparse: not supported (a clear error unless left default).

    Shape:
        input (*) -> (*, embedding_dim).
    """
    argcheck.tensor('embedding', input)
    argcheck.tensor('embedding', weight, 'weight')
    if max_norm is not None or scale_grad_by_freq or sparse:
        raise NotImplementedError('embedding: max_norm, scale_grad_by_freq and sparse are not '
                                  'supported by minigrad')
    if not np.issubdtype(input.dtype, np.integer):
        raise RuntimeError(f'embedding: expected integer indices (Long or Int), got dtype '
                           f'{input.dtype} (use input.long())')
    if weight.ndim != 2:
        raise RuntimeError(f"embedding: 'weight' must be 2-D (num_embeddings, embedding_dim), got "
                           f'shape {tuple(weight.shape)}')
    argcheck.same_device('embedding', weight, indices=input)
    num = weight.shape[0]
    idx = input.array
    if idx.size and bool(((idx < 0) | (idx >= num)).any()):
        bad = int(idx[(idx < 0) | (idx >= num)].reshape(-1)[0])
        raise IndexError(f'embedding: index {bad} is out of range for {num} embeddings '
                         f'(valid: 0 to {num - 1})')
    out = weight[input]
    if padding_idx is not None:
        padding_idx = _padding_idx(padding_idx, num)
        if out.requires_grad:
            out = where((input == padding_idx).unsqueeze(-1), weight.detach()[input], out)
    return out


def _padding_idx(padding_idx, num_embeddings):
    """``padding_idx`` in ``[-num, num)`` as a non-negative index (PyTorch's rule)."""
    if not argcheck.is_int(padding_idx) or not -num_embeddings <= padding_idx < num_embeddings:
        raise ValueError(f'padding_idx must be within num_embeddings ({num_embeddings}), got '
                         f'{padding_idx!r}')
    return padding_idx + num_embeddings if padding_idx < 0 else int(padding_idx)


def _channel_dropout(op, input, p, training, batched_ndim):
    """Zero whole channels: the mask has one entry per (sample, channel), broadcast over the
    ``batched_ndim - 2`` trailing dims (an input one dim short is one unbatched sample)."""
    if not isinstance(p, numbers.Real) or not 0.0 <= p <= 1.0:
        raise ValueError(f'dropout probability has to be between 0 and 1, but got {p}')
    argcheck.tensor(op, input)
    if not training or p == 0.0:
        return input
    argcheck.floating(op, input)
    spatial = max(batched_ndim - 2, 0)
    lead = max(input.ndim - spatial, 1)
    shape = tuple(input.shape[:lead]) + (1,) * (input.ndim - lead)
    if p == 1.0:
        return input * factory.zeros(shape, dtype=input.dtype, device=input.device)
    keep = factory.rand(shape, dtype=input.dtype, device=input.device) >= p
    return input * (keep.to(input.dtype) * (1.0 / (1.0 - p)))


def dropout1d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels of an (N, C, L) or (C, L) input with probability ``p``, scaling the
    others by ``1 / (1 - p)``; the identity when not ``training``."""
    argcheck.tensor('dropout1d', input)
    if input.ndim not in (2, 3):
        raise RuntimeError(f'dropout1d: Expected 2D or 3D input, but received a {input.ndim}D '
                           'input. Note that dropout1d exists to provide channel-wise dropout on '
                           'inputs with 1 spatial dimension, a channel dimension, and an optional '
                           'batch dimension (i.e. 2D or 3D inputs).')
    return _channel_dropout('dropout1d', input, p, training, 3)


def dropout2d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels: each ``(n, c)`` feature map is zeroed with probability ``p``, the
    others scaled by ``1 / (1 - p)``; the identity when not ``training``. A 3-D input is taken as
    (N, C, L) with a warning, as PyTorch 2.13 does.

    Shape:
        (N, C, H, W) -> the same.
    """
    argcheck.tensor('dropout2d', input)
    if input.ndim not in (3, 4):
        warnings.warn(f'dropout2d: Received a {input.ndim}-D input to dropout2d, which is '
                      'deprecated and will result in an error in a future release. To retain the '
                      'behavior and silence this warning, please use dropout instead.',
                      UserWarning, stacklevel=2)
    elif input.ndim == 3:
        warnings.warn('dropout2d: Received a 3D input to dropout2d and assuming that channel-wise '
                      '1D dropout behavior is desired - input is interpreted as shape (N, C, L), '
                      'where C is the channel dim.', UserWarning, stacklevel=2)
    return _channel_dropout('dropout2d', input, p, training, min(input.ndim, 4))


def dropout3d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels of an (N, C, D, H, W) or (C, D, H, W) input with probability ``p``."""
    argcheck.tensor('dropout3d', input)
    if input.ndim not in (4, 5):
        warnings.warn(f'dropout3d: Received a {input.ndim}-D input to dropout3d, which is '
                      'deprecated and will result in an error in a future release. To retain the '
                      'behavior and silence this warning, please use dropout instead.',
                      UserWarning, stacklevel=2)
    return _channel_dropout('dropout3d', input, p, training, 5 if input.ndim >= 4 else input.ndim)

def one_hot(tensor, num_classes=-1):
    """An int64 tensor of shape ``tensor.shape + (num_classes,)`` with a 1 at each index
    (``num_classes=-1``: one more than the largest index). Not differentiable, as PyTorch."""
    argcheck.tensor('one_hot', tensor, 'tensor')
    if not np.issubdtype(tensor.dtype, np.integer):
        raise RuntimeError(f'one_hot is only applicable to index tensor of integer dtype, got '
                           f'{tensor.dtype}')
    idx = tensor.array
    if num_classes == -1:
        if idx.size == 0:
            raise RuntimeError('Can not infer total number of classes from empty tensor.')
        num_classes = int(idx.max()) + 1
    if idx.size and (int(idx.min()) < 0 or int(idx.max()) >= num_classes):
        raise RuntimeError(f'one_hot: class values must be in [0, {num_classes}), got values from '
                           f'{int(idx.min())} to {int(idx.max())}')
    xp = backend.get_array_module(idx)
    out = (idx[..., None] == xp.arange(num_classes)).astype(np.int64)
    return tensor._wrap(out)


def _pnorm(x, p, dim, keepdim=True):
    """The p-norm along ``dim``, written so that an all-zero slice has norm 0 and gradient 0 (no
    ``0 ** (1/p)`` in the graph, whose gradient would be NaN)."""
    a = x.abs()
    total = (a * a if p == 2.0 else a ** p).sum(dim, keepdim=keepdim)
    nonzero = total > 0
    safe = where(nonzero, total, 1.0)
    return where(nonzero, safe.sqrt() if p == 2.0 else safe ** (1.0 / p), 0.0)


def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    """``x / max(||x||_p, eps)`` along ``dim`` (unit vectors; an all-zero slice stays zero with
    zero gradient, as PyTorch).

    Shape:
        any -> the same.
    """
    argcheck.float_tensor('normalize', input)
    if out is not None:
        raise NotImplementedError('normalize: out= is not supported by minigrad')
    return input / _pnorm(input, float(p), dim).clip(min=float(eps))


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """``sum(x1 * x2) / (max(||x1||, eps) * max(||x2||, eps))`` along ``dim`` (the inputs
    broadcast). As PyTorch, the clamp at ``eps`` changes the value, not the gradient's path.

    Shape:
        x1, x2 broadcastable -> their broadcast shape without ``dim``.
    """
    argcheck.float_tensor('cosine_similarity', x1, 'x1')
    argcheck.like_input('cosine_similarity', x1, x2=x2)
    norms = []
    for x in (x1, x2):
        n = _pnorm(x, 2.0, dim)
        norms.append(n + (n.clip(min=float(eps)) - n).detach())
    return ((x1 / norms[0]) * (x2 / norms[1])).sum(dim)


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    """``||x1 - x2 + eps||_p`` along the last dim (the inputs broadcast).

    Shape:
        (N, D), (N, D) -> (N,) (or (N, 1) with ``keepdim``).
    """
    argcheck.float_tensor('pairwise_distance', x1, 'x1')
    argcheck.like_input('pairwise_distance', x1, x2=x2)
    return _pnorm(x1 - x2 + float(eps), float(p), -1, keepdim)


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False,
                                 scale=None, enable_gqa=False):
    """``softmax(Q K^T * scale + mask) V`` (attention), composed from matmul and softmax.

    Args:
        query, key, value: (..., L, E), (..., S, E), (..., S, Ev); leading dims broadcast.
        attn_mask: a bool mask (True: attend) or a float mask added to the scores, broadcastable
            to (..., L, S).
        dropout_p: dropout on the attention weights (always applied when > 0, as PyTorch).
        is_causal: attend to positions ``<=`` the query's only (no ``attn_mask`` then).
        scale: default ``1 / sqrt(E)``.
        enable_gqa: not supported (a clear error).

    Shape:
        -> (..., L, Ev).
    """
    argcheck.float_tensor('scaled_dot_product_attention', query, 'query')
    argcheck.like_input('scaled_dot_product_attention', query, key=key, value=value)
    if enable_gqa:
        raise NotImplementedError('scaled_dot_product_attention: enable_gqa is not supported')
    if is_causal and attn_mask is not None:
        raise RuntimeError('_scaled_dot_product_attention: Explicit attn_mask should not be set '
                           'when is_causal=True')
    L, S = query.shape[-2], key.shape[-2]
    scale = 1.0 / math.sqrt(query.shape[-1]) if scale is None else float(scale)
    scores = (query @ key.transpose(-2, -1)) * scale
    if is_causal:
        xp = backend.get_array_module(query.array)
        attn_mask = query._wrap(xp.tril(xp.ones((L, S), dtype=bool)))
    if attn_mask is not None:
        if attn_mask.dtype == np.bool_:
            scores = where(attn_mask, scores, float('-inf'))
        else:
            scores = scores + attn_mask
    weights = scores.softmax(-1)
    if dropout_p > 0.0:                   # elementwise: a "channel" of one element
        weights = _channel_dropout('scaled_dot_product_attention', weights, dropout_p, True, 2)
    return weights @ value

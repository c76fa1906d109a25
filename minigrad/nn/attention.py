"""MultiheadAttention, as ``torch.nn.MultiheadAttention`` (Vaswani et al.), composed from
``F.linear``, matmul and softmax with PyTorch's parameter names and mask conventions."""
import math

import numpy as np

from .. import backend, factory
from ..functions import where
from ..dtypes import get_default_dtype
from . import init
from .functional_layers import _channel_dropout
from .linear import Linear
from .module import Module
from .parameter import Parameter

__all__ = ['MultiheadAttention']


class NonDynamicallyQuantizableLinear(Linear):
    """A Linear (PyTorch's name for the output projection of MultiheadAttention)."""


def _additive(mask, dtype):
    """A bool mask (True: masked out, as MultiheadAttention's) or a float mask, as a float mask
    to add to the attention scores."""
    if mask is None:
        return None
    if mask.dtype == np.bool_:
        zeros = factory.zeros(*mask.shape, dtype=dtype, device=mask.device)
        return where(mask, float('-inf'), zeros)
    return mask.to(dtype)


class MultiheadAttention(Module):
    """Attention over ``num_heads`` heads of size ``embed_dim // num_heads``: project the query,
    key and value (``in_proj_weight`` stacks the three), attend, concatenate the heads and
    project (``out_proj``).

    Args:
        embed_dim: E.
        num_heads: the number of heads (must divide E).
        dropout: dropout on the attention weights, in training.
        bias: learn ``in_proj_bias`` and ``out_proj.bias``.
        add_bias_kv, add_zero_attn, kdim, vdim: PyTorch's options for other key/value layouts,
            not supported (a clear error unless left default).
        batch_first: inputs and output as (N, L, E) instead of (L, N, E).

    ``forward(query, key, value, key_padding_mask=None, need_weights=True, attn_mask=None,
    average_attn_weights=True, is_causal=False)`` returns ``(output, weights)``; masks are bool
    (True: do not attend) or float (added to the scores); ``weights`` are averaged over the heads
    unless ``average_attn_weights=False``, and None without ``need_weights``.
    """

    def __init__(self, embed_dim, num_heads, dropout=0.0, bias=True, add_bias_kv=False,
                 add_zero_attn=False, kdim=None, vdim=None, batch_first=False, device=None,
                 dtype=None):
        super().__init__()
        if add_bias_kv or add_zero_attn or kdim not in (None, embed_dim) \
                or vdim not in (None, embed_dim):
            raise NotImplementedError('MultiheadAttention: add_bias_kv, add_zero_attn and '
                                      'kdim/vdim other than embed_dim are not supported')
        if embed_dim <= 0 or num_heads <= 0 or embed_dim % num_heads:
            raise ValueError(f'embed_dim must be divisible by num_heads, got embed_dim='
                             f'{embed_dim} and num_heads={num_heads}')
        self.embed_dim, self.num_heads, self.dropout = embed_dim, num_heads, dropout
        self.head_dim, self.batch_first = embed_dim // num_heads, batch_first
        self.kdim = self.vdim = embed_dim
        fdt = dtype or get_default_dtype()
        self.in_proj_weight = Parameter(factory.empty(3 * embed_dim, embed_dim, dtype=fdt,
                                                      device=device))
        self.register_parameter('in_proj_bias', Parameter(factory.empty(
            3 * embed_dim, dtype=fdt, device=device)) if bias else None)
        self.out_proj = NonDynamicallyQuantizableLinear(embed_dim, embed_dim, bias=bias,
                                                        device=device, dtype=dtype)
        self._reset_parameters()

    def _reset_parameters(self):
        init.xavier_uniform_(self.in_proj_weight)
        if self.in_proj_bias is not None:
            init.constant_(self.in_proj_bias, 0.0)
            init.constant_(self.out_proj.bias, 0.0)

    def forward(self, query, key, value, key_padding_mask=None, need_weights=True,
                attn_mask=None, average_attn_weights=True, is_causal=False):
        batched = query.ndim == 3
        if not batched:
            query, key, value = (t.unsqueeze(1) for t in (query, key, value))
            if key_padding_mask is not None:
                key_padding_mask = key_padding_mask.unsqueeze(0)
        elif self.batch_first:
            query, key, value = (t.transpose(0, 1) for t in (query, key, value))
        L, N, E = query.shape
        S, H, D = key.shape[0], self.num_heads, self.head_dim
        if E != self.embed_dim:
            raise RuntimeError(f'MultiheadAttention: was expecting embedding dimension of '
                               f'{self.embed_dim}, but got {E}')
        w, b = self.in_proj_weight, self.in_proj_bias
        q, k, v = ((x @ w[i * E:(i + 1) * E].T + (b[i * E:(i + 1) * E] if b is not None else 0.0))
                   for i, x in enumerate((query, key, value)))

        def heads(x, n):                   # (n, N, E) -> (N, H, n, D)
            return x.reshape(n, N, H, D).permute(1, 2, 0, 3)
        q, k, v = heads(q, L), heads(k, S), heads(v, S)
        scores = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(D))
        if is_causal and attn_mask is None:
            xp = backend.get_array_module(query.array)
            attn_mask = query._wrap(xp.triu(xp.ones((L, S), dtype=bool), 1))
        mask = _additive(attn_mask, scores.dtype)
        if mask is not None:
            scores = scores + (mask.reshape(N, H, L, S) if mask.ndim == 3 else mask)
        pad = _additive(key_padding_mask, scores.dtype)
        if pad is not None:
            scores = scores + pad.reshape(N, 1, 1, S)
        weights = scores.softmax(-1)
        dropped = weights
        if self.dropout > 0.0 and self.training:
            dropped = _channel_dropout('MultiheadAttention', weights, self.dropout, True, 2)
        out = (dropped @ v).permute(2, 0, 1, 3).reshape(L, N, E)
        out = self.out_proj(out)
        if not batched:
            out = out.squeeze(1)
        elif self.batch_first:
            out = out.transpose(0, 1)
        if not need_weights:
            return out, None
        if average_attn_weights:
            weights = weights.mean(1)
        return out, (weights if batched else weights.squeeze(0))

"""TransformerEncoderLayer and TransformerEncoder, as ``torch.nn`` (Vaswani et al.): self-attention
and a feed-forward block, each with a residual connection, dropout and LayerNorm (after the
block, or before it with ``norm_first``); the module names are PyTorch's, so state dicts load."""
import copy

from . import functional as F
from .attention import MultiheadAttention
from .containers import ModuleList
from .dropout import Dropout
from .linear import Linear
from .module import Module
from .normalization import LayerNorm

__all__ = ['TransformerEncoderLayer', 'TransformerEncoder']


def _activation(activation):
    if callable(activation):
        return activation
    if activation == 'relu':
        return F.relu
    if activation == 'gelu':
        return F.gelu
    raise RuntimeError(f'activation should be relu/gelu, not {activation}')


class TransformerEncoderLayer(Module):
    """One encoder layer: ``x + dropout(self_attn(x))`` then ``x + dropout(ff(x))``, each
    followed (or, with ``norm_first``, preceded) by a LayerNorm; ``ff`` is ``linear2(dropout(
    activation(linear1(x))))``.

    Args:
        d_model: the embedding size E.
        nhead: the number of attention heads.
        dim_feedforward: the hidden size of the feed-forward block (default 2048).
        dropout: the dropout probability (default 0.1).
        activation: 'relu', 'gelu' or a function.
        layer_norm_eps: the LayerNorms' eps.
        batch_first: inputs as (N, L, E) instead of (L, N, E).
        norm_first: normalise before each block instead of after.
        bias: learn the biases of the linear layers and the LayerNorms.

    Shape:
        src (L, N, E) ((N, L, E) with ``batch_first``) or (L, E) -> the same.
    """

    def __init__(self, d_model, nhead, dim_feedforward=2048, dropout=0.1, activation=F.relu,
                 layer_norm_eps=1e-5, batch_first=False, norm_first=False, bias=True,
                 device=None, dtype=None):
        super().__init__()
        kw = dict(device=device, dtype=dtype)
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias,
                                            batch_first=batch_first, **kw)
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, **kw)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, **kw)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **kw)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **kw)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        self.activation = _activation(activation)

    def _sa_block(self, x, attn_mask, key_padding_mask, is_causal):
        x = self.self_attn(x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask,
                           need_weights=False, is_causal=is_causal)[0]
        return self.dropout1(x)

    def _ff_block(self, x):
        return self.dropout2(self.linear2(self.dropout(self.activation(self.linear1(x)))))

    def forward(self, src, src_mask=None, src_key_padding_mask=None, is_causal=False):
        x = src
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), src_mask, src_key_padding_mask, is_causal)
            return x + self._ff_block(self.norm2(x))
        x = self.norm1(x + self._sa_block(x, src_mask, src_key_padding_mask, is_causal))
        return self.norm2(x + self._ff_block(x))


class TransformerEncoder(Module):
    """``num_layers`` copies of ``encoder_layer`` (deep copies: their own parameters) applied in
    turn, then ``norm`` if given.

    Args:
        encoder_layer: a TransformerEncoderLayer to copy.
        num_layers: how many layers.
        norm: an optional final normalisation module.
        enable_nested_tensor, mask_check: accepted for compatibility (no nested tensors here).
    """

    def __init__(self, encoder_layer, num_layers, norm=None, enable_nested_tensor=True,
                 mask_check=True):
        super().__init__()
        self.layers = ModuleList([copy.deepcopy(encoder_layer) for _ in range(num_layers)])
        self.num_layers = num_layers
        self.norm = norm

    def forward(self, src, mask=None, src_key_padding_mask=None, is_causal=None):
        out = src
        for layer in self.layers:
            out = layer(out, src_mask=mask, src_key_padding_mask=src_key_padding_mask,
                        is_causal=bool(is_causal))
        return self.norm(out) if self.norm is not None else out

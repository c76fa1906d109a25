"""EmbeddingBag and ``F.embedding_bag``: the sum, mean or max of the embeddings of each bag of
indices, as PyTorch's (the text-classification tutorial's layer).

Composed from Tensor ops: the rows are looked up once (``embedding``); ``sum`` and ``mean`` are
one matrix product with a (bags, indices) matrix of weights (1, the per-sample weight, or
1/bag size; 0 for ``padding_idx``); ``max`` pads the bags to one length with -inf and takes
``max`` over it. Gradients reach the weight (and ``per_sample_weights``) through autograd.
"""
import numpy as np

from .. import argcheck, backend
from ..functions import where
from ..tensor import Tensor
from .functional_layers import _padding_idx, embedding
from .sparse import Embedding

__all__ = ['EmbeddingBag', 'embedding_bag']


def _bags(op, input, offsets, include_last_offset, xp):
    """(flat indices, bag of each index, number of bags)."""
    if input.ndim == 2:
        if offsets is not None:
            raise ValueError(f'{op}: if input is 2-D, then offsets has to be None, as input is '
                             'treated as a mini-batch of fixed length sequences')
        B, L = input.shape
        return input.reshape(-1), xp.repeat(xp.arange(B), L), B
    if input.ndim != 1:
        raise ValueError(f'{op}: input has to be 1-D or 2-D, got a {input.ndim}-D input of shape '
                         f'{tuple(input.shape)}')
    if offsets is None or offsets.ndim != 1:
        raise ValueError(f'{op}: a 1-D input needs 1-D offsets (the start of each bag), got '
                         f'{None if offsets is None else tuple(offsets.shape)}')
    starts = np.asarray(backend.asnumpy(offsets.array), dtype=np.int64)
    n = input.shape[0]
    if starts.size and starts[0] != 0:
        raise ValueError(f'{op}: offsets[0] has to be 0, i.e., the first sequence in the '
                         f'mini-batch has to start from position 0. However, got {starts[0]}')
    if include_last_offset:
        starts, n_bags = starts[:-1], max(starts.size - 1, 0)
    else:
        n_bags = starts.size
    if (np.diff(starts) < 0).any() or (starts.size and starts[-1] > n):
        raise ValueError(f'{op}: offsets must be non-decreasing and at most len(input)={n}, got '
                         f'{starts.tolist()}')
    bag_of = np.searchsorted(starts, np.arange(n), side='right') - 1
    return input, xp.asarray(bag_of), n_bags


def embedding_bag(input, weight, offsets=None, max_norm=None, norm_type=2, scale_grad_by_freq=False,
                  mode='mean', sparse=False, per_sample_weights=None, include_last_offset=False,
                  padding_idx=None):
    """The ``mode`` ('sum', 'mean' or 'max') of the rows of ``weight`` in each bag, as
    ``torch.nn.functional.embedding_bag``.

    Args:
        input: a 2-D (B, L) integer tensor (B bags of L indices), or a 1-D one cut into bags at
            ``offsets`` (the start of each bag; with ``include_last_offset`` the last entry is
            the end).
        weight: (num_embeddings, embedding_dim).
        mode: 'sum', 'mean' or 'max'; an empty bag gives zeros.
        per_sample_weights: a float tensor shaped as ``input`` scaling each row (mode 'sum').
        padding_idx: indices equal to this are left out of their bag.
        max_norm, scale_grad_by_freq, sparse: only their defaults.

    Shape:
        (B, embedding_dim).
    """
    op = 'embedding_bag'
    argcheck.tensor(op, input)
    argcheck.float_tensor(op, weight, 'weight')
    if mode not in ('sum', 'mean', 'max'):
        raise ValueError(f"{op}: mode has to be one of sum, mean or max, got {mode!r}")
    if per_sample_weights is not None:
        if mode != 'sum':
            raise NotImplementedError(f"{op}: per_sample_weights is only supported for "
                                      f"mode='sum', got mode={mode!r}")
        argcheck.like_input(op, weight, per_sample_weights=per_sample_weights)
        if tuple(per_sample_weights.shape) != tuple(input.shape):
            raise ValueError(f'{op}: per_sample_weights (shape {tuple(per_sample_weights.shape)})'
                             f' must have the shape of input ({tuple(input.shape)})')
    xp = backend.xp_of_device(weight.device)
    flat, bag_of, B = _bags(op, input, offsets, include_last_offset, xp)
    rows = embedding(flat, weight, max_norm=max_norm, scale_grad_by_freq=scale_grad_by_freq,
                     sparse=sparse)                                     # (N, D)
    keep = xp.ones(flat.shape[0], dtype=bool)
    if padding_idx is not None:
        keep = flat.array != _padding_idx(padding_idx, weight.shape[0])
    if mode == 'max':
        return _bag_max(rows, bag_of, keep, B, xp)
    member = (bag_of[None, :] == xp.arange(B)[:, None]) & keep[None, :]  # (B, N)
    m = member.astype(weight.dtype)
    if mode == 'mean':
        m /= xp.maximum(m.sum(axis=1, keepdims=True), 1)
    m = Tensor._wrap(m)
    if per_sample_weights is not None:
        m = m * per_sample_weights.reshape(1, -1)
    return m @ rows


def _bag_max(rows, bag_of, keep, B, xp):
    """The elementwise max of each bag's rows (zeros for an empty bag)."""
    pos = xp.nonzero(keep)[0]
    bags = bag_of[pos]
    counts = xp.bincount(bags, minlength=B) if pos.size else xp.zeros(B, dtype=np.int64)
    L = max(int(counts.max()) if B else 0, 1)
    first = xp.concatenate([xp.zeros(1, dtype=np.int64), xp.cumsum(counts)[:-1]])
    slot = xp.arange(pos.size) - first[bags]                   # the place of each row in its bag
    index = xp.zeros((B, L), dtype=np.int64)
    valid = xp.zeros((B, L), dtype=bool)
    index[bags, slot], valid[bags, slot] = pos, True
    fill = xp.where(valid, 0.0, -np.inf).astype(rows.dtype)[..., None]
    best, _ = (rows[index] + Tensor._wrap(fill)).max(dim=1)       # (B, D)
    nonempty = Tensor._wrap((counts > 0)[:, None])
    return where(nonempty, best, Tensor._wrap(xp.zeros((), dtype=rows.dtype)))


class EmbeddingBag(Embedding):
    """The ``mode`` ('sum', 'mean' or 'max') of the embeddings of each bag of indices, without
    building the (B, L, D) tensor of all of them (see ``embedding_bag``).

    Args:
        num_embeddings, embedding_dim: the table's size.
        mode: 'sum', 'mean' (default) or 'max'.
        include_last_offset: the offsets end with the input's length.
        padding_idx: this row starts at zeros, gets no gradient and is left out of bags.
        max_norm, norm_type, scale_grad_by_freq, sparse, _weight, device, dtype: as Embedding.

    Shape:
        ``forward(input, offsets=None, per_sample_weights=None)``: (B, L) or 1-D input with
        offsets -> (B, embedding_dim).

    Attributes:
        weight: (num_embeddings, embedding_dim), N(0, 1) as PyTorch.
    """

    def __init__(self, num_embeddings, embedding_dim, max_norm=None, norm_type=2.0,
                 scale_grad_by_freq=False, mode='mean', sparse=False, _weight=None,
                 include_last_offset=False, padding_idx=None, device=None, dtype=None):
        if mode not in ('sum', 'mean', 'max'):
            raise ValueError(f"EmbeddingBag: mode has to be one of sum, mean or max, got {mode!r}")
        super().__init__(num_embeddings, embedding_dim, padding_idx, max_norm, norm_type,
                         scale_grad_by_freq, sparse, _weight, device=device, dtype=dtype)
        self.mode, self.include_last_offset = mode, include_last_offset

    @classmethod
    def from_pretrained(cls, embeddings, freeze=True, max_norm=None, norm_type=2.0,
                        scale_grad_by_freq=False, mode='mean', sparse=False,
                        include_last_offset=False, padding_idx=None):
        """An EmbeddingBag whose weight is ``embeddings`` (2-D), frozen unless ``freeze=False``."""
        m = cls(embeddings.shape[0], embeddings.shape[1], max_norm, norm_type,
                scale_grad_by_freq, mode, sparse, embeddings, include_last_offset, padding_idx)
        m.weight.requires_grad = not freeze
        return m

    def forward(self, input, offsets=None, per_sample_weights=None):
        return embedding_bag(input, self.weight, offsets, self.max_norm, self.norm_type,
                             self.scale_grad_by_freq, self.mode, self.sparse, per_sample_weights,
                             self.include_last_offset, self.padding_idx)

    def extra_repr(self):
        s = f"{self.num_embeddings}, {self.embedding_dim}, mode='{self.mode}'"
        return s + (f', padding_idx={self.padding_idx}' if self.padding_idx is not None else '')

"""Embedding: a lookup table of learnable vectors, as ``torch.nn.Embedding``."""
from .. import factory
from ..autograd import no_grad
from ..dtypes import get_default_dtype
from . import init
from .functional_layers import _padding_idx, embedding
from .module import Module
from .parameter import Parameter

__all__ = ['Embedding']


class Embedding(Module):
    """Row ``i`` of ``weight`` for each index ``i`` of the input.

    Args:
        num_embeddings: the number of rows (the size of the vocabulary).
        embedding_dim: the length of each row.
        padding_idx: this row is initialised to zeros and gets no gradient.
        max_norm, norm_type, scale_grad_by_freq, sparse: accepted as PyTorch's; the options
            other than the defaults are not supported (a clear error).
        device, dtype: where and in what float type to create the weight.

    Shape:
        input (*) integer -> (*, embedding_dim).

    Attributes:
        weight: (num_embeddings, embedding_dim), initialised N(0, 1) as in PyTorch.
    """

    def __init__(self, num_embeddings, embedding_dim, padding_idx=None, max_norm=None,
                 norm_type=2.0, scale_grad_by_freq=False, sparse=False, _weight=None,
                 _freeze=False, device=None, dtype=None):
        super().__init__()
        if max_norm is not None or scale_grad_by_freq or sparse:
            raise NotImplementedError('Embedding: max_norm, scale_grad_by_freq and sparse are '
                                      'not supported by minigrad')
        self.num_embeddings = int(num_embeddings)
        self.embedding_dim = int(embedding_dim)
        self.padding_idx = None if padding_idx is None else _padding_idx(padding_idx,
                                                                         self.num_embeddings)
        self.max_norm, self.norm_type = max_norm, norm_type
        self.scale_grad_by_freq, self.sparse = scale_grad_by_freq, sparse
        shape = (self.num_embeddings, self.embedding_dim)
        if _weight is None:
            self.weight = Parameter(factory.empty(*shape, dtype=dtype or get_default_dtype(),
                                                  device=device), requires_grad=not _freeze)
            self.reset_parameters()
        else:
            if tuple(_weight.shape) != shape:
                raise ValueError(f'Shape of weight {tuple(_weight.shape)} does not match '
                                 f'num_embeddings and embedding_dim {shape}')
            self.weight = Parameter(_weight, requires_grad=not _freeze)

    def reset_parameters(self):
        init.normal_(self.weight)
        if self.padding_idx is not None:
            with no_grad():
                self.weight.array[self.padding_idx] = 0
            self.weight._bump_version()

    @classmethod
    def from_pretrained(cls, embeddings, freeze=True, padding_idx=None, max_norm=None,
                        norm_type=2.0, scale_grad_by_freq=False, sparse=False):
        """An Embedding whose weight is ``embeddings`` (2-D), frozen unless ``freeze=False``."""
        if embeddings.ndim != 2:
            raise ValueError('Embeddings parameter is expected to be 2-dimensional, got shape '
                             f'{tuple(embeddings.shape)}')
        rows, cols = embeddings.shape
        return cls(rows, cols, padding_idx, max_norm, norm_type, scale_grad_by_freq, sparse,
                   _weight=embeddings, _freeze=freeze)

    def forward(self, input):
        return embedding(input, self.weight, self.padding_idx)

    def extra_repr(self):
        s = f'{self.num_embeddings}, {self.embedding_dim}'
        return s + (f', padding_idx={self.padding_idx}' if self.padding_idx is not None else '')

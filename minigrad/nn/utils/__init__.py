"""``torch.nn.utils``' names: gradient clipping, parameters as one vector, and ``rnn``
(packed and padded sequences)."""
from .clip_grad import clip_grad_norm_, clip_grad_value_, get_total_norm
from . import rnn
from .convert_parameters import parameters_to_vector, vector_to_parameters

__all__ = ['clip_grad_norm_', 'clip_grad_value_', 'get_total_norm', 'parameters_to_vector',
           'vector_to_parameters', 'rnn']

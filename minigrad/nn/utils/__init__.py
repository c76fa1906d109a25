"""``torch.nn.utils``' names: gradient clipping, parameters as one vector, weight and spectral
norm (hooks, and ``parametrize``/``parametrizations``), and ``rnn`` (packed and padded
sequences)."""
from .clip_grad import clip_grad_norm_, clip_grad_value_, get_total_norm
from . import parametrizations, parametrize, rnn
from .convert_parameters import parameters_to_vector, vector_to_parameters
from .norms import remove_spectral_norm, remove_weight_norm, spectral_norm, weight_norm

__all__ = ['clip_grad_norm_', 'clip_grad_value_', 'get_total_norm', 'parameters_to_vector',
           'vector_to_parameters', 'rnn', 'weight_norm', 'remove_weight_norm', 'spectral_norm',
           'remove_spectral_norm', 'parametrize', 'parametrizations']

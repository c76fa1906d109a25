"""``torch.nn.utils``' names: gradient clipping, parameters as one vector, weight and spectral
norm (hooks, and ``parametrize``/``parametrizations``), and ``rnn`` (packed and padded
sequences)."""
from .clip_grad import clip_grad_norm_, clip_grad_value_, get_total_norm
from . import parametrizations, parametrize, rnn, stateless
from .convert_parameters import parameters_to_vector, vector_to_parameters
from .fusion import (clip_grad_norm, clip_grads_with_norm_, fuse_conv_bn_eval, fuse_conv_bn_weights,
                     fuse_linear_bn_eval, fuse_linear_bn_weights, skip_init)
from .norms import remove_spectral_norm, remove_weight_norm, spectral_norm, weight_norm

__all__ = ['clip_grad_norm_', 'clip_grad_value_', 'get_total_norm', 'parameters_to_vector',
           'vector_to_parameters', 'rnn', 'weight_norm', 'remove_weight_norm', 'spectral_norm',
           'remove_spectral_norm', 'parametrize', 'parametrizations',
           'stateless', 'clip_grad_norm', 'clip_grads_with_norm_', 'fuse_conv_bn_eval',
           'fuse_conv_bn_weights', 'fuse_linear_bn_eval', 'fuse_linear_bn_weights', 'skip_init']

"""More names of ``torch.nn.functional``, re-exported by ``nn.functional``:
activations (``functional_activation``), layer functions (``functional_layers``) and losses
(``functional_loss``, ``functional_margin``)."""
from .functional_activation import (celu, elu, gelu, glu, hardshrink, hardsigmoid, hardswish,
                                   hardtanh, logsigmoid, mish, prelu, relu6, selu, silu, softmin,
                                   softplus, softshrink, softsign, tanhshrink, threshold)
from .functional_conv_transpose import conv1d, conv_transpose1d, conv_transpose2d
from .functional_resize import (channel_shuffle, interpolate, pixel_shuffle, pixel_unshuffle,
                               upsample, upsample_bilinear, upsample_nearest)
from .functional_extra import (alpha_dropout, bilinear, feature_alpha_dropout, fold,
                               local_response_norm, pdist, unfold)
from .functional_pool import (adaptive_avg_pool1d, adaptive_max_pool1d,
                              adaptive_max_pool1d_with_indices, adaptive_max_pool2d_with_indices,
                              avg_pool1d, lp_pool1d, lp_pool2d, max_pool1d, max_pool1d_with_indices,
                              max_pool2d_with_indices, max_unpool1d, max_unpool2d)
from .functional_inplace import (celu_, elu_, hardtanh_, leaky_relu_, relu_, rrelu, rrelu_, selu_,
                                 threshold_)
from .embedding_bag import embedding_bag
from .functional_sample import affine_grid, grid_sample
from .functional_loss_more import (gaussian_nll_loss, gumbel_softmax, multi_margin_loss,
                                   multilabel_margin_loss, triplet_margin_with_distance_loss)
from .functional_conv3d import (adaptive_avg_pool3d, adaptive_max_pool3d, avg_pool3d, conv3d,
                                conv_transpose3d, lp_pool3d, max_pool3d)
from .functional_ctc import ctc_loss
from .functional_layers import (cosine_similarity, dropout1d, dropout2d, dropout3d, embedding,
                                group_norm, instance_norm, layer_norm, normalize, one_hot,
                                pairwise_distance, rms_norm, scaled_dot_product_attention)
from .functional_loss import (binary_cross_entropy, binary_cross_entropy_with_logits, huber_loss,
                              kl_div, l1_loss, smooth_l1_loss)
from .functional_margin import (cosine_embedding_loss, hinge_embedding_loss, margin_ranking_loss,
                                multilabel_soft_margin_loss, poisson_nll_loss, soft_margin_loss,
                                triplet_margin_loss)

__all__ = ['gelu', 'silu', 'logsigmoid', 'elu', 'softplus', 'mish', 'softsign', 'hardtanh',
           'relu6', 'hardsigmoid', 'hardswish', 'prelu', 'selu', 'celu', 'threshold', 'glu',
           'softshrink', 'hardshrink', 'tanhshrink', 'softmin', 'normalize', 'one_hot',
           'layer_norm', 'group_norm', 'embedding', 'dropout1d', 'dropout2d', 'dropout3d',
           'binary_cross_entropy', 'binary_cross_entropy_with_logits', 'l1_loss', 'smooth_l1_loss',
           'huber_loss', 'kl_div', 'cosine_similarity', 'pairwise_distance', 'rms_norm',
           'instance_norm', 'margin_ranking_loss', 'hinge_embedding_loss', 'soft_margin_loss',
           'cosine_embedding_loss', 'triplet_margin_loss', 'multilabel_soft_margin_loss',
           'poisson_nll_loss', 'scaled_dot_product_attention', 'conv1d', 'conv_transpose1d',
           'conv_transpose2d', 'interpolate', 'upsample', 'upsample_nearest', 'upsample_bilinear',
           'pixel_shuffle', 'pixel_unshuffle', 'channel_shuffle', 'unfold', 'fold',
           'local_response_norm', 'bilinear', 'alpha_dropout', 'feature_alpha_dropout',
           'max_pool1d', 'avg_pool1d', 'adaptive_avg_pool1d', 'adaptive_max_pool1d',
           'max_unpool1d', 'max_unpool2d', 'max_pool1d_with_indices', 'max_pool2d_with_indices',
           'adaptive_max_pool1d_with_indices', 'adaptive_max_pool2d_with_indices', 'relu_', 'elu_',
           'leaky_relu_', 'hardtanh_', 'threshold_', 'selu_', 'celu_', 'rrelu', 'rrelu_',
           'affine_grid', 'grid_sample', 'embedding_bag', 'lp_pool1d', 'lp_pool2d',
           'gaussian_nll_loss', 'multi_margin_loss', 'multilabel_margin_loss',
           'triplet_margin_with_distance_loss', 'gumbel_softmax', 'conv3d', 'max_pool3d',
           'avg_pool3d', 'adaptive_avg_pool3d', 'ctc_loss', 'adaptive_max_pool3d', 'lp_pool3d',
           'pdist', 'conv_transpose3d']

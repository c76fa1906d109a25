"""Neural-network building blocks, shaped like ``torch.nn``.

    import minigrad as mg
    import minigrad.nn as nn
    import minigrad.nn.functional as F

    model = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))
    loss = F.cross_entropy(model(x), y)
"""
from . import functional, init, parallel, utils
from .activation import (CELU, ELU, GELU, GLU, SELU, Hardshrink, Hardsigmoid, Hardswish, Hardtanh,
                         LeakyReLU, LogSigmoid, LogSoftmax, Mish, PReLU, ReLU, ReLU6, Sigmoid, SiLU,
                         Softmax, Softmax2d, Softmin, Softplus, Softshrink, Softsign, Tanh,
                         Tanhshrink, Threshold, RReLU)
from .conv import Conv2d
from .conv3d import (AdaptiveAvgPool3d, AdaptiveMaxPool3d, AvgPool3d, Conv3d, LPPool3d,
                     MaxPool3d)
from .conv_transpose import Conv1d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d
from .distance import CosineSimilarity, PairwiseDistance
from .dropout import AlphaDropout, Dropout, Dropout1d, Dropout2d, Dropout3d, FeatureAlphaDropout
from .fold import Fold, LocalResponseNorm, Unfold
from .embedding_bag import EmbeddingBag
from .flatten import Flatten, Unflatten
from .lazy import (LazyBatchNorm1d, LazyBatchNorm2d, LazyBatchNorm3d, LazyConv1d, LazyConv2d,
                   LazyConv3d, LazyConvTranspose1d, LazyConvTranspose2d, LazyConvTranspose3d,
                   LazyInstanceNorm1d, LazyInstanceNorm2d, LazyInstanceNorm3d, LazyLinear,
                   UninitializedBuffer, UninitializedParameter)
from .linear import Bilinear, Identity, Linear
from .loss import (BCELoss, BCEWithLogitsLoss, CosineEmbeddingLoss, CrossEntropyLoss, NLLLoss2d,
                   HingeEmbeddingLoss, HuberLoss, KLDivLoss, L1Loss, MarginRankingLoss, MSELoss,
                   MultiLabelSoftMarginLoss, NLLLoss, PoissonNLLLoss, SmoothL1Loss, SoftMarginLoss,
                   TripletMarginLoss)
from .attention import MultiheadAttention
from .loss_more import (CTCLoss, GaussianNLLLoss, MultiLabelMarginLoss, MultiMarginLoss,
                        TripletMarginWithDistanceLoss)
from .containers import ModuleDict, ModuleList, ParameterDict, ParameterList, Sequential
from .module import Module
from .normalization import (BatchNorm1d, BatchNorm2d, BatchNorm3d, GroupNorm, InstanceNorm1d,
                            InstanceNorm2d, InstanceNorm3d, LayerNorm, RMSNorm, SyncBatchNorm)
from .padding import (CircularPad1d, CircularPad2d, CircularPad3d, ConstantPad1d, ConstantPad2d,
                      ConstantPad3d, ReflectionPad1d, ReflectionPad2d, ReflectionPad3d,
                      ReplicationPad1d, ReplicationPad2d, ReplicationPad3d, ZeroPad1d, ZeroPad2d,
                      ZeroPad3d)
from .parallel import DataParallel
from .parameter import Buffer, Parameter
from .pooling import (AdaptiveAvgPool1d, AdaptiveAvgPool2d, AdaptiveMaxPool1d, AdaptiveMaxPool2d,
                      AvgPool1d, AvgPool2d, LPPool1d, LPPool2d, MaxPool1d, MaxPool2d, MaxUnpool1d,
                      MaxUnpool2d)
from .rnn import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNBase, RNNCell
from .sparse import Embedding
from .transformer import TransformerEncoder, TransformerEncoderLayer
from .transformer_decoder import Transformer, TransformerDecoder, TransformerDecoderLayer
from .upsampling import (ChannelShuffle, PixelShuffle, PixelUnshuffle, Upsample,
                         UpsamplingBilinear2d, UpsamplingNearest2d)

__all__ = ['Module', 'Parameter', 'Sequential', 'ModuleList', 'ModuleDict', 'Linear', 'Identity',
           'Conv2d', 'MaxPool2d', 'AvgPool2d', 'AdaptiveAvgPool2d', 'BatchNorm1d', 'BatchNorm2d',
           'Dropout', 'Flatten', 'ReLU', 'LeakyReLU', 'Tanh', 'Sigmoid', 'Softmax', 'LogSoftmax',
           'CrossEntropyLoss', 'NLLLoss', 'MSELoss', 'functional', 'init', 'GELU', 'SiLU',
           'LogSigmoid', 'LayerNorm', 'GroupNorm', 'Embedding', 'Dropout2d', 'BCELoss',
           'BCEWithLogitsLoss', 'L1Loss', 'SmoothL1Loss', 'HuberLoss', 'utils', 'ELU', 'Softplus',
           'Mish', 'Softsign', 'Hardtanh', 'ReLU6', 'Hardsigmoid', 'Hardswish', 'PReLU',
           'Unflatten', 'KLDivLoss', 'CosineSimilarity', 'PairwiseDistance', 'SELU', 'CELU',
           'Threshold', 'GLU', 'Softshrink', 'Hardshrink', 'Tanhshrink', 'Softmin', 'Softmax2d',
           'ParameterList', 'ParameterDict', 'RMSNorm', 'InstanceNorm1d', 'InstanceNorm2d',
           'ZeroPad1d', 'ZeroPad2d', 'ConstantPad1d', 'ConstantPad2d', 'ReflectionPad1d',
           'ReflectionPad2d', 'ReplicationPad1d', 'ReplicationPad2d', 'CircularPad1d',
           'CircularPad2d', 'RNN', 'LSTM', 'GRU', 'RNNCell', 'LSTMCell', 'GRUCell',
           'MarginRankingLoss', 'HingeEmbeddingLoss', 'SoftMarginLoss', 'CosineEmbeddingLoss',
           'TripletMarginLoss', 'MultiLabelSoftMarginLoss', 'PoissonNLLLoss', 'Dropout1d',
           'Dropout3d', 'MultiheadAttention', 'TransformerEncoderLayer', 'TransformerEncoder',
           'Conv1d', 'ConvTranspose1d', 'ConvTranspose2d', 'Upsample', 'UpsamplingNearest2d',
           'UpsamplingBilinear2d', 'PixelShuffle', 'PixelUnshuffle', 'ChannelShuffle', 'Unfold',
           'Fold', 'LocalResponseNorm', 'AlphaDropout', 'FeatureAlphaDropout', 'Bilinear',
           'LazyLinear', 'LazyConv1d', 'LazyConv2d', 'LazyConvTranspose1d', 'LazyConvTranspose2d',
           'LazyBatchNorm1d', 'LazyBatchNorm2d', 'UninitializedParameter', 'UninitializedBuffer',
           'MaxPool1d', 'AvgPool1d', 'AdaptiveAvgPool1d', 'AdaptiveMaxPool1d', 'AdaptiveMaxPool2d',
           'MaxUnpool1d', 'MaxUnpool2d', 'RReLU', 'DataParallel', 'EmbeddingBag',
           'TransformerDecoderLayer', 'TransformerDecoder', 'Transformer', 'LPPool1d', 'LPPool2d',
           'BatchNorm3d', 'InstanceNorm3d', 'LazyBatchNorm3d', 'GaussianNLLLoss',
           'MultiMarginLoss', 'MultiLabelMarginLoss', 'TripletMarginWithDistanceLoss', 'Buffer',
           'Conv3d', 'MaxPool3d', 'AvgPool3d', 'AdaptiveAvgPool3d', 'LazyConv3d', 'CTCLoss',
           'ZeroPad3d', 'ConstantPad3d', 'ReflectionPad3d', 'ReplicationPad3d', 'CircularPad3d',
           'SyncBatchNorm', 'RNNBase', 'AdaptiveMaxPool3d', 'LPPool3d', 'LazyInstanceNorm1d',
           'LazyInstanceNorm2d', 'LazyInstanceNorm3d', 'NLLLoss2d', 'ConvTranspose3d',
           'LazyConvTranspose3d']

"""Lazy layers, as PyTorch's: the input size (``in_features``, ``in_channels``,
``num_features``) is left out and read from the first input.

Until that first forward, the weights are ``UninitializedParameter``s (empty placeholders that
``parameters()`` already yields, so an optimizer may be built before it); the first forward
materializes them in place (the same objects, now ordinary Parameters of the right shape),
initialises them as the eager layer would, and turns the module into that layer
(``LazyLinear`` becomes ``Linear``). Loading a state dict into a lazy module materializes its
parameters at the checkpoint's shapes.
"""
from .. import backend
from ..tensor import Tensor
from ..dtypes import get_default_dtype
from .conv import Conv2d
from .conv3d import Conv3d
from .conv_transpose import Conv1d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d
from .linear import Linear
from .normalization import (BatchNorm1d, BatchNorm2d, BatchNorm3d, InstanceNorm1d, InstanceNorm2d,
                            InstanceNorm3d)
from .parameter import Parameter

__all__ = ['UninitializedParameter', 'UninitializedBuffer', 'LazyLinear', 'LazyConv1d',
           'LazyConv2d', 'LazyConv3d', 'LazyConvTranspose1d', 'LazyConvTranspose2d',
           'LazyBatchNorm1d', 'LazyBatchNorm2d', 'LazyBatchNorm3d', 'LazyInstanceNorm1d',
           'LazyInstanceNorm2d', 'LazyInstanceNorm3d', 'LazyConvTranspose3d']


def _placeholder(device, dtype):
    dev = backend.get_device(device) if device is not None else backend.get_default_device()
    return backend.xp_of_device(dev).empty((0,), dtype=dtype or get_default_dtype())


class _Uninitialized:
    """What the two placeholders share: ``materialize(shape)`` in place."""

    __slots__ = ()
    cls_to_become = None

    def materialize(self, shape):
        """Give this placeholder an (uninitialised) array of ``shape`` and make it an ordinary
        Parameter / Tensor; the object stays the same, so references to it stay valid."""
        xp = backend.get_array_module(self.array)
        self.array = xp.empty(tuple(shape), dtype=self.array.dtype)
        self.__class__ = self.cls_to_become

    def __repr__(self):
        return f'<{type(self).__name__} (materialized at the first forward)>'

    def __deepcopy__(self, memo):
        if id(self) not in memo:
            memo[id(self)] = type(self)(self.requires_grad, self.device, self.dtype)
        return memo[id(self)]

    __str__ = __repr__


class UninitializedParameter(_Uninitialized, Parameter):
    """A Parameter whose shape is not known yet (see ``nn.lazy``)."""

    cls_to_become = Parameter

    def __init__(self, requires_grad=True, device=None, dtype=None):
        super().__init__(Tensor._wrap(_placeholder(device, dtype)), requires_grad)


class UninitializedBuffer(_Uninitialized, Tensor):
    """A buffer whose shape is not known yet (see ``nn.lazy``)."""

    __slots__ = ()              # Tensor's own layout, so that it can become a Tensor in place
    cls_to_become = Tensor

    def __init__(self, requires_grad=False, device=None, dtype=None):
        self._init_leaf(_placeholder(device, dtype), requires_grad)


def _is_lazy(t):
    return isinstance(t, _Uninitialized)


class LazyModuleMixin:
    """Turns a layer into its lazy twin: the layer is built with input size 0, its parameters
    (and the buffers named in ``_lazy_buffers``) become placeholders, and the first forward
    calls ``initialize_parameters(input)``, then becomes ``cls_to_become``."""

    cls_to_become = None
    _lazy_buffers = ()

    def _make_lazy(self, device, dtype):
        for name, p in list(self._parameters.items()):
            if p is not None:
                self._parameters[name] = UninitializedParameter(p.requires_grad, device, dtype)
        for name in self._lazy_buffers:
            if self._buffers.get(name) is not None:
                self._buffers[name] = UninitializedBuffer(device=device, dtype=dtype)

    def has_uninitialized_params(self):
        """True while a parameter or buffer of this module is still a placeholder."""
        return any(_is_lazy(t) for t in list(self._parameters.values())
                   + list(self._buffers.values()))

    def reset_parameters(self):
        if not self.has_uninitialized_params() and self._in_size() != 0:
            super().reset_parameters()

    def _materialize(self, input, in_size, shapes):
        """Set the input size, give each placeholder its shape and initialise them (parameters
        that a state dict already loaded keep their values)."""
        self._set_in_size(in_size)
        fresh = False
        for name, shape in shapes.items():
            t = self._parameters.get(name, self._buffers.get(name))
            if t is not None and _is_lazy(t):
                if backend.device_of(t.array) != input.device:
                    t.array = backend.to_device(t.array, input.device)
                t.materialize(shape)
                fresh = True
        if fresh:
            self.reset_parameters()

    def forward(self, input, *args, **kwargs):
        if self.has_uninitialized_params() or self._in_size() == 0:
            self.initialize_parameters(input)
        self.__class__ = self.cls_to_become
        return self.forward(input, *args, **kwargs)


class LazyLinear(LazyModuleMixin, Linear):
    """``Linear`` whose ``in_features`` is the last dim of the first input.

    Args:
        out_features, bias, device, dtype: as ``Linear``.

    Shape:
        (*, H_in) -> (*, out_features); afterwards the module is a ``Linear(H_in, out_features)``.
    """

    cls_to_become = Linear

    def __init__(self, out_features, bias=True, device=None, dtype=None):
        super().__init__(0, out_features, bias, device, dtype)
        self._make_lazy(device, dtype)

    def _in_size(self):
        return self.in_features

    def _set_in_size(self, n):
        self.in_features = n

    def initialize_parameters(self, input):
        if input.ndim == 0:
            raise RuntimeError(f'{type(self).__name__}: expected an input with a last dimension '
                               'of features, got a 0-d tensor')
        n = int(input.shape[-1])
        self._materialize(input, n, {'weight': (self.out_features, n),
                                     'bias': (self.out_features,)})


class _LazyConvMixin(LazyModuleMixin):
    def __init__(self, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1,
                 bias=True, padding_mode='zeros', device=None, dtype=None, **extra):
        super().__init__(0, out_channels, kernel_size, stride=stride, padding=padding,
                         dilation=dilation, groups=groups, bias=bias, padding_mode=padding_mode,
                         device=device, dtype=dtype, **extra)
        self._make_lazy(device, dtype)

    def _in_size(self):
        return self.in_channels

    def _set_in_size(self, n):
        self.in_channels = n

    def initialize_parameters(self, input):
        n = self._dims
        if input.ndim not in (n + 1, n + 2):
            raise RuntimeError(f'{type(self).__name__}: expected a {n + 1}-D or {n + 2}-D input, '
                               f'got shape {tuple(input.shape)}')
        c, g, out = int(input.shape[-n - 1]), self.groups, self.out_channels
        if c % g:
            raise RuntimeError(f'{type(self).__name__}: the input has {c} channels (shape '
                               f'{tuple(input.shape)}), not divisible by groups={g}')
        first = (c, out // g) if self.transposed else (out, c // g)
        self._materialize(input, c, {'weight': first + self.kernel_size, 'bias': (out,)})


class LazyConv1d(_LazyConvMixin, Conv1d):
    """``Conv1d`` whose ``in_channels`` is read from the first input (see ``nn.lazy``)."""
    cls_to_become = Conv1d


class LazyConv2d(_LazyConvMixin, Conv2d):
    """``Conv2d`` whose ``in_channels`` is read from the first input (see ``nn.lazy``).

    Args:
        out_channels, kernel_size, stride, padding, dilation, groups, bias, padding_mode,
        device, dtype: as ``Conv2d``.

    Shape:
        (N, C_in, H, W) -> (N, out_channels, H_out, W_out); afterwards a ``Conv2d(C_in, ...)``.
    """
    cls_to_become = Conv2d


class LazyConv3d(_LazyConvMixin, Conv3d):
    """``Conv3d`` whose ``in_channels`` is read from the first input (see ``nn.lazy``)."""
    cls_to_become = Conv3d


class _LazyTransposed(_LazyConvMixin):
    def __init__(self, out_channels, kernel_size, stride=1, padding=0, output_padding=0,
                 groups=1, bias=True, dilation=1, padding_mode='zeros', device=None, dtype=None):
        super().__init__(out_channels, kernel_size, stride, padding, dilation, groups, bias,
                         padding_mode, device, dtype, output_padding=output_padding)


class LazyConvTranspose1d(_LazyTransposed, ConvTranspose1d):
    """``ConvTranspose1d`` whose ``in_channels`` is read from the first input."""
    cls_to_become = ConvTranspose1d


class LazyConvTranspose2d(_LazyTransposed, ConvTranspose2d):
    """``ConvTranspose2d`` whose ``in_channels`` is read from the first input."""
    cls_to_become = ConvTranspose2d


class LazyConvTranspose3d(_LazyTransposed, ConvTranspose3d):
    """``ConvTranspose3d`` whose ``in_channels`` is read from the first input."""
    cls_to_become = ConvTranspose3d


class _LazyBatchNorm(LazyModuleMixin):
    _lazy_buffers = ('running_mean', 'running_var')

    def __init__(self, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True,
                 device=None, dtype=None, *, bias=True):
        super().__init__(0, eps, momentum, affine, track_running_stats, device, dtype, bias=bias)
        self._make_lazy(device, dtype)

    def _in_size(self):
        return self.num_features

    def _set_in_size(self, n):
        self.num_features = n

    def initialize_parameters(self, input):
        if input.ndim < 2:
            raise RuntimeError(f'{type(self).__name__}: expected an (N, C, ...) input, got shape '
                               f'{tuple(input.shape)}')
        c = int(input.shape[1])
        self._materialize(input, c, {k: (c,) for k in ('weight', 'bias', 'running_mean',
                                                       'running_var')})


class LazyBatchNorm1d(_LazyBatchNorm, BatchNorm1d):
    """``BatchNorm1d`` whose ``num_features`` is read from the first input."""
    cls_to_become = BatchNorm1d


class LazyBatchNorm2d(_LazyBatchNorm, BatchNorm2d):
    """``BatchNorm2d`` whose ``num_features`` is read from the first input.

    Args:
        eps, momentum, affine, track_running_stats, device, dtype: as ``BatchNorm2d``.

    Shape:
        (N, C, H, W) -> the same; afterwards the module is a ``BatchNorm2d(C)``.
    """
    cls_to_become = BatchNorm2d


class LazyBatchNorm3d(_LazyBatchNorm, BatchNorm3d):
    """``BatchNorm3d`` whose ``num_features`` is read from the first input."""
    cls_to_become = BatchNorm3d


class _LazyInstanceNorm(_LazyBatchNorm):
    def initialize_parameters(self, input):
        if input.ndim == self._unbatched:                    # one sample: channels first
            return super().initialize_parameters(input.unsqueeze(0))
        return super().initialize_parameters(input)


class LazyInstanceNorm1d(_LazyInstanceNorm, InstanceNorm1d):
    """``InstanceNorm1d`` whose ``num_features`` is read from the first input (affine and
    tracking running statistics by default, as PyTorch's lazy form)."""
    cls_to_become = InstanceNorm1d


class LazyInstanceNorm2d(_LazyInstanceNorm, InstanceNorm2d):
    """``InstanceNorm2d`` whose ``num_features`` is read from the first input."""
    cls_to_become = InstanceNorm2d


class LazyInstanceNorm3d(_LazyInstanceNorm, InstanceNorm3d):
    """``InstanceNorm3d`` whose ``num_features`` is read from the first input."""
    cls_to_become = InstanceNorm3d

"""``torch.nn.utils`` helpers for inference and functional code: folding an eval-mode BatchNorm
into the convolution or linear layer before it (``fuse_conv_bn_eval``, ``fuse_linear_bn_eval``
and their ``*_weights``), ``skip_init``, ``stateless.functional_call`` (calling a module with
other parameters, as meta-learning code does), and the deprecated ``clip_grad_norm``."""
import contextlib
import copy
import warnings

from ... import factory
from ...autograd import no_grad
from ...tensor import Tensor
from ..parameter import Parameter
from .clip_grad import clip_grad_norm_

__all__ = ['fuse_conv_bn_eval', 'fuse_conv_bn_weights', 'fuse_linear_bn_eval',
           'fuse_linear_bn_weights', 'skip_init', 'functional_call', 'clip_grad_norm',
           'clip_grads_with_norm_']


def fuse_conv_bn_weights(conv_w, conv_b, bn_rm, bn_rv, bn_eps, bn_w, bn_b, transpose=False):
    """The weight and bias of a convolution followed by an eval-mode BatchNorm, as one
    convolution: ``w * gamma / sqrt(var + eps)`` (per output channel) and
    ``(b - mean) * gamma / sqrt(var + eps) + beta``. Returns two Parameters."""
    with no_grad():
        if conv_b is None:
            conv_b = factory.zeros_like(bn_rm)
        bn_w = factory.ones_like(bn_rm) if bn_w is None else bn_w
        bn_b = factory.zeros_like(bn_rm) if bn_b is None else bn_b
        scale = bn_w / (bn_rv + bn_eps).sqrt()
        shape = [1, -1] if transpose else [-1, 1]
        w = (conv_w * scale.reshape(shape + [1] * (conv_w.ndim - 2))).to(conv_w.dtype)
        b = ((conv_b - bn_rm) * scale + bn_b).to(conv_b.dtype)
    return Parameter(w, conv_w.requires_grad), Parameter(b, conv_b.requires_grad)


def fuse_conv_bn_eval(conv, bn, transpose=False):
    """A copy of ``conv`` (eval mode) that computes ``bn(conv(x))`` of an eval-mode ``bn``."""
    if conv.training or bn.training:
        raise AssertionError('Fusion only for eval!')
    fused = copy.deepcopy(conv)
    fused.weight, fused.bias = fuse_conv_bn_weights(
        fused.weight, fused.bias, bn.running_mean, bn.running_var, bn.eps, bn.weight, bn.bias,
        transpose)
    return fused


def fuse_linear_bn_weights(linear_w, linear_b, bn_rm, bn_rv, bn_eps, bn_w, bn_b):
    """The weight and bias of a Linear followed by an eval-mode BatchNorm1d, as one Linear."""
    return fuse_conv_bn_weights(linear_w, linear_b, bn_rm, bn_rv, bn_eps, bn_w, bn_b)


def fuse_linear_bn_eval(linear, bn):
    """A copy of ``linear`` (eval mode) that computes ``bn(linear(x))`` of an eval-mode ``bn``."""
    if linear.training or bn.training:
        raise AssertionError('Fusion only for eval!')
    if linear.out_features != bn.num_features:
        raise AssertionError('To fuse, linear.out_features must equal bn.num_features')
    fused = copy.deepcopy(linear)
    fused.weight, fused.bias = fuse_linear_bn_weights(
        fused.weight, fused.bias, bn.running_mean, bn.running_var, bn.eps, bn.weight, bn.bias)
    return fused


def skip_init(module_cls, *args, **kwargs):
    """``module_cls(*args, **kwargs)``. PyTorch builds it without running the initialisation
    (to fill it yourself); minigrad initialises it anyway, which only costs time."""
    if 'device' not in module_cls.__init__.__code__.co_varnames:
        raise RuntimeError("Module must support a 'device' arg to skip initialization")
    return module_cls(*args, **kwargs)


@contextlib.contextmanager
def _swapped(module, tensors):
    saved = []
    try:
        for name, value in tensors.items():
            *path, leaf = name.split('.')
            owner = module.get_submodule('.'.join(path)) if path else module
            registry = owner._parameters if leaf in owner._parameters else owner._buffers
            if leaf not in registry:
                raise AttributeError(f"functional_call: {type(module).__name__} has no "
                                     f"parameter or buffer '{name}'")
            saved.append((registry, leaf, registry[leaf]))
            registry[leaf] = value
        yield
    finally:
        for registry, leaf, old in reversed(saved):
            registry[leaf] = old


def functional_call(module, parameter_and_buffer_dicts, args=None, kwargs=None, *,
                    tie_weights=True, strict=False):
    """``module(*args, **kwargs)`` with the named parameters and buffers replaced by the given
    tensors for this call only, as ``torch.func.functional_call`` (gradients flow to them).

    Args:
        parameter_and_buffer_dicts: a dict (or a sequence of dicts) from dotted names to tensors.
        args: one argument or a tuple of them; kwargs: keyword arguments.
        strict: every parameter and buffer must be given.
    """
    dicts = (parameter_and_buffer_dicts if isinstance(parameter_and_buffer_dicts, (list, tuple))
             else [parameter_and_buffer_dicts])
    tensors = {}
    for d in dicts:
        tensors.update(d)
    if strict:
        names = {n for n, _ in module.named_parameters()} | {n for n, _ in module.named_buffers()}
        missing = sorted(names - set(tensors))
        if missing:
            raise RuntimeError(f'functional_call: missing key(s): {missing}')
    args = () if args is None else (args if isinstance(args, tuple) else (args,))
    with _swapped(module, tensors):
        return module(*args, **(kwargs or {}))


def clip_grad_norm(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """Deprecated name of ``clip_grad_norm_`` (as in PyTorch, with a FutureWarning)."""
    warnings.warn('`torch.nn.utils.clip_grad_norm` is now deprecated in favor of '
                  '`torch.nn.utils.clip_grad_norm_`.', FutureWarning, stacklevel=2)
    return clip_grad_norm_(parameters, max_norm, norm_type, error_if_nonfinite, foreach)


def clip_grads_with_norm_(parameters, max_norm, total_norm, foreach=None):
    """Scale the gradients by ``max_norm / (total_norm + 1e-6)`` when that is below 1 (the
    second half of ``clip_grad_norm_``, given a norm from ``get_total_norm``)."""
    params = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    coef = float(max_norm) / (float(total_norm.item() if isinstance(total_norm, Tensor)
                                    else total_norm) + 1e-6)
    if coef < 1.0:
        for p in params:
            if p.grad is not None:
                p.grad.array *= p.grad.dtype.type(coef)

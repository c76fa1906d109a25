"""Shape propagation for ``summary``: a stand-in tensor that carries only a shape, one rule per
layer type, and the pass that runs a model's ``forward`` on the stand-in (or, as a fallback, on
one real sample) recording each leaf layer's output shape.
"""
import math

import numpy as np

import minigrad as mg

class ShapeError(ValueError):
    """The input shape does not fit a layer (wrong channel count, image too small, ...)."""


class NeedsRealForward(Exception):
    """Raised inside the shape pass when the stand-in cannot go on."""


def fmt_shape(shape):
    return '[' + ', '.join(str(d) for d in shape) + ']'


class _ShapeOnly:
    """Stands in for a Tensor during shape propagation: has ``shape`` and little else."""

    __slots__ = ('shape', 'dtype')

    def __init__(self, shape, dtype):
        self.shape = tuple(int(d) for d in shape)
        self.dtype = dtype

    ndim = property(lambda self: len(self.shape))

    def dim(self):
        return len(self.shape)

    def size(self, dim=None):
        return self.shape if dim is None else self.shape[dim]

    def numel(self):
        return int(np.prod(self.shape, dtype=np.int64))

    def _new(self, shape):
        return _ShapeOnly(shape, self.dtype)

    def flatten(self, start_dim=0, end_dim=-1):
        return self._new(_flatten_shape(self.shape, start_dim, end_dim))

    def reshape(self, *shape):
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        shape = list(shape)
        if shape.count(-1) > 1:
            raise NeedsRealForward('more than one -1 in reshape')
        if -1 in shape:
            known = int(np.prod([d for d in shape if d != -1], dtype=np.int64))
            if known == 0 or self.numel() % known:
                raise ShapeError(f'cannot reshape {fmt_shape(self.shape)} to {fmt_shape(shape)}')
            shape[shape.index(-1)] = self.numel() // known
        if int(np.prod(shape, dtype=np.int64)) != self.numel():
            raise ShapeError(f'cannot reshape {fmt_shape(self.shape)} to {fmt_shape(shape)}')
        return self._new(shape)

    view = reshape

    def _same(self, *args, **kwargs):
        return self

    relu = sigmoid = tanh = exp = abs = contiguous = _same

    def _binary(self, other):
        other_shape = getattr(other, 'shape', ())
        try:
            return self._new(np.broadcast_shapes(self.shape, tuple(other_shape)))
        except ValueError:
            raise ShapeError(f'cannot broadcast {fmt_shape(self.shape)} with '
                             f'{fmt_shape(other_shape)}') from None

    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = _binary
    __truediv__ = __rtruediv__ = _binary

    def __neg__(self):
        return self


def _flatten_shape(shape, start_dim, end_dim):
    n = len(shape)
    if n == 0:
        return (1,)
    s, e = start_dim % n, end_dim % n
    if s > e:
        raise ShapeError(f'flatten: start_dim {start_dim} comes after end_dim {end_dim}')
    return shape[:s] + (int(np.prod(shape[s:e + 1], dtype=np.int64)),) + shape[e + 1:]


# ---------------------------------------------------------------- per-layer shape rules
# Each rule maps (module, input shape) -> (output shape, mult-adds). Rules are looked up by the
# class names along the module's MRO, so subclasses of Conv2d etc. inherit them.

def _pair(v):
    if isinstance(v, (tuple, list)):
        return tuple(int(x) for x in v) if len(v) == 2 else (int(v[0]), int(v[0]))
    return int(v), int(v)


def _spatial_input(m, shape, what):
    if len(shape) not in (3, 4):
        raise ShapeError(f'{what} expects a (N, C, H, W) or (C, H, W) input, got {fmt_shape(shape)}')
    return shape


def _window_out(size, k, s, p, d, ceil_mode, what, shape):
    span = size + 2 * p - d * (k - 1) - 1
    out = (math.ceil(span / s) if ceil_mode else span // s) + 1
    if ceil_mode and (out - 1) * s >= size + p:   # PyTorch: the last window must start inside
        out -= 1
    if span < 0 or out < 1:
        raise ShapeError(f'{what} gets input {fmt_shape(shape)}: a {k}x{k} window '
                         f'(stride {s}, padding {p}) does not fit in size {size}: '
                         f'the input is too small')
    return out


def _conv2d(m, shape):
    shape = _spatial_input(m, shape, 'Conv2d')
    cin = shape[-3]
    if cin != m.in_channels:
        raise ShapeError(f'Conv2d({m.in_channels}, {m.out_channels}) expects {m.in_channels} input '
                         f'channels, got input {fmt_shape(shape)} with {cin}')
    k, s, d = _pair(m.kernel_size), _pair(m.stride), _pair(getattr(m, 'dilation', 1))
    padding = m.padding
    if isinstance(padding, str):
        if padding == 'same':
            h, w = shape[-2:]
        elif padding == 'valid':
            h = _window_out(shape[-2], k[0], s[0], 0, d[0], False, 'Conv2d', shape)
            w = _window_out(shape[-1], k[1], s[1], 0, d[1], False, 'Conv2d', shape)
        else:
            raise NeedsRealForward(f'padding={padding!r}')
    else:
        p = _pair(padding)
        h = _window_out(shape[-2], k[0], s[0], p[0], d[0], False, 'Conv2d', shape)
        w = _window_out(shape[-1], k[1], s[1], p[1], d[1], False, 'Conv2d', shape)
    out = shape[:-3] + (m.out_channels, h, w)
    groups = int(getattr(m, 'groups', 1))
    macs = int(np.prod(out, dtype=np.int64)) * (cin // groups) * k[0] * k[1]
    return out, macs


def _pool2d(m, shape, what):
    shape = _spatial_input(m, shape, what)
    k = _pair(m.kernel_size)
    s = _pair(m.stride if getattr(m, 'stride', None) is not None else m.kernel_size)
    p = _pair(getattr(m, 'padding', 0))
    d = _pair(getattr(m, 'dilation', 1))
    ceil_mode = bool(getattr(m, 'ceil_mode', False))
    h = _window_out(shape[-2], k[0], s[0], p[0], d[0], ceil_mode, what, shape)
    w = _window_out(shape[-1], k[1], s[1], p[1], d[1], ceil_mode, what, shape)
    return shape[:-2] + (h, w), 0


def _adaptive_pool2d(m, shape):
    shape = _spatial_input(m, shape, type(m).__name__)
    size = m.output_size
    if not isinstance(size, (tuple, list)):
        size = (size, size)
    h = shape[-2] if size[0] is None else int(size[0])
    w = shape[-1] if size[1] is None else int(size[1])
    return shape[:-2] + (h, w), 0


def _linear(m, shape):
    if not shape or shape[-1] != m.in_features:
        raise ShapeError(f'Linear({m.in_features}, {m.out_features}) expects {m.in_features} input '
                         f'features, got input {fmt_shape(shape)}')
    out = shape[:-1] + (m.out_features,)
    return out, int(np.prod(out, dtype=np.int64)) * m.in_features


def _flatten(m, shape):
    return _flatten_shape(shape, getattr(m, 'start_dim', 1), getattr(m, 'end_dim', -1)), 0


def _batch_norm(m, shape):
    c = shape[1] if len(shape) > 1 else None
    if c != m.num_features:
        raise ShapeError(f'{type(m).__name__}({m.num_features}) expects {m.num_features} channels '
                         f'in dimension 1, got input {fmt_shape(shape)}')
    return shape, 0


def _same_shape(m, shape):
    return shape, 0


_RULES = {
    'Conv2d': _conv2d,
    'MaxPool2d': lambda m, s: _pool2d(m, s, 'MaxPool2d'),
    'AvgPool2d': lambda m, s: _pool2d(m, s, 'AvgPool2d'),
    'AdaptiveAvgPool2d': _adaptive_pool2d,
    'AdaptiveMaxPool2d': _adaptive_pool2d,
    'Linear': _linear,
    'Flatten': _flatten,
    'BatchNorm1d': _batch_norm,
    'BatchNorm2d': _batch_norm,
}
for _name in ('ReLU', 'ReLU6', 'LeakyReLU', 'ELU', 'GELU', 'SiLU', 'Tanh', 'Sigmoid', 'Hardtanh',
              'Softmax', 'LogSoftmax', 'Dropout', 'Dropout2d', 'Identity'):
    _RULES[_name] = _same_shape


def _rule_for(module):
    for klass in type(module).__mro__:
        rule = _RULES.get(klass.__name__)
        if rule is not None:
            return rule
    return None


def _named_modules(model, prefix=''):
    yield prefix, model
    for name, child in model.named_children():
        yield from _named_modules(child, f'{prefix}.{name}' if prefix else name)


def _own_params(module):
    return sum(int(p.numel()) for p in module.parameters())


def propagate(model, full_shape, dtype, device, real):
    """Run ``model`` on a shape stand-in (or one real sample) recording each leaf-layer call."""
    rows, counted = [], set()
    patched = []

    def make_wrapper(name, module, forward):
        rule = _rule_for(module)

        def wrapper(x, *args, **kwargs):
            if real:
                out = forward(x, *args, **kwargs)
                shape, macs = tuple(out.shape), 0
                if rule is not None and not args and not kwargs:
                    try:
                        macs = rule(module, tuple(x.shape))[1]
                    except ShapeError:
                        pass
            else:
                if not isinstance(x, _ShapeOnly) or args or kwargs:
                    raise NeedsRealForward(name)
                if rule is not None:
                    try:
                        shape, macs = rule(module, x.shape)
                    except ShapeError as e:
                        raise ShapeError(f'{name or type(module).__name__}: {e}') from None
                else:    # no rule: one real sample through this layer alone
                    sample = mg.zeros((1,) + x.shape[1:], dtype=dtype, device=device)
                    with mg.no_grad():
                        y = forward(sample)
                    if not hasattr(y, 'shape'):
                        raise NeedsRealForward(name)
                    shape, macs = (x.shape[0],) + tuple(y.shape)[1:], 0
                out = _ShapeOnly(shape, x.dtype)
            first = id(module) not in counted
            counted.add(id(module))
            rows.append({'name': name or type(module).__name__, 'type': type(module).__name__,
                         'output_shape': tuple(shape), 'params': _own_params(module) if first else 0,
                         'mult_adds': int(macs)})
            return out
        return wrapper

    for name, module in _named_modules(model):
        if next(iter(module.children()), None) is None:     # a leaf layer
            if any(m is module for m in patched):            # shared: reached under two names
                continue
            if 'forward' in vars(module):                    # someone patched it already
                raise RuntimeError(f'summary: {name} has a forward set on the instance')
            vars(module)['forward'] = make_wrapper(name, module, module.forward)
            patched.append(module)
    modes = [(m, m.training) for _, m in _named_modules(model)]
    try:
        if real:
            model.eval()
            x = mg.zeros((1,) + full_shape[1:], dtype=dtype, device=device)
            with mg.no_grad():
                out = model(x)
            for r in rows:
                r['output_shape'] = (full_shape[0],) + r['output_shape'][1:]
            out_shape = (full_shape[0],) + tuple(out.shape)[1:] if hasattr(out, 'shape') else None
        else:
            try:
                out = model(_ShapeOnly(full_shape, dtype))
            except (ShapeError, NeedsRealForward):
                raise
            except Exception as e:   # the forward did something the stand-in cannot follow
                raise NeedsRealForward(repr(e)) from e
            if not isinstance(out, _ShapeOnly):
                raise NeedsRealForward('the output is not a single tensor')
            out_shape = out.shape
    finally:
        for m in patched:
            vars(m).pop('forward', None)
        for m, mode in modes:
            m.training = mode
    return rows, out_shape

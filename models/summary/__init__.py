"""``summary(model, input_shape)``: a layer table (output shapes, parameter counts) by shape propagation.

The model's ``forward`` is run on a stand-in object that carries only a shape. Every leaf layer
(a module without children) is intercepted and its output shape computed by a per-layer rule
(``Conv2d``, pools, ``Linear``, ``Flatten``, batch norm, activations, dropout, adaptive pools);
containers (``Sequential``, or any module whose ``forward`` just calls its children and reshapes
with ``flatten``/``view``/``reshape``) are traversed by running their own ``forward``. Nothing of
the input's size is allocated, so ``summary`` of VGG-16 on a 224x224 image is instant.

Fallbacks, used only when needed: a leaf layer without a rule gets a real forward of a single
sample at that point; a container whose ``forward`` does something the stand-in does not
support (say ``F.relu(x)`` on it) makes the whole summary run one real sample through the model.
"""
import sys

import numpy as np

from .shapes import NeedsRealForward, ShapeError, fmt_shape, propagate

__all__ = ['summary', 'ModelSummary', 'ShapeError']


# ---------------------------------------------------------------- the summary object

class ModelSummary:
    """What ``summary`` found; ``str()`` (and ``repr()``) is the table.

    Attributes:
        rows: one dict per leaf-layer call, in call order: ``name``, ``type``, ``output_shape``
            (a tuple), ``params`` (the layer's own parameters, counted at its first call),
            ``mult_adds``.
        input_shape, output_shape: tuples with the batch dimension.
        total_params, trainable_params: counts over ``model.parameters()`` (shared ones once).
        mult_adds: multiply-accumulates of one forward pass (convolutions and linear layers).
        param_bytes, activation_bytes: the parameters' size and the sum of the layers' outputs.
        method: ``'shapes'`` (pure shape propagation) or ``'forward'`` (a real one-sample pass).
    """

    def __init__(self, model_name, rows, input_shape, output_shape, total_params,
                 trainable_params, param_bytes, itemsize, method):
        self.model_name = model_name
        self.rows = rows
        self.input_shape = tuple(input_shape)
        self.output_shape = tuple(output_shape) if output_shape is not None else None
        self.total_params = int(total_params)
        self.trainable_params = int(trainable_params)
        self.mult_adds = int(sum(r['mult_adds'] for r in rows))
        self.param_bytes = int(param_bytes)
        self.activation_bytes = int(sum(int(np.prod(r['output_shape'], dtype=np.int64))
                                        for r in rows) * itemsize)
        self.input_bytes = int(np.prod(self.input_shape, dtype=np.int64) * itemsize)
        self.method = method

    @property
    def non_trainable_params(self):
        return self.total_params - self.trainable_params

    def table(self):
        """The summary as text."""
        head = ('Layer (type)', 'Output Shape', 'Param #')
        body = [(f"{r['name']} ({r['type']})", fmt_shape(r['output_shape']), f"{r['params']:,}")
                for r in self.rows]
        w0 = max(len(head[0]), *(len(b[0]) for b in body)) if body else len(head[0])
        w1 = max(len(head[1]), *(len(b[1]) for b in body)) if body else len(head[1])
        w2 = max(len(head[2]), len(f'{self.total_params:,}'), *(len(b[2]) for b in body)) \
            if body else len(head[2])
        width = w0 + w1 + w2 + 6
        line = lambda a, b, c: f'{a:<{w0}}   {b:<{w1}}   {c:>{w2}}'  # noqa: E731
        mb = lambda n: f'{n / 2 ** 20:,.2f}'  # noqa: E731
        out = [f'{self.model_name}: input {fmt_shape(self.input_shape)}', '-' * width,
               line(*head), '=' * width]
        out += [line(*b) for b in body]
        out += ['=' * width,
                f'Total params: {self.total_params:,}',
                f'Trainable params: {self.trainable_params:,}',
                f'Non-trainable params: {self.non_trainable_params:,}',
                f'Mult-adds (M): {self.mult_adds / 1e6:,.2f}',
                '-' * width,
                f'Input size (MB): {mb(self.input_bytes)}',
                f'Forward pass size (MB): {mb(self.activation_bytes)}',
                f'Params size (MB): {mb(self.param_bytes)}',
                f'Estimated total size (MB): '
                f'{mb(self.input_bytes + self.activation_bytes + self.param_bytes)}',
                '-' * width]
        return '\n'.join(out)

    __str__ = table

    def __repr__(self):
        return self.table()


def _in_notebook():
    shell = sys.modules.get('IPython')
    try:
        return shell is not None and type(shell.get_ipython()).__name__ == 'ZMQInteractiveShell'
    except Exception:
        return False


def _model_device_dtype(model):
    for p in model.parameters():
        return p.device, p.dtype
    return 'cpu', np.dtype(np.float32)


def summary(model, input_shape=None, batch_size=1, verbose=None, *, input_size=None):
    """Print and return a table of a model's layers, output shapes and parameter counts.

    Shapes are propagated through the layers by rule, without running the model on data (see
    the module docstring), so this is instant even for VGG-16 on 224x224 images::

        >>> s = summary(VGG('vgg16', num_classes=1000, batch_norm=False, head='classic'),
        ...             (3, 224, 224))
        >>> s.total_params
        138357544

    Two forms of the input's shape are accepted: this function's own, one sample without the
    batch dimension (``summary(net, (1, 28, 28))``, as torchsummary), and torchinfo's, with it
    (``summary(net, input_size=(1, 1, 28, 28))``). A positional shape that fits the model only as
    a batch (torchinfo's form passed positionally) is taken as one.

    Args:
        model: an ``nn.Module``.
        input_shape: the shape of one input sample, without the batch dimension, e.g.
            ``(1, 28, 28)``.
        batch_size: the batch dimension shown in the output shapes (with ``input_shape``).
        verbose: print the table; None (default) prints except in a Jupyter notebook, where the
            returned object displays itself.
        input_size: torchinfo's form: the whole input's shape, batch dimension first, e.g.
            ``(1, 1, 28, 28)``; instead of ``input_shape`` and ``batch_size``.

    Returns:
        A ``ModelSummary`` (``str()`` is the table; ``total_params``, ``rows``, ...).

    Raises:
        ShapeError (a ValueError) naming the layer when the input does not fit the model, e.g.
        a wrong channel count or an image too small for the number of pooling layers.
        TypeError or ValueError for a shape that is not a sequence of positive ints, or for
        both or neither of ``input_shape`` and ``input_size``.
    """
    if not callable(getattr(model, 'parameters', None)):
        raise TypeError(f'summary: model must be an nn.Module, got {type(model).__name__}')
    if input_size is not None:
        if input_shape is not None:
            raise TypeError('summary: give input_shape (one sample, without the batch dimension) '
                            'or input_size (torchinfo\'s form, with it), not both')
        result = _summarize(model, _as_shape(input_size, 'input_size'))
    elif input_shape is None:
        raise TypeError('summary() needs the input\'s shape: input_shape for one sample, e.g. '
                        '(1, 28, 28), or input_size=(1, 1, 28, 28) with the batch dimension')
    else:
        sample = _as_shape(input_shape, 'input_shape')
        batch = _as_shape(batch_size, 'batch_size')[0]
        try:
            result = _summarize(model, (batch,) + sample)
        except ShapeError:
            # torchinfo's form passed positionally: taken when it fits only as a batch
            result = _summarize_or_none(model, sample) if len(sample) >= 2 else None
            if result is None:
                raise
    if verbose or (verbose is None and not _in_notebook()):
        print(result.table())
    return result


def _as_shape(shape, name):
    """``shape`` as a tuple of positive ints, or a clear error."""
    if isinstance(shape, (int, np.integer)) and not isinstance(shape, bool):
        shape = (shape,)
    try:
        dims = tuple(shape)
    except TypeError:
        raise TypeError(f'summary: {name} must be a tuple of ints, got {shape!r}') from None
    if not dims or not all(isinstance(d, (int, np.integer)) and not isinstance(d, bool) and d > 0
                           for d in dims):
        raise ValueError(f'summary: {name} must be a non-empty tuple of positive ints, got {shape!r}')
    return tuple(int(d) for d in dims)


def _summarize_or_none(model, full_shape):
    try:
        return _summarize(model, full_shape)
    except ShapeError:
        return None


def _summarize(model, full_shape):
    """The ``ModelSummary`` of ``model`` on an input of ``full_shape`` (batch dimension first)."""
    device, dtype = _model_device_dtype(model)
    try:
        rows, out_shape = propagate(model, full_shape, dtype, device, real=False)
        method = 'shapes'
    except NeedsRealForward:
        rows, out_shape = propagate(model, full_shape, dtype, device, real=True)
        method = 'forward'
    seen, total, trainable, nbytes = set(), 0, 0, 0
    for p in model.parameters():
        if id(p) in seen:
            continue
        seen.add(id(p))
        n = int(p.numel())
        total += n
        trainable += n if p.requires_grad else 0
        nbytes += n * np.dtype(p.dtype).itemsize
    return ModelSummary(type(model).__name__, rows, full_shape, out_shape, total, trainable,
                        nbytes, np.dtype(dtype).itemsize, method)

"""Free functions of the indexing family that are not just Tensor methods (see tensor_index.py
for those): ``is_tensor``, ``split`` (torch's argument name), ``meshgrid`` and ``set_printoptions``
(``inference_mode`` is autograd's)."""
import sys
import warnings

from .tensor import Tensor
from .tensor_index import DEFAULT_PRINT_OPTIONS, PRINT_OPTIONS

__all__ = ['is_tensor', 'split', 'meshgrid', 'set_printoptions']


def is_tensor(obj):
    """Whether ``obj`` is a minigrad Tensor (or a subclass, such as ``nn.Parameter``)."""
    return isinstance(obj, Tensor)


def split(tensor, split_size_or_sections, dim=0):
    """``tensor.split(split_size_or_sections, dim)``: pieces of one size (the last may be
    smaller) or of the sizes in a list, along ``dim``."""
    return tensor.split(split_size_or_sections, dim)


def meshgrid(*tensors, indexing=None):
    """Coordinate grids from 1-D tensors: with ``indexing='ij'`` (the default, with PyTorch's
    warning when not given) output ``i`` varies along dim ``i``; with ``'xy'`` the first two
    dims are swapped (Cartesian, as NumPy's default).

    Shape: N tensors of sizes (n1, ..., nN) give N tensors of shape (n1, ..., nN) ('ij') or
    (n2, n1, n3, ..., nN) ('xy'). Differentiable: each output is an expanded view of its input.
    """
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing is None:
        warnings.warn('torch.meshgrid: in an upcoming release, it will be required to pass the '
                      'indexing argument.', UserWarning, stacklevel=2)
        indexing = 'ij'
    if indexing not in ('ij', 'xy'):
        raise ValueError(f"torch.meshgrid: indexing must be one of 'xy' or 'ij', but received: "
                         f'{indexing}')
    if not tensors:
        raise RuntimeError('meshgrid expects a non-empty TensorList')
    for t in tensors:
        if not isinstance(t, Tensor) or t.ndim > 1:
            raise RuntimeError('meshgrid expects all tensors to be 0-D or 1-D, got '
                               f'{[tuple(getattr(u, "shape", ())) for u in tensors]}')
    sizes = [t.numel() for t in tensors]
    order = list(range(len(tensors)))
    if indexing == 'xy' and len(tensors) >= 2:
        order[0], order[1] = 1, 0
    shape = [sizes[i] for i in order]
    out = []
    for i, t in enumerate(tensors):
        view = [1] * len(tensors)
        view[order.index(i)] = sizes[i]
        out.append(t.reshape(view).expand(shape))
    return tuple(out)


_PROFILES = {'default': {}, 'short': {'precision': 2, 'edgeitems': 2},
             'full': {'threshold': sys.maxsize}}


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None, profile=None,
                     sci_mode=None):
    """Printing options of tensors, as ``torch.set_printoptions``.

    Args:
        precision: digits after the decimal point (default 4).
        threshold: element count above which the repr summarises with ``...`` (default 200).
        edgeitems: items shown at each end of a summarised dim (default 3).
        linewidth: characters per line (default 75).
        profile: ``'default'``, ``'short'`` or ``'full'`` (no summarising); applied first.
        sci_mode: False never uses scientific notation (NumPy's ``suppress``); True and None
            (the default) leave the choice to NumPy, which uses it for very large or small values.
    """
    if profile is not None:
        if profile not in _PROFILES:
            raise ValueError(f"set_printoptions: profile must be 'default', 'short' or 'full', "
                             f'got {profile!r}')
        PRINT_OPTIONS.clear()
        PRINT_OPTIONS.update(DEFAULT_PRINT_OPTIONS, **_PROFILES[profile])
    for key, value in (('precision', precision), ('threshold', threshold),
                       ('edgeitems', edgeitems), ('max_line_width', linewidth)):
        if value is not None:
            PRINT_OPTIONS[key] = value
    if sci_mode is not None:
        PRINT_OPTIONS['suppress_small'] = sci_mode is False

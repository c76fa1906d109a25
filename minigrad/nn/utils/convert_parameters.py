"""Parameters as one flat vector and back, as ``torch.nn.utils``."""
from ...autograd import no_grad
from ...functions import cat
from ...tensor import Tensor

__all__ = ['parameters_to_vector', 'vector_to_parameters']


def _params(parameters, fname):
    if isinstance(parameters, Tensor):
        raise TypeError(f'expected parameters to be an iterable of Tensors, got a Tensor '
                        f'({fname}); wrap it in a list')
    return list(parameters)


def parameters_to_vector(parameters):
    """One 1-D Tensor holding every parameter flattened, in order (differentiable, as PyTorch)."""
    params = _params(parameters, 'parameters_to_vector')
    if not params:
        raise ValueError('parameters_to_vector: got no parameters')
    return cat([p.reshape(-1) for p in params])


def vector_to_parameters(vec, parameters):
    """Copy consecutive slices of the 1-D ``vec`` into ``parameters``, in place (the Parameter
    objects and arrays stay the same; PyTorch rebinds ``.data`` instead, with the same values)."""
    if not isinstance(vec, Tensor):
        raise TypeError(f'expected vec to be a Tensor, got {type(vec).__name__}')
    params = _params(parameters, 'vector_to_parameters')
    total = sum(p.numel() for p in params)
    if vec.ndim != 1 or vec.shape[0] != total:
        raise RuntimeError(f'vector_to_parameters: vec of shape {tuple(vec.shape)} does not hold '
                           f'the {total} elements of the parameters')
    offset = 0
    with no_grad():
        for p in params:
            n = p.numel()
            p.array[...] = vec.array[offset:offset + n].reshape(p.shape).astype(p.dtype, copy=False)
            p._bump_version()
            offset += n

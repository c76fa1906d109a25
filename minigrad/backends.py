"""``mg.backends``, as ``torch.backends``: answers the device-selection questions PyTorch code
asks (``torch.backends.mps.is_available()``). minigrad has no MPS backend, so they say no."""
import sys
import types

mps = types.SimpleNamespace(is_available=lambda: False, is_built=lambda: False)

# torch.backends.cudnn: the flags PyTorch scripts set for speed or determinism are accepted and
# kept (minigrad's CPU runs are deterministic anyway; CuPy does not use them)
cudnn = types.SimpleNamespace(enabled=True, benchmark=False, deterministic=False, allow_tf32=True,
                              is_available=lambda: False, version=lambda: None)

# torch.backends.cuda.matmul.allow_tf32 = True, and the like
cuda = types.SimpleNamespace(matmul=types.SimpleNamespace(allow_tf32=False,
                                                          allow_fp16_reduced_precision_reduction=True),
                             is_built=lambda: False)

# `import torch.backends.cudnn as cudnn` style imports: the namespaces count as submodules
for _name in ('mps', 'cudnn', 'cuda'):
    sys.modules[f'{__name__}.{_name}'] = globals()[_name]

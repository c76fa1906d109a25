"""``mg.backends``, as ``torch.backends``: answers the device-selection questions PyTorch code
asks (``torch.backends.mps.is_available()``). minigrad has no MPS backend, so they say no."""
import types

mps = types.SimpleNamespace(is_available=lambda: False, is_built=lambda: False)

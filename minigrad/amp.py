"""``mg.autocast`` and ``mg.amp.GradScaler``: PyTorch's mixed-precision API, accepted so that
scripts written with it run, and documented as doing nothing.

minigrad computes in the dtype of its tensors (float32 by default) and does not lower precision
inside ``autocast`` blocks; without float16 math there is no gradient underflow to guard against,
so ``GradScaler`` passes the loss and the step through unscaled (``scale`` 1.0). A script using
both trains exactly as it would without them.
"""
import functools


class autocast:
    """``torch.autocast(device_type, dtype=None, enabled=True, cache_enabled=None)``: a context
    manager and decorator that changes nothing in minigrad (see the module docstring)."""

    def __init__(self, device_type='cpu', dtype=None, enabled=True, cache_enabled=None):
        self.device_type, self.dtype, self.enabled = device_type, dtype, bool(enabled)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self:
                return fn(*args, **kwargs)
        return wrapper


class GradScaler:
    """``torch.amp.GradScaler``: ``scale(loss)`` is ``loss``, ``step(optimizer)`` calls
    ``optimizer.step()``, ``update()`` and ``unscale_()`` do nothing (see the module docstring)."""

    def __init__(self, device='cpu', init_scale=2.0 ** 16, growth_factor=2.0, backoff_factor=0.5,
                 growth_interval=2000, enabled=True):
        self.device, self._enabled = device, bool(enabled)

    def scale(self, outputs):
        return outputs

    def unscale_(self, optimizer):
        pass

    def step(self, optimizer, *args, **kwargs):
        return optimizer.step(*args, **kwargs)

    def update(self, new_scale=None):
        pass

    def get_scale(self):
        return 1.0

    def is_enabled(self):
        return self._enabled

    def state_dict(self):
        return {'scale': 1.0, 'enabled': self._enabled}

    def load_state_dict(self, state_dict):
        self._enabled = bool(state_dict.get('enabled', self._enabled))


__all__ = ['autocast', 'GradScaler']

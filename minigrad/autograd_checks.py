"""The engine's safety checks, kept apart from the engine itself (``autograd.py``).

* **Version counters.** Every tensor counts the in-place changes to its memory (``t._version``,
  shared by views). When an op saves tensors for backward, ``saved_versions`` notes their
  versions; before the op's backward runs, ``check_versions`` raises if one has changed since,
  naming the op, the tensor's shape and dtype and both versions, as PyTorch does.
* **Anomaly mode** (``detect_anomaly``, ``set_detect_anomaly``): ops remember where they were
  created, and ``check_finite`` raises at the first op whose gradient holds NaN or Inf,
  showing that place in the user's code. Off by default; then the engine reads one flag per op.
"""
import functools
import os
import traceback

from . import backend

anomaly = False
check_nan_flag = True


class AnomalyError(RuntimeError):
    """Raised by anomaly mode when an op's backward returns NaN or Inf values (a RuntimeError,
    as PyTorch raises, so ``except RuntimeError`` still catches it); the message names the op and
    shows where it was created."""


def set_detect_anomaly(mode, check_nan=True):
    """Turn anomaly detection on or off. When on, every op records where it was created, and
    backward raises at the first op whose gradient holds NaN or Inf, naming the op and showing
    that place in your code. It slows every op down: use it to find a bug, not to train."""
    global anomaly, check_nan_flag
    anomaly, check_nan_flag = bool(mode), bool(check_nan)


def is_anomaly_enabled():
    return anomaly


class detect_anomaly:
    """Anomaly detection inside a ``with`` block or a decorated function (see
    ``set_detect_anomaly``); the previous setting comes back at the end.

    Args:
        check_nan: whether to check the gradients for NaN/Inf (True, as in PyTorch); with
            False, ops only record where they were created (shown by the version check).
    """

    def __init__(self, check_nan=True):
        self.check_nan = bool(check_nan)

    def __enter__(self):
        self._prev = anomaly, check_nan_flag
        set_detect_anomaly(True, self.check_nan)

    def __exit__(self, *exc):
        set_detect_anomaly(*self._prev)
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with detect_anomaly(self.check_nan):
                return fn(*args, **kwargs)
        return wrapper


def record_trace(fn):
    """Remember where ``fn`` was created (anomaly mode): the stack minus this helper and apply."""
    fn._trace = traceback.extract_stack()[:-2]


def saved_versions(saved, inputs, datas, out):
    """The version of every input (and of the output) whose array the op saved."""
    rec = []
    for j, a in enumerate(saved):
        a = getattr(a, 'array', a)          # PyTorch-style Functions save Tensors
        for i, d in enumerate(datas):
            if a is d:
                t = inputs[i]
                rec.append((t._vc, t._vc[0], j, f'input {i}'))
                break
        else:
            if a is out.array:
                rec.append((out._vc, out._vc[0], j, 'output 0'))
    return rec


def check_versions(fn):
    for vc, version, j, role in fn._versions:
        if vc[0] != version:
            a = fn.saved[j]
            raise RuntimeError(
                'one of the variables needed for gradient computation has been modified by an '
                f'inplace operation: a {a.dtype} tensor of shape {list(a.shape)}, saved by '
                f'{fn.name}Backward as its {role}, is at version {vc[0]}; expected version '
                f'{version} instead. Hint: use an out-of-place op (y = y * 2, not y.mul_(2)) or '
                'clone() the tensor before changing it' + _where_created(fn, ''))


def _where_created(fn, default):
    if fn._trace is None:
        return default + ('; mg.autograd.set_detect_anomaly(True) shows where the op was created.'
                          if default == '' else '')
    return '.\nThe op was created at (most recent call last):\n' + _user_frames(fn._trace)


def _user_frames(frames):
    """The creation traceback without minigrad's own frames (the user's code is what matters)."""
    own = os.path.dirname(os.path.abspath(__file__)) + os.sep
    keep = [f for f in frames if not os.path.abspath(f.filename).startswith(own)] or frames
    return ''.join(traceback.format_list(keep[-8:])).rstrip('\n')


def check_finite(fn, in_grads):
    """Raise at the first gradient holding NaN (as PyTorch's anomaly mode), else Inf."""
    for what, bad in (('nan', 'isnan'), ('inf', 'isinf')):
        for i, pg in enumerate(in_grads):
            if pg is not None and bool(getattr(backend.get_array_module(pg), bad)(pg).any()):
                raise AnomalyError(f"Function '{fn.name}Backward' returned {what} values in its "
                                   f'{i}th output (the gradient for its input {i}, shape '
                                   f'{list(pg.shape)})' + _where_created(fn, '.'))

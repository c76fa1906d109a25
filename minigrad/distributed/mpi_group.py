"""The 'mpi' backend: collectives on raw NumPy arrays over mpi4py.

MPI itself is started when mpi4py's ``MPI`` module is first imported (inside ``MPIGroup()``, so
importing minigrad never starts MPI). The group works on a duplicate of ``COMM_WORLD``, so the
user's own mpi4py calls on ``COMM_WORLD`` cannot be matched with ours by mistake.

Non-blocking all-reduces (``MPI_Iallreduce``) move data only while some MPI call runs in this
process (Open MPI has no progress thread by default); ``Pending.test()`` is such a call, and
``nn.parallel`` makes it from its gradient hooks so that a bucket's reduction advances while
backward computes the next one.
"""
import importlib.util

_MPI = None
INSTALL_HINT = 'pip install "minigrad[distributed]"'


def available():
    """mpi4py is installed (whether its MPI library loads is found out by ``MPIGroup()``)."""
    return importlib.util.find_spec('mpi4py') is not None


def _import_mpi():
    global _MPI
    if _MPI is None:
        try:
            from mpi4py import MPI
        except ImportError as e:
            raise RuntimeError(f"the 'mpi' backend needs mpi4py and an MPI library ({e}): "
                               f'{INSTALL_HINT} installs both') from None
        except Exception as e:   # mpi4py is there but its MPI library is missing or broken
            raise RuntimeError(f'mpi4py could not load an MPI library ({type(e).__name__}: {e}): '
                               f'{INSTALL_HINT} installs one from pip') from None
        _MPI = MPI
    return _MPI


class Pending:
    """A non-blocking MPI collective: ``test()`` advances it, ``wait()`` finishes it."""
    __slots__ = ('request', 'after')

    def __init__(self, request, after=None):
        self.request, self.after = request, after

    def test(self):
        return self.request.Test()

    def wait(self):
        self.request.Wait()
        if self.after is not None:
            self.after()
            self.after = None


class MPIGroup:
    """All ranks of the MPI job (``COMM_WORLD``, duplicated)."""
    name = 'mpi'
    needs_host = True          # arrays must be NumPy arrays (GPU tensors are staged)

    def __init__(self):
        MPI = _import_mpi()
        self.world = MPI.COMM_WORLD
        self.comm = self.world.Dup()
        self.rank = self.comm.Get_rank()
        self.size = self.comm.Get_size()
        self._ops = {'sum': MPI.SUM, 'avg': MPI.SUM, 'product': MPI.PROD, 'min': MPI.MIN,
                     'max': MPI.MAX}

    def allreduce(self, buf, op='sum'):
        """Start an in-place all-reduce of the contiguous array ``buf``; returns a ``Pending``."""
        req = self.comm.Iallreduce(_MPI.IN_PLACE, buf, self._ops[op])
        after = None
        if op == 'avg':
            def after():
                buf[...] /= self.size           # in place, keeps the dtype
        return Pending(req, after)

    def broadcast(self, buf, src):
        self.comm.Bcast(buf, root=src)

    def allgather(self, send):
        import numpy as np
        recv = np.empty((self.size,) + send.shape, dtype=send.dtype)
        self.comm.Allgather(send, recv)
        return recv

    def allgather_rows(self, row):
        """Every rank's small NumPy ``row``, stacked (used for shape checks)."""
        return self.allgather(row)

    def barrier(self):
        self.comm.Barrier()

    def abort(self, code=1):
        self.world.Abort(int(code))

    def abort_at_exit(self, code=1):
        """End the whole job with ``code`` when this process exits (instead of MPI_Finalize,
        which would wait for ranks that may be waiting for this one)."""
        if hasattr(_MPI, '_set_abort_status'):
            _MPI._set_abort_status(int(code))
        else:                                  # older mpi4py
            import atexit
            atexit.register(self.abort, code)

    def close(self):
        if self.comm is not None:
            self.comm.Free()
            self.comm = None

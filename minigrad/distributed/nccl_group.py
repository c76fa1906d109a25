"""The 'nccl' backend: collectives on CuPy arrays over NVIDIA's NCCL (``cupy.cuda.nccl``).

The ranks still start through MPI: rank 0 makes NCCL's unique id and broadcasts it over MPI, then
every rank joins the NCCL communicator on its GPU (rank modulo the GPUs of its machine, unless
``device_id`` is given). NCCL calls are queued on the current CUDA stream, so they are
non-blocking by nature; ``Pending.wait()`` makes the current stream wait for them. Small control
traffic (shape checks, barriers) goes over MPI. CuPy is reached only through
``minigrad.backend`` (the one module that imports it) and through the arrays themselves.
"""
import numpy as np

from .. import backend


class Pending:
    """An NCCL collective queued on a CUDA stream."""
    __slots__ = ('event', 'after')

    def __init__(self, event, after=None):
        self.event, self.after = event, after

    def test(self):
        return self.event.done

    def wait(self):
        self.event.synchronize()
        if self.after is not None:
            self.after()
            self.after = None


class NCCLGroup:
    """All ranks of the job, one GPU each, over NCCL (started up through ``mpi``, an MPIGroup)."""
    name = 'nccl'
    needs_host = False

    def __init__(self, mpi, device_id=None):
        self.nccl = backend.nccl_module()
        self.mpi, self.rank, self.size = mpi, mpi.rank, mpi.size
        ngpu = backend.cuda_device_count()
        index = self.rank % ngpu if device_id is None else backend.Device(device_id).index or 0
        self.device = backend.get_device(f'cuda:{index}')
        self.xp = backend.xp_of_device(self.device)
        # NCCL's unique id: a tuple of 128 small ints (signed chars), made by rank 0
        uid = np.array(self.nccl.get_unique_id() if self.rank == 0 else [0] * 128, dtype=np.int64)
        mpi.broadcast(uid, 0)
        with backend.device_context(self.device):
            self.comm = self.nccl.NcclCommunicator(self.size, tuple(int(b) for b in uid), self.rank)
        n = self.nccl
        self._ops = {'sum': n.NCCL_SUM, 'avg': n.NCCL_SUM, 'product': n.NCCL_PROD,
                     'min': n.NCCL_MIN, 'max': n.NCCL_MAX}
        self._types = {'float16': n.NCCL_FLOAT16, 'float32': n.NCCL_FLOAT32,
                       'float64': n.NCCL_FLOAT64, 'int32': n.NCCL_INT32, 'int64': n.NCCL_INT64,
                       'uint8': n.NCCL_UINT8, 'int8': n.NCCL_INT8}

    def _args(self, buf):
        if backend.device_of(buf).type != 'cuda':
            raise RuntimeError("the 'nccl' backend works on 'cuda' tensors; move the tensor with "
                               ".to('cuda') or use init_process_group('mpi') for CPU tensors")
        name = np.dtype(buf.dtype).name
        if name not in self._types:
            raise TypeError(f"the 'nccl' backend cannot reduce dtype {name}")
        return self._types[name], self.xp.cuda.get_current_stream()

    def allreduce(self, buf, op='sum'):
        dtype, stream = self._args(buf)
        self.comm.allReduce(buf.data.ptr, buf.data.ptr, buf.size, dtype, self._ops[op], stream.ptr)
        event = stream.record()
        after = None
        if op == 'avg':
            def after():
                buf[...] /= self.size
        return Pending(event, after)

    def broadcast(self, buf, src):
        dtype, stream = self._args(buf)
        self.comm.bcast(buf.data.ptr, buf.size, dtype, src, stream.ptr)

    def allgather(self, send):
        dtype, stream = self._args(send)
        recv = self.xp.empty((self.size,) + send.shape, dtype=send.dtype)
        self.comm.allGather(send.data.ptr, recv.data.ptr, send.size, dtype, stream.ptr)
        return recv

    def allgather_rows(self, row):
        return self.mpi.allgather_rows(row)

    def barrier(self):
        self.xp.cuda.get_current_stream().synchronize()
        self.mpi.barrier()

    def abort(self, code=1):
        self.mpi.abort(code)

    def abort_at_exit(self, code=1):
        self.mpi.abort_at_exit(code)

    def close(self):
        self.comm.destroy()
        self.mpi.close()

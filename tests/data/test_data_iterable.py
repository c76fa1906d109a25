"""IterableDataset streams through the DataLoader, in this process and in workers, against what
torch.utils.data does with the same streams."""
import math

import numpy as np
import pytest

import minigrad as mg
import minigrad.data as D
from minigrad.data import transforms as T


class Range(D.IterableDataset):
    """``start..end-1`` as (value, value % 3); with ``shard`` each worker streams every n-th value."""

    def __init__(self, start, end, shard=True):
        self.start, self.end, self.shard = start, end, shard

    def __iter__(self):
        info = D.get_worker_info()
        step, first = (1, self.start) if info is None or not self.shard else (info.num_workers, self.start + info.id)
        return ((np.float32(v), v % 3) for v in range(first, self.end, step))

    def __len__(self):
        return self.end - self.start


def values(loader):
    return [b[0].numpy().tolist() for b in loader]


def test_a_stream_in_this_process():
    loader = D.DataLoader(Range(0, 10), batch_size=4)
    assert values(loader) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]] and len(loader) == 3
    assert values(D.DataLoader(Range(0, 10), batch_size=4, drop_last=True)) == [[0, 1, 2, 3], [4, 5, 6, 7]]
    assert len(D.DataLoader(Range(0, 10), batch_size=4, drop_last=True)) == 2
    x, y = next(iter(D.DataLoader(Range(0, 10), batch_size=4)))
    assert x.dtype == np.float32 and y.dtype == np.int64 and y.numpy().tolist() == [0, 1, 2, 0]
    one = list(D.DataLoader(Range(0, 3), batch_size=None))
    assert [int(v.item()) for v, _ in one] == [0, 1, 2] and isinstance(one[0][0], mg.Tensor)
    chained = Range(0, 2) + Range(5, 7)
    assert isinstance(chained, D.ChainDataset) and len(chained) == 4
    assert values(D.DataLoader(chained, batch_size=3)) == [[0, 1, 5], [6]]


def test_stream_batches_in_workers_as_torch_orders_them():
    torch = pytest.importorskip('torch')

    class TorchRange(torch.utils.data.IterableDataset):
        def __init__(self, start, end, shard):
            self.start, self.end, self.shard = start, end, shard

        def __iter__(self):
            info = torch.utils.data.get_worker_info()
            step, first = (1, self.start) if info is None or not self.shard else (info.num_workers, self.start + info.id)
            return iter(range(first, self.end, step))

    for shard in (True, False):     # unsharded: every worker streams everything, as in torch
        ours = values(D.DataLoader(Range(0, 11, shard), batch_size=2, num_workers=2))
        theirs = [b.tolist() for b in torch.utils.data.DataLoader(TorchRange(0, 11, shard), batch_size=2,
                                                                  num_workers=2)]
        assert ours == theirs


def test_stream_errors_as_torch():
    for kw in (dict(shuffle=True), dict(sampler=[0, 1]), dict(batch_sampler=[[0]])):
        with pytest.raises(ValueError, match='IterableDataset: expected unspecified'):
            D.DataLoader(Range(0, 4), **kw)

    class NoLen(D.IterableDataset):
        def __iter__(self):
            return iter(range(3))

    with pytest.raises(TypeError):
        len(D.DataLoader(NoLen(), batch_size=2))
    assert [b.numpy().tolist() for b in D.DataLoader(NoLen(), batch_size=2)] == [[0, 1], [2]]


class Images(D.IterableDataset):
    def __init__(self, transform):
        self.transform = transform
        self.images = np.random.default_rng(0).integers(0, 256, size=(12, 8, 8), dtype=np.uint8)

    def __iter__(self):
        info = D.get_worker_info()
        ids = range(len(self.images)) if info is None else range(info.id, len(self.images), info.num_workers)
        return ((self.transform(self.images[i]), i) for i in ids)


def test_random_transforms_in_a_stream_are_reproducible_from_the_seed():
    tf = T.Compose([T.RandomCrop(8, padding=2), T.ToTensor()])

    def run(seed, workers=0):
        return [(x.numpy(), y.numpy()) for x, y in D.DataLoader(Images(tf), batch_size=3, seed=seed,
                                                                 num_workers=workers)]

    a, b = run(1), run(1)
    assert len(a) == 4
    for (x0, y0), (x1, y1) in zip(a, b):
        np.testing.assert_array_equal(x0, x1)
    assert not all(np.array_equal(x0, x1) for (x0, _), (x1, _) in zip(a, run(2)))
    w = run(1, workers=2)
    assert sorted(np.concatenate([y for _, y in w]).tolist()) == list(range(12))
    np.testing.assert_array_equal(run(1, workers=2)[1][0], w[1][0])   # with workers too


def test_state_dict_resumes_a_stream_mid_epoch():
    loader = D.DataLoader(Range(0, 10), batch_size=3)
    it = iter(loader)
    next(it)
    state = loader.state_dict()
    assert state['batch'] == 1
    again = D.DataLoader(Range(0, 10), batch_size=3)
    again.load_state_dict(state)
    assert values(again) == [[3, 4, 5], [6, 7, 8], [9]]
    assert math.ceil(10 / 3) == len(again)

"""DistributedSampler: PyTorch's shard layout and padding, disjoint shards, set_epoch."""
import numpy as np
import pytest

import minigrad.distributed as dist
from minigrad.data import DataLoader, DistributedSampler, TensorDataset


class _Sized:
    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n


def _torch_rule(order, num_replicas, rank, drop_last):
    """PyTorch's DistributedSampler.__iter__ applied to a given epoch order (its code, restated)."""
    import math
    indices, n = list(order), len(order)
    if drop_last and n % num_replicas:
        num_samples = math.ceil((n - num_replicas) / num_replicas)
    else:
        num_samples = math.ceil(n / num_replicas)
    total = num_samples * num_replicas
    if not drop_last:
        pad = total - len(indices)
        if pad <= len(indices):
            indices += indices[:pad]
        else:
            indices += (indices * math.ceil(pad / len(indices)))[:pad]
    else:
        indices = indices[:total]
    return indices[rank:total:num_replicas]


@pytest.mark.parametrize('n', [1, 2, 7, 10, 11, 64])
@pytest.mark.parametrize('replicas', [1, 2, 3, 4, 12])
@pytest.mark.parametrize('drop_last', [False, True])
def test_matches_torch_unshuffled(n, replicas, drop_last):
    torch = pytest.importorskip('torch')
    from torch.utils.data import DistributedSampler as TorchSampler
    for rank in range(replicas):
        ours = DistributedSampler(_Sized(n), replicas, rank, shuffle=False, drop_last=drop_last)
        theirs = TorchSampler(_Sized(n), replicas, rank, shuffle=False, drop_last=drop_last)
        assert list(ours) == list(theirs)
        assert len(ours) == len(theirs)


@pytest.mark.parametrize('n,replicas,drop_last', [(10, 3, False), (10, 3, True), (3, 5, False),
                                                  (64, 2, False), (65, 4, True)])
def test_shuffled_follows_torch_rule_on_the_loader_order(n, replicas, drop_last):
    epoch = 3
    order = DataLoader(range(n), shuffle=True, seed=5).order(epoch)
    assert sorted(order.tolist()) == list(range(n))
    for rank in range(replicas):
        s = DistributedSampler(_Sized(n), replicas, rank, shuffle=True, seed=5, drop_last=drop_last)
        s.set_epoch(epoch)
        assert list(s) == _torch_rule(order.tolist(), replicas, rank, drop_last)


def test_shards_are_disjoint_and_cover_the_dataset():
    n, replicas = 103, 4
    shards = [DistributedSampler(_Sized(n), replicas, r, drop_last=True).indices() for r in range(replicas)]
    together = np.concatenate(shards)
    assert len(set(together.tolist())) == len(together) == 100       # disjoint, 3 dropped
    padded = [list(DistributedSampler(_Sized(n), replicas, r)) for r in range(replicas)]
    assert sorted(set(sum(padded, []))) == list(range(n))            # padding only repeats


def test_set_epoch_changes_order_and_is_reproducible():
    a = DistributedSampler(_Sized(50), 2, 0, seed=1)
    b = DistributedSampler(_Sized(50), 2, 0, seed=1)
    first = list(a)
    a.set_epoch(1)
    assert list(a) != first
    b.set_epoch(1)
    assert list(a) == list(b)


def test_union_of_rank_batches_is_the_global_batch():
    """Batch k of every rank (per-rank batch B/N) holds the samples of global batch k."""
    n, replicas, global_batch = 48, 2, 8
    order = DataLoader(range(n), shuffle=True, seed=0).order(0)
    per = global_batch // replicas
    shards = [DistributedSampler(_Sized(n), replicas, r, seed=0).indices() for r in range(replicas)]
    for k in range(n // global_batch):
        ranks = np.concatenate([s[k * per:(k + 1) * per] for s in shards])
        assert sorted(ranks.tolist()) == sorted(order[k * global_batch:(k + 1) * global_batch].tolist())


def test_bad_arguments():
    with pytest.raises(ValueError, match='Invalid rank 2'):
        DistributedSampler(_Sized(4), num_replicas=2, rank=2)
    with pytest.raises(ValueError, match='num_replicas'):
        DistributedSampler(_Sized(4), num_replicas=0, rank=0)
    if not dist.is_initialized():
        with pytest.raises(RuntimeError, match='init_process_group'):
            DistributedSampler(_Sized(4))


def test_works_with_a_tensor_dataset():
    ds = TensorDataset(np.arange(10, dtype=np.float32)[:, None], np.arange(10))
    s = DistributedSampler(ds, 2, 1, shuffle=False)
    assert list(s) == [1, 3, 5, 7, 9]

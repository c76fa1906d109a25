"""DataLoader semantics: order, shuffling by seed and epoch, resume, batching, dtypes."""
import numpy as np
import pytest

import minigrad as mg
import minigrad.data as D


def arange_dataset(n, features=2):
    x = np.arange(n * features, dtype=np.float32).reshape(n, features)
    return D.TensorDataset(x, np.arange(n))


def epoch_labels(loader):
    return np.concatenate([y.numpy() for _, y in loader])


class ListDataset(D.Dataset):
    """A generic dataset without get_batch: samples one by one."""

    def __init__(self, x, y):
        self.x, self.y = x, y
        self.calls = 0

    def __len__(self):
        return len(self.y)

    def __getitem__(self, i):
        self.calls += 1
        return self.x[i], int(self.y[i])


def test_order_without_shuffle_and_last_partial_batch():
    loader = D.DataLoader(arange_dataset(10), batch_size=4)
    assert len(loader) == 3
    batches = list(loader)
    assert [tuple(x.shape) for x, _ in batches] == [(4, 2), (4, 2), (2, 2)]
    np.testing.assert_array_equal(np.concatenate([y.numpy() for _, y in batches]), np.arange(10))
    np.testing.assert_array_equal(batches[2][0].numpy(), [[16, 17], [18, 19]])
    np.testing.assert_array_equal(epoch_labels(loader), np.arange(10))  # unshuffled every epoch


def test_drop_last():
    loader = D.DataLoader(arange_dataset(10), batch_size=4, drop_last=True)
    assert len(loader) == 2
    assert [len(y.numpy()) for _, y in loader] == [4, 4]
    assert len(D.DataLoader(arange_dataset(8), batch_size=4, drop_last=True)) == 2
    assert len(D.DataLoader(arange_dataset(3), batch_size=4, drop_last=True)) == 0
    assert list(D.DataLoader(arange_dataset(3), batch_size=4, drop_last=True)) == []


def test_yields_tensors_keeping_dtypes_as_torch():
    # default collation keeps each field's dtype (torch's default_collate); image datasets give float32
    x64 = np.linspace(0, 1, 12).reshape(6, 2)
    ds = D.TensorDataset(mg.tensor(x64.astype(np.float32)), np.arange(6, dtype=np.int32))
    for x, y in D.DataLoader(ds, batch_size=4):
        assert isinstance(x, mg.Tensor) and isinstance(y, mg.Tensor)
        assert x.dtype == np.float32 and y.dtype == np.int32
    x, y = next(iter(D.DataLoader(D.TensorDataset(x64, np.arange(6)), batch_size=6)))
    assert x.dtype == np.float64 and y.dtype == np.int64
    np.testing.assert_array_equal(x.numpy(), x64)
    assert x.array.flags['C_CONTIGUOUS']
    x, y = next(iter(D.DataLoader(D.MNISTSample(train=False), batch_size=3)))
    assert x.dtype == np.float32 and y.dtype == np.int64


def test_tensor_dataset_fields_and_indexing():
    a, b, c = np.zeros((5, 3), np.float32), np.arange(5), np.ones((5, 1, 2), np.float32)
    ds = D.TensorDataset(a, b, c)
    assert len(ds) == 5
    assert [np.shape(f) for f in ds[1]] == [(3,), (), (1, 2)]
    batch = next(iter(D.DataLoader(ds, batch_size=2)))
    assert len(batch) == 3 and tuple(batch[2].shape) == (2, 1, 2)
    single = next(iter(D.DataLoader(D.TensorDataset(a), batch_size=2)))
    assert isinstance(single, list) and len(single) == 1   # torch: a tuple sample collates to a list
    with pytest.raises(ValueError, match='same first dimension'):
        D.TensorDataset(a, np.arange(4))


def test_shuffle_is_reproducible_by_seed_and_differs_by_epoch():
    ds = arange_dataset(50)
    a = D.DataLoader(ds, batch_size=8, shuffle=True, seed=3)
    b = D.DataLoader(ds, batch_size=8, shuffle=True, seed=3)
    a0, a1 = epoch_labels(a), epoch_labels(a)
    b0, b1 = epoch_labels(b), epoch_labels(b)
    np.testing.assert_array_equal(a0, b0)
    np.testing.assert_array_equal(a1, b1)
    assert sorted(a0.tolist()) == list(range(50)) and sorted(a1.tolist()) == list(range(50))
    assert not np.array_equal(a0, a1)
    assert not np.array_equal(a0, np.arange(50))
    other = epoch_labels(D.DataLoader(ds, batch_size=8, shuffle=True, seed=4))
    assert not np.array_equal(a0, other)


def test_seed_none_follows_manual_seed():
    ds = arange_dataset(30)
    mg.manual_seed(123)
    a = D.DataLoader(ds, batch_size=5, shuffle=True)
    mg.manual_seed(123)
    b = D.DataLoader(ds, batch_size=5, shuffle=True)
    assert a.seed == b.seed
    np.testing.assert_array_equal(epoch_labels(a), epoch_labels(b))
    mg.manual_seed(124)
    assert D.DataLoader(ds, batch_size=5, shuffle=True).seed != a.seed


def augmenting_loader(seed=7):
    rng = np.random.default_rng(0)
    x = rng.random((20, 1, 6, 6), dtype=np.float32)
    tf = D.Compose([D.RandomCrop(6, padding=2), D.RandomHorizontalFlip()])
    return D.DataLoader(D.TensorDataset(x, np.arange(20)), batch_size=6, shuffle=True, seed=seed, transform=tf)


def run_epochs(loader, epochs):
    return [[(x.numpy(), y.numpy()) for x, y in loader] for _ in range(epochs)]


def assert_same_epoch(e1, e2):
    assert len(e1) == len(e2)
    for (x1, y1), (x2, y2) in zip(e1, e2):
        np.testing.assert_array_equal(y1, y2)
        np.testing.assert_array_equal(x1, x2)


def test_set_epoch_reproduces_an_uninterrupted_run_with_augmentation():
    full = run_epochs(augmenting_loader(), 3)
    assert not np.array_equal(full[1][0][0], full[2][0][0])
    resumed = augmenting_loader()
    resumed.set_epoch(2)
    assert_same_epoch(run_epochs(resumed, 1)[0], full[2])
    again = augmenting_loader()
    again.set_epoch(1)
    assert_same_epoch(run_epochs(again, 1)[0], full[1])
    assert again.epoch == 2


def test_augmentation_draws_differ_by_batch_and_epoch_but_not_by_run():
    x = np.tile(np.arange(36, dtype=np.float32).reshape(1, 1, 6, 6), (8, 1, 1, 1))  # identical images

    def loader():
        return D.DataLoader(D.TensorDataset(x, np.zeros(8, np.int64)), batch_size=4,
                            transform=D.RandomCrop(4, padding=1), seed=11)

    run = run_epochs(loader(), 2)
    assert not np.array_equal(run[0][0][0], run[0][1][0])  # batch 0 vs batch 1
    assert not np.array_equal(run[0][0][0], run[1][0][0])  # epoch 0 vs epoch 1
    assert_same_epoch(run_epochs(loader(), 2)[1], run[1])


def test_state_dict_resumes_between_and_inside_epochs():
    full = run_epochs(augmenting_loader(), 3)
    first = augmenting_loader()
    run_epochs(first, 1)
    state = first.state_dict()
    assert state == {'seed': 7, 'epoch': 1, 'batch': 0}
    second = augmenting_loader(seed=99)   # the seed comes from the state
    second.load_state_dict(state)
    assert_same_epoch(run_epochs(second, 1)[0], full[1])

    mid = augmenting_loader()
    mid.set_epoch(2)
    it = iter(mid)
    head = [next(it), next(it)]
    state = mid.state_dict()
    assert state == {'seed': 7, 'epoch': 2, 'batch': 2}
    rest = augmenting_loader()
    rest.load_state_dict(state)
    tail = [(x.numpy(), y.numpy()) for x, y in rest]
    assert_same_epoch([(x.numpy(), y.numpy()) for x, y in head] + tail, full[2])
    assert rest.state_dict() == {'seed': 7, 'epoch': 3, 'batch': 0}


def test_generic_dataset_matches_the_array_fast_path():
    rng = np.random.default_rng(1)
    x, y = rng.random((11, 2, 3, 3), dtype=np.float32), rng.integers(0, 10, 11)
    generic = ListDataset(x, y)
    a = [(b[0].numpy(), b[1].numpy()) for b in D.DataLoader(generic, batch_size=4, shuffle=True, seed=5)]
    b = [(b[0].numpy(), b[1].numpy()) for b in D.DataLoader(D.TensorDataset(x, y), batch_size=4, shuffle=True, seed=5)]
    assert_same_epoch(a, b)
    assert generic.calls == 11
    assert a[0][1].dtype == np.int64


def test_array_datasets_never_call_getitem():
    class NoGetItem(D.TensorDataset):
        def __getitem__(self, i):
            raise AssertionError('the loader should batch through get_batch')

    ds = NoGetItem(np.zeros((9, 2), np.float32), np.arange(9))
    assert sum(len(y.numpy()) for _, y in D.DataLoader(ds, batch_size=4)) == 9


def test_subset_keeps_order_and_fast_path():
    ds = D.Subset(arange_dataset(10), [9, 2, 4])
    assert len(ds) == 3 and ds[0][1] == 9
    np.testing.assert_array_equal(epoch_labels(D.DataLoader(ds, batch_size=2)), [9, 2, 4])


def test_loader_transform_applies_to_inputs_only():
    ds = arange_dataset(4, features=1)
    x, y = next(iter(D.DataLoader(ds, batch_size=4, transform=lambda a: a * np.float32(10))))
    np.testing.assert_array_equal(x.numpy()[:, 0], [0, 10, 20, 30])
    np.testing.assert_array_equal(y.numpy(), np.arange(4))
    assert x.dtype == np.float32


def test_mnist_sample_through_the_loader():
    loader = D.DataLoader(D.MNISTSample(train=False), batch_size=512, shuffle=True, seed=0)
    assert len(loader) == 4
    shapes = [(tuple(x.shape), tuple(y.shape)) for x, y in loader]
    assert shapes[0] == ((512, 1, 28, 28), (512,)) and shapes[-1] == ((464, 1, 28, 28), (464,))


def test_bad_batch_size():
    with pytest.raises(ValueError, match='batch_size'):
        D.DataLoader(arange_dataset(3), batch_size=0)


def test_dataset_random_transform_is_driven_by_the_loader_seed():
    def first_batch(seed):
        ds = D.MNISTSample(train=False, transform=D.RandomCrop(28, padding=3))
        return next(iter(D.DataLoader(ds, batch_size=16, seed=seed)))[0].numpy()

    a, b = first_batch(1), first_batch(1)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, first_batch(2))
    plain = next(iter(D.DataLoader(D.MNISTSample(train=False), batch_size=16)))[0].numpy()
    assert not np.array_equal(a, plain)  # the crop ran

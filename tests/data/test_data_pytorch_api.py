"""The PyTorch-shaped data API: ToTensor and per-sample transforms, datasets after ToTensor,
samplers, random_split, ConcatDataset, DataLoader's torch arguments, minigrad.utils.data."""
import numpy as np
import pytest

import minigrad as mg
import minigrad.data as D
from minigrad.data import transforms as T


def pixels(h=5, w=6, c=None, seed=0):
    shape = (h, w) if c is None else (h, w, c)
    return np.random.default_rng(seed).integers(0, 256, size=shape, dtype=np.uint8)


# ---------------------------------------------------------------- ToTensor and transforms

def test_to_tensor_follows_torchvisions_rule():
    # torchvision: ndarray (H, W[, C]) -> (C, H, W); uint8 -> float32 / 255; other dtypes unchanged
    torch = pytest.importorskip('torch')
    for pic in (pixels(c=3), pixels()):
        out = T.ToTensor()(pic)
        hwc = pic if pic.ndim == 3 else pic[:, :, None]
        expected = torch.from_numpy(hwc).permute(2, 0, 1).contiguous().to(torch.float32).div(255)
        assert isinstance(out, mg.Tensor) and out.dtype == np.float32
        np.testing.assert_array_equal(out.numpy(), expected.numpy())     # bit for bit
    f64 = np.random.default_rng(1).random((4, 5, 2))
    out = T.ToTensor()(f64)
    assert out.dtype == np.float64 and out.shape == (2, 4, 5)
    np.testing.assert_array_equal(out.numpy(), f64.transpose(2, 0, 1))  # transposed, not scaled
    with pytest.raises(TypeError, match='already'):
        T.ToTensor()(mg.zeros(1, 2, 2))
    with pytest.raises(ValueError, match='2/3 dimensional'):
        T.ToTensor()(np.zeros((1, 2, 2, 3), np.uint8))


def test_normalize_on_a_tensor_matches_torch():
    torch = pytest.importorskip('torch')
    x = np.random.default_rng(0).random((3, 4, 4), dtype=np.float32)
    mean, std = (0.4914, 0.4822, 0.4465), (0.2470, 0.2435, 0.2616)
    out = T.Normalize(mean, std)(mg.tensor(x))
    expected = (torch.from_numpy(x) - torch.tensor(mean)[:, None, None]) / torch.tensor(std)[:, None, None]
    assert isinstance(out, mg.Tensor) and out.dtype == np.float32
    np.testing.assert_array_equal(out.numpy(), expected.numpy())
    np.testing.assert_array_equal(T.Normalize(mean, std)(x), out.numpy())   # arrays alike
    with pytest.raises(TypeError, match='ToTensor'):
        T.Normalize(0.5, 0.5)(pixels())
    with pytest.raises(ValueError, match='3 channel'):
        T.Normalize((0.5, 0.5), (1, 1))(x)
    y = x.copy()
    assert T.Normalize(0.5, 0.25, inplace=True)(y) is y
    np.testing.assert_allclose(y, (x - 0.5) / 0.25, rtol=1e-6)
    t = mg.tensor(x)
    version = t._version
    assert T.Normalize(mean, std, inplace=True)(t) is t and t._version > version
    np.testing.assert_array_equal(t.numpy(), expected.numpy())


@pytest.mark.parametrize('make', [
    lambda a: mg.tensor(a), lambda a: a, lambda a: (a * 255).astype(np.uint8).transpose(1, 2, 0)],
    ids=['tensor CHW', 'float array CHW', 'uint8 pixels HWC'])
def test_augmentations_work_per_sample_on_every_form(make):
    chw = np.random.default_rng(2).random((3, 6, 7), dtype=np.float32)
    x = make(chw)

    def as_chw(v):
        v = v.numpy() if isinstance(v, mg.Tensor) else v
        return v.transpose(2, 0, 1) / np.float32(255) if v.dtype == np.uint8 else v

    base = as_chw(x)
    out = T.RandomHorizontalFlip(p=1.0)(x)
    assert type(out) is type(x)
    np.testing.assert_array_equal(as_chw(out), base[..., ::-1])
    np.testing.assert_array_equal(as_chw(T.RandomVerticalFlip(p=1.0)(x)), base[..., ::-1, :])
    crop = T.RandomCrop((4, 5), padding=1)(x, generator=np.random.default_rng(0))
    padded = np.pad(base, ((0, 0), (1, 1), (1, 1)))
    got = as_chw(crop)
    assert got.shape == (3, 4, 5)
    assert any(np.array_equal(got, padded[:, i:i + 4, j:j + 5]) for i in range(5) for j in range(5))
    np.testing.assert_array_equal(as_chw(T.CenterCrop(4)(x)), base[:, 1:5, 2:6])   # torchvision's rounding
    assert as_chw(T.RandomCrop(8, pad_if_needed=True)(x)).shape == (3, 8, 8)
    assert as_chw(T.Resize((3, 3))(x)).shape == (3, 3, 3)


def test_random_transforms_follow_manual_seed_and_loader_generator():
    x = np.random.default_rng(0).random((1, 8, 8), dtype=np.float32)
    tf = T.Compose([T.RandomCrop(6, padding=2), T.RandomHorizontalFlip()])
    mg.manual_seed(5)
    a = [tf(x) for _ in range(4)]
    mg.manual_seed(5)
    b = [tf(x) for _ in range(4)]
    for u, v in zip(a, b):
        np.testing.assert_array_equal(u, v)
    with T.generator_scope(np.random.default_rng(3)):
        c = tf(x)
    np.testing.assert_array_equal(c, tf(x, generator=np.random.default_rng(3)))


def test_lambda_and_compose_with_plain_callables():
    tf = T.Compose([T.ToTensor(), T.Lambda(lambda t: t * 2)])
    out = tf(np.full((2, 2), 255, np.uint8))
    np.testing.assert_array_equal(out.numpy(), np.full((1, 2, 2), 2, np.float32))
    with pytest.raises(TypeError, match='callable'):
        T.Lambda(3)


# ---------------------------------------------------------------- datasets

def test_datasets_give_tensor_and_int_after_to_tensor_and_arrays_without():
    tf = T.Compose([T.ToTensor(), T.Normalize((0.1307,), (0.3081,))])
    ds = D.MNISTSample(train=False, transform=tf)
    x, y = ds[0]
    assert isinstance(x, mg.Tensor) and x.shape == (1, 28, 28) and x.dtype == np.float32
    assert type(y) is int
    assert x.unsqueeze(0).shape == (1, 1, 28, 28)          # what PyTorch code does with it
    expected = (ds.data[0].astype(np.float32) / np.float32(255) - np.float32(0.1307)) / np.float32(0.3081)
    np.testing.assert_array_equal(x.numpy()[0], expected)
    plain, label = D.MNISTSample(train=False)[0]
    assert isinstance(plain, np.ndarray) and plain.shape == (1, 28, 28) and label == y
    np.testing.assert_array_equal(plain[0], ds.data[0] / np.float32(255))
    xb, yb = next(iter(D.DataLoader(ds, batch_size=5)))
    assert xb.shape == (5, 1, 28, 28) and yb.dtype == np.int64
    np.testing.assert_array_equal(xb.numpy()[0], x.numpy())


def test_colour_dataset_hands_hwc_pixels_to_its_transform():
    images = pixels(4, 4, 3)[None].repeat(2, axis=0)
    seen = []
    ds = D.ImageDataset(images, np.array([3, 4]), transform=lambda p: seen.append(p.shape) or T.ToTensor()(p),
                        target_transform=lambda t: t * 10)
    x, y = ds[1]
    assert seen == [(4, 4, 3)] and x.shape == (3, 4, 4) and y == 40
    np.testing.assert_array_equal(x.numpy(), images[1].transpose(2, 0, 1) / np.float32(255))


def test_concat_dataset_and_add():
    a, b = D.TensorDataset(np.arange(3)), D.TensorDataset(np.arange(10, 14))
    both = a + b
    assert isinstance(both, D.ConcatDataset) and len(both) == 7
    assert [int(both[i][0]) for i in range(7)] == [0, 1, 2, 10, 11, 12, 13]
    assert int(both[-1][0]) == 13 and both.cumulative_sizes == [3, 7]
    with pytest.raises(IndexError):
        both[7]
    with pytest.raises(ValueError, match='at least one'):
        D.ConcatDataset([])


def test_random_split_lengths_match_torch_and_partition():
    torch = pytest.importorskip('torch')
    for n, lengths in [(10, [0.33, 0.33, 0.34]), (7, [0.5, 0.5]), (11, [0.1, 0.2, 0.7]), (10, [3, 7])]:
        ours = D.random_split(range(n), lengths, generator=np.random.default_rng(0))
        theirs = torch.utils.data.random_split(range(n), lengths, generator=torch.Generator().manual_seed(0))
        assert [len(s) for s in ours] == [len(s) for s in theirs]
        assert sorted(i for s in ours for i in s.indices) == list(range(n))
    a = D.random_split(range(20), [0.5, 0.5], generator=1)
    b = D.random_split(range(20), [0.5, 0.5], generator=1)
    assert a[0].indices == b[0].indices and a[0].indices != list(range(10))
    mg.manual_seed(0)
    c = D.random_split(range(20), [10, 10])
    mg.manual_seed(0)
    assert D.random_split(range(20), [10, 10])[1].indices == c[1].indices
    with pytest.raises(ValueError, match='Sum of input lengths'):
        D.random_split(range(5), [2, 2])


# ---------------------------------------------------------------- samplers and DataLoader arguments

def test_samplers():
    ds = list(range(10))
    assert list(D.SequentialSampler(ds)) == list(range(10))
    r = list(D.RandomSampler(ds, generator=0))
    assert sorted(r) == list(range(10)) and r == list(D.RandomSampler(ds, generator=0))
    assert len(list(D.RandomSampler(ds, replacement=True, num_samples=25, generator=0))) == 25
    counts = np.bincount(list(D.RandomSampler(ds, num_samples=15, generator=0)), minlength=10)
    assert counts.sum() == 15 and counts.min() == 1 and counts.max() == 2   # a permutation and a half
    assert sorted(D.SubsetRandomSampler([7, 3, 5], generator=0)) == [3, 5, 7]
    w = list(D.WeightedRandomSampler([0, 0, 1, 0], 5, generator=0))
    assert w == [2] * 5
    assert list(D.BatchSampler(range(7), 3, drop_last=False)) == [[0, 1, 2], [3, 4, 5], [6]]
    assert len(D.BatchSampler(range(7), 3, drop_last=True)) == 2
    with pytest.raises(ValueError, match='batch_size'):
        D.BatchSampler(range(3), 0, False)


def test_loader_with_sampler_batch_sampler_and_no_batching():
    ds = D.TensorDataset(np.arange(10, 20), np.arange(10))
    ys = [y.numpy().tolist() for _, y in D.DataLoader(ds, batch_size=4, sampler=D.SubsetRandomSampler([1, 5, 7], generator=0))]
    assert sorted(sum(ys, [])) == [1, 5, 7]
    batches = [y.numpy().tolist() for _, y in D.DataLoader(ds, batch_sampler=[[9, 0], [4]])]
    assert batches == [[9, 0], [4]]
    one = list(D.DataLoader(ds, batch_size=None))
    assert len(one) == 10 and isinstance(one[3][0], mg.Tensor) and one[3][0].shape == () and int(one[3][1].item()) == 3
    custom = list(D.DataLoader(ds, batch_size=3, collate_fn=lambda samples: len(samples)))
    assert custom == [3, 3, 3, 1]


@pytest.mark.parametrize('kwargs, message', [
    (dict(num_workers=-1), 'num_workers'),
    (dict(timeout=-1), 'timeout'),
    (dict(prefetch_factor=2), 'prefetch_factor'),
    (dict(persistent_workers=True), 'persistent_workers'),
    (dict(shuffle=True, sampler=[0, 1]), 'mutually exclusive with shuffle'),
    (dict(batch_sampler=[[0]], batch_size=2), 'batch_sampler option is mutually exclusive'),
    (dict(batch_size=None, drop_last=True), 'drop_last'),
    (dict(batch_size=0), 'batch_size'),
])
def test_loader_argument_errors_as_torch(kwargs, message):
    with pytest.raises(ValueError, match=message):
        D.DataLoader(D.TensorDataset(np.arange(4)), **kwargs)


def test_loader_generator_seeds_the_order():
    ds = D.TensorDataset(np.arange(30))

    def order(**kw):
        return np.concatenate([b[0].numpy() for b in D.DataLoader(ds, batch_size=7, shuffle=True, **kw)])

    np.testing.assert_array_equal(order(generator=np.random.default_rng(4)), order(generator=np.random.default_rng(4)))
    assert not np.array_equal(order(generator=np.random.default_rng(4)), order(generator=np.random.default_rng(5)))
    assert D.DataLoader(ds, pin_memory=True, pin_memory_device='', in_order=True).pin_memory


def test_utils_data_is_the_same_api():
    import minigrad.utils.data as U
    from minigrad.utils.data import (DataLoader, Dataset, TensorDataset, random_split, Subset,  # noqa: F401
                                     ConcatDataset, default_collate, get_worker_info, BatchSampler)
    assert DataLoader is D.DataLoader and Dataset is D.Dataset and random_split is D.random_split
    assert mg.utils.data is U
    for name in U.__all__:
        if name != 'DistributedSampler' or _has_distributed_sampler():
            assert getattr(U, name) is getattr(D, name)


def _has_distributed_sampler():
    try:
        D.DistributedSampler
    except ImportError:
        return False
    return True


def test_batches_are_contiguous_after_transforms_that_give_views():
    loader = D.DataLoader(D.MNISTSample(train=False), batch_size=4, transform=T.CenterCrop(20))
    x, _ = next(iter(loader))
    assert x.shape == (4, 1, 20, 20) and x.array.flags['C_CONTIGUOUS']
    np.testing.assert_array_equal(x.numpy(), D.MNISTSample(train=False).images(np.arange(4))[:, :, 4:24, 4:24])

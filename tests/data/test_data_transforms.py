"""Batch transforms: shapes, values on small known inputs, float32, determinism."""
import numpy as np
import pytest

import minigrad.data as D


def batch(n=4, c=2, h=5, w=6, seed=0):
    return np.random.default_rng(seed).random((n, c, h, w), dtype=np.float32)


def gen(seed=0):
    return np.random.default_rng(seed)


def test_normalize_values_and_dtype():
    x = np.stack([np.full((2, 2), 0.5, np.float32), np.full((2, 2), 1.0, np.float32)])  # (2, 2, 2)
    out = D.Normalize((0.5, 0.25), (0.5, 0.25))(x)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out[0], 0.0)
    np.testing.assert_allclose(out[1], 3.0)
    xb = np.stack([x, x])
    np.testing.assert_array_equal(D.Normalize((0.5, 0.25), (0.5, 0.25))(xb)[1], out)
    with pytest.raises(ValueError, match='non-zero'):
        D.Normalize(0.0, 0.0)


def test_pad_forms_and_fill():
    x = np.ones((1, 2, 3), np.float32)
    assert D.Pad(1)(x).shape == (1, 4, 5)
    out = D.Pad((1, 2), fill=-1)(x)  # left/right 1, top/bottom 2
    assert out.shape == (1, 6, 5) and out.dtype == np.float32
    assert out[0, 0, 0] == -1 and out[0, 2, 1] == 1
    out = D.Pad((1, 0, 2, 3))(x[None])  # left, top, right, bottom
    assert out.shape == (1, 1, 5, 6)
    np.testing.assert_array_equal(out[0, 0, :2, 1:4], 1)
    np.testing.assert_array_equal(out[0, 0, :, 0], 0)
    np.testing.assert_array_equal(out[0, 0, :, 4:], 0)
    np.testing.assert_array_equal(out[0, 0, 2:, :], 0)
    r = np.arange(4, dtype=np.float32).reshape(1, 1, 4)
    np.testing.assert_array_equal(D.Pad((2, 0), padding_mode='reflect')(r)[0, 0], [2, 1, 0, 1, 2, 3, 2, 1])
    np.testing.assert_array_equal(D.Pad((1, 0), padding_mode='edge')(r)[0, 0], [0, 0, 1, 2, 3, 3])


def windows(padded, h, w):
    H, W = padded.shape[-2:]
    return [padded[..., i:i + h, j:j + w] for i in range(H - h + 1) for j in range(W - w + 1)]


def test_random_crop_takes_a_window_of_the_padded_image_per_sample():
    x = batch(n=16)
    out = D.RandomCrop((5, 6), padding=2)(x, generator=gen(1))
    assert out.shape == x.shape and out.dtype == np.float32
    padded = np.pad(x, ((0, 0), (0, 0), (2, 2), (2, 2)))
    offsets = set()
    for k in range(len(x)):
        hits = [i for i, win in enumerate(windows(padded[k], 5, 6)) if np.array_equal(win, out[k])]
        assert hits, f'sample {k} is not a crop of its padded image'
        offsets.add(hits[0])
    assert len(offsets) > 1  # images get their own offsets


def test_random_crop_is_deterministic_per_generator_and_handles_one_image():
    x = batch()
    crop = D.RandomCrop(3, padding=1)
    np.testing.assert_array_equal(crop(x, generator=gen(5)), crop(x, generator=gen(5)))
    assert not np.array_equal(crop(x, generator=gen(5)), crop(x, generator=gen(6)))
    single = crop(x[0], generator=gen(2))
    assert single.shape == (2, 3, 3)
    np.testing.assert_array_equal(D.RandomCrop((5, 6))(x, generator=gen(0)), x)  # full size: identity
    with pytest.raises(ValueError, match='larger'):
        D.RandomCrop(7)(x, generator=gen(0))


def test_random_horizontal_flip():
    x = batch(n=32)
    np.testing.assert_array_equal(D.RandomHorizontalFlip(p=1.0)(x, generator=gen(0)), x[..., ::-1])
    np.testing.assert_array_equal(D.RandomHorizontalFlip(p=0.0)(x, generator=gen(0)), x)
    out = D.RandomHorizontalFlip()(x, generator=gen(3))
    flipped = [np.array_equal(o, xi[..., ::-1]) for o, xi in zip(out, x)]
    kept = [np.array_equal(o, xi) for o, xi in zip(out, x)]
    assert all(f or k for f, k in zip(flipped, kept))
    assert any(flipped) and any(kept)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, D.RandomHorizontalFlip()(x, generator=gen(3)))
    assert D.RandomHorizontalFlip(1.0)(x[0], generator=gen(0)).shape == x[0].shape


def test_resize_nearest_known_values():
    x = np.array([[[1, 2], [3, 4]]], np.float32)
    out = D.Resize(4, mode='nearest')(x)
    np.testing.assert_array_equal(out[0], [[1, 1, 2, 2], [1, 1, 2, 2], [3, 3, 4, 4], [3, 3, 4, 4]])
    assert out.dtype == np.float32


def test_resize_bilinear_known_values():
    x = np.array([[[0, 4]]], np.float32)  # (1, 1, 2)
    out = D.Resize((1, 4))(x)
    # align_corners=False: source positions -0.25, 0.25, 0.75, 1.25 -> clamped 0, 1, 3, 4
    np.testing.assert_allclose(out[0, 0], [0, 1, 3, 4])
    assert out.dtype == np.float32


def test_resize_28_to_32_and_smaller_edge_rule():
    x = batch(n=3, c=1, h=28, w=28)
    out = D.Resize(32)(x)
    assert out.shape == (3, 1, 32, 32) and out.dtype == np.float32
    assert D.Resize(14)(np.zeros((1, 28, 56), np.float32)).shape == (1, 14, 28)
    np.testing.assert_array_equal(D.Resize(32)(x[1]), out[1])


@pytest.mark.parametrize('mode', ['nearest', 'bilinear'])
@pytest.mark.parametrize('size', [(32, 32), (13, 9)])
def test_resize_matches_pytorch_interpolate(mode, size):
    torch = pytest.importorskip('torch')
    x = batch(n=2, c=3, h=28, w=20)
    ours = D.Resize(size, mode=mode)(x)
    kw = {} if mode == 'nearest' else {'align_corners': False}
    theirs = torch.nn.functional.interpolate(torch.from_numpy(x), size=size, mode=mode, **kw).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)


def test_compose_runs_in_order_and_shares_the_generator():
    x = batch()
    tf = D.Compose([D.Pad(1), D.RandomCrop(4), lambda a: a * np.float32(2), D.RandomHorizontalFlip()])
    a, b = tf(x, generator=gen(9)), tf(x, generator=gen(9))
    np.testing.assert_array_equal(a, b)
    assert a.shape == (4, 2, 4, 4) and a.dtype == np.float32
    assert a.max() > 1.0  # the doubling ran
    assert 'RandomCrop' in repr(tf)


def test_random_transforms_without_generator_use_the_global_one():
    import minigrad as mg
    x = batch()
    mg.manual_seed(0)
    a = D.RandomCrop(3, padding=1)(x)
    mg.manual_seed(0)
    np.testing.assert_array_equal(D.RandomCrop(3, padding=1)(x), a)


def test_bad_inputs():
    with pytest.raises(ValueError, match='expected an image'):
        D.RandomHorizontalFlip()(np.zeros(3, np.float32), generator=gen(0))
    with pytest.raises(ValueError, match='expected an image'):
        D.RandomCrop(2)(np.zeros((1, 1, 1, 3, 3), np.float32), generator=gen(0))
    with pytest.raises(ValueError, match='mode'):
        D.Resize(4, mode='bicubic')

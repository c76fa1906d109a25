"""make_grid and save_image (torchvision.utils' forms) in minigrad.data.utils."""
import numpy as np
import pytest

import minigrad as mg
from minigrad.data import make_grid, save_image
from minigrad.data.utils import read_png


def test_make_grid_layout_by_hand():
    images = mg.tensor(np.arange(1, 6, dtype=np.float32)[:, None, None, None] * np.ones((5, 1, 2, 3), np.float32))
    grid = make_grid(images, nrow=2, padding=1, pad_value=-1)
    # 5 images in rows of 2: 3 rows; (2+1)*3+1 = 10 high, (3+1)*2+1 = 9 wide; grey -> 3 channels
    assert tuple(grid.shape) == (3, 10, 9) and grid.dtype == mg.float32
    g = grid.numpy()
    assert np.all(g[0] == g[1]) and np.all(g[1] == g[2])
    assert np.all(g[0, 1:3, 1:4] == 1) and np.all(g[0, 1:3, 5:8] == 2)
    assert np.all(g[0, 4:6, 1:4] == 3) and np.all(g[0, 7:9, 1:4] == 5)
    assert np.all(g[0, 7:9, 5:8] == -1)                       # the empty sixth place is padding
    assert np.all(g[0, 0] == -1) and np.all(g[0, :, 0] == -1) and np.all(g[0, 3] == -1)


def test_make_grid_normalize_and_single_image():
    x = mg.tensor([[[[-2.0, 2.0]]], [[[0.0, 6.0]]]])         # (2, 1, 1, 2)
    g = make_grid(x, normalize=True, padding=0).numpy()
    assert np.allclose(g[0], [[0, 0.5, 0.25, 1]])
    g = make_grid(x, normalize=True, scale_each=True, padding=0).numpy()
    assert np.allclose(g[0], [[0, 1, 0, 1]])
    g = make_grid(x, normalize=True, value_range=(0, 4), padding=0).numpy()
    assert np.allclose(g[0], [[0, 0.5, 0, 1]])
    one = make_grid(mg.ones(3, 4, 5))
    assert tuple(one.shape) == (3, 4, 5)
    assert tuple(make_grid([mg.zeros(1, 4, 4)] * 3, nrow=3).shape) == (3, 8, 20)


def test_make_grid_matches_torchvision():
    torch = pytest.importorskip('torch')
    tvu = pytest.importorskip('torchvision.utils')
    x = np.random.default_rng(0).random((7, 3, 5, 4)).astype(np.float32)
    for kw in ({}, {'nrow': 3, 'padding': 1}, {'normalize': True, 'pad_value': 0.5}):
        assert np.allclose(make_grid(mg.tensor(x), **kw).numpy(), tvu.make_grid(torch.tensor(x), **kw).numpy())


def test_save_image_writes_a_png_that_reads_back(tmp_path):
    x = mg.rand(4, 1, 6, 7)
    save_image(x, tmp_path / 'grid.png', nrow=2)
    pixels = read_png(tmp_path / 'grid.png')
    expected = make_grid(x, nrow=2).numpy()
    assert pixels.shape == (2 + 2 * 8, 2 + 2 * 9, 3) and pixels.dtype == np.uint8
    assert np.array_equal(pixels, np.clip(expected * 255 + 0.5, 0, 255).astype(np.uint8).transpose(1, 2, 0))
    assert not [p for p in tmp_path.iterdir() if p.name != 'grid.png']     # no temp file left


def test_save_image_reads_with_pil_when_installed(tmp_path):
    Image = pytest.importorskip('PIL.Image')
    x = mg.rand(2, 3, 4, 4)
    save_image(x, str(tmp_path / 'a.png'))
    assert np.array_equal(np.asarray(Image.open(tmp_path / 'a.png')), read_png(tmp_path / 'a.png'))


def test_bad_inputs_are_clear_errors(tmp_path):
    with pytest.raises(ValueError, match=r'\(B, C, H, W\).*got shape \(1, 2, 3, 4, 5\)'):
        make_grid(mg.zeros(1, 2, 3, 4, 5))
    with pytest.raises(ValueError, match='PNG only, got format=.jpeg'):
        save_image(mg.zeros(1, 4, 4), tmp_path / 'x.jpg', format='jpeg')
    with pytest.raises(ValueError, match='1 or 3 channels.*\\(2, 4, 4\\)'):
        save_image(mg.zeros(2, 4, 4), tmp_path / 'x.png')
    with pytest.raises(ValueError, match='empty list'):
        make_grid([])


def test_fake_data_is_repeatable_and_shaped_like_torchvisions():
    from minigrad.data import FakeData, transforms
    ds = FakeData(size=12, image_size=(3, 9, 7), num_classes=4, transform=transforms.ToTensor())
    image, label = ds[5]
    assert tuple(image.shape) == (3, 9, 7) and image.dtype == mg.float32 and 0 <= label < 4
    again, label2 = FakeData(size=12, image_size=(3, 9, 7), num_classes=4, transform=transforms.ToTensor())[5]
    assert np.array_equal(image.numpy(), again.numpy()) and label == label2
    other = FakeData(size=12, image_size=(3, 9, 7), num_classes=4, random_offset=100)[5][0]
    assert not np.array_equal(other, ds[5][0].numpy())
    assert len({ds[i][1] for i in range(12)}) > 1
    grey = FakeData(size=3, image_size=(1, 4, 4))
    assert grey[0][0].shape == (1, 4, 4)
    batch = next(iter(mg.data.DataLoader(FakeData(size=10, image_size=(3, 8, 8)), batch_size=4)))
    assert tuple(batch[0].shape) == (4, 3, 8, 8) and batch[1].dtype == mg.int64
    with pytest.raises(IndexError, match='index 12 is out of range for a dataset of 12'):
        ds[12]
    with pytest.raises(ValueError, match=r'image_size \(C, H, W\).*got size=3, image_size=\(4, 4\)'):
        FakeData(size=3, image_size=(4, 4))

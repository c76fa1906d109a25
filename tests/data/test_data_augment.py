"""torchvision's geometric and colour transforms (data/augment.py, augment_color.py) and the
folder datasets (data/folder.py), checked against hand-computed results."""
import os
import struct
import zlib

import numpy as np
import pytest

import minigrad as mg
from minigrad.data import DataLoader, DatasetFolder, ImageFolder, folder, save_image, transforms as T
from minigrad.data.utils import read_png


def _g(seed=0):
    return np.random.default_rng(seed)


# ---- geometry -------------------------------------------------------------------------------------

@pytest.mark.parametrize('mode', [T.InterpolationMode.NEAREST, T.InterpolationMode.BILINEAR])
def test_rotation_by_90_degrees_is_rot90(mode):
    a = np.arange(25, dtype=np.uint8).reshape(5, 5)
    assert np.array_equal(T.RandomRotation((90, 90), interpolation=mode)(a), np.rot90(a))
    assert np.array_equal(T.RandomRotation((-90, -90), interpolation=mode)(a), np.rot90(a, -1))
    t = mg.rand(3, 5, 5)
    assert np.allclose(T.RandomRotation((180, 180), interpolation=mode)(t).numpy(), t.numpy()[:, ::-1, ::-1], atol=1e-5)


def test_rotation_fills_the_corners_and_keeps_dtype():
    a = np.full((9, 9, 3), 200, np.uint8)
    out = T.RandomRotation((45, 45), fill=7)(a)
    assert out.dtype == np.uint8 and out.shape == (9, 9, 3)
    assert np.all(out[0, 0] == 7) and np.all(out[4, 4] == 200)


def test_affine_translate_and_scale():
    b = np.zeros((7, 7), np.float32)
    b[3, 3] = 1
    moved = T.RandomAffine(0, translate=(2 / 7, 0))
    outs = {tuple(np.argwhere(moved(b, generator=_g(s)))[0]) for s in range(20)}
    assert outs <= {(3, c) for c in range(1, 6)} and len(outs) > 1          # horizontal shifts only
    zoom = T.RandomAffine(0, scale=(2.0, 2.0), interpolation='nearest')(np.eye(7, dtype=np.float32))
    assert zoom[3, 3] == 1 and zoom.sum() < 7 + 7                            # zoomed about the centre


def test_affine_is_reproducible_per_generator_and_draws_per_image():
    t = mg.rand(4, 1, 8, 8)
    tf = T.RandomAffine(30, translate=(0.1, 0.1), scale=(0.8, 1.2), shear=10)
    assert np.array_equal(tf(t, generator=_g(1)).numpy(), tf(t, generator=_g(1)).numpy())
    same = mg.tensor(np.repeat(t.numpy()[:1], 4, axis=0))
    out = tf(same, generator=_g(2)).numpy()
    assert not np.allclose(out[0], out[1])                                   # one draw per image


def test_random_resized_crop_shapes_and_params():
    t = mg.rand(3, 20, 30)
    assert tuple(T.RandomResizedCrop(8)(t).shape) == (3, 8, 8)
    assert T.RandomResizedCrop((6, 4))(np.zeros((20, 30, 3), np.uint8)).shape == (6, 4, 3)
    for seed in range(20):
        top, left, h, w = T.RandomResizedCrop.get_params(20, 30, (0.08, 1.0), (3 / 4, 4 / 3), _g(seed))
        assert 0 <= top and top + h <= 20 and 0 <= left and left + w <= 30
        assert 0.08 * 600 * 0.8 <= h * w <= 600 and 0.7 <= w / h <= 1.4
    # no box can have the ratio asked for: torchvision's central crop at the nearest ratio
    assert T.RandomResizedCrop.get_params(20, 30, (1.0, 1.0), (4.0, 4.0), _g()) == (6, 0, 8, 30)
    # the whole image, resized: the same as Resize
    whole = T.RandomResizedCrop(10, scale=(1.0, 1.0), ratio=(1.5, 1.5))(t)
    assert np.allclose(whole.numpy(), T.Resize((10, 10))(t).numpy())


# ---- colour -------------------------------------------------------------------------------------

def test_color_jitter_fixed_factors():
    img = mg.tensor(np.array([[[0.2]], [[0.4]], [[0.6]]], np.float32))      # one RGB pixel
    assert np.allclose(T.ColorJitter(brightness=(2, 2))(img).numpy().ravel(), [0.4, 0.8, 1.0])
    grey = 0.2989 * 0.2 + 0.587 * 0.4 + 0.114 * 0.6
    assert np.allclose(T.ColorJitter(saturation=(0, 0))(img).numpy().ravel(), [grey] * 3, atol=1e-6)
    assert np.allclose(T.ColorJitter(contrast=(0, 0))(img).numpy().ravel(), [grey] * 3, atol=1e-6)
    red = mg.tensor(np.array([[[1.0]], [[0.0]], [[0.0]]], np.float32))
    assert np.allclose(T.ColorJitter(hue=(0.5, 0.5))(red).numpy().ravel(), [0, 1, 1], atol=1e-6)   # cyan
    pixels = np.full((2, 2, 3), 100, np.uint8)
    out = T.ColorJitter(brightness=(3, 3))(pixels)
    assert out.dtype == np.uint8 and np.all(out == 255)                      # clipped at 255
    varied = T.ColorJitter(0.4, 0.4, 0.4, 0.1)(mg.rand(8, 3, 4, 4))
    assert tuple(varied.shape) == (8, 3, 4, 4) and 0 <= varied.min().item() and varied.max().item() <= 1


def test_grayscale_and_random_grayscale():
    rgb = np.zeros((1, 3, 3), np.uint8)
    rgb[0] = [[255, 0, 0], [0, 255, 0], [0, 0, 255]]                         # three pixels
    grey = T.Grayscale()(rgb.transpose(1, 0, 2)[:, :, :])                   # (3, 1, 3) HWC
    assert grey.shape == (3, 1, 1) and grey.ravel().tolist() == [76, 150, 29]
    t = mg.rand(3, 4, 4)
    assert tuple(T.Grayscale(num_output_channels=3)(t).shape) == (3, 4, 4)
    assert np.array_equal(T.RandomGrayscale(p=0)(t).numpy(), t.numpy())
    g3 = T.RandomGrayscale(p=1)(t).numpy()
    assert np.allclose(g3[0], g3[1]) and np.allclose(g3[1], g3[2])


def test_gaussian_blur():
    flat = mg.full((1, 7, 7), 0.5)
    assert np.allclose(T.GaussianBlur(5)(flat).numpy(), 0.5, atol=1e-6)
    impulse = np.zeros((1, 7, 7), np.float32)
    impulse[0, 3, 3] = 1
    out = T.GaussianBlur(3, sigma=1.0)(impulse)[0]
    k = np.exp(-0.5 * np.array([1.0, 0.0, 1.0]))
    k /= k.sum()
    assert np.allclose(out[2:5, 2:5], np.outer(k, k), atol=1e-6) and abs(out.sum() - 1) < 1e-6


def test_random_erasing():
    t = mg.ones(3, 20, 20)
    assert np.array_equal(T.RandomErasing(p=0)(t).numpy(), t.numpy())
    out = T.RandomErasing(p=1, value=0)(t, generator=_g(3)).numpy()
    erased = (out == 0).all(axis=0)
    rows, cols = np.where(erased)
    assert erased.sum() == (rows.max() - rows.min() + 1) * (cols.max() - cols.min() + 1)   # a rectangle
    assert 0.02 * 400 * 0.5 <= erased.sum() <= 0.33 * 400 * 1.5
    assert np.all(t.numpy() == 1)                                            # the input is untouched


def test_random_apply_choice_order():
    x = mg.zeros(1, 2, 2)
    plus = T.Lambda(lambda v: v + 1)
    times = T.Lambda(lambda v: v * 10)
    assert T.RandomApply([plus, plus], p=1)(x).numpy().max() == 2
    assert T.RandomApply([plus], p=0)(x).numpy().max() == 0
    picks = {T.RandomChoice([plus, times])(x + 1, generator=_g(s)).numpy().max() for s in range(10)}
    assert picks == {2, 10}
    orders = {T.RandomOrder([plus, times])(x, generator=_g(s)).numpy().max() for s in range(10)}
    assert orders == {10, 1}                                                # (0+1)*10 or 0*10+1


def test_dtype_conversions_and_pil():
    u8 = mg.tensor(np.array([[[0, 128, 255]]], np.uint8))
    f = T.ConvertImageDtype(mg.float32)(u8)
    assert f.dtype == mg.float32 and np.allclose(f.numpy(), [[[0, 128 / 255, 1]]])
    assert T.ConvertImageDtype(mg.uint8)(f).numpy().tolist() == [[[0, 128, 255]]]
    assert tuple(T.PILToTensor()(np.zeros((4, 5, 3), np.uint8)).shape) == (3, 4, 5)
    Image = pytest.importorskip('PIL.Image')
    pil = T.ToPILImage()(mg.rand(3, 4, 5))
    assert isinstance(pil, Image.Image) and pil.size == (5, 4) and pil.mode == 'RGB'
    back = T.ToTensor()(T.ToPILImage()(f))
    assert np.allclose(back.numpy(), f.numpy(), atol=1 / 255)


@pytest.mark.parametrize('make, error, message', [
    (lambda: T.ColorJitter(hue=0.7), ValueError, r'hue values should be between \(-0.5, 0.5\)'),
    (lambda: T.ColorJitter(brightness=-1), ValueError, r'brightness.*non negative, got -1'),
    (lambda: T.GaussianBlur(4), ValueError, r'odd and positive number, got 4'),
    (lambda: T.Grayscale(2), ValueError, r'num_output_channels should be either 1 or 3, got 2'),
    (lambda: T.RandomRotation(10, expand=True), NotImplementedError, r'expand=True'),
    (lambda: T.RandomResizedCrop(8, scale=(1.0, 0.5)), ValueError, r'scale and ratio should be of kind \(min, max\)'),
    (lambda: T.RandomRotation(10, interpolation='bicubic'), ValueError, r"'nearest' or 'bilinear'.*bicubic"),
    (lambda: T.RandomErasing(p=2), ValueError, r'between 0 and 1, got 2'),
])
def test_bad_arguments(make, error, message):
    with pytest.raises(error, match=message):
        make()


def test_augmentation_pipeline_through_workers_is_reproducible():
    data = mg.data.TensorDataset(mg.rand(16, 3, 12, 12), mg.arange(16))

    class Aug(mg.data.Dataset):
        tf = T.Compose([T.RandomResizedCrop(8), T.RandomRotation(15), T.ColorJitter(0.3, 0.3, 0.3, 0.05),
                        T.RandomGrayscale(0.2), T.GaussianBlur(3), T.RandomErasing(0.5)])

        def __len__(self):
            return 16

        def __getitem__(self, i):
            x, y = data[i]
            return self.tf(x), y

    runs = [[b[0].numpy() for b in DataLoader(Aug(), batch_size=4, shuffle=True, seed=5, num_workers=w)]
            for w in (0, 2)]
    assert all(np.array_equal(a, b) for a, b in zip(*runs)) and runs[0][0].shape == (4, 3, 8, 8)


# ---- folders ------------------------------------------------------------------------------------

@pytest.fixture
def image_root(tmp_path):
    rng = np.random.default_rng(0)
    for cls, n in (('bees', 2), ('ants', 3)):
        os.makedirs(tmp_path / 'train' / cls)
        for i in range(n):
            save_image(mg.tensor(rng.random((3, 6, 5), dtype=np.float32)), tmp_path / 'train' / cls / f'{i}.png')
    (tmp_path / 'train' / 'ants' / 'notes.txt').write_text('not an image')
    return tmp_path / 'train'


def test_image_folder(image_root):
    ds = ImageFolder(str(image_root), transform=T.Compose([T.RandomResizedCrop(4), T.ToTensor()]))
    assert ds.classes == ['ants', 'bees'] and ds.class_to_idx == {'ants': 0, 'bees': 1}
    assert [os.path.basename(p) for p, _ in ds.samples] == ['0.png', '1.png', '2.png', '0.png', '1.png']
    assert ds.targets == [0, 0, 0, 1, 1] and ds.imgs is ds.samples and len(ds) == 5
    image, label = ds[4]
    assert tuple(image.shape) == (3, 4, 4) and image.dtype == mg.float32 and label == 1
    x, y = next(iter(DataLoader(ds, batch_size=5)))
    assert tuple(x.shape) == (5, 3, 4, 4) and y.tolist() == [0, 0, 0, 1, 1]


def test_image_folder_without_pillow_reads_png(image_root, monkeypatch):
    with_pil = [np.asarray(img) for img, _ in ImageFolder(image_root)] if _has_pil() else None

    def no_pil(path):
        raise ImportError('no PIL here')
    monkeypatch.setattr(folder, 'pil_loader', no_pil)
    without = [img for img, _ in ImageFolder(image_root)]
    assert all(isinstance(a, np.ndarray) and a.shape == (6, 5, 3) and a.dtype == np.uint8 for a in without)
    if with_pil is not None:
        assert all(np.array_equal(a, b) for a, b in zip(with_pil, without))
    (image_root / 'ants' / 'x.jpg').write_bytes(b'\xff\xd8')
    with pytest.raises(ImportError, match=r"cannot read .*x.jpg.*install Pillow"):
        ImageFolder(image_root)[3]


def _has_pil():
    try:
        import PIL  # noqa: F401
        return True
    except ImportError:
        return False


def test_folder_errors(tmp_path, image_root):
    with pytest.raises(FileNotFoundError, match=r"image folder .*nowhere.* does not exist"):
        ImageFolder(tmp_path / 'nowhere')
    with pytest.raises(FileNotFoundError, match=r"Couldn't find any class folder in"):
        ImageFolder(image_root / 'ants')
    os.makedirs(image_root / 'wasps')
    with pytest.raises(FileNotFoundError, match=r'Found no valid file for the classes wasps'):
        ImageFolder(image_root)
    assert ImageFolder(image_root, allow_empty=True).classes == ['ants', 'bees', 'wasps']
    texts = DatasetFolder(image_root, loader=lambda p: open(p).read(), extensions=('.txt',), allow_empty=True)
    assert texts.samples[0][0].endswith('notes.txt') and texts[0] == ('not an image', 0)


def _png(pixels, filters):
    """A PNG of 8-bit RGB ``pixels`` with row filter ``filters[y]`` on row y (PNG's definitions)."""
    h, w, c = pixels.shape
    rows, prev = [], np.zeros(w * c, np.int32)
    for y in range(h):
        line, f = pixels[y].reshape(-1).astype(np.int32), filters[y]
        left = np.concatenate([np.zeros(c, np.int32), line[:-c]])
        upleft = np.concatenate([np.zeros(c, np.int32), prev[:-c]])
        if f == 0:
            pred = 0
        elif f == 1:
            pred = left
        elif f == 2:
            pred = prev
        elif f == 3:
            pred = (left + prev) // 2
        else:
            pa, pb, pc = np.abs(prev - upleft), np.abs(left - upleft), np.abs(left + prev - 2 * upleft)
            pred = np.where((pa <= pb) & (pa <= pc), left, np.where(pb <= pc, prev, upleft))
        rows.append(bytes([f]) + ((line - pred) % 256).astype(np.uint8).tobytes())
        prev = line

    def chunk(kind, body):
        return struct.pack('>I', len(body)) + kind + body + struct.pack('>I', zlib.crc32(kind + body))
    return (b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', w, h, 8, 2, 0, 0, 0))
            + chunk(b'IDAT', zlib.compress(b''.join(rows))) + chunk(b'IEND', b''))


def test_read_png_undoes_every_row_filter(tmp_path):
    pixels = np.random.default_rng(0).integers(0, 256, (5, 4, 3), dtype=np.uint8)
    (tmp_path / 'f.png').write_bytes(_png(pixels, [0, 1, 2, 3, 4]))
    assert np.array_equal(read_png(tmp_path / 'f.png'), pixels)
    (tmp_path / 'bad.png').write_bytes(b'\x89PNG\r\n\x1a\n')
    with pytest.raises(ValueError, match='without its IHDR header'):
        read_png(tmp_path / 'bad.png')

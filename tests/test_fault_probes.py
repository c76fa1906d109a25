"""Fault probes: the common mistakes of someone coming from PyTorch, and what they get.

Each test makes one mistake and asserts that minigrad answers with a clear error of PyTorch's
type (or a documented one) whose message names what was expected and what was given; never a
NumPy traceback from deep inside and never a silent wrong answer. Cases that still fall short
are ``xfail(strict=True)`` with the owner they were handed to, so that a fix shows up as an
XPASS to remove the mark (Linear's input and size checks, the broadcasting error, 0-d
iteration, ``== None``, stacking arrays, empty max, wrong-shape assignment and max pooling
followed by an in-place ReLU came in that way).
"""
import pickle
import re
import zipfile

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F
from minigrad.data import DataLoader, Dataset, ImageFolder, TensorDataset
from minigrad.data import transforms as T
from minigrad.serialization import SerializationError


# ---- layers given the wrong input ---------------------------------------------------------------

@pytest.mark.parametrize('shape', [(2, 1, 28, 28), (1, 28, 28), (28, 28), (1, 1, 3, 28, 28)])
def test_conv2d_wrong_channels_or_rank(shape):
    with pytest.raises(RuntimeError, match=r'Conv2d\(in_channels=3\): expected input of shape '
                                           r'\(N, 3, H, W\) or \(3, H, W\), got shape ' + re.escape(str(shape))):
        nn.Conv2d(3, 8, 3)(mg.randn(*shape))


def test_conv2d_channels_last_image():
    # a NumPy habit: (N, H, W, C); the message shows the shape that was given
    with pytest.raises(RuntimeError, match=r'expected input of shape \(N, 3, H, W\).*got shape \(4, 32, 32, 3\)'):
        nn.Conv2d(3, 8, 3)(mg.randn(4, 32, 32, 3))


def test_conv2d_kernel_larger_than_input():
    with pytest.raises(RuntimeError, match=r"kernel size \(5 x 5\) can't be greater than the padded input size \(3 x 3"):
        nn.Conv2d(3, 8, 5)(mg.randn(1, 3, 3, 3))


def test_linear_wrong_in_features():
    # the classic missing flatten: (N, 1, 28, 28) into Linear(784, ...)
    with pytest.raises(RuntimeError, match=r'Linear\(in_features=784\): expected input with last dimension 784, '
                                           r'got shape \(4, 1, 28, 28\)'):
        nn.Linear(784, 10)(mg.randn(4, 1, 28, 28))


def test_sequential_points_at_the_failing_layer():
    model = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.MaxPool2d(4), nn.Linear(512, 32))
    with pytest.raises(RuntimeError, match=r'Linear\(in_features=512\).*got shape \(1, 8, 8, 8\)'):
        model(mg.randn(1, 3, 32, 32))


@pytest.mark.parametrize('layer', [nn.Linear(3, 2), nn.Conv2d(3, 2, 3)], ids=['linear', 'conv2d'])
def test_float64_input_into_float32_model(layer):
    x = mg.randn(1, 3, 5, 5, dtype=mg.float64) if isinstance(layer, nn.Conv2d) else mg.randn(4, 3, dtype=mg.float64)
    with pytest.raises(RuntimeError, match=r'input dtype \(float64\) and weight dtype \(float32\) should be the same'):
        layer(x)


def test_numpy_float64_array_made_into_a_tensor():
    # mg.tensor(np.random.randn(...)) keeps float64, as torch.tensor does; the model says so
    with pytest.raises(RuntimeError, match=r'float64.*float32.*\.float\(\)'):
        nn.Linear(3, 2)(mg.tensor(np.random.randn(4, 3)))


def test_integer_input_into_a_model():
    with pytest.raises(RuntimeError, match=r'expected a floating point input, got dtype int64 \(use input.float\(\)\)'):
        nn.Linear(3, 2)(mg.tensor([[1, 2, 3]]))


def test_numpy_array_into_a_model():
    with pytest.raises(TypeError, match=r"argument 'input' must be a minigrad Tensor, got ndarray"):
        nn.Conv2d(3, 2, 3)(np.zeros((1, 3, 5, 5), np.float32))


def test_list_into_linear():
    with pytest.raises(TypeError, match=r"argument 'input' must be a minigrad Tensor, got list"):
        nn.Linear(3, 2)([[1., 2., 3.]])


def test_linear_with_a_float_or_negative_size():
    with pytest.raises(TypeError, match=r'in_features must be an int, got 3\.5'):
        nn.Linear(3.5, 2)
    with pytest.raises(RuntimeError, match=r'negative dimension -3 \(in_features=-3\)'):
        nn.Linear(-3, 2)


def test_batchnorm_wrong_features_and_rank():
    with pytest.raises(ValueError, match=r'BatchNorm2d\(16\): expected input with 16 channels in dim 1, got shape \(2, 8, 4, 4\)'):
        nn.BatchNorm2d(16)(mg.randn(2, 8, 4, 4))
    with pytest.raises(ValueError, match=r'expected 4D input \(got 2D input'):
        nn.BatchNorm2d(16)(mg.randn(2, 16))
    with pytest.raises(ValueError, match=r'Expected more than 1 value per channel when training, got input size \(1, 4\)'):
        nn.BatchNorm1d(4)(mg.randn(1, 4))


def test_maxpool_larger_than_input():
    with pytest.raises(RuntimeError, match=r'output size \(0 x 0\) is too small.*input of shape \(1, 1, 2, 2\)|'
                                           r'input of shape \(1, 1, 2, 2\).*output size \(0 x 0\) is too small'):
        nn.MaxPool2d(4)(mg.randn(1, 1, 2, 2))


@pytest.mark.parametrize('pool', [nn.MaxPool2d(2), nn.AdaptiveMaxPool2d(1)], ids=['max', 'adaptive-max'])
def test_maxpool_then_inplace_relu(pool):
    # torch's max pooling keeps its input and indices, so an in-place ReLU after it is fine
    x = mg.randn(1, 1, 4, 4, requires_grad=True)
    nn.ReLU(inplace=True)(pool(x)).sum().backward()
    assert x.grad is not None and float(x.grad.sum().item()) >= 0


@pytest.mark.parametrize('op', ['sigmoid', 'tanh', 'softmax'])
def test_inplace_change_of_an_output_saved_for_backward_is_caught(op):
    # these save their output, in torch too: changing it in place must be an error, not a wrong grad
    x = mg.randn(2, 3, requires_grad=True)
    y = x.softmax(-1) if op == 'softmax' else getattr(x, op)()
    y.add_(1)
    with pytest.raises(RuntimeError, match=r'modified by an inplace operation.*as its output 0'):
        y.sum().backward()


def test_embedding_index_out_of_range_and_float_indices():
    with pytest.raises(IndexError, match=r'index 10 is out of range for 10 embeddings \(valid: 0 to 9\)'):
        nn.Embedding(10, 3)(mg.tensor([1, 10]))
    with pytest.raises(RuntimeError, match=r'expected integer indices.*got dtype float32'):
        nn.Embedding(10, 3)(mg.tensor([1., 2.]))


def test_broadcast_mismatch():
    with pytest.raises(RuntimeError, match=r'size of tensor a \(5\) must match the size of tensor b \(3\) at '
                                           r'non-singleton dimension 1'):
        mg.randn(4, 5) + mg.randn(3)
    with pytest.raises(RuntimeError, match=r'size of tensor a'):
        mg.randn(4, 5) * mg.randn(4, 1, 3)


def test_shape_mistakes():
    with pytest.raises(RuntimeError, match=r'shape \[3, -1\] is invalid for input of size 20'):
        mg.randn(4, 5).view(3, -1)
    with pytest.raises(RuntimeError, match=r'shapes \[4, 5\] and \[4, 5\] cannot be multiplied \(5 != 4\)'):
        mg.randn(4, 5) @ mg.randn(4, 5)
    with pytest.raises(RuntimeError, match=r'sizes of tensors must match except in dim 0: got \[4, 5\] and \[3, 4\]'):
        mg.cat([mg.randn(4, 5), mg.randn(3, 4)], dim=0)
    with pytest.raises(IndexError, match=r'Dimension out of range \(expected to be in range of \[-2, 1\], but got 2\)'):
        mg.randn(2, 3).argmax(dim=2)
    with pytest.raises(ValueError, match=r'3 elements cannot be converted to a Python number'):
        mg.randn(3).item()


def test_iterating_a_0d_tensor():
    with pytest.raises(TypeError, match=r'iteration over a 0-d tensor'):
        list(mg.tensor(1.0))


def test_comparing_a_tensor_with_none():
    x = mg.ones(2)
    assert (x == None) is False and (x != None) is True      # noqa: E711 (what the user wrote)


def test_stacking_numpy_arrays():
    with pytest.raises(TypeError, match=r'expected Tensor as element 0.*got (numpy\.)?ndarray'):
        mg.stack([np.zeros(2), np.zeros(2)])


def test_max_of_an_empty_tensor():
    with pytest.raises(RuntimeError, match=r'max\(\).*numel\(\) == 0'):
        mg.zeros(0).max()


def test_assigning_values_of_the_wrong_shape():
    x = mg.zeros(2, 2)
    with pytest.raises(RuntimeError, match=r'expanded size of the tensor \(2\) must match the existing size \(3\)'):
        x[:] = mg.tensor([1., 2., 3.])


def test_truth_value_and_float_of_many_elements():
    with pytest.raises(RuntimeError, match=r'truth value of a tensor with 2 elements is ambiguous'):
        bool(mg.tensor([1., 2.]))
    with pytest.raises(ValueError, match=r'2 elements cannot be converted to a Python number'):
        float(mg.tensor([1., 2.]))
    with pytest.raises(TypeError, match=r'len\(\) of a 0-d tensor'):
        len(mg.tensor(1.0))


def test_float_indices():
    with pytest.raises(IndexError, match=r'indices must be (of )?integer|tensors used as indices must be long'):
        mg.arange(5)[mg.tensor([1.0])]


# ---- losses ---------------------------------------------------------------------------------------

@pytest.mark.parametrize('target', [mg.rand(4), mg.rand(4, 5)], ids=['(N,)', '(N, 5)'])
def test_cross_entropy_float_targets_of_the_wrong_shape(target):
    shape = re.escape(str(tuple(target.shape)))
    with pytest.raises(ValueError, match=rf'target of shape {shape} has dtype float32: class-probability targets '
                                         r'must have the input\'s shape \(4, 10\); class-index targets must be '
                                         r'integers of shape \(4,\) \(use target.long\(\)\)'):
        F.cross_entropy(mg.randn(4, 10), target)


@pytest.mark.parametrize('bad', [10, -3])
@pytest.mark.parametrize('loss', [F.cross_entropy, nn.CrossEntropyLoss(), F.nll_loss], ids=['F.ce', 'CELoss', 'nll'])
def test_class_index_out_of_range(loss, bad):
    with pytest.raises(IndexError, match=rf'Target {bad} is out of bounds for 10 classes'):
        loss(mg.randn(4, 10), mg.tensor([0, 1, bad, 2]))


@pytest.mark.parametrize('target', [mg.tensor([0, 1, 2]), mg.tensor([[0], [1], [2], [3]])], ids=['short', '(N,1)'])
def test_cross_entropy_targets_of_another_shape(target):
    shape = re.escape(str(tuple(target.shape)))
    with pytest.raises(ValueError, match=rf'expected a class-index target of shape \(4,\) for an input of shape '
                                         rf'\(4, 10\), got target of shape {shape}'):
        F.cross_entropy(mg.randn(4, 10), target)


def test_cross_entropy_bool_targets_and_int_input():
    with pytest.raises(TypeError, match=r'integer class indices or float class probabilities, got dtype bool'):
        F.cross_entropy(mg.randn(4, 2), mg.tensor([True, False, True, False]))
    with pytest.raises(RuntimeError, match=r'expected a floating point input, got dtype int64'):
        F.cross_entropy(mg.tensor([[1, 2]]), mg.tensor([0]))


def test_bce_mistakes():
    with pytest.raises(RuntimeError, match=r'input should be between 0 and 1 \(apply sigmoid first'):
        F.binary_cross_entropy(mg.tensor([1.5]), mg.tensor([1.0]))
    with pytest.raises(ValueError, match=r'target size \(\(4,\)\) that is different to the input size \(\(4, 1\)\)'):
        F.binary_cross_entropy(mg.rand(4, 1), mg.rand(4))


def test_mse_broadcast_warns_as_torch():
    with pytest.warns(UserWarning, match=r'target size \(\(4,\)\) that is different to the input size \(\(4, 1\)\)'):
        F.mse_loss(mg.randn(4, 1), mg.randn(4))


# ---- state dicts and files ------------------------------------------------------------------------

def test_load_state_dict_missing_unexpected_and_shape():
    m = nn.Linear(3, 2)
    with pytest.raises(RuntimeError, match=r'Error\(s\) in loading state_dict for Linear:\s+Missing key\(s\) in state_dict: "bias"'):
        m.load_state_dict({'weight': mg.zeros(2, 3)})
    with pytest.raises(RuntimeError, match=r'Unexpected key\(s\) in state_dict: "extra"'):
        m.load_state_dict({'weight': mg.zeros(2, 3), 'bias': mg.zeros(2), 'extra': mg.zeros(1)})
    with pytest.raises(RuntimeError, match=r'size mismatch for weight: copying a param with shape \(3, 3\) from '
                                           r'checkpoint, the shape in current model is \(2, 3\)'):
        m.load_state_dict({'weight': mg.zeros(3, 3), 'bias': mg.zeros(2)})
    with pytest.raises(TypeError, match=r'Expected state_dict to be dict-like, got Linear'):
        m.load_state_dict(m)
    result = m.load_state_dict({'weight': mg.zeros(2, 3)}, strict=False)
    assert result.missing_keys == ['bias'] and result.unexpected_keys == []
    assert np.all(m.weight.detach().numpy() == 0)


def test_load_state_dict_of_another_model():
    with pytest.raises(RuntimeError, match=r'size mismatch for weight: .*\(2, 2, 1, 1\).*\(2, 2\)'):
        nn.Linear(2, 2).load_state_dict(nn.Conv2d(2, 2, 1).state_dict())


@pytest.fixture
def checkpoint(tmp_path):
    path = tmp_path / 'good.pt'
    mg.save({'a': mg.ones(3), 'step': 4}, path)
    return path


def test_load_truncated_file(checkpoint, tmp_path):
    data = checkpoint.read_bytes()
    bad = tmp_path / 'truncated.pt'
    bad.write_bytes(data[:len(data) // 2])
    with pytest.raises(SerializationError, match=r"checkpoint file '.*truncated.pt' is truncated or damaged"):
        mg.load(bad)


def test_load_corrupt_file(checkpoint, tmp_path):
    data = checkpoint.read_bytes()
    bad = tmp_path / 'corrupt.pt'
    bad.write_bytes(data[:100] + bytes(200) + data[300:])
    with pytest.raises(SerializationError, match=r"checkpoint file '.*corrupt.pt' is (truncated or )?damaged"):
        mg.load(bad)


def test_load_empty_file(tmp_path):
    (tmp_path / 'empty.pt').write_bytes(b'')
    with pytest.raises(SerializationError, match=r"'.*empty.pt' is empty \(0 bytes\)"):
        mg.load(tmp_path / 'empty.pt')


@pytest.mark.parametrize('kind', ['text', 'pickle', 'npz', 'zip'])
def test_load_a_file_that_is_not_a_minigrad_checkpoint(tmp_path, kind):
    path = tmp_path / f'foreign.{kind}'
    if kind == 'text':
        path.write_text('hello world\n')
    elif kind == 'pickle':
        path.write_bytes(pickle.dumps({'a': 1}))        # what torch.save wrote before 1.6
    elif kind == 'npz':
        with open(path, 'wb') as f:
            np.savez(f, a=np.ones(3))
    else:
        with zipfile.ZipFile(path, 'w') as z:           # torch.save's zip format
            z.writestr('archive/data.pkl', b'\x80\x02}q\x00.')
    with pytest.raises(SerializationError, match=rf"checkpoint file '.*foreign.{kind}' is not a minigrad checkpoint"):
        mg.load(path)


def test_load_a_missing_file_names_it(tmp_path):
    with pytest.raises(FileNotFoundError, match='missing.pt'):
        mg.load(tmp_path / 'missing.pt')


def test_save_a_whole_module_says_to_save_its_state_dict(tmp_path):
    with pytest.raises(SerializationError, match=r'objects of type .*Linear are not supported.*'
                                                 r'save obj.state_dict\(\) and restore it with load_state_dict'):
        mg.save(nn.Linear(2, 2), tmp_path / 'model.pt')
    assert not list(tmp_path.iterdir())


def test_save_into_a_missing_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"the folder '.*nope' does not exist"):
        mg.save({'a': 1}, tmp_path / 'nope' / 'x.pt')


# ---- autograd -------------------------------------------------------------------------------------

def test_backward_twice_without_retain_graph():
    x = mg.randn(3, requires_grad=True)
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match=r'backward through the graph a second time.*retain_graph=True'):
        y.backward()


def test_backward_twice_with_retain_graph_accumulates():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    assert x.grad.tolist() == [4.0, 8.0]


@pytest.mark.parametrize('change', ['add_', 'setitem', 'data_of_output'])
def test_inplace_change_of_a_tensor_saved_for_backward(change):
    x = mg.randn(3, requires_grad=True)
    y = x * 2
    if change == 'data_of_output':
        z = y.exp()                     # exp saves its output
        z.mul_(2)
        op, what = 'ExpBackward', 'output 0'
    else:
        z = y * y                       # mul saves its inputs
        if change == 'add_':
            y.add_(1)
        else:
            y[0] = 5.0
        op, what = 'MulBackward', 'input 0'
    with pytest.raises(RuntimeError, match=rf'modified by an inplace operation: a float32 tensor of shape \[3\], '
                                           rf'saved by {op} as its {what}, is at version 1; expected version 0'):
        z.sum().backward()


def test_inplace_change_of_a_leaf_that_requires_grad():
    x = mg.randn(3, requires_grad=True)
    with pytest.raises(RuntimeError, match=r'a leaf Variable that requires grad is being used in an in-place operation'):
        x.add_(1)
    with mg.no_grad():
        x.add_(1)                       # what an optimizer does


def test_backward_on_a_non_scalar_without_gradient():
    x = mg.randn(3, requires_grad=True)
    with pytest.raises(RuntimeError, match=r'grad can be implicitly created only for scalar outputs: this tensor has shape \(3,\)'):
        (x * 2).backward()
    with pytest.raises(RuntimeError, match=r'gradient has shape \(4,\) but the tensor has shape \(3,\)'):
        (x * 2).backward(mg.ones(4))


def test_backward_on_a_tensor_without_grad():
    with pytest.raises(RuntimeError, match=r'does not require grad and does not have a grad_fn'):
        (mg.randn(3) * 2).sum().backward()


def test_requires_grad_on_integers():
    with pytest.raises(RuntimeError, match=r'only tensors of floating point dtype can require gradients, got dtype int64'):
        mg.tensor([1, 2], requires_grad=True)


# ---- data pipeline --------------------------------------------------------------------------------

@pytest.fixture
def dataset():
    return TensorDataset(mg.randn(10, 2), mg.arange(10))


@pytest.mark.parametrize('kwargs, message', [
    ({'batch_size': 0}, r'batch_size should be an integer >= 1, got batch_size=0'),
    ({'batch_size': -1}, r'batch_size should be an integer >= 1, got batch_size=-1'),
    ({'batch_size': 2.5}, r'batch_size should be an integer >= 1, got batch_size=2.5'),
    ({'num_workers': -1}, r'num_workers should be an integer >= 0, got num_workers=-1'),
    ({'shuffle': True, 'sampler': range(10)}, r'sampler option is mutually exclusive with shuffle'),
    ({'prefetch_factor': 2}, r'prefetch_factor option could only be specified in multiprocessing'),
])
def test_dataloader_bad_arguments(dataset, kwargs, message):
    with pytest.raises(ValueError, match=message):
        DataLoader(dataset, **kwargs)


def test_dataloader_given_something_that_is_not_a_dataset():
    with pytest.raises(TypeError, match=r'dataset must be a map-style dataset .* or an IterableDataset, got int'):
        DataLoader(5)


def test_tensor_dataset_of_unequal_lengths():
    with pytest.raises(ValueError, match=r'same first dimension, got shapes \(10, 2\), \(9,\)'):
        TensorDataset(mg.randn(10, 2), mg.arange(9))


class _Ragged(Dataset):
    def __len__(self):
        return 4

    def __getitem__(self, i):
        return mg.zeros(i + 1), 0


def test_collating_samples_of_different_sizes():
    with pytest.raises(RuntimeError, match=r'stack expects each tensor to be equal size, but got shapes \[\(1,\), \(2,\)\].*collate_fn'):
        next(iter(DataLoader(_Ragged(), batch_size=2)))


class _Broken(Dataset):
    def __len__(self):
        return 4

    def __getitem__(self, i):
        raise KeyError(f'no sample {i}')


def test_a_worker_error_comes_back_with_its_traceback():
    with pytest.raises(KeyError, match=r'Caught KeyError in DataLoader worker process 0.*Original Traceback.*no sample'):
        next(iter(DataLoader(_Broken(), batch_size=2, num_workers=1)))


@pytest.mark.parametrize('transform, image, error, message', [
    (T.Normalize((0.5,) * 3, (0.5,) * 3), mg.rand(1, 28, 28), ValueError,
     r'Normalize has 3 mean\(s\) and 3 std\(s\) for an image with 1 channel\(s\) \(shape \(1, 28, 28\)\)'),
    (T.Normalize((0.5,) * 3, (0.5,) * 3), mg.rand(28, 28, 3), ValueError,
     r'for an image with 28 channel\(s\) \(shape \(28, 28, 3\)\)'),
    (T.Normalize((0.5,), (0.5,)), mg.rand(28), ValueError, r'expected an image Tensor \(..., C, H, W\), got shape \(28,\)'),
    (T.Normalize((0.5,), (0.5,)), np.zeros((28, 28), np.uint8), TypeError,
     r'Normalize needs a float image, got uint8 pixels of shape \(28, 28\): put ToTensor\(\) before Normalize'),
    (T.ToTensor(), np.zeros(5, np.uint8), ValueError, r'pic should be 2/3 dimensional \(H, W\) or \(H, W, C\). Got 1 dimensions'),
    (T.ToTensor(), np.zeros((2, 5, 5, 3), np.uint8), ValueError, r'Got 4 dimensions, shape \(2, 5, 5, 3\)'),
    (T.ToTensor(), mg.rand(3, 4, 4), TypeError, r'pic should be a PIL Image or an array .* got a Tensor \(it is already one\)'),
    (T.RandomCrop(32), mg.rand(3, 28, 28), ValueError, r'RandomCrop size \(32, 32\) is larger than the \(padded\) image \(28, 28\)'),
    (T.RandomHorizontalFlip(p=1.0), mg.rand(28), ValueError, r'expected an image Tensor \(..., C, H, W\), got shape \(28,\)'),
    (T.Resize(32), mg.rand(28), ValueError, r'got shape \(28,\)'),
], ids=['normalize-channels', 'normalize-HWC', 'normalize-1d', 'normalize-uint8', 'totensor-1d',
        'totensor-4d', 'totensor-tensor', 'randomcrop-too-big', 'flip-1d', 'resize-1d'])
def test_transforms_given_a_wrong_image(transform, image, error, message):
    with pytest.raises(error, match=message):
        transform(image)


@pytest.mark.parametrize('make, message', [
    (lambda: T.Normalize((0.5,), (0.0,)), r'std must be non-zero, got \(0.0,\)'),
    (lambda: T.Resize(0), r'size must be a positive int or a pair \(h, w\) of positive ints, got \(0, 0\)'),
    (lambda: T.Resize('big'), r"size must be a positive int or a pair .* got 'big'"),
    (lambda: T.RandomCrop(-3), r'size must be a positive int .* got \(-3, -3\)'),
    (lambda: T.Pad(-4), r'negative padding is not supported.*got \(-4,\)'),
    (lambda: T.Pad('x'), r"padding must be an int, \(left/right, top/bottom\) or \(left, top, right, bottom\) of ints >= 0, got 'x'"),
    (lambda: T.Pad((1, 2, 3)), r'padding must be .* got \(1, 2, 3\)'),
])
def test_transforms_given_bad_arguments(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_image_folder_mistakes(tmp_path):
    (tmp_path / 'x.png').write_bytes(b'')
    with pytest.raises(FileNotFoundError, match=r"image folder '.*x.png' is a file, not a folder"):
        ImageFolder(tmp_path / 'x.png')
    with pytest.raises(FileNotFoundError, match=r"Couldn't find any class folder in .*: expected one subfolder per class"):
        ImageFolder(tmp_path)


def test_loading_images_without_to_tensor():
    Image = pytest.importorskip('PIL.Image')

    class Pictures(Dataset):
        def __len__(self):
            return 4

        def __getitem__(self, i):
            return Image.fromarray(np.zeros((4, 4, 3), np.uint8)), 0
    with pytest.raises(TypeError, match=r"default_collate: batch must contain tensors, numpy arrays, numbers, "
                                        r"dicts or lists; found <class 'PIL.Image.Image'>"):
        next(iter(DataLoader(Pictures(), batch_size=2)))
    with pytest.raises(TypeError, match=r'Normalize needs a float image, got uint8 pixels.*put ToTensor\(\) before Normalize'):
        T.Normalize((0.5,), (0.5,))(Image.fromarray(np.zeros((4, 4), np.uint8)))


def test_compose_of_a_single_transform():
    with pytest.raises(TypeError, match=r'Compose expects a list of transforms, got ToTensor: write Compose\(\[ToTensor\(...\)\]\)'):
        T.Compose(T.ToTensor())
    with pytest.raises(TypeError, match=r"Compose expects callable transforms, got 'ToTensor'"):
        T.Compose(['ToTensor'])


# ---- optimizers ----------------------------------------------------------------------------------

def test_optimizer_given_an_empty_list_or_a_spent_generator():
    with pytest.raises(ValueError, match=r'optimizer got an empty parameter list'):
        mg.optim.SGD([], lr=0.1)
    params = nn.Linear(2, 2).parameters()
    mg.optim.SGD(params, lr=0.1)
    with pytest.raises(ValueError, match=r'optimizer got an empty parameter list'):
        mg.optim.Adam(params)                           # the generator was used up above


def test_optimizer_given_a_tensor_or_non_tensors():
    with pytest.raises(TypeError, match=r'should be an iterable of Tensors or dicts, but got Tensor'):
        mg.optim.SGD(mg.randn(3, requires_grad=True), lr=0.1)
    with pytest.raises(TypeError, match=r'can only optimize Tensors, but parameter 0 of the group is a str'):
        mg.optim.SGD('abc', lr=0.1)
    with pytest.raises(TypeError, match=r'can only optimize Tensors, but parameter 0 of the group is a list'):
        mg.optim.SGD([[nn.Parameter(mg.randn(3))]], lr=0.1)


def test_optimizer_given_a_non_leaf_tensor():
    with pytest.raises(ValueError, match=r"can't optimize a non-leaf Tensor"):
        mg.optim.SGD([mg.randn(3, requires_grad=True) * 2], lr=0.1)


def test_optimizer_given_a_module():
    with pytest.raises(TypeError, match=r"but got a Linear module: pass model\.parameters\(\)"):
        mg.optim.SGD(nn.Linear(2, 2), lr=0.1)


def test_optimizer_bad_hyperparameters():
    with pytest.raises(ValueError, match=r'Invalid learning rate value: -0.1'):
        mg.optim.SGD(nn.Linear(2, 2).parameters(), lr=-0.1)
    with pytest.raises(ValueError, match=r"param_group must have a 'params' entry"):
        mg.optim.SGD([{'lr': 0.1}], lr=0.1)


def test_scheduler_given_a_model():
    with pytest.raises(TypeError, match=r'Linear is not an Optimizer'):
        mg.optim.lr_scheduler.StepLR(nn.Linear(2, 2), step_size=1)


# ---- devices --------------------------------------------------------------------------------------

def test_unknown_device():
    with pytest.raises(ValueError, match=r"unknown device 'gpu': expected 'cpu', 'cuda' or 'cuda:N'"):
        mg.randn(3).to('gpu')


@pytest.mark.skipif(mg.cuda.is_available(), reason='needs a machine without a usable GPU')
def test_cuda_without_a_gpu():
    with pytest.raises(RuntimeError, match=r"device 'cuda' is not available.*Use device='cpu'"):
        nn.Linear(3, 2).to('cuda')

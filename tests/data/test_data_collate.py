"""default_collate / default_convert against torch.utils.data's, case by case."""
import collections

import numpy as np
import pytest

import minigrad as mg
from minigrad.utils.data import default_collate, default_convert

torch = pytest.importorskip('torch')
from torch.utils.data import default_collate as torch_collate  # noqa: E402
from torch.utils.data import default_convert as torch_convert  # noqa: E402

Point = collections.namedtuple('Point', 'x label')


def assert_same(ours, theirs):
    """Same structure, container types, dtypes and values."""
    if isinstance(theirs, torch.Tensor):
        assert isinstance(ours, mg.Tensor), f'expected a Tensor, got {type(ours).__name__}'
        assert ours.shape == tuple(theirs.shape)
        assert str(ours.dtype) == str(theirs.dtype).replace('torch.', '')
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    elif isinstance(theirs, dict):
        assert type(ours) is type(theirs) and list(ours) == list(theirs)
        for k in theirs:
            assert_same(ours[k], theirs[k])
    elif isinstance(theirs, (list, tuple)):
        assert type(ours) is type(theirs) and len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            assert_same(a, b)
    else:
        assert ours == theirs and type(ours) is type(theirs)


CASES = {
    'image, int label': [(np.full((1, 2, 2), i, np.float32), i) for i in range(3)],
    'python floats -> float64, bools': [(0.5, True), (1.5, False)],
    'numpy scalars keep dtype': [(np.float32(1), np.int32(2)), (np.float32(3), np.int32(4))],
    'float64 and int32 arrays keep dtype': [(np.zeros(2), np.arange(2, dtype=np.int32))] * 3,
    'strings': [('a', 1), ('b', 2)],
    'dicts recursed': [{'x': np.ones(2, np.float32), 'y': [1, 2]}, {'x': np.zeros(2, np.float32), 'y': [3, 4]}],
    'namedtuples keep their type': [Point(np.ones(2, np.float32), 1), Point(np.zeros(2, np.float32), 0)],
    'lists of lists': [[1, 2], [3, 4]],
    'plain ints': [1, 2, 3],
}


@pytest.mark.parametrize('name', list(CASES))
def test_default_collate_matches_torch(name):
    samples = CASES[name]
    assert_same(default_collate(samples), torch_collate(samples))


def test_tensors_are_stacked_as_torch_stacks_them():
    ours = default_collate([(mg.tensor([[1.0, 2.0]]), 0), (mg.tensor([[3.0, 4.0]]), 1)])
    theirs = torch_collate([(torch.tensor([[1.0, 2.0]]), 0), (torch.tensor([[3.0, 4.0]]), 1)])
    assert_same(ours, theirs)
    assert isinstance(ours, list)          # a tuple sample gives a list, as in torch


def test_default_convert_matches_torch():
    sample = (np.zeros(2), (1, np.ones(1, np.float32)), 'name', np.float32(2))
    assert_same(default_convert(sample), torch_convert(sample))
    assert_same(default_convert(np.arange(3)), torch_convert(np.arange(3)))


def test_collate_errors_name_what_was_found():
    with pytest.raises(TypeError, match='found .*NoneType'):
        default_collate([None, None])
    with pytest.raises(TypeError, match='found <U1'):
        default_collate([np.array(['a']), np.array(['b'])])
    with pytest.raises(RuntimeError, match='equal size'):
        default_collate([[1, 2], [3]])
    with pytest.raises(RuntimeError, match=r'equal size.*\(2,\).*\(3,\)|\(2,\).*\(3,\)'):
        default_collate([np.zeros(2), np.zeros(3)])


def test_unshuffled_loader_batches_match_torch():
    x = np.arange(30, dtype=np.float32).reshape(10, 3)
    y = np.arange(10) % 4
    for kw in (dict(batch_size=3), dict(batch_size=3, drop_last=True), dict(batch_size=None),
               dict(batch_sampler=[[4, 1], [9, 0, 2]])):
        ours = list(mg.utils.data.DataLoader(mg.utils.data.TensorDataset(mg.tensor(x), mg.tensor(y)), **kw))
        theirs = list(torch.utils.data.DataLoader(
            torch.utils.data.TensorDataset(torch.from_numpy(x), torch.from_numpy(y)), **kw))
        assert len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            assert_same(a, b)

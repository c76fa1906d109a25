"""Module and container habits from PyTorch, checked side by side with torch: Sequential
pop/+/*/+=, ModuleList pop/insert, load_state_dict(strict=False, assign=...) results,
share_memory/compile/half, parameters_to_vector round trips."""
import collections

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn

torch = pytest.importorskip('torch')


def names(seq):
    return [(k, type(m).__name__) for k, m in seq.named_children()]


def both(build):
    """The same container built from minigrad's and torch's nn."""
    return build(nn), build(torch.nn)


def test_sequential_operators_match_torch():
    def build(lib):
        return lib.Sequential(lib.Linear(2, 3), lib.ReLU(), lib.Linear(3, 4), lib.Tanh())
    ours, theirs = both(build)
    for op in (lambda s: s.pop(1), lambda s: s.pop(-1), lambda s: s.insert(0, s[0]),
               lambda s: s.append(s[1])):
        a, b = op(ours), op(theirs)
        assert type(a).__name__ == type(b).__name__
        assert names(ours) == names(theirs)
    assert names(ours + ours) == names(theirs + theirs)
    assert names(ours * 2) == names(theirs * 2) and names(2 * ours) == names(2 * theirs)
    assert (ours * 2)[0] is (ours * 2)[len(ours)]                   # the same module objects
    ours += nn.Sequential(nn.Sigmoid())
    theirs += torch.nn.Sequential(torch.nn.Sigmoid())
    assert names(ours) == names(theirs)
    ours *= 2
    theirs *= 2
    assert names(ours) == names(theirs)
    keyed = nn.Sequential(collections.OrderedDict([('a', nn.ReLU()), ('b', nn.Tanh())]))
    assert names(keyed[1:]) == [('b', 'Tanh')] and type(keyed.a).__name__ == 'ReLU'
    with pytest.raises(ValueError, match='add operator supports only objects of Sequential'):
        ours + nn.ModuleList([nn.ReLU()])
    with pytest.raises(ValueError, match='Non-positive multiplication factor 0'):
        ours * 0
    with pytest.raises(TypeError, match='unsupported operand'):
        ours * 1.5


def test_module_list_pop_insert_match_torch():
    def build(lib):
        return lib.ModuleList([lib.ReLU(), lib.Tanh(), lib.Sigmoid()])
    ours, theirs = both(build)
    assert ours.insert(1, nn.ELU()) is None and theirs.insert(1, torch.nn.ELU()) is None
    assert type(ours.pop(0)).__name__ == type(theirs.pop(0)).__name__ == 'ReLU'
    assert names(ours) == names(theirs)
    assert ours.append(nn.ReLU()) is ours
    theirs.append(torch.nn.ReLU())
    assert names(ours[1:]) == names(theirs[1:]) and type(ours[-1]).__name__ == 'ReLU'


def test_load_state_dict_results_and_persistent_buffers():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(2, 3)
            self.register_buffer('scratch', mg.zeros(2), persistent=False)
            self.register_buffer('kept', mg.ones(2))
    net = Net()
    assert list(net.state_dict()) == ['kept', 'fc.weight', 'fc.bias']
    assert [k for k, _ in net.named_buffers()] == ['scratch', 'kept']
    sd = net.state_dict()
    del sd['fc.bias']
    sd['extra'] = mg.zeros(1)
    res = net.load_state_dict(sd, strict=False)
    assert res.missing_keys == ['fc.bias'] and res.unexpected_keys == ['extra']
    missing, unexpected = res
    assert (missing, unexpected) == (['fc.bias'], ['extra'])
    ok = nn.Linear(2, 3).load_state_dict(nn.Linear(2, 3).state_dict(), assign=True)
    assert repr(ok) == repr(torch.nn.Linear(2, 3).load_state_dict(
        torch.nn.Linear(2, 3).state_dict())) == '<All keys matched successfully>'


def test_conversions_and_noops():
    net = nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3))
    assert net.half() is net and net[0].weight.dtype == np.float16
    assert net.double()[1].running_mean.dtype == np.float64
    assert net[1].num_batches_tracked.dtype == np.int64                # integers stay
    assert net.to(mg.float32)[0].weight.dtype == np.float32
    assert net.share_memory() is net
    assert net.compile() is None and net(mg.ones(4, 2)).shape == (4, 3)
    w = net[0].weight
    assert net.requires_grad_(False) is net and not w.requires_grad
    net.requires_grad_()
    seen = []
    net.apply(lambda m: seen.append(type(m).__name__))
    assert seen == ['Linear', 'BatchNorm1d', 'Sequential']              # children first


def test_parameters_to_vector_round_trip_matches_torch():
    m, t = nn.Linear(3, 2), torch.nn.Linear(3, 2)
    m.load_state_dict({k: v.detach().numpy() for k, v in t.state_dict().items()})
    v = nn.utils.parameters_to_vector(m.parameters())
    np.testing.assert_array_equal(v.numpy(), torch.nn.utils.parameters_to_vector(
        t.parameters()).detach().numpy())
    nn.utils.vector_to_parameters(mg.arange(8, dtype=mg.float32), m.parameters())
    np.testing.assert_array_equal(m.weight.numpy(), np.arange(6).reshape(2, 3))
    np.testing.assert_array_equal(m.bias.numpy(), [6, 7])


def test_layer_sizes_and_inputs_are_checked_as_torch():
    with pytest.raises(TypeError, match=r"Linear: argument 'input' must be a minigrad Tensor, "
                                        r"got list"):
        nn.Linear(3, 2)([[1., 2., 3.]])
    with pytest.raises(TypeError, match=r'Linear: in_features must be an int, got 3\.5'):
        nn.Linear(3.5, 2)
    with pytest.raises(RuntimeError, match='Trying to create tensor with negative dimension -3'):
        nn.Linear(-3, 2)
    with pytest.raises(RuntimeError, match=r'negative dimension -1 \(out_channels=-1\)'):
        nn.Conv2d(3, -1, 3)
    with pytest.raises(TypeError, match='Conv2d: in_channels must be an int, got 3.0'):
        nn.Conv2d(3.0, 2, 3)
    with pytest.raises(TypeError, match="ConvTranspose2d: argument 'input' must be a minigrad"):
        nn.ConvTranspose2d(3, 2, 3)(np.zeros((1, 3, 4, 4), np.float32))
    mg.set_default_dtype(mg.float64)
    try:
        layers = [nn.Linear(2, 3), nn.Conv2d(1, 2, 3), nn.ConvTranspose2d(1, 2, 3),
                  nn.BatchNorm2d(2), nn.Bilinear(2, 2, 2), nn.Embedding(3, 2)]
        assert {p.dtype for m in layers for p in m.parameters()} == {np.dtype(np.float64)}
    finally:
        mg.set_default_dtype(mg.float32)
    assert nn.Linear(2, 2).weight.dtype == np.float32


def test_buffer_assignment_and_sparse_init_like_torch():
    def build(lib):
        class M(lib.nn.Module):
            def __init__(self):
                super().__init__()
                self.kept = lib.nn.Buffer(lib.zeros(2))
                self.scratch = lib.nn.Buffer(lib.ones(1), persistent=False)
        return M()
    m, t = build(mg), build(torch)
    assert list(m.state_dict()) == list(t.state_dict()) == ['kept']
    assert [n for n, _ in m.named_buffers()] == [n for n, _ in t.named_buffers()]
    assert type(m.kept) is mg.Tensor and m.to(mg.float64).kept.dtype == np.float64
    w = nn.init.sparse_(mg.empty(10, 4), sparsity=0.3, std=0.5)
    assert ((w.numpy() == 0).sum(axis=0) >= 3).all()            # ceil(0.3 * 10) zeros per column
    assert 0.2 < w.numpy()[w.numpy() != 0].std() < 1.0
    with pytest.raises(ValueError, match='Only tensors with 2 dimensions'):
        nn.init.sparse_(mg.empty(3), 0.5)

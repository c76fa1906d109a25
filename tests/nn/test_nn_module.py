"""Module, Parameter, Sequential, ModuleList: registration, state_dict, modes, devices, repr."""
import collections
import copy

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.scale = nn.Parameter(mg.ones(3))
        self.body = nn.Sequential(nn.Linear(4, 3), nn.BatchNorm1d(3), nn.ReLU())
        self.register_buffer('step', mg.zeros(1))
        self.register_buffer('cache', mg.zeros(2), persistent=False)
        self.head = nn.Linear(3, 2, bias=False)

    def forward(self, x):
        return self.head(self.body(x) * self.scale)


def _torch_block(torch):
    tnn = torch.nn

    class Block(tnn.Module):
        def __init__(self):
            super().__init__()
            self.scale = tnn.Parameter(torch.ones(3))
            self.body = tnn.Sequential(tnn.Linear(4, 3), tnn.BatchNorm1d(3), tnn.ReLU())
            self.register_buffer('step', torch.zeros(1))
            self.register_buffer('cache', torch.zeros(2), persistent=False)
            self.head = tnn.Linear(3, 2, bias=False)

        def forward(self, x):
            return self.head(self.body(x) * self.scale)
    return Block()


# ---------------------------------------------------------------- registration and iteration

def test_registration_order_and_names():
    m = Block()
    assert [n for n, _ in m.named_parameters()] == [
        'scale', 'body.0.weight', 'body.0.bias', 'body.1.weight', 'body.1.bias', 'head.weight']
    assert [n for n, _ in m.named_buffers()] == [
        'step', 'cache', 'body.1.running_mean', 'body.1.running_var', 'body.1.num_batches_tracked']
    assert [n for n, _ in m.named_children()] == ['body', 'head']
    assert [n for n, _ in m.named_modules()] == ['', 'body', 'body.0', 'body.1', 'body.2', 'head']
    assert len(list(m.modules())) == 6
    assert list(m.children())[1] is m.head
    assert m.head.bias is None and 'bias' in m.head._parameters
    assert len(list(m.parameters(recurse=False))) == 1


def test_named_members_match_torch():
    torch = pytest.importorskip('torch')
    m, t = Block(), _torch_block(torch)
    assert [n for n, _ in m.named_parameters()] == [n for n, _ in t.named_parameters()]
    assert [n for n, _ in m.named_buffers()] == [n for n, _ in t.named_buffers()]
    assert [n for n, _ in m.named_modules()] == [n for n, _ in t.named_modules()]


def test_shared_parameters_deduplicated():
    a = nn.Linear(3, 3)
    b = nn.Linear(3, 3)
    b.weight = a.weight
    seq = nn.Sequential(a, b, a)
    params = list(seq.parameters())
    assert len(params) == 3                      # a.weight, a.bias, b.bias
    assert len({id(p) for p in params}) == 3
    assert [n for n, _ in seq.named_parameters()] == ['0.weight', '0.bias', '1.bias']
    assert len(list(seq.modules())) == 3         # seq, a, b
    # state_dict keeps every name, as PyTorch does
    assert list(seq.state_dict()) == ['0.weight', '0.bias', '1.weight', '1.bias', '2.weight',
                                      '2.bias']


def test_setattr_rules():
    m = nn.Module()
    m.w = nn.Parameter(mg.zeros(2))
    assert 'w' in m._parameters and 'w' not in m.__dict__
    with pytest.raises(TypeError, match="cannot assign 'Tensor' as parameter 'w'"):
        m.w = mg.zeros(2)
    m.w = None
    assert m._parameters['w'] is None
    m.sub = nn.Linear(2, 2)
    with pytest.raises(TypeError, match="child module 'sub'"):
        m.sub = 3
    m.register_buffer('buf', mg.zeros(1))
    m.buf = mg.ones(1)
    assert m._buffers['buf'].item() == 1
    with pytest.raises(TypeError, match="buffer 'buf'"):
        m.buf = 5
    m.plain = mg.zeros(1)                          # a plain Tensor attribute: not registered
    assert 'plain' not in m._buffers and 'plain' not in m._parameters
    with pytest.raises(KeyError, match='already exists'):
        m.register_buffer('plain', mg.zeros(1))
    with pytest.raises(KeyError, match='contain'):
        m.register_parameter('a.b', None)
    with pytest.raises(AttributeError, match="'Module' object has no attribute 'nope'"):
        m.nope
    del m.sub
    assert 'sub' not in m._modules

    class Early(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(mg.zeros(1))
    with pytest.raises(AttributeError, match='before Module.__init__'):
        Early()


def test_add_module_apply_get_submodule():
    m = nn.Module()
    m.add_module('fc', nn.Linear(2, 2))
    assert m.fc is m.get_submodule('fc')
    seen = []
    Block().apply(lambda mod: seen.append(type(mod).__name__))
    assert seen == ['Linear', 'BatchNorm1d', 'ReLU', 'Sequential', 'Linear', 'Block']
    with pytest.raises(TypeError):
        m.add_module('x', 3)
    with pytest.raises(NotImplementedError, match='forward'):
        nn.Module()(1)


def test_parameter_basics():
    t = mg.zeros(2, 3)
    p = nn.Parameter(t)
    assert isinstance(p, mg.Tensor) and p.requires_grad and p.is_leaf
    assert p.array is t.array                            # shares memory, as PyTorch
    assert repr(p).startswith('Parameter containing:\ntensor(')
    assert 'requires_grad=True' in repr(p)
    assert not nn.Parameter(t, requires_grad=False).requires_grad
    assert nn.Parameter().shape == (0,)
    with pytest.raises(RuntimeError, match='floating point'):
        nn.Parameter(mg.tensor([1, 2]))
    q = copy.deepcopy(p)
    assert isinstance(q, nn.Parameter) and q.array is not p.array and q.requires_grad
    y = (p * 2).sum()
    assert type(y) is mg.Tensor                         # ops on a Parameter give Tensors


def test_deepcopy_module():
    m = Block()
    c = copy.deepcopy(m)
    assert c.body[0].weight is not m.body[0].weight
    np.testing.assert_array_equal(c.body[0].weight.numpy(), m.body[0].weight.numpy())
    assert isinstance(c.body[0].weight, nn.Parameter)


# ---------------------------------------------------------------- state_dict

def test_state_dict_keys_match_torch_nested():
    torch = pytest.importorskip('torch')
    m, t = Block(), _torch_block(torch)
    sd = m.state_dict()
    assert list(sd) == list(t.state_dict())
    assert isinstance(sd, collections.OrderedDict)
    for k, v in sd.items():
        assert type(v) is mg.Tensor and not v.requires_grad, k
        assert v.shape == tuple(t.state_dict()[k].shape), k
    assert sd['body.1.num_batches_tracked'].dtype == np.int64
    # detached values share memory with the module (as PyTorch)
    assert sd['body.0.weight'].array is m.body[0].weight.array
    assert m.state_dict(keep_vars=True)['scale'] is m.scale


def test_load_state_dict_from_torch_keeps_parameter_identity():
    torch = pytest.importorskip('torch')
    torch.manual_seed(0)
    m, t = Block(), _torch_block(torch)
    ids = [id(p) for p in m.parameters()]
    arrays = [p.array for p in m.parameters()]
    with torch.no_grad():
        t.body[1].running_mean.fill_(0.5)
        t.step.fill_(3)
    res = m.load_state_dict({k: v.numpy() for k, v in t.state_dict().items()})
    assert res.missing_keys == [] and res.unexpected_keys == []
    assert [id(p) for p in m.parameters()] == ids
    assert all(p.array is a for p, a in zip(m.parameters(), arrays))   # copied in place
    for k, v in t.state_dict().items():
        np.testing.assert_array_equal(m.state_dict()[k].numpy(), v.numpy(), err_msg=k)
    x = np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32)
    m.eval(), t.eval()
    np.testing.assert_allclose(m(mg.tensor(x)).numpy(), t(torch.tensor(x)).detach().numpy(),
                               rtol=1e-5, atol=1e-6)


def test_load_state_dict_accepts_tensors_and_casts():
    a, b = nn.Linear(3, 2), nn.Linear(3, 2).double()
    b.load_state_dict(a.state_dict())
    assert b.weight.dtype == np.float64
    np.testing.assert_allclose(b.weight.numpy(), a.weight.numpy())
    a.load_state_dict({'weight': np.ones((2, 3)), 'bias': mg.zeros(2)})
    assert a.weight.dtype == np.float32 and a.weight.numpy().sum() == 6


def test_load_state_dict_reports_all_errors_at_once():
    m = Block()
    before = {k: v.numpy().copy() for k, v in m.state_dict().items()}
    sd = {k: v.numpy().copy() for k, v in m.state_dict().items()}
    del sd['head.weight'], sd['body.1.running_var']
    sd['extra.weight'] = np.zeros(3)
    sd['body.0.weight'] = np.zeros((5, 4), np.float32)
    sd['scale'] = np.full(3, 7.0, np.float32)
    with pytest.raises(RuntimeError) as e:
        m.load_state_dict(sd)
    msg = str(e.value)
    assert 'Error(s) in loading state_dict for Block' in msg
    assert 'Missing key(s) in state_dict: "body.1.running_var", "head.weight".' in msg
    assert 'Unexpected key(s) in state_dict: "extra.weight".' in msg
    assert ('size mismatch for body.0.weight: copying a param with shape (5, 4) from checkpoint, '
            'the shape in current model is (3, 4).') in msg
    # nothing was copied
    for k, v in m.state_dict().items():
        np.testing.assert_array_equal(v.numpy(), before[k], err_msg=k)
    # strict=False: keys are returned, shape mismatches still raise
    with pytest.raises(RuntimeError, match='size mismatch for body.0.weight') as e:
        m.load_state_dict(sd, strict=False)
    assert 'Missing key' not in str(e.value)
    sd['body.0.weight'] = np.zeros((3, 4), np.float32)
    res = m.load_state_dict(sd, strict=False)
    assert res.missing_keys == ['body.1.running_var', 'head.weight']
    assert res.unexpected_keys == ['extra.weight']
    missing, unexpected = res
    assert missing == res.missing_keys
    np.testing.assert_array_equal(m.scale.numpy(), [7, 7, 7])
    with pytest.raises(RuntimeError, match='expected a Tensor or an array'):
        m.load_state_dict({**m.state_dict(), 'scale': 'nope'})


def test_non_persistent_and_none_buffers_not_in_state_dict():
    m = Block()
    assert 'cache' not in m.state_dict() and 'step' in m.state_dict()
    bn = nn.BatchNorm1d(3, track_running_stats=False)
    assert list(bn.state_dict()) == ['weight', 'bias']
    assert list(bn.buffers()) == []


# ---------------------------------------------------------------- modes, dtypes, devices

def test_train_eval_propagate():
    m = Block()
    assert all(mod.training for mod in m.modules())
    assert m.eval() is m
    assert not any(mod.training for mod in m.modules())
    m.train()
    assert all(mod.training for mod in m.modules())
    m.train(False)
    assert not m.body[1].training
    with pytest.raises(ValueError):
        m.train('yes')


def test_to_dtype_in_place_keeps_parameter_identity():
    m = Block()
    params = list(m.parameters())
    m.head.weight.grad = mg.ones(2, 3)
    assert m.to(mg.float64) is m
    assert [id(p) for p in m.parameters()] == [id(p) for p in params]
    assert all(p.dtype == np.float64 and isinstance(p, nn.Parameter) for p in m.parameters())
    assert m.head.weight.grad.dtype == np.float64
    assert m.body[1].running_mean.dtype == np.float64
    assert m.body[1].num_batches_tracked.dtype == np.int64          # integer buffers untouched
    assert m.float() is m and m.head.weight.dtype == np.float32
    assert m.double() is m and m.scale.dtype == np.float64
    assert m.to(dtype=np.float32, device='cpu') is m and m.scale.dtype == np.float32
    assert m.cpu() is m and m.scale.device == 'cpu'
    with pytest.raises(TypeError, match='floating point'):
        m.to(mg.int64)
    y = m(mg.randn(5, 4))
    assert y.dtype == np.float32


def test_zero_grad_and_requires_grad():
    m = nn.Linear(3, 2)
    m(mg.randn(4, 3)).sum().backward()
    assert m.weight.grad is not None
    m.zero_grad(set_to_none=False)
    assert m.weight.grad.numpy().sum() == 0
    m.zero_grad()
    assert m.weight.grad is None and m.bias.grad is None
    m.requires_grad_(False)
    assert not any(p.requires_grad for p in m.parameters())
    assert not m(mg.randn(4, 3)).requires_grad


# ---------------------------------------------------------------- containers

def test_sequential():
    l0, l1, l2 = nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1)
    s = nn.Sequential(l0, l1, l2)
    assert len(s) == 3 and s[0] is l0 and s[-1] is l2 and list(s) == [l0, l1, l2]
    sub = s[1:]
    assert isinstance(sub, nn.Sequential) and list(sub) == [l1, l2]
    assert list(sub._modules) == ['1', '2']                  # slices keep the keys (PyTorch)
    x = mg.randn(4, 2)
    np.testing.assert_allclose(s(x).numpy(), l2(l1(l0(x))).numpy())
    s.append(nn.Sigmoid())
    assert len(s) == 4 and isinstance(s[3], nn.Sigmoid)
    with pytest.raises(IndexError):
        s[4]
    named = nn.Sequential(collections.OrderedDict([('fc', l0), ('act', l1)]))
    assert named.fc is l0 and list(named.state_dict()) == ['fc.weight', 'fc.bias']
    del s[1]
    assert list(s._modules) == ['0', '1', '2'] and s[1] is l2
    s[0] = nn.Identity()
    assert isinstance(s[0], nn.Identity)


def test_module_list():
    ml = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
    assert len(ml) == 3 and len(list(ml.parameters())) == 6
    ml.append(nn.ReLU())
    ml += [nn.Tanh()]
    assert [type(m).__name__ for m in ml] == ['Linear', 'Linear', 'Linear', 'ReLU', 'Tanh']
    assert isinstance(ml[1:3], nn.ModuleList) and len(ml[1:3]) == 2
    assert ml[-1] is list(ml)[-1]
    ml.insert(0, nn.Identity())
    assert isinstance(ml[0], nn.Identity) and len(ml) == 6
    del ml[0]
    assert list(ml._modules) == [str(i) for i in range(5)]
    with pytest.raises(NotImplementedError):
        ml(mg.zeros(1))


# ---------------------------------------------------------------- repr

def test_repr_matches_torch():
    torch = pytest.importorskip('torch')
    tnn = torch.nn
    m = nn.Sequential(
        nn.Conv2d(3, 8, 3, padding=1, bias=False), nn.BatchNorm2d(8), nn.ReLU(inplace=True),
        nn.MaxPool2d(2), nn.Conv2d(8, 8, (3, 5), stride=2, groups=2, dilation=2,
                                   padding_mode='reflect'),
        nn.AvgPool2d(2, 1), nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten(), nn.Dropout(0.25),
        nn.Linear(8, 4), nn.LeakyReLU(0.2), nn.BatchNorm1d(4, momentum=None, affine=False),
        nn.Tanh(), nn.Sigmoid(), nn.Identity(), nn.Softmax(dim=1), nn.LogSoftmax(1),
        nn.Conv2d(1, 1, 3, padding='same'))
    t = tnn.Sequential(
        tnn.Conv2d(3, 8, 3, padding=1, bias=False), tnn.BatchNorm2d(8), tnn.ReLU(inplace=True),
        tnn.MaxPool2d(2), tnn.Conv2d(8, 8, (3, 5), stride=2, groups=2, dilation=2,
                                     padding_mode='reflect'),
        tnn.AvgPool2d(2, 1), tnn.AdaptiveAvgPool2d((1, 1)), tnn.Flatten(), tnn.Dropout(0.25),
        tnn.Linear(8, 4), tnn.LeakyReLU(0.2), tnn.BatchNorm1d(4, momentum=None, affine=False),
        tnn.Tanh(), tnn.Sigmoid(), tnn.Identity(), tnn.Softmax(dim=1), tnn.LogSoftmax(1),
        tnn.Conv2d(1, 1, 3, padding='same'))
    assert repr(m) == repr(t)
    assert repr(Block()) == repr(_torch_block(torch))
    for ours, theirs in [(nn.CrossEntropyLoss(), tnn.CrossEntropyLoss()),
                         (nn.MSELoss(), tnn.MSELoss()), (nn.NLLLoss(), tnn.NLLLoss())]:
        assert repr(ours) == repr(theirs)
    ml = nn.ModuleList([nn.Linear(2, 2), nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 2)])
    tml = tnn.ModuleList([tnn.Linear(2, 2), tnn.Linear(2, 2), tnn.ReLU(), tnn.Linear(2, 2)])
    assert repr(ml) == repr(tml)
    assert repr(nn.ModuleList()) == repr(tnn.ModuleList())


def test_module_dict_registers_its_modules_like_torch():
    torch = pytest.importorskip('torch')
    d = nn.ModuleDict({'b': nn.Linear(2, 3), 'a': nn.ReLU()})
    d['c'] = nn.Linear(3, 1)
    td = torch.nn.ModuleDict({'b': torch.nn.Linear(2, 3), 'a': torch.nn.ReLU()})
    td['c'] = torch.nn.Linear(3, 1)
    assert list(d) == list(td) == ['b', 'a', 'c']
    assert list(d.state_dict()) == list(td.state_dict())
    assert 'a' in d and len(d) == 3
    assert isinstance(d.pop('a'), nn.ReLU) and list(d.keys()) == ['b', 'c']
    del d['c']
    assert [k for k, _ in d.named_parameters()] == ['b.weight', 'b.bias']
    with pytest.raises(ValueError, match='pair'):
        d.update([nn.ReLU()])


def test_split_module_keeps_its_import_paths():
    from minigrad.nn.containers import ModuleList, Sequential
    from minigrad.nn.module import Module, Parameter
    assert nn.Module is Module and nn.Parameter is Parameter
    assert nn.Sequential is Sequential and nn.ModuleList is ModuleList


def test_parameter_list_and_dict_register_like_torch():
    torch = pytest.importorskip('torch')
    pl = nn.ParameterList([nn.Parameter(mg.zeros(2)), mg.ones(3)])
    pl.append(mg.zeros(1, 2))
    pl += [mg.ones(4)]
    tl = torch.nn.ParameterList([torch.nn.Parameter(torch.zeros(2)), torch.ones(3)])
    tl.append(torch.zeros(1, 2))
    tl += [torch.ones(4)]
    assert [n for n, _ in pl.named_parameters()] == [n for n, _ in tl.named_parameters()]
    assert all(isinstance(p, nn.Parameter) for p in pl) and len(pl) == 4
    assert pl[-1].shape == (4,) and [p.shape for p in pl[1:3]] == [(3,), (1, 2)]
    pd = nn.ParameterDict({'b': mg.zeros(2), 'a': nn.Parameter(mg.ones(1))})
    pd['c'] = mg.zeros(3)
    td = torch.nn.ParameterDict({'b': torch.zeros(2), 'a': torch.nn.Parameter(torch.ones(1))})
    td['c'] = torch.zeros(3)
    assert list(pd) == list(td) and list(pd.state_dict()) == list(td.state_dict())
    assert isinstance(pd['c'], nn.Parameter) and 'a' in pd and pd.pop('a').shape == (1,)

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.ws = nn.ParameterList([mg.ones(2) for _ in range(3)])

        def forward(self, x):
            for w in self.ws:
                x = x * w
            return x.sum()
    net = Net()
    opt = mg.optim.SGD(net.parameters(), lr=0.1)
    net(mg.full((2,), 2.0)).backward()
    opt.step()
    np.testing.assert_allclose(net.ws[0].numpy(), [0.8, 0.8], rtol=1e-6)   # 1 - 0.1 * (2 * 1 * 1)


def test_get_parameter_get_buffer_set_submodule_half():
    m = nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3))
    assert m.get_parameter('0.weight') is m[0].weight
    assert m.get_buffer('1.running_mean') is m[1].running_mean
    with pytest.raises(AttributeError, match='no parameter `nope`'):
        m.get_parameter('0.nope')
    with pytest.raises(AttributeError, match='no submodule'):
        m.get_buffer('5.running_mean')
    m.set_submodule('1', nn.ReLU())
    assert isinstance(m[1], nn.ReLU)
    assert m.half()[0].weight.dtype == np.float16

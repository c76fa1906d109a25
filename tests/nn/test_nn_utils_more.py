"""3-D padding layers, SyncBatchNorm (+ convert_sync_batchnorm), RNNBase, and nn.utils'
fuse_conv_bn_eval / fuse_linear_bn_eval, stateless.functional_call, skip_init,
clip_grad_norm, clip_grads_with_norm_ against torch."""
import numpy as np
import pytest

import minigrad as mg
from minigrad import nn
from nn_helpers import run_parity

torch = pytest.importorskip('torch')
rng = np.random.default_rng(0)


@pytest.mark.parametrize('make', [lambda L: L.ZeroPad3d(1),
                                  lambda L: L.ConstantPad3d((1, 2, 0, 1, 1, 0), 3.5),
                                  lambda L: L.ReflectionPad3d(1), lambda L: L.ReplicationPad3d(2),
                                  lambda L: L.CircularPad3d(1)],
                         ids=['zero', 'constant', 'reflect', 'replicate', 'circular'])
def test_pad3d_matches_torch(make):
    m, t = make(nn), make(torch.nn)
    assert repr(m) == repr(t)
    x = rng.standard_normal((2, 3, 4, 5, 6)).astype(np.float32)
    run_parity(m, t, x, check_params=False)
    run_parity(m, t, x[0], check_params=False)


def test_sync_batchnorm_and_conversion():
    def build(L):
        return L.Sequential(L.Conv2d(1, 2, 3), L.BatchNorm2d(2), L.Sequential(L.BatchNorm1d(4)),
                            L.InstanceNorm2d(2))
    m, t = build(nn), build(torch.nn)
    m[1].running_mean.array[...] = 5.0
    cm, ct = nn.SyncBatchNorm.convert_sync_batchnorm(m), torch.nn.SyncBatchNorm.convert_sync_batchnorm(t)
    assert repr(cm) == repr(ct)
    np.testing.assert_array_equal(cm[1].running_mean.numpy(), [5.0, 5.0])
    s, ts = nn.SyncBatchNorm(3), torch.nn.SyncBatchNorm(3)
    run_parity(s, ts, rng.standard_normal((2, 3, 4, 4, 4)).astype(np.float32), rtol=1e-4,
               atol=1e-5)
    assert isinstance(nn.LSTM(2, 2), nn.RNNBase) and isinstance(nn.GRU(2, 2), nn.RNNBase)


def _bn_state():
    return {'weight': rng.random(4).astype(np.float32) + 0.5,
            'bias': rng.standard_normal(4).astype(np.float32),
            'running_mean': rng.standard_normal(4).astype(np.float32),
            'running_var': rng.random(4).astype(np.float32) + 0.5,
            'num_batches_tracked': np.array(3)}


@pytest.mark.parametrize('transpose', [False, True])
def test_fuse_conv_bn_eval_matches_torch(transpose):
    conv = (nn.ConvTranspose2d if transpose else nn.Conv2d)(3, 4, 3)
    tconv = (torch.nn.ConvTranspose2d if transpose else torch.nn.Conv2d)(3, 4, 3)
    conv.load_state_dict({k: v.detach().numpy() for k, v in tconv.state_dict().items()})
    sd = _bn_state()
    bn, tbn = nn.BatchNorm2d(4), torch.nn.BatchNorm2d(4)
    bn.load_state_dict(sd)
    tbn.load_state_dict({k: torch.tensor(v) for k, v in sd.items()})
    for mod in (conv, bn, tconv, tbn):
        mod.eval()
    fused = nn.utils.fuse_conv_bn_eval(conv, bn, transpose=transpose)
    tfused = torch.nn.utils.fuse_conv_bn_eval(tconv, tbn, transpose=transpose)
    x = rng.standard_normal((2, 3, 6, 6)).astype(np.float32)
    y = fused(mg.tensor(x)).detach().numpy()
    np.testing.assert_allclose(y, tfused(torch.tensor(x)).detach().numpy(), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(y, bn(conv(mg.tensor(x))).detach().numpy(), rtol=1e-5, atol=1e-5)
    with pytest.raises(AssertionError, match='Fusion only for eval'):
        nn.utils.fuse_conv_bn_eval(conv.train(), bn)


def test_fuse_linear_bn_eval():
    lin, bn = nn.Linear(3, 4).eval(), nn.BatchNorm1d(4)
    bn.load_state_dict(_bn_state())
    bn.eval()
    x = mg.tensor(rng.standard_normal((5, 3)).astype(np.float32))
    np.testing.assert_allclose(nn.utils.fuse_linear_bn_eval(lin, bn)(x).detach().numpy(),
                               bn(lin(x)).detach().numpy(), rtol=1e-5, atol=1e-5)


def test_functional_call_matches_torch_func():
    def build(L):
        return L.Sequential(L.Linear(3, 2), L.BatchNorm1d(2))
    m, t = build(nn), build(torch.nn)
    m.load_state_dict({k: v.detach().numpy() for k, v in t.state_dict().items()})
    ours = {k: (v.detach() * 2).requires_grad_() for k, v in m.named_parameters()}
    theirs = {k: (v.detach() * 2).requires_grad_() for k, v in t.named_parameters()}
    x = rng.standard_normal((4, 3)).astype(np.float32)
    y = nn.utils.stateless.functional_call(m, ours, (mg.tensor(x),))
    ty = torch.func.functional_call(t, theirs, (torch.tensor(x),))
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-5, atol=1e-6)
    (y * y).sum().backward()
    (ty * ty).sum().backward()
    for k in ours:
        np.testing.assert_allclose(ours[k].grad.numpy(), theirs[k].grad.numpy(), rtol=1e-4,
                                   atol=1e-5, err_msg=k)
    assert m[0].weight.grad is None and type(m[0].weight) is nn.Parameter     # put back
    with pytest.raises(RuntimeError, match='missing key'):
        nn.utils.stateless.functional_call(m, {}, (mg.tensor(x),), strict=True)


def test_skip_init_and_clip_aliases():
    assert type(nn.utils.skip_init(nn.Linear, 3, 4)) is nn.Linear
    p = mg.tensor([3.0, 4.0], requires_grad=True)
    p.grad = mg.tensor([3.0, 4.0])
    with pytest.warns(FutureWarning, match='clip_grad_norm_'):
        total = nn.utils.clip_grad_norm([p], 1.0)
    assert abs(total.item() - 5.0) < 1e-6 and abs(float((p.grad * p.grad).sum().sqrt().item()) - 1) < 1e-5
    p.grad = mg.tensor([3.0, 4.0])
    nn.utils.clip_grads_with_norm_([p], 2.5, mg.tensor(5.0))
    np.testing.assert_allclose(p.grad.numpy(), [1.5, 2.0], rtol=1e-5)

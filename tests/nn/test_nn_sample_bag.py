"""F.affine_grid / F.grid_sample (spatial transformers) and EmbeddingBag / F.embedding_bag:
PyTorch parity of values and gradients, gradcheck, errors."""
import numpy as np
import pytest

import minigrad as mg
import minigrad.nn.functional as F
from minigrad import nn
from minigrad.testing import gradcheck
from nn_helpers import close

torch = pytest.importorskip('torch')
TF = torch.nn.functional


def rng(seed=0):
    return np.random.default_rng(seed)


def thetas(dtype=np.float32):
    return (np.eye(2, 3)[None] * 1.1 + rng(1).standard_normal((2, 2, 3)) * 0.25).astype(dtype)


@pytest.mark.parametrize('align_corners', [False, True])
@pytest.mark.parametrize('mode,padding_mode', [('bilinear', 'zeros'), ('bilinear', 'border'),
                                               ('nearest', 'zeros'), ('nearest', 'border')])
def test_spatial_transformer_matches_torch(mode, padding_mode, align_corners):
    x, th = rng().standard_normal((2, 3, 7, 8)).astype(np.float32), thetas()
    X, T = mg.tensor(x, requires_grad=True), mg.tensor(th, requires_grad=True)
    tX, tT = torch.tensor(x, requires_grad=True), torch.tensor(th, requires_grad=True)
    kw = dict(mode=mode, padding_mode=padding_mode, align_corners=align_corners)
    grid, tgrid = (F.affine_grid(T, (2, 3, 5, 6), align_corners=align_corners),
                   TF.affine_grid(tT, (2, 3, 5, 6), align_corners=align_corners))
    close(grid, tgrid, 1e-5, 1e-6, 'grid')
    y, ty = F.grid_sample(X, grid, **kw), TF.grid_sample(tX, tgrid, **kw)
    close(y, ty, 1e-5, 1e-5, 'forward')
    g = rng(2).standard_normal(ty.shape).astype(np.float32)
    y.backward(mg.tensor(g))
    ty.backward(torch.tensor(g))
    close(X.grad, tX.grad, 1e-5, 1e-5, 'input grad')
    theta_grad = T.grad.numpy() if T.grad is not None else np.zeros_like(th)   # nearest: none
    np.testing.assert_allclose(theta_grad, tT.grad.numpy(), rtol=1e-4,
                               atol=1e-5 * np.abs(tT.grad.numpy()).max() + 1e-6)


@pytest.mark.parametrize('padding_mode', ['zeros', 'border'])
def test_grid_sample_gradcheck(padding_mode):
    x = mg.tensor(rng().standard_normal((1, 2, 4, 5)), requires_grad=True)
    th = mg.tensor(thetas(np.float64)[:1], requires_grad=True)
    assert gradcheck(lambda x, th: F.grid_sample(x, F.affine_grid(th, (1, 2, 3, 4),
                                                                  align_corners=False),
                                                 padding_mode=padding_mode, align_corners=False),
                     [x, th])


def test_spatial_transformer_errors():
    with pytest.raises(ValueError, match=r'expected a theta of shape \(N, 2, 3\) = \(2, 2, 3\)'):
        F.affine_grid(mg.zeros(2, 3, 3), (2, 1, 4, 4))
    with pytest.raises(RuntimeError, match=r'grid_sample: expected input \(N, C, H, W\) and '
                                           r'grid \(N, H_out, W_out, 2\)'):
        F.grid_sample(mg.zeros(2, 1, 4, 4), mg.zeros(2, 3, 3))
    with pytest.raises(NotImplementedError, match="padding_mode must be 'zeros' or 'border'"):
        F.grid_sample(mg.zeros(1, 1, 4, 4), mg.zeros(1, 2, 2, 2), padding_mode='reflection')


BAGS = [
    dict(input=rng(3).integers(0, 10, (3, 5)), mode='mean'),
    dict(input=rng(4).integers(0, 10, (3, 5)), mode='sum'),
    dict(input=rng(5).integers(0, 10, (3, 5)), mode='max'),
    dict(input=rng(6).integers(0, 10, 9), offsets=[0, 2, 2, 7], mode='mean', padding_idx=3),
    dict(input=rng(7).integers(0, 10, 9), offsets=[0, 2, 2, 7], mode='max'),
    dict(input=rng(8).integers(0, 10, 9), offsets=[0, 4, 9], mode='sum',
         include_last_offset=True, per_sample_weights=True),
    dict(input=np.array([3, 3, 1, 3]), offsets=[0, 2], mode='max', padding_idx=3),
]


@pytest.mark.parametrize('case', BAGS, ids=[str(i) for i in range(len(BAGS))])
def test_embedding_bag_matches_torch(case):
    kw = {k: case[k] for k in ('mode', 'padding_idx', 'include_last_offset') if k in case}
    m, t = nn.EmbeddingBag(10, 4, **kw), torch.nn.EmbeddingBag(10, 4, **kw)
    assert repr(m) == repr(t)
    m.load_state_dict({'weight': t.weight.detach().numpy()})
    inp, off = case['input'], case.get('offsets')
    psw = rng(9).standard_normal(inp.shape).astype(np.float32) if 'per_sample_weights' in case else None
    P = mg.tensor(psw, requires_grad=True) if psw is not None else None
    tP = torch.tensor(psw, requires_grad=True) if psw is not None else None
    y = m(mg.tensor(inp), None if off is None else mg.tensor(off), P)
    ty = t(torch.tensor(inp), None if off is None else torch.tensor(off), tP)
    close(y, ty, 1e-5, 1e-6, 'forward')
    g = rng(10).standard_normal(ty.shape).astype(np.float32)
    y.backward(mg.tensor(g))
    ty.backward(torch.tensor(g))
    close(m.weight.grad, t.weight.grad, 1e-5, 1e-6, 'weight grad')
    if P is not None:
        close(P.grad, tP.grad, 1e-5, 1e-6, 'per_sample_weights grad')


def test_embedding_bag_gradcheck_and_errors():
    w = mg.tensor(rng().standard_normal((6, 3)), requires_grad=True)
    idx, off = mg.tensor([1, 2, 4, 4, 0]), mg.tensor([0, 3])
    for mode in ('sum', 'mean', 'max'):
        assert gradcheck(lambda w: F.embedding_bag(idx, w, off, mode=mode), [w])
    with pytest.raises(ValueError, match='offsets\\[0\\] has to be 0'):
        F.embedding_bag(idx, w, mg.tensor([1, 3]))
    with pytest.raises(ValueError, match='if input is 2-D, then offsets has to be None'):
        F.embedding_bag(mg.tensor([[1, 2]]), w, off)
    with pytest.raises(NotImplementedError, match="per_sample_weights is only supported for "
                                                  "mode='sum'"):
        F.embedding_bag(idx, w, off, per_sample_weights=mg.ones(5, dtype=mg.float64))
    with pytest.raises(IndexError, match='index 7 is out of range for 6 embeddings'):
        F.embedding_bag(mg.tensor([7]), w, mg.tensor([0]))
    m = nn.EmbeddingBag.from_pretrained(mg.tensor(rng().standard_normal((5, 2))), mode='sum')
    assert not m.weight.requires_grad and m(mg.tensor([[0, 1]])).shape == (1, 2)

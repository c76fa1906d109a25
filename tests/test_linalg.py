"""minigrad.linalg against torch.linalg (forward and backward) and float64 finite differences.

Outputs whose sign is not unique (singular and eigen vectors) are compared through products
that do not depend on the sign, as PyTorch's own tests do."""
import numpy as np
import pytest

import minigrad as mg
import minigrad.linalg as LA
from minigrad.testing import gradcheck

torch = pytest.importorskip('torch')

RNG = np.random.default_rng(3)
A43 = RNG.standard_normal((4, 3))
A34 = A43.T.copy()
SPD = A43.T @ A43 + np.eye(3)
BATCH = RNG.standard_normal((2, 3, 3)) + 3 * np.eye(3)
B32 = RNG.standard_normal((3, 2))


def sym(t):
    return (t + t.mT) * 0.5


CASES = [  # (name, call(lib, *tensors), inputs)
    ('solve', lambda L, a, b: L.linalg.solve(a, b), [SPD, B32]),
    ('solve_vector', lambda L, a, b: L.linalg.solve(a, b), [SPD, B32[:, 0]]),
    ('solve_batched', lambda L, a, b: L.linalg.solve(a, b), [BATCH, B32]),
    ('solve_right', lambda L, a, b: L.linalg.solve(a, b, left=False), [SPD, B32.T.copy()]),
    ('inv', lambda L, a: L.linalg.inv(a), [BATCH]),
    ('det', lambda L, a: L.linalg.det(a), [BATCH]),
    ('slogdet', lambda L, a: L.linalg.slogdet(a).logabsdet, [BATCH - 3 * np.eye(3)]),
    ('pinv_tall', lambda L, a: L.linalg.pinv(a), [A43]),
    ('pinv_wide', lambda L, a: L.linalg.pinv(a), [A34]),
    ('lstsq', lambda L, a, b: L.linalg.lstsq(a, b).solution, [A43, RNG.standard_normal((4, 2))]),
    ('cholesky', lambda L, a: L.linalg.cholesky(sym(a)), [SPD]),
    ('cholesky_upper', lambda L, a: L.linalg.cholesky(sym(a), upper=True), [SPD]),
    ('svdvals', lambda L, a: L.linalg.svdvals(a), [A43]),
    ('svd_S', lambda L, a: L.linalg.svd(a).S, [A43]),
    ('svd_U', lambda L, a: L.linalg.svd(a, full_matrices=False).U ** 2, [A43]),
    ('svd_Vh', lambda L, a: L.linalg.svd(a, full_matrices=False).Vh ** 2, [A34]),
    ('svd_rank1', lambda L, a: (lambda o: o.U[:, :1] * o.Vh[:1])(L.linalg.svd(a, full_matrices=False)), [A43]),
    ('eigvalsh', lambda L, a: L.linalg.eigvalsh(sym(a)), [SPD]),
    ('eigh_vectors', lambda L, a: L.linalg.eigh(sym(a)).eigenvectors ** 2, [SPD]),
    ('qr_R', lambda L, a: L.linalg.qr(a).R.abs(), [A43]),
    ('qr_QR', lambda L, a: (lambda o: o.Q[:, :1] * o.R[:1])(L.linalg.qr(a)), [A43]),
    ('matrix_power', lambda L, a: L.linalg.matrix_power(a, 3), [SPD]),
    ('multi_dot', lambda L, a, b: L.linalg.multi_dot([a, b, b.T]), [A43, B32]),
    ('vecdot', lambda L, a, b: L.linalg.vecdot(a, b), [A43, A43[::-1].copy()]),
    ('cross', lambda L, a, b: L.linalg.cross(a, b), [A43, A43 * 2 + 1]),
] + [(f'matrix_norm_{o}', (lambda o: lambda L, a: L.linalg.matrix_norm(a, o))(o), [A43])
     for o in ('fro', 'nuc', 1, -1, 2, -2, float('inf'), float('-inf'))] + [
    ('norm_rows', lambda L, a: L.linalg.norm(a, dim=1), [A43]),
    ('norm_flat', lambda L, a: L.linalg.norm(a), [A43]),
    ('norm_ord', lambda L, a: L.linalg.norm(a, 1), [A43[0]]),
    ('norm_keepdim', lambda L, a: L.linalg.norm(a, 'fro', (0, 1), True), [BATCH]),
    ('vector_norm', lambda L, a: L.linalg.vector_norm(a, 3, dim=(0, 1)), [A43]),
    ('vector_norm_inf', lambda L, a: L.linalg.vector_norm(a, float('inf')), [A43]),
]


@pytest.mark.parametrize('name,call,inputs', CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize('dtype', ['float32', 'float64'])
def test_matches_torch(name, call, inputs, dtype):
    ms = [mg.tensor(x.astype(dtype), requires_grad=True) for x in inputs]
    ts = [torch.tensor(x.astype(dtype), requires_grad=True) for x in inputs]
    om, ot = call(mg, *ms), call(torch, *ts)
    assert om.shape == tuple(ot.shape) and str(om.dtype) == dtype
    tol = dict(rtol=2e-4, atol=2e-5) if dtype == 'float32' else dict(rtol=1e-9, atol=1e-10)
    np.testing.assert_allclose(om.detach().numpy(), ot.detach().numpy(), **tol)
    w = np.linspace(0.5, 1.5, ot.numel()).reshape(tuple(ot.shape)).astype(dtype)
    (om * mg.tensor(w)).sum().backward()
    (ot * torch.tensor(w)).sum().backward()
    for m, t in zip(ms, ts):
        np.testing.assert_allclose(m.grad.numpy(), t.grad.numpy(), **tol)


@pytest.mark.parametrize('name,call,inputs', CASES, ids=[c[0] for c in CASES])
def test_gradcheck(name, call, inputs):
    ms = [mg.tensor(x, requires_grad=True) for x in inputs]
    assert gradcheck(lambda *ts: call(mg, *ts), ms)


def test_results_and_errors():
    assert LA.matrix_rank(mg.ones(3, 3)).item() == 1 and LA.matrix_rank(mg.eye(3)).dtype == np.int64
    assert LA.matrix_rank(mg.eye(3) * 1e-3, atol=1e-2).item() == 0
    out = LA.lstsq(mg.tensor(A43), mg.tensor(B32[:, :1].repeat(4, 0)[:4]))
    assert out.rank.item() == 3 and out.residuals.shape == (0,)
    sign, logabs = LA.slogdet(mg.tensor([[-2.0, 0.0], [0.0, 3.0]]))
    assert sign.item() == -1.0 and abs(logabs.item() - np.log(6)) < 1e-6
    q, r = LA.qr(mg.tensor(A43), mode='complete')
    assert q.shape == (4, 4) and r.shape == (4, 3)
    assert LA.qr(mg.tensor(A43), mode='r').R.shape == (3, 3)
    u, s, vh = LA.svd(mg.tensor(A43))
    assert u.shape == (4, 4) and vh.shape == (3, 3)
    np.testing.assert_allclose((u[:, :3] * s) @ vh, A43.astype(np.float32), atol=1e-5)
    assert mg.linalg is LA and LA.norm(mg.tensor([3, 4])).item() == 5.0      # ints -> float32
    with pytest.raises(RuntimeError, match='square'):
        LA.inv(mg.ones(2, 3))
    with pytest.raises(RuntimeError, match='singular'):
        LA.solve(mg.zeros(2, 2), mg.ones(2))
    with pytest.raises(RuntimeError, match='positive-definite'):
        LA.cholesky(-mg.eye(2))
    with pytest.raises(RuntimeError, match='incompatible'):
        LA.solve(mg.eye(2), mg.ones(3))
    with pytest.raises(RuntimeError, match='1D or 2D'):
        LA.norm(mg.ones(2, 2, 2), ord=2)
    with pytest.raises(RuntimeError, match='at least 2 dimensions'):
        LA.det(mg.ones(3))
    with pytest.raises(RuntimeError, match='full_matrices=False'):
        LA.svd(mg.tensor(A43, requires_grad=True)).U.sum().backward()

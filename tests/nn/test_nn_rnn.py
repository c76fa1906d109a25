"""RNN, LSTM, GRU and their cells against PyTorch (weights copied by state dict): outputs, final
states, input/state gradients and every parameter gradient; float64 gradcheck."""
import numpy as np
import pytest

import minigrad as mg
from minigrad import nn
from minigrad.testing import gradcheck
from nn_helpers import close, copy_from_torch

torch = pytest.importorskip('torch')


def _randn(*shape, seed=0, dtype=np.float64):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def _flat(out):
    """The tensors of an RNN result ``(output, h)`` or ``(output, (h, c))`` as a list."""
    seq, hidden = out
    return [seq] + (list(hidden) if isinstance(hidden, tuple) else [hidden])


CONFIGS = [
    ('RNN', dict()), ('RNN', dict(nonlinearity='relu', num_layers=2)),
    ('LSTM', dict()), ('LSTM', dict(num_layers=2, bidirectional=True)),
    ('LSTM', dict(batch_first=True, bias=False)), ('GRU', dict()),
    ('GRU', dict(num_layers=2, bidirectional=True, batch_first=True)),
]


@pytest.mark.parametrize('name,kw', CONFIGS, ids=[f'{n}-{i}' for i, (n, _) in enumerate(CONFIGS)])
@pytest.mark.parametrize('with_state', [False, True])
def test_recurrent_layers_match_torch(name, kw, with_state):
    m, t = getattr(nn, name)(3, 4, **kw).double(), getattr(torch.nn, name)(3, 4, **kw).double()
    assert [n for n, _ in m.named_parameters()] == [n for n, _ in t.named_parameters()]
    copy_from_torch(m, t)
    shape = (2, 5, 3) if kw.get('batch_first') else (5, 2, 3)
    x_np = _randn(*shape)
    x, tx = mg.tensor(x_np, requires_grad=True), torch.tensor(x_np, requires_grad=True)
    args, targs = [x], [tx]
    if with_state:
        layers = kw.get('num_layers', 1) * (2 if kw.get('bidirectional') else 1)
        h_np = [_randn(layers, 2, 4, seed=s) for s in (1, 2)]
        hs = [mg.tensor(h, requires_grad=True) for h in h_np]
        ths = [torch.tensor(h, requires_grad=True) for h in h_np]
        args.append(tuple(hs) if name == 'LSTM' else hs[0])
        targs.append(tuple(ths) if name == 'LSTM' else ths[0])
    ours, theirs = _flat(m(*args)), _flat(t(*targs))
    loss = sum((o * mg.tensor(_randn(*o.shape, seed=10 + i))).sum() for i, o in enumerate(ours))
    tloss = sum((o * torch.tensor(_randn(*o.shape, seed=10 + i))).sum()
                for i, o in enumerate(theirs))
    for o, to in zip(ours, theirs):
        close(o, to, 1e-10, 1e-12, 'output')
    loss.backward()
    tloss.backward()
    close(x.grad, tx.grad, 1e-10, 1e-12, 'input grad')
    if with_state:
        for h, th in zip(hs, ths):
            if th.grad is not None:
                close(h.grad, th.grad, 1e-10, 1e-12, 'state grad')
    for (k, p), (_, tp) in zip(m.named_parameters(), t.named_parameters()):
        close(p.grad, tp.grad, 1e-10, 1e-12, k)
    assert repr(m) == repr(t)


@pytest.mark.parametrize('name', ['RNNCell', 'LSTMCell', 'GRUCell'])
@pytest.mark.parametrize('batched', [True, False])
def test_cells_match_torch(name, batched):
    m, t = getattr(nn, name)(3, 4).double(), getattr(torch.nn, name)(3, 4).double()
    copy_from_torch(m, t)
    x_np = _randn(2, 3) if batched else _randn(3)
    h_np = _randn(*((2, 4) if batched else (4,)), seed=1)
    x, tx = mg.tensor(x_np, requires_grad=True), torch.tensor(x_np, requires_grad=True)
    if name == 'LSTMCell':
        state, tstate = (mg.tensor(h_np), mg.tensor(h_np * 0.5)), (torch.tensor(h_np), torch.tensor(h_np * 0.5))
    else:
        state, tstate = mg.tensor(h_np), torch.tensor(h_np)
    out, tout = m(x, state), t(tx, tstate)
    out = list(out) if name == 'LSTMCell' else [out]
    tout = list(tout) if name == 'LSTMCell' else [tout]
    for o, to in zip(out, tout):
        close(o, to, 1e-10, 1e-12, 'output')
    sum(o.sum() for o in out).backward()
    sum(o.sum() for o in tout).backward()
    close(x.grad, tx.grad, 1e-10, 1e-12, 'input grad')
    for (k, p), (_, tp) in zip(m.named_parameters(), t.named_parameters()):
        close(p.grad, tp.grad, 1e-10, 1e-12, k)
    assert repr(m) == repr(t)
    assert m(x).__class__ is not None               # hx=None: zeros


def test_lstm_gradcheck_unbatched_and_float32_default():
    mg.manual_seed(0)
    m = nn.LSTM(2, 3, bidirectional=True).double()
    x = mg.tensor(_randn(4, 2), requires_grad=True)
    assert gradcheck(lambda x: m(x)[0], (x,))
    out, (h, c) = nn.LSTM(2, 3)(mg.randn(4, 2))
    assert out.shape == (4, 3) and h.shape == (1, 3) and out.dtype == np.float32


def test_recurrent_errors_and_dropout_between_layers():
    with pytest.raises(RuntimeError, match='input_size. Expected 3, got 5'):
        nn.GRU(3, 4)(mg.zeros(2, 1, 5))
    with pytest.raises(ValueError, match="Unknown nonlinearity 'sigmoid'"):
        nn.RNN(3, 4, nonlinearity='sigmoid')
    with pytest.raises(NotImplementedError, match='proj_size'):
        nn.LSTM(3, 4, proj_size=2)
    mg.manual_seed(0)
    m = nn.LSTM(3, 4, num_layers=2, dropout=0.5)
    x = mg.randn(6, 2, 3)
    a, b = m(x)[0], m(x)[0]
    assert not np.allclose(a.numpy(), b.numpy())     # dropout in training
    m.eval()
    np.testing.assert_array_equal(m(x)[0].numpy(), m(x)[0].numpy())

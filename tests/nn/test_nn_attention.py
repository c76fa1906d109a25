"""MultiheadAttention against PyTorch (state dict copied): outputs, attention weights, input and
parameter gradients, with bool/float/causal/padding masks, batch_first and unbatched inputs."""
import numpy as np
import pytest

import minigrad as mg
from minigrad import nn
from minigrad.testing import gradcheck
from nn_helpers import close, copy_from_torch

torch = pytest.importorskip('torch')


def _randn(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


CASES = [dict(), dict(batch_first=True), dict(mask='bool'), dict(mask='float'),
         dict(padding=True), dict(causal=True), dict(average=False), dict(unbatched=True),
         dict(bias=False), dict(self_attention=True)]


@pytest.mark.parametrize('case', CASES, ids=[','.join(c) or 'plain' for c in CASES])
def test_multihead_attention_matches_torch(case):
    bf = case.get('batch_first', False)
    m = nn.MultiheadAttention(8, 2, bias=case.get('bias', True), batch_first=bf).double()
    t = torch.nn.MultiheadAttention(8, 2, bias=case.get('bias', True), batch_first=bf).double()
    assert list(m.state_dict()) == list(t.state_dict())
    with torch.no_grad():
        for p in t.parameters():
            p.copy_(torch.randn(p.shape, dtype=torch.float64) * 0.5)
    copy_from_torch(m, t)
    L, S, N = 4, 5, 3
    shapes = [(L, 8), (S, 8), (S, 8)] if case.get('unbatched') else \
        [((N, n, 8) if bf else (n, N, 8)) for n in (L, S, S)]
    arrays = [_randn(*s, seed=i) for i, s in enumerate(shapes)]
    if case.get('self_attention') or case.get('causal'):
        arrays = [arrays[0]] * 3
        S = L
    ours = [mg.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    kw_o, kw_t = {}, {}
    if case.get('mask') == 'bool':
        mask = np.random.default_rng(7).uniform(size=(L, S)) < 0.3
        mask[:, 0] = False
        kw_o['attn_mask'], kw_t['attn_mask'] = mg.tensor(mask), torch.tensor(mask)
    if case.get('mask') == 'float':
        mask = _randn(N * 2, L, S, seed=8)
        kw_o['attn_mask'], kw_t['attn_mask'] = mg.tensor(mask), torch.tensor(mask)
    if case.get('padding'):
        pad = np.zeros((N, S), dtype=bool)
        pad[0, -2:] = True
        kw_o['key_padding_mask'], kw_t['key_padding_mask'] = mg.tensor(pad), torch.tensor(pad)
    if case.get('causal'):
        causal = np.triu(np.ones((L, L), dtype=bool), 1)
        kw_o['is_causal'] = True
        kw_t['attn_mask'], kw_t['is_causal'] = torch.tensor(causal), True
    if case.get('average') is False:
        kw_o['average_attn_weights'] = kw_t['average_attn_weights'] = False
    if case.get('self_attention') or case.get('causal'):
        ours, theirs = [ours[0]] * 3, [theirs[0]] * 3
    y, w = m(*ours, **kw_o)
    ty, tw = t(*theirs, **kw_t)
    close(y, ty, 1e-10, 1e-12, 'output')
    close(w, tw, 1e-10, 1e-12, 'weights')
    g = _randn(*y.shape, seed=9)
    (y * mg.tensor(g)).sum().backward()
    (ty * torch.tensor(g)).sum().backward()
    for a, b in zip(ours, theirs):
        close(a.grad, b.grad, 1e-10, 1e-12, 'input grad')
    for (k, p), (_, tp) in zip(m.named_parameters(), t.named_parameters()):
        close(p.grad, tp.grad, 1e-10, 1e-12, k)
    assert repr(m) == repr(t)


def test_multihead_attention_gradcheck_dropout_and_errors():
    mg.manual_seed(0)
    m = nn.MultiheadAttention(4, 2).double()
    x = mg.tensor(_randn(3, 2, 4), requires_grad=True)
    assert gradcheck(lambda x: m(x, x, x)[0], (x,))
    assert m(x, x, x, need_weights=False)[1] is None
    d = nn.MultiheadAttention(4, 2, dropout=0.5).double()
    assert not np.allclose(d(x, x, x)[0].numpy(), d(x, x, x)[0].numpy())
    d.eval()
    np.testing.assert_array_equal(d(x, x, x)[0].numpy(), d(x, x, x)[0].numpy())
    with pytest.raises(ValueError, match='divisible by num_heads'):
        nn.MultiheadAttention(6, 4)
    with pytest.raises(NotImplementedError, match='kdim'):
        nn.MultiheadAttention(4, 2, kdim=3)


@pytest.mark.parametrize('kw', [dict(), dict(norm_first=True, activation='gelu'),
                                dict(batch_first=True, bias=False)])
@pytest.mark.parametrize('masks', [False, True])
def test_transformer_encoder_matches_torch(kw, masks):
    tkw = dict(kw)
    if tkw.get('activation') == 'gelu':
        tkw['activation'] = torch.nn.functional.gelu
    layer, tlayer = nn.TransformerEncoderLayer(8, 2, 16, **kw), torch.nn.TransformerEncoderLayer(8, 2, 16, **tkw)
    m = nn.TransformerEncoder(layer, 2, norm=nn.LayerNorm(8)).double()
    t = torch.nn.TransformerEncoder(tlayer, 2, norm=torch.nn.LayerNorm(8),
                                    enable_nested_tensor=False).double()
    assert list(m.state_dict()) == list(t.state_dict())
    with torch.no_grad():
        for p in t.parameters():
            p.copy_(torch.randn(p.shape, dtype=torch.float64) * 0.3)
    copy_from_torch(m, t)
    m.eval()
    t.eval()
    shape = (3, 5, 8) if kw.get('batch_first') else (5, 3, 8)
    a = _randn(*shape, seed=2)
    x, tx = mg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    margs, targs = {}, {}
    if masks:
        causal = np.triu(np.ones((5, 5), dtype=bool), 1)
        pad = np.zeros((3, 5), dtype=bool)
        pad[1, -1] = True
        margs = dict(mask=mg.tensor(causal), src_key_padding_mask=mg.tensor(pad))
        targs = dict(mask=torch.tensor(causal), src_key_padding_mask=torch.tensor(pad))
    y, ty = m(x, **margs), t(tx, **targs)
    close(y, ty, 1e-9, 1e-11, 'output')
    g = _randn(*y.shape, seed=3)
    (y * mg.tensor(g)).sum().backward()
    (ty * torch.tensor(g)).sum().backward()
    close(x.grad, tx.grad, 1e-9, 1e-11, 'input grad')
    for (k, p), (_, tp) in zip(m.named_parameters(), t.named_parameters()):
        close(p.grad, tp.grad, 1e-9, 1e-11, k)
    assert repr(layer) == repr(tlayer)

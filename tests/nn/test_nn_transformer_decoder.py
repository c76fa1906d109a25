"""TransformerDecoderLayer, TransformerDecoder and Transformer against torch's (state dicts load
both ways, outputs and gradients with masks, generate_square_subsequent_mask), and a tiny
copy task that trains."""
import numpy as np
import pytest

import minigrad as mg
from minigrad import nn

torch = pytest.importorskip('torch')


def rand(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


@pytest.mark.parametrize('batch_first,norm_first', [(False, False), (True, True)])
@pytest.mark.filterwarnings("ignore:enable_nested_tensor is True")
def test_transformer_matches_torch(batch_first, norm_first):
    kw = dict(d_model=8, nhead=2, num_encoder_layers=2, num_decoder_layers=2,
              dim_feedforward=16, dropout=0.0, batch_first=batch_first, norm_first=norm_first)
    m, t = nn.Transformer(**kw), torch.nn.Transformer(**kw)
    assert list(m.state_dict()) == list(t.state_dict())
    assert repr(m.decoder.layers[0]) == repr(t.decoder.layers[0])
    m.load_state_dict({k: v.detach().numpy() for k, v in t.state_dict().items()})
    src, tgt = rand(5, 3, 8), rand(4, 3, 8, seed=1)
    if batch_first:
        src, tgt = src.transpose(1, 0, 2).copy(), tgt.transpose(1, 0, 2).copy()
    mask = nn.Transformer.generate_square_subsequent_mask(4)
    np.testing.assert_array_equal(mask.numpy(),
                                  torch.nn.Transformer.generate_square_subsequent_mask(4).numpy())
    pad = np.zeros((3, 5), bool)
    pad[0, -2:] = True
    S, tS = mg.tensor(src, requires_grad=True), torch.tensor(src, requires_grad=True)
    y = m(S, mg.tensor(tgt), tgt_mask=mask, src_key_padding_mask=mg.tensor(pad),
          memory_key_padding_mask=mg.tensor(pad))
    ty = t(tS, torch.tensor(tgt), tgt_mask=torch.tensor(mask.numpy()),
           src_key_padding_mask=torch.tensor(pad), memory_key_padding_mask=torch.tensor(pad))
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), rtol=1e-4, atol=1e-5)
    g = rand(*ty.shape, seed=2)
    y.backward(mg.tensor(g))
    ty.backward(torch.tensor(g))
    np.testing.assert_allclose(S.grad.numpy(), tS.grad.numpy(), rtol=1e-4, atol=1e-5)
    theirs = dict(t.named_parameters())
    for k, p in m.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), theirs[k].grad.numpy(), rtol=1e-4, atol=1e-5,
                                   err_msg=k)


def test_decoder_alone_and_errors():
    layer = nn.TransformerDecoderLayer(8, 2, dim_feedforward=16, dropout=0.0)
    dec = nn.TransformerDecoder(layer, 3, norm=nn.LayerNorm(8))
    assert len(dec.layers) == 3 and dec.layers[0] is not dec.layers[1]
    out = dec(mg.tensor(rand(4, 2, 8)), mg.tensor(rand(6, 2, 8, seed=1)), tgt_is_causal=True)
    assert out.shape == (4, 2, 8)
    t = nn.Transformer(8, 2, 1, 1, 16)
    with pytest.raises(RuntimeError, match='the batch number of src and tgt must be equal'):
        t(mg.zeros(5, 3, 8), mg.zeros(4, 2, 8))
    with pytest.raises(RuntimeError, match='must be equal to d_model=8'):
        t(mg.zeros(5, 3, 8), mg.zeros(4, 3, 6))


def test_transformer_learns_to_copy():
    """Teacher-forced copying of a 5-token sequence (learned positions): the loss falls well below
    chance."""
    mg.manual_seed(0)
    vocab, d = 6, 16
    emb, pos = nn.Embedding(vocab, d), nn.Embedding(5, d)       # tokens and their positions
    model, head = nn.Transformer(d, 2, 1, 1, 32, dropout=0.0), nn.Linear(d, vocab)
    params = [p for m in (emb, pos, model, head) for p in m.parameters()]
    opt = mg.optim.Adam(params, lr=5e-3)
    rng = np.random.default_rng(0)
    mask = nn.Transformer.generate_square_subsequent_mask(5)
    losses = []
    for _ in range(80):
        seq = rng.integers(1, vocab, (5, 8))
        src = mg.tensor(seq)
        tgt_in = mg.tensor(np.concatenate([np.zeros((1, 8), np.int64), seq[:-1]]))
        where = pos(mg.arange(5)).unsqueeze(1)
        out = head(model(emb(src) + where, emb(tgt_in) + where, tgt_mask=mask))
        loss = nn.functional.cross_entropy(out.reshape(-1, vocab), mg.tensor(seq.reshape(-1)))
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.5 * np.log(vocab - 1) and losses[-1] < losses[0]

"""nn.utils.rnn (PackedSequence, pack_padded_sequence, pad_packed_sequence, pad_sequence,
pack_sequence, unpad/unpack) and RNN/LSTM/GRU on packed input, against torch."""
import numpy as np
import pytest

import minigrad as mg
from minigrad import nn
from minigrad.nn.utils import rnn as R
from minigrad.testing import gradcheck

torch = pytest.importorskip('torch')
TR = torch.nn.utils.rnn


def rand(*shape, seed=0, dtype=np.float32):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


@pytest.mark.parametrize('mode,kw', [('LSTM', dict(num_layers=2, bidirectional=True)),
                                     ('GRU', dict(batch_first=True)),
                                     ('RNN', dict(num_layers=2, nonlinearity='relu'))])
@pytest.mark.parametrize('enforce_sorted', [False, True])
def test_rnn_on_packed_sequences_matches_torch(mode, kw, enforce_sorted):
    m, t = getattr(nn, mode)(3, 4, **kw), getattr(torch.nn, mode)(3, 4, **kw)
    m.load_state_dict({k: v.detach().numpy() for k, v in t.state_dict().items()})
    bf = kw.get('batch_first', False)
    lengths = [6, 4, 3, 1] if enforce_sorted else [3, 6, 1, 4]
    x = rand(4, 6, 3) if bf else rand(6, 4, 3)
    X, tX = mg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    p = R.pack_padded_sequence(X, lengths, batch_first=bf, enforce_sorted=enforce_sorted)
    tp = TR.pack_padded_sequence(tX, lengths, batch_first=bf, enforce_sorted=enforce_sorted)
    np.testing.assert_array_equal(p.data.detach().numpy(), tp.data.detach().numpy())
    assert p.batch_sizes.numpy().tolist() == tp.batch_sizes.tolist()
    h0 = rand(m.num_layers * (2 if m.bidirectional else 1), 4, 4, seed=1)
    hx = (mg.tensor(h0), mg.tensor(h0 * 0.5)) if mode == 'LSTM' else mg.tensor(h0)
    thx = (torch.tensor(h0), torch.tensor(h0 * 0.5)) if mode == 'LSTM' else torch.tensor(h0)
    out, h = m(p, hx)
    tout, th = t(tp, thx)
    assert isinstance(out, R.PackedSequence)
    o, n = R.pad_packed_sequence(out, batch_first=bf, total_length=7)
    to, tn = TR.pad_packed_sequence(tout, batch_first=bf, total_length=7)
    assert n.numpy().tolist() == tn.tolist() == lengths and n.dtype == np.int64
    np.testing.assert_allclose(o.detach().numpy(), to.detach().numpy(), rtol=1e-5, atol=1e-6)
    hh, thh = (h[1], th[1]) if mode == 'LSTM' else (h, th)
    np.testing.assert_allclose(hh.detach().numpy(), thh.detach().numpy(), rtol=1e-5, atol=1e-6)
    (o.sum() + (hh * hh).sum()).backward()
    (to.sum() + (thh * thh).sum()).backward()
    np.testing.assert_allclose(X.grad.numpy(), tX.grad.numpy(), rtol=1e-5, atol=1e-6)
    for (k, a), b in zip(m.named_parameters(), t.parameters()):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-4, atol=1e-5, err_msg=k)


def test_padding_helpers_match_torch():
    seqs = [rand(n, 2, seed=n) for n in (2, 5, 3)]
    for kw in (dict(batch_first=True, padding_value=-1.0), dict(padding_side='left')):
        np.testing.assert_array_equal(R.pad_sequence([mg.tensor(s) for s in seqs], **kw).numpy(),
                                      TR.pad_sequence([torch.tensor(s) for s in seqs], **kw).numpy())
    p = R.pack_sequence([mg.tensor(s) for s in seqs], enforce_sorted=False)
    tp = TR.pack_sequence([torch.tensor(s) for s in seqs], enforce_sorted=False)
    np.testing.assert_array_equal(p.data.numpy(), tp.data.numpy())
    assert p.sorted_indices.numpy().tolist() == tp.sorted_indices.tolist()
    assert p.unsorted_indices.numpy().tolist() == tp.unsorted_indices.tolist()
    for a, s in zip(R.unpack_sequence(p), seqs):
        np.testing.assert_array_equal(a.numpy(), s)
    padded = R.pad_sequence([mg.tensor(s) for s in seqs])
    for a, s in zip(R.unpad_sequence(padded, [2, 5, 3]), seqs):
        np.testing.assert_array_equal(a.numpy(), s)


def test_pack_gradcheck_and_errors():
    x = mg.tensor(rand(4, 3, 2, dtype=np.float64), requires_grad=True)
    assert gradcheck(lambda x: R.pad_packed_sequence(
        R.pack_padded_sequence(x, [2, 4, 1], enforce_sorted=False))[0] * 2.0, [x])
    with pytest.raises(RuntimeError, match='must be sorted in decreasing order'):
        R.pack_padded_sequence(x, [2, 4, 1])
    with pytest.raises(RuntimeError, match=r'every length must be in \[1, 4\]'):
        R.pack_padded_sequence(x, [5, 4, 1])
    with pytest.raises(ValueError, match='expected 3 lengths'):
        R.pack_padded_sequence(x, [4, 1])
    p = R.pack_padded_sequence(x, [4, 2, 1])
    with pytest.raises(ValueError, match='total_length to be at least'):
        R.pad_packed_sequence(p, total_length=2)
    with pytest.raises(RuntimeError, match='Expected 3, got 2'):
        nn.GRU(3, 4)(p)


def test_flatten_parameters_is_accepted():
    for cls in (nn.RNN, nn.LSTM, nn.GRU):
        m = cls(3, 4)
        assert m.flatten_parameters() is None and hasattr(torch.nn, cls.__name__)


def test_word_language_model_transformer_subclass_runs():
    """pytorch/examples word_language_model's TransformerModel subclasses nn.Transformer and
    replaces its decoder by a Linear."""
    class TransformerModel(nn.Transformer):
        def __init__(self, ntoken, ninp, nhead, nhid, nlayers):
            super().__init__(d_model=ninp, nhead=nhead, dim_feedforward=nhid,
                             num_encoder_layers=nlayers)
            self.input_emb = nn.Embedding(ntoken, ninp)
            self.decoder = nn.Linear(ninp, ntoken)

        def forward(self, src):
            mask = nn.Transformer.generate_square_subsequent_mask(src.shape[0])
            out = self.encoder(self.input_emb(src), mask=mask)
            return nn.functional.log_softmax(self.decoder(out), dim=-1)
    m = TransformerModel(11, 8, 2, 16, 2)
    out = m(mg.tensor(np.random.default_rng(0).integers(0, 11, (5, 3))))
    assert out.shape == (5, 3, 11) and isinstance(m.decoder, nn.Linear)

"""Client port: pytorch/examples ``word_language_model`` (``data.py``, ``model.py``, ``main.py``,
``generate.py``): a corpus tokenised into ``torch.tensor(ids).type(torch.int64)`` pieces joined
by ``torch.cat``, ``batchify`` with ``narrow`` / ``view`` / ``t().contiguous()``, ``get_batch``
slicing, an ``RNNModel`` (``nn.Embedding``, ``getattr(nn, rnn_type)`` for LSTM/GRU, ``nn.RNN``
with a nonlinearity, weight tying ``decoder.weight = encoder.weight``, ``weight.new_zeros`` for
the hidden state), ``repackage_hidden`` with ``detach``, ``clip_grad_norm_`` and the hand-written
update ``p.data.add_(p.grad, alpha=-lr)`` at the example's lr of 20, perplexities with
``math.exp``, the learning rate divided by 4 when validation stalls, and ``generate.py``'s
sampling with ``torch.multinomial`` and ``input.fill_(word_idx)``.

Written afresh after the example, keeping every PyTorch call its user writes; only the imports
differ (``torch`` -> ``minigrad``). Changes for a quick test: the Wikitext-2 files are replaced by
a small corpus generated from a toy grammar (about 30 words), ``--emsize/--nhid`` 32 instead of
200, 8 epochs instead of 40, logging every 10 batches, lr 2 for the tanh RNN (at the example's 20
it diverges, in PyTorch too); the best model is saved as its
``state_dict`` because minigrad refuses to pickle a whole module (``torch.save(model, f)``:
checked to fail clearly). The Transformer variant is tested on its own (last test).
"""
import math
import os
import random
import re
import time
import types

import numpy as np
import pytest

import minigrad as torch
import minigrad.nn as nn
import minigrad.nn.functional as F
from minigrad.serialization import SerializationError


# ---- data.py ------------------------------------------------------------------------------------

class Dictionary(object):
    def __init__(self):
        self.word2idx = {}
        self.idx2word = []

    def add_word(self, word):
        if word not in self.word2idx:
            self.idx2word.append(word)
            self.word2idx[word] = len(self.idx2word) - 1
        return self.word2idx[word]

    def __len__(self):
        return len(self.idx2word)


class Corpus(object):
    def __init__(self, path):
        self.dictionary = Dictionary()
        self.train = self.tokenize(os.path.join(path, 'train.txt'))
        self.valid = self.tokenize(os.path.join(path, 'valid.txt'))
        self.test = self.tokenize(os.path.join(path, 'test.txt'))

    def tokenize(self, path):
        """Tokenizes a text file."""
        assert os.path.exists(path)
        # Add words to the dictionary
        with open(path, 'r', encoding="utf8") as f:
            for line in f:
                words = line.split() + ['<eos>']
                for word in words:
                    self.dictionary.add_word(word)

        # Tokenize file content
        with open(path, 'r', encoding="utf8") as f:
            idss = []
            for line in f:
                words = line.split() + ['<eos>']
                ids = []
                for word in words:
                    ids.append(self.dictionary.word2idx[word])
                idss.append(torch.tensor(ids).type(torch.int64))
            ids = torch.cat(idss)

        return ids


def make_corpus(path):
    """(The port's) a corpus from a toy grammar instead of Wikitext-2."""
    rng = random.Random(0)
    subjects = ['the cat', 'the dog', 'a bird', 'my friend', 'the old man', 'a child']
    verbs = ['sees', 'likes', 'follows', 'finds', 'watches']
    objects = ['the ball', 'a tree', 'the river', 'some bread', 'the moon', 'a small house']
    tails = ['', 'today', 'again', 'at night', 'in the garden']
    os.makedirs(path)
    for name, n in (('train.txt', 600), ('valid.txt', 80), ('test.txt', 80)):
        with open(os.path.join(path, name), 'w', encoding='utf8') as f:
            for _ in range(n):
                f.write(' '.join(filter(None, [rng.choice(subjects), rng.choice(verbs), rng.choice(objects),
                                               rng.choice(tails), '.'])) + '\n')


# ---- model.py -----------------------------------------------------------------------------------

class RNNModel(nn.Module):
    """Container module with an encoder, a recurrent module, and a decoder."""

    def __init__(self, rnn_type, ntoken, ninp, nhid, nlayers, dropout=0.5, tie_weights=False):
        super(RNNModel, self).__init__()
        self.ntoken = ntoken
        self.drop = nn.Dropout(dropout)
        self.encoder = nn.Embedding(ntoken, ninp)
        if rnn_type in ['LSTM', 'GRU']:
            self.rnn = getattr(nn, rnn_type)(ninp, nhid, nlayers, dropout=dropout)
        else:
            try:
                nonlinearity = {'RNN_TANH': 'tanh', 'RNN_RELU': 'relu'}[rnn_type]
            except KeyError as e:
                raise ValueError("""An invalid option for `--model` was supplied,
                                 options are ['LSTM', 'GRU', 'RNN_TANH' or 'RNN_RELU']""") from e
            self.rnn = nn.RNN(ninp, nhid, nlayers, nonlinearity=nonlinearity, dropout=dropout)
        self.decoder = nn.Linear(nhid, ntoken)

        # Optionally tie weights as in:
        # "Using the Output Embedding to Improve Language Models" (Press & Wolf 2016)
        if tie_weights:
            if nhid != ninp:
                raise ValueError('When using the tied flag, nhid must be equal to emsize')
            self.decoder.weight = self.encoder.weight

        self.init_weights()

        self.rnn_type = rnn_type
        self.nhid = nhid
        self.nlayers = nlayers

    def init_weights(self):
        initrange = 0.1
        nn.init.uniform_(self.encoder.weight, -initrange, initrange)
        nn.init.zeros_(self.decoder.bias)
        nn.init.uniform_(self.decoder.weight, -initrange, initrange)

    def forward(self, input, hidden):
        emb = self.drop(self.encoder(input))
        output, hidden = self.rnn(emb, hidden)
        output = self.drop(output)
        decoded = self.decoder(output)
        decoded = decoded.view(-1, self.ntoken)
        return F.log_softmax(decoded, dim=1), hidden

    def init_hidden(self, bsz):
        weight = next(self.parameters())
        if self.rnn_type == 'LSTM':
            return (weight.new_zeros(self.nlayers, bsz, self.nhid),
                    weight.new_zeros(self.nlayers, bsz, self.nhid))
        else:
            return weight.new_zeros(self.nlayers, bsz, self.nhid)


# ---- main.py ------------------------------------------------------------------------------------

def main(args):
    torch.manual_seed(args.seed)
    device = torch.device("cpu")

    corpus = Corpus(args.data)

    def batchify(data, bsz):
        # Work out how cleanly we can divide the dataset into bsz parts.
        nbatch = data.size(0) // bsz
        # Trim off any extra elements that wouldn't cleanly fit (remainders).
        data = data.narrow(0, 0, nbatch * bsz)
        # Evenly divide the data across the bsz batches.
        data = data.view(bsz, -1).t().contiguous()
        return data.to(device)

    eval_batch_size = 10
    train_data = batchify(corpus.train, args.batch_size)
    val_data = batchify(corpus.valid, eval_batch_size)
    test_data = batchify(corpus.test, eval_batch_size)

    ntokens = len(corpus.dictionary)
    model = RNNModel(args.model, ntokens, args.emsize, args.nhid, args.nlayers, args.dropout, args.tied).to(device)

    criterion = nn.NLLLoss()

    def repackage_hidden(h):
        """Wraps hidden states in new Tensors, to detach them from their history."""
        if isinstance(h, torch.Tensor):
            return h.detach()
        else:
            return tuple(repackage_hidden(v) for v in h)

    def get_batch(source, i):
        seq_len = min(args.bptt, len(source) - 1 - i)
        data = source[i:i+seq_len]
        target = source[i+1:i+1+seq_len].view(-1)
        return data, target

    def evaluate(data_source):
        # Turn on evaluation mode which disables dropout.
        model.eval()
        total_loss = 0.
        hidden = model.init_hidden(eval_batch_size)
        with torch.no_grad():
            for i in range(0, data_source.size(0) - 1, args.bptt):
                data, targets = get_batch(data_source, i)
                output, hidden = model(data, hidden)
                hidden = repackage_hidden(hidden)
                total_loss += len(data) * criterion(output, targets).item()
        return total_loss / (len(data_source) - 1)

    def train():
        # Turn on training mode which enables dropout.
        model.train()
        total_loss = 0.
        start_time = time.time()
        hidden = model.init_hidden(args.batch_size)
        for batch, i in enumerate(range(0, train_data.size(0) - 1, args.bptt)):
            data, targets = get_batch(train_data, i)
            # Starting each batch, we detach the hidden state from how it was previously produced.
            # If we didn't, the model would try backpropagating all the way to start of the dataset.
            model.zero_grad()
            hidden = repackage_hidden(hidden)
            output, hidden = model(data, hidden)
            loss = criterion(output, targets)
            loss.backward()

            # `clip_grad_norm` helps prevent the exploding gradient problem in RNNs / LSTMs.
            torch.nn.utils.clip_grad_norm_(model.parameters(), args.clip)
            for p in model.parameters():
                p.data.add_(p.grad, alpha=-lr)

            total_loss += loss.item()

            if batch % args.log_interval == 0 and batch > 0:
                cur_loss = total_loss / args.log_interval
                elapsed = time.time() - start_time
                print('| epoch {:3d} | {:5d}/{:5d} batches | lr {:02.2f} | ms/batch {:5.2f} | '
                      'loss {:5.2f} | ppl {:8.2f}'.format(
                          epoch, batch, len(train_data) // args.bptt, lr,
                          elapsed * 1000 / args.log_interval, cur_loss, math.exp(cur_loss)))
                total_loss = 0
                start_time = time.time()
            if args.dry_run:
                break

    # Loop over epochs.
    lr = args.lr
    best_val_loss = None
    for epoch in range(1, args.epochs+1):
        epoch_start_time = time.time()
        train()
        val_loss = evaluate(val_data)
        print('-' * 89)
        print('| end of epoch {:3d} | time: {:5.2f}s | valid loss {:5.2f} | '
              'valid ppl {:8.2f}'.format(epoch, (time.time() - epoch_start_time),
                                         val_loss, math.exp(val_loss)))
        print('-' * 89)
        # Save the model if the validation loss is the best we've seen so far.
        if not best_val_loss or val_loss < best_val_loss:
            with open(args.save, 'wb') as f:
                torch.save(model.state_dict(), f)
            best_val_loss = val_loss
        else:
            # Anneal the learning rate if no improvement has been seen in the validation dataset.
            lr /= 4.0

    # Load the best saved model.
    with open(args.save, 'rb') as f:
        model.load_state_dict(torch.load(f))
        # after load the rnn params are not a continuous chunk of memory
        # this makes them a continuous chunk, and will speed up forward pass
        model.rnn.flatten_parameters()

    # Run on test data.
    test_loss = evaluate(test_data)
    print('=' * 89)
    print('| End of training | test loss {:5.2f} | test ppl {:8.2f}'.format(
        test_loss, math.exp(test_loss)))
    print('=' * 89)
    return model, corpus


def generate(model, corpus, args):
    """generate.py, given the trained model (the example loads it from its checkpoint)."""
    device = torch.device("cpu")
    model.eval()
    ntokens = len(corpus.dictionary)
    hidden = model.init_hidden(1)
    input = torch.randint(ntokens, (1, 1), dtype=torch.long).to(device)
    with open(args.outf, 'w') as outf:
        with torch.no_grad():  # no tracking history
            for i in range(args.words):
                output, hidden = model(input, hidden)
                word_weights = output.squeeze().div(args.temperature).exp().cpu()
                word_idx = torch.multinomial(word_weights, 1)[0]
                input.fill_(word_idx)

                word = corpus.dictionary.idx2word[word_idx]

                outf.write(word + ('\n' if i % 20 == 19 else ' '))

                if i % args.log_interval == 0:
                    print('| Generated {}/{} words'.format(i, args.words))


def options(**kw):
    opt = dict(data='./data/toy', model='LSTM', emsize=32, nhid=32, nlayers=2, lr=20, clip=0.25,
               epochs=8, batch_size=20, bptt=20, dropout=0.2, tied=False, seed=1111, log_interval=10,
               save='model.pt', dry_run=False)
    opt.update(kw)
    return types.SimpleNamespace(**opt)


def test_corpus_and_batchify(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    make_corpus('data/toy')
    corpus = Corpus('data/toy')
    assert 20 < len(corpus.dictionary) < 40 and corpus.train.dtype == torch.int64
    assert corpus.dictionary.idx2word[int(corpus.train[0])] in ('the', 'a', 'my')
    data = corpus.train
    nbatch = data.size(0) // 10
    batched = data.narrow(0, 0, nbatch * 10).view(10, -1).t().contiguous()
    assert tuple(batched.shape) == (nbatch, 10)
    # column j is the j-th tenth of the corpus, in order
    assert batched[:, 3].tolist() == data[3 * nbatch:4 * nbatch].tolist()


@pytest.mark.parametrize('model_type, tied, lr', [('LSTM', False, 20), ('GRU', True, 20), ('RNN_TANH', False, 2)])
def test_language_model_trains_and_generates(tmp_path, monkeypatch, capsys, model_type, tied, lr):
    monkeypatch.chdir(tmp_path)
    make_corpus('data/toy')
    model, corpus = main(options(model=model_type, tied=tied, lr=lr))
    out = capsys.readouterr().out
    valid_ppl = [float(v) for v in re.findall(r'valid ppl +([0-9.]+)', out)]
    test_ppl = float(re.search(r'End of training \| test loss +[0-9.]+ \| test ppl +([0-9.]+)', out).group(1))
    ntokens = len(corpus.dictionary)
    assert len(valid_ppl) == 8 and re.search(r'\| epoch +1 \| +10/ +\d+ batches \| lr \d+\.00 \|', out)
    # a uniform guess has perplexity ntokens; the grammar allows far fewer choices per word
    assert test_ppl < 0.35 * ntokens and valid_ppl[-1] < valid_ppl[0] * 1.05
    if tied:
        assert model.decoder.weight is model.encoder.weight
        assert sum(p.numel() for p in model.parameters()) < sum(p.numel() for p in model.state_dict().values())

    generate(model, corpus, types.SimpleNamespace(outf='generated.txt', words=60, temperature=1.0,
                                                   log_interval=20))
    text = open('generated.txt').read().split()
    assert len(text) == 60 and set(text) <= set(corpus.dictionary.idx2word)
    assert capsys.readouterr().out.count('| Generated ') == 3


def test_whole_model_checkpoints_are_refused(tmp_path):
    model = RNNModel('LSTM', 10, 8, 8, 1)
    with open(tmp_path / 'model.pt', 'wb') as f:
        with pytest.raises(SerializationError, match=r'RNNModel are not supported.*state_dict\(\)'):
            torch.save(model, f)


def test_invalid_model_name():
    with pytest.raises(ValueError, match=r'An invalid option for `--model` was supplied'):
        RNNModel('CNN', 10, 8, 8, 1)


class PositionalEncoding(nn.Module):
    r"""Inject some information about the relative or absolute position of the tokens in the sequence."""

    def __init__(self, d_model, dropout=0.1, max_len=5000):
        super(PositionalEncoding, self).__init__()
        self.dropout = nn.Dropout(p=dropout)

        pe = torch.zeros(max_len, d_model)
        position = torch.arange(0, max_len, dtype=torch.float).unsqueeze(1)
        div_term = torch.exp(torch.arange(0, d_model, 2).float() * (-math.log(10000.0) / d_model))
        pe[:, 0::2] = torch.sin(position * div_term)
        pe[:, 1::2] = torch.cos(position * div_term)
        pe = pe.unsqueeze(0).transpose(0, 1)
        self.register_buffer('pe', pe)

    def forward(self, x):
        x = x + self.pe[:x.size(0), :]
        return self.dropout(x)


class TransformerModel(nn.Transformer):
    """Container module with an encoder, a recurrent or transformer module, and a decoder."""

    def __init__(self, ntoken, ninp, nhead, nhid, nlayers, dropout=0.5):
        super(TransformerModel, self).__init__(d_model=ninp, nhead=nhead, dim_feedforward=nhid,
                                               num_encoder_layers=nlayers)
        self.model_type = 'Transformer'
        self.src_mask = None
        self.pos_encoder = PositionalEncoding(ninp, dropout)

        self.input_emb = nn.Embedding(ntoken, ninp)
        self.ninp = ninp
        self.decoder = nn.Linear(ninp, ntoken)

        self.init_weights()

    def _generate_square_subsequent_mask(self, sz):
        return torch.log(torch.tril(torch.ones(sz, sz)))

    def init_weights(self):
        initrange = 0.1
        nn.init.uniform_(self.input_emb.weight, -initrange, initrange)
        nn.init.zeros_(self.decoder.bias)
        nn.init.uniform_(self.decoder.weight, -initrange, initrange)

    def forward(self, src, has_mask=True):
        if has_mask:
            device = src.device
            if self.src_mask is None or self.src_mask.size(0) != len(src):
                mask = self._generate_square_subsequent_mask(len(src)).to(device)
                self.src_mask = mask
        else:
            self.src_mask = None

        src = self.input_emb(src) * math.sqrt(self.ninp)
        src = self.pos_encoder(src)
        output = self.encoder(src, mask=self.src_mask)
        output = self.decoder(output)
        return F.log_softmax(output, dim=-1)


def test_transformer_variant(tmp_path, monkeypatch):
    """model.py's TransformerModel (nn.Transformer's encoder; its decoder attribute replaced by the
    output Linear): the causal mask from ``torch.log(torch.tril(...))``, shapes, and main.py's
    Transformer branch of ``train`` on the toy corpus (clip_grad_norm_ and the hand-written step,
    at lr 1)."""
    monkeypatch.chdir(tmp_path)
    make_corpus('data/toy')
    torch.manual_seed(0)
    corpus = Corpus('data/toy')
    ntokens = len(corpus.dictionary)
    model = TransformerModel(ntokens, 32, 2, 64, 2, 0.1)
    mask = model._generate_square_subsequent_mask(4).numpy()
    assert np.all(mask[np.tril_indices(4)] == 0) and np.all(np.isneginf(mask[np.triu_indices(4, 1)]))
    data = corpus.train
    nbatch = data.size(0) // 20
    train_data = data.narrow(0, 0, nbatch * 20).view(20, -1).t().contiguous()
    criterion = nn.NLLLoss()
    lr = 1.0
    losses = []
    model.train()
    for epoch in range(6):
        for i in range(0, train_data.size(0) - 1, 20):
            seq_len = min(20, len(train_data) - 1 - i)
            src, targets = train_data[i:i + seq_len], train_data[i + 1:i + 1 + seq_len].view(-1)
            output = model(src)
            output = output.view(-1, ntokens)
            model.zero_grad()
            loss = criterion(output, targets)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 0.25)
            for p in model.parameters():
                p.data.add_(p.grad, alpha=-lr)
            losses.append(loss.item())
    assert tuple(model(train_data[:7]).shape) == (7, 20, ntokens)
    assert np.mean(losses[-5:]) < 0.6 * np.mean(losses[:3])

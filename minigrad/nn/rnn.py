"""Recurrent layers, as ``torch.nn``: RNN, LSTM, GRU and their cells RNNCell, LSTMCell, GRUCell.

Each time step is composed from ``F.linear`` and the elementwise ops (no fused kernel), so
backward is the engine's and the code reads like the equations; the parameter names, shapes,
gate order (LSTM: i, f, g, o; GRU: r, z, n) and initialisation U(-1/sqrt(H), 1/sqrt(H)) are
PyTorch's, so a torch state dict loads as is.
"""
import math

from .. import backend, factory
from ..functions import cat, stack
from ..dtypes import get_default_dtype
from . import functional as F
from . import init
from .module import Module
from .parameter import Parameter
from .utils.rnn import PackedSequence

__all__ = ['RNNCell', 'LSTMCell', 'GRUCell', 'RNN', 'LSTM', 'GRU', 'RNNBase']

_CHUNKS = {'RNN_TANH': 1, 'RNN_RELU': 1, 'LSTM': 4, 'GRU': 3}


def _step(mode, x, state, w_ih, w_hh, b_ih, b_hh):
    """One time step: ``x`` (N, I) and the state (h, or (h, c) for LSTM) -> the new state."""
    h = state[0] if mode == 'LSTM' else state
    gi, gh = F.linear(x, w_ih, b_ih), F.linear(h, w_hh, b_hh)
    hs = h.shape[-1]
    if mode == 'LSTM':
        # i, f, g, o = gates;  c' = f c + i g;  h' = o tanh(c')
        gates = gi + gh
        i, f, g, o = (gates[..., k * hs:(k + 1) * hs] for k in range(4))
        c = f.sigmoid() * state[1] + i.sigmoid() * g.tanh()
        return o.sigmoid() * c.tanh(), c
    if mode == 'GRU':
        # r, z from x and h; n = tanh(W_in x + b_in + r (W_hn h + b_hn));  h' = (1 - z) n + z h
        r = (gi[..., :hs] + gh[..., :hs]).sigmoid()
        z = (gi[..., hs:2 * hs] + gh[..., hs:2 * hs]).sigmoid()
        n = (gi[..., 2 * hs:] + r * gh[..., 2 * hs:]).tanh()
        return (1.0 - z) * n + z * h
    pre = gi + gh
    return pre.tanh() if mode == 'RNN_TANH' else pre.relu()


def _uniform_init(module, hidden_size):
    stdv = 1.0 / math.sqrt(hidden_size) if hidden_size > 0 else 0
    for p in module.parameters():
        init.uniform_(p, -stdv, stdv)


def _param(shape, device, dtype):
    return Parameter(factory.empty(*shape, dtype=dtype or get_default_dtype(), device=device))


class _CellBase(Module):
    _mode = ''

    def __init__(self, input_size, hidden_size, bias, device, dtype):
        super().__init__()
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        g = _CHUNKS[self._mode] * hidden_size
        self.weight_ih = _param((g, input_size), device, dtype)
        self.weight_hh = _param((g, hidden_size), device, dtype)
        for name in ('bias_ih', 'bias_hh'):
            self.register_parameter(name, _param((g,), device, dtype) if bias else None)
        self.reset_parameters()

    def reset_parameters(self):
        _uniform_init(self, self.hidden_size)

    def _run(self, input, hx):
        if input.ndim not in (1, 2):
            raise ValueError(f'{self._get_name()}: Expected input to be 1D or 2D, got '
                             f'{input.ndim}D instead (shape {tuple(input.shape)})')
        batched = input.ndim == 2
        x = input if batched else input.unsqueeze(0)
        if hx is None:
            zeros = factory.zeros(x.shape[0], self.hidden_size, dtype=x.dtype, device=x.device)
            hx = (zeros, zeros) if self._mode == 'LSTM' else zeros
        elif not batched:
            hx = tuple(h.unsqueeze(0) for h in hx) if self._mode == 'LSTM' else hx.unsqueeze(0)
        out = _step(self._mode, x, hx, self.weight_ih, self.weight_hh, self.bias_ih,
                    self.bias_hh)
        if not batched:
            out = tuple(o.squeeze(0) for o in out) if self._mode == 'LSTM' else out.squeeze(0)
        return out

    def forward(self, input, hx=None):
        return self._run(input, hx)

    def extra_repr(self):
        s = f'{self.input_size}, {self.hidden_size}'
        if not self.bias:
            s += ', bias=False'
        if getattr(self, 'nonlinearity', 'tanh') != 'tanh':
            s += f', nonlinearity={self.nonlinearity}'
        return s


class RNNCell(_CellBase):
    """``h' = tanh(W_ih x + b_ih + W_hh h + b_hh)`` (or relu).

    Shape:
        input (N, I) or (I,), hx (N, H) or (H,) (zeros if None) -> h' of hx's shape.
    """

    def __init__(self, input_size, hidden_size, bias=True, nonlinearity='tanh', device=None,
                 dtype=None):
        if nonlinearity not in ('tanh', 'relu'):
            raise ValueError(f'Unknown nonlinearity: {nonlinearity}')
        self._mode = 'RNN_TANH' if nonlinearity == 'tanh' else 'RNN_RELU'
        super().__init__(input_size, hidden_size, bias, device, dtype)
        self.nonlinearity = nonlinearity


class LSTMCell(_CellBase):
    """One LSTM step: gates ``i, f, g, o``; ``c' = f c + i g``, ``h' = o tanh(c')``.

    Shape:
        input (N, I) or (I,), hx a pair (h, c) of (N, H) (zeros if None) -> (h', c').
    """
    _mode = 'LSTM'

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, device, dtype)


class GRUCell(_CellBase):
    """One GRU step: ``r``, ``z`` gates, ``n = tanh(W_in x + b_in + r (W_hn h + b_hn))``,
    ``h' = (1 - z) n + z h``.

    Shape:
        input (N, I) or (I,), hx (N, H) or (H,) (zeros if None) -> h'.
    """
    _mode = 'GRU'

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, device, dtype)


class _RNNBase(Module):
    """The multi-layer, optionally bidirectional recurrent layer behind RNN, LSTM and GRU."""

    def __init__(self, mode, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, proj_size=0, device=None, dtype=None):
        super().__init__()
        if proj_size:
            raise NotImplementedError('proj_size is not supported by minigrad')
        if not 0 <= dropout <= 1 or isinstance(dropout, bool):
            raise ValueError('dropout should be a number in range [0, 1] representing the '
                             'probability of an element being zeroed')
        if not isinstance(hidden_size, int) or hidden_size <= 0:
            raise ValueError(f'hidden_size must be a positive integer, got {hidden_size!r}')
        if not isinstance(num_layers, int) or num_layers <= 0:
            raise ValueError(f'num_layers must be a positive integer, got {num_layers!r}')
        self.mode, self.input_size, self.hidden_size = mode, input_size, hidden_size
        self.num_layers, self.bias, self.batch_first = num_layers, bias, batch_first
        self.dropout, self.bidirectional, self.proj_size = float(dropout), bidirectional, 0
        g = _CHUNKS[mode] * hidden_size
        dirs = 2 if bidirectional else 1
        for layer in range(num_layers):
            for d in range(dirs):
                sfx = f'_l{layer}' + ('_reverse' if d else '')
                size_in = input_size if layer == 0 else hidden_size * dirs
                setattr(self, 'weight_ih' + sfx, _param((g, size_in), device, dtype))
                setattr(self, 'weight_hh' + sfx, _param((g, hidden_size), device, dtype))
                if bias:
                    setattr(self, 'bias_ih' + sfx, _param((g,), device, dtype))
                    setattr(self, 'bias_hh' + sfx, _param((g,), device, dtype))
        self.reset_parameters()

    def reset_parameters(self):
        _uniform_init(self, self.hidden_size)

    def _weights(self, layer, d):
        sfx = f'_l{layer}' + ('_reverse' if d else '')
        get = self._parameters.get
        return (get('weight_ih' + sfx), get('weight_hh' + sfx), get('bias_ih' + sfx),
                get('bias_hh' + sfx))

    def forward(self, input, hx=None):
        """Run over the sequence; returns ``(output, h_n)``, for LSTM ``(output, (h_n, c_n))``.

        Shape:
            input (L, N, I) ((N, L, I) with ``batch_first``) or (L, I) unbatched, or a
            ``PackedSequence`` (then output is one too, and each sequence stops at its length);
            hx (layers * directions, N, H) (LSTM: a pair) or None for zeros -> output
            (L, N, D * H).
        """
        if isinstance(input, PackedSequence):
            return self._forward_packed(input, hx)
        if input.ndim not in (2, 3):
            raise ValueError(f'{self._get_name()}: Expected input to be 2D or 3D, got '
                             f'{input.ndim}D instead (shape {tuple(input.shape)})')
        self._check_features(input)
        batched = input.ndim == 3
        x = input if batched else input.unsqueeze(1)
        if batched and self.batch_first:
            x = x.transpose(0, 1)
        lstm = self.mode == 'LSTM'
        if hx is None:
            hx = self._zeros(x, x.shape[1])
        elif not batched:
            hx = tuple(h.unsqueeze(1) for h in hx) if lstm else hx.unsqueeze(1)
        xs, hidden = self._layers([x[t] for t in range(x.shape[0])], hx, None)
        out = stack(xs)
        out = out.transpose(0, 1) if batched and self.batch_first else out
        if not batched:
            out = out.squeeze(1)
            hidden = tuple(h.squeeze(1) for h in hidden) if lstm else hidden.squeeze(1)
        return out, hidden

    def flatten_parameters(self):
        """PyTorch packs the weights into one cuDNN buffer; minigrad has none, so this does
        nothing (code that calls it after loading or moving a model runs unchanged)."""

    def _check_features(self, input):
        if input.shape[-1] != self.input_size:
            raise RuntimeError(f'{self._get_name()}: input.size(-1) must be equal to input_size. '
                               f'Expected {self.input_size}, got {input.shape[-1]}')

    def _zeros(self, like, batch):
        z = factory.zeros(self.num_layers * (2 if self.bidirectional else 1), batch,
                          self.hidden_size, dtype=like.dtype, device=like.device)
        return (z, z) if self.mode == 'LSTM' else z

    def _forward_packed(self, packed, hx):
        """The layers over a PackedSequence: at step t only its first ``batch_sizes[t]``
        sequences (the ones that long) advance; the others keep their state."""
        data = packed.data
        self._check_features(data)
        sizes = [int(n) for n in backend.asnumpy(packed.batch_sizes.array)]
        lstm = self.mode == 'LSTM'
        if hx is None:
            hx = self._zeros(data, sizes[0])
        elif packed.sorted_indices is not None:                 # the caller's order -> sorted
            hx = tuple(h.index_select(1, packed.sorted_indices) for h in hx) if lstm \
                else hx.index_select(1, packed.sorted_indices)
        offsets = [0]
        for n in sizes:
            offsets.append(offsets[-1] + n)
        xs, hidden = self._layers([data[offsets[t]:offsets[t + 1]] for t in range(len(sizes))],
                                  hx, sizes)
        if packed.unsorted_indices is not None:
            hidden = tuple(h.index_select(1, packed.unsorted_indices) for h in hidden) if lstm \
                else hidden.index_select(1, packed.unsorted_indices)
        return packed._replace(data=cat(xs)), hidden

    def _layers(self, xs, hx, sizes):
        """Every layer and direction over the per-step inputs ``xs``; ``sizes[t]`` (packed
        input) is how many of the first rows advance at step t. Returns the last layer's
        per-step outputs and the final state(s)."""
        lstm = self.mode == 'LSTM'
        dirs = 2 if self.bidirectional else 1
        h_n, c_n = [], []
        for layer in range(self.num_layers):
            outs = []
            for d in range(dirs):
                k = layer * dirs + d
                state = (hx[0][k], hx[1][k]) if lstm else hx[k]
                seq = [None] * len(xs)
                for t in (range(len(xs) - 1, -1, -1) if d else range(len(xs))):
                    state, seq[t] = self._advance(xs[t], state, layer, d,
                                                  None if sizes is None else sizes[t])
                outs.append(seq)
                h_n.append(state[0] if lstm else state)
                if lstm:
                    c_n.append(state[1])
            xs = outs[0] if dirs == 1 else [cat(pair, dim=-1) for pair in zip(*outs)]
            if self.dropout and self.training and layer < self.num_layers - 1:
                xs = [F.dropout(x, self.dropout, True) for x in xs]
        return xs, ((stack(h_n), stack(c_n)) if lstm else stack(h_n))

    def _advance(self, x, state, layer, d, size):
        """One step of one direction: (the new state of every sequence, this step's output)."""
        lstm = self.mode == 'LSTM'
        h = state[0] if lstm else state
        if size is None or size == h.shape[0]:
            new = _step(self.mode, x, state, *self._weights(layer, d))
            return new, (new[0] if lstm else new)
        part = (state[0][:size], state[1][:size]) if lstm else state[:size]
        new = _step(self.mode, x, part, *self._weights(layer, d))
        if lstm:
            return (cat([new[0], state[0][size:]]), cat([new[1], state[1][size:]])), new[0]
        return cat([new, state[size:]]), new

    def extra_repr(self):
        s = f'{self.input_size}, {self.hidden_size}'
        for name, default in (('num_layers', 1), ('bias', True), ('batch_first', False),
                              ('dropout', 0.0), ('bidirectional', False)):
            if getattr(self, name) != default:
                s += f', {name}={getattr(self, name)}'
        return s


class RNN(_RNNBase):
    """An Elman RNN: ``h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)`` (or relu), stacked
    ``num_layers`` deep, optionally bidirectional; see ``_RNNBase.forward`` for the shapes.

    Args:
        input_size, hidden_size: I and H.
        num_layers: stacked layers (default 1).
        nonlinearity: 'tanh' or 'relu'.
        bias: learn the biases.
        batch_first: input and output as (N, L, *).
        dropout: dropout on the outputs of every layer but the last, in training.
        bidirectional: also run backwards in time and concatenate.
    """

    def __init__(self, input_size, hidden_size, num_layers=1, nonlinearity='tanh', bias=True,
                 batch_first=False, dropout=0.0, bidirectional=False, device=None, dtype=None):
        if nonlinearity not in ('tanh', 'relu'):
            raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or "
                             "'relu'.")
        super().__init__('RNN_TANH' if nonlinearity == 'tanh' else 'RNN_RELU', input_size,
                         hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         device=device, dtype=dtype)
        self.nonlinearity = nonlinearity


class LSTM(_RNNBase):
    """A long short-term memory layer (gates i, f, g, o), stacked and optionally bidirectional;
    ``forward`` returns ``(output, (h_n, c_n))``. Arguments as :class:`RNN` (no nonlinearity);
    ``proj_size`` other than 0 is not supported."""

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, proj_size=0, device=None, dtype=None):
        super().__init__('LSTM', input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, proj_size, device, dtype)


class GRU(_RNNBase):
    """A gated recurrent unit layer (gates r, z, n), stacked and optionally bidirectional.
    Arguments as :class:`RNN` (no nonlinearity)."""

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, device=None, dtype=None):
        super().__init__('GRU', input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, device=device, dtype=dtype)


RNNBase = _RNNBase      # torch.nn.RNNBase: the base of RNN, LSTM and GRU (for isinstance checks)

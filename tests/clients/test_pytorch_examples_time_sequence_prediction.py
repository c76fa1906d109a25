"""Client port: pytorch/examples ``time_sequence_prediction`` (``generate_sine_wave.py`` and
``train.py``): sine waves saved with ``torch.save`` of a NumPy array into an open file and
loaded back, a two-layer ``nn.LSTMCell`` stack unrolled over ``input.split(1, dim=1)`` in
float64 (``seq.double()``, ``dtype=torch.double`` states), predicting ``future`` steps from its
own output, trained with ``optim.LBFGS`` and a ``closure``.

Written afresh after the example, keeping every PyTorch call its user writes; only the imports
differ (``torch`` -> ``minigrad``). Changes for a quick test: 30 waves of 100 steps instead of
100 of 1,000, 4 LBFGS steps instead of 15, 100 future steps instead of 1,000; the plots are
left out.
"""
import re

import numpy as np

import minigrad as torch
import minigrad.nn as nn
import minigrad.optim as optim


def generate_sine_wave():
    np.random.seed(2)

    T = 20
    L = 100
    N = 30

    x = np.empty((N, L), 'int64')
    x[:] = np.array(range(L)) + np.random.randint(-4 * T, 4 * T, N).reshape(N, 1)
    data = np.sin(x / 1.0 / T).astype('float64')
    torch.save(data, open('traindata.pt', 'wb'))


class Sequence(nn.Module):
    def __init__(self):
        super(Sequence, self).__init__()
        self.lstm1 = nn.LSTMCell(1, 51)
        self.lstm2 = nn.LSTMCell(51, 51)
        self.linear = nn.Linear(51, 1)

    def forward(self, input, future = 0):
        outputs = []
        h_t = torch.zeros(input.size(0), 51, dtype=torch.double)
        c_t = torch.zeros(input.size(0), 51, dtype=torch.double)
        h_t2 = torch.zeros(input.size(0), 51, dtype=torch.double)
        c_t2 = torch.zeros(input.size(0), 51, dtype=torch.double)

        for input_t in input.split(1, dim=1):
            h_t, c_t = self.lstm1(input_t, (h_t, c_t))
            h_t2, c_t2 = self.lstm2(h_t, (h_t2, c_t2))
            output = self.linear(h_t2)
            outputs += [output]
        for i in range(future):# if we should predict the future
            h_t, c_t = self.lstm1(output, (h_t, c_t))
            h_t2, c_t2 = self.lstm2(h_t, (h_t2, c_t2))
            output = self.linear(h_t2)
            outputs += [output]
        outputs = torch.cat(outputs, dim=1)
        return outputs


def train(steps):
    # set random seed to 0
    np.random.seed(0)
    torch.manual_seed(0)
    # load data and make training set
    data = torch.load('traindata.pt')
    input = torch.from_numpy(data[3:, :-1])
    target = torch.from_numpy(data[3:, 1:])
    test_input = torch.from_numpy(data[:3, :-1])
    test_target = torch.from_numpy(data[:3, 1:])
    # build the model
    seq = Sequence()
    seq.double()
    criterion = nn.MSELoss()
    # use LBFGS as optimizer since we can load the whole data to train
    optimizer = optim.LBFGS(seq.parameters(), lr=0.8)
    #begin to train
    for i in range(steps):
        print('STEP: ', i)
        def closure():
            optimizer.zero_grad()
            out = seq(input)
            loss = criterion(out, target)
            print('loss:', loss.item())
            loss.backward()
            return loss
        optimizer.step(closure)
        # begin to predict, no need to track gradient here
        with torch.no_grad():
            future = 100
            pred = seq(test_input, future=future)
            loss = criterion(pred[:, :-future], test_target)
            print('test loss:', loss.item())
            y = pred.detach().numpy()
    return seq, y


def test_generated_data_round_trip(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    generate_sine_wave()
    data = torch.load('traindata.pt')
    assert isinstance(data, np.ndarray) and data.shape == (30, 100) and data.dtype == np.float64
    assert np.abs(data).max() <= 1


def test_sequence_shapes_and_dtype():
    seq = Sequence()
    seq.double()
    assert all(p.dtype == torch.float64 for p in seq.parameters())
    out = seq(torch.zeros(2, 7, dtype=torch.double), future=3)
    assert tuple(out.shape) == (2, 10) and out.dtype == torch.float64


def test_lbfgs_trains_the_lstm_to_continue_sine_waves(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    generate_sine_wave()
    seq, y = train(steps=4)
    out = capsys.readouterr().out
    assert out.count('STEP: ') == 4
    losses = [float(v) for v in re.findall(r'^loss: ([0-9.e-]+)$', out, re.M)]
    test_losses = [float(v) for v in re.findall(r'^test loss: ([0-9.e-]+)$', out, re.M)]
    # LBFGS evaluates the closure up to max_iter=20 times a step
    assert 4 < len(losses) <= 4 * 25 and len(test_losses) == 4
    assert losses[-1] < 0.05 * losses[0] and test_losses[-1] < 0.1 * test_losses[0]
    assert y.shape == (3, 99 + 100) and y.dtype == np.float64

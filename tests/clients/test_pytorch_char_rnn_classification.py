"""Client port: PyTorch's "NLP From Scratch: Classifying Names with a Character-Level RNN"
(``intermediate_source/char_rnn_classification_tutorial.py``, the classic version): names read
from ``data/names/*.txt`` with ``glob``/``unicodedata``, one-hot letters written through chained
indexing (``tensor[li][0][letterToIndex(letter)] = 1``), a hand-made RNN cell (``torch.cat``,
two ``nn.Linear``, ``nn.LogSoftmax``), ``nn.NLLLoss``, the update done by hand with
``p.data.add_(p.grad.data, alpha=-learning_rate)``, ``output.topk(1)``, a confusion matrix
filled with ``confusion[i][j] += 1`` and row-normalised, and ``predict`` with ``topk(3, 1, True)``.

Written afresh after the tutorial, keeping every PyTorch call its reader writes; only the
imports differ (``torch`` -> ``minigrad``). Changes for a quick test: the 18 languages' name
files are replaced by 4 made-up "languages" whose names follow their own spelling patterns
(generated below, 60 names each), 4,000 training iterations instead of 100,000 (printing every
500, plotting every 250) at learning rate 0.02 instead of 0.005, and a confusion matrix from 400
samples instead of 10,000. Plots are left out.
"""
import glob
import os
import random
import re
import string
import time
import math
import unicodedata
from io import open

import numpy as np

import minigrad as torch
import minigrad.nn as nn

SYLLABLES = {'Japonic': (['ka', 'shi', 'to', 'mi', 'ya', 'ru', 'ko', 'na'], ''),
             'Slavic': (['dov', 'esk', 'vol', 'rin', 'kol', 'zar'], 'sky'),
             'Anglic': (['jack', 'will', 'ham', 'ford', 'bur', 'ton'], 'son'),
             'Romanic': (['ro', 'mar', 'ti', 'bel', 'lu', 'ca'], 'ez')}


def make_names(root):
    """(The port's) the tutorial's download: one file per language, one name per line."""
    rng = random.Random(0)
    os.makedirs(os.path.join(root, 'names'))
    for language, (syllables, ending) in SYLLABLES.items():
        names = {(''.join(rng.choice(syllables) for _ in range(rng.randint(1, 3))) + ending).capitalize()
                 for _ in range(200)}
        with open(os.path.join(root, 'names', f'{language}.txt'), 'w', encoding='utf-8') as f:
            f.write('\n'.join(sorted(names)[:60]) + '\n')


def findFiles(path): return glob.glob(path)


all_letters = string.ascii_letters + " .,;'"
n_letters = len(all_letters)


# Turn a Unicode string to plain ASCII, thanks to https://stackoverflow.com/a/518232/2809427
def unicodeToAscii(s):
    return ''.join(
        c for c in unicodedata.normalize('NFD', s)
        if unicodedata.category(c) != 'Mn'
        and c in all_letters
    )


# Read a file and split into lines
def readLines(filename):
    lines = open(filename, encoding='utf-8').read().strip().split('\n')
    return [unicodeToAscii(line) for line in lines]


# Find letter index from all_letters, e.g. "a" = 0
def letterToIndex(letter):
    return all_letters.find(letter)


# Just for demonstration, turn a letter into a <1 x n_letters> Tensor
def letterToTensor(letter):
    tensor = torch.zeros(1, n_letters)
    tensor[0][letterToIndex(letter)] = 1
    return tensor


# Turn a line into a <line_length x 1 x n_letters>,
# or an array of one-hot letter vectors
def lineToTensor(line):
    tensor = torch.zeros(len(line), 1, n_letters)
    for li, letter in enumerate(line):
        tensor[li][0][letterToIndex(letter)] = 1
    return tensor


class RNN(nn.Module):
    def __init__(self, input_size, hidden_size, output_size):
        super(RNN, self).__init__()

        self.hidden_size = hidden_size

        self.i2h = nn.Linear(input_size + hidden_size, hidden_size)
        self.i2o = nn.Linear(input_size + hidden_size, output_size)
        self.softmax = nn.LogSoftmax(dim=1)

    def forward(self, input, hidden):
        combined = torch.cat((input, hidden), 1)
        hidden = self.i2h(combined)
        output = self.i2o(combined)
        output = self.softmax(output)
        return output, hidden

    def initHidden(self):
        return torch.zeros(1, self.hidden_size)


def timeSince(since):
    now = time.time()
    s = now - since
    m = math.floor(s / 60)
    s -= m * 60
    return '%dm %ds' % (m, s)


def run():
    category_lines = {}
    all_categories = []
    for filename in sorted(findFiles('data/names/*.txt')):
        category = os.path.splitext(os.path.basename(filename))[0]
        all_categories.append(category)
        lines = readLines(filename)
        category_lines[category] = lines
    n_categories = len(all_categories)

    n_hidden = 128
    rnn = RNN(n_letters, n_hidden, n_categories)

    def categoryFromOutput(output):
        top_n, top_i = output.topk(1)
        category_i = top_i[0].item()
        return all_categories[category_i], category_i

    def randomChoice(l):
        return l[random.randint(0, len(l) - 1)]

    def randomTrainingExample():
        category = randomChoice(all_categories)
        line = randomChoice(category_lines[category])
        category_tensor = torch.tensor([all_categories.index(category)], dtype=torch.long)
        line_tensor = lineToTensor(line)
        return category, line, category_tensor, line_tensor

    criterion = nn.NLLLoss()
    learning_rate = 0.02  # If you set this too high, it might explode. If too low, it might not learn

    def train(category_tensor, line_tensor):
        hidden = rnn.initHidden()

        rnn.zero_grad()

        for i in range(line_tensor.size()[0]):
            output, hidden = rnn(line_tensor[i], hidden)

        loss = criterion(output, category_tensor)
        loss.backward()

        # Add parameters' gradients to their values, multiplied by learning rate
        for p in rnn.parameters():
            p.data.add_(p.grad.data, alpha=-learning_rate)

        return output, loss.item()

    n_iters = 4000
    print_every = 500
    plot_every = 250

    # Keep track of losses for plotting
    current_loss = 0
    all_losses = []

    start = time.time()

    for iter in range(1, n_iters + 1):
        category, line, category_tensor, line_tensor = randomTrainingExample()
        output, loss = train(category_tensor, line_tensor)
        current_loss += loss

        # Print ``iter`` number, loss, name and guess
        if iter % print_every == 0:
            guess, guess_i = categoryFromOutput(output)
            correct = '✓' if guess == category else '✗ (%s)' % category
            print('%d %d%% (%s) %.4f %s / %s %s' % (iter, iter / n_iters * 100, timeSince(start), loss, line, guess, correct))

        # Add current loss avg to list of losses
        if iter % plot_every == 0:
            all_losses.append(current_loss / plot_every)
            current_loss = 0

    # Keep track of correct guesses in a confusion matrix
    confusion = torch.zeros(n_categories, n_categories)
    n_confusion = 400

    # Just return an output given a line
    def evaluate(line_tensor):
        hidden = rnn.initHidden()

        for i in range(line_tensor.size()[0]):
            output, hidden = rnn(line_tensor[i], hidden)

        return output

    # Go through a bunch of examples and record which are correctly guessed
    for i in range(n_confusion):
        category, line, category_tensor, line_tensor = randomTrainingExample()
        output = evaluate(line_tensor)
        guess, guess_i = categoryFromOutput(output)
        category_i = all_categories.index(category)
        confusion[category_i][guess_i] += 1

    # Normalize by dividing every row by its sum
    for i in range(n_categories):
        confusion[i] = confusion[i] / confusion[i].sum()

    def predict(input_line, n_predictions=3):
        print('\n> %s' % input_line)
        with torch.no_grad():
            output = evaluate(lineToTensor(input_line))

            # Get top N categories
            topv, topi = output.topk(n_predictions, 1, True)
            predictions = []

            for i in range(n_predictions):
                value = topv[0][i].item()
                category_index = topi[0][i].item()
                print('(%.2f) %s' % (value, all_categories[category_index]))
                predictions.append([value, all_categories[category_index]])
        return predictions

    return all_losses, confusion, predict


def test_letters_as_one_hot_tensors():
    assert unicodeToAscii('Ślusàrski') == 'Slusarski'
    t = letterToTensor('J')
    assert tuple(t.shape) == (1, 57) and t.sum().item() == 1 and t[0][letterToIndex('J')].item() == 1
    line = lineToTensor('Jones')
    assert tuple(line.size()) == (5, 1, 57)
    # chained indexing wrote into the tensor itself
    assert line.sum().item() == 5 and [int(line[i][0].argmax()) for i in range(5)] == [letterToIndex(c) for c in 'Jones']


def test_one_step_of_the_rnn():
    torch.manual_seed(0)
    rnn = RNN(n_letters, 128, 4)
    input = lineToTensor('Albert')
    hidden = torch.zeros(1, 128)
    output, next_hidden = rnn(input[0], hidden)
    assert tuple(output.shape) == (1, 4) and tuple(next_hidden.shape) == (1, 128)
    assert abs(output.exp().sum().item() - 1) < 1e-5


def test_training_confusion_and_predictions(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    make_names('data')
    random.seed(0)
    torch.manual_seed(0)
    all_losses, confusion, predict = run()
    assert len(all_losses) == 16
    assert np.mean(all_losses[-4:]) < 0.5 * np.mean(all_losses[:2])          # ln 4 = 1.39 at first
    out = capsys.readouterr().out
    assert len(re.findall(r'^\d+ \d+% \(\d+m \d+s\) [0-9.]+ \w+ / \w+ (✓|✗ \(\w+\))$', out, re.M)) == 8
    c = confusion.numpy()
    assert np.allclose(c.sum(axis=1), 1, atol=1e-5) and np.mean(np.diag(c)) > 0.7   # chance is 0.25
    predictions = predict('Dovesky')
    assert predictions[0][1] == 'Slavic' and len(predictions) == 3
    assert predictions[0][0] >= predictions[1][0] >= predictions[2][0]
    assert predict('Satoshi')[0][1] == 'Japonic'

"""README.md's "Coming from PyTorch" table names real things: every minigrad name in it imports.

The table's second column lists the minigrad names (``mg.x.y``, ``minigrad.x.y``, ``models.x``)
in backticks; each must resolve by importing the longest module prefix and then getattr. A name
that is renamed or removed breaks this test, so the table cannot drift from the code.
"""
import importlib
import pathlib
import re

import pytest

README = pathlib.Path(__file__).resolve().parents[1] / 'README.md'
NAME = re.compile(r'`((?:mg|minigrad|models)(?:\.\w+)+|models)`')


def table_rows():
    text = README.read_text()
    start = text.index('## Coming from PyTorch')
    end = text.index('\n## ', start + 1)
    rows = [line for line in text[start:end].splitlines() if line.startswith('| ')]
    return [r for r in rows[2:]]          # skip the header and the --- line


def minigrad_names():
    names = []
    for row in table_rows():
        cells = [c.strip() for c in row.strip('|').split('|')]
        names += NAME.findall(cells[1])
    return names


def resolve(name):
    parts = name.split('.')
    if parts[0] == 'mg':
        parts[0] = 'minigrad'
    for cut in range(len(parts), 0, -1):          # the longest importable module prefix
        try:
            obj = importlib.import_module('.'.join(parts[:cut]))
        except ImportError:
            continue
        for attr in parts[cut:]:
            obj = getattr(obj, attr)
        return obj
    raise ImportError(name)


def test_the_table_is_there_and_lists_names():
    rows = table_rows()
    assert len(rows) >= 10, 'the "Coming from PyTorch" table lost its rows'
    for row in rows:
        cells = [c.strip() for c in row.strip('|').split('|')]
        assert len(cells) == 3, f'a row of the table does not have three columns: {row}'
        assert NAME.findall(cells[1]), f'a row names no minigrad object: {row}'


@pytest.mark.parametrize('name', minigrad_names())
def test_every_name_in_the_table_imports(name):
    assert resolve(name) is not None


def test_resolve_fails_on_a_missing_name():
    with pytest.raises(AttributeError):
        resolve('mg.nn.NoSuchLayer')

"""Build the tutorial notebooks from their sources here, execute them, and write them with outputs.

Each ``NN_name.py`` in this folder is a notebook in the "percent" format: ``# %%`` starts a code
cell, ``# %% [markdown]`` a markdown cell whose lines are written as ``# text``. Run

    python tutorials/_src/build.py              # every notebook
    python tutorials/_src/build.py 01 03        # the ones whose names start with these prefixes
    python tutorials/_src/build.py --no-execute # convert only (no outputs)

It writes ``tutorials/NN_name.ipynb`` executed top to bottom in ``tutorials/`` (the folder the
tests run them in) and prints how long each took and how large it is.
"""
import argparse
import os
import sys
import time
from pathlib import Path

import nbformat

SRC = Path(__file__).resolve().parent
TUTORIALS = SRC.parent
REPO = TUTORIALS.parent


def parse(text):
    """Cells of a percent-format source: a list of (kind, source) pairs."""
    cells, kind, lines = [], None, []

    def flush():
        if kind is not None:
            body = '\n'.join(lines).strip('\n')
            if body:
                cells.append((kind, body))

    for line in text.splitlines():
        if line.startswith('# %%'):
            flush()
            kind, lines = ('markdown' if '[markdown]' in line else 'code'), []
        elif kind == 'markdown':
            lines.append(line[2:] if line.startswith('# ') else line.lstrip('#'))
        elif kind == 'code':
            lines.append(line)
    flush()
    return cells


def to_notebook(cells):
    nb = nbformat.v4.new_notebook()
    nb.metadata = {
        'kernelspec': {'display_name': 'Python 3', 'language': 'python', 'name': 'python3'},
        'language_info': {'name': 'python'},
    }
    for i, (kind, body) in enumerate(cells):
        cell = (nbformat.v4.new_markdown_cell if kind == 'markdown' else nbformat.v4.new_code_cell)(body)
        cell.id = f'c{i:03d}'          # stable ids keep diffs small
        nb.cells.append(cell)
    return nb


def execute(nb, timeout=180):
    from nbclient import NotebookClient
    sys.path.insert(0, str(REPO / 'tests'))
    from test_tutorials import kernel_env      # the environment the test runs notebooks in
    env = kernel_env()
    client = NotebookClient(nb, timeout=timeout, kernel_name='python3', coalesce_streams=True,
                            resources={'metadata': {'path': str(TUTORIALS)}})
    t0 = time.perf_counter()
    client.execute(env=env)
    return time.perf_counter() - t0


def clean(nb):
    """Drop per-run metadata (execution timestamps) so rebuilding changes only real outputs."""
    for cell in nb.cells:
        cell.metadata.pop('execution', None)
    return nb


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('prefixes', nargs='*', help='build only sources whose names start with these')
    ap.add_argument('--no-execute', action='store_true', help='convert without running')
    args = ap.parse_args(argv)
    sources = sorted(p for p in SRC.glob('[0-9]*.py')
                     if not args.prefixes or any(p.name.startswith(x) for x in args.prefixes))
    for src in sources:
        nb = to_notebook(parse(src.read_text()))
        took = None if args.no_execute else execute(nb)
        out = TUTORIALS / (src.stem + '.ipynb')
        nbformat.write(clean(nb), out)
        size = out.stat().st_size / 1024
        print(f'{out.name:40s} {"" if took is None else f"{took:6.1f} s"} {size:8.0f} KiB', flush=True)


if __name__ == '__main__':
    sys.exit(main())

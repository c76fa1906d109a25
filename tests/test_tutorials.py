"""Execute every tutorial notebook top to bottom, so the tutorials can never rot.

Each notebook runs in a fresh kernel with ``tutorials/`` as its working folder, from a copy held
in memory (the committed notebooks, outputs included, are never written). A cell that raises
(every claim in the notebooks is an ``assert``) fails the test, and so does a notebook that
runs past its time limit. Skips cleanly without nbclient, ipykernel or matplotlib.
"""
import os
import time
from pathlib import Path

import pytest

nbformat = pytest.importorskip('nbformat')
nbclient = pytest.importorskip('nbclient')
pytest.importorskip('ipykernel')
pytest.importorskip('matplotlib')

REPO = Path(__file__).resolve().parent.parent
TUTORIALS = REPO / 'tutorials'
NOTEBOOKS = sorted(TUTORIALS.glob('[0-9][0-9]_*.ipynb'))
NOTEBOOK_TIMEOUT = 180          # seconds for a whole notebook, kernel start included


def test_tutorials_are_there():
    assert len(NOTEBOOKS) >= 6, f'expected the six tutorial notebooks in {TUTORIALS}'
    readme = (TUTORIALS / 'README.md').read_text()
    for nb in NOTEBOOKS:
        assert nb.name in readme, f'{nb.name} is not listed in tutorials/README.md'


def kernel_env():
    """The notebook kernel's environment: this checkout importable, one BLAS thread.

    One BLAS thread keeps a notebook's run time steady when other processes compete for the
    cores (a multi-threaded OpenBLAS then spins waiting for its threads and can run several
    times slower); set the variables yourself to override. ``tutorials/_src/build.py`` runs the
    notebooks the same way, so the committed outputs are what this test computes.
    """
    env = dict(os.environ)
    env['PYTHONPATH'] = os.pathsep.join([str(REPO)] + ([env['PYTHONPATH']] if env.get('PYTHONPATH') else []))
    for var in ('OPENBLAS_NUM_THREADS', 'OMP_NUM_THREADS', 'MKL_NUM_THREADS'):
        env.setdefault(var, '1')
    return env


@pytest.mark.parametrize('path', NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_clean(path):
    nb = nbformat.read(str(path), as_version=4)        # an in-memory copy; never written back
    deadline = time.monotonic() + NOTEBOOK_TIMEOUT

    def time_left(cell):
        # nbclient asks before each cell: the whole notebook shares one time budget
        return max(1, int(deadline - time.monotonic()))

    env = kernel_env()
    client = nbclient.NotebookClient(
        nb, timeout=NOTEBOOK_TIMEOUT, timeout_func=time_left, kernel_name='python3',
        allow_errors=False, resources={'metadata': {'path': str(TUTORIALS)}})
    client.execute(env=env)       # raises CellExecutionError (with the traceback) on any cell error

    # every code cell ran, none left an error behind
    code = [c for c in nb.cells if c.cell_type == 'code']
    assert all(c.get('execution_count') for c in code), 'a code cell did not run'
    assert not any(o.get('output_type') == 'error' for c in code for o in c.get('outputs', []))

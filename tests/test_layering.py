"""The dependency ladder of DESIGN.md ("Rules of the house"), checked by parsing every import.

Every ``.py`` file under ``minigrad/`` and ``models/`` is parsed with ``ast`` (nothing is
imported), and every import in it is resolved to a file of the project: top-level imports and
imports inside functions, classes, ``try`` and ``if`` blocks (``TYPE_CHECKING`` ones too: the
rule is about knowledge, not only run time), relative and absolute, ``import minigrad.x``,
``import minigrad.x as y``, ``from . import x``, ``from .x import y``, ``from ..x import y``,
and ``importlib.import_module('...')`` / ``__import__('...')`` with a literal name. Imports
written in docstrings or comments are text, not imports, and are ignored.

``from P import name`` is an edge to the submodule ``P.name`` when that file exists, otherwise
to ``P`` itself (its ``__init__.py`` for a package): importing a name from a package's
``__init__`` means depending on that package's public face.

The checks:

1. **No upward import.** Each file has a rung (table ``RUNGS`` below, first match wins); an import
   may point to the same rung or lower, never higher.
2. **No import cycle** between files, at any rung (package ``__init__`` files included: a
   submodule that imports a name from its own package's ``__init__`` is a real cycle).
3. **No slot filled from outside**: no file assigns an attribute of another project module
   (``autograd._wrap = Tensor._wrap``, or ``setattr(autograd, ...)``): that is how a lower
   module is made to reach upward at run time without an import statement.
4. **Only ``minigrad/backend.py`` imports CuPy** (``cupy``, ``cupyx``, ``cupy_backends``).
5. **Every file has a rung**: a new top-level module must be placed in the table on purpose.

Each failure names the file, the line, the statement and the rule it breaks.

The ladder (lowest first). A file may import from its own rung and the rungs below it:

====  ====================  ===============================================================
rung  name                  files, and why they sit there
====  ====================  ===============================================================
0     base                  backend.py (devices, the array module; the only CuPy importer),
                            and the small utilities that need no Tensor: dtypes.py,
                            argcheck.py (shared argument checks), dimargs.py (dim/shape
                            normalisers), hooks.py (RemovableHandle), atomic.py (temp
                            file + rename writes), cuda.py, accelerator.py, backends.py
                            (``mg.cuda.is_available``, ``mg.accelerator``,
                            ``mg.backends.mps``: views of backend). An unlisted
                            minigrad/<name>.py that imports nothing of the project is placed
                            here too; any other unlisted file fails check 5.
1     autograd/ops          autograd.py (with autograd_checks.py: version and anomaly checks)
                            and ops/: Functions on raw arrays; tensors reach them only by duck
                            typing through the inputs.
2     tensor                tensor.py: the Tensor class, whose methods call into ops, and
                            its mixins tensor_*.py (math, shape methods).
3     tensor helpers        functions.py (free tensor functions: cat, stack, where ...),
                            factory.py (mg.tensor, zeros, randn ...), testing.py (gradcheck):
                            they build or take Tensors and need nothing above.
4     distributed           distributed/: collectives on tensors.
5     nn                    nn/ (incl. nn/parallel, nn/utils): modules, layers, F.*.
6     optim/data/ser.       optim/, data/ (incl. DistributedSampler), utils/ (PyTorch's
                            ``utils.data`` path to data/), and serialization.py: mg.save/load
                            round-trip ``nn.Parameter``, so they sit above nn (nothing below
                            saves or loads files).
7     public face           minigrad/__init__.py: re-exports from every rung below; no file
                            inside minigrad/ imports it (``import minigrad`` or ``from .. import
                            <a name that is not a submodule>`` from inside is upward).
8     models                models/: the model zoo and the training command.
====  ====================  ===============================================================
"""
import ast
import fnmatch
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ('minigrad', 'models')
CUPY = ('cupy', 'cupyx', 'cupy_backends')
CUPY_ALLOWED = ('minigrad/backend.py',)

# (name, paths) from the lowest rung up; a path ending in '/' is a folder, others may be globs.
RUNGS = (
    ('base', ('minigrad/backend.py', 'minigrad/dtypes.py', 'minigrad/argcheck.py',
              'minigrad/dimargs.py', 'minigrad/hooks.py', 'minigrad/atomic.py', 'minigrad/cuda.py',
              'minigrad/accelerator.py', 'minigrad/backends.py',
              'minigrad/runtime.py', 'minigrad/amp.py')),
    ('autograd/ops', ('minigrad/autograd.py', 'minigrad/autograd_*.py', 'minigrad/ops/')),
    ('tensor', ('minigrad/tensor.py', 'minigrad/tensor_*.py')),
    ('tensor helpers', ('minigrad/functions*.py', 'minigrad/factory.py', 'minigrad/legacy.py',
                        'minigrad/linalg.py', 'minigrad/distributions.py', 'minigrad/special.py', 'minigrad/testing.py',
                        'minigrad/generator.py')),
    ('distributed', ('minigrad/distributed/',)),
    ('nn', ('minigrad/nn/',)),
    ('optim/data/serialization', ('minigrad/optim/', 'minigrad/data/', 'minigrad/utils/',
                                  'minigrad/serialization.py')),
    ('public face', ('minigrad/__init__.py',)),
    ('models', ('models/',)),
)
LADDER = ' <- '.join(name for name, _ in RUNGS)


# ---------------------------------------------------------------- the parser

def project_files(root, packages=PACKAGES):
    """Relative POSIX paths of every .py file under the given packages, sorted."""
    out = []
    for pkg in packages:
        base = Path(root) / pkg
        if base.is_dir():
            out += [p.relative_to(root).as_posix() for p in base.rglob('*.py')
                    if '__pycache__' not in p.parts]
    return sorted(out)


def module_name(path):
    """'minigrad/nn/__init__.py' -> 'minigrad.nn'; 'minigrad/nn/conv.py' -> 'minigrad.nn.conv'."""
    parts = path[:-3].split('/')
    if parts[-1] == '__init__':
        parts.pop()
    return '.'.join(parts)


class Import:
    """One import found in a file: where, what it says, and the project file it reaches."""

    def __init__(self, path, line, text, target=None, external=None):
        self.path, self.line, self.text = path, line, text
        self.target = target        # a project file, or None
        self.external = external    # the top-level name of a module outside the project, or None

    def __repr__(self):
        return f'{self.path}:{self.line}: {self.text}'


class Slot:
    """An assignment to an attribute of another project module (``mod.attr = ...``)."""

    def __init__(self, path, line, text, target):
        self.path, self.line, self.text, self.target = path, line, text, target

    def __repr__(self):
        return f'{self.path}:{self.line}: {self.text}'


class Project:
    """The import graph of a source tree, parsed with ast (nothing is imported)."""

    def __init__(self, root, packages=PACKAGES):
        self.root = Path(root)
        self.files = project_files(root, packages)
        self.by_name = {module_name(f): f for f in self.files}
        self.imports = {}
        self.slots = {}
        for f in self.files:
            source = (self.root / f).read_text(encoding='utf-8')
            self.imports[f], self.slots[f] = self._parse(f, source)

    # --- resolution
    def resolve(self, dotted):
        """The project file of module `dotted`, or of its longest prefix that is one; else None."""
        parts = dotted.split('.')
        while parts:
            hit = self.by_name.get('.'.join(parts))
            if hit:
                return hit
            parts.pop()
        return None

    def _package_of(self, path):
        name = module_name(path)
        return name if path.endswith('__init__.py') else name.rpartition('.')[0]

    def _absolute(self, path, module, level):
        """The absolute module name of `from <level dots><module> import ...` written in `path`."""
        if not level:
            return module or ''
        base = self._package_of(path).split('.')
        if level - 1 > len(base) - 1:
            return None                         # beyond the top-level package: not ours
        base = base[:len(base) - (level - 1)]
        return '.'.join(base + ([module] if module else []))

    def _edge(self, path, line, text, dotted):
        top = dotted.split('.')[0]
        if top not in {f.split('/')[0] for f in self.files}:
            return Import(path, line, text, external=top)
        return Import(path, line, text, target=self.resolve(dotted))

    # --- parsing
    def _parse(self, path, source):
        tree = ast.parse(source, filename=path)
        lines = source.splitlines()

        def text(node):
            return lines[node.lineno - 1].strip() if node.lineno <= len(lines) else ''

        found, bound = [], {}               # bound: local name -> dotted module name
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for a in node.names:
                    found.append(self._edge(path, node.lineno, text(node), a.name))
                    if a.asname:
                        bound[a.asname] = a.name
                    else:
                        top = a.name.split('.')[0]
                        bound[top] = top
            elif isinstance(node, ast.ImportFrom):
                mod = self._absolute(path, node.module, node.level)
                if mod is None:
                    continue
                for a in node.names:
                    sub = f'{mod}.{a.name}' if mod else a.name
                    if a.name != '*' and sub in self.by_name:
                        found.append(self._edge(path, node.lineno, text(node), sub))
                        bound[a.asname or a.name] = sub
                    elif mod:
                        found.append(self._edge(path, node.lineno, text(node), mod))
            elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant) \
                    and isinstance(node.args[0].value, str):
                fn = node.func
                fname = fn.attr if isinstance(fn, ast.Attribute) else getattr(fn, 'id', None)
                if fname in ('import_module', '__import__'):
                    name = node.args[0].value
                    level = len(name) - len(name.lstrip('.'))
                    mod = self._absolute(path, name.lstrip('.'), level)
                    if mod:
                        found.append(self._edge(path, node.lineno, text(node), mod))

        slots = []
        for node in ast.walk(tree):
            targets = []
            if isinstance(node, ast.Assign):
                targets = node.targets
            elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
                targets = [node.target]
            elif isinstance(node, ast.Call) and getattr(node.func, 'id', None) == 'setattr' \
                    and node.args:
                targets = [ast.Attribute(value=node.args[0], attr='?')]
            while targets:
                t = targets.pop()
                if isinstance(t, (ast.Tuple, ast.List)):      # a, mod.x = ...
                    targets += t.elts
                elif isinstance(t, ast.Starred):
                    targets.append(t.value)
                elif isinstance(t, ast.Attribute):
                    owner = self._dotted(t.value, bound)
                    hit = self.by_name.get(owner) if owner else None
                    if hit and hit != path:
                        slots.append(Slot(path, node.lineno, text(node), hit))
        return [i for i in found if i.target != path], slots

    @staticmethod
    def _dotted(node, bound):
        """'autograd' for Name('autograd') bound to minigrad.autograd -> 'minigrad.autograd'."""
        attrs = []
        while isinstance(node, ast.Attribute):
            attrs.append(node.attr)
            node = node.value
        if not isinstance(node, ast.Name) or node.id not in bound:
            return None
        return '.'.join([bound[node.id]] + attrs[::-1])

    # --- the checks
    def rung(self, path, rungs=RUNGS):
        for i, (_, prefixes) in enumerate(rungs):
            if any(path.startswith(p) if p.endswith('/') else fnmatch.fnmatchcase(path, p)
                   for p in prefixes):
                return i
        if path.count('/') == 1 and path.startswith('minigrad/') and \
                all(imp.target is None for imp in self.imports.get(path, ())):
            return 0        # an unlisted top-level utility that imports nothing of ours: base
        return None

    def unplaced(self, rungs=RUNGS):
        return [f for f in self.files if self.rung(f, rungs) is None]

    def upward(self, rungs=RUNGS):
        out = []
        for f in self.files:
            mine = self.rung(f, rungs)
            for imp in self.imports[f]:
                if imp.target is None or mine is None:
                    continue
                theirs = self.rung(imp.target, rungs)
                if theirs is not None and theirs > mine:
                    out.append((imp.path, imp.line, f'{imp}  -- {rungs[mine][0]} (rung {mine}) '
                                f'imports {imp.target}, which is {rungs[theirs][0]} (rung {theirs}): '
                                'imports point down the ladder only'))
        return [text for _, _, text in sorted(out)]

    def graph(self):
        g = {f: {} for f in self.files}
        for f in self.files:
            for imp in self.imports[f]:
                if imp.target is not None:
                    g[f].setdefault(imp.target, imp)     # first import of each target
        return g

    def cycles(self):
        """Each import cycle as a list of the Imports that close it (one cycle per strongly
        connected component, found iteratively)."""
        g = self.graph()
        index, low, on, stack, comps, counter = {}, {}, set(), [], [], [0]
        for start in self.files:
            if start in index:
                continue
            work = [(start, iter(sorted(g[start])))]
            index[start] = low[start] = counter[0]; counter[0] += 1
            stack.append(start); on.add(start)
            while work:
                v, it = work[-1]
                w = next(it, None)
                if w is not None:
                    if w not in index:
                        index[w] = low[w] = counter[0]; counter[0] += 1
                        stack.append(w); on.add(w)
                        work.append((w, iter(sorted(g[w]))))
                    elif w in on:
                        low[v] = min(low[v], index[w])
                    continue
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[v])
                if low[v] == index[v]:
                    comp = []
                    while True:
                        w = stack.pop(); on.discard(w); comp.append(w)
                        if w == v:
                            break
                    if len(comp) > 1:
                        comps.append(set(comp))
        out = []
        for comp in comps:                      # a shortest cycle through the smallest file
            first = min(comp)
            prev, frontier = {first: None}, [first]
            while frontier and first not in [w for v in frontier for w in g[v] if w in comp]:
                nxt = []
                for v in frontier:
                    for w in sorted(g[v]):
                        if w in comp and w not in prev:
                            prev[w] = v; nxt.append(w)
                frontier = nxt
            last = next(v for v in frontier if first in g[v])
            path = [last]
            while prev[path[-1]] is not None:
                path.append(prev[path[-1]])
            path.reverse()                      # first ... last, then last -> first
            out.append([g[a][b] for a, b in zip(path, path[1:] + [first])])
        return out

    def cupy_imports(self, allowed=CUPY_ALLOWED):
        return [imp for f in self.files if f not in allowed for imp in self.imports[f]
                if imp.external in CUPY]

    def all_slots(self):
        return [s for f in self.files for s in self.slots[f]]


# ---------------------------------------------------------------- the checks on this repository

@pytest.fixture(scope='module')
def project():
    return Project(ROOT)


def test_every_file_has_a_rung(project):
    assert project.files, f'no sources found under {ROOT}'
    missing = project.unplaced()
    assert not missing, ('these files have no rung in tests/test_layering.py RUNGS; place each one '
                         f'on the ladder ({LADDER}) on purpose:\n  ' + '\n  '.join(missing))


def test_no_upward_imports(project):
    found = project.upward()
    assert not found, ('upward imports (DESIGN.md "Rules of the house": nothing below imports from '
                       f'above, not at the top of a file, not inside a function; ladder: {LADDER}):\n  '
                       + '\n  '.join(found))


def test_no_import_cycles(project):
    found = project.cycles()
    text = '\n'.join(f'  cycle of {len(c)} files:\n' + '\n'.join(f'    {imp}  -> {imp.target}' for imp in c)
                     for c in found)
    assert not found, 'import cycles between files (dependencies point one way):\n' + text


def test_no_module_slot_filled_from_outside(project):
    found = project.all_slots()
    assert not found, ('assignments into another module (a slot that one module fills in for '
                       'another at import time hides an upward dependency; pass what is needed '
                       'through the inputs instead):\n  '
                       + '\n  '.join(f'{s}  (sets an attribute of {s.target})' for s in found))


def test_only_backend_imports_cupy(project):
    found = project.cupy_imports()
    assert not found, ('only minigrad/backend.py may import CuPy; move the call into backend.py:\n  '
                       + '\n  '.join(map(repr, found)))


# ---------------------------------------------------------------- the parser itself, on small trees

def _tree(tmp_path, files):
    for rel, src in files.items():
        p = tmp_path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(src)
    return Project(tmp_path)


def _base_tree():
    return {
        'minigrad/__init__.py': 'from .tensor import Tensor\nfrom . import backend\n',
        'minigrad/backend.py': 'import numpy as np\n',
        'minigrad/hooks.py': '',
        'minigrad/autograd.py': 'from . import backend\n',
        'minigrad/ops/__init__.py': 'from . import elementwise\n',
        'minigrad/ops/elementwise.py': 'from .. import backend\nfrom ..autograd import Function\n',
        'minigrad/tensor.py': 'from . import autograd, backend\nfrom .ops import elementwise as E\n',
        'minigrad/factory.py': 'from .tensor import Tensor\n',
        'minigrad/nn/__init__.py': 'from .module import Module\nfrom . import functional\n',
        'minigrad/nn/module.py': 'from ..tensor import Tensor\n',
        'minigrad/nn/functional.py': 'import minigrad.factory as fac\n',
        'models/__init__.py': 'import minigrad as mg\nfrom minigrad import nn\n',
    }


def test_parser_clean_tree_has_no_findings(tmp_path):
    p = _tree(tmp_path, _base_tree())
    assert p.unplaced() == [] and p.upward() == [] and p.cycles() == []
    assert p.all_slots() == [] and p.cupy_imports() == []
    # the edges are resolved to files, relative and absolute alike
    assert {i.target for i in p.imports['minigrad/ops/elementwise.py']} == \
        {'minigrad/backend.py', 'minigrad/autograd.py'}
    assert {i.target for i in p.imports['minigrad/tensor.py']} == \
        {'minigrad/autograd.py', 'minigrad/backend.py', 'minigrad/ops/elementwise.py'}
    assert [i.target for i in p.imports['minigrad/nn/functional.py']] == ['minigrad/factory.py']
    assert {i.target for i in p.imports['models/__init__.py']} == \
        {'minigrad/__init__.py', 'minigrad/nn/__init__.py'}
    assert [i.external for i in p.imports['minigrad/backend.py']] == ['numpy']


@pytest.mark.parametrize('where, stmt', [
    ('minigrad/autograd.py', 'from .tensor import Tensor'),
    ('minigrad/autograd.py', 'from . import tensor'),
    ('minigrad/autograd.py', 'import minigrad.tensor'),
    ('minigrad/autograd.py', 'import minigrad.tensor as T'),
    ('minigrad/autograd.py', 'from minigrad import tensor'),
    ('minigrad/autograd.py', 'from minigrad.tensor import Tensor'),
    ('minigrad/ops/elementwise.py', 'from ..tensor import Tensor'),
    ('minigrad/ops/elementwise.py', 'from .. import tensor'),
    ('minigrad/ops/elementwise.py', 'import importlib\nM = importlib.import_module("minigrad.tensor")'),
    ('minigrad/ops/elementwise.py', 'def f():\n    if True:\n        from ..tensor import Tensor\n'),
    ('minigrad/ops/elementwise.py', 'class C:\n    def m(self):\n        from minigrad.tensor import Tensor\n'),
    ('minigrad/ops/elementwise.py', 'from .. import Tensor'),        # a name from the public face
    ('minigrad/backend.py', 'import minigrad'),
    ('minigrad/tensor.py', 'from .nn import Module'),
    ('minigrad/factory.py', 'from .nn.module import Module'),
])
def test_parser_finds_upward_import(tmp_path, where, stmt):
    files = _base_tree()
    files[where] += stmt + '\n"""import minigrad.nn  (text in a docstring is not an import)"""\n'
    p = _tree(tmp_path, files)
    found = p.upward()
    line = files[where].count('\n', 0, files[where].index(stmt.splitlines()[-1])) + 1
    assert len(found) == 1, found
    assert found[0].startswith(f'{where}:{line}: ') and 'imports point down' in found[0], found


def test_parser_finds_cycles_with_lines(tmp_path):
    files = _base_tree()
    files['minigrad/factory.py'] += 'from .testing import gradcheck\n'
    files['minigrad/testing.py'] = 'x = 1\n\ndef g():\n    from . import factory\n'
    p = _tree(tmp_path, files)
    assert p.upward() == []                 # same rung: allowed, but a cycle
    (cycle,) = p.cycles()
    assert sorted(repr(i) for i in cycle) == ['minigrad/factory.py:2: from .testing import gradcheck',
                                              'minigrad/testing.py:4: from . import factory']
    assert {i.target for i in cycle} == {'minigrad/factory.py', 'minigrad/testing.py'}


def test_parser_finds_cycle_through_package_init(tmp_path):
    files = _base_tree()
    files['minigrad/nn/module.py'] += 'from . import Module as M\n'   # nn/__init__ -> module -> nn/__init__
    (cycle,) = _tree(tmp_path, files).cycles()
    assert {i.path for i in cycle} == {'minigrad/nn/__init__.py', 'minigrad/nn/module.py'}


def test_parser_finds_slot_filled_from_above(tmp_path):
    files = _base_tree()
    files['minigrad/tensor.py'] += 'class Tensor:\n    pass\nautograd._wrap = Tensor\n'
    files['minigrad/nn/module.py'] += 'import minigrad.autograd as ag\nsetattr(ag, "x", 1)\n'
    files['minigrad/factory.py'] += 'import minigrad.ops.elementwise\nminigrad.ops.elementwise.hook = 1\n'
    files['minigrad/hooks.py'] += 'class H:\n    pass\nH.attr = 1\n'     # own class: fine
    slots = _tree(tmp_path, files).all_slots()
    assert sorted(map(repr, slots)) == ['minigrad/factory.py:3: minigrad.ops.elementwise.hook = 1',
                                        'minigrad/nn/module.py:3: setattr(ag, "x", 1)',
                                        'minigrad/tensor.py:5: autograd._wrap = Tensor']
    assert [s.target for s in sorted(slots, key=repr)] == [
        'minigrad/ops/elementwise.py', 'minigrad/autograd.py', 'minigrad/autograd.py']


def test_parser_finds_cupy_outside_backend(tmp_path):
    files = _base_tree()
    files['minigrad/backend.py'] += 'def f():\n    import cupy\n    import cupyx.scipy\n'
    files['minigrad/ops/elementwise.py'] += 'def g():\n    import cupy as cp\n'
    files['minigrad/nn/module.py'] += 'from cupyx import scatter_add\n'
    found = _tree(tmp_path, files).cupy_imports()
    assert sorted(map(repr, found)) == ['minigrad/nn/module.py:2: from cupyx import scatter_add',
                                        'minigrad/ops/elementwise.py:4: import cupy as cp']


def test_parser_flags_files_without_a_rung(tmp_path):
    files = _base_tree()
    files['minigrad/newthing.py'] = 'from .tensor import Tensor\n'
    files['minigrad/plainutil.py'] = 'import numbers\n'      # imports nothing of ours: base
    files['minigrad/nn/sub/x.py'] = ''                       # inside a placed folder
    files['other/x.py'] = ''                                 # not a package we check
    p = _tree(tmp_path, files)
    assert p.unplaced() == ['minigrad/newthing.py']
    assert p.rung('minigrad/plainutil.py') == 0 and p.rung('minigrad/nn/sub/x.py') == 5
    assert p.rung('minigrad/ops/conv_plans.py') == 1 and p.rung('minigrad/nn/parallel/ddp.py') == 5
    assert p.rung('minigrad/data/distributed.py') == p.rung('minigrad/optim/sgd.py') == 6

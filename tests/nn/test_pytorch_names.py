"""PyTorch names carry over: every layer, function, optimizer, scheduler and init function that
minigrad shares with torch takes torch's argument names in torch's order (a PyTorch call with
positional or keyword arguments means the same here), and torch's keyword-only options exist."""
import inspect
import re

import pytest

import minigrad as mg
import minigrad.nn.functional as F
from minigrad import nn, optim

torch = pytest.importorskip('torch')

# Differences kept on purpose or owned elsewhere, each with its reason.
KNOWN = {
    'nn.Parameter': 'torch.nn.Parameter is built in __new__; ours takes the same (data, requires_grad)',
}


def _pairs():
    out = []

    def add(name, ours, theirs):
        if theirs is not None:
            out.append((name, ours, theirs))
    for n in nn.__all__:
        o = getattr(nn, n)
        if inspect.isclass(o):
            add(f'nn.{n}', o.__init__, getattr(getattr(torch.nn, n, None), '__init__', None))
    for n in dir(F):
        o = getattr(F, n)
        if not n.startswith('_') and inspect.isfunction(o):
            add(f'F.{n}', o, getattr(torch.nn.functional, n, None))
    for mod, tmod, prefix in ((optim, torch.optim, 'optim'),
                              (optim.lr_scheduler, torch.optim.lr_scheduler, 'lr_scheduler')):
        for n in mod.__all__:
            o = getattr(mod, n)
            if inspect.isclass(o):
                add(f'{prefix}.{n}', o.__init__, getattr(getattr(tmod, n, None), '__init__', None))
    for n in nn.utils.__all__:
        add(f'nn.utils.{n}', getattr(nn.utils, n), getattr(torch.nn.utils, n, None))
    for n in nn.init.__all__:
        add(f'nn.init.{n}', getattr(nn.init, n), getattr(torch.nn.init, n, None))
    return out


PAIRS = _pairs()


def _names(fn):
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):          # a C builtin: its docstring starts with the signature
        return _doc_names(fn)
    params = sig.parameters.values()
    if any(p.kind == p.VAR_POSITIONAL for p in params):
        return None                          # a dispatching wrapper (*args, **kwargs)
    positional = [p.name for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    keyword = {p.name for p in params if p.kind == p.KEYWORD_ONLY}
    return positional, keyword


def _doc_names(fn):
    """Argument names from a builtin's docstring line ``name(a, b=1, *, c=2) -> Tensor``."""
    lines = (fn.__doc__ or '').strip().splitlines()
    m = re.match(r'\s*(\w+)\((.*)\)', lines[0]) if lines else None
    if m is None or m.group(1) != fn.__name__:
        return None
    positional, keyword, kw_only = [], set(), False
    depth, part, parts = 0, '', []
    for ch in m.group(2) + ',':             # split on the commas outside brackets
        if ch in '([':
            depth += 1
        elif ch in ')]':
            depth -= 1
        if ch == ',' and depth == 0:
            parts.append(part.strip())
            part = ''
        else:
            part += ch
    for part in filter(None, parts):
        if part == '*':
            kw_only = True
            continue
        name = re.split(r'[=:]', part)[0].strip()
        (keyword.add(name) if kw_only else positional.append(name))
    return positional, keyword


@pytest.mark.parametrize('name,ours,theirs', PAIRS, ids=[p[0] for p in PAIRS])
def test_arguments_follow_torch(name, ours, theirs):
    expected = _names(theirs)
    if expected is None or name in KNOWN:
        pytest.skip(KNOWN.get(name, 'torch gives no Python signature of its own'))
    positional, keyword = _names(ours)
    assert positional == expected[0], f'{name}: positional arguments differ from torch'
    missing = expected[1] - keyword - set(positional)
    assert not missing, f'{name}: torch keyword-only arguments missing: {sorted(missing)}'


def test_the_known_differences_are_still_differences():
    """An entry of KNOWN that no longer differs should be removed from it."""
    by_name = {n: (o, t) for n, o, t in PAIRS}
    for name in KNOWN:
        ours, theirs = by_name[name]
        assert _names(ours) != _names(theirs), f'{name} now matches torch: drop it from KNOWN'


def test_the_names_exist():
    """A floor: names that PyTorch beginner code uses all exist (more are checked above)."""
    for name in ['GELU', 'SiLU', 'LayerNorm', 'GroupNorm', 'Embedding', 'Identity', 'Dropout2d',
                 'BCEWithLogitsLoss', 'BCELoss', 'L1Loss', 'SmoothL1Loss', 'ModuleDict',
                 'ParameterList', 'Unflatten', 'KLDivLoss']:
        assert hasattr(nn, name), name
    for name in ['clip_grad_norm_', 'clip_grad_value_', 'parameters_to_vector']:
        assert hasattr(nn.utils, name), name
    assert hasattr(mg.optim, 'Adadelta')
    for name in ['LambdaLR', 'ExponentialLR', 'ReduceLROnPlateau', 'LinearLR', 'SequentialLR']:
        assert hasattr(mg.optim.lr_scheduler, name), name
    assert len(PAIRS) > 150

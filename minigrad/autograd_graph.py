"""Walking the recorded graph: the inputs an op used (``parents``), PyTorch's
``grad_fn.next_functions``, and ``to_dot`` (Graphviz text of a graph)."""


def parents(fn):
    """``fn``'s input tensors as they were when ``fn`` used them. An in-place op changes a
    tensor's ``grad_fn`` after ``fn`` consumed it; the op it recorded keeps the old value's alias
    in ``_inplace_of``, so walk back those aliases to the one whose ``grad_fn`` ``fn`` saw."""
    for p, r in zip(fn.parents, fn.parent_fns):
        if p.grad_fn is not r:
            break
    else:
        return fn.parents
    parents = list(fn.parents)
    for i, (p, r) in enumerate(zip(parents, fn.parent_fns)):
        while p.grad_fn is not r:
            p = p.grad_fn._inplace_of
            if p is None:
                raise RuntimeError(f'internal error: the input {i} of {fn.name} changed its history '
                                   'in a way the engine cannot follow')
        parents[i] = p
    fn.parents = tuple(parents)
    return fn.parents


class AccumulateGrad:
    """The node PyTorch shows for a leaf in ``next_functions``: ``variable`` is the leaf tensor."""
    next_functions = ()

    def __init__(self, variable):
        self.variable = variable

    def name(self):
        return 'AccumulateGrad'

    def __repr__(self):
        return '<AccumulateGrad>'


def next_functions(fn):
    """``((node, 0), ...)`` per input of ``fn``, as PyTorch: the input's ``grad_fn``, an
    ``AccumulateGrad`` for a leaf that requires grad, ``None`` for an input without grad.
    Empty once backward has freed the graph."""
    if getattr(fn, 'parents', None) is None:
        return ()
    out = []
    for p in parents(fn):
        node = None if not p.requires_grad else (p.grad_fn or AccumulateGrad(p))
        out.append((node, 0))
    return tuple(out)


def to_dot(tensor):
    """Graphviz DOT text of the graph that made ``tensor``: ops as boxes, tensors as ovals.

    No graphviz dependency: render the text with ``dot -Tpng`` when the program is there.
    """
    lines = ['digraph minigrad {', '  rankdir=BT;', '  node [fontname="Helvetica", fontsize=10];']
    seen = set()
    stack = [tensor]

    def tid(t):
        return f't{id(t)}'

    def label(t):
        dt = str(t.dtype)
        nm = f'{t.name}\\n' if getattr(t, 'name', None) else ''
        return f'{nm}{tuple(t.shape)} {dt}'

    while stack:
        t = stack.pop()
        if id(t) in seen:
            continue
        seen.add(id(t))
        style = ', style=filled, fillcolor="#dde8f7"' if t.is_leaf and t.requires_grad else ''
        lines.append(f'  {tid(t)} [shape=oval, label="{label(t)}"{style}];')
        fn = t.grad_fn
        if fn is not None and getattr(fn, 'parents', None) is not None:
            fid = f'f{id(fn)}'
            lines.append(f'  {fid} [shape=box, label="{fn.name}"];')
            lines.append(f'  {fid} -> {tid(t)};')
            for p in parents(fn):
                lines.append(f'  {tid(p)} -> {fid};')
                stack.append(p)
    lines.append('}')
    return '\n'.join(lines)

"""How a Module prints: its ``extra_repr`` and its children, indented, as PyTorch's repr."""

__all__ = ['module_repr', '_addindent']


def _addindent(s, num_spaces):
    lines = s.split('\n')
    if len(lines) == 1:
        return s
    first = lines.pop(0)
    return first + '\n' + '\n'.join(num_spaces * ' ' + line for line in lines)


def module_repr(module):
    """The module's name, then its ``extra_repr`` and its children (indented) in parentheses."""
    extra = module.extra_repr()
    extra_lines = extra.split('\n') if extra else []
    child_lines = [f'({k}): ' + _addindent(repr(m), 2) for k, m in module._modules.items()]
    lines = extra_lines + child_lines
    s = module._get_name() + '('
    if lines:
        if len(extra_lines) == 1 and not child_lines:
            s += extra_lines[0]
        else:
            s += '\n  ' + '\n  '.join(lines) + '\n'
    return s + ')'

"""Hook handles shared by tensor hooks and module hooks (as ``torch.utils.hooks``).

A ``register_*_hook`` call stores the hook in an ordered dict under a fresh id and returns a
``RemovableHandle``; ``handle.remove()`` deletes it again (twice is harmless). The handle also
works as a context manager that removes the hook at the end of the block.
"""
import itertools

_ids = itertools.count()


class RemovableHandle:
    """Removes one hook from the dict it was registered in.

    Args:
        hooks_dict: the (ordered) dict that holds the hook under ``self.id``.
    """

    def __init__(self, hooks_dict):
        self.hooks_dict = hooks_dict
        self.id = next(_ids)

    def remove(self):
        self.hooks_dict.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()
        return False

    def __repr__(self):
        return f'RemovableHandle(id={self.id})'


def add_hook(hooks_dict, fn):
    """Store ``fn`` in ``hooks_dict`` (created by the caller) and return its handle."""
    if not callable(fn):
        raise TypeError(f'a hook must be callable, got {type(fn).__name__}')
    handle = RemovableHandle(hooks_dict)
    hooks_dict[handle.id] = fn
    return handle

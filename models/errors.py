"""The error the command-line programs report as one line (exit code 2), and its formatting."""


class UsageError(Exception):
    """A problem with the arguments or the inputs: reported as one line, exit code 2."""


def one_line(exc):
    """An exception's message on one line."""
    return ' '.join(str(exc).split()) or type(exc).__name__

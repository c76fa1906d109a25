"""The errors the command-line programs report as one line, and its formatting."""


class UsageError(ValueError):
    """A problem with the arguments or the inputs: the command-line programs report it as one
    line with exit code 2."""


class TrainingDiverged(ArithmeticError):
    """The training loss (or, with ``--detect-anomaly``, a gradient) became NaN or Inf: the run
    stops at once with exit code 3, without saving over the last good checkpoint.

    Attributes:
        epoch, batch: 1-based, where it happened.
        lr: the learning rate of that step.
        detail: what was found (``'loss became nan'``, ``'gradient became nan or inf'``).
        report: anomaly detection's report (the op and where it was made), or None.
    """

    exit_code = 3

    def __init__(self, epoch, batch, lr, detail, report=None):
        self.epoch, self.batch, self.lr, self.detail = epoch, batch, lr, detail
        self.report = report
        message = (f'the training {detail} at epoch {epoch}, batch {batch}; stopped without '
                   f'saving (the last checkpoint, if any, is kept). Try a lower --lr (this step '
                   f'used {lr:g})')
        if report is None:
            message += ', or --detect-anomaly to find the first operation that made a NaN or Inf'
        else:
            message += '. Anomaly detection found:\n' + report
        super().__init__(message)


def one_line(exc):
    """An exception's message on one line."""
    return ' '.join(str(exc).split()) or type(exc).__name__

"""``mg.optim``: optimizers with PyTorch's update rules, and learning-rate schedulers.

    opt = mg.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    sched = mg.optim.lr_scheduler.StepLR(opt, step_size=10)
    loss.backward(); opt.step(); opt.zero_grad(); sched.step()
"""
from . import lr_scheduler
from .adadelta import Adadelta
from .adagrad import Adagrad, Adamax
from .adam_variants import NAdam, RAdam
from .adam import Adam, AdamW
from .lbfgs import LBFGS
from .optimizer import Optimizer
from .rmsprop import RMSprop
from .rprop import ASGD, Rprop
from .sgd import SGD

__all__ = ['Optimizer', 'SGD', 'Adam', 'AdamW', 'RMSprop', 'Adadelta', 'Adagrad', 'Adamax',
           'NAdam', 'RAdam', 'Rprop', 'ASGD', 'LBFGS', 'lr_scheduler']

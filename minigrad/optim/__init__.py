"""Optimizers with PyTorch's update rules, learning-rate schedules and a parameter EMA."""
from . import lr_scheduler
from .adam import Adam, AdamW
from .ema import EMA, update_bn
from .lr_scheduler import CosineAnnealingLR, LambdaLR, LRScheduler, StepLR
from .optimizer import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "EMA", "update_bn",
           "lr_scheduler", "LRScheduler", "StepLR", "LambdaLR", "CosineAnnealingLR"]

"""The NaN/inf guard: a non-finite figure stops the run before it reaches the weights or a checkpoint."""
import math

import numpy

import minigrad


class TrainingDiverged(RuntimeError):
    """A loss, gradient norm or weight became NaN or infinite; the last good checkpoint is kept."""


def check_finite(key, value, step):
    """Raise TrainingDiverged when ``value`` (a float) is NaN or infinite at (0-based) ``step``."""
    if not math.isfinite(value):
        raise TrainingDiverged(f"{key} became {value} at step {step + 1}")


def gradient_norm(parameters):
    """The global L2 norm of the parameters' gradients (0 where none), read back from the device once."""
    with minigrad.no_grad():
        squares = [(parameter.grad * parameter.grad).sum() for parameter in parameters if parameter.grad is not None]
        if not squares:
            return 0.0
        return math.sqrt(minigrad.stack(squares).sum().item())


def guarded_update(optimizer, parameters, loss, keys, step, logged):
    """Backpropagate ``loss`` and step ``optimizer``; return the gradient norm on logged steps, else None.

    On logged steps the loss and the gradient norm of ``parameters`` are read back and checked first
    (``keys``: their record names), so a non-finite one stops the run before the weights change.
    """
    if logged:
        check_finite(keys[0], loss.item(), step)
    optimizer.zero_grad()
    loss.backward()
    grad_norm = None
    if logged:
        grad_norm = gradient_norm(parameters)
        check_finite(keys[1], grad_norm, step)
    optimizer.step()
    return grad_norm


def first_non_finite(state, where=""):
    """The path of the first tensor or array holding NaN/inf in a nested state, or None."""
    if isinstance(state, dict):
        items = state.items()
    elif isinstance(state, (list, tuple)):
        items = enumerate(state)
    else:
        value = state.numpy() if isinstance(state, minigrad.Tensor) else state
        if isinstance(value, (str, bytes)) or value is None:
            return None
        return None if numpy.isfinite(numpy.asarray(value)).all() else where
    for key, item in items:
        found = first_non_finite(item, f"{where}/{key}")
        if found:
            return found
    return None

"""Functional forms (``import minigrad.functional as F``): composite activations and losses.

Everything here is composed from the primitives in ``minigrad.ops``, so its
gradient (of any order) comes for free. The namespace also holds every op the
public table (``minigrad.public``) lists under "F": conv2d, pooling, norms...
"""
import math

import numpy

from . import ops  # noqa: F401  (declares the ops whose "F" names fill this namespace)
from .ops.elementwise import abs, clamp, erf, exp, log, sigmoid, silu, softplus, tanh, where
from .ops.reduction import log_softmax, mean, sum
from .public import namespace, public
from .tensor import Tensor

# ---------------------------------------------------------------- activations


@public("F")
def elu(x, alpha=1.0):
    """x for x > 0, alpha * (e^x - 1) otherwise (exp only sees x <= 0: no overflow)."""
    return where(x > 0, x, alpha * (exp(clamp(x, max=0.0)) - 1))


@public("F")
def logsigmoid(x):
    """log(sigmoid(x)) = -softplus(-x), finite for any x."""
    return -softplus(-x)


@public("F")
def gelu(x, approximate="none"):
    """x * Phi(x); ``approximate="tanh"`` uses the tanh formula of Hendrycks & Gimpel."""
    if approximate == "none":
        return 0.5 * x * (1 + erf(x * (1 / math.sqrt(2))))
    if approximate == "tanh":
        return 0.5 * x * (1 + tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x * x * x)))
    raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")


@public("minigrad", "F")
def dropout(x, p=0.5, training=True):
    """Zero each element with probability p and scale the rest by 1/(1-p)."""
    if not 0 <= p < 1:
        raise ValueError(f"dropout: p must be in [0, 1), got {p}")
    if not training or p == 0:
        return x
    keep = x.backend.rand(x.shape, x.dtype) >= p
    return x * Tensor.from_array((keep / (1 - p)).astype(x.dtype), x.backend)


# --------------------------------------------------------------------- losses
def _check_reduction(op, reduction):
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"{op}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")


def _reduce(loss, reduction, op):
    _check_reduction(op, reduction)
    if reduction == "mean":
        return mean(loss)
    if reduction == "sum":
        return sum(loss)
    return loss


def _same_shape(op, input, target):
    if input.shape != target.shape:
        raise ValueError(f"{op}: input shape {input.shape} and target shape {target.shape} must be equal")


def _check_probabilities(op, name, tensor):
    """Every value of ``tensor`` lies in [0, 1]; else an error naming the op and the offending value."""
    values = tensor.data
    outside = (values < 0) | (values > 1) | (values != values)
    if bool(outside.any()):
        bad = tensor.backend.to_host(values[outside])[0].item()
        raise ValueError(f"{op}: {name} must hold probabilities in [0, 1], got {bad} (shape {tensor.shape})")


def _check_target_probabilities(op, target):
    """A target given as data (no gradient wanted) holds probabilities. A target that requires grad
    is a variable being optimised or checked (distillation, gradcheck), so its range is the caller's."""
    if not target.requires_grad:
        _check_probabilities(op, "target", target)


def _check_class_indices(op, target, classes):
    """Every class index lies in [0, classes); negative ones are refused too (no ignore_index)."""
    values = target.data
    outside = (values < 0) | (values >= classes)
    if bool(outside.any()):
        bad = int(target.backend.to_host(values[outside])[0])
        raise IndexError(f"{op}: target holds class index {bad}, outside [0, {classes}) for {classes} classes")


@public("F")
def mse_loss(input, target, reduction="mean"):
    _same_shape("mse_loss", input, target)
    diff = input - target
    return _reduce(diff * diff, reduction, "mse_loss")


@public("F")
def l1_loss(input, target, reduction="mean"):
    _same_shape("l1_loss", input, target)
    return _reduce(abs(input - target), reduction, "l1_loss")


@public("F")
def binary_cross_entropy(input, target, reduction="mean"):
    """BCE on probabilities; logs are floored at -100 as in PyTorch, so p = 0 or 1 stays finite."""
    _same_shape("binary_cross_entropy", input, target)
    _check_probabilities("binary_cross_entropy", "input", input)
    _check_target_probabilities("binary_cross_entropy", target)
    log_p, log_not_p = _floored_log(input), _floored_log(1 - input)
    return _reduce(-(target * log_p + (1 - target) * log_not_p), reduction, "binary_cross_entropy")


def _floored_log(p):
    """max(log p, -100), finite in value and gradient at p = 0: log never sees a zero."""
    smallest = float(numpy.finfo(p.dtype).smallest_subnormal)
    return clamp(log(clamp(p, min=smallest)), min=-100.0)


@public("minigrad", "F")
def binary_cross_entropy_with_logits(input, target, reduction="mean"):
    """BCE on logits: softplus(x) - x*y, exact and finite for logits of any size."""
    _same_shape("binary_cross_entropy_with_logits", input, target)
    _check_target_probabilities("binary_cross_entropy_with_logits", target)
    return _reduce(softplus(input) - input * target, reduction, "binary_cross_entropy_with_logits")


@public("F")
def nll_loss(log_probs, target, reduction="mean"):
    """-log_probs[n, target[n]] for class indices ``target`` of shape (N,)."""
    return _negative_log_likelihood("nll_loss", log_probs, target, reduction)


@public("F")
def cross_entropy(logits, target, reduction="mean"):
    """Softmax cross-entropy; ``target`` is class indices (N,) or probabilities (N, C)."""
    _check_reduction("cross_entropy", reduction)
    log_probs = log_softmax(logits, dim=1)
    if target.dtype.kind in "iu":
        return _negative_log_likelihood("cross_entropy", log_probs, target, reduction)
    _same_shape("cross_entropy", logits, target)
    _check_target_probabilities("cross_entropy", target)
    return _reduce(-sum(target * log_probs, dim=1), reduction, "cross_entropy")


def _negative_log_likelihood(op, log_probs, target, reduction):
    """nll_loss's work, with errors naming ``op`` (the loss the user called)."""
    if log_probs.ndim != 2 or target.ndim != 1 or target.shape[0] != log_probs.shape[0]:
        raise ValueError(
            f"{op}: expected input (N, C) and target (N,), got {log_probs.shape} and {target.shape}"
        )
    if target.dtype.kind not in "iu":
        raise TypeError(f"{op}: target must hold integer class indices, got {target.dtype}")
    _check_class_indices(op, target, log_probs.shape[1])
    rows = log_probs.backend.xp.arange(log_probs.shape[0])
    return _reduce(-log_probs[rows, target], reduction, op)


# The table's other "F" ops (conv2d, pooling, norms, relu...) under their PyTorch names.
globals().update(namespace("F"))
del namespace, public  # the table's tools are no functional forms

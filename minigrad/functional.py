"""Functional forms (``import minigrad.functional as F``): activations, losses.

Everything here is composed from the primitives in ``minigrad.ops``, so its
gradient (of any order) comes for free.
"""
import math

import numpy

from .ops.elementwise import (  # noqa: F401  (re-exported functional forms)
    abs, clamp, erf, exp, leaky_relu, log, maximum, minimum, relu, sigmoid, softplus, tanh, where,
)
from .ops.movement import pad  # noqa: F401
from .ops.reduction import log_softmax, logsumexp, mean, softmax, sum
from .tensor import Tensor

# ---------------------------------------------------------------- activations


def elu(x, alpha=1.0):
    """x for x > 0, alpha * (e^x - 1) otherwise (exp only sees x <= 0: no overflow)."""
    return where(x > 0, x, alpha * (exp(clamp(x, max=0.0)) - 1))


def logsigmoid(x):
    """log(sigmoid(x)) = -softplus(-x), finite for any x."""
    return -softplus(-x)


def silu(x):
    return x * sigmoid(x)


def gelu(x, approximate="none"):
    """x * Phi(x); ``approximate="tanh"`` uses the tanh formula of Hendrycks & Gimpel."""
    if approximate == "none":
        return 0.5 * x * (1 + erf(x * (1 / math.sqrt(2))))
    if approximate == "tanh":
        return 0.5 * x * (1 + tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x * x * x)))
    raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")


def dropout(x, p=0.5, training=True):
    """Zero each element with probability p and scale the rest by 1/(1-p)."""
    if not 0 <= p < 1:
        raise ValueError(f"dropout: p must be in [0, 1), got {p}")
    if not training or p == 0:
        return x
    keep = x.backend.rand(x.shape, x.dtype) >= p
    return x * Tensor._wrap((keep / (1 - p)).astype(x.dtype), x.backend)


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


def mse_loss(input, target, reduction="mean"):
    _same_shape("mse_loss", input, target)
    diff = input - target
    return _reduce(diff * diff, reduction, "mse_loss")


def l1_loss(input, target, reduction="mean"):
    _same_shape("l1_loss", input, target)
    return _reduce(abs(input - target), reduction, "l1_loss")


def binary_cross_entropy(input, target, reduction="mean"):
    """BCE on probabilities; logs are floored at -100 as in PyTorch, so p = 0 or 1 stays finite."""
    _same_shape("binary_cross_entropy", input, target)
    log_p, log_not_p = _floored_log(input), _floored_log(1 - input)
    return _reduce(-(target * log_p + (1 - target) * log_not_p), reduction, "binary_cross_entropy")


def _floored_log(p):
    """max(log p, -100), finite in value and gradient at p = 0: log never sees a zero."""
    smallest = float(numpy.finfo(p.dtype).smallest_subnormal)
    return clamp(log(clamp(p, min=smallest)), min=-100.0)


def binary_cross_entropy_with_logits(input, target, reduction="mean"):
    """BCE on logits: softplus(x) - x*y, exact and finite for logits of any size."""
    _same_shape("binary_cross_entropy_with_logits", input, target)
    return _reduce(softplus(input) - input * target, reduction, "binary_cross_entropy_with_logits")


def nll_loss(log_probs, target, reduction="mean"):
    """-log_probs[n, target[n]] for class indices ``target`` of shape (N,)."""
    if log_probs.ndim != 2 or target.ndim != 1 or target.shape[0] != log_probs.shape[0]:
        raise ValueError(
            f"nll_loss: expected log_probs (N, C) and target (N,), got {log_probs.shape} and {target.shape}"
        )
    if target.dtype.kind not in "iu":
        raise TypeError(f"nll_loss: target must hold integer class indices, got {target.dtype}")
    rows = log_probs.backend.xp.arange(log_probs.shape[0])
    return _reduce(-log_probs[rows, target], reduction, "nll_loss")


def cross_entropy(logits, target, reduction="mean"):
    """Softmax cross-entropy; ``target`` is class indices (N,) or probabilities (N, C)."""
    _check_reduction("cross_entropy", reduction)  # before nll_loss, so the error names this op
    log_probs = log_softmax(logits, dim=1)
    if target.dtype.kind in "iu":
        return nll_loss(log_probs, target, reduction)
    _same_shape("cross_entropy", logits, target)
    return _reduce(-sum(target * log_probs, dim=1), reduction, "cross_entropy")


# Convolution, pooling and normalisation live with their primitives and layers;
# F offers them under PyTorch's names.
from .ops.conv import conv2d, conv_transpose2d  # noqa: E402,F401
from .ops.pooling import avg_pool2d, interpolate, max_pool2d, pad2d  # noqa: E402,F401
from .nn.functional_norm import batch_norm, group_norm, layer_norm  # noqa: E402,F401

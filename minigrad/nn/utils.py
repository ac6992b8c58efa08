"""Gradient and weight clipping, applied in place to a model's parameters."""
import math

from ..autograd import no_grad
from ..tensor import Tensor


def _as_list(parameters):
    return [parameters] if isinstance(parameters, Tensor) else list(parameters)


def _with_grads(parameters):
    return [p for p in _as_list(parameters) if p.grad is not None]


def _set_grad(param, array):
    param.grad = Tensor.from_array(array, param.backend)


def _norm(xp, array, norm_type):
    """max |g| for the inf-norm, else sum |g|^p (accumulated in float64)."""
    magnitudes = xp.abs(array.astype("float64", copy=False))
    if norm_type == math.inf:
        return float(magnitudes.max()) if magnitudes.size else 0.0
    return float((magnitudes**norm_type).sum())


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False):
    """Scale all gradients together so their joint ``norm_type`` norm is at most ``max_norm``.

    Returns the norm before clipping (a float). The scale is max_norm / (norm + 1e-6), as in PyTorch.
    """
    params = _with_grads(parameters)
    norm_type = float(norm_type)
    parts = [_norm(p.backend.xp, p.grad.data, norm_type) for p in params]
    if norm_type == math.inf:
        total = max(parts, default=0.0)
    else:
        total = sum(parts) ** (1.0 / norm_type)
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(f"clip_grad_norm_: the total gradient norm is {total} (pass error_if_nonfinite=False "
                           f"to clip anyway)")
    scale = min(1.0, max_norm / (total + 1e-6))
    if scale < 1.0:
        for p in params:
            _set_grad(p, p.grad.data * p.grad.dtype.type(scale))
    return total


def clip_grad_value_(parameters, clip_value):
    """Clamp every gradient element to [-clip_value, clip_value]."""
    if clip_value < 0:
        raise ValueError(f"clip_grad_value_: clip_value must be non-negative, got {clip_value}")
    for p in _with_grads(parameters):
        _set_grad(p, p.backend.xp.clip(p.grad.data, -clip_value, clip_value))


@no_grad()
def clip_weights_(parameters, limit):
    """WGAN weight clipping: clamp every parameter to [-limit, limit] in place."""
    if limit <= 0:
        raise ValueError(f"clip_weights_: limit must be positive, got {limit}")
    for p in _as_list(parameters):
        p.clamp_(-limit, limit)

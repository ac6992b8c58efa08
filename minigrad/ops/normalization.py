"""Normalisation in functional form: batch_norm, group_norm, layer_norm (the nn layers wrap these).

Composed from Tensor ops (mean, multiply, power), so every order of gradient
comes for free; running statistics are updated in place, outside the graph.
"""
from ..grad_mode import no_grad
from ..public import public


def _moments(x, dims):
    """(mean, x - mean, biased variance) over ``dims``, keeping dims for broadcasting."""
    mean = x.mean(dims, keepdim=True)
    centered = x - mean
    return mean, centered, (centered * centered).mean(dims, keepdim=True)


def _channel_shape(x):
    return (1, x.shape[1]) + (1,) * (x.ndim - 2)


def _scale_and_shift(y, weight, bias, shape):
    if weight is not None:
        y = y * weight.reshape(shape)
    if bias is not None:
        y = y + bias.reshape(shape)
    return y


@public("F")
def batch_norm(x, running_mean=None, running_var=None, weight=None, bias=None, training=False, momentum=0.1,
               eps=1e-5):
    """Normalise each channel (dim 1) over the batch and spatial dims.

    With ``training`` (or without running statistics) the batch's own mean
    and biased variance are used, and running statistics, when given, move
    by ``momentum`` towards the batch mean and the *unbiased* batch variance
    (PyTorch's rule). Otherwise the running statistics normalise.
    """
    if x.ndim < 2:
        raise ValueError(f"batch_norm: input must have a channel dim (N, C, ...), got shape {x.shape}")
    shape = _channel_shape(x)
    if not training and running_mean is not None:
        scale = (running_var.reshape(shape) + eps) ** -0.5
        if weight is not None:
            scale = scale * weight.reshape(shape)
        shift = -running_mean.reshape(shape) * scale
        return x * scale + (shift if bias is None else shift + bias.reshape(shape))
    dims = (0,) + tuple(range(2, x.ndim))
    count = x.numel() // x.shape[1]
    if count <= 1:
        raise ValueError(f"batch_norm: expected more than 1 value per channel when training, got input {x.shape}")
    mean, centered, variance = _moments(x, dims)
    if training and running_mean is not None:
        _update_running_stats(running_mean, running_var, mean.data.reshape(-1), variance.data.reshape(-1),
                              count, momentum)
    scale = (variance + eps) ** -0.5
    return _scale_and_shift(centered * scale, weight, bias, shape)


def _update_running_stats(running_mean, running_var, batch_mean, batch_variance, count, momentum):
    with no_grad():
        running_mean.data[...] = (1 - momentum) * running_mean.data + momentum * batch_mean
        unbiased = batch_variance * (count / (count - 1))
        running_var.data[...] = (1 - momentum) * running_var.data + momentum * unbiased


@public("minigrad", "F")
def group_norm(x, num_groups, weight=None, bias=None, eps=1e-5):
    """Normalise each sample over groups of ``C / num_groups`` channels (and all spatial dims)."""
    if x.ndim < 2 or x.shape[1] % num_groups:
        raise ValueError(f"group_norm: num_groups={num_groups} must divide the channels of input {x.shape}")
    grouped = x.reshape(x.shape[0], num_groups, -1)
    _, centered, variance = _moments(grouped, (2,))
    normalized = (centered * (variance + eps) ** -0.5).reshape(x.shape)
    return _scale_and_shift(normalized, weight, bias, _channel_shape(x))


@public("minigrad", "F")
def layer_norm(x, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Normalise over the trailing dims ``normalized_shape`` of each sample."""
    normalized_shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    count = len(normalized_shape)
    if x.shape[x.ndim - count:] != normalized_shape or count > x.ndim:
        raise ValueError(f"layer_norm: input of shape {x.shape} does not end in normalized_shape {normalized_shape}")
    _, centered, variance = _moments(x, tuple(range(x.ndim - count, x.ndim)))
    return _scale_and_shift(centered * (variance + eps) ** -0.5, weight, bias, normalized_shape)

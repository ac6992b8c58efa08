"""Normalisation in functional form: batch_norm, group_norm, layer_norm (the nn layers wrap these).

group_norm, layer_norm and batch norm with running statistics are composed from Tensor ops
(mean, multiply, power), so every order of gradient comes for free. Batch norm on batch
statistics, on the hot path of every DCGAN step, is one fused primitive (BatchNormTraining):
one forward, and a backward that is one NumPy pass when no graph of the gradient is recorded and
the same formula in Tensor ops when one is (create_graph). Running statistics are updated in
place, outside the graph.
"""
from ..function import Function
from ..grad_mode import is_grad_enabled
from ..public import public
from ..tensor import Tensor


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
    if x.numel() // x.shape[1] <= 1:
        raise ValueError(f"batch_norm: expected more than 1 value per channel when training, got input {x.shape}")
    updated = training and running_mean is not None
    weight = weight if weight is not None else Tensor.from_array(x.backend.xp.ones(x.shape[1], x.dtype), x.backend)
    bias = bias if bias is not None else Tensor.from_array(x.backend.xp.zeros(x.shape[1], x.dtype), x.backend)
    return BatchNormTraining.apply(x, weight, bias, eps=eps, momentum=momentum,
                                   running_mean=running_mean.data if updated else None,
                                   running_var=running_var.data if updated else None)


class BatchNormTraining(Function):
    """y = (x - mean) / sqrt(var + eps) * weight + bias per channel (dim 1), with the batch's mean and
    biased variance over every other dim; running statistics (raw arrays, or None) move by
    ``momentum`` towards the batch mean and unbiased variance.

    Per-channel sums are einsum contractions: NumPy's sum over axes (0, 2, 3) is ~3x slower at
    DCGAN's sizes, and einsum also sums a product without forming it.
    """

    settings = ("eps", "momentum", "running_mean", "running_var")

    def forward(self, x, weight, bias):
        self.count, self.broadcast = x.size // x.shape[1], _channel_shape(x)
        self.mean = self._channel_sum(x) / x.dtype.type(self.count)
        centered = x - self.mean.reshape(self.broadcast)
        variance = self._channel_sum(centered, centered) / x.dtype.type(self.count)
        self.inv_std = 1 / self.xp.sqrt(variance + x.dtype.type(self.eps))
        if self.running_mean is not None:
            self._update_running_stats(variance)
        centered *= (self.inv_std * weight).reshape(self.broadcast)
        centered += bias.reshape(self.broadcast)
        return centered

    def _channel_sum(self, *arrays):
        """The sum over every dim but 1 of the arrays' elementwise product, shape (C,)."""
        letters = "abcdefghijklmnopqrstuvwxyz"[:arrays[0].ndim]
        return self.xp.einsum(",".join([letters] * len(arrays)) + "->b", *arrays)

    def _update_running_stats(self, variance):
        momentum, unbiased = self.momentum, variance * (self.count / (self.count - 1))
        self.running_mean[...] = (1 - momentum) * self.running_mean + momentum * self.mean
        self.running_var[...] = (1 - momentum) * self.running_var + momentum * unbiased

    def backward(self, grad):
        if is_grad_enabled():
            return self._recorded_grads(grad)
        x, weight, _ = self.inputs
        g, per_value = grad.data, x.dtype.type(1 / self.count)
        centered = x.data - self.mean.reshape(self.broadcast)
        grad_bias = self._channel_sum(g)
        grad_centered = self._channel_sum(g, centered)  # sum of g * (x - mean): grad_weight / inv_std
        grad_x = None
        if self.needs_input_grad[0]:  # scale * (g - mean(g) - xhat * mean(g * xhat)), xhat = centered * inv_std
            scale = self.inv_std * weight.data
            centered *= (scale * self.inv_std * self.inv_std * grad_centered * per_value).reshape(self.broadcast)
            grad_x = g * scale.reshape(self.broadcast)
            grad_x -= centered
            grad_x -= (scale * grad_bias * per_value).reshape(self.broadcast)
        return tuple(None if array is None else Tensor.from_array(array, x.backend)
                     for array in (grad_x, grad_centered * self.inv_std, grad_bias))

    def _recorded_grads(self, grad):
        """The same gradients in Tensor ops, recomputed from x, so that they can be differentiated again."""
        x, weight, _ = self.inputs
        dims = (0,) + tuple(range(2, x.ndim))
        _, centered, variance = _moments(x, dims)
        inv_std = (variance + self.eps) ** -0.5
        xhat = centered * inv_std
        grad_bias = grad.sum(dims, keepdim=True)
        grad_weight = (grad * xhat).sum(dims, keepdim=True)
        scale = inv_std * weight.reshape(self.broadcast)
        grad_x = (grad - (grad_bias + xhat * grad_weight) * (1 / self.count)) * scale
        return grad_x, grad_weight.reshape(-1), grad_bias.reshape(-1)

    def release(self):
        super().release()
        self.mean = self.inv_std = None


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

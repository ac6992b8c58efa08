"""Normalisation in functional form: batch_norm, group_norm, layer_norm (the nn layers wrap these).

layer_norm and batch norm with running statistics are composed from Tensor ops (mean,
multiply, power), so every order of gradient comes for free. Batch norm on batch statistics, on
the hot path of every DCGAN step, and group norm, on the U-Net's, are fused primitives
(BatchNormTraining, GroupNorm): one forward, and a backward that is NumPy when no graph of the
gradient is recorded and the same formula in Tensor ops when one is (create_graph). Running
statistics are updated in place, outside the graph.
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
    weight, bias = _affine_or_identity("batch_norm", x, weight, bias)
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


def _affine_or_identity(op, x, weight, bias):
    """weight and bias, or ones and zeros of x's channels where they are None; a given one of another
    shape than (channels,) is an error naming ``op``."""
    xp, channels = x.backend.xp, x.shape[1]
    for name, parameter in (("weight", weight), ("bias", bias)):
        if parameter is not None and parameter.shape != (channels,):
            raise ValueError(f"{op}: {name} of shape {parameter.shape} does not match the {channels} "
                             f"channels of input {x.shape}; expected shape ({channels},)")
    weight = weight if weight is not None else Tensor.from_array(xp.ones(channels, x.dtype), x.backend)
    bias = bias if bias is not None else Tensor.from_array(xp.zeros(channels, x.dtype), x.backend)
    return weight, bias


@public("minigrad", "F")
def group_norm(x, num_groups, weight=None, bias=None, eps=1e-5):
    """Normalise each sample over groups of ``C / num_groups`` channels (and all spatial dims)."""
    if x.ndim < 2 or x.shape[1] % num_groups:
        raise ValueError(f"group_norm: num_groups={num_groups} must divide the channels of input {x.shape}")
    return GroupNorm.apply(x, *_affine_or_identity("group_norm", x, weight, bias), num_groups=num_groups, eps=eps)


class GroupNorm(Function):
    """y = (x - mean) / sqrt(var + eps) * weight + bias, with each sample's mean and biased variance
    over a group of C / num_groups channels and every spatial position; weight and bias per channel.

    One primitive for the U-Net's hot path (as BatchNormTraining is for DCGAN's): the composite's
    mean, centring, square, mean, power, scale and shift, and their backward, are each a pass over
    the feature map. Arrays are viewed as (N, groups, values per group) for the statistics and as
    (N, C, positions) for the per-channel affine; backward is NumPy when no graph of the gradient
    is recorded, and the same formula in Tensor ops when one is.
    """

    settings = ("num_groups", "eps")

    def forward(self, x, weight, bias):
        grouped = x.reshape(x.shape[0], self.num_groups, -1)
        self.mean = grouped.mean(axis=2, keepdims=True)
        centered = grouped - self.mean
        variance = self.xp.einsum("ngv,ngv->ng", centered, centered)[..., None] / x.dtype.type(grouped.shape[2])
        self.inv_std = 1 / self.xp.sqrt(variance + x.dtype.type(self.eps))
        centered *= self.inv_std
        y = centered.reshape(x.shape[0], x.shape[1], -1)
        y *= weight[:, None]
        y += bias[:, None]
        return y.reshape(x.shape)

    def backward(self, grad):
        if is_grad_enabled():
            return self._recorded_grads(grad)
        x, weight, _ = self.inputs
        samples, channels = x.shape[:2]
        grouped_shape = (samples, self.num_groups, -1)
        xhat = x.data.reshape(grouped_shape) - self.mean
        xhat *= self.inv_std
        g = grad.data.reshape(samples, channels, -1)
        per_channel_xhat = xhat.reshape(g.shape)
        grad_weight = self.xp.einsum("ncp,ncp->c", g, per_channel_xhat)
        grad_bias = self.xp.einsum("ncp->c", g)
        grad_x = None
        if self.needs_input_grad[0]:  # inv_std * (gx - mean(gx) - xhat * mean(gx * xhat)), gx = g * weight
            grad_xhat = (g * weight.data[:, None]).reshape(grouped_shape)
            per_value = x.dtype.type(1 / grad_xhat.shape[2])
            xhat *= self.xp.einsum("ngv,ngv->ng", grad_xhat, xhat)[..., None] * per_value
            grad_xhat -= grad_xhat.mean(axis=2, keepdims=True)
            grad_xhat -= xhat
            grad_xhat *= self.inv_std
            grad_x = grad_xhat.reshape(x.shape)
        return tuple(None if array is None else Tensor.from_array(array, x.backend)
                     for array in (grad_x, grad_weight, grad_bias))

    def _recorded_grads(self, grad):
        """The same gradients in Tensor ops, recomputed from x, so that they can be differentiated again."""
        x, weight, _ = self.inputs
        grouped_shape = (x.shape[0], self.num_groups, -1)
        _, centered, variance = _moments(x.reshape(grouped_shape), (2,))
        inv_std = (variance + self.eps) ** -0.5
        xhat = centered * inv_std
        channel_dims = (0,) + tuple(range(2, x.ndim))
        grad_weight = (grad * xhat.reshape(x.shape)).sum(channel_dims)
        grad_bias = grad.sum(channel_dims)
        grad_xhat = (grad * weight.reshape(_channel_shape(x))).reshape(grouped_shape)
        grad_x = (grad_xhat - grad_xhat.mean(2, keepdim=True) - xhat * (grad_xhat * xhat).mean(2, keepdim=True))
        return (grad_x * inv_std).reshape(x.shape), grad_weight, grad_bias

    def release(self):
        super().release()
        self.mean = self.inv_std = None


@public("minigrad", "F")
def layer_norm(x, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Normalise over the trailing dims ``normalized_shape`` of each sample."""
    normalized_shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    count = len(normalized_shape)
    if x.shape[x.ndim - count:] != normalized_shape or count > x.ndim:
        raise ValueError(f"layer_norm: input of shape {x.shape} does not end in normalized_shape {normalized_shape}")
    _, centered, variance = _moments(x, tuple(range(x.ndim - count, x.ndim)))
    return _scale_and_shift(centered * (variance + eps) ** -0.5, weight, bias, normalized_shape)

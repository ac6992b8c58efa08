"""Normalisation layers: BatchNorm1d/2d (running statistics), GroupNorm, LayerNorm."""
from .. import creation, dtypes
from ..ops.normalization import batch_norm, group_norm, layer_norm
from .module import Module
from .parameter import Parameter


def _affine_parameters(module, shape, affine, device, dtype):
    weight = Parameter(creation.ones(*shape, dtype=dtype, device=device)) if affine else None
    bias = Parameter(creation.zeros(*shape, dtype=dtype, device=device)) if affine else None
    module.register_parameter("weight", weight)
    module.register_parameter("bias", bias)


class _BatchNorm(Module):
    """Shared body of BatchNorm1d/2d; subclasses say which input ranks they accept."""

    accepted_ndims = ()

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True,
                 device=None, dtype=None):
        super().__init__()
        self.num_features, self.eps, self.momentum = int(num_features), eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        _affine_parameters(self, (num_features,), affine, device, dtype)
        if track_running_stats:
            self.register_buffer("running_mean", creation.zeros(num_features, dtype=dtype, device=device))
            self.register_buffer("running_var", creation.ones(num_features, dtype=dtype, device=device))
            self.register_buffer("num_batches_tracked", creation.zeros((), dtype=dtypes.int64, device=device))
        else:
            for name in ("running_mean", "running_var", "num_batches_tracked"):
                self.register_buffer(name, None)

    def reset_running_stats(self):
        if self.track_running_stats:
            self.running_mean.data[...] = 0
            self.running_var.data[...] = 1
            self.num_batches_tracked.data[...] = 0

    def _momentum(self):
        """This step's averaging factor; momentum=None means a cumulative average."""
        if not (self.training and self.track_running_stats):
            return 0.0
        self.num_batches_tracked.data[...] += 1
        return 1.0 / int(self.num_batches_tracked.item()) if self.momentum is None else self.momentum

    def forward(self, x):
        if x.ndim not in self.accepted_ndims or x.shape[1] != self.num_features:
            raise ValueError(f"{type(self).__name__}({self.num_features}): expected a {self.accepted_ndims}-D input "
                             f"with {self.num_features} channels at dim 1, got shape {x.shape}")
        momentum = self._momentum()
        use_running = not self.training or self.track_running_stats
        return batch_norm(x, self.running_mean if use_running else None, self.running_var if use_running else None,
                          self.weight, self.bias, self.training or not self.track_running_stats, momentum, self.eps)

    def extra_repr(self):
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
                f"track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    """Batch normalisation of (N, C) or (N, C, L) inputs."""

    accepted_ndims = (2, 3)


class BatchNorm2d(_BatchNorm):
    """Batch normalisation of (N, C, H, W) inputs."""

    accepted_ndims = (4,)


class GroupNorm(Module):
    """Per-sample normalisation over channel groups (independent of the batch size)."""

    def __init__(self, num_groups, num_channels, eps=1e-5, affine=True, device=None, dtype=None):
        super().__init__()
        if num_channels % num_groups:
            raise ValueError(f"GroupNorm: num_groups={num_groups} must divide num_channels={num_channels}")
        self.num_groups, self.num_channels, self.eps, self.affine = num_groups, num_channels, eps, affine
        _affine_parameters(self, (num_channels,), affine, device, dtype)

    def forward(self, x):
        return group_norm(x, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}"


class LayerNorm(Module):
    """Per-sample normalisation over the trailing ``normalized_shape`` dims."""

    def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True, device=None, dtype=None):
        super().__init__()
        shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
        self.normalized_shape, self.eps, self.elementwise_affine = shape, eps, elementwise_affine
        _affine_parameters(self, shape, elementwise_affine, device, dtype)

    def forward(self, x):
        return layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"

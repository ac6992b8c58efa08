"""Layers that only rearrange or resize: Flatten and nearest-neighbour Upsample."""
from ..ops.movement import flatten
from ..ops.resize import interpolate
from .module import Module


class Flatten(Module):
    """Merge dims ``start_dim..end_dim`` into one (by default all but the batch dim)."""

    def __init__(self, start_dim=1, end_dim=-1):
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, x):
        return flatten(x, self.start_dim, self.end_dim)

    def extra_repr(self):
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Upsample(Module):
    """Resize (N, C, H, W) images by ``scale_factor`` or to ``size`` (mode "nearest")."""

    def __init__(self, size=None, scale_factor=None, mode="nearest"):
        super().__init__()
        if (size is None) == (scale_factor is None):
            raise ValueError(f"Upsample: give exactly one of size and scale_factor (got {size!r}, {scale_factor!r})")
        if mode != "nearest":
            raise ValueError(f"Upsample: only mode='nearest' is implemented, got {mode!r}")
        self.size, self.scale_factor, self.mode = size, scale_factor, mode

    def forward(self, x):
        return interpolate(x, size=self.size, scale_factor=self.scale_factor, mode=self.mode)

    def extra_repr(self):
        given = f"size={self.size}" if self.size is not None else f"scale_factor={self.scale_factor}"
        return f"{given}, mode={self.mode!r}"

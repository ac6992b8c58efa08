"""The mapping network z -> w: pixel norm, then fully connected layers learning 100x slower."""
from minigrad import nn

from .layers import EqualizedLinear, pixel_norm


class MappingNetwork(nn.Module):
    """z (N, latent_dim) -> w (N, w_dim) through ``num_layers`` leaky-ReLU FC layers.

    ``lr_multiplier`` (0.01 in StyleGAN) slows these layers relative to the
    synthesis network, which keeps the intermediate latent space stable.
    """

    def __init__(self, latent_dim, w_dim, num_layers=4, lr_multiplier=0.01):
        super().__init__()
        if num_layers < 1:
            raise ValueError(f"MappingNetwork: num_layers must be >= 1, got {num_layers}")
        widths = [latent_dim] + [w_dim] * num_layers
        self.latent_dim, self.w_dim = latent_dim, w_dim
        self.layers = nn.Sequential(*[EqualizedLinear(a, b, lr_multiplier=lr_multiplier, activate=True)
                                      for a, b in zip(widths, widths[1:])])

    def forward(self, z):
        if z.ndim != 2 or z.shape[1] != self.latent_dim:
            raise ValueError(f"MappingNetwork: z must have shape (N, {self.latent_dim}), got {z.shape}")
        return self.layers(pixel_norm(z))

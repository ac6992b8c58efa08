"""The style-based generator: mapping network + synthesis network, style mixing and truncation."""
import minigrad
from minigrad import nn

from .mapping import MappingNetwork
from .synthesis import SynthesisNetwork


def mix_styles(ws, other_ws, crossover):
    """Layers [0, crossover) styled by ``ws``, layers [crossover, num_ws) by ``other_ws`` (both (N, num_ws, w_dim))."""
    if ws.shape != other_ws.shape:
        raise ValueError(f"mix_styles: ws {ws.shape} and other_ws {other_ws.shape} differ")
    if not 0 <= crossover <= ws.shape[1]:
        raise ValueError(f"mix_styles: crossover must be in [0, {ws.shape[1]}], got {crossover}")
    return minigrad.cat([ws[:, :crossover], other_ws[:, crossover:]], dim=1)


class StyleGenerator(nn.Module):
    """z (N, latent_dim) -> images (N, channels, S, S), roughly in [-1, 1] (no output squashing).

    ``w_avg`` is a running mean of the mapping network's outputs (updated by
    ``track_w_avg`` while training); the truncation trick pulls w towards it.
    """

    def __init__(self, latent_dim=64, w_dim=64, mapping_layers=4, channels=1, image_size=28, width=32,
                 max_width=256, mapping_lr_multiplier=0.01, w_avg_beta=0.995, output="linear"):
        super().__init__()
        self.latent_dim = latent_dim
        self.num_classes = None
        self.w_avg_beta = w_avg_beta
        self.mapping = MappingNetwork(latent_dim, w_dim, mapping_layers, mapping_lr_multiplier)
        self.synthesis = SynthesisNetwork(w_dim, channels, image_size, width, max_width, output)
        self.register_buffer("w_avg", minigrad.zeros(w_dim))

    @property
    def num_ws(self):
        return self.synthesis.num_ws

    def styles(self, z, truncation=1.0):
        """One w per sample, truncated towards w_avg by ``truncation`` (psi), repeated for every layer."""
        w = self.truncate(self.mapping(z), truncation)
        return w.unsqueeze(1).expand(-1, self.num_ws, -1)

    def truncate(self, w, truncation):
        """w_avg + psi (w - w_avg): psi = 1 is the identity, psi = 0 the average image."""
        return w if truncation == 1 else self.w_avg + truncation * (w - self.w_avg)

    def forward(self, z, labels=None, truncation=1.0, noise="random"):
        if labels is not None:
            raise ValueError("StyleGenerator: class labels are not supported (the generator is unconditional)")
        return self.synthesis(self.styles(z, truncation), noise)

    @minigrad.no_grad()
    def track_w_avg(self, w):
        """w_avg <- beta w_avg + (1 - beta) mean(w) over the batch."""
        self.w_avg.copy_(self.w_avg * self.w_avg_beta + w.detach().mean(dim=0) * (1 - self.w_avg_beta))

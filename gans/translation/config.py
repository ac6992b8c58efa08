"""The translation family's settings: one dataclass per model, each field with its help text."""
from __future__ import annotations

from dataclasses import dataclass, field, fields

from gans.losses import LOSSES
from gans.translation.networks import NORMS


def setting(default, help_text: str, **limits):
    """A dataclass field carrying its help text (and optional "choices" / "minimum") as metadata."""
    return field(default=default, metadata={"help": help_text, **limits})


@dataclass(frozen=True)
class NetworkConfig:
    """Generator (U-Net) and PatchGAN shapes, shared by both models."""

    width: int = setting(32, "U-Net width of the first level (doubling per level, capped at 8x)", minimum=1)
    depth: int = setting(4, "U-Net halvings (28 px: 28-14-7-3-1 at depth 4)", minimum=1)
    norm: str = setting("batch", "normalisation of both networks", choices=NORMS)
    dropout: float = setting(0.5, "dropout probability in the inner decoder levels (the noise source)", minimum=0.0)
    dropout_levels: int = setting(2, "how many decoder levels next to the innermost use dropout", minimum=0)
    critic_width: int = setting(32, "PatchGAN width of its first conv", minimum=1)
    critic_layers: int = setting(1, "PatchGAN strided stages (1: 16 px patches on a 12x12 grid at 28 px; "
                                    "3: pix2pix's 70 px patch)", minimum=1)
    lr: float = setting(2e-4, "Adam learning rate of every network", minimum=0.0)
    beta1: float = setting(0.5, "Adam beta1", minimum=0.0)
    decay_fraction: float = setting(0.5, "final fraction of the steps over which the rate falls linearly to 0",
                                    minimum=0.0)

    def __post_init__(self):
        for spec in fields(self):
            check_limits(type(self).__name__, spec.name, getattr(self, spec.name), spec.metadata)
        if not 0 <= self.dropout < 1:
            raise ValueError(f"dropout must be in [0, 1), got {self.dropout}")
        if not 0 <= self.decay_fraction <= 1:
            raise ValueError(f"decay_fraction must be in [0, 1], got {self.decay_fraction}")


@dataclass(frozen=True)
class Pix2PixConfig(NetworkConfig):
    """pix2pix: a conditional PatchGAN plus lambda * L1; adversarial_weight 0 is the L1-only U-Net."""

    gan_loss: str = setting("non_saturating", "adversarial loss (gans.losses)", choices=tuple(LOSSES))
    adversarial_weight: float = setting(1.0, "weight of the generator's adversarial term (0: no discriminator)",
                                        minimum=0.0)
    l1_weight: float = setting(100.0, "lambda of the L1 reconstruction term", minimum=0.0)


@dataclass(frozen=True)
class CycleGANConfig(NetworkConfig):
    """CycleGAN: two U-Nets, two PatchGANs, least squares, cycle and identity terms, image pools."""

    norm: str = setting("instance", "normalisation of both networks", choices=NORMS)
    dropout: float = setting(0.0, "dropout probability in the inner decoder levels", minimum=0.0)
    gan_loss: str = setting("least_squares", "adversarial loss (gans.losses)", choices=tuple(LOSSES))
    adversarial_weight: float = setting(
        2.0, "weight of each generator's adversarial term; 2 turns gans.losses' least-squares term "
             "1/2 mean (D - 1)^2 into CycleGAN's mean (D - 1)^2, the scale its cycle weight is set against",
        minimum=0.0)
    cycle_weight: float = setting(10.0, "lambda of the cycle terms |G_BA(G_AB(a)) - a| and |G_AB(G_BA(b)) - b|",
                                  minimum=0.0)
    identity_ratio: float = setting(0.5, "identity terms |G_AB(b) - b|, |G_BA(a) - a| at this times the "
                                         "cycle weight", minimum=0.0)
    pool_size: int = setting(50, "generated images each discriminator's history pool holds", minimum=0)


def check_limits(owner: str, name: str, value, metadata) -> None:
    """A field's value against its "choices" or "minimum" metadata, with a message naming both."""
    if "choices" in metadata and value not in metadata["choices"]:
        raise ValueError(f"{owner}: {name} must be one of {list(metadata['choices'])}, got {value!r}")
    if "minimum" in metadata and not value >= metadata["minimum"]:
        raise ValueError(f"{owner}: {name} must be >= {metadata['minimum']}, got {value!r}")

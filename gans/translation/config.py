"""The translation families' settings: one dataclass per model, each field a run-layer ``setting``."""
from __future__ import annotations

from dataclasses import dataclass

from gans.losses import LOSSES
from gans.run.settings import setting
from gans.translation.networks import NORMS

LOSS_NAMES = tuple(LOSSES)


@dataclass
class Pix2PixConfig:
    """pix2pix: a conditional PatchGAN plus lambda * L1; adversarial_weight 0 is the L1-only U-Net."""

    width: int = setting(16, "U-Net width of the first level (doubling per level, capped at 8x)", minimum=1)
    depth: int = setting(4, "U-Net halvings (28 px: 28-14-7-3-1 at depth 4)", minimum=1)
    norm: str = setting("batch", "normalisation of both networks", choices=NORMS)
    dropout: float = setting(0.5, "dropout probability in the inner decoder levels (the noise source)",
                             minimum=0.0, maximum=0.9)
    dropout_levels: int = setting(2, "decoder levels next to the innermost with dropout (at most depth - 2)",
                                  minimum=0)
    critic_width: int = setting(16, "PatchGAN width of its first conv", minimum=1)
    critic_layers: int = setting(1, "PatchGAN strided stages (1: 16 px patches on a 12x12 grid at 28 px; "
                                    "3: pix2pix's 70 px patch)", minimum=1)
    lr: float = setting(2e-4, "Adam learning rate of every network", above=0.0)
    beta1: float = setting(0.5, "Adam beta1", minimum=0.0, maximum=0.9999)
    decay_fraction: float = setting(0.5, "final fraction of the steps over which the rate falls linearly to 0",
                                    minimum=0.0, maximum=1.0)
    gan_loss: str = setting("non_saturating", "adversarial loss (gans.losses)", choices=LOSS_NAMES)
    adversarial_weight: float = setting(1.0, "weight of the generator's adversarial term (0: no discriminator, "
                                             "the L1-only U-Net)", minimum=0.0)
    l1_weight: float = setting(100.0, "lambda of the L1 reconstruction term", minimum=0.0)


@dataclass
class CycleGANConfig:
    """CycleGAN: two U-Nets, two PatchGANs, least squares, cycle and identity terms, image pools."""

    width: int = setting(8, "U-Net width of the first level (doubling per level, capped at 8x)", minimum=1)
    depth: int = setting(4, "U-Net halvings (28 px: 28-14-7-3-1 at depth 4)", minimum=1)
    norm: str = setting("instance", "normalisation of both networks", choices=NORMS)
    dropout: float = setting(0.0, "dropout probability in the inner decoder levels", minimum=0.0, maximum=0.9)
    dropout_levels: int = setting(0, "decoder levels next to the innermost with dropout (at most depth - 2)",
                                  minimum=0)
    critic_width: int = setting(8, "PatchGAN width of its first conv", minimum=1)
    critic_layers: int = setting(1, "PatchGAN strided stages (1: 16 px patches at 28 px)", minimum=1)
    lr: float = setting(2e-4, "Adam learning rate of every network", above=0.0)
    beta1: float = setting(0.5, "Adam beta1", minimum=0.0, maximum=0.9999)
    decay_fraction: float = setting(0.5, "final fraction of the steps over which the rate falls linearly to 0",
                                    minimum=0.0, maximum=1.0)
    gan_loss: str = setting("least_squares", "adversarial loss (gans.losses)", choices=LOSS_NAMES)
    adversarial_weight: float = setting(
        2.0, "weight of each generator's adversarial term; 2 turns the least-squares term 1/2 mean (D - 1)^2 "
             "into CycleGAN's mean (D - 1)^2, the scale its cycle weight is set against", minimum=0.0)
    cycle_weight: float = setting(10.0, "lambda of the cycle terms |G_BA(G_AB(a)) - a| and |G_AB(G_BA(b)) - b|",
                                  minimum=0.0)
    identity_ratio: float = setting(0.5, "identity terms |G_AB(b) - b|, |G_BA(a) - a| at this times the "
                                         "cycle weight", minimum=0.0)
    pool_size: int = setting(50, "generated images each discriminator's history pool holds", minimum=0)

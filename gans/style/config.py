"""The style-based family's settings: architecture, the StyleGAN2 recipe, augmentation, sampling."""
from dataclasses import dataclass
from typing import Tuple

from ..augment.settings import AugmentSettings
from ..run.settings import setting
from .synthesis import OUTPUTS


@dataclass
class StyleGANConfig(AugmentSettings):
    latent_dim: int = setting(64, "size of the noise input z", minimum=1)
    w_dim: int = setting(64, "size of the intermediate latent w (the styles' source)", minimum=1)
    mapping_layers: int = setting(4, "fully connected layers of the mapping network z -> w", minimum=1)
    mapping_lr_multiplier: float = setting(0.01, "learning-rate multiplier of the mapping network", above=0.0)
    width: int = setting(16, "channels at full resolution; each coarser level doubles them", minimum=1)
    max_width: int = setting(128, "most channels of any level", minimum=1)
    output: str = setting("linear", "the image's last activation: linear (StyleGAN2's) or tanh (DCGAN's; on MNIST "
                          "the linear image collapses to a few shapes and the tanh one does not, see the README)",
                          choices=OUTPUTS)
    lr: float = setting(2e-3, "Adam's learning rate for both networks", above=0.0)
    betas: Tuple[float, float] = setting((0.0, 0.99), "Adam's betas", minimum=0.0, maximum=0.9999)
    r1_gamma: float = setting(0.1, "R1 weight gamma (the loss adds gamma / 2 E||grad D(real)||^2); 0: off",
                              minimum=0.0)
    r1_interval: int = setting(16, "lazy regularisation: D steps between R1 terms (each weighted by this)",
                               minimum=1)
    style_mixing: float = setting(0.9, "chance that a training batch mixes the styles of two latents",
                                  minimum=0.0, maximum=1.0)
    mbstd_group: int = setting(4, "samples per group of D's minibatch standard-deviation feature", minimum=1)
    w_avg_beta: float = setting(0.995, "decay of the running mean of w that truncation pulls towards",
                                minimum=0.0, maximum=1.0)


@dataclass
class StyleSampleOptions:
    truncation: float = setting(1.0, "truncation psi: w = w_avg + psi (w - w_avg); 1: none, 0: the average image",
                                minimum=0.0, maximum=2.0)
    mixing_crossover: int = setting(0, "draw the style-mixing figure instead (with --n 100): layers below this index "
                                       "styled by the left column's latents, the rest by the top row's; 0: off",
                                    minimum=0)

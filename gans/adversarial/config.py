"""The adversarial family's settings: losses, optimizers, critic steps, Lipschitz tools, architecture."""
from dataclasses import dataclass
from typing import Tuple

from ..augment.settings import AugmentSettings
from ..run.settings import setting
from ..losses import LOSSES

OPTIMIZERS = ("adam", "sgd", "rmsprop")
LR_SCHEDULES = ("constant", "linear")


@dataclass
class OptimizerSpec:
    """Which optimizer and its hyper-parameters (the ones another optimizer uses are ignored)."""

    name: str = setting("adam", "optimizer", choices=OPTIMIZERS)
    lr: float = setting(2e-4, "learning rate", above=0.0)
    betas: Tuple[float, float] = setting((0.5, 0.999), "Adam's betas", minimum=0.0, maximum=0.9999)
    momentum: float = setting(0.0, "SGD momentum", minimum=0.0, maximum=0.9999)
    alpha: float = setting(0.99, "RMSprop smoothing constant", minimum=0.0, maximum=0.9999)


@dataclass
class AdversarialConfig(AugmentSettings):
    loss: str = setting("non_saturating", "adversarial loss", choices=tuple(LOSSES))
    n_critic: int = setting(1, "discriminator updates per generator update", minimum=1)
    g_optimizer: OptimizerSpec = setting(OptimizerSpec(), "the generator's optimizer")
    d_optimizer: OptimizerSpec = setting(OptimizerSpec(), "the discriminator's optimizer")
    lr_schedule: str = setting("constant", "linear: both rates fall linearly to 0 at the last step",
                               choices=LR_SCHEDULES)
    gradient_penalty: float = setting(0.0, "WGAN-GP's penalty weight lambda; 0: off", minimum=0.0)
    weight_clip: float = setting(0.0, "WGAN's weight-clipping bound; 0: off", minimum=0.0)
    spectral_norm: bool = setting(False, "spectral normalisation of every discriminator layer")
    batch_norm_in_d: bool = setting(True, "batch norm in the DCGAN discriminator (not with a gradient penalty)")
    conditional: bool = setting(False, "both networks see the class label (labelled data)")
    pack: int = setting(1, "PacGAN: samples the discriminator judges jointly", minimum=1)
    latent_dim: int = setting(100, "size of the generator's noise input", minimum=1)
    width: int = setting(64, "hidden units (MLP) or base channels (DCGAN)", minimum=1)
    depth: int = setting(3, "hidden layers of the MLPs", minimum=1)

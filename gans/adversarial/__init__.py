"""The adversarial family: GAN, NS-GAN, DCGAN, WGAN, WGAN-GP, SN-GAN, conditional GAN, LSGAN, f-GAN
losses and PacGAN packing, on one model (gans.adversarial.model) and the generic trainer."""
from ..augment.settings import check_augment_settings
from ..run.family import Family
from .config import AdversarialConfig, OptimizerSpec
from .model import AdversarialModel
from .presets import KIND_DEFAULTS, PRESETS


def check(spec, info):
    """Settings that cannot work on this data, refused before anything is allocated."""
    config = spec.model
    if config.conditional and info.num_classes is None:
        raise ValueError(f"{spec.preset!r} needs class labels; dataset {info.name!r} has none "
                         f"(use a labelled image dataset)")
    if spec.run.batch_size % config.pack:
        raise ValueError(f"--pack {config.pack}: the batch size {spec.run.batch_size} must be a multiple of the "
                         f"PacGAN pack size")
    check_augment_settings(config, info)


FAMILY = Family(
    name="adversarial",
    help="GANs: a generator against a discriminator or critic, k critic steps per generator step",
    config_class=AdversarialConfig,
    presets=PRESETS,
    data_kinds=("points", "images"),
    build=AdversarialModel,
    default_dataset="ring8",
    kind_defaults=KIND_DEFAULTS,
    check=check,
)

__all__ = ["FAMILY", "AdversarialConfig", "AdversarialModel", "OptimizerSpec", "PRESETS"]

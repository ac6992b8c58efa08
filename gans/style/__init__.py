"""The style-based family: a StyleGAN2-like generator and residual discriminator for 28x28 / 32x32
images, with R1, lazy regularisation, style mixing, truncation and optional DiffAugment/ADA."""
from ..augment.settings import check_augment_settings
from ..run.family import Family
from .config import StyleGANConfig, StyleSampleOptions
from .discriminator import ResidualDiscriminator
from .generator import StyleGenerator, mix_styles
from .model import StyleGANModel
from .presets import KIND_DEFAULTS, PRESETS
from .synthesis import resolution_levels


def check(spec, info):
    """Image sizes the synthesis network cannot make and bad augmentation settings, refused up front."""
    resolution_levels(info.sample_shape[1])
    check_augment_settings(spec.model, info)


FAMILY = Family(
    name="stylegan",
    help="style-based GAN: mapping network, modulated convolutions, noise inputs, R1, truncation, DiffAugment/ADA",
    config_class=StyleGANConfig,
    presets=PRESETS,
    data_kinds=("images",),
    build=StyleGANModel,
    default_dataset="mnist",
    kind_defaults=KIND_DEFAULTS,
    sample_options=StyleSampleOptions,
    check=check,
)

__all__ = ["FAMILY", "ResidualDiscriminator", "StyleGANConfig", "StyleGANModel", "StyleGenerator", "mix_styles"]

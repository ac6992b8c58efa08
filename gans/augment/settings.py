"""The augmentation settings any adversarial family's config inherits (``--augment``, ``--ada-*``)."""
from dataclasses import dataclass

from ..run.settings import setting
from .augmentation import Augmentation
from .transforms import TRANSFORMS


@dataclass
class AugmentSettings:
    augment: str = setting("", "DiffAugment policy for every image D sees, in both D and G steps: comma-separated "
                               f"names from {', '.join(TRANSFORMS)}; '': none")
    ada_target: float = setting(0.0, "ADA: steer each transform's probability so E[sign D(real)] stays at this "
                                     "target (e.g. 0.6), from p = 0; 0: off (DiffAugment, p = 1)",
                                minimum=0.0, maximum=0.99)
    ada_interval: int = setting(4, "ADA: D steps between adjustments of p", minimum=1)
    ada_images: int = setting(100_000, "ADA: images over which p may rise from 0 to 1 (the paper: 500,000)",
                              minimum=1)


def check_augment_settings(config, info):
    """Refuse, before anything is allocated, a bad policy, ADA without one, or augmenting non-images."""
    build_augmentation(config)
    if config.augment and len(info.sample_shape) != 3:
        raise ValueError(f"--augment {config.augment}: the transforms act on images (C, H, W); dataset {info.name!r} "
                         f"holds samples of shape {info.sample_shape}")


def build_augmentation(config):
    """The Augmentation a config of AugmentSettings asks for; a one-line ValueError for a bad policy or
    for ADA without one."""
    return Augmentation(config.augment, config.ada_target, config.ada_interval, config.ada_images)

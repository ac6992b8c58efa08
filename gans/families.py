"""The registry of generative families: one entry per family, name -> module holding its ``FAMILY``.

Adding a family is one folder under gans/ plus one line here (docs/new-family.md). Modules are
imported on first use, so ``sample`` imports only the family of the run it samples.
"""
import importlib

FAMILY_MODULES = {
    "adversarial": "gans.adversarial",
    "diffusion": "gans.diffusion",
    "example-autoencoder": "gans.examples.autoencoder",
    "autoencoder": "gans.autoencoder",
    "paired-translation": "gans.translation.pix2pix",
    "unpaired-translation": "gans.translation.cyclegan",
    "stylegan": "gans.style",
}


def get_family(name):
    """The Family registered as ``name``."""
    if name not in FAMILY_MODULES:
        raise ValueError(f"unknown family {name!r}; expected one of {', '.join(FAMILY_MODULES)}")
    return importlib.import_module(FAMILY_MODULES[name]).FAMILY


def all_families():
    return [get_family(name) for name in FAMILY_MODULES]


def find(name):
    """(family, preset name) for a family or preset name; a preset name is unique across families."""
    if name in FAMILY_MODULES:
        return get_family(name), name
    for family in all_families():
        if name in family.presets:
            return family, name
    raise ValueError(f"unknown family or preset {name!r}; expected one of {', '.join(choices())}")


def choices():
    """Every name ``train`` accepts: each family, then its presets."""
    return [name for family in all_families() for name in (family.name, *family.presets)]


def checkpoint_upgrades():
    """{older checkpoint version: function turning its state into today's layout}."""
    from .adversarial.legacy import upgrade_v1

    return {1: upgrade_v1}


def upgrade_config(values):
    """A run folder's config.json values in today's layout (version-1 configs are the adversarial family's)."""
    from .adversarial.legacy import is_v1_config, upgrade_config_v1

    return upgrade_config_v1(values) if is_v1_config(values) else values

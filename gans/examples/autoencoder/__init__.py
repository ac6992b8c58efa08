"""The smallest real family: a plain autoencoder (docs/new-family.md walks through it).

An MLP encoder squeezes each example into a few numbers, an MLP decoder rebuilds it, and Adam
minimises the mean squared reconstruction error. Sampling decodes standard-normal codes, which a
plain autoencoder does not train for (the VAE family does): it is here to show the interface.
"""
from ...run.family import Family, Preset
from .model import AutoencoderConfig, AutoencoderModel

PRESETS = {"example-ae": Preset("example-ae", "plain MLP autoencoder (the docs' example family)",
                                "Hinton and Salakhutdinov 2006, Science 313(5786)", dict(code_dim=2, lr=1e-3))}

FAMILY = Family(
    name="example-autoencoder",
    help="the docs' example: an MLP autoencoder trained on reconstruction error",
    config_class=AutoencoderConfig,
    presets=PRESETS,
    data_kinds=("points", "images"),
    build=AutoencoderModel,
    default_dataset="ring8",
)

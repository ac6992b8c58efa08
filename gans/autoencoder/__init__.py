"""The autoencoder family: VAE (MLP and conv), conditional VAE, β-VAE, plain and denoising autoencoders.

The project's image sources and samplers use [-1, 1]; the family works on [0, 1] grey levels
inside (k/255 for MNIST, the non-binarised pixels of pytorch/examples' VAE) and samples back into
[-1, 1].
"""
from gans.autoencoder.config import PRESETS, AutoencoderConfig, EvaluationOptions
from gans.autoencoder.model import AutoencoderModel
from gans.autoencoder.report import evaluate_run
from gans.run.family import Family

FAMILY = Family(
    name="autoencoder",
    help="VAE, conditional VAE, beta-VAE and denoising autoencoder on 28x28 images",
    config_class=AutoencoderConfig,
    presets=PRESETS,
    data_kinds=("images",),
    build=AutoencoderModel,
    default_dataset="mnist",
    evaluate=evaluate_run,
    evaluate_options=EvaluationOptions,
)

__all__ = ["FAMILY", "PRESETS", "AutoencoderConfig", "AutoencoderModel"]

"""The autoencoder family: VAE (MLP and conv), conditional VAE, β-VAE, plain and denoising autoencoders.

The project's image sources and samplers use [-1, 1]; the family works on [0, 1] grey levels
inside (k/255 for MNIST, as pytorch/examples' VAE) and samples back into [-1, 1].
"""
from gans.autoencoder.autoencoder import Autoencoder
from gans.autoencoder.config import PRESETS, AutoencoderConfig
from gans.autoencoder.model import AutoencoderModel

__all__ = ["Autoencoder", "AutoencoderConfig", "AutoencoderModel", "PRESETS"]

"""A style-based GAN (StyleGAN2-like) for 28x28 / 32x32 images, built on minigrad."""
from .discriminator import ResidualDiscriminator
from .generator import StyleGenerator, mix_styles

__all__ = ["ResidualDiscriminator", "StyleGenerator", "mix_styles"]

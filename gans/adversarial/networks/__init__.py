"""Generators and discriminators: MLPs for 2D points, DCGAN stacks for images; built per kind of data."""
from ..init import dcgan_init
from .dcgan import DCGANDiscriminator, DCGANGenerator
from .mlp import MLPDiscriminator, MLPGenerator

__all__ = ["DCGANDiscriminator", "DCGANGenerator", "MLPDiscriminator", "MLPGenerator", "build_networks"]


def _mlps(config, info, classes):
    scale = info.scale
    return (MLPGenerator(config.latent_dim, info.sample_shape[0], config.width, config.depth, classes, scale),
            lambda: MLPDiscriminator(info.sample_shape[0], config.width, config.depth, classes, config.pack,
                                     config.spectral_norm, scale))


def _dcgans(config, info, classes):
    channels, size, _ = info.sample_shape
    generator = DCGANGenerator(config.latent_dim, channels, size, config.width, classes)
    return generator, lambda: DCGANDiscriminator(channels, size, config.width, config.batch_norm_in_d,
                                                 config.spectral_norm, classes, config.pack)


# kind of data -> (networks, whether they take DCGAN's initialisation)
ARCHITECTURES = {"points": (_mlps, False), "images": (_dcgans, True)}


def build_networks(config, info, with_discriminator=True):
    """(generator, discriminator or None) for the data ``info`` describes, on the run's device.

    Both are constructed before either is initialised, so a run draws its initial weights in one
    order whether or not it was resumed.
    """
    make, dcgan_initialised = ARCHITECTURES[info.kind]
    generator, make_discriminator = make(config, info, info.num_classes if config.conditional else None)
    discriminator = make_discriminator() if with_discriminator else None
    if dcgan_initialised:
        for network in (generator, discriminator):
            if network is not None:
                network.apply(dcgan_init)
    return generator, discriminator

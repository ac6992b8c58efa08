"""Build the two networks and their optimizers from a TrainConfig."""
import math

from minigrad import nn, optim

from ..data import dataset_kind
from ..models import DCGANDiscriminator, DCGANGenerator, MLPDiscriminator, MLPGenerator


def build_networks(config, source):
    """(generator, discriminator) for the config's data kind, on its device."""
    classes = source.num_classes if config.conditional else None
    if dataset_kind(config.dataset) == "points":
        scale = source.dataset.scale
        generator = MLPGenerator(config.latent_dim, 2, config.width, config.depth, classes, scale)
        discriminator = MLPDiscriminator(2, config.width, config.depth, classes, config.pack, config.spectral_norm,
                                         scale)
    else:
        channels, size, _ = source.sample_shape
        generator = DCGANGenerator(config.latent_dim, channels, size, config.width, classes)
        discriminator = DCGANDiscriminator(channels, size, config.width, config.batch_norm_in_d,
                                           config.spectral_norm, classes, config.pack)
        generator.apply(nn.init.dcgan_init)
        discriminator.apply(nn.init.dcgan_init)
    return generator.to(config.device), discriminator.to(config.device)


def make_optimizer(spec, parameters):
    """The optimizer a spec names, with PyTorch's update rules."""
    parameters = list(parameters)
    if spec.name == "adam":
        return optim.Adam(parameters, lr=spec.lr, betas=tuple(spec.betas))
    if spec.name == "sgd":
        return optim.SGD(parameters, lr=spec.lr, momentum=spec.momentum)
    if spec.name == "rmsprop":
        return optim.RMSprop(parameters, lr=spec.lr, alpha=spec.alpha)
    raise ValueError(f"unknown optimizer {spec.name!r}; expected adam, sgd or rmsprop")


def gradient_norm(module):
    """The global L2 norm of a module's parameter gradients (0 where none)."""
    total = 0.0
    for parameter in module.parameters():
        if parameter.grad is not None:
            total += float((parameter.grad.data.astype("float64") ** 2).sum())
    return math.sqrt(total)

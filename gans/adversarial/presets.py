"""The GAN papers' settings as data: one Preset per model, each with its help text and source.

A preset fixes the algorithm (loss, optimizers, critic steps, Lipschitz tool); the kind of data
fixes the architecture defaults (MLP for 2D points, DCGAN for images).
"""
from ..run.family import Preset
from .config import OptimizerSpec


def adam(lr, beta1, beta2):
    return OptimizerSpec("adam", lr, (beta1, beta2))


def both(spec):
    """The same optimizer settings for generator and discriminator."""
    return dict(g_optimizer=spec, d_optimizer=spec)


# Architecture and schedule per kind of data (the run's batch size and length come from the data).
KIND_DEFAULTS = {
    "points": dict(latent_dim=2, width=128, depth=3, lr_schedule="linear"),
    "images": dict(latent_dim=64, width=32),
}

# On the 2D sets the learning rates are tuned for 5,000 steps (the paper settings are for images).
# WGAN-GP's penalty weight is 0.1 there, as in the paper's own toy code: with 10 the whole sample cloud
# swings around the modes for thousands of steps (PyTorch, run beside it, does the same). Its rate is
# 1.5e-3 because 5000 steps is a twentieth of the toy code's 100k at 1e-4: at 5e-4 the grid's inner modes
# were still forming when the decay ended (43.6% high-quality samples over 3 seeds; 1.5e-3 gives 88.5%).
# SN-GAN: with one D step per G step the spectrally normalised MLP barely moves (D(x) - D(G(z)) ~ 0.003)
# and G collapses; 5 steps with Adam (0, 0.9), Miyato et al.'s n_dis = 5 family, keep it tracking.
# On images the papers' settings stand; only the run lengths differ: each is the length measured to
# reach the README's MNIST figures (unconditional samples keep sharpening past 2000 steps).
PRESETS = {preset.name: preset for preset in [
    Preset("gan", "Goodfellow et al. Algorithm 1: minimax loss, SGD with momentum",
           "Goodfellow et al. 2014, Generative Adversarial Nets, arXiv:1406.2661",
           dict(loss="minimax", **both(OptimizerSpec("sgd", 1e-2, momentum=0.9)))),
    Preset("nsgan", "the same game with the non-saturating generator loss and Adam",
           "Goodfellow et al. 2014, section 3; Adam as in Radford et al. 2016",
           dict(loss="non_saturating", **both(adam(2e-4, 0.5, 0.999))),
           {"points": both(adam(1e-3, 0.5, 0.999))}),
    Preset("dcgan", "DCGAN: non-saturating loss, Adam 2e-4, betas (0.5, 0.999)",
           "Radford et al. 2016, arXiv:1511.06434; pytorch/examples dcgan",
           dict(loss="non_saturating", **both(adam(2e-4, 0.5, 0.999))), {"images": dict(steps=6000)}),
    Preset("wgan", "WGAN: Wasserstein critic, RMSprop 5e-5, weight clipping 0.01, 5 critic steps",
           "Arjovsky et al. 2017, arXiv:1701.07875, Algorithm 1",
           dict(loss="wasserstein", n_critic=5, weight_clip=0.01, batch_norm_in_d=True,
                **both(OptimizerSpec("rmsprop", 5e-5))),
           {"points": both(OptimizerSpec("rmsprop", 5e-4))}),
    Preset("wgan-gp", "WGAN-GP: Adam 1e-4, betas (0.5, 0.9), gradient penalty 10, 5 critic steps",
           "Gulrajani et al. 2017, arXiv:1704.00028, Algorithm 1; igul222/improved_wgan_training",
           dict(loss="wasserstein", n_critic=5, gradient_penalty=10.0, batch_norm_in_d=False,
                **both(adam(1e-4, 0.5, 0.9))),
           {"points": dict(gradient_penalty=0.1, **both(adam(1.5e-3, 0.5, 0.9))), "images": dict(steps=5400)}),
    Preset("sngan", "SN-GAN: hinge loss, spectral norm on the discriminator",
           "Miyato et al. 2018, arXiv:1802.05957",
           dict(loss="hinge", spectral_norm=True, batch_norm_in_d=False, **both(adam(2e-4, 0.5, 0.999))),
           {"points": dict(n_critic=5, **both(adam(2e-4, 0.0, 0.9)))}),
    Preset("cgan", "conditional GAN: both networks see the class label (labelled images)",
           "Mirza and Osindero 2014, arXiv:1411.1784",
           dict(loss="non_saturating", conditional=True, **both(adam(2e-4, 0.5, 0.999))),
           {"images": dict(steps=3000)}),
    Preset("lsgan", "least-squares GAN", "Mao et al. 2017, arXiv:1611.04076",
           dict(loss="least_squares", **both(adam(2e-4, 0.5, 0.999)))),
]}

"""Settings of the autoencoder family (one dataclass, each field with its help and limits) and its presets."""
from __future__ import annotations

from dataclasses import dataclass

from gans.autoencoder.networks import ARCHITECTURES
from gans.autoencoder.objectives import LIKELIHOODS
from gans.run.family import Preset
from gans.run.settings import setting

CORRUPTIONS = ("none", "gaussian", "mask")
BATCHES_PER_MNIST_EPOCH = 60000 // 128  # the source drops the tail shorter than a batch


@dataclass
class AutoencoderConfig:
    """A VAE (variational=True) or a plain / denoising autoencoder (variational=False)."""

    variational: bool = setting(True, "encode to a Gaussian q(z|x) and train the ELBO (false: a deterministic code)")
    architecture: str = setting("mlp", "encoder/decoder networks", choices=ARCHITECTURES)
    latent_dim: int = setting(20, "size of the code z", minimum=1)
    hidden: int = setting(400, "hidden units of the MLP networks", minimum=1)
    width: int = setting(32, "channels of the first conv layer (the second has twice as many)", minimum=1)
    conditional: bool = setting(False, "feed the one-hot class label to encoder and decoder (cVAE)")
    likelihood: str = setting("bernoulli", "p(x|z) on [0, 1] pixels: bernoulli (cross-entropy on grey levels) "
                              "or gaussian", choices=LIKELIHOODS)
    gaussian_std: float = setting(0.1, "std of the gaussian likelihood (its start when learned)", above=0.0)
    learn_std: bool = setting(False, "learn the gaussian likelihood's std (one for all pixels)")
    beta: float = setting(1.0, "weight of the KL term (beta-VAE: > 1)", minimum=0.0)
    kl_warmup_steps: int = setting(0, "steps over which the KL weight rises linearly from 0 to beta (0: none)",
                                   minimum=0)
    corruption: str = setting("none", "input corruption while training (denoising autoencoder)", choices=CORRUPTIONS)
    noise_std: float = setting(0.3, "std of the gaussian corruption, in [0, 1] pixel units", minimum=0.0)
    mask_fraction: float = setting(0.5, "share of pixels set to 0 by the mask corruption", minimum=0.0, maximum=1.0)
    lr: float = setting(1e-3, "Adam learning rate", above=0.0)
    code_momentum: float = setting(0.01, "deterministic autoencoders: momentum of the running code mean and "
                                   "covariance that sampling draws codes from", above=0.0, maximum=1.0)

    def __post_init__(self):
        if self.conditional and not self.variational:
            raise ValueError("autoencoder: --conditional needs --variational (the cVAE)")
        if self.corruption != "none" and self.variational:
            raise ValueError(f"autoencoder: --corruption {self.corruption} needs --no-variational "
                             "(the denoising autoencoder)")


@dataclass
class EvaluationOptions:
    """Flags of `python -m gans evaluate` for an autoencoder run."""

    eval_images: int = setting(10000, "test images (the first ones) of the likelihood and denoising figures",
                               minimum=1)
    iwae_samples: int = setting(100, "importance samples per test image of the IWAE estimate (0: skip it)",
                                minimum=0)
    iwae_images: int = setting(10000, "test images (the first ones) of the IWAE estimate", minimum=1)


TEN_EPOCHS = dict(steps=10 * BATCHES_PER_MNIST_EPOCH, batch_size=128, log_every=50,
                  sample_every=BATCHES_PER_MNIST_EPOCH, checkpoint_every=BATCHES_PER_MNIST_EPOCH)
PYTORCH_EXAMPLES = "architecture and training of pytorch/examples vae/main.py (10 epochs, batch 128, Adam 1e-3)"

PRESETS = {preset.name: preset for preset in (
    Preset("vae", "MLP VAE 784-400-20, Bernoulli likelihood on grey levels, 10 MNIST epochs",
           f"Kingma & Welling 2014, arXiv:1312.6114; {PYTORCH_EXAMPLES}", dict(TEN_EPOCHS)),
    Preset("conv-vae", "convolutional VAE (two 4x4 stride-2 convs each way, 20-D code), 10 epochs",
           "Kingma & Welling 2014, arXiv:1312.6114", dict(TEN_EPOCHS, architecture="conv")),
    Preset("cvae", "conditional MLP VAE: the one-hot label enters encoder and decoder, 10 epochs",
           "Sohn, Lee & Yan 2015, 'Learning Structured Output Representation using Deep Conditional "
           "Generative Models' (NeurIPS)", dict(TEN_EPOCHS, conditional=True)),
    Preset("beta-vae", "MLP VAE with the KL term weighted by beta = 4 (a tighter code, blurrier images)",
           "Higgins et al. 2017, 'beta-VAE' (ICLR)", dict(TEN_EPOCHS, beta=4.0)),
    Preset("vae-2d", "MLP VAE with a 2-D code, for the latent manifold picture",
           "Kingma & Welling 2014, arXiv:1312.6114, figure 4", dict(TEN_EPOCHS, latent_dim=2)),
    Preset("dae", "denoising MLP autoencoder: gaussian noise of std 0.3 on [0, 1] pixels, squared error "
           "(a gaussian likelihood of fixed std 0.1)",
           "Vincent et al. 2008, 'Extracting and Composing Robust Features with Denoising Autoencoders' (ICML)",
           dict(TEN_EPOCHS, variational=False, corruption="gaussian", likelihood="gaussian")),
)}

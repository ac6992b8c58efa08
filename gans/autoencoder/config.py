"""Settings of the autoencoder family (one dataclass, each field with its help) and its presets."""
from __future__ import annotations

from dataclasses import dataclass, field, fields

from gans.autoencoder.networks import ARCHITECTURES
from gans.autoencoder.objectives import LIKELIHOODS

CORRUPTIONS = ("none", "gaussian", "mask")


def _setting(default, help_text, **extra):
    return field(default=default, metadata={"help": help_text, **extra})


@dataclass(frozen=True)
class AutoencoderConfig:
    """A VAE (variational=True) or a plain / denoising autoencoder (variational=False)."""

    variational: bool = _setting(True, "encode to a Gaussian q(z|x) and train the ELBO (False: a deterministic code)")
    architecture: str = _setting("mlp", "encoder/decoder networks", choices=ARCHITECTURES)
    latent_dim: int = _setting(20, "size of the code z", minimum=1)
    hidden: int = _setting(400, "hidden units of the MLP networks", minimum=1)
    width: int = _setting(32, "channels of the first conv layer (the second has twice as many)", minimum=1)
    conditional: bool = _setting(False, "feed the one-hot class label to encoder and decoder (cVAE)")
    likelihood: str = _setting("bernoulli", "p(x|z) on [0, 1] pixels: bernoulli (BCE on grey levels) or gaussian",
                               choices=LIKELIHOODS)
    gaussian_std: float = _setting(0.1, "standard deviation of the gaussian likelihood (its start when learned)",
                                   minimum=1e-6)
    learn_std: bool = _setting(False, "learn the gaussian likelihood's standard deviation (one for all pixels)")
    beta: float = _setting(1.0, "weight of the KL term (beta-VAE: > 1)", minimum=0.0)
    kl_warmup_steps: int = _setting(0, "steps over which the KL weight rises linearly from 0 to beta (0: none)",
                                    minimum=0)
    corruption: str = _setting("none", "input corruption while training (denoising autoencoder)", choices=CORRUPTIONS)
    noise_std: float = _setting(0.3, "std of the gaussian corruption, in [0, 1] pixel units", minimum=0.0)
    mask_fraction: float = _setting(0.5, "share of pixels set to 0 by the mask corruption", minimum=0.0, maximum=1.0)
    lr: float = _setting(1e-3, "Adam learning rate", minimum=0.0)
    code_momentum: float = _setting(0.01, "deterministic autoencoders: momentum of the running code mean and "
                                    "covariance that `sample` draws codes from", minimum=0.0, maximum=1.0)

    def __post_init__(self):
        for spec in fields(self):
            check_setting(spec, getattr(self, spec.name))
        if self.conditional and not self.variational:
            raise ValueError("autoencoder: conditional needs variational=True (the cVAE)")
        if self.corruption != "none" and self.variational:
            raise ValueError(f"autoencoder: corruption={self.corruption!r} needs variational=False "
                             "(the denoising autoencoder)")


def check_setting(spec, value):
    """Raise a one-line ValueError naming the field when `value` breaks its declared choices or range."""
    meta = spec.metadata
    if "choices" in meta and value not in meta["choices"]:
        raise ValueError(f"autoencoder: {spec.name} must be one of {meta['choices']}, got {value!r}")
    if "minimum" in meta and value < meta["minimum"]:
        raise ValueError(f"autoencoder: {spec.name} must be >= {meta['minimum']}, got {value!r}")
    if "maximum" in meta and value > meta["maximum"]:
        raise ValueError(f"autoencoder: {spec.name} must be <= {meta['maximum']}, got {value!r}")


@dataclass(frozen=True)
class Preset:
    """A named configuration: the fields it sets, what it is, and where it comes from."""

    name: str
    help: str
    source: str
    settings: dict


PRESETS = {preset.name: preset for preset in (
    Preset("vae", "MLP VAE 784-400-20, Bernoulli likelihood on grey levels, Adam 1e-3, batch 128",
           "Kingma & Welling 2014, arXiv:1312.6114; architecture of pytorch/examples vae/main.py", {}),
    Preset("conv-vae", "convolutional VAE (two stride-2 convs, 20-D code), Bernoulli likelihood",
           "Kingma & Welling 2014, arXiv:1312.6114", {"architecture": "conv"}),
    Preset("cvae", "conditional MLP VAE: the one-hot label enters encoder and decoder",
           "Sohn, Lee & Yan 2015, 'Learning Structured Output Representation using Deep Conditional "
           "Generative Models' (NeurIPS)", {"conditional": True}),
    Preset("beta-vae", "MLP VAE with the KL term weighted by beta = 4 (more disentangled, blurrier)",
           "Higgins et al. 2017, 'beta-VAE' (ICLR)", {"beta": 4.0}),
    Preset("vae-2d", "MLP VAE with a 2-D code, for the latent manifold grid",
           "Kingma & Welling 2014, arXiv:1312.6114, figure 4", {"latent_dim": 2}),
    Preset("dae", "denoising MLP autoencoder: gaussian noise of std 0.3 on [0, 1] pixels, squared error "
           "(gaussian likelihood of std 0.1)",
           "Vincent et al. 2008, 'Extracting and Composing Robust Features with Denoising Autoencoders' (ICML)",
           {"variational": False, "corruption": "gaussian", "likelihood": "gaussian"}),
)}

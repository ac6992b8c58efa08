"""Training configuration: one dataclass, and the presets of the papers.

A preset fixes the algorithm (loss, optimizers, critic steps, Lipschitz
tool); the dataset kind fixes the architecture defaults (MLP for 2D points,
DCGAN for images). Command-line flags override single fields.
"""
import dataclasses
from dataclasses import dataclass, field

from ..data import dataset_kind


@dataclass
class OptimizerSpec:
    """Which optimizer and its hyper-parameters (unused ones are ignored)."""

    name: str = "adam"
    lr: float = 2e-4
    betas: tuple = (0.5, 0.999)
    momentum: float = 0.0
    alpha: float = 0.99


@dataclass
class TrainConfig:
    model: str = "dcgan"
    dataset: str = "ring8"
    loss: str = "non_saturating"
    steps: int = 2000  # generator updates
    batch_size: int = 64
    n_critic: int = 1  # discriminator updates per generator update
    g_optimizer: OptimizerSpec = field(default_factory=OptimizerSpec)
    d_optimizer: OptimizerSpec = field(default_factory=OptimizerSpec)
    lr_schedule: str = "constant"  # or "linear": both rates fall linearly to 0 at the last step
    ema_decay: float = 0.0  # generator weight averaging for sampling (e.g. 0.999); 0 turns it off
    gradient_penalty: float = 0.0  # lambda of WGAN-GP; 0 turns it off
    weight_clip: float = 0.0  # WGAN's clipping bound; 0 turns it off
    spectral_norm: bool = False
    batch_norm_in_d: bool = True
    conditional: bool = False
    pack: int = 1  # PacGAN: samples the discriminator judges jointly
    latent_dim: int = 100
    width: int = 64  # hidden units (MLP) or base channels (DCGAN)
    depth: int = 3  # hidden layers of the MLPs
    data_dir: str = ""
    seed: int = 0
    device: str = "cpu"
    log_every: int = 10
    sample_every: int = 500
    checkpoint_every: int = 500
    eval_samples: int = 2500


LR_SCHEDULES = ("constant", "linear")


def lr_factor(schedule, step, steps):
    """The fraction of the base learning rate used for generator step ``step`` (0-based) of ``steps``."""
    return 1.0 if schedule == "constant" else 1.0 - step / steps


def _adam(lr, beta1, beta2):
    return OptimizerSpec("adam", lr, (beta1, beta2))


PRESETS = {
    # Goodfellow et al. 2014, Algorithm 1: minimax value, k=1, SGD with momentum.
    "gan": dict(loss="minimax", g_optimizer=OptimizerSpec("sgd", 1e-2, momentum=0.9),
                d_optimizer=OptimizerSpec("sgd", 1e-2, momentum=0.9)),
    # The same game with the non-saturating generator loss and Adam, the usual "plain GAN".
    "nsgan": dict(loss="non_saturating", g_optimizer=_adam(2e-4, 0.5, 0.999), d_optimizer=_adam(2e-4, 0.5, 0.999)),
    "dcgan": dict(loss="non_saturating", g_optimizer=_adam(2e-4, 0.5, 0.999), d_optimizer=_adam(2e-4, 0.5, 0.999)),
    "wgan": dict(loss="wasserstein", n_critic=5, weight_clip=0.01, batch_norm_in_d=True,
                 g_optimizer=OptimizerSpec("rmsprop", 5e-5), d_optimizer=OptimizerSpec("rmsprop", 5e-5)),
    "wgan-gp": dict(loss="wasserstein", n_critic=5, gradient_penalty=10.0, batch_norm_in_d=False,
                    g_optimizer=_adam(1e-4, 0.5, 0.9), d_optimizer=_adam(1e-4, 0.5, 0.9)),
    "sngan": dict(loss="hinge", spectral_norm=True, batch_norm_in_d=False,
                  g_optimizer=_adam(2e-4, 0.5, 0.999), d_optimizer=_adam(2e-4, 0.5, 0.999)),
    "cgan": dict(loss="non_saturating", conditional=True,
                 g_optimizer=_adam(2e-4, 0.5, 0.999), d_optimizer=_adam(2e-4, 0.5, 0.999)),
    "lsgan": dict(loss="least_squares", g_optimizer=_adam(2e-4, 0.5, 0.999), d_optimizer=_adam(2e-4, 0.5, 0.999)),
}

# Architecture and schedule defaults per kind of data.
DATA_DEFAULTS = {
    "points": dict(latent_dim=2, width=128, depth=3, batch_size=256, steps=5000, lr_schedule="linear",
                   sample_every=500, checkpoint_every=500),
    "images": dict(latent_dim=64, width=32, batch_size=64, steps=2000, sample_every=250, checkpoint_every=250),
}

# Learning rates tuned for the small 2D problems (the paper settings are for images). WGAN-GP's
# penalty weight is 0.1 there, as in the paper's own toy code: with 10 the whole sample cloud swings
# around the modes for thousands of steps (PyTorch, run beside it, does the same). Its rate is 1.5e-3
# because 5000 steps is a twentieth of the toy code's 100k at 1e-4: at 5e-4 the grid's inner modes
# were still forming when the decay ended (43.6% high-quality samples over 3 seeds; 1.5e-3 gives 88.5%).
POINTS_OVERRIDES = {
    "wgan": dict(g_optimizer=OptimizerSpec("rmsprop", 5e-4), d_optimizer=OptimizerSpec("rmsprop", 5e-4)),
    "wgan-gp": dict(gradient_penalty=0.1, g_optimizer=_adam(1.5e-3, 0.5, 0.9),
                     d_optimizer=_adam(1.5e-3, 0.5, 0.9)),
    "nsgan": dict(g_optimizer=_adam(1e-3, 0.5, 0.999), d_optimizer=_adam(1e-3, 0.5, 0.999)),
    # With one D step per G step the spectrally normalised MLP barely moves (D(x) - D(G(z)) ~ 0.003)
    # and G collapses; 5 steps with Adam (0, 0.9), Miyato et al.'s n_dis = 5 family, keep it tracking.
    "sngan": dict(n_critic=5, g_optimizer=_adam(2e-4, 0.0, 0.9), d_optimizer=_adam(2e-4, 0.0, 0.9)),
}

# On images the papers' settings stand; only the run lengths differ: each is the length measured to
# reach the README's MNIST figures (unconditional samples keep sharpening past 2000 steps).
IMAGE_OVERRIDES = {"dcgan": dict(steps=6000), "wgan-gp": dict(steps=5400), "cgan": dict(steps=3000)}

KIND_OVERRIDES = {"points": POINTS_OVERRIDES, "images": IMAGE_OVERRIDES}


def make_config(model, dataset, **overrides):
    """The preset for ``model`` on ``dataset``, with ``overrides`` (None values ignored) on top."""
    if model not in PRESETS:
        raise ValueError(f"unknown model {model!r}; expected one of {', '.join(PRESETS)}")
    kind = dataset_kind(dataset)
    settings = {**DATA_DEFAULTS[kind], **PRESETS[model], **KIND_OVERRIDES[kind].get(model, {})}
    settings.update({key: value for key, value in overrides.items() if value is not None})
    config = TrainConfig(model=model, dataset=dataset, **settings)
    if config.lr_schedule not in LR_SCHEDULES:
        raise ValueError(f"lr_schedule={config.lr_schedule!r}; expected one of {', '.join(LR_SCHEDULES)}")
    if not 0 <= config.ema_decay < 1:
        raise ValueError(f"ema_decay={config.ema_decay}: expected 0 (off) or a decay in (0, 1)")
    if config.pack < 1 or config.batch_size % config.pack:
        raise ValueError(f"pack={config.pack}: the batch size {config.batch_size} must be a multiple of the "
                         f"PacGAN pack size (a positive integer)")
    if config.conditional and kind != "images":
        raise ValueError(f"model {model!r} needs class labels; dataset {dataset!r} has none (use an image dataset)")
    return config


def config_from_dict(values):
    """Rebuild a TrainConfig from its JSON form (as stored in a run folder)."""
    values = dict(values)
    for key in ("g_optimizer", "d_optimizer"):
        spec = dict(values[key])
        spec["betas"] = tuple(spec["betas"])
        values[key] = OptimizerSpec(**spec)
    return TrainConfig(**values)


def as_dict(config):
    return dataclasses.asdict(config)

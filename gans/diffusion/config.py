"""The diffusion family's settings (one dataclass, each field with its help text and limits) and the
options of its samplers (the `sample` command's flags)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Tuple

from ..run.settings import setting
from .objective import PREDICTIONS
from .sampling import CLIP_RULES, SPACINGS
from .schedule import SCHEDULES

DENOISERS = ("mlp", "unet")
SAMPLERS = ("ddpm", "ddim")


@dataclass
class DiffusionConfig:
    """A denoising diffusion model: its schedule, denoiser, objective and optimiser."""

    schedule: str = setting("linear", "noise schedule (linear: DDPM's, rescaled to T; cosine: improved-diffusion's)",
                            choices=SCHEDULES)
    timesteps: int = setting(1000, "diffusion steps T", minimum=2)
    prediction: str = setting("eps", "what the denoiser predicts: the noise, x0, or v", choices=PREDICTIONS)
    denoiser: str = setting("unet", "network: an MLP for points or a U-Net for images", choices=DENOISERS)
    conditional: bool = setting(False, "condition on the class label (classifier-free guidance at sampling)")
    label_drop: float = setting(0.1, "probability of training on the null label instead (for guidance)",
                                minimum=0.0, maximum=0.99)
    lr: float = setting(2e-4, "Adam learning rate", above=0.0)
    warmup_steps: int = setting(200, "steps of linear learning-rate warm-up from 0", minimum=0)
    grad_clip: float = setting(1.0, "clip the gradient's global L2 norm to this (0: no clipping)", minimum=0.0)
    clip_x0: bool = setting(True, "clip the predicted x0 while sampling: images to [-1, 1], points to 3 spreads")
    base_channels: int = setting(16, "U-Net channels at full resolution", minimum=1)
    channel_mults: Tuple[int, int, int] = setting((1, 2, 2), "U-Net channel multipliers of its 3 resolutions",
                                                  minimum=1)
    blocks_per_level: int = setting(1, "U-Net residual blocks per resolution", minimum=1)
    attention: bool = setting(True, "U-Net self-attention at its coarsest resolution (7x7 for 28x28)")
    hidden: int = setting(128, "MLP width", minimum=1)
    depth: int = setting(3, "MLP residual blocks", minimum=0)
    embedding_dim: int = setting(64, "MLP: sinusoidal features per input coordinate and for t (even)", minimum=2)
    input_scale: float = setting(25.0, "MLP: frequency scale of the inputs' sinusoidal embedding", above=0.0)


@dataclass
class SamplingOptions:
    """How `sample` draws from a diffusion model."""

    sampler: str = setting("ddpm", "ddpm: T ancestral steps; ddim: --steps deterministic (eta 0) or noisy steps",
                           choices=SAMPLERS)
    steps: int = setting(0, "DDIM steps (0: all T)", minimum=0)
    eta: float = setting(0.0, "DDIM noise: 0 deterministic, 1 as ancestral", minimum=0.0)
    spacing: str = setting("uniform", "DDIM timesteps: evenly spaced, or quadratic (denser near the data)",
                           choices=SPACINGS)
    guidance: float = setting(0.0, "classifier-free guidance weight w: (1 + w) cond - w uncond (conditional models)",
                              minimum=0.0)
    clip: str = setting("auto", "predicted x0 to the data's range: recompute-eps from it, keep-eps (x0 alone), off; "
                        "auto: the model's clip_x0 (recompute-eps)", choices=CLIP_RULES)

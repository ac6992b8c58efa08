"""The diffusion family's settings: one dataclass, each field with its help text."""
from __future__ import annotations

from dataclasses import dataclass, field

from .objective import PREDICTIONS
from .schedule import SCHEDULES

DENOISERS = ("mlp", "unet")


def setting(default, help_text: str, **extra):
    return field(default=default, metadata={"help": help_text, **extra})


@dataclass
class DiffusionConfig:
    """A denoising diffusion model: its schedule, denoiser, objective and optimiser."""

    schedule: str = setting("linear", "noise schedule", choices=SCHEDULES)
    timesteps: int = setting(1000, "diffusion steps T (the linear schedule is rescaled to span the same noise)")
    prediction: str = setting("eps", "what the denoiser predicts: the noise, x0, or v", choices=PREDICTIONS)
    denoiser: str = setting("unet", "network: an MLP for points or a U-Net for images", choices=DENOISERS)
    conditional: bool = setting(False, "condition on the class label (classifier-free guidance at sampling)")
    label_drop: float = setting(0.1, "probability of training a label as the null label (unconditional)")
    lr: float = setting(2e-4, "Adam learning rate")
    warmup_steps: int = setting(200, "steps of linear learning-rate warm-up from 0")
    grad_clip: float = setting(1.0, "clip the gradient's global L2 norm to this (0: no clipping)")
    # U-Net
    base_channels: int = setting(16, "U-Net channels at full resolution")
    channel_mults: tuple = setting((1, 2, 2), "U-Net channel multiplier per resolution (each halves H, W)")
    blocks_per_level: int = setting(1, "U-Net residual blocks per resolution")
    attention_levels: tuple = setting((2,), "U-Net resolutions (0 = full) with self-attention")
    # MLP
    hidden: int = setting(128, "MLP width")
    depth: int = setting(3, "MLP residual blocks")
    embedding_dim: int = setting(64, "sinusoidal features per input coordinate and for t (MLP)")
    input_scale: float = setting(25.0, "frequency scale of the inputs' sinusoidal embedding (MLP)")

    def check(self) -> "DiffusionConfig":
        """Raise a one-line ValueError naming the first bad setting."""
        problems = [
            (self.schedule in SCHEDULES, "schedule", f"one of {SCHEDULES}"),
            (self.prediction in PREDICTIONS, "prediction", f"one of {PREDICTIONS}"),
            (self.denoiser in DENOISERS, "denoiser", f"one of {DENOISERS}"),
            (self.timesteps >= 2, "timesteps", ">= 2"),
            (0 <= self.label_drop < 1, "label_drop", "in [0, 1)"),
            (self.lr > 0, "lr", "> 0"),
            (self.warmup_steps >= 0, "warmup_steps", ">= 0"),
            (self.grad_clip >= 0, "grad_clip", ">= 0"),
            (self.base_channels >= 1, "base_channels", ">= 1"),
            (len(self.channel_mults) >= 1 and min(self.channel_mults) >= 1, "channel_mults", "integers >= 1"),
            (self.blocks_per_level >= 1, "blocks_per_level", ">= 1"),
            (self.hidden >= 1 and self.depth >= 0, "hidden/depth", "hidden >= 1 and depth >= 0"),
            (self.embedding_dim >= 2 and self.embedding_dim % 2 == 0, "embedding_dim", "an even number >= 2"),
        ]
        for ok, name, expected in problems:
            if not ok:
                raise ValueError(f"diffusion: {name}={getattr(self, name, None)!r} must be {expected}")
        return self

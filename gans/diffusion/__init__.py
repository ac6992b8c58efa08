"""The diffusion family: noise schedules, denoisers (an MLP for points, a U-Net for images), the simple
loss, and the DDPM and DDIM samplers with classifier-free guidance, on the generic trainer."""
from ..run.family import Family
from .config import DiffusionConfig, SamplingOptions
from .embedding import TimeEmbedding, sinusoidal_embedding
from .model import DiffusionModel
from .objective import PREDICTIONS, diffusion_loss
from .point_denoiser import PointDenoiser
from .presets import KIND_DEFAULTS, PRESETS
from .sampling import Denoising, SamplerStep, ddim_sample, ddpm_sample
from .schedule import SCHEDULES, NoiseSchedule
from .unet import ResidualBlock, SelfAttention, UNet


def check(spec, info):
    """Settings that cannot work on this data, refused before anything is allocated."""
    config = spec.model
    if config.conditional and info.num_classes is None:
        raise ValueError(f"--conditional needs class labels; dataset {info.name!r} has none")
    wanted = {"mlp": 1, "unet": 3}[config.denoiser]
    if len(info.sample_shape) != wanted:
        raise ValueError(f"--denoiser {config.denoiser} takes samples with {wanted} dims; dataset {info.name!r} "
                         f"has shape {tuple(info.sample_shape)} (use --denoiser {'unet' if wanted == 1 else 'mlp'})")
    if config.embedding_dim % 2:
        raise ValueError(f"--embedding-dim must be even, got {config.embedding_dim}")
    if config.schedule == "linear" and config.timesteps <= 20:
        raise ValueError(f"--timesteps {config.timesteps}: the rescaled linear schedule needs T > 20 (or --schedule "
                         f"cosine)")


FAMILY = Family(
    name="diffusion",
    help="denoising diffusion: DDPM/DDIM sampling, linear or cosine noise, classifier-free guidance",
    config_class=DiffusionConfig,
    presets=PRESETS,
    data_kinds=("points", "images"),
    build=DiffusionModel,
    default_dataset="ring8",
    kind_defaults=KIND_DEFAULTS,
    sample_options=SamplingOptions,
    check=check,
)

__all__ = [
    "FAMILY", "DiffusionConfig", "DiffusionModel", "SamplingOptions", "NoiseSchedule", "SCHEDULES", "PREDICTIONS",
    "diffusion_loss", "sinusoidal_embedding", "TimeEmbedding", "PointDenoiser", "UNet", "ResidualBlock",
    "SelfAttention", "Denoising", "SamplerStep", "ddpm_sample", "ddim_sample",
]

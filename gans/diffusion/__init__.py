"""The diffusion family: noise schedules, denoisers (an MLP for points, a U-Net for images), the simple
loss, and the DDPM and DDIM samplers with classifier-free guidance."""
from .embedding import TimeEmbedding, sinusoidal_embedding
from .objective import PREDICTIONS, diffusion_loss
from .point_denoiser import PointDenoiser
from .sampling import Denoising, SamplerStep, ddim_sample, ddpm_sample
from .schedule import SCHEDULES, NoiseSchedule
from .unet import ResidualBlock, SelfAttention, UNet

__all__ = [
    "NoiseSchedule", "SCHEDULES", "PREDICTIONS", "diffusion_loss", "sinusoidal_embedding", "TimeEmbedding",
    "PointDenoiser", "UNet", "ResidualBlock", "SelfAttention", "Denoising", "SamplerStep", "ddpm_sample",
    "ddim_sample",
]

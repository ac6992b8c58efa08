"""The diffusion family's presets (data: help text and source) and its per-kind defaults."""
from ..run.family import Preset

DDPM = "Ho, Jain and Abbeel 2020, Denoising Diffusion Probabilistic Models (arXiv:2006.11239)"
IMPROVED = "Nichol and Dhariwal 2021, Improved Denoising Diffusion Probabilistic Models (openai/improved-diffusion)"
GUIDANCE = "Ho and Salimans 2022, Classifier-Free Diffusion Guidance (arXiv:2207.12598)"

# Points: tiny-diffusion's MLP on embedded inputs (tanelp/tiny-diffusion), a faster rate for the small net,
# and T = 1000: the toy modes are narrow (ring8's std is 0.01), and at T = 100 the first step's noise
# (std 0.03) is already as wide as a mode's high-quality disc, so samples land beside the modes.
# Images: a U-Net of 16/32/32 channels (28/14/7 pixels), sized for a CPU; a short run wants a fast rate
# and a short EMA horizon.
KIND_DEFAULTS = {
    "points": dict(denoiser="mlp", timesteps=1000, lr=1e-3, warmup_steps=100, ema_decay=0.999, ema_warmup=True,
                   steps=5000),
    "images": dict(denoiser="unet", lr=1e-3, warmup_steps=100, ema_decay=0.995, ema_warmup=True, steps=3000),
}

PRESETS = {
    "ddpm": Preset("ddpm", "DDPM: linear betas 1e-4..0.02 at T=1000, noise prediction, simple loss", DDPM),
    "ddpm-cosine": Preset("ddpm-cosine", "DDPM with the cosine schedule (s = 0.008)", IMPROVED,
                          dict(schedule="cosine")),
    "ddpm-cond": Preset("ddpm-cond", "class-conditional DDPM, labels dropped with p = 0.1 for classifier-free "
                                     "guidance", GUIDANCE, dict(conditional=True, label_drop=0.1)),
}

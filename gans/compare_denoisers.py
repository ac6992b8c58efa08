"""The denoising autoencoder beside the diffusion model, both given the same noisy test digits.

For each noise std σ, test digits p in [0, 1] (the autoencoder family's pixels) get Gaussian noise,
p~ = p + σ ε (not clipped, as the DAE's own figures), and five images are scored by PSNR (dB, peak 1)
and SSIM against p: the noisy input, the DAE's one-step output, the diffusion model's one-step
estimate of x0, and its sampler run from there down to t = 0 (DDIM with eta = 0 in K steps, and
optionally DDPM's ancestral steps).

The scaling. The diffusion model works on x0 = 2p - 1 in [-1, 1], where the same noisy image is
x~ = 2p~ - 1 = x0 + 2σ ε. Its forward process is x_t = sqrt(ab_t) x0 + sqrt(1 - ab_t) ε, i.e.
x_t / sqrt(ab_t) = x0 + sqrt((1 - ab_t) / ab_t) ε: x~ is x_t / sqrt(ab_t) at the timestep whose
sqrt((1 - ab_t) / ab_t) is 2σ. So the model starts at the timestep t closest to that, from
x_t = sqrt(ab_t) x~ (whose noise std, sqrt(ab_t) 2σ, is then close to the sqrt(1 - ab_t) the model
expects at t), and its x0 comes back as p = (x0 + 1) / 2. The one-step estimate is one DDIM step
from (x_t, t), which is the denoiser's own prediction of x0 (clipped to [-1, 1] when the model
clips). A conditional diffusion model is asked with the null label (unconditional), like the DAE.
"""
from __future__ import annotations

import numpy as np

import minigrad

from . import families
from .data import describe, load_idx_dataset, scale_images
from .metrics.psnr import psnr, ssim
from .run.checkpoint import load_sampler

DEFAULT_NOISE_STDS = (0.1, 0.3, 0.5)
DEFAULT_DDIM_STEPS = (20,)
BATCH_SIZE = 100


def pixel_noise_stds(schedule) -> np.ndarray:
    """The noise std on [0, 1] pixels that each timestep stands for: sqrt((1 - ab_t) / ab_t) / 2."""
    return np.sqrt((1 - schedule.alpha_bar) / schedule.alpha_bar) / 2


def matching_timestep(schedule, noise_std: float) -> int:
    """The timestep t whose pixel noise std is closest to `noise_std` (sqrt((1 - ab_t) / ab_t) to 2 noise_std)."""
    return int(np.argmin(np.abs(pixel_noise_stds(schedule) - noise_std)))


def autoencoder_denoiser(autoencoder):
    """noisy pixels (N, 1, H, W) in [0, 1] units -> the autoencoder's reconstruction, NumPy."""
    device = next(iter(autoencoder.parameters())).device

    @minigrad.no_grad()
    def denoise(noisy, noise_std):
        autoencoder.eval()
        return autoencoder.reconstruct(minigrad.tensor(noisy, device=device)).numpy()

    return denoise


def diffusion_denoisers(model, ddim_steps=DEFAULT_DDIM_STEPS, ancestral=False, rng=None):
    """{name: noisy pixels, noise std -> pixels} of the diffusion model started at the matching
    timestep: "diffusion_one_step", "ddim{K}" for each K (at most t + 1 steps), and "ddpm" (t + 1
    ancestral steps drawn from `rng`) when `ancestral`."""
    def sampler(sampler_name, steps=0):
        def denoise(noisy, noise_std):
            t = matching_timestep(model.schedule, noise_std)
            start = np.sqrt(model.schedule.alpha_bar[t]) * (2 * noisy - 1)
            x0 = model.sample(len(noisy), sampler=sampler_name, steps=min(steps, t + 1), start=(start, t), rng=rng)
            return (x0 + 1) / 2

        return denoise

    denoisers = {"diffusion_one_step": sampler("ddim", 1)}
    denoisers.update({f"ddim{steps}": sampler("ddim", steps) for steps in ddim_steps})
    if ancestral:
        denoisers["ddpm"] = sampler("ddpm")
    return denoisers


def compare_denoisers(clean, noise_stds, denoisers, rng, batch_size=BATCH_SIZE, log=None):
    """One row per noise std: mean PSNR and SSIM against `clean` (N, C, H, W in [0, 1]) of the noisy
    images ("noisy") and of each denoiser's output; noise drawn from `rng`, the same for all."""
    noise_stds = [float(noise_std) for noise_std in noise_stds]
    if not noise_stds or min(noise_stds) <= 0:
        raise ValueError(f"compare_denoisers: noise stds must be > 0 (on [0, 1] pixels), got {noise_stds}")
    rows = []
    for noise_std in noise_stds:
        if log is not None:
            log(f"noise std {noise_std}: {len(clean)} test images through {', '.join(denoisers)}")
        scores = {}
        for begin in range(0, len(clean), batch_size):
            batch = clean[begin:begin + batch_size]
            noisy = (batch + noise_std * rng.standard_normal(batch.shape)).astype(np.float32)
            outputs = {"noisy": noisy, **{name: denoise(noisy, noise_std) for name, denoise in denoisers.items()}}
            for name, output in outputs.items():
                scores.setdefault(f"psnr_{name}", []).append(psnr(output, batch))
                scores.setdefault(f"ssim_{name}", []).append(ssim(output, batch))
        rows.append({"noise_std": noise_std,
                     **{key: float(np.concatenate(parts).mean()) for key, parts in scores.items()}})
    return rows


# ------------------------------------------------------------------ from run folders
def load_pair(dae_checkpoint, diffusion_checkpoint, device="cpu", seed=0):
    """(DAE model, its step, diffusion model, its step, dataset name) of two checkpoints, checked:
    a denoising autoencoder, a diffusion model of images, both of the same dataset."""
    dae_spec, dae, dae_step = _load(dae_checkpoint, device, seed)
    if dae_spec.family != "autoencoder" or dae.config.corruption == "none":
        raise ValueError(f"--dae {dae_checkpoint}: a {dae_spec.preset!r} run of the {dae_spec.family} family, "
                         f"not a denoising autoencoder (one trained with --corruption, e.g. the dae preset)")
    diffusion_spec, diffusion, diffusion_step = _load(diffusion_checkpoint, device, seed)
    if diffusion_spec.family != "diffusion":
        raise ValueError(f"--diffusion {diffusion_checkpoint}: a {diffusion_spec.preset!r} run of the "
                         f"{diffusion_spec.family} family, not a diffusion model")
    if diffusion_spec.run.dataset != dae_spec.run.dataset:
        raise ValueError(f"--diffusion {diffusion_checkpoint} was trained on {diffusion_spec.run.dataset}, "
                         f"the --dae run on {dae_spec.run.dataset}; both need the same images")
    return dae, dae_step, diffusion, diffusion_step, dae_spec.run.dataset


def _load(checkpoint, device, seed):
    return load_sampler(checkpoint, families.get_family, device, seed, upgrades=families.checkpoint_upgrades())


def held_out_pixels(dataset, n, data_dir=None):
    """The first n test images of `dataset` as [0, 1] pixels (N, 1, 28, 28) float32."""
    images, _ = load_idx_dataset(getattr(describe(dataset), "source_name", dataset), "test", data_dir or None)
    return (scale_images(images[:n]) + 1) / 2


def run_comparison(dae_checkpoint, diffusion_checkpoint, noise_stds=DEFAULT_NOISE_STDS, n=1000,
                   ddim_steps=DEFAULT_DDIM_STEPS, ancestral=False, seed=0, data_dir=None, device="cpu", log=None):
    """{"settings": ..., "rows": compare_denoisers rows, each with its timestep t and the noise std t
    stands for} of two run folders (or checkpoint files) on the first n test images."""
    dae, dae_step, diffusion, diffusion_step, dataset = load_pair(dae_checkpoint, diffusion_checkpoint, device, seed)
    clean = held_out_pixels(dataset, n, data_dir)
    denoisers = {"dae": autoencoder_denoiser(dae.autoencoder),
                 **diffusion_denoisers(diffusion, ddim_steps, ancestral, np.random.default_rng([seed, 1]))}
    rows = compare_denoisers(clean, noise_stds, denoisers, np.random.default_rng(seed), log=log)
    for row in rows:
        t = matching_timestep(diffusion.schedule, row["noise_std"])
        row.update(timestep=t, timestep_noise_std=float(pixel_noise_stds(diffusion.schedule)[t]),
                   **{f"ddim{steps}_steps": min(steps, t + 1) for steps in ddim_steps})
    settings = {"dae": str(dae_checkpoint), "dae_step": dae_step, "dae_noise_std": dae.config.noise_std,
                "diffusion": str(diffusion_checkpoint), "diffusion_step": diffusion_step, "dataset": dataset,
                "n": len(clean), "seed": seed, "ddim_steps": list(ddim_steps), "ancestral": ancestral}
    return {"settings": settings, "rows": rows}


def table(result):
    """The rows as a markdown table: PSNR dB / SSIM of each image against the clean digit."""
    rows = result["rows"]
    names = [key[len("psnr_"):] for key in rows[0] if key.startswith("psnr_")]
    header = "| noise std | t (its std) | " + " | ".join(names) + " |"
    lines = [header, "|" + "---|" * (len(names) + 2)]
    for row in rows:
        cells = [f"{row[f'psnr_{name}']:.2f} / {row[f'ssim_{name}']:.3f}" for name in names]
        lines.append(f"| {row['noise_std']:g} | {row['timestep']} ({row['timestep_noise_std']:.3f}) | "
                     + " | ".join(cells) + " |")
    return "\n".join(lines)

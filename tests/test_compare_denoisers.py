"""`python -m gans denoise`: a denoising autoencoder beside a diffusion model from the same noisy digits.

The diffusion side is checked against the closed-form optimal denoiser of Gaussian data (its one-step
PSNR has a formula); the command runs end to end on tiny models trained for a few steps on MNIST
(skipped without the files), its DAE column cross-checked against the family's own denoising figures.
"""
import json
import math
import re
from pathlib import Path

import numpy
import pytest

from gans.autoencoder.evaluation import denoising_quality
from gans.cli import main
from gans.compare_denoisers import compare_denoisers, diffusion_denoisers, matching_timestep, pixel_noise_stds
from gans.data import describe, load_idx_dataset, scale_images
from gans.diffusion import FAMILY as DIFFUSION, NoiseSchedule
from gans.families import get_family
from gans.run import load_sampler, resolve
from test_diffusion_sampling import gaussian_optimal_denoiser

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
NEEDS_MNIST = pytest.mark.skipif(not (SHARED_DATA / "mnist").is_dir(), reason=f"MNIST not found at {SHARED_DATA}")
PIXEL_MEAN, PIXEL_STD = 0.5, 0.5  # Gaussian "digits" (x0 = 2 p - 1 of std 1, so the estimate leans on x_t)


def test_the_matching_timestep_is_the_one_whose_noise_to_signal_ratio_is_twice_the_pixel_std():
    schedule = NoiseSchedule.named("linear", 1000)
    ratio = numpy.sqrt((1 - schedule.alpha_bar) / schedule.alpha_bar)
    for noise_std in (0.01, 0.1, 0.3, 0.5, 2.0):
        t = matching_timestep(schedule, noise_std)
        assert numpy.all(abs(ratio[t] - 2 * noise_std) <= numpy.abs(ratio - 2 * noise_std))
        assert pixel_noise_stds(schedule)[t] == pytest.approx(ratio[t] / 2)
    assert abs(pixel_noise_stds(schedule)[matching_timestep(schedule, 0.3)] - 0.3) < 0.002


def gaussian_diffusion_model():
    """A diffusion model of 28x28 images whose denoiser is the exact one for pixels ~ N(0.5, 0.5^2)."""
    spec = resolve(DIFFUSION, "ddpm", describe("mnist"), dict(base_channels=4, clip_x0=False))
    model = DIFFUSION.build(spec.model, spec.run, describe("mnist"), numpy.random.default_rng(0))
    model.denoiser = gaussian_optimal_denoiser(model.schedule, "eps", mean=0.0, std=2 * PIXEL_STD)
    return model


def one_step_psnr(schedule, t, noise_std):
    """PSNR (dB, [0, 1] pixels) of E[x0 | x_t] at x_t = sqrt(ab_t)(x0 + 2 noise_std eps): the posterior
    mean assumes noise sqrt(1 - ab_t), the input carries sqrt(ab_t) 2 noise_std."""
    a2, std = schedule.alpha_bar[t], 2 * PIXEL_STD
    gain = math.sqrt(a2) * std ** 2 / (a2 * std ** 2 + 1 - a2)
    mse = (gain * math.sqrt(a2) - 1) ** 2 * std ** 2 + (gain * math.sqrt(a2) * 2 * noise_std) ** 2
    return -10 * math.log10(mse / 4)


def test_the_one_step_diffusion_estimate_of_gaussian_data_has_the_closed_form_psnr():
    model = gaussian_diffusion_model()
    clean = (PIXEL_MEAN + PIXEL_STD * numpy.random.default_rng(1).standard_normal((200, 1, 28, 28))).astype("float32")
    denoisers = diffusion_denoisers(model, ddim_steps=(5,))
    rows = compare_denoisers(clean, (0.1, 0.3, 0.5), denoisers, numpy.random.default_rng(2), batch_size=64)
    for row in rows:
        t = matching_timestep(model.schedule, row["noise_std"])
        # per-image PSNR of 784 Gaussian errors: mean within 0.02 dB (1 s.e.) of the formula's
        assert row["psnr_noisy"] == pytest.approx(-20 * math.log10(row["noise_std"]), abs=0.06)
        assert row["psnr_diffusion_one_step"] == pytest.approx(one_step_psnr(model.schedule, t, row["noise_std"]),
                                                               abs=0.06)
        assert row["psnr_diffusion_one_step"] > row["psnr_ddim5"] > row["psnr_noisy"]  # the mean beats a draw


def test_noise_stds_must_be_positive():
    with pytest.raises(ValueError, match=r"compare_denoisers: noise stds must be > 0 .*got \[0.1, 0.0\]"):
        compare_denoisers(numpy.zeros((2, 1, 4, 4)), (0.1, 0), {}, numpy.random.default_rng(0))


# ---------------------------------------------------------------- the command, on tiny trained models
@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    if not (SHARED_DATA / "mnist").is_dir():
        pytest.skip(f"MNIST not found at {SHARED_DATA}")
    folder = tmp_path_factory.mktemp("denoisers")
    common = ["--steps", "2", "--batch-size", "8", "--data-dir", str(SHARED_DATA), "--quiet"]
    trained = {"dae": ["dae", "--hidden", "8", "--latent-dim", "2"], "vae": ["vae", "--hidden", "8"],
               "ddpm": ["ddpm-cond", "--dataset", "mnist", "--base-channels", "4", "--timesteps", "30",
                        "--schedule", "cosine"],
               "points": ["ddpm", "--hidden", "8", "--depth", "1", "--timesteps", "30", "--schedule", "cosine"]}
    for name, arguments in trained.items():
        assert main(["train", *arguments, *common, "--out", str(folder / name)]) == 0
    return folder


def denoise(runs, *extra, dae="dae", diffusion="ddpm"):
    return main(["denoise", "--dae", str(runs / dae), "--diffusion", str(runs / diffusion), "--n", "12",
                 "--data-dir", str(SHARED_DATA), *extra])


@NEEDS_MNIST
def test_the_command_scores_every_denoiser_and_its_dae_column_matches_the_familys_own(runs, tmp_path, capsys):
    results = tmp_path / "denoising.json"
    assert denoise(runs, "--noise-stds", "0.1", "0.5", "--ddim-steps", "3", "50", "--ancestral",
                   "--results", str(results)) == 0
    out = capsys.readouterr().out
    assert out.startswith("| noise std | t (its std) | noisy | dae | diffusion_one_step | ddim3 | ddim50 | ddpm |")
    written = json.loads(results.read_text())
    assert written["settings"]["n"] == 12 and written["settings"]["ancestral"] is True
    schedule = load_sampler(runs / "ddpm", get_family)[1].schedule
    _, dae, _ = load_sampler(runs / "dae", get_family)
    images = scale_images(load_idx_dataset("mnist", "test", SHARED_DATA)[0][:12])
    own = denoising_quality(dae.autoencoder, images, numpy.zeros(12, int), numpy.random.default_rng(0), (0.1, 0.5))
    for row, reference in zip(written["rows"], own):
        t = matching_timestep(schedule, row["noise_std"])
        assert row["timestep"] == t and row["ddim3_steps"] == 3 and row["ddim50_steps"] == t + 1
        for name in ("noisy", "dae"):  # the same noise, drawn from the same seed
            reference_name = "noisy" if name == "noisy" else "denoised"
            assert row[f"psnr_{name}"] == pytest.approx(reference[f"psnr_{reference_name}"], abs=1e-3)
            assert row[f"ssim_{name}"] == pytest.approx(reference[f"ssim_{reference_name}"], abs=1e-4)
        for name in ("diffusion_one_step", "ddim3", "ddim50", "ddpm"):
            assert numpy.isfinite(row[f"psnr_{name}"]) and -1 <= row[f"ssim_{name}"] <= 1, name
        assert f"| {row['noise_std']:g} | {t} (" in out


@NEEDS_MNIST
@pytest.mark.parametrize("arguments, message", [
    (dict(dae="ddpm"), "--dae .*ddpm: a 'ddpm-cond' run of the diffusion family, not a denoising autoencoder"),
    (dict(dae="vae"), "--dae .*vae: a 'vae' run of the autoencoder family, not a denoising autoencoder"),
    (dict(diffusion="dae"), "--diffusion .*dae: a 'dae' run of the autoencoder family, not a diffusion model"),
    (dict(diffusion="points"), "--diffusion .*points was trained on ring8, the --dae run on mnist"),
    (dict(extra=("--noise-stds", "0.3", "0")), "--noise-stds: expected a number > 0, got '0'"),
    (dict(extra=("--noise-stds", "-0.1")), "--noise-stds: expected a number > 0, got '-0.1'"),
    (dict(extra=("--ddim-steps", "0")), "--ddim-steps: expected an integer >= 1, got '0'")])
def test_bad_input_is_a_one_line_error_with_exit_2(runs, capsys, arguments, message):
    extra = arguments.pop("extra", ())
    assert denoise(runs, *extra, **arguments) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and re.search(message, err), err

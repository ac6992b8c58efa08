"""The autoencoder family's evaluation report on real MNIST test digits (skipped without them), with
an untrained classifier standing in for the cached one (the report's plumbing, not its values)."""
from pathlib import Path

import numpy as np
import pytest

from gans.autoencoder.config import PRESETS, AutoencoderConfig
from gans.autoencoder.model import AutoencoderModel
from gans.autoencoder.report import evaluate_autoencoder
from gans.data import load_mnist, scale_images
from gans.metrics.classifier import ClassifierConfig, ClassifierNet, ImageClassifier
from gans.metrics.sharpness import sharpness

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
pytestmark = pytest.mark.skipif(not (SHARED_DATA / "mnist").is_dir(), reason=f"MNIST not found at {SHARED_DATA}")


@pytest.fixture(scope="module")
def digits():
    images, labels = load_mnist("test", SHARED_DATA, download=False)
    return scale_images(images[:60]), labels[:60]


def report(settings, digits, out):
    config = AutoencoderConfig(**{**settings, "hidden": 8, "latent_dim": 2})
    model = AutoencoderModel(config, np.random.default_rng(0))
    classifier = ImageClassifier(ClassifierNet(), "mnist", ClassifierConfig())
    return evaluate_autoencoder(model.autoencoder, model.sample, *digits, classifier, out, data_dir=SHARED_DATA,
                                n_samples=40, iwae_samples=4, iwae_images=10)


def test_a_cvae_reports_likelihood_sample_quality_sharpness_and_the_asked_for_share(digits, tmp_path):
    figures = report(PRESETS["cvae"].settings, digits, tmp_path)
    assert figures["test_iwae_nll"] <= figures["test_negative_elbo"] + 5  # one noise draw each: loosely ordered
    assert figures["iwae_images"] == 10 and figures["iwae_samples"] == 4
    assert 0 <= figures["asked_for_digit"] <= 1 and figures["n_samples"] == 40
    assert figures["gradient_magnitude_real"] == pytest.approx(sharpness(digits[0][:40])["gradient_magnitude"])
    assert {"frechet_distance", "confident_fraction", "laplacian_variance"} <= figures.keys()
    names = {path.name for path in tmp_path.iterdir()}
    assert names == {"samples.png", "reconstructions.png", "interpolations.png", "latent_manifold.png",
                     "class_rows.png"}


def test_a_denoising_autoencoder_reports_psnr_for_each_noise_level(digits, tmp_path):
    figures = report(PRESETS["dae"].settings, digits, tmp_path)
    assert "test_iwae_nll" not in figures and "test_kl" not in figures
    for noise_std, expected_noisy_psnr in ((0.1, 20.0), (0.3, 10.46), (0.5, 6.02)):
        assert figures[f"psnr_noisy@{noise_std}"] == pytest.approx(expected_noisy_psnr, abs=0.2)
        assert f"ssim_denoised@{noise_std}" in figures
    assert (tmp_path / "denoising.png").is_file()

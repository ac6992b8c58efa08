"""The autoencoder family through the run layer and the CLI on MNIST (skipped without the files):
train, exact resume, sample from the checkpoint alone, and `evaluate` with the family's own figures
and pictures (an untrained classifier stands in for the cached one: the plumbing, not the values)."""
import json
from pathlib import Path

import numpy as np
import pytest

import minigrad
from gans.autoencoder import FAMILY
from gans.autoencoder.config import EvaluationOptions
from gans.autoencoder.report import evaluate_autoencoder
from gans.cli import main
from gans.data import describe, load_mnist, scale_images
from gans.metrics.classifier import ClassifierConfig, ClassifierNet, ImageClassifier
from gans.run import Trainer, resolve
from run_checks import assert_same_state, checkpoint, flat_arrays

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
pytestmark = pytest.mark.skipif(not (SHARED_DATA / "mnist").is_dir(), reason=f"MNIST not found at {SHARED_DATA}")
TINY = ["--hidden", "8", "--latent-dim", "2", "--batch-size", "16",
        "--data-dir", str(SHARED_DATA), "--quiet"]


FEW = ["--eval-images", "200", "--iwae-samples", "3", "--iwae-images", "10"]  # evaluate's options


def train(preset, out, steps=3, *extra):
    return main(["train", preset, "--steps", str(steps), "--out", str(out), *TINY, *extra])


@pytest.fixture
def untrained_classifier(monkeypatch):
    minigrad.manual_seed(0)
    classifier = ImageClassifier(ClassifierNet(), "mnist", ClassifierConfig(), test_accuracy=None)
    monkeypatch.setattr("gans.metrics.classifier.load_or_train_classifier", lambda *args, **kwargs: classifier)


@pytest.mark.parametrize("preset", ["cvae", "dae"])
def test_resuming_half_way_reproduces_the_uninterrupted_run(preset, tmp_path):
    settings = dict(steps=4, batch_size=16, hidden=8, log_every=1, checkpoint_every=2, data_dir=str(SHARED_DATA))
    spec = resolve(FAMILY, preset, describe("mnist"), settings)
    Trainer(FAMILY, spec, tmp_path / "whole").train()
    Trainer(FAMILY, resolve(FAMILY, preset, describe("mnist"), {**settings, "steps": 2}), tmp_path / "halves").train()
    Trainer(FAMILY, spec, tmp_path / "halves", resume=True).train()
    assert_same_state(tmp_path / "whole", tmp_path / "halves")
    assert any("covariance" in key for key in flat_arrays(checkpoint(tmp_path / "whole"))) == (preset == "dae")


def test_a_cvae_trains_samples_asked_digits_and_evaluates_with_its_own_figures(tmp_path, capsys,
                                                                                untrained_classifier):
    run = tmp_path / "cvae"
    assert train("cvae", run) == 0
    assert main(["sample", "--checkpoint", str(run), "--n", "6", "--label", "4", "--out", str(tmp_path / "s.npy")]) == 0
    samples = np.load(tmp_path / "s.npy")
    assert samples.shape == (6, 1, 28, 28) and np.abs(samples).max() <= 1
    capsys.readouterr()
    assert main(["evaluate", "--checkpoint", str(run), "--n", "40", "--data-dir", str(SHARED_DATA), *FEW]) == 0
    figures = json.loads(capsys.readouterr().out)
    assert figures == json.loads((run / "evaluation.json").read_text())
    assert 0 <= figures["conditional_accuracy"] <= 1 and figures["iwae_images"] == 10 and figures["iwae_samples"] == 3
    for key in ("test_negative_elbo", "test_kl", "test_iwae_nll", "frechet_distance", "gradient_magnitude",
                "laplacian_variance_real"):
        assert np.isfinite(figures[key]), key
    assert {path.name for path in (run / "pictures").iterdir()} == {
        "samples.png", "reconstructions.png", "interpolations.png", "latent_manifold.png", "class_rows.png"}


def test_a_dae_evaluates_psnr_against_the_noisy_inputs_at_three_noise_levels(tmp_path, capsys, untrained_classifier):
    run = tmp_path / "dae"
    assert train("dae", run) == 0
    capsys.readouterr()
    assert main(["evaluate", "--checkpoint", str(run), "--n", "40", "--data-dir", str(SHARED_DATA), *FEW]) == 0
    figures = json.loads(capsys.readouterr().out)
    assert figures.keys().isdisjoint({"test_iwae_nll", "test_kl", "test_negative_elbo"})
    assert np.isfinite(figures["test_reconstruction"])
    for noise_std, noisy_psnr in ((0.1, 20.0), (0.3, 10.46), (0.5, 6.02)):  # -20 log10(std), unclipped noise
        assert figures[f"psnr_noisy@{noise_std}"] == pytest.approx(noisy_psnr, abs=0.05)
        assert np.isfinite(figures[f"ssim_denoised@{noise_std}"])
    assert (run / "pictures" / "denoising.png").is_file()


def test_bad_settings_are_one_line_errors_naming_the_flag(tmp_path, capsys):
    assert train("vae", tmp_path / "a", 3, "--beta", "-1") == 2
    assert "--beta" in capsys.readouterr().err
    assert train("vae", tmp_path / "b", 3, "--corruption", "mask") == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "--corruption mask needs --no-variational" in err and err.count("\n") == 1
    assert not (tmp_path / "b").exists()


def test_the_iwae_estimate_covers_the_first_iwae_images_and_sharpness_is_left_to_the_shared_scores():
    images, labels = load_mnist("test", SHARED_DATA, download=False)
    images = scale_images(images[:30])
    spec = resolve(FAMILY, "vae", describe("mnist"), {"hidden": 8})
    model = FAMILY.build(spec.model, spec.run, describe("mnist"), np.random.default_rng(0))
    options = EvaluationOptions(iwae_images=5)
    figures = evaluate_autoencoder(model.autoencoder, model.sample(20), images, labels[:30], np.random.default_rng(0),
                                   options, log=str)
    assert figures["iwae_images"] == 5 and figures["iwae_samples"] == 100
    assert figures["test_iwae_nll"] < figures["test_negative_elbo"] + 5  # k=100 on 5 images vs one draw on 30
    assert "gradient_magnitude" not in figures  # computed once, by gans.metrics.images for every image family

"""The stylegan family on the generic trainer, and augmentation in the adversarial family: records,
lazy R1, augmentation on every image D sees, exact resume (ADA state included), sampling options,
the limited-data dataset, and settings refused up front.

Runs are tiny (width 2-4, batch 8, a few steps) on conftest's 48 random 28x28 "digits" patched in for
the IDX loader, so they exercise the real image source without the MNIST files.
"""
import json
from pathlib import Path

import numpy
import pytest

import minigrad
from gans.adversarial import FAMILY as ADVERSARIAL
from gans.data import describe
from gans.data.sources import LabelledImagesInfo, fixed_class_subset
from gans.evaluation import EVALUATIONS
from gans.run import Trainer, load_sampler, resolve
from gans.runio import read_jsonl
from gans.style import FAMILY as STYLEGAN
from gans.style.model import lazy_adam
from gans.families import get_family


def tiny(preset="stylegan2", family=STYLEGAN, **overrides):
    settings = dict(steps=4, batch_size=8, width=2, latent_dim=4, log_every=1, sample_every=1000,
                    checkpoint_every=2, eval_samples=20)
    if family is STYLEGAN:
        settings.update(w_dim=4, mapping_layers=1, max_width=8, r1_interval=2)
    return resolve(family, preset, describe(overrides.pop("dataset", "mnist")), {**settings, **overrides})


def train(spec, out, family=STYLEGAN, resume=False):
    Trainer(family, spec, out, resume=resume).train()
    return read_jsonl(Path(out) / "metrics.jsonl")


def without_time(records):
    return [{key: value for key, value in record.items() if key != "wall_time"} for record in records]


def test_records_hold_losses_d_outputs_and_r1_on_the_lazy_steps_only(tmp_path, fake_mnist):
    records = train(tiny(steps=5, r1_interval=2), tmp_path)
    assert [("r1" in record) for record in records] == [True, False, True, False, True]
    for record in records:
        assert {"loss_d", "loss_g", "d_real", "d_fake", "grad_norm_d", "grad_norm_g"} <= record.keys()
        assert 0 < record["d_real"] < 1 and 0 < record["d_fake"] < 1
    assert "augment_p" not in records[0]


def test_augmentation_reaches_real_and_fake_images_in_both_d_and_g_steps(tmp_path, fake_mnist):
    trainer = Trainer(STYLEGAN, tiny(steps=2, r1_gamma=0.0, augment="translation"), tmp_path)
    seen = []
    augment = trainer.model.augmentation.augment
    trainer.model.augmentation.augment = lambda images, rng: seen.append(images.requires_grad) or augment(images, rng)
    trainer.train()
    # per step: the D step's reals and (detached) fakes, then the G step's fakes, which carry G's gradient
    assert seen == [False, False, True] * 2


def test_a_resumed_augmented_ada_run_equals_the_uninterrupted_one(tmp_path, fake_mnist):
    settings = dict(augment="translation,cutout,color", ada_target=0.3, ada_interval=4, ada_images=40,
                    ema_decay=0.9)  # ADA's first r_t, at step 4, averages over steps 1-3 from before the resume
    whole = train(tiny(steps=6, **settings), tmp_path / "whole")
    train(tiny(steps=3, **settings), tmp_path / "halves")
    resumed = train(tiny(steps=6, **settings), tmp_path / "halves", resume=True)
    assert without_time(resumed) == without_time(whole)
    assert [("ada_signal" in record) for record in whole] == [False] * 3 + [True] * 3
    a, b = (minigrad.load(Path(run) / "checkpoint.npz") for run in (tmp_path / "whole", tmp_path / "halves"))
    for name, tensor in a["ema"]["generator"]["module"].items():
        numpy.testing.assert_array_equal(tensor.numpy(), b["ema"]["generator"]["module"][name].numpy())


def test_sampling_from_the_checkpoint_alone_with_truncation_and_the_mixing_figure(tmp_path, fake_mnist):
    train(tiny(steps=2), tmp_path)
    _, model, step = load_sampler(tmp_path, get_family)
    assert step == 2 and not hasattr(model, "discriminator")
    samples = model.sample(5, truncation=0.5, rng=numpy.random.default_rng(0))
    assert samples.shape == (5, 1, 28, 28) and numpy.abs(samples).max() <= 1
    assert model.sample(100, mixing_crossover=2).shape == (100, 1, 28, 28)
    with pytest.raises(ValueError, match=r"--mixing-crossover 2: draws the 10x10 style-mixing figure, so needs --n 100 "
                                         r"\(got 36\)"):
        model.sample(36, mixing_crossover=2)
    with pytest.raises(ValueError, match=r"crossover in \[1, 4\]"):
        model.sample(100, mixing_crossover=5)


def test_the_adversarial_family_takes_diffaugment_and_ada_too(tmp_path, fake_mnist):
    spec = tiny("dcgan", ADVERSARIAL, steps=4, augment="translation,cutout,color", ada_target=0.3, ada_interval=2,
                ada_images=16)
    records = train(spec, tmp_path / "ada", ADVERSARIAL)
    # every 2 D steps (16 images, all of ada_images) p jumps a whole unit up or down, by the sign of r_t - 0.3
    assert [("ada_signal" in record) for record in records] == [False, True, True, True]
    assert records[0]["augment_p"] == 0.0
    for before, after in ((records[0], records[1]), (records[2], records[3])):
        assert after["augment_p"] == (1.0 if after["ada_signal"] > 0.3 else 0.0), (before, after)
    plain = train(tiny("dcgan", ADVERSARIAL, steps=2, augment="cutout"), tmp_path / "plain", ADVERSARIAL)
    assert [record["augment_p"] for record in plain] == [1.0, 1.0]


@pytest.mark.parametrize("family, preset, overrides, message", [
    (STYLEGAN, "stylegan2", dict(ada_target=0.6), "--ada-target 0.6: ADA adapts an augmentation, so it needs"),
    (STYLEGAN, "stylegan2", dict(augment="rotate"), r"unknown: \['rotate'\]"),
    (ADVERSARIAL, "nsgan", dict(dataset="ring8", augment="color"), r"the transforms act on images .* \(2,\)"),
])
def test_bad_augmentation_settings_are_refused_before_anything_is_built(family, preset, overrides, message):
    with pytest.raises(ValueError, match=message):
        tiny(preset, family, **overrides)


def test_the_limited_data_set_is_a_fixed_class_balanced_tenth_of_a_percent_of_each_class():
    labels = numpy.random.default_rng(0).integers(0, 10, 6000)
    chosen = fixed_class_subset(labels, 60)
    assert len(chosen) == 600 and numpy.bincount(labels[chosen]).tolist() == [60] * 10
    numpy.testing.assert_array_equal(chosen, fixed_class_subset(labels, 60))
    info = describe("mnist-600")
    assert info.source_name == "mnist" and info.per_class == 60


def test_the_limited_data_source_serves_only_its_subset(fake_mnist):
    source = describe("mnist-600").open(numpy.random.default_rng(0))
    assert source.sampler.length == 48  # the 48 fake digits hold fewer than 60 per class: all are kept


def test_the_cli_trains_samples_and_evaluates_with_the_family_sampling_options(tmp_path, fake_mnist, monkeypatch):
    """`sample` and `evaluate` take the stylegan flags (--truncation, --mixing-crossover); evaluate records them."""
    from gans.cli import main

    run = tmp_path / "run"
    assert main(["train", "stylegan2", "--steps", "2", "--batch-size", "8", "--width", "2", "--eval-samples", "10",
                 "--out", str(run), "--quiet", "--augment", "translation"]) == 0
    assert main(["sample", "--checkpoint", str(run), "--n", "100", "--mixing-crossover", "3",
                 "--out", str(tmp_path / "mixing.npy")]) == 0
    assert numpy.load(tmp_path / "mixing.npy").shape == (100, 1, 28, 28)
    scored = []
    monkeypatch.setitem(EVALUATIONS, LabelledImagesInfo,
                        lambda info, samples, data_dir=None, log=print, labelled=None: scored.append(samples) or {})
    assert main(["evaluate", "--checkpoint", str(run), "--n", "12", "--truncation", "0.0"]) == 0
    assert json.loads((run / "evaluation.json").read_text())["truncation"] == 0.0
    assert scored[0].shape == (12, 1, 28, 28)


def test_lazy_regularisation_scales_d_adam_by_k_over_k_plus_one_only_when_r1_runs():
    parameter = minigrad.nn.Parameter(minigrad.zeros(2))
    group = lazy_adam([parameter], 0.002, (0.0, 0.99), 16).param_groups[0]
    assert group["lr"] == pytest.approx(0.002 * 16 / 17) and group["betas"][1] == pytest.approx(0.99 ** (16 / 17))
    assert lazy_adam([parameter], 0.002, (0.0, 0.99), 1).param_groups[0]["lr"] == 0.002

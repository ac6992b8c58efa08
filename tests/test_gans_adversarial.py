"""The adversarial family on the generic trainer: its run folder, seeding, resuming, divergence handling
and presets.

Every run is tiny (width 4-8, batch 16, a few steps). Image runs read a small random uint8 "MNIST"
(48 images) patched in for the IDX loader, so they exercise the real image source (epoch shuffling
included) without the 60,000-image files; the CLI tests use the real files. Only the run-folder test
draws pictures (a trainer without hooks draws none).
"""
import json
from pathlib import Path

import numpy
import pytest

import minigrad
from gans.adversarial import FAMILY, PRESETS, OptimizerSpec
from gans.adversarial.losses import AdversarialLoss
from gans.data import describe
from gans.families import get_family
from gans.run import PICTURES, Trainer, TrainingDiverged, load_sampler, resolve
from gans.run.config import spec_from_dict
from gans.runio import read_json, read_jsonl, to_json
from minigrad import nn
from run_checks import assert_same_state, checkpoint, without_time

REQUIRED_KEYS = {"step", "loss_d", "loss_g", "d_real", "d_fake", "grad_norm_d", "grad_norm_g", "wall_time"}
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def fake_mnist(monkeypatch):
    """48 random 28x28 digits with labels 0..9 in place of the MNIST training files."""
    rng = numpy.random.default_rng(5)
    images = rng.integers(0, 256, (48, 28, 28), dtype=numpy.uint8)
    labels = numpy.arange(48, dtype=numpy.int64) % 10
    monkeypatch.setattr("gans.data.sources.load_idx_dataset", lambda name, split, data_dir=None: (images, labels))


def make_config(model, dataset="ring8", **overrides):
    return resolve(FAMILY, model, describe(dataset), overrides)


def tiny(model, dataset="ring8", **overrides):
    """A run of a few steps on tiny networks; every step logged, checkpoints every 2 steps, one sample
    grid at the end (matplotlib is most of a tiny run's time). The learning rate is constant, so a run
    resumed with more steps continues the shorter one exactly (a linear schedule depends on the total)."""
    settings = dict(steps=4, batch_size=16, width=8, depth=2, latent_dim=2, log_every=1, sample_every=1000,
                    checkpoint_every=2, eval_samples=200, lr_schedule="constant")
    if dataset in ("mnist", "fashion-mnist"):
        settings.update(width=4, latent_dim=8)
    return make_config(model, dataset, **{**settings, **overrides})


def train(config, out, resume=False):
    Trainer(FAMILY, config, out, resume=resume).train()
    return read_jsonl(Path(out) / "metrics.jsonl")


def all_finite(module_state):
    return all(numpy.isfinite(tensor.numpy()).all() for tensor in module_state.values())


class NaNGradient(minigrad.autograd.Function):
    """The identity whose gradient is NaN: a finite loss that would poison the weights."""

    def forward(self, x):
        return x.copy()

    def backward(self, grad):
        return (grad * float("nan"),)


def fail_at(trainer, step, network="discriminator", poison=lambda loss: loss * float("nan")):
    """Pass the named network's loss through ``poison`` during generator update number ``step``."""
    loss = trainer.model.loss

    def poisoned(function):
        return lambda *scores: poison(function(*scores)) if trainer.step == step - 1 else function(*scores)

    discriminator = poisoned(loss.discriminator) if network == "discriminator" else loss.discriminator
    generator = poisoned(loss.generator) if network == "generator" else loss.generator
    trainer.model.loss = AdversarialLoss(loss.name, discriminator, generator)


# ------------------------------------------------------------------ run folder
def test_a_run_folder_holds_config_log_samples_curves_checkpoint_and_final_metrics(tmp_path):
    config = tiny("wgan-gp", sample_every=2)
    outcome = Trainer(FAMILY, config, tmp_path / "run", hooks=PICTURES).train()
    metrics, run = outcome.metrics, tmp_path / "run"

    assert spec_from_dict(read_json(run / "config.json"), get_family, "config.json") == config
    records = read_jsonl(run / "metrics.jsonl")
    assert [r["step"] for r in records] == [1, 2, 3, 4]
    for record in records:
        assert REQUIRED_KEYS | {"wasserstein_estimate"} <= record.keys()
        assert all(numpy.isfinite(value) for value in record.values())
        # a critic's d_real and d_fake are its mean raw scores, the estimate their difference
        assert record["wasserstein_estimate"] == pytest.approx(record["d_real"] - record["d_fake"], rel=1e-5)
    assert numpy.all(numpy.diff([r["wall_time"] for r in records]) >= 0)

    pictures = ["samples/step_000002.png", "samples/step_000004.png", "losses.png", "d_outputs.png"]
    for name in pictures:
        assert (run / name).read_bytes().startswith(PNG_MAGIC), name
    assert sorted(p.name for p in (run / "samples").iterdir()) == ["step_000002.png", "step_000004.png"]

    state = checkpoint(run)
    assert state["step"] == 4 and state["sampling"].keys() == {"generator"} and state["ema"] == {}
    assert state["family"].keys() == {"discriminator", "g_optimizer", "d_optimizer"}
    assert read_json(run / "final_metrics.json") == json.loads(to_json(metrics))  # standard JSON: inf as "inf"
    assert metrics["step"] == 4 and metrics["n_modes"] == 8 and metrics["n_samples"] == 200
    assert 0 <= metrics["modes_captured"] <= 8


def test_probability_losses_log_d_outputs_as_probabilities_and_no_wasserstein_estimate(tmp_path):
    records = train(tiny("nsgan", steps=2), tmp_path)
    for record in records:
        assert REQUIRED_KEYS <= record.keys() and "wasserstein_estimate" not in record
        assert 0 < record["d_real"] < 1 and 0 < record["d_fake"] < 1


def test_log_every_thins_the_log_but_keeps_the_first_step(tmp_path):
    records = train(tiny("nsgan", steps=7, log_every=3), tmp_path)
    assert [r["step"] for r in records] == [1, 3, 6]


def test_a_fresh_run_refuses_a_folder_that_holds_a_run(tmp_path):
    train(tiny("nsgan", steps=2), tmp_path)
    with pytest.raises(FileExistsError, match="already holds a run; pass --resume"):
        Trainer(FAMILY, tiny("nsgan", steps=2), tmp_path)


def test_a_fresh_run_starts_its_own_log(tmp_path):
    (tmp_path / "metrics.jsonl").write_text('{"step": 7, "loss_d": 1.0}\n')  # left by a run that never checkpointed
    assert [r["step"] for r in train(tiny("nsgan", steps=2), tmp_path)] == [1, 2]


# ------------------------------------------------------------------- seeding
def test_seeded_runs_are_reproducible_and_the_seed_matters(tmp_path):
    first = train(tiny("wgan-gp", steps=3), tmp_path / "a")
    second = train(tiny("wgan-gp", steps=3), tmp_path / "b")
    other_seed = train(tiny("wgan-gp", steps=3, seed=1), tmp_path / "c")
    assert without_time(first) == without_time(second)
    assert_same_state(tmp_path / "a", tmp_path / "b")
    assert [r["loss_d"] for r in other_seed] != [r["loss_d"] for r in first]


# ------------------------------------------------------------------- resuming
# Each case keeps a different kind of state: SGD momentum, RMSprop averages with clipping and 5
# critic steps, Adam moments with the penalty's mixing draws, spectral norm's power-iteration vectors,
# BatchNorm running statistics with the image epoch order (48 images, batch 16: a reshuffle every 3
# batches), class labels.
RESUME_CASES = [("gan", "ring8"), ("wgan", "ring8"), ("wgan-gp", "ring8"), ("sngan", "ring8"),
                ("dcgan", "mnist"), ("cgan", "mnist")]


@pytest.mark.parametrize("model, dataset", RESUME_CASES)
def test_resuming_half_way_reproduces_the_uninterrupted_run(tmp_path, fake_mnist, model, dataset):
    whole = train(tiny(model, dataset, steps=6), tmp_path / "whole")
    train(tiny(model, dataset, steps=3), tmp_path / "halves")
    resumed = train(tiny(model, dataset, steps=6), tmp_path / "halves", resume=True)
    assert without_time(resumed) == without_time(whole)
    assert_same_state(tmp_path / "whole", tmp_path / "halves")
    assert numpy.all(numpy.diff([r["wall_time"] for r in resumed]) >= 0)  # the clock continues


def test_resuming_keeps_the_generator_average_and_the_learning_rate_schedule(tmp_path):
    # the schedule depends on the planned steps, so the first half is a 6-step run stopped after step 3
    config = tiny("wgan-gp", steps=6, checkpoint_every=3, ema_decay=0.9, lr_schedule="linear")
    whole = train(config, tmp_path / "whole")
    interrupted = Trainer(FAMILY, config, tmp_path / "halves")
    fail_at(interrupted, 4)
    with pytest.raises(TrainingDiverged):
        interrupted.train()
    resumed = train(config, tmp_path / "halves", resume=True)
    assert without_time(resumed) == without_time(whole)
    assert_same_state(tmp_path / "whole", tmp_path / "halves")
    assert checkpoint(tmp_path / "whole")["ema"].keys() == {"generator"}


def test_resuming_after_a_crash_logs_each_step_once(tmp_path):
    whole = train(tiny("wgan-gp", steps=6, checkpoint_every=3), tmp_path / "whole")
    crashed = Trainer(FAMILY, tiny("wgan-gp", steps=6, checkpoint_every=3), tmp_path / "crashed")
    fail_at(crashed, 5)
    with pytest.raises(TrainingDiverged):
        crashed.train()
    assert [r["step"] for r in read_jsonl(tmp_path / "crashed" / "metrics.jsonl")] == [1, 2, 3, 4]
    assert checkpoint(tmp_path / "crashed")["step"] == 3

    resumed = train(tiny("wgan-gp", steps=6, checkpoint_every=3), tmp_path / "crashed", resume=True)
    assert without_time(resumed) == without_time(whole)


def test_a_run_on_the_device_continues_on_the_cpu(tmp_path, device):
    train(tiny("wgan-gp", steps=2, device=device), tmp_path)
    records = train(tiny("wgan-gp", steps=3, device="cpu"), tmp_path, resume=True)
    assert [r["step"] for r in records] == [1, 2, 3]
    assert all(numpy.isfinite(v) for r in records for v in r.values())


def test_resume_refuses_a_run_trained_with_other_settings(tmp_path):
    train(tiny("nsgan", steps=2), tmp_path)
    with pytest.raises(ValueError, match=r"cannot resume.*loss='non_saturating' there, 'least_squares' here"):
        Trainer(FAMILY, tiny("nsgan", steps=4, loss="least_squares"), tmp_path, resume=True)


def test_resume_without_a_checkpoint_says_so(tmp_path):
    with pytest.raises(FileNotFoundError, match="no checkpoint at"):
        Trainer(FAMILY, tiny("nsgan"), tmp_path, resume=True)


# ------------------------------------------------------------ divergence
POISONS = {  # what goes wrong -> the poison, the network it hits, and what the message must name
    "nan D loss": (lambda loss: loss * float("nan"), "discriminator", "loss_d became nan"),
    "inf G loss": (lambda loss: loss * float("inf"), "generator", "loss_g became inf"),
    "finite D loss, NaN gradient": (NaNGradient.apply, "discriminator", "grad_norm_d became nan"),
    "finite G loss, NaN gradient": (NaNGradient.apply, "generator", "grad_norm_g became nan"),
}


@pytest.mark.parametrize("case", POISONS)
def test_divergence_stops_the_run_and_keeps_the_last_good_checkpoint(tmp_path, case):
    poison, network, message = POISONS[case]
    trainer = Trainer(FAMILY, tiny("nsgan", steps=8), tmp_path)
    fail_at(trainer, 5, network, poison)
    expected = rf"{message} at step 5.*last good checkpoint \(step 4\).*checkpoint\.npz"
    with pytest.raises(TrainingDiverged, match=expected):
        trainer.train()
    state = checkpoint(tmp_path)
    assert state["step"] == 4
    assert all_finite(state["sampling"]["generator"]) and all_finite(state["family"]["discriminator"])
    # the update was refused, so the networks in memory are still good too
    model = trainer.model
    assert all_finite(model.generator.state_dict()) and all_finite(model.discriminator.state_dict())
    assert not [p for p in tmp_path.rglob("*") if p.name.endswith(".tmp")]


# ------------------------------------------------- schedule and weight average
@pytest.mark.parametrize("schedule", ["constant", "linear"])
def test_the_learning_rate_schedule_sets_both_optimizers_each_step(tmp_path, schedule):
    steps = 5
    used = []
    trainer = Trainer(FAMILY, tiny("wgan-gp", steps=steps, lr_schedule=schedule), tmp_path,
                      progress=lambda step, record: used.append([group["lr"] for optimizer in optimizers
                                                                for group in optimizer.param_groups]))
    optimizers = (trainer.model.g_optimizer, trainer.model.d_optimizer)
    trainer.train()
    base = [trainer.spec.model.g_optimizer.lr, trainer.spec.model.d_optimizer.lr]
    for step, rates in enumerate(used):
        factor = 1.0 if schedule == "constant" else 1 - step / steps
        numpy.testing.assert_allclose(rates, [lr * factor for lr in base])
    assert schedule == "constant" or used[-1][0] < used[0][0] / steps * 1.01


def test_with_ema_the_samples_come_from_the_averaged_generator(tmp_path):
    trainer = Trainer(FAMILY, tiny("nsgan", steps=3, ema_decay=0.5), tmp_path)
    model = trainer.model
    expected = {name: p.numpy().copy() for name, p in model.generator.named_parameters()}
    model.train_step = record_averages(model, model.train_step, expected, 0.5)
    trainer.train()
    average = trainer.emas["generator"].module
    for name, parameter in average.named_parameters():
        numpy.testing.assert_allclose(parameter.numpy(), expected[name], rtol=1e-5, atol=1e-7)
    z, _ = model.draw_latents(7)
    with trainer.sampling_weights(), minigrad.no_grad():
        assert model.generator is average
        numpy.testing.assert_array_equal(model.generate_eval(z, None), average(z).numpy())
    with minigrad.no_grad():
        assert not numpy.allclose(average(z).numpy(), model.generator(z).numpy())


def record_averages(model, step, averages, decay):
    """Wrap ``step`` so that ``averages`` follows avg <- decay * avg + (1 - decay) * weights after each call."""
    def stepped(*args):
        result = step(*args)
        for name, parameter in model.generator.named_parameters():
            averages[name] = decay * averages[name] + (1 - decay) * parameter.numpy()
        return result
    return stepped


@pytest.mark.parametrize("overrides, message", [
    (dict(lr_schedule="cosine"), "lr_schedule: expected one of constant, linear, got 'cosine'"),
    (dict(ema_decay=1.0), r"ema_decay: expected a number >= 0.0 and <= 0.999999, got 1.0"),
    (dict(steps=0), "steps: expected an integer >= 1, got 0"),
    (dict(width=2.5), "width: expected an integer >= 1, got 2.5"),
    (dict(spectral_norm="yes"), "spectral_norm: expected true or false, got 'yes'"),
])
def test_bad_settings_are_refused_naming_the_setting(overrides, message):
    with pytest.raises(ValueError, match=message):
        make_config("nsgan", "ring8", **overrides)


# ---------------------------------------------------------------- presets
def two_step_run(tmp_path, model, dataset, **overrides):
    trainer = Trainer(FAMILY, tiny(model, dataset, steps=2, **overrides), tmp_path, hooks=PICTURES[:1])
    trainer.train()
    records = read_jsonl(tmp_path / "metrics.jsonl")
    assert [r["step"] for r in records] == [1, 2]
    assert all(numpy.isfinite(v) for r in records for v in r.values())
    return trainer


@pytest.mark.parametrize("model", [name for name in PRESETS if name != "cgan"])
def test_every_preset_trains_on_ring8(tmp_path, model):
    trainer = two_step_run(tmp_path, model, "ring8")
    discriminator = trainer.model.discriminator
    if model == "wgan":
        assert max(numpy.abs(p.numpy()).max() for p in discriminator.parameters()) <= 0.01 + 1e-7
    if model == "sngan":
        assert any(name.endswith("weight_orig") for name, _ in discriminator.named_parameters())
    assert trainer.sample(5).shape == (5, 2)


def test_the_conditional_preset_needs_labelled_data():
    with pytest.raises(ValueError, match="'cgan' needs class labels; dataset 'ring8' has none"):
        make_config("cgan", "ring8")


@pytest.mark.parametrize("model", ["dcgan", "wgan-gp", "cgan"])
def test_image_presets_train_a_dcgan(tmp_path, fake_mnist, model):
    trainer = two_step_run(tmp_path, model, "mnist")
    has_batch_norm = any(isinstance(m, nn.BatchNorm2d) for m in trainer.model.discriminator.modules())
    assert has_batch_norm == (model != "wgan-gp")
    assert (tmp_path / "samples" / "step_000002.png").read_bytes().startswith(PNG_MAGIC)
    samples = trainer.sample(4, labels=[1, 1, 2, 2] if model == "cgan" else None)
    assert samples.shape == (4, 1, 28, 28) and numpy.all(numpy.abs(samples) <= 1)


def test_packed_discriminator_trains_and_a_ragged_pack_is_refused_up_front(tmp_path):
    trainer = two_step_run(tmp_path, "wgan-gp", "ring8", pack=4)  # the penalty goes through packs too
    assert trainer.model.discriminator.pack_size == 4
    with pytest.raises(ValueError, match="batch size 16 must be a multiple of the PacGAN pack size"):
        tiny("nsgan", pack=3)


IMAGE_PRESETS = {  # the papers' settings, as the issue lists them
    "gan": dict(loss="minimax", optimizer=("sgd", None), momentum=True, n_critic=1),
    "dcgan": dict(loss="non_saturating", optimizer=("adam", 2e-4), betas=(0.5, 0.999), n_critic=1),
    "wgan": dict(loss="wasserstein", optimizer=("rmsprop", 5e-5), weight_clip=0.01, n_critic=5),
    "wgan-gp": dict(loss="wasserstein", optimizer=("adam", 1e-4), betas=(0.5, 0.9), gradient_penalty=10.0,
                    n_critic=5, batch_norm_in_d=False),
    "sngan": dict(loss="hinge", spectral_norm=True),
    "cgan": dict(conditional=True),
}


@pytest.mark.parametrize("model", sorted(IMAGE_PRESETS))
def test_presets_carry_the_papers_settings(model):
    config = make_config(model, "mnist").model
    expected = dict(IMAGE_PRESETS[model])
    (name, lr), betas = expected.pop("optimizer", (None, None)), expected.pop("betas", None)
    momentum = expected.pop("momentum", False)
    for spec in (config.g_optimizer, config.d_optimizer):
        assert name in (None, spec.name) and lr in (None, spec.lr)
        assert betas is None or tuple(spec.betas) == betas
        assert not momentum or spec.momentum > 0
    assert {key: getattr(config, key) for key in expected} == expected


def test_settings_stack_data_defaults_preset_and_overrides():
    spec = make_config("wgan-gp", "ring8", steps=7, **{"d_optimizer.lr": 0.25})
    assert (spec.run.steps, spec.run.batch_size, spec.run.seed) == (7, 256, 0)  # override, the data's default
    assert (spec.model.loss, spec.model.gradient_penalty, spec.model.width) == ("wasserstein", 0.1, 128)
    assert spec.model.d_optimizer == OptimizerSpec("adam", 0.25, (0.5, 0.9)) != spec.model.g_optimizer
    assert make_config("wgan-gp", "mnist").run.steps == 5400 and make_config("dcgan", "mnist").model.width == 32
    with pytest.raises(ValueError, match="unknown dataset 'cifar'"):
        make_config("dcgan", "cifar")
    with pytest.raises(ValueError, match="unknown setting.*colour"):
        make_config("dcgan", colour=3)


def ema_image_run(tmp_path, name, **overrides):
    """A DCGAN whose live weights run far ahead of their average (a large G rate, a slow average)."""
    fast = OptimizerSpec("adam", 0.05, (0.5, 0.999))
    config = tiny("dcgan", "mnist", ema_decay=0.9, g_optimizer=fast, **overrides)
    trainer = Trainer(FAMILY, config, tmp_path / name, hooks=[lambda event, trainer: trainer.preview()])
    trainer.train()
    return trainer


def test_the_ema_generator_samples_with_batch_norm_statistics_of_its_own(tmp_path, fake_mnist):
    trainer = ema_image_run(tmp_path, "ema", steps=6)
    live = trainer.model.generator
    z, _ = trainer.model.draw_latents(4000, numpy.random.default_rng(1))
    with trainer.sampling_weights() as model, minigrad.no_grad():
        sampler = model.generator
        stem = sampler.net[0](z.reshape(4000, -1, 1, 1)).numpy()  # what the first batch norm normalises
    mean, std = stem.mean(axis=(0, 2, 3)), stem.std(axis=(0, 2, 3))
    assert numpy.all(numpy.abs(sampler.net[1].running_mean.numpy() - mean) < 0.1 * std + 1e-6)
    assert numpy.all(numpy.abs(sampler.net[1].running_var.numpy() / std**2 - 1) < 0.3)
    # the live generator's statistics, which the average used to borrow, do not describe it
    assert numpy.max(numpy.abs(live.net[1].running_var.numpy() / std**2 - 1)) > 0.5


def test_sampling_from_the_ema_generator_mid_run_leaves_training_unchanged(tmp_path, fake_mnist):
    ema_image_run(tmp_path, "sampled", sample_every=1)
    ema_image_run(tmp_path, "unsampled", sample_every=1000)
    assert_same_state(tmp_path / "sampled", tmp_path / "unsampled", differing_settings=["sample_every"])


@pytest.mark.parametrize("model, dataset, overrides", [("wgan-gp", "ring8", {}), ("cgan", "mnist", {}),
                                                       ("dcgan", "mnist", {"ema_decay": 0.9})])
def test_sampling_from_a_checkpoint_builds_only_the_generator(tmp_path, fake_mnist, model, dataset, overrides):
    trainer = Trainer(FAMILY, tiny(model, dataset, steps=2, **overrides), tmp_path)
    trainer.train()
    labels = [3, 1, 4, 1] if model == "cgan" else None
    expected = trainer.sample(4, labels, rng=numpy.random.default_rng(9))
    _, sampler, step = load_sampler(tmp_path, get_family, seed=9)
    assert step == 2 and sampler.source is None
    assert not any(hasattr(sampler, name) for name in ("discriminator", "g_optimizer", "d_optimizer"))
    numpy.testing.assert_array_equal(sampler.sample(4, labels), expected)

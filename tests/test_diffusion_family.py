"""The diffusion family on the generic trainer: it learns, resumes exactly, stops on NaN, samples from
its checkpoint alone (DDPM and DDIM, guided), and refuses settings that cannot work."""
from pathlib import Path

import numpy
import pytest

import minigrad
from gans.cli import main
from gans.data import describe
from gans.data.sources import ArraySource, LabelledImagesInfo
from gans.diffusion import FAMILY, Denoising, DiffusionModel
from gans.diffusion.sampling import SPACINGS, ddim_timesteps
from gans.run import Trainer, TrainingDiverged, load_sampler, resolve
from gans.runio import read_jsonl
from run_checks import assert_same_state, without_time

TINY_MLP = dict(steps=6, batch_size=64, log_every=1, checkpoint_every=3, hidden=16, depth=1, embedding_dim=8,
                timesteps=30, schedule="cosine", eval_samples=50, sample_every=1000)


def spec(preset="ddpm", dataset="ring8", **overrides):
    return resolve(FAMILY, preset, describe(dataset), {**TINY_MLP, **overrides})


def train(run_spec, out):
    outcome = Trainer(FAMILY, run_spec, out).train()
    return outcome, read_jsonl(Path(out) / "metrics.jsonl")


def test_the_point_model_learns_and_keeps_an_ema(tmp_path):
    outcome, records = train(spec(steps=200, log_every=10, warmup_steps=10), tmp_path)
    assert outcome.status == "finished" and outcome.metrics["n_modes"] == 8
    losses = [record["loss"] for record in records]
    assert numpy.mean(losses[-5:]) < 0.75 * numpy.mean(losses[:2])  # single batches are noisy: averages
    assert all(0 < record["grad_norm"] for record in records)
    saved = minigrad.load(tmp_path / "checkpoint.npz")
    assert saved["ema"]["denoiser"]["decay"] == pytest.approx(0.999)  # EMA on by default


def test_a_resumed_run_equals_the_uninterrupted_one(tmp_path):
    train(spec(), tmp_path / "whole")
    train(spec(steps=3), tmp_path / "half")
    outcome = Trainer(FAMILY, spec(), tmp_path / "half", resume=True).train()
    assert outcome.step == 6
    assert without_time(read_jsonl(tmp_path / "whole" / "metrics.jsonl")) == \
           without_time(read_jsonl(tmp_path / "half" / "metrics.jsonl"))
    assert_same_state(tmp_path / "whole", tmp_path / "half")


def test_a_nan_loss_stops_before_the_update():
    info = describe("ring8")
    run_spec = spec()
    model = DiffusionModel(run_spec.model, run_spec.run, info, numpy.random.default_rng(0), source=object())
    before = [p.numpy().copy() for p in model.denoiser.parameters()]
    with pytest.raises(TrainingDiverged, match="loss became nan at step 1"):
        model.train_step((minigrad.full((4, 2), float("nan")), None), 0)
    for old, new in zip(before, model.denoiser.parameters()):
        numpy.testing.assert_array_equal(old, new.numpy())


def test_sample_from_the_checkpoint_alone_with_either_sampler(tmp_path):
    train(spec(), tmp_path)
    _, model, step = load_sampler(tmp_path, lambda name: FAMILY)
    assert step == 6 and not hasattr(model, "optimizer")  # sampling builds no optimizer
    ddim = model.sample(5, rng=numpy.random.default_rng(1), sampler="ddim", steps=4)
    again = model.sample(5, rng=numpy.random.default_rng(1), sampler="ddim", steps=4)
    numpy.testing.assert_array_equal(ddim, again)  # eta = 0: a function of the starting noise
    assert model.sample(5, rng=numpy.random.default_rng(1)).shape == (5, 2)
    out = tmp_path / "points.npy"
    assert main(["sample", "--checkpoint", str(tmp_path), "--out", str(out), "--n", "7", "--sampler", "ddim",
                 "--steps", "3", "--eta", "0.5"]) == 0
    assert numpy.load(out).shape == (7, 2)


def test_sample_flags_are_checked(tmp_path, capsys):
    train(spec(steps=1), tmp_path)
    assert main(["sample", "--checkpoint", str(tmp_path), "--out", str(tmp_path / "x.npy"), "--sampler", "euler"]) == 2
    assert "--sampler" in capsys.readouterr().err
    assert main(["sample", "--checkpoint", str(tmp_path), "--out", str(tmp_path / "x.npy"), "--spacing", "cubic"]) == 2
    assert "--spacing" in capsys.readouterr().err


def test_spacing_picks_ddim_timesteps_and_needs_the_ddim_sampler(tmp_path):
    train(spec(steps=1), tmp_path)
    _, model, _ = load_sampler(tmp_path, lambda name: FAMILY)
    top = model.schedule.num_steps - 1
    for spacing in SPACINGS:
        seen = []
        model.sample(3, sampler="ddim", steps=5, spacing=spacing, on_step=lambda step: seen.append(step.t))
        assert seen == list(ddim_timesteps(top + 1, 5, spacing=spacing))
    with pytest.raises(ValueError, match="spacing 'quadratic' needs the ddim sampler"):
        model.sample(3, sampler="ddpm", spacing="quadratic")
    out = tmp_path / "points.npy"
    assert main(["sample", "--checkpoint", str(tmp_path), "--out", str(out), "--n", "4", "--sampler", "ddim",
                 "--steps", "5", "--spacing", "quadratic"]) == 0
    assert numpy.load(out).shape == (4, 2)


def tiny_images_model(**overrides):
    info = LabelledImagesInfo("tiny-digits", help="", sample_shape=(1, 4, 4), num_classes=3)
    run_spec = resolve(FAMILY, "ddpm-cond", describe("mnist"),
                       dict(base_channels=4, channel_mults=(1, 2, 2), timesteps=30, schedule="cosine", log_every=1,
                            **overrides))
    rng = numpy.random.default_rng(0)
    images = numpy.tile(numpy.linspace(-1, 1, 16, dtype=numpy.float32).reshape(1, 1, 4, 4), (12, 1, 1, 1))
    source = ArraySource(info, rng, images * numpy.repeat([-1, 0.5, 1], 4)[:, None, None, None].astype("float32"),
                         numpy.repeat([0, 1, 2], 4))
    return DiffusionModel(run_spec.model, run_spec.run, info, rng, source), source


def test_the_conditional_unet_trains_and_samples_guided_in_range():
    model, source = tiny_images_model(lr=1e-2, warmup_steps=0)
    losses = [model.train_step(source.batch(12, "cpu"), step).get("loss") for step in range(40)]
    assert numpy.mean(losses[-5:]) < 0.5 * losses[0]
    samples = model.sample(6, labels=[0, 1, 2, 0, 1, 2], sampler="ddim", steps=5, guidance=3.0,
                           rng=numpy.random.default_rng(0))
    assert samples.shape == (6, 1, 4, 4) and numpy.abs(samples).max() <= 1.0  # x0 clipped to [-1, 1]
    assert model.sample(2, rng=numpy.random.default_rng(0), sampler="ddim", steps=3).shape == (2, 1, 4, 4)
    with pytest.raises(ValueError, match=r"labels must be 2 integers in \[0, 2\]"):
        model.sample(2, labels=[0, 3])
    with pytest.raises(ValueError, match="guidance 1.0 needs labels"):
        model.sample(2, guidance=1.0)


def test_settings_that_cannot_work_are_refused_before_building():
    with pytest.raises(ValueError, match="--conditional needs class labels; dataset 'ring8'"):
        spec(conditional=True)
    with pytest.raises(ValueError, match="--denoiser unet takes samples with 3 dims"):
        spec(denoiser="unet")
    with pytest.raises(ValueError, match="needs T > 20"):
        spec(schedule="linear", timesteps=20)


def test_evaluate_takes_the_sampling_options_and_records_them(tmp_path, capsys):
    train(spec(), tmp_path)
    results = tmp_path / "ddim.json"
    assert main(["evaluate", "--checkpoint", str(tmp_path), "--n", "40", "--sampler", "ddim", "--steps", "4",
                 "--results", str(results)]) == 0
    written = __import__("json").loads(results.read_text())
    assert written["sampler"] == "ddim" and written["steps"] == 4 and written["n_samples"] == 40


def test_clip_rules_follow_the_model_setting_on_auto_and_override_it_when_named():
    def draw(model, clip):
        model.denoiser = lambda x, t, labels: x * 0.0 - 3.0  # eps = -3: an x0 far above the data's range
        return model.sample(3, sampler="ddim", steps=4, clip=clip, rng=numpy.random.default_rng(0))

    clipping, _ = tiny_images_model()
    rules = {rule: draw(clipping, rule) for rule in ("auto", "recompute-eps", "keep-eps", "off")}
    numpy.testing.assert_array_equal(rules["auto"], rules["recompute-eps"])
    assert all(numpy.abs(rules[rule] - rules["auto"]).max() > 0 for rule in ("keep-eps", "off"))
    unclipped, _ = tiny_images_model(clip_x0=False)
    numpy.testing.assert_array_equal(draw(unclipped, "auto"), draw(unclipped, "off"))
    numpy.testing.assert_array_equal(draw(unclipped, "recompute-eps"), rules["recompute-eps"])
    with pytest.raises(ValueError, match="unknown clip rule 'sometimes'"):
        draw(clipping, "sometimes")


def test_sampling_from_a_noisy_start_denoises_from_its_timestep_with_the_null_label():
    model, _ = tiny_images_model()
    seen_labels, seen_steps = [], []
    network = model.denoiser

    def recording(x, t, labels):
        seen_labels.append(labels.numpy().tolist())
        return network(x, t, labels)

    model.denoiser = recording
    x_t = numpy.random.default_rng(1).standard_normal((2, 1, 4, 4)).astype("float32")
    for sampler in ("ddim", "ddpm"):
        model.sample(2, sampler=sampler, start=(x_t, 6), on_step=lambda step: seen_steps.append(step.t),
                     rng=numpy.random.default_rng(0))
    assert seen_steps == [6, 5, 4, 3, 2, 1, 0] * 2 and seen_labels == [[3, 3]] * 14  # 3: the null label
    one_step = model.sample(2, sampler="ddim", steps=1, start=(x_t, 6))
    model.denoiser = network
    x0, _ = Denoising(network, model.schedule, "eps", minigrad.tensor([3, 3]), clip=(-1, 1)).predict(
        minigrad.tensor(x_t), 6)
    numpy.testing.assert_allclose(one_step, x0.numpy(), rtol=1e-6, atol=1e-7)

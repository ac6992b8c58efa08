"""pix2pix, the L1-only U-Net and CycleGAN on the run layer, on tiny synthetic tasks registered for the
test: the losses move the right way, a run resumed half-way equals the uninterrupted one, sampling
works from the checkpoint alone, the learning rate decays linearly, and bad settings are refused."""
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

import minigrad
from gans.data import describe, sources
from gans.data.translation_tasks import PairedImages, UnpairedImages
from gans.run import Trainer, load_sampler, resolve
from gans.runio import read_json, read_jsonl
from gans.translation import cyclegan, pix2pix
from gans.translation.optimization import decay_factor, triplet_rows
from run_checks import assert_same_state, without_time

SIZE = 12
TINY = dict(width=4, depth=3, critic_width=4, dropout_levels=1, log_every=1, checkpoint_every=3,
            sample_every=1000, eval_samples=4)


def paired_arrays(count, seed):
    """Inputs and a target that is a fixed smooth function of them (learnable by an L1 fit)."""
    inputs = np.random.default_rng(seed).uniform(-1, 1, (count, 1, SIZE, SIZE)).astype(np.float32)
    return PairedImages(inputs, np.tanh(-2 * inputs).astype(np.float32), np.arange(count) % 10)


def domain_arrays(count, seed):
    """Block-constant colour images (A) and a colour transform of them (B)."""
    blocks = np.random.default_rng(seed).uniform(-1, 1, (count, 3, 3, 3))
    a = blocks.repeat(SIZE // 3, axis=2).repeat(SIZE // 3, axis=3).astype(np.float32)
    return a, np.clip(-a * 0.5 + 0.3, -1, 1).astype(np.float32)


@dataclass(frozen=True)
class TinyPairs(sources.DigitPairsInfo):
    def test_pairs(self, n, data_dir=None):
        return paired_arrays(n, seed=1)

    def open(self, rng, data_dir=None):
        train = paired_arrays(24, seed=0)
        return sources.ArraySource(self, rng, train.inputs, train.targets)


@dataclass(frozen=True)
class TinyDomains(sources.StyledDigitsInfo):
    def test_pairs(self, n, data_dir=None):
        a, b = domain_arrays(n, seed=1)
        return PairedImages(a, b, np.arange(n) % 10)

    def open(self, rng, data_dir=None):
        a, b = domain_arrays(24, seed=0)
        train = UnpairedImages(a[:12], None, None, b[12:], None, None)
        return sources.UnpairedSource(self, rng, train.domain_a, train.domain_b)


@pytest.fixture(autouse=True)
def tiny_datasets(monkeypatch):
    monkeypatch.setitem(sources.DATASETS, "tiny-pairs", TinyPairs(
        "tiny-pairs", help="", sample_shape=(1, SIZE, SIZE), task="tiny", input_shape=(1, SIZE, SIZE)))
    monkeypatch.setitem(sources.DATASETS, "tiny-domains", TinyDomains(
        "tiny-domains", help="", sample_shape=(3, SIZE, SIZE)))


def pix2pix_spec(preset="pix2pix", **overrides):
    return resolve(pix2pix.FAMILY, preset, describe("tiny-pairs"),
                   {**TINY, "steps": 6, "batch_size": 6, **overrides})


def cyclegan_spec(**overrides):
    return resolve(cyclegan.FAMILY, "cyclegan", describe("tiny-domains"),
                   {**TINY, "dropout_levels": 0, "pool_size": 6, "steps": 6, "batch_size": 4, **overrides})


def train(family, spec, out, **kwargs):
    outcome = Trainer(family, spec, out, **kwargs).train()
    return outcome, read_jsonl(Path(out) / "metrics.jsonl")


def mean_of(records, key, part):
    values = [record[key] for record in records]
    return np.mean(values[:4] if part == "first" else values[-4:])


@pytest.mark.parametrize("preset", ["pix2pix", "l1-unet"])
def test_pix2pix_and_the_l1_baseline_reduce_the_l1_error(tmp_path, preset):
    _, records = train(pix2pix.FAMILY, pix2pix_spec(preset, steps=30, lr=2e-3, dropout=0.0,
                                                        decay_fraction=0.0), tmp_path)
    assert mean_of(records, "l1", "last") < 0.85 * mean_of(records, "l1", "first")


def test_l1_baseline_builds_no_discriminator_and_records_no_adversarial_terms(tmp_path):
    outcome, records = train(pix2pix.FAMILY, pix2pix_spec("l1-unet", steps=2), tmp_path)
    state = minigrad.load(tmp_path / "checkpoint.npz")
    assert "discriminator" not in state["family"] and "optimizer_discriminator" not in state["family"]
    assert set(records[0]) == {"step", "wall_time", "lr", "l1", "g_loss"}
    assert records[0]["g_loss"] == pytest.approx(100 * records[0]["l1"], rel=1e-5)


def test_pix2pix_discriminator_learns_to_tell_targets_from_outputs(tmp_path):
    _, records = train(pix2pix.FAMILY, pix2pix_spec(steps=15, l1_weight=0.0, lr=1e-3), tmp_path)
    assert records[-1]["d_loss"] < records[0]["d_loss"]


def test_cyclegan_reduces_its_cycle_error_and_fills_its_pools(tmp_path):
    trainer = Trainer(cyclegan.FAMILY, cyclegan_spec(steps=20, lr=2e-3, decay_fraction=0.0), tmp_path)
    trainer.train()
    records = read_jsonl(tmp_path / "metrics.jsonl")
    assert mean_of(records, "cycle", "last") < 0.85 * mean_of(records, "cycle", "first")
    assert len(trainer.model.pools["a"]) == len(trainer.model.pools["b"]) == 6
    assert {"identity", "g_adversarial", "d_loss"} <= set(records[-1])


def test_cyclegan_without_identity_terms_records_none(tmp_path):
    _, records = train(cyclegan.FAMILY, cyclegan_spec(steps=1, identity_ratio=0.0), tmp_path)
    assert "identity" not in records[0]


@pytest.mark.parametrize("family, make_spec", [(pix2pix.FAMILY, pix2pix_spec), (cyclegan.FAMILY, cyclegan_spec)],
                         ids=["pix2pix", "cyclegan"])
def test_resuming_half_way_reproduces_the_uninterrupted_run(tmp_path, family, make_spec):
    """Dropout's masks and the pools' draws continue exactly. (A constant rate: the decay is planned
    on the run's steps, which the halves change; with the steps kept, it is a function of the step.)"""
    settings = dict(dropout=0.5, dropout_levels=1, decay_fraction=0.0)
    _, whole = train(family, make_spec(**settings), tmp_path / "whole")
    train(family, make_spec(steps=3, **settings), tmp_path / "halves")
    _, resumed = train(family, make_spec(**settings), tmp_path / "halves", resume=True)
    assert without_time(resumed) == without_time(whole)
    assert_same_state(tmp_path / "whole", tmp_path / "halves")


@pytest.mark.parametrize("family, make_spec, channels", [(pix2pix.FAMILY, pix2pix_spec, 1),
                                                         (cyclegan.FAMILY, cyclegan_spec, 3)],
                         ids=["pix2pix", "cyclegan"])
def test_sampling_needs_only_the_checkpoint_and_shows_triplets(tmp_path, family, make_spec, channels):
    train(family, make_spec(steps=2), tmp_path)
    _, model, step = load_sampler(tmp_path, lambda name: family)
    assert step == 2 and model.optimizers == {} and model.trained == {}
    outputs = model.sample(5)
    assert outputs.shape == (5, channels, SIZE, SIZE) and np.abs(outputs).max() <= 1
    assert model.sample(12, triplets=True).shape == (36, channels, SIZE, SIZE)


def test_triplet_rows_put_inputs_outputs_and_targets_in_rows_of_ten():
    inputs, outputs, targets = (np.full((12, 1, 1, 1), value) for value in (0, 1, 2))
    rows = triplet_rows(inputs, outputs, targets).reshape(-1).tolist()
    assert rows == [0] * 10 + [1] * 10 + [2] * 10 + [0] * 2 + [1] * 2 + [2] * 2


def test_stochastic_sampling_draws_new_dropout_masks(tmp_path):
    train(pix2pix.FAMILY, pix2pix_spec(steps=1, dropout=0.5, dropout_levels=1), tmp_path)
    _, model, _ = load_sampler(tmp_path, lambda name: pix2pix.FAMILY)
    np.testing.assert_array_equal(model.sample(4), model.sample(4))
    assert not np.array_equal(model.sample(4, stochastic=True), model.sample(4, stochastic=True))


def test_learning_rate_is_constant_then_falls_linearly(tmp_path):
    factors = [decay_factor(step, 10, 0.5) for step in range(10)]
    assert factors[:5] == [1.0] * 5
    assert np.allclose(np.diff(factors[4:]), -1 / 6) and factors[-1] == pytest.approx(1 / 6)
    assert [decay_factor(step, 10, 0.0) for step in range(10)] == [1.0] * 10
    _, records = train(pix2pix.FAMILY, pix2pix_spec(steps=4, decay_fraction=1.0), tmp_path)
    assert [r["lr"] for r in records] == pytest.approx([2e-4 * f for f in (4 / 5, 3 / 5, 2 / 5, 1 / 5)])


@pytest.mark.parametrize("make, message", [
    (lambda: pix2pix_spec(norm="layer"), "norm: expected one of batch, instance, none"),
    (lambda: pix2pix_spec(gan_loss="mse"), "gan_loss: expected one of"),
    (lambda: pix2pix_spec(l1_weight=-1), "l1_weight: expected a number >= 0.0"),
    (lambda: cyclegan_spec(pool_size=-2), "pool_size: expected an integer >= 0"),
    (lambda: pix2pix_spec(depth=5), "cannot be halved 5 times"),
    (lambda: pix2pix_spec(dropout_levels=2), "dropout_levels must be in"),
    (lambda: pix2pix_spec(critic_layers=3), "leaves no output cell"),
    (lambda: resolve(pix2pix.FAMILY, "pix2pix", describe("tiny-domains"), {}), "trains on paired data"),
])
def test_bad_settings_are_one_line_errors(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_translate_refuses_an_unknown_direction_and_an_empty_batch(tmp_path):
    train(cyclegan.FAMILY, cyclegan_spec(steps=1), tmp_path)
    _, model, _ = load_sampler(tmp_path, lambda name: cyclegan.FAMILY)
    with pytest.raises(ValueError, match="direction must be one of"):
        model.translate(np.zeros((1, 3, SIZE, SIZE)), "sideways")
    with pytest.raises(ValueError, match="got no inputs"):
        model.translate(np.zeros((0, 3, SIZE, SIZE)))


def test_sample_command_takes_the_families_sampling_flags(tmp_path, capsys):
    from gans import cli

    train(cyclegan.FAMILY, cyclegan_spec(steps=1), tmp_path)
    out = tmp_path / "triplets.npy"
    assert cli.main(["sample", "--checkpoint", str(tmp_path), "--n", "4", "--direction", "a_to_b", "--triplets",
                     "--out", str(out)]) == 0
    assert np.load(out).shape == (12, 3, SIZE, SIZE)
    assert cli.main(["sample", "--checkpoint", str(tmp_path), "--direction", "up", "--out", str(out)]) == 2
    assert "--direction" in capsys.readouterr().err


def test_evaluate_refuses_the_a_to_b_direction_it_would_score_as_de_styled(tmp_path, capsys):
    """evaluate's data figures read the samples as B -> A outputs (A -> B is scored under 'cycle'), so
    --direction a_to_b is an error naming the flag, not A -> B outputs scored as de-styled digits."""
    from gans import cli

    train(cyclegan.FAMILY, cyclegan_spec(steps=1), tmp_path)
    assert cli.main(["evaluate", "--checkpoint", str(tmp_path), "--n", "4", "--direction", "a_to_b"]) == 2
    message = capsys.readouterr().err.strip().splitlines()
    assert len(message) == 1 and "--direction a_to_b" in message[0] and "'cycle'" in message[0]
    assert not (tmp_path / "evaluation.json").exists()


@pytest.mark.parametrize("family, make_spec, figures", [
    (pix2pix.FAMILY, pix2pix_spec, {"model", "target"}),
    (cyclegan.FAMILY, cyclegan_spec, {"destyled", "untranslated_styled", "destyled_l1_to_true_plain", "cycle"})],
    ids=["pix2pix", "cyclegan"])
def test_evaluate_command_scores_a_translator_on_its_test_pairs(tmp_path, monkeypatch, family, make_spec, figures):
    """`python -m gans evaluate` on a translation run (its sampling option --data-dir is evaluate's own flag),
    the digit classifier and its reference digits replaced by transparent stand-ins (no files, no training)."""
    from gans import cli
    from test_translation_metrics import QuadrantClassifier, quadrant_digits

    monkeypatch.setattr("gans.metrics.classifier.load_or_train_classifier", lambda *args, **kw: QuadrantClassifier())
    monkeypatch.setattr("gans.data.translation_tasks.load_digits",
                        lambda split, data_dir=None, limit=None: quadrant_digits(limit, 5))
    train(family, make_spec(steps=1), tmp_path)
    assert cli.main(["evaluate", "--checkpoint", str(tmp_path), "--n", "8", "--data-dir", str(tmp_path)]) == 0
    report = read_json(tmp_path / "evaluation.json")
    assert set(report) == {"step", "seed", "data_dir", "draws", *figures} and report["step"] == 1
    assert report["data_dir"] == str(tmp_path)  # evaluate's --data-dir is the translator's sampling data_dir too
    if family is pix2pix.FAMILY:
        assert report["target"]["ssim"] == pytest.approx(1.0) and report["model"]["ssim"] < 1
    else:
        assert set(report["cycle"]) == {"stylised_accuracy", "cycle_accuracy_a", "cycle_l1_a", "cycle_l1_b",
                                        "frechet_stylised_to_styled", "frechet_untranslated_plain_to_styled"}
        assert report["cycle"]["cycle_l1_a"] > 0  # one step of training: the round trip is far from exact
